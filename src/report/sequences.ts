// The report's "Email sequences" section (HO 5.5, 5.6, 6.1, 7) as pure functions of the rows sequences-queries.ts
// reads: the touches taken each day against the warm-up cap, what became of them, the bounce rate the pause rule
// watches, the reply rate per sequence and per template version, the replies by category, each handler's SLA, the
// objections logged, and the HO 7 alerts. Every definition is written down in docs/report.md.
import { capOn, REPLY_CATEGORIES, SENT_SEQUENCES, type ReplyCategory, type SequenceSettings, type Sla } from '../../machines/sequence-config.js';
import { isBusinessDay } from '../../machines/rules/business-days.js';
import { ratio, type Alert, type Ratio } from './metrics.js';
import type { EscalationRow, PauseRow, ReplyRow, SequenceRows, TaskRow, TouchRow } from './sequences-queries.js';
import type { IsoWeek } from './week.js';

const DAY = 86_400_000;
const ms = (iso: string) => Date.parse(iso);
const iso = (n: number) => new Date(n).toISOString();

/** Auto-replies and silence are not replies a person wrote: they count by category, never in the reply rate. */
export const NOT_A_REPLY: readonly ReplyCategory[] = ['ooo', 'no-response'];
/** Touches in these states were taken by their day's plan (the cap counts them, as the planner does). */
const TAKEN = new Set(['queued', 'exported', 'sending', 'sent', 'bounced']);

export type SendDay = {
  day: string; businessDay: boolean;
  /** Week of the warm-up (HO 5.5: weeks 1-2 at 25 a day, up to 50 by week 4), and the day's cap under it. */
  warmupWeek: number; cap: number;
  /** Touches the day's plan took (queued for the day), the ones recorded sent and bounced on the day. */
  taken: number; sent: number; bounced: number;
  overCap: boolean;
  /** Sending was paused for a bounce rate at some time on the day. */
  paused: boolean;
};
export type ReplyRate = Ratio & {
  /** Accounts sent a touch in the week (`of`), accounts that replied (`count`), and their replies. */
  replies: number;
};
export type SequenceReplyRate = ReplyRate & { sequence: string };
export type TemplateReplyRate = ReplyRate & { template: string; sequence: string };
export type TaskOutcome = 'met' | 'breached' | 'open';
export type SlaRow = { sla: string; opened: number; met: number; breached: number; open: number; compliance: number | null };
export type SlaBreach = {
  account: string; task: number; kind: string; category: ReplyCategory | null; role: string;
  openedAt: string; dueAt: string; doneAt: string | null;
  /** flagged: the machine recorded the breach; late: done after the deadline; overdue: neither yet (run the sweep). */
  how: 'flagged' | 'late' | 'overdue';
};
export type BouncePause = PauseRow & { resumedAt: string | null; resumedBy: string | null; reason: string | null };

export type SequencesSection = {
  asOf: string;
  /** The warm-up's first day: the settings' warmupStart, or the first day a touch was taken. */
  warmupStart: string | null;
  days: SendDay[];
  touches: {
    taken: number; sent: number; bounced: number; cancelled: number;
    /** Touches due in the week that the cap (or one-a-day per account) moved at least once, and their moves. */
    rolled: number; rolls: number;
    /** Due by the cutoff, not yet taken by a day's plan; taken but with no outcome recorded yet. */
    waiting: number; unrecorded: number;
  };
  bounce: { windowDays: number; from: string; to: string; sends: number; bounced: number; rate: number | null; maxRate: number; minSends: number; over: boolean };
  pauses: BouncePause[];
  pausedAtCutoff: boolean;
  replies: { total: number; byCategory: Record<ReplyCategory, number> };
  replyRate: { bySequence: SequenceReplyRate[]; byTemplate: TemplateReplyRate[] };
  sla: {
    byCategory: Record<ReplyCategory, SlaRow>;
    /** The CRO's own tasks (Activation complete: direct outreach; Post-Briefing, HO 5.2): no reply behind them. */
    croTasks: SlaRow;
    overall: SlaRow;
    /** Every task whose deadline fell in the week and was not done by it. */
    breaches: SlaBreach[];
  };
  objections: { type: string; count: number; accounts: string[] }[];
  sev2: EscalationRow[];
};
export type SequenceAlertId = 'sequence-sev2-send' | 'sequence-bounce-pause' | 'reply-sla-breached';

