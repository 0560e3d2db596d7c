// The weekly report's numbers (HO 6.1, 3.6, 7), as pure functions of the rows src/report/queries.ts
// reads. Every definition is written down in docs/report.md; the comments name the SOP section.
import { addBusinessDays } from '../../machines/rules/business-days.js';
import { SIGNAL_CODES } from '../../machines/types.js';
import type { ApprovalAlertId, ApprovalsSection } from './approvals.js';
import type { SequenceAlertId, SequencesSection } from './sequences.js';
import type { MoveRow, OverrideRow, ReportRows, StayRow, TimerRow } from './queries.js';
import { monthOf, shiftWeek, thursdayOf, type IsoWeek, type Month } from './week.js';

const DAY = 86_400_000;
const ms = (iso: string) => Date.parse(iso);
const iso = (n: number) => new Date(n).toISOString();

export type ReportOptions = {
  /** The clock (--now): nothing after it counts. */
  now: string;
  /** HO 7: weekly new-MQL volume below this, two weeks running, raises the alert. */
  mqlThreshold: number;
  /** Stale SQLs whose 30-day regression falls due within this many days are listed. */
  staleWithinDays: number;
  /** Weeks of history in the trend charts (and at least the 4 the conversion alert needs). */
  trendWeeks: number;
  /** HO 7: MQL→SQL conversion below this for `sqlConversionWeeks` weeks running raises the alert. */
  sqlConversionFloor: number;
  sqlConversionWeeks: number;
  /** HO 3.6, 7: overrides above this share of the month's classifications raise the alert. */
  overrideCeiling: number;
  mqlVolumeWeeks: number;
  holidays: readonly string[];
  classificationBusinessDays: number;
};

export const DEFAULT_REPORT_OPTIONS = {
  mqlThreshold: 5, staleWithinDays: 7, trendWeeks: 8, sqlConversionFloor: 0.2, sqlConversionWeeks: 4,
  overrideCeiling: 0.1, mqlVolumeWeeks: 2,
} as const;

export type Ratio = { count: number; of: number; rate: number | null };
export type Distribution = { n: number; medianDays: number | null; p90Days: number | null };
export type SlaKindSummary = { due: number; met: number; breached: number; open: number; compliance: number | null };
export type SlaBreach = { account: string; kind: 'classification' | 'dossier' | 'review'; dueAt: string; how: 'flagged' | 'overdue' | 'late' };
export type Alert = { id: 'sql-conversion-low' | 'override-rate-high' | 'mql-volume-low' | 'stale-sqls' | ApprovalAlertId | SequenceAlertId; holds: boolean; title: string; detail: string };

export type WeekNumbers = {
  week: string; start: string; end: string;
  newMqls: number;
  newMqlAccounts: string[];
  fastTrackSqls: number;
  firstTouch: Record<string, number>;
  marketingInfluenced: Ratio;
  mqlToSql: Ratio;
  sqlToBriefing: Ratio;
  medianDaysMqlToSql: number | null;
};

export type WeeklyReport = {
  week: string; start: string; end: string;
  /** The instant the report describes: the end of the week, or --now while the week is still running. */
  asOf: string;
  stages: Record<string, number>;
  pipeline: WeekNumbers;
  sla: { classification: SlaKindSummary; dossier: SlaKindSummary; review: SlaKindSummary; overall: SlaKindSummary; breaches: SlaBreach[] };
  overrides: {
    month: string; from: string; to: string; overrides: number; classifications: number; rate: number | null;
    ceiling: number; above: boolean;
    list: (Omit<OverrideRow, 'id'> & { inWeek: boolean })[];
  };
  alerts: Alert[];
  staleSqls: { account: string; name: string; state: string; dueAt: string; daysLeft: number }[];
  timeInStage: Record<string, Distribution>;
  trend: { week: string; newMqls: number; mqlToSql: Ratio; sqlToBriefing: Ratio }[];
  /** The lines the alerts are drawn against (HO 7 defaults, or the command's options). */
  thresholds: { mqlThreshold: number; mqlVolumeWeeks: number; sqlConversionFloor: number; sqlConversionWeeks: number; overrideCeiling: number; staleWithinDays: number };
  /** Email approvals (HO 5.4; src/report/approvals.ts): present once a template version exists by the cutoff. */
  approvals?: ApprovalsSection;
  /** Email sequences (HO 5.5, 5.6, 6.1; src/report/sequences.ts): present once a touch was taken or a reply recorded. */
  sequences?: SequencesSection;
};

