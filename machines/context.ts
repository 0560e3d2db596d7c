// The account's machine context and the pure functions that fold an event's data into it. Guards and
// actions both use them, so a guard judges exactly the context the action will write.
import type { AccountFacts, BuyingScore, BuyingSignal, DisqualifyReason, Gate, ManualGateVerdict, SignalCode, SignalEntry, Tier } from './types.js';
import type { LadderEvent } from './events.js';
import type { RulesConfig } from './rules/config.js';

export type SlaKind = 'dossier' | 'review';
export type Override = { gate: Gate; justification: string; compensatingSignals: string[]; by: string; at: string };

export type LadderContext = {
  account: string;
  tier: Tier;
  facts: AccountFacts;
  manualGates: ManualGateVerdict[];
  override: Override | null;
  /** The signal log, pruned to the trailing window (HO 3.2). */
  signals: SignalEntry[];
  /** Signals at or before this instant no longer qualify: the account regressed or was reopened after them. */
  signalsSince: string | null;
  lastEngagementAt: string | null;
  firstTouch: { code: SignalCode; at: string } | null;
  /** How the account entered SQL: a fast-track signal, or a dossier from MQL. */
  sqlEntry: { via: 'E4' | 'E8' | 'strong' | 'dossier'; at: string } | null;
  substateEnteredAt: string | null;
  dossier: { scores: Record<BuyingSignal, BuyingScore>; evidence: Partial<Record<BuyingSignal, string>>; by: string; at: string } | null;
  priority: 'normal' | 'high';
  briefing: { scheduledAt: string; scheduledFor: string | null; completedAt: string | null } | null;
  disqualification: { reason: DisqualifyReason; note: string | null; by: string; at: string } | null;
  suppressed: boolean;
  slaBreaches: { kind: SlaKind; dueAt: string; at: string }[];
  lastDispute: { reason: string; by: string; at: string } | null;
  /** When the current stage was entered: its no-engagement clock starts here. */
  clockFrom: string;
};

export type LadderInput = { account: string; tier: Tier; facts?: AccountFacts; at: string };

export function initialContext(input: LadderInput): LadderContext {
  return {
    account: input.account, tier: input.tier, facts: input.facts ?? {}, manualGates: [], override: null,
    signals: [], signalsSince: null, lastEngagementAt: null, firstTouch: null, sqlEntry: null,
    substateEnteredAt: null, dossier: null, priority: 'normal', briefing: null, disqualification: null,
    suppressed: false, slaBreaches: [], lastDispute: null, clockFrom: input.at,
  };
}

const DAY = 86_400_000;
const ms = (iso: string) => Date.parse(iso);

/** Appends a signal and drops entries older than the window (they can never count again). */
export function withSignal(ctx: LadderContext, signal: SignalEntry, cfg: RulesConfig): LadderContext {
  const horizon = ms(signal.at) - (cfg.signals.windowDays + 1) * DAY;
  const signals = [...ctx.signals.filter((s) => ms(s.at) >= horizon && s.id !== signal.id), signal]
    .sort((a, b) => ms(a.at) - ms(b.at) || (a.id < b.id ? -1 : 1));
  const last = ctx.lastEngagementAt && ms(ctx.lastEngagementAt) > ms(signal.at) ? ctx.lastEngagementAt : signal.at;
  return { ...ctx, signals, lastEngagementAt: last };
}

/** The context an event would produce, before the machine decides where it goes. */
export function foldEvent(ctx: LadderContext, event: LadderEvent, cfg: RulesConfig): LadderContext {
  switch (event.type) {
    case 'SIGNAL': return withSignal(ctx, event.signal, cfg);
    case 'FACTS': {
      const manualGates = event.verdict
        ? [...ctx.manualGates, { gate: event.verdict.gate, pass: event.verdict.pass, why: event.verdict.why, by: event.by, at: event.at }]
        : ctx.manualGates;
      return { ...ctx, facts: { ...ctx.facts, ...event.facts }, manualGates, tier: event.tier ?? ctx.tier };
    }
    case 'CRO_OVERRIDE':
      return { ...ctx, override: { gate: event.gate, justification: event.justification, compensatingSignals: event.compensatingSignals, by: event.by, at: event.at } };
    default: return ctx;
  }
}

/** SLA breaches that hold now: flagged in the current sub-state since it was entered (HO 4.2-4.3). */
export function currentSlaBreaches(ctx: LadderContext, substate: string | null): SlaKind[] {
  if (!substate || !ctx.substateEnteredAt) return [];
  return [...new Set(ctx.slaBreaches.filter((b) => b.kind === substate && b.at >= ctx.substateEnteredAt!).map((b) => b.kind))];
}
