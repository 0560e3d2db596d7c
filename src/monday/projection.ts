// What the board must show for an account, and the audit comments a transition owes it (HO 4.4).
// Pure functions of the machine's state: the outbox stores their results in the transition's transaction.
import { currentSlaBreaches, type LadderContext } from '../../machines/context.js';
import type { StageAt } from '../../machines/stage.js';
import type { LadderEvent } from '../../machines/events.js';
import { delayOf, timerLabel } from '../../machines/timers.js';
import type { RulesConfig } from '../../machines/rules/config.js';
import { evaluateSignals } from '../../machines/rules/signals.js';
import type { MondayConfig, StageKey } from './config.js';
import type { SequenceContext } from '../../machines/sequence.js';

export type AccountRow = { domain: string; name: string; hq: string; icpScore: number };
/** column id → the value as change_multiple_column_values takes it; `texts` is how monday displays it. */
export type ItemProjection = { name: string; values: Record<string, unknown>; texts: Record<string, string> };

const stageKey = (s: StageAt) => (s.substate ? `${s.stage}.${s.substate}` : s.stage) as StageKey;
const day = (iso: string) => iso.slice(0, 10);

/**
 * The board's sequence column (issue 15): the sequence and its step, or why none runs. `state` and `seq` are the
 * account's sequence actor (undefined: it never had one).
 */
export function sequenceText(state: string | undefined, seq: SequenceContext | undefined): string {
  if (!state || !seq) return '';
  if (state === 'active' || state === 'complete') return `${seq.sequence} ${seq.next}/${seq.schedule.length}${state === 'complete' ? ' (waiting for a reply)' : ''}`;
  if (state.startsWith('paused')) return `${seq.sequence} ${seq.next}/${seq.schedule.length} paused (${seq.pause?.reason ?? ''})${seq.pause?.resumeAt ? ` until ${day(seq.pause.resumeAt)}` : ''}`;
  const reply = seq.replies.at(-1)?.category;
  switch (state) {
    case 'stopped': case 'stopped.notNow': return `stopped (${reply ?? 'reply'})${seq.wakeAt ? ` until ${day(seq.wakeAt)}` : ''}`;
    case 'awaitingContact': return 'waiting for the right contact';
    case 'cooldown': return 'cooldown before Re-engagement';
    case 'croTask': return 'CRO direct';
    case 'suppressed': return `removed (${reply ?? 'suppressed'})`;
    default: return '';
  }
}

export function projectItem(acct: AccountRow, ctx: LadderContext, stage: StageAt, cfg: MondayConfig, sequence = ''): ItemProjection {
  const c = cfg.columns;
  const l = cfg.labels;
  const firstTouch = ctx.firstTouch ? `${ctx.firstTouch.code} (${day(ctx.firstTouch.at)})` : '';
  const sla = currentSlaBreaches(ctx, stage.substate).length ? l.sla.breach : l.sla.ok;
  const texts: Record<string, string> = {
    [c.domain]: acct.domain,
    [c.hq]: acct.hq,
    [c.tier]: l.tier[ctx.tier] ?? ctx.tier,
    [c.icpScore]: String(acct.icpScore),
    [c.stage]: l.stage[stageKey(stage)] ?? stageKey(stage),
    [c.firstTouch]: firstTouch,
    [c.sla]: sla,
    [c.priority]: ctx.priority === 'high' ? l.priority.high : l.priority.normal,
    [c.sequence]: sequence,
    // HO 5.6 #8: an opt-out is flagged on the board (a hostile reply too).
    [c.optOut]: ctx.suppressed ? (ctx.disqualification?.reason === 'hostile' ? l.optOut.hostile : l.optOut.optedOut) : l.optOut.ok,
  };
  const status = new Set([c.tier, c.stage, c.sla, c.priority, c.optOut]);
  const values = Object.fromEntries(Object.entries(texts).map(([id, t]) => [id, status.has(id) ? { label: t } : t]));
  return { name: acct.name, values, texts };
}

export type TransitionFacts = {
  event: LadderEvent; eventId: number; before: StageAt; after: StageAt;
  prev: LadderContext | null; next: LadderContext; rules: RulesConfig;
};
export type Comment = { key: string; body: string };

const label = (s: StageAt) => (s.substate ? `${s.stage}: ${s.substate}` : s.stage);