// ---- small numeric helpers -------------------------------------------------------------------------

export const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;
export const ratio = (count: number, of: number): Ratio => ({ count, of, rate: of === 0 ? null : round(count / of, 4) });

/** The median: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

const days = (from: string, to: string) => (ms(to) - ms(from)) / DAY;
const stageOfLabel = (label: string) => label.split('.')[0]!;
const isSql = (label: string) => stageOfLabel(label) === 'SQL';
/** MQL, or one of its sub-states (MQL.dossier: a new MQL owes its dossier; MQL.nurture). */
const isMql = (label: string) => stageOfLabel(label) === 'MQL';
/** Classification: an account passes the ICP gates and leaves the bottom of the ladder (HO 4.2). */
const BELOW_MQL = new Set(['PROSPECT', 'ARCHIVED']);
const isClassification = (m: MoveRow) => BELOW_MQL.has(m.from) && (isMql(m.to) || isSql(m.to));
const distinct = (xs: readonly string[]) => [...new Set(xs)].sort();

/** A stay covers instant t when it began before t and had not ended before t. */
const covers = (s: StayRow, t: string) => s.enteredAt < t && (s.exitedAt === null || s.exitedAt >= t);

// ---- the parts ---------------------------------------------------------------------------------------

/** Accounts per state at instant `t` (before any event at t): sub-states, and their compound state as the sum. */
export function stageCountsAt(stays: readonly StayRow[], t: string, states: readonly string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(states.map((s) => [s, 0]));
  for (const s of stays) {
    if (!covers(s, t)) continue;
    out[s.state] = (out[s.state] ?? 0) + 1;
    if (s.state.includes('.')) out[stageOfLabel(s.state)] = (out[stageOfLabel(s.state)] ?? 0) + 1;
  }
  return out;
}

/** HO 6.1 for one week [start, until): `until` is the week's end, or --now while it runs. */
export function weekNumbers(rows: ReportRows, week: IsoWeek, until: string): WeekNumbers {
  const inWeek = rows.moves.filter((m) => m.at >= week.start && m.at < until);
  const mqls = inWeek.filter((m) => isClassification(m) && isMql(m.to));
  const newMqlAccounts = distinct(mqls.map((m) => m.account));
  const firstTouch: Record<string, number> = {};
  for (const a of newMqlAccounts) {
    const code = rows.firstTouch[a] ?? 'unknown';
    firstTouch[code] = (firstTouch[code] ?? 0) + 1;
  }
  const order = [...SIGNAL_CODES, 'unknown'] as string[];
  const firstTouchSorted = Object.fromEntries(Object.entries(firstTouch).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)));

  // SQL entries: from any state outside SQL into one of its sub-states.
  const sqlEntries = inWeek.filter((m) => isSql(m.to) && !isSql(m.from));
  const firstEntry = new Map<string, MoveRow>();
  for (const m of sqlEntries) if (!firstEntry.has(m.account)) firstEntry.set(m.account, m);
  const influenced = [...firstEntry.values()].filter((m) => (rows.firstStandardSignal[m.account] ?? Infinity) <= m.seq);

  const mqlAtStart = rows.stays.filter((s) => isMql(s.state) && covers(s, week.start)).map((s) => s.account);
  const mqlEntered = rows.stays.filter((s) => isMql(s.state) && s.enteredAt >= week.start && s.enteredAt < until).map((s) => s.account);
  const mqlToSqlMoves = inWeek.filter((m) => isMql(m.from) && isSql(m.to));

  const sqlAtStart = rows.stays.filter((s) => isSql(s.state) && covers(s, week.start)).map((s) => s.account);
  const briefed = inWeek.filter((m) => isSql(m.from) && m.to === 'BRIEFING_READY');

  // Days from the start of the MQL stay each MQL→SQL move ended (stage_history.exited_by = the move); the
  // stay runs back through MQL's sub-states (MQL.dossier, then MQL.nurture) to the account's entry into MQL.
  const stayEndedBy = new Map(rows.stays.filter((s) => s.exitedBy !== null).map((s) => [s.exitedBy!, s]));
  const stayExitedAt = new Map(rows.stays.filter((s) => s.exitedAt !== null).map((s) => [`${s.account}|${s.exitedAt}`, s]));
  const runStart = (s: StayRow): string => {
    let first = s;
    for (let prev = stayExitedAt.get(`${s.account}|${s.enteredAt}`); prev && isMql(prev.state) && prev !== first; prev = stayExitedAt.get(`${prev.account}|${prev.enteredAt}`)) first = prev;
    return first.enteredAt;
  };
  const waits = mqlToSqlMoves.map((m) => stayEndedBy.get(m.id)).filter((s): s is StayRow => Boolean(s)).map((s) => days(runStart(s), s.exitedAt!));
  const med = median(waits);

  return {
    week: week.label, start: week.start, end: week.end,
    newMqls: newMqlAccounts.length,
    newMqlAccounts,
    fastTrackSqls: distinct(inWeek.filter((m) => isClassification(m) && isSql(m.to)).map((m) => m.account)).length,
    firstTouch: firstTouchSorted,
    marketingInfluenced: ratio(influenced.length, firstEntry.size),
    mqlToSql: ratio(distinct(mqlToSqlMoves.map((m) => m.account)).length, distinct([...mqlAtStart, ...mqlEntered]).length),
    sqlToBriefing: ratio(distinct(briefed.map((m) => m.account)).length, distinct([...sqlAtStart, ...[...firstEntry.keys()]]).length),
    medianDaysMqlToSql: med === null ? null : round(med, 2),
  };
}

