// Named pure guards (STYLE 1-2). Each takes the context and the event and judges the context the
// event would produce (foldEvent), so "gates pass" after a FACTS event means with those facts.
import { foldEvent, type LadderContext } from './context.js';
import type { LadderEvent } from './events.js';
import { canOverride, evaluateGates, gatesPassing, manualVerdictProblem } from './rules/gates.js';
import { evaluateSignals, type SignalEvaluation } from './rules/signals.js';
import { assessmentTierQualifies } from './rules/tier.js';
import type { RulesConfig } from './rules/config.js';
import { NON_REOPENABLE_REASONS, SUPPRESSING_REASONS } from './types.js';

export function gateResults(ctx: LadderContext, at: string, cfg: RulesConfig) {
  return evaluateGates(ctx.facts, ctx.manualGates, at, cfg);
}

export function gatesPass(ctx: LadderContext, at: string, cfg: RulesConfig): boolean {
  return gatesPassing(gateResults(ctx, at, cfg), ctx.override ? { gate: ctx.override.gate } : undefined).pass;
}

export function signalEvaluation(ctx: LadderContext, at: string, cfg: RulesConfig): SignalEvaluation {
  return evaluateSignals(ctx.signals, at, cfg, ctx.signalsSince ? { since: ctx.signalsSince } : undefined);
}

export type Entry = 'briefing' | 'strong' | 'repeat' | 'mql' | null;

/** Where the ladder's entry rules send an account (HO 3.2, 3.2.1, 4.2): null = stays where it is. */
export function entryFor(ctx: LadderContext, event: LadderEvent, cfg: RulesConfig): Entry {
  const next = foldEvent(ctx, event, cfg);
  if (!gatesPass(next, event.at, cfg)) return null;
  const ev = signalEvaluation(next, event.at, cfg);
  if (ev.briefingRequest) return 'briefing';
  if (ev.strong) return 'strong';
  if (ev.repeatEngagement) return 'repeat';
  return ev.qualifies ? 'mql' : null;
}

type G = (a: { context: LadderContext; event: LadderEvent }) => boolean;

function slaFlagged(c: LadderContext, kind: 'dossier' | 'review'): boolean {
  return c.slaBreaches.some((b) => b.kind === kind && c.substateEnteredAt !== null && b.at >= c.substateEnteredAt);
}

export function makeGuards(cfg: RulesConfig) {
  // One event is judged by up to three entry guards in turn (E4, strong, MQL), each on the same context and event
  // objects, which the machine never mutates: the verdict is computed once and reused for that pair.
  let last: { context: LadderContext; event: LadderEvent; entry: Entry } | null = null;
  const entryOf = (context: LadderContext, event: LadderEvent): Entry => {
    if (last?.context !== context || last.event !== event) last = { context, event, entry: entryFor(context, event, cfg) };
    return last.entry;
  };
  const entry = (want: (e: Entry) => boolean): G => ({ context, event }) => want(entryOf(context, event));
  const guards = {
    isCro: ({ event }) => event.role === 'cro',
    /** E4 Briefing request with ICP gates passing: auto-SQL, straight to Briefing scheduling (HO 3.3). */
    briefingRequested: entry((e) => e === 'briefing'),
    /** E3/E6/E7/E10, or E8 derived, with gates passing: skip MQL to the SQL dossier (HO 3.2.1). */
    strongSignal: entry((e) => e === 'strong' || e === 'repeat'),
    /** ICP gates pass and an engagement signal counts in the trailing window (HO 3.2). */
    qualifiesForMql: entry((e) => e !== null),
    notSuppressed: ({ context }) => !context.suppressed,
    /** DOMAIN "ICP gates": a manual verdict decides only a gate the recorded facts (with this event's) leave unknown. */
    verdictAllowed: ({ context, event }) => event.type !== 'FACTS' || !event.verdict
      || manualVerdictProblem({ ...context.facts, ...event.facts }, event.verdict.gate, event.at, cfg) === null,
    /** The SLA of the current sub-state has not been flagged since it was entered (a re-entry by a signal re-arms it). */
    dossierSlaOpen: ({ context }) => !slaFlagged(context, 'dossier'),
    reviewSlaOpen: ({ context }) => !slaFlagged(context, 'review'),
    /** HO 3.2.1: an engagement signal, not a lone like (a like counts only as the third within 30 days). */
    engagementSignal: ({ context, event }) => {
      if (event.type !== 'SIGNAL') return false;
      if (event.signal.interaction !== 'like') return true;
      const ev = signalEvaluation(foldEvent(context, event, cfg), event.at, cfg);
      return ev.counted.some((c) => c.entryIds.includes(event.signal.id));
    },
    /** HO 4.3: three or more of S1-S4 scored CONFIRMED or LIKELY. */
    threeBuyingSignals: ({ event }) => event.type === 'DOSSIER'
      && Object.values(event.scores).filter((s) => s === 'CONFIRMED' || s === 'LIKELY').length >= 3,
    /** HO 3.6: the CRO may override exactly one failed gate. */
    overrideAllowed: ({ context, event }) => event.type === 'CRO_OVERRIDE' && event.role === 'cro'
      && context.override === null && canOverride(gateResults(context, event.at, cfg), event.gate).ok,
    /** DOMAIN: the CRO may reopen, except opt-out, hostile and competitor. */
    reopenAllowed: ({ context, event }) => event.role === 'cro' && context.disqualification !== null
      && !NON_REOPENABLE_REASONS.includes(context.disqualification.reason),
    /** HO 3.5, 5.6: a DISQUALIFIED account that is not suppressed takes an opt-out / hostile disqualification. */
    suppressesNow: ({ context, event }) => event.type === 'DISQUALIFY' && !context.suppressed && SUPPRESSING_REASONS.includes(event.reason),
    briefingNotHeld: ({ context }) => !context.briefing?.completedAt,
    briefingHeld: ({ context }) => Boolean(context.briefing?.completedAt),
    /** LQ 3: Briefing held and the account qualifies for the Assessment tier (Tier 1 or 2). */
    assessmentTierAfterBriefing: ({ context }) => Boolean(context.briefing?.completedAt) && assessmentTierQualifies(context.tier),
  } satisfies Record<string, G>;
  return guards;
}
export type GuardName = keyof ReturnType<typeof makeGuards>;
