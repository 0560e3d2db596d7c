// The totals of both runs turned into what the CRO and CMO read (issue 16): HO 6.1's weekly numbers side by side,
// and HO 6.3's calibration tables with their counts (a tiny sample stays visibly tiny). Pure.
import { GATES, SIGNAL_CODES, BUYING_SIGNALS } from '../../machines/types.js';
import { median, ratio, round, type Ratio } from '../report/metrics.js';
import { isoWeekOf } from '../../machines/rules/weeks.js';
import type { ChunkResult } from './chunk.js';
import { WEEK_COUNTERS, type Outcome, type RunTotals, type Window } from './metrics.js';

const WEEK = 7 * 86_400_000;

export type Pair<T> = { current: T; alt: T };
export type WeekRow = {
  week: string; start: string;
  newMqls: Pair<number>;
  sqls: Pair<{ dossier: number; fastTrack: number; e4: number; total: number }>;
  mqlToSql: Pair<Ratio>;
  sqlToBriefing: Pair<Ratio>;
  medianDaysMqlToSql: Pair<number | null>;
  regressions: Pair<number>;
  slaBreaches: Pair<number>;
  overrideRate: Pair<Ratio>;
};
export type OutcomeRow = Outcome & { sqlRate: number | null; wonRate: number | null };
export type Summary = {
  weeks: WeekRow[];
  totals: {
    newMqls: Pair<number>; sqls: Pair<{ dossier: number; fastTrack: number; e4: number; total: number }>;
    medianDaysMqlToSql: Pair<number | null>; regressions: Pair<number>; slaBreaches: Pair<number>; overrideRate: Pair<Ratio>;
  };
  endStages: Pair<Record<string, number>>;
  ho63: {
    firstTouch: { code: string; current: OutcomeRow & { mql: number }; alt: OutcomeRow & { mql: number } }[];
    eSignals: { code: string; current: OutcomeRow; alt: OutcomeRow }[];
    sSignals: { signal: string; current: { present: OutcomeRow; absent: OutcomeRow }; alt: { present: OutcomeRow; absent: OutcomeRow } }[];
    /** First-touch signals with at least `noise.share` of the MQLs and an SQL conversion below `noise.floor`. */
    noise: Pair<string[]> & { share: number; floor: number };
    overrides: { gate: string; current: { n: number; ends: Record<string, number> }; alt: { n: number; ends: Record<string, number> } }[];
  };
};

const rate = (n: number, of: number) => (of === 0 ? null : round(n / of, 4));
const row = (o: Outcome | undefined): OutcomeRow => {
  const x = o ?? { n: 0, sql: 0, won: 0 };
  return { n: x.n, sql: x.sql, won: x.won, sqlRate: rate(x.sql, x.n), wonRate: rate(x.won, x.n) };
};
const med = (xs: number[]) => { const m = median(xs); return m === null ? null : round(m, 2); };
const i = Object.fromEntries(WEEK_COUNTERS.map((k, n) => [k, n])) as Record<(typeof WEEK_COUNTERS)[number], number>;
/** HO 6.3 "noise": high MQL volume (this share of the window's MQLs or more), low SQL conversion (below HO 7's floor). */
export const NOISE = { share: 0.1, floor: 0.2 };

function sqlsOf(w: number[]) {
  return { dossier: w[i.sqlDossier]!, fastTrack: w[i.sqlFastTrack]!, e4: w[i.sqlE4]!, total: w[i.sqlDossier]! + w[i.sqlFastTrack]! + w[i.sqlE4]! };
}

function noise(t: RunTotals): string[] {
  const mqls = Object.values(t.firstTouch).reduce((s, f) => s + f.mql, 0);
  return Object.entries(t.firstTouch)
    .filter(([code, f]) => code !== 'unknown' && mqls > 0 && f.mql / mqls >= NOISE.share && f.sql / Math.max(1, f.n) < NOISE.floor)
    .map(([code]) => code);
}