/** The comments HO 4.4 (and HO 3.6 for overrides) requires on the item, keyed per event so they post once. */
export function commentsFor(t: TransitionFacts): Comment[] {
  const e = t.event as LadderEvent & Record<string, unknown>;
  const who = `${e.by} (${e.role})`;
  const moved = t.before.stage !== t.after.stage || t.before.substate !== t.after.substate;
  const key = (n = 0) => `event:${t.eventId}:${n}`;
  const lines: string[] = [];
  const delay = delayOf(e.type);
  if (delay) {
    if (delay.endsWith('_SLA')) lines.push(`SLA breach: ${timerLabel(delay, t.rules)} passed at ${e.at} while ${label(t.after)}.`);
    else lines.push(`Timed regression ${label(t.before)} → ${label(t.after)}: ${timerLabel(delay, t.rules)} (due ${e.at}; HO 3.5).`);
  } else switch (e.type) {
    case 'CRO_CONFIRM': lines.push(`CRO confirmed the SQL — ${who}, ${day(e.at)}.${e.note ? ` Note: ${e.note}` : ''}`); break;
    case 'CRO_DISPUTE': lines.push(`CRO disputed the SQL → MQL — ${who}, ${day(e.at)}. Reason (kept for signal calibration): ${e.reason}`); break;
    case 'CRO_FLAG': lines.push(`CRO flagged for immediate outreach: SQL confirmed, HIGH priority — ${who}, ${day(e.at)}.${e.note ? ` Note: ${e.note}` : ''}`); break;
    case 'CRO_OVERRIDE': {
      const o = e as unknown as { gate: string; justification: string; compensatingSignals: string[] };
      lines.push(`CRO override of failed gate ${o.gate} — ${who}, ${day(e.at)} (HO 3.6).`, `Why justified: ${o.justification}`, `Compensating signals: ${o.compensatingSignals.join('; ')}`);
      // HO 4.4: the classification the override made possible is posted like any other.
      if (moved && (t.after.stage === 'MQL' || t.after.stage === 'SQL')) lines.push(...classification(t, e, who));
      break;
    }
    case 'CRO_REOPEN': lines.push(`CRO reopened the account — ${who}, ${day(e.at)}. Reason: ${e.reason}`); break;
    case 'DISQUALIFY': lines.push(`Disqualified (${e.reason}) — ${who}, ${day(e.at)}.${e.note ? ` ${e.note}` : ''}${t.next.suppressed ? ' Added to the suppression list: never re-engage (HO 5.6).' : ''}`); break;
    case 'ARCHIVE': lines.push(`Archived — ${who}, ${day(e.at)}.${e.reason ? ` ${e.reason}` : ''}`); break;
    case 'DOSSIER': {
      const d = t.next.dossier;
      if (d) {
        const ok = Object.values(d.scores).filter((s) => s === 'CONFIRMED' || s === 'LIKELY').length;
        lines.push(`SQL dossier by ${who}, ${day(e.at)}: ${ok} of S1-S4 CONFIRMED/LIKELY → ${label(t.after)}.`);
        for (const s of ['S1', 'S2', 'S3', 'S4'] as const) lines.push(`${s}: ${d.scores[s]}${d.evidence[s] ? ` — ${d.evidence[s]}` : ''}`);
      }
      break;
    }
    default:
      if (moved) {
        if ((t.after.stage === 'MQL' && t.before.stage !== 'MQL') || (t.after.stage === 'SQL' && t.before.stage !== 'SQL')) {
          lines.push(...classification(t, e, who));
        } else if (e.type !== 'ACCOUNT_ADDED' as string) {
          lines.push(`${label(t.before)} → ${label(t.after)} — ${e.type.toLowerCase().replace(/_/g, ' ')} by ${who}, ${day(e.at)}.${e.reason ? ` ${e.reason}` : ''}`);
        }
      }
  }
  return lines.length ? [{ key: key(), body: lines.join('\n') }] : [];
}

/** HO 4.4: who verified, which signals, the first-touch source and the date of an MQL (or fast-track SQL) classification. */
function classification(t: TransitionFacts, e: LadderEvent, who: string): string[] {
  const ev = evaluateSignals(t.next.signals, e.at, t.rules, t.next.signalsSince ? { since: t.next.signalsSince } : {});
  const sigs = ev.counted.map((s) => `${s.code} (${s.contact}, ${day(s.at)}${s.credit < 1 ? ', half credit' : ''})`).join('; ') || 'none';
  const how = t.after.stage === 'MQL' ? 'MQL classification' : `Fast track to ${label(t.after)} (${t.next.sqlEntry?.via ?? 'strong signal'})`;
  return [
    `${how} — verified by ${who}, ${day(e.at)}.`, `Signals: ${sigs}.`,
    `First touch: ${t.next.firstTouch ? `${t.next.firstTouch.code} (${day(t.next.firstTouch.at)})` : 'n/a'}.${ev.croWeight ? ' E9 present: flagged for CRO weight.' : ''}`,
  ];
}