export type SequenceOptions = { settings: SequenceSettings; holidays: readonly string[] };

/** "4 hours", "2 business days", "same day": a category's SLA as the SOP writes it. */
export function slaText(sla: Sla | undefined): string {
  if (!sla) return 'auto (no task)';
  if ('hours' in sla) return `${sla.hours} hours`;
  if ('businessDays' in sla) return `${sla.businessDays} business day${sla.businessDays === 1 ? '' : 's'}`;
  return 'same day';
}

/** A task's outcome at the cutoff `until`: done before its deadline, breached, or still open with time left. */
export function taskOutcome(t: TaskRow, until: string): { outcome: TaskOutcome; how?: SlaBreach['how'] } {
  if (t.breachedAt !== null && t.breachedAt < until) return { outcome: 'breached', how: 'flagged' };
  if (t.doneAt !== null && t.doneAt < until) return t.doneAt <= t.dueAt ? { outcome: 'met' } : { outcome: 'breached', how: 'late' };
  return t.dueAt < until ? { outcome: 'breached', how: 'overdue' } : { outcome: 'open' };
}

function slaRow(sla: string, outcomes: TaskOutcome[]): SlaRow {
  const met = outcomes.filter((o) => o === 'met').length;
  const breached = outcomes.filter((o) => o === 'breached').length;
  return { sla, opened: outcomes.length, met, breached, open: outcomes.length - met - breached, compliance: ratio(met, met + breached).rate };
}

/** The mailbox's pauses, each with the resume that ended it (HO 5.5: only sales.ops resumes). */
function pausesOf(rows: SequenceRows): BouncePause[] {
  return rows.pauses.map((p) => {
    const r = rows.resumes.find((x) => x.at > p.at) ?? null;
    return { ...p, resumedAt: r?.at ?? null, resumedBy: r?.by ?? null, reason: r?.reason ?? null };
  });
}

function rates<K extends string>(keyOf: (t: TouchRow) => K | null, replyKey: (r: ReplyRow) => K | null, sent: TouchRow[], replies: ReplyRow[], keys: K[]) {
  const out = new Map<K, { accounts: Set<string>; replied: Set<string>; replies: number }>();
  const at = (k: K) => { if (!out.has(k)) out.set(k, { accounts: new Set(), replied: new Set(), replies: 0 }); return out.get(k)!; };
  for (const k of keys) at(k);
  for (const t of sent) { const k = keyOf(t); if (k !== null) at(k).accounts.add(t.account); }
  for (const r of replies) { const k = replyKey(r); if (k !== null) { at(k).replied.add(r.account); at(k).replies++; } }
  return [...out].map(([key, v]) => ({ key, ...ratio(v.replied.size, v.accounts.size), replies: v.replies }));
}

/**
 * The section for week W up to the cutoff `until` (the week's end, or --now + 1 ms while it runs): `rows` as
 * sequences-queries.ts reads them for the same week and cutoff.
 */