const summary = (cases: { outcome: 'met' | 'breached' | 'open' }[]): SlaKindSummary => {
  const met = cases.filter((c) => c.outcome === 'met').length;
  const breached = cases.filter((c) => c.outcome === 'breached').length;
  return { due: cases.length, met, breached, open: cases.length - met - breached, compliance: met + breached === 0 ? null : round(met / (met + breached), 4) };
};

/**
 * HO 4.2-4.3 SLA compliance. Dossier and review: one case per SLA deadline falling in the week (timers
 * re-armed with the same deadline by a re-entry are one case): met when the sub-state was left by the
 * deadline, breached when the timer fired (flagged), is pending past the deadline (overdue: the sweep
 * has not run) or was cancelled after it (late). Classification: every classification by a SIGNAL in
 * the week, met when it came within n business days of the signal's own time.
 */
export function slaCompliance(rows: ReportRows, week: IsoWeek, until: string, opts: Pick<ReportOptions, 'holidays' | 'classificationBusinessDays'>): WeeklyReport['sla'] {
  const breaches: SlaBreach[] = [];
  const byCase = new Map<string, TimerRow[]>();
  for (const t of rows.slaTimers) {
    if (t.dueAt < week.start || t.dueAt >= week.end || t.armedAt >= until) continue;
    const key = `${t.account}|${t.delay}|${t.dueAt}`;
    byCase.set(key, [...(byCase.get(key) ?? []), t]);
  }
  const kinds = { dossier: [] as { outcome: 'met' | 'breached' | 'open' }[], review: [] as { outcome: 'met' | 'breached' | 'open' }[] };
  for (const timersOfCase of byCase.values()) {
    const first = timersOfCase[0]!;
    const kind = first.delay === 'DOSSIER_SLA' ? 'dossier' : first.delay === 'REVIEW_SLA' ? 'review' : null;
    if (!kind) continue;
    const closedBefore = (t: TimerRow) => t.closedAt !== null && t.closedAt < until;
    const fired = timersOfCase.some((t) => t.status === 'fired' && closedBefore(t));
    const pending = timersOfCase.some((t) => !closedBefore(t));
    const cancelledLate = timersOfCase.every((t) => closedBefore(t)) && timersOfCase.some((t) => t.status === 'cancelled' && t.closedAt! > t.dueAt);
    let outcome: 'met' | 'breached' | 'open';
    let how: SlaBreach['how'] | null = null;
    if (fired) { outcome = 'breached'; how = 'flagged'; } else if (pending) {
      outcome = first.dueAt < until ? 'breached' : 'open';
      if (outcome === 'breached') how = 'overdue';
    } else if (cancelledLate) { outcome = 'breached'; how = 'late'; } else outcome = 'met';
    kinds[kind].push({ outcome });
    if (how) breaches.push({ account: first.account, kind, dueAt: first.dueAt, how });
  }
  const classifications = rows.moves.filter((m) => m.at >= week.start && m.at < until && isClassification(m) && m.type === 'SIGNAL' && m.signalAt)
    .map((m) => {
      const dueAt = addBusinessDays(m.signalAt!, opts.classificationBusinessDays, opts.holidays);
      const met = m.at <= dueAt;
      if (!met) breaches.push({ account: m.account, kind: 'classification', dueAt, how: 'late' });
      return { outcome: met ? 'met' as const : 'breached' as const };
    });
  breaches.sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.account < b.account ? -1 : 1));
  return {
    classification: summary(classifications), dossier: summary(kinds.dossier), review: summary(kinds.review),
    overall: summary([...classifications, ...kinds.dossier, ...kinds.review]), breaches,
  };
}

