// The ladder: one XState v5 machine per account (HO 3). Pure: no I/O, no clock. Time arrives on
// every event (`at`); durable timers are the machine's own `after` transitions, persisted by the
// engine from the `xstate.raise`/`xstate.cancel` actions that `transition()` returns.
import { and, assign, setup } from 'xstate';
import { foldEvent, initialContext, type LadderContext, type LadderInput, type SlaKind } from './context.js';
import type { LadderEvent } from './events.js';
import { makeGuards, signalEvaluation } from './guards.js';
import { DEFAULT_RULES, type RulesConfig } from './rules/config.js';
import { addBusinessDays, endOfBusinessDay } from './rules/business-days.js';
import { SUPPRESSING_REASONS, type BuyingSignal } from './types.js';

/** Bumped whenever a stored snapshot of the previous version would not restore as is (see src/store/upgrade.ts). */
export const MACHINE_VERSION = 2;

const DAY = 86_400_000;
const ms = (iso: string) => Date.parse(iso);
/** A delay is at least 1 ms: XState treats a delayed raise as scheduled only when it is a positive number. */
const until = (dueMs: number, atIso: string) => Math.max(1, dueMs - ms(atIso));
/** No-engagement clocks run from the later of the last engagement and the stage entry (decision, docs/decisions.md). */
const clockStart = (c: LadderContext) => Math.max(ms(c.clockFrom), c.lastEngagementAt ? ms(c.lastEngagementAt) : 0);

export type LadderMachineContext = LadderContext;
const NO_INPUT: LadderInput = { account: '', tier: 'Tier 3', at: new Date(0).toISOString() };