export function computeSequences(rows: SequenceRows, week: IsoWeek, until: string, opts: SequenceOptions): SequencesSection {
  const s = opts.settings;
  const asOf = until === week.end ? until : iso(ms(until) - 1);
  const lastDay = iso(ms(until) - 1).slice(0, 10);
  const inWeek = (t: string | null) => t !== null && t >= week.start && t < until;
  const warmupStart = s.warmupStart ?? rows.firstQueued;
  const pauses = pausesOf(rows);

  const days: SendDay[] = [];
  for (let d = ms(week.start); iso(d).slice(0, 10) <= lastDay; d += DAY) {
    const day = iso(d).slice(0, 10);
    const businessDay = isBusinessDay(day, opts.holidays);
    const onDay = (t: string | null) => t !== null && t.slice(0, 10) === day && t < until;
    const taken = rows.touches.filter((t) => t.queuedFor === day && TAKEN.has(t.status)).length;
    // The planner takes nothing on a weekend or a holiday: that day's cap is 0.
    const cap = businessDay ? capOn(day, warmupStart ?? day, s) : 0;
    const end = iso(d + DAY);
    days.push({
      day, businessDay, cap, taken, overCap: taken > cap,
      warmupWeek: warmupStart ? Math.max(1, Math.floor((d - ms(warmupStart)) / (7 * DAY)) + 1) : 1,
      sent: rows.touches.filter((t) => t.status === 'sent' && onDay(t.doneAt)).length,
      bounced: rows.touches.filter((t) => t.status === 'bounced' && onDay(t.doneAt)).length,
      paused: pauses.some((p) => p.at < end && p.at < until && (p.resumedAt === null || p.resumedAt > iso(d))),
    });
  }

  const sentInWeek = rows.touches.filter((t) => t.status === 'sent' && inWeek(t.doneAt));
  const cancelledBy = (t: TouchRow, at: string) => t.status === 'cancelled' && (t.doneAt ?? t.plannedAt) < at;
  const takenByCutoff = (t: TouchRow) => t.queuedFor !== null && t.queuedFor <= lastDay;
  const rolled = rows.touches.filter((t) => inWeek(t.dueAt) && t.rolls > 0);
  const touches = {
    taken: days.reduce((n, d) => n + d.taken, 0),
    sent: sentInWeek.length,
    bounced: rows.touches.filter((t) => t.status === 'bounced' && inWeek(t.doneAt)).length,
    cancelled: rows.touches.filter((t) => t.status === 'cancelled' && inWeek(t.doneAt ?? t.plannedAt)).length,
    rolled: rolled.length,
    rolls: rolled.reduce((n, t) => n + t.rolls, 0),
    waiting: rows.touches.filter((t) => t.dueAt < until && !takenByCutoff(t) && !cancelledBy(t, until)).length,
    unrecorded: rows.touches.filter((t) => takenByCutoff(t) && !cancelledBy(t, until)
      && !((t.status === 'sent' || t.status === 'bounced') && t.doneAt !== null && t.doneAt < until)).length,
  };

  // HO 5.5: the rate the pause rule watches, over the window ending at the cutoff (the engine's (from, at]).
  const from = iso(ms(asOf) - s.bounce.windowDays * DAY);
  const windowed = rows.touches.filter((t) => (t.status === 'sent' || t.status === 'bounced') && t.doneAt !== null && t.doneAt > from && t.doneAt < until);
  const bounced = windowed.filter((t) => t.status === 'bounced').length;
  const bounceRate = ratio(bounced, windowed.length).rate;
  const bounce = {
    windowDays: s.bounce.windowDays, from, to: asOf, sends: windowed.length, bounced, rate: bounceRate,
    maxRate: s.bounce.maxRate, minSends: s.bounce.minSends,
    over: windowed.length >= s.bounce.minSends && bounceRate !== null && bounced / windowed.length > s.bounce.maxRate,
  };

  const byCategory = Object.fromEntries(REPLY_CATEGORIES.map((c) => [c, rows.replies.filter((r) => r.category === c).length])) as Record<ReplyCategory, number>;
  const human = rows.replies.filter((r) => !NOT_A_REPLY.includes(r.category as ReplyCategory));
  const bySequence = rates((t) => t.sequence, (r) => r.sequence ?? 'no sequence', sentInWeek, human, [...SENT_SEQUENCES])
    .map(({ key, ...r }): SequenceReplyRate => ({ sequence: key, ...r }));
  const sequenceOf = new Map<string, string>();
  for (const t of rows.touches) if (t.template) sequenceOf.set(t.template, t.sequence);
  const byTemplate = rates((t) => t.template, (r) => r.template, sentInWeek, human, [])
    .map(({ key, ...r }): TemplateReplyRate => ({ template: key, sequence: sequenceOf.get(key) ?? '', ...r }))
    .sort((a, b) => a.template.localeCompare(b.template));

  // HO 5.6: each reply's task, opened in the week, against its handler's SLA.
  const opened = rows.tasks.filter((t) => inWeek(t.openedAt));
  const outcomes = (ts: TaskRow[]) => ts.map((t) => taskOutcome(t, until).outcome);
  const slaOf = (c: ReplyCategory) => (s.replySla as Partial<Record<ReplyCategory, Sla>>)[c];
  const slaByCategory = Object.fromEntries(REPLY_CATEGORIES.map((c) => [c, slaRow(slaText(slaOf(c)), outcomes(opened.filter((t) => t.category === c)))])) as Record<ReplyCategory, SlaRow>;
  const breaches = rows.tasks.filter((t) => inWeek(t.dueAt)).flatMap((t): SlaBreach[] => {
    const o = taskOutcome(t, until);
    return o.outcome === 'breached' ? [{
      account: t.account, task: t.task, kind: t.kind, category: t.category as ReplyCategory | null, role: t.role,
      openedAt: t.openedAt, dueAt: t.dueAt, doneAt: t.doneAt !== null && t.doneAt < until ? t.doneAt : null, how: o.how!,
    }] : [];
  }).sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.account.localeCompare(b.account));

  const objections = new Map<string, Set<string>>();
  const counts = new Map<string, number>();
  for (const r of rows.replies.filter((x) => x.category === 'objection')) {
    const type = r.objection ?? '(not given)';
    objections.set(type, (objections.get(type) ?? new Set()).add(r.account));
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }

  return {
    asOf, warmupStart, days, touches, bounce,
    pauses: pauses.filter((p) => inWeek(p.at)),
    pausedAtCutoff: pauses.some((p) => p.resumedAt === null),
    replies: { total: rows.replies.length, byCategory },
    replyRate: { bySequence, byTemplate },
    sla: {
      byCategory: slaByCategory,
      croTasks: slaRow(`${s.croTaskBusinessDays} business day${s.croTaskBusinessDays === 1 ? '' : 's'}`, outcomes(opened.filter((t) => t.category === null))),
      overall: slaRow('', outcomes(opened)),
      breaches,
    },
    objections: [...counts].map(([type, count]) => ({ type, count, accounts: [...objections.get(type)!].sort() }))
      .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type)),
    sev2: rows.sev2,
  };
}