export function summarize(r: ChunkResult, w: Window): Summary {
  const start = Date.parse(w.weekStart);
  const weeks: WeekRow[] = [];
  for (let k = 0; k < w.weeks; k++) {
    const a = r.current.weeks[k]!, b = r.alt.weeks[k]!;
    const both = <T>(f: (x: number[], t: RunTotals) => T): Pair<T> => ({ current: f(a, r.current), alt: f(b, r.alt) });
    weeks.push({
      week: isoWeekOf(new Date(start + k * WEEK).toISOString()).label, start: new Date(start + k * WEEK).toISOString(),
      newMqls: both((x) => x[i.newMqls]!),
      sqls: both(sqlsOf),
      mqlToSql: both((x) => ratio(x[i.mqlToSql]!, x[i.mqlPool]!)),
      sqlToBriefing: both((x) => ratio(x[i.sqlToBriefing]!, x[i.sqlPool]!)),
      medianDaysMqlToSql: both((_x, t) => med(t.waits[k]!)),
      regressions: both((x) => x[i.regressions]!),
      slaBreaches: both((x) => x[i.slaBreaches]!),
      overrideRate: both((x) => ratio(x[i.overrides]!, x[i.classifications]!)),
    });
  }
  const sum = (t: RunTotals, c: number) => t.weeks.reduce((s, x) => s + x[c]!, 0);
  const total = (t: RunTotals) => {
    const all = WEEK_COUNTERS.map((_, c) => sum(t, c));
    return { all, waits: t.waits.flat() };
  };
  const ta = total(r.current), tb = total(r.alt);
  const order = (codes: string[], known: readonly string[]) => [...new Set([...known.filter((c) => codes.includes(c)), ...codes.sort()])];
  const ftCodes = order([...Object.keys(r.current.firstTouch), ...Object.keys(r.alt.firstTouch)], [...SIGNAL_CODES, 'unknown']);
  const eCodes = order([...Object.keys(r.current.eSignals), ...Object.keys(r.alt.eSignals)], SIGNAL_CODES);
  const gates = order([...Object.keys(r.current.overrides), ...Object.keys(r.alt.overrides)], GATES);
  return {
    weeks,
    totals: {
      newMqls: { current: ta.all[i.newMqls]!, alt: tb.all[i.newMqls]! },
      sqls: { current: sqlsOf(ta.all), alt: sqlsOf(tb.all) },
      medianDaysMqlToSql: { current: med(ta.waits), alt: med(tb.waits) },
      regressions: { current: ta.all[i.regressions]!, alt: tb.all[i.regressions]! },
      slaBreaches: { current: ta.all[i.slaBreaches]!, alt: tb.all[i.slaBreaches]! },
      overrideRate: { current: ratio(ta.all[i.overrides]!, ta.all[i.classifications]!), alt: ratio(tb.all[i.overrides]!, tb.all[i.classifications]!) },
    },
    endStages: { current: sorted(r.current.endStages), alt: sorted(r.alt.endStages) },
    ho63: {
      firstTouch: ftCodes.map((code) => ({
        code,
        current: { ...row(r.current.firstTouch[code]), mql: r.current.firstTouch[code]?.mql ?? 0 },
        alt: { ...row(r.alt.firstTouch[code]), mql: r.alt.firstTouch[code]?.mql ?? 0 },
      })),
      eSignals: eCodes.map((code) => ({ code, current: row(r.current.eSignals[code]), alt: row(r.alt.eSignals[code]) })),
      sSignals: BUYING_SIGNALS.filter((s) => r.current.sSignals[s] || r.alt.sSignals[s]).map((s) => ({
        signal: s,
        current: { present: row(r.current.sSignals[s]?.present), absent: row(r.current.sSignals[s]?.absent) },
        alt: { present: row(r.alt.sSignals[s]?.present), absent: row(r.alt.sSignals[s]?.absent) },
      })),
      noise: { current: noise(r.current), alt: noise(r.alt), ...NOISE },
      overrides: gates.map((gate) => ({ gate, current: r.current.overrides[gate] ?? { n: 0, ends: {} }, alt: r.alt.overrides[gate] ?? { n: 0, ends: {} } })),
    },
  };
}

function sorted(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}