export function createLadderMachine(cfg: RulesConfig = DEFAULT_RULES) {
  const guards = makeGuards(cfg);
  return setup({
    types: {} as { context: LadderMachineContext; events: LadderEvent; input: LadderInput },
    guards,
    delays: {
      SQL_STALE: ({ context, event }) => until(clockStart(context) + cfg.timers.sqlStaleDays * DAY, event.at),
      MQL_STALE: ({ context, event }) => until(clockStart(context) + cfg.timers.mqlStaleDays * DAY, event.at),
      RECYCLE_COOLDOWN: ({ context, event }) => until(ms(context.clockFrom) + cfg.timers.recycleCooldownDays * DAY, event.at),
      DOSSIER_SLA: ({ context, event }) =>
        until(ms(addBusinessDays(context.substateEnteredAt ?? event.at, cfg.sla.dossierBusinessDays, cfg.holidays)), event.at),
      REVIEW_SLA: ({ context, event }) => {
        const from = context.substateEnteredAt ?? event.at;
        // HO 4.3: same-day CRO review for E8 repeat engagement, else 1 business day.
        const due = context.sqlEntry?.via === 'E8' ? endOfBusinessDay(from, cfg.holidays) : addBusinessDays(from, cfg.sla.reviewBusinessDays, cfg.holidays);
        return until(ms(due), event.at);
      },
    },
    actions: {
      fold: assign(({ context, event }) => foldEvent(context, event, cfg)),
      /** A stage is entered: its no-engagement clock starts now. */
      startClock: assign({ clockFrom: ({ event }) => event.at }),
      enterSubstate: assign({ substateEnteredAt: ({ event }) => event.at }),
      /** Signals up to now no longer qualify: the account went down the ladder. */
      consumeSignals: assign({ signalsSince: ({ event }) => event.at, priority: 'normal' as const }),
      classify: assign({
        firstTouch: ({ context, event }) => {
          if (context.firstTouch) return context.firstTouch;
          const first = signalEvaluation(foldEvent(context, event, cfg), event.at, cfg).firstTouch;
          return first ? { code: first.code, at: first.at } : null;
        },
      }),
      sqlViaBriefingRequest: assign({ sqlEntry: ({ event }) => ({ via: 'E4' as const, at: event.at }) }),
      sqlViaDossier: assign({ sqlEntry: ({ event }) => ({ via: 'dossier' as const, at: event.at }) }),
      sqlViaStrongSignal: assign({
        sqlEntry: ({ context, event }) => {
          const ev = signalEvaluation(foldEvent(context, event, cfg), event.at, cfg);
          return { via: ev.strong ? 'strong' as const : 'E8' as const, at: event.at };
        },
      }),
      recordDossier: assign({
        dossier: ({ event }) => event.type === 'DOSSIER'
          ? { scores: event.scores, evidence: (event.evidence ?? {}) as Partial<Record<BuyingSignal, string>>, by: event.by, at: event.at }
          : null,
      }),
      recordDispute: assign({
        lastDispute: ({ event }) => event.type === 'CRO_DISPUTE' ? { reason: event.reason, by: event.by, at: event.at } : null,
      }),
      highPriority: assign({ priority: 'high' as const }),
      recordBriefingScheduled: assign({
        briefing: ({ event }) => ({ scheduledAt: event.at, scheduledFor: event.type === 'BRIEFING_SCHEDULED' ? event.scheduledFor ?? null : null, completedAt: null }),
      }),
      recordBriefingHeld: assign({
        briefing: ({ context, event }) => ({ scheduledAt: context.briefing?.scheduledAt ?? event.at, scheduledFor: context.briefing?.scheduledFor ?? null, completedAt: event.at }),
      }),
      recordDisqualification: assign(({ context, event }) => event.type !== 'DISQUALIFY' ? {} : {
        disqualification: { reason: event.reason, note: event.note ?? null, by: event.by, at: event.at },
        // HO 3.5, 5.6: opt-out and hostile replies are suppressed, never re-engaged.
        suppressed: context.suppressed || SUPPRESSING_REASONS.includes(event.reason),
      }),
      reopen: assign({ disqualification: null, signalsSince: ({ event }) => event.at }),
      flagDossierSla: assign({ slaBreaches: ({ context, event }) => breach(context, 'dossier', event.at) }),
      flagReviewSla: assign({ slaBreaches: ({ context, event }) => breach(context, 'review', event.at) }),
    },
  }).createMachine({
    id: 'ladder',
    initial: 'PROSPECT',
    // xstate evaluates this without input when it builds a throwaway actor: answer cheaply, never throw.
    context: ({ input }) => (input ? { ...initialContext(input), clockFrom: input.at } : initialContext(NO_INPUT)),
    states: {
      PROSPECT: {
        on: {
          SIGNAL: entryTransitions(),
          FACTS: entryTransitions('verdictAllowed'),
          CRO_OVERRIDE: entryTransitions('overrideAllowed'),
          DISQUALIFY: disqualify(),
          ARCHIVE: archive(),
        },
      },
      MQL: {
        // A new MQL owes its dossier (`dossier`); one that came back down the ladder, or whose dossier found
        // fewer than three buying signals, is in nurture (HO 3.5, 4.3). Entering MQL by a plain target is nurture.
        initial: 'nurture',
        after: { MQL_STALE: { target: 'PROSPECT', actions: ['consumeSignals', 'startClock'] } },
        on: {
          SIGNAL: [
            ...fastTracks(),
            // HO 3.5: every engagement resets the no-engagement clock (and keeps the sub-state, through history).
            { target: '.hist', reenter: true, actions: 'fold' },
          ],
          DOSSIER: [
            { guard: 'threeBuyingSignals', target: '#ladder.SQL.review', actions: ['recordDossier', 'sqlViaDossier', 'startClock', 'enterSubstate'] },
            // HO 4.3: fewer than three: the lead stays MQL and enters nurture.
            { target: '.nurture', actions: 'recordDossier' },
          ],
          FACTS: facts(),
          DISQUALIFY: disqualify(),
          ARCHIVE: archive(),
        },
        states: {
          // HO 4.3 Tier 1: the sales.ops dossier is due within 1 business day of MQL classification.
          dossier: { after: { DOSSIER_SLA: { guard: 'dossierSlaOpen', actions: 'flagDossierSla' } } },
          nurture: {},
          hist: { type: 'history' },
        },
      },
      SQL: {
        initial: 'dossier',
        after: { SQL_STALE: { target: 'MQL', actions: ['consumeSignals', 'startClock'] } },
        on: {
          // Engagement resets the SQL clock and keeps the sub-state (re-entry through history).
          SIGNAL: { target: '.hist', reenter: true, actions: 'fold' },
          FACTS: facts(),
          DISQUALIFY: disqualify(),
          ARCHIVE: archive(),
        },
        states: {
          dossier: {
            after: { DOSSIER_SLA: { guard: 'dossierSlaOpen', actions: 'flagDossierSla' } },
            on: {
              DOSSIER: [
                { guard: 'threeBuyingSignals', target: 'review', actions: ['recordDossier', 'enterSubstate'] },
                { target: '#ladder.MQL', actions: ['recordDossier', 'consumeSignals', 'startClock'] },
              ],
            },
          },
          review: {
            after: { REVIEW_SLA: { guard: 'reviewSlaOpen', actions: 'flagReviewSla' } },
            on: {
              CRO_CONFIRM: { guard: 'isCro', target: 'confirmed', actions: 'enterSubstate' },
              CRO_DISPUTE: { guard: 'isCro', target: '#ladder.MQL', actions: ['recordDispute', 'consumeSignals', 'startClock'] },
              CRO_FLAG: { guard: 'isCro', target: 'confirmed', actions: ['highPriority', 'enterSubstate'] },
            },
          },
          confirmed: {
            on: { BRIEFING_SCHEDULED: { target: '#ladder.BRIEFING_READY', actions: ['recordBriefingScheduled', 'startClock'] } },
          },
          hist: { type: 'history' },
        },
      },
      BRIEFING_READY: {
        on: {
          BRIEFING_COMPLETED: { guard: 'briefingNotHeld', actions: 'recordBriefingHeld' },
          ASSESSMENT_QUALIFIED: { guard: 'assessmentTierAfterBriefing', target: 'ASSESSMENT_QUALIFIED', actions: 'startClock' },
          ASSESSMENT_LOST: { guard: 'briefingHeld', target: 'RECYCLED', actions: ['startClock', 'consumeSignals'] },
          SIGNAL: { actions: 'fold' },
          FACTS: facts(),
          DISQUALIFY: disqualify(),
          ARCHIVE: archive(),
        },
      },
      ASSESSMENT_QUALIFIED: {
        on: {
          ASSESSMENT_WON: { target: 'WON', actions: 'startClock' },
          ASSESSMENT_LOST: { target: 'RECYCLED', actions: ['startClock', 'consumeSignals'] },
          SIGNAL: { actions: 'fold' },
          FACTS: facts(),
          DISQUALIFY: disqualify(),
          ARCHIVE: archive(),
        },
      },
      WON: { type: 'final' },
      RECYCLED: {
        // HO 3.5: a 90-day cooldown, then back to the MQL nurture pool.
        after: { RECYCLE_COOLDOWN: { target: 'MQL', actions: 'startClock' } },
        on: {
          // A new strong signal ends the cooldown early and enters the SQL fast track.
          SIGNAL: [...fastTracks(), { actions: 'fold' }],
          FACTS: facts(),
          DISQUALIFY: disqualify(),
          ARCHIVE: archive(),
        },
      },
      DISQUALIFIED: {
        on: {
          // Logged, never re-entering by itself; suppressed accounts refuse signals outright.
          SIGNAL: { guard: 'notSuppressed', actions: 'fold' },
          CRO_REOPEN: { guard: 'reopenAllowed', target: 'PROSPECT', actions: ['reopen', 'startClock'] },
          // HO 3.5, 5.6: an opt-out or hostile reply after another disqualification (acquired, …) replaces its reason
          // and suppresses, so the account can never be reopened.
          DISQUALIFY: { guard: 'suppressesNow', actions: 'recordDisqualification' },
        },
      },
      ARCHIVED: {
        on: {
          // DOMAIN: ARCHIVED re-enters at PROSPECT on a new engagement signal (and climbs at once if it qualifies).
          SIGNAL: entryTransitions(undefined, 'PROSPECT'),
          FACTS: facts(),
          DISQUALIFY: disqualify(),
        },
      },
    },
  });
}