const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;
const what = (b: SlaBreach) => `${b.account} task ${b.task} (${b.category ?? b.kind}) due ${b.dueAt}${b.doneAt ? `, done ${b.doneAt}` : ', not done'}`;

/** HO 7 "sends to an opted-out contact" (SEV2); HO 5.5 the bounce pause; HO 5.6 the handlers' SLAs. */
export function sequenceAlerts(x: SequencesSection): Alert[] {
  const b = x.sla.breaches;
  return [
    {
      id: 'sequence-sev2-send', holds: x.sev2.length > 0,
      title: 'SEV2: a sequence sent to a suppressed (opted-out or hostile) contact',
      detail: `${x.sev2.length} send(s) recorded this week to a suppressed contact${x.sev2.length ? `: ${x.sev2.map((e) => `${e.subject.replace(/^send:/, '')} at ${e.at}`).join(', ')}` : ''}. `
        + 'Action (HO 7): SEV2 incident, immediate investigation, CAN-SPAM compliance review by legal.exec.',
    },
    {
      id: 'sequence-bounce-pause', holds: x.pauses.length > 0 || x.pausedAtCutoff,
      title: `Bounce rate over ${pct(x.bounce.maxRate)}: every sequence paused`,
      detail: `${x.pauses.length} pause(s) this week${x.pauses.length ? `: ${x.pauses.map((p) => `${p.at} at ${pct(p.rate)} (${p.bounced} of ${p.sends} in ${p.windowDays} days), ${p.resumedAt ? `resumed ${p.resumedAt} by ${p.resumedBy}` : 'not resumed'}`).join('; ')}` : ''}; `
        + `${x.pausedAtCutoff ? 'still paused' : 'sending'} at ${x.asOf}. Action (HO 5.5): sales.ops cleans the list and resumes (ladder sends resume --reason …).`,
    },
    {
      id: 'reply-sla-breached', holds: b.length > 0,
      title: 'Reply handling SLAs breached (HO 5.6)',
      detail: `${b.length} task(s) not done by their deadline this week${b.length ? `: ${b.map(what).join('; ')}` : ''}. Action: the handler acts now; chief.staff audits the pattern.`,
    },
  ];
}