/** HO 3.6: the month's overrides against its classifications (PROSPECT/ARCHIVED → MQL or SQL), to date. */
export function overrideAudit(rows: ReportRows, week: IsoWeek, until: string, month: Month, ceiling: number): WeeklyReport['overrides'] {
  const to = month.end < until ? month.end : until;
  const inMonth = (at: string) => at >= month.start && at < to;
  const list = rows.overrides.filter((o) => inMonth(o.at)).map(({ id: _id, ...o }) => ({ ...o, inWeek: o.at >= week.start && o.at < until }));
  const classifications = rows.moves.filter((m) => inMonth(m.at) && isClassification(m)).length;
  return {
    month: month.label, from: month.start, to, overrides: list.length, classifications,
    rate: classifications === 0 ? null : round(list.length / classifications, 4),
    ceiling, above: list.length > ceiling * classifications, list,
  };
}

/** Time in each state, over the stays that ended in the week; SQL and MQL also as a whole (sub-states joined). */
export function timeInStage(stays: readonly StayRow[], week: IsoWeek, until: string): Record<string, Distribution> {
  const durations: Record<string, number[]> = {};
  const add = (state: string, enteredAt: string, exitedAt: string) => {
    if (exitedAt < week.start || exitedAt >= until) return;
    durations[state] ??= [];
    durations[state].push(days(enteredAt, exitedAt));
  };
  let run: { stage: string; account: string; enteredAt: string; exitedAt: string | null } | null = null;
  const closeRun = () => { if (run?.exitedAt) add(run.stage, run.enteredAt, run.exitedAt); run = null; };
  for (const s of stays) { // ordered by account, then id
    if (s.exitedAt) add(s.state, s.enteredAt, s.exitedAt);
    if (s.state.includes('.')) {
      const stage = stageOfLabel(s.state);
      if (run && run.stage === stage && run.account === s.account && run.exitedAt === s.enteredAt) run.exitedAt = s.exitedAt;
      else { closeRun(); run = { stage, account: s.account, enteredAt: s.enteredAt, exitedAt: s.exitedAt }; }
    } else if (run) closeRun();
  }
  closeRun();
  return Object.fromEntries(Object.entries(durations).sort(([a], [b]) => (a < b ? -1 : 1)).map(([state, d]) => {
    const med = median(d);
    const p90 = percentile(d, 90);
    return [state, { n: d.length, medianDays: med === null ? null : round(med, 2), p90Days: p90 === null ? null : round(p90, 2) }];
  }));
}

export function staleSqls(rows: ReportRows, until: string, withinDays: number): WeeklyReport['staleSqls'] {
  const horizon = iso(ms(until) + withinDays * DAY);
  const current = new Map<string, string>();
  for (const s of rows.stays) if (covers(s, until)) current.set(s.account, s.state);
  return rows.staleTimers.filter((t) => t.dueAt < horizon)
    .map((t) => ({ account: t.account, name: rows.names[t.account] ?? t.account, state: current.get(t.account) ?? 'SQL', dueAt: t.dueAt, daysLeft: round(days(until, t.dueAt), 2) }))
    .sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.account < b.account ? -1 : 1));
}

const pct = (r: number | null) => (r === null ? 'n/a' : `${round(r * 100, 1)}%`);