function fastTracks() {
  return [
    { guard: 'briefingRequested', target: '#ladder.SQL.confirmed', actions: ['fold', 'classify', 'sqlViaBriefingRequest', 'startClock', 'enterSubstate'] },
    { guard: 'strongSignal', target: '#ladder.SQL.dossier', actions: ['fold', 'classify', 'sqlViaStrongSignal', 'startClock', 'enterSubstate'] },
  ] as const;
}

/** FACTS outside the entry rules: folded in, unless a manual verdict would decide a gate the facts decide. */
function facts() {
  return { guard: 'verdictAllowed', actions: 'fold' } as const;
}

/** The entry rules from PROSPECT (or ARCHIVED): fast tracks, MQL, or stay (fallback). */
function entryTransitions(extra?: 'overrideAllowed' | 'verdictAllowed', fallback?: 'PROSPECT') {
  const g = (name: 'briefingRequested' | 'strongSignal' | 'qualifiesForMql') => (extra ? and([extra, name]) : name);
  const [briefing, strong] = fastTracks();
  return [
    { ...briefing, guard: g('briefingRequested') },
    { ...strong, guard: g('strongSignal') },
    // A classification: the new MQL owes its dossier (HO 4.3), so it enters MQL.dossier and its SLA starts.
    { guard: g('qualifiesForMql'), target: '#ladder.MQL.dossier', actions: ['fold', 'classify', 'startClock', 'enterSubstate'] },
    fallback
      ? ({ guard: 'engagementSignal', target: '#ladder.PROSPECT', actions: ['fold', 'startClock'] } as const)
      : extra ? ({ guard: extra, actions: 'fold' } as const) : ({ actions: 'fold' } as const),
    // ARCHIVED: a lone like is logged and the account stays archived.
    ...(fallback ? [{ actions: 'fold' } as const] : []),
  ] as const;
}

function disqualify() {
  return { target: '#ladder.DISQUALIFIED', actions: ['recordDisqualification', 'startClock'] } as const;
}
function archive() {
  // Signals before the archive no longer qualify: re-entry needs a new one (DOMAIN "Suppression and re-entry").
  return { target: '#ladder.ARCHIVED', actions: ['startClock', 'consumeSignals'] } as const;
}

function breach(c: LadderContext, kind: SlaKind, at: string) {
  return [...c.slaBreaches, { kind, dueAt: at, at }].slice(-20);
}

export type LadderMachine = ReturnType<typeof createLadderMachine>;