/** HO 7: the escalation conditions, each with whether it holds this week. */
export function alerts(report: Pick<WeeklyReport, 'trend' | 'overrides' | 'staleSqls'>, opts: Pick<ReportOptions, 'sqlConversionFloor' | 'sqlConversionWeeks' | 'mqlThreshold' | 'mqlVolumeWeeks' | 'staleWithinDays'>): Alert[] {
  const lastN = <T>(xs: readonly T[], n: number) => xs.slice(Math.max(0, xs.length - n));
  const conv = lastN(report.trend, opts.sqlConversionWeeks);
  const convLow = conv.length === opts.sqlConversionWeeks && conv.every((w) => w.mqlToSql.rate !== null && w.mqlToSql.rate < opts.sqlConversionFloor);
  const vol = lastN(report.trend, opts.mqlVolumeWeeks);
  const volLow = vol.length === opts.mqlVolumeWeeks && vol.every((w) => w.newMqls < opts.mqlThreshold);
  const o = report.overrides;
  return [
    {
      id: 'sql-conversion-low', holds: convLow,
      title: `MQL→SQL conversion below ${pct(opts.sqlConversionFloor)} for ${opts.sqlConversionWeeks} weeks running`,
      detail: `${conv.map((w) => `${w.week} ${pct(w.mqlToSql.rate)}`).join(', ')}. Action (HO 7): CRO reviews S1-S4 calibration; trigger the quarterly review early if needed.`,
    },
    {
      id: 'override-rate-high', holds: o.above,
      title: `CRO override rate above ${pct(o.ceiling)} of the month's classifications`,
      detail: `${o.month} to date: ${o.overrides} override(s) / ${o.classifications} classification(s) = ${pct(o.rate)}. Action (HO 3.6, 7): gate calibration review.`,
    },
    {
      id: 'mql-volume-low', holds: volLow,
      title: `New MQLs below ${opts.mqlThreshold} a week for ${opts.mqlVolumeWeeks} weeks running`,
      detail: `${vol.map((w) => `${w.week} ${w.newMqls}`).join(', ')}. Action (HO 7): joint CMO/CRO review of content engagement and the ICP pool.`,
    },
    {
      id: 'stale-sqls', holds: report.staleSqls.length > 0,
      title: `SQLs within ${opts.staleWithinDays} days of their 30-day regression to MQL`,
      detail: `${report.staleSqls.length} SQL(s) with no engagement whose SQL_STALE timer falls due by then (HO 3.5).`,
    },
  ];
}

// ---- the whole report ----------------------------------------------------------------------------------

/** The instant the numbers stop: the end of the week, or just after --now while the week runs. */
export function cutoff(week: IsoWeek, now: string): string {
  const afterNow = iso(ms(now) + 1);
  return afterNow < week.end ? afterNow : week.end;
}

/** The weeks of the trend (oldest first, ending with `week`) and the month the override audit covers. */
export function reportWindow(week: IsoWeek, opts: Pick<ReportOptions, 'trendWeeks' | 'sqlConversionWeeks' | 'mqlVolumeWeeks'>) {
  const n = Math.max(opts.trendWeeks, opts.sqlConversionWeeks, opts.mqlVolumeWeeks);
  const weeks = Array.from({ length: n }, (_, i) => shiftWeek(week, i - n + 1));
  const month = monthOf(thursdayOf(week));
  const from = weeks[0]!.start < month.start ? weeks[0]!.start : month.start;
  return { weeks, month, from };
}

export function computeWeeklyReport(rows: ReportRows, week: IsoWeek, states: readonly string[], opts: ReportOptions): WeeklyReport {
  if (week.start > opts.now) throw new RangeError(`week ${week.label} starts after --now (${opts.now}): nothing to report yet`);
  const until = cutoff(week, opts.now);
  const { weeks, month } = reportWindow(week, opts);
  const trend = weeks.map((w) => {
    const n = weekNumbers(rows, w, cutoff(w, opts.now));
    return { week: n.week, newMqls: n.newMqls, mqlToSql: n.mqlToSql, sqlToBriefing: n.sqlToBriefing };
  });
  const partial = {
    trend,
    overrides: overrideAudit(rows, week, until, month, opts.overrideCeiling),
    staleSqls: staleSqls(rows, until, opts.staleWithinDays),
  };
  return {
    week: week.label, start: week.start, end: week.end,
    asOf: iso(ms(until) - (until === week.end ? 0 : 1)),
    stages: stageCountsAt(rows.stays, until, states),
    pipeline: weekNumbers(rows, week, until),
    sla: slaCompliance(rows, week, until, opts),
    ...partial,
    alerts: alerts(partial, opts),
    timeInStage: timeInStage(rows.stays, week, until),
    thresholds: {
      mqlThreshold: opts.mqlThreshold, mqlVolumeWeeks: opts.mqlVolumeWeeks, sqlConversionFloor: opts.sqlConversionFloor,
      sqlConversionWeeks: opts.sqlConversionWeeks, overrideCeiling: opts.overrideCeiling, staleWithinDays: opts.staleWithinDays,
    },
  };
}

