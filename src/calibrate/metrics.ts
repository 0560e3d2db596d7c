// What a run of the fleet's history gives, as mergeable counters (issue 16): per ISO week the HO 6.1 numbers
// the weekly report defines (docs/report.md), and over the window HO 6.3's calibration tables. Each account adds
// its own contribution, so workers count their accounts apart and the sums are exact (distinct-account ratios
// included: an account counts at most once per week per counter). Pure.
import { BUYING_SIGNALS, SIGNAL_CODES } from '../../machines/types.js';
import type { LadderContext } from '../../machines/context.js';
import type { SimRun, SimStep } from './simulate.js';

const WEEK = 7 * 86_400_000;
const DAY = 86_400_000;
const ms = (iso: string) => Date.parse(iso);

/** The weekly counters, in this order in every week's row. */
export const WEEK_COUNTERS = [
  'newMqls', 'sqlDossier', 'sqlFastTrack', 'sqlE4', 'mqlPool', 'mqlToSql', 'sqlPool', 'sqlToBriefing',
  'regressions', 'slaBreaches', 'overrides', 'classifications',
] as const;
export type WeekCounter = (typeof WEEK_COUNTERS)[number];
const C = Object.fromEntries(WEEK_COUNTERS.map((k, i) => [k, i])) as Record<WeekCounter, number>;

export type Outcome = { n: number; sql: number; won: number };
export type RunTotals = {
  /** weeks[w][counter], counters in WEEK_COUNTERS order. */
  weeks: number[][];
  /** Days from entering MQL to entering SQL, per week of the move (for the median). */
  waits: number[][];
  endStages: Record<string, number>;
  /** HO 6.3: accounts first classified in the window, by first-touch signal: how many reached MQL, SQL, WON. */
  firstTouch: Record<string, Outcome & { mql: number }>;
  /** HO 6.3: accounts with each E-signal recorded in the window. */
  eSignals: Record<string, Outcome>;
  /** HO 6.3: accounts with a dossier in the window, by each S-signal scored CONFIRMED/LIKELY (present) or not. */
  sSignals: Record<string, { present: Outcome; absent: Outcome }>;
  /** HO 3.6: CRO overrides in the window by gate, and the stage each overridden account ended in. */
  overrides: Record<string, { n: number; ends: Record<string, number> }>;
  refusedByType: Record<string, number>;
  steps: number;
};

export type Window = { weekStart: string; weeks: number; from: string; to: string };

export function emptyTotals(weeks: number): RunTotals {
  return {
    weeks: Array.from({ length: weeks }, () => WEEK_COUNTERS.map(() => 0)), waits: Array.from({ length: weeks }, () => []),
    endStages: {}, firstTouch: {}, eSignals: {}, sSignals: {}, overrides: {}, refusedByType: {}, steps: 0,
  };
}

const stage = (label: string) => label.split('.')[0]!;
const isMql = (l: string) => l.startsWith('MQL');
const isSql = (l: string) => l.startsWith('SQL');
const BELOW_MQL = new Set(['PROSPECT', 'ARCHIVED']);
const bump = (o: Record<string, number>, k: string, by = 1) => { o[k] = (o[k] ?? 0) + by; };
const outcome = (): Outcome => ({ n: 0, sql: 0, won: 0 });
/** The entry of `o` under `k`, made first when missing. */
function slot<T>(o: Record<string, T>, k: string, make: () => T): T {
  let v = o[k];
  if (v === undefined) { v = make(); o[k] = v; }
  return v;
}

/** What the account's recorded inputs say, the same in both runs (signals, dossier scores). */
export type AccountInputs = { eCodes: Set<string>; sPresent: Set<string> | null };

export function inputsOf(log: readonly { type: string; at: string }[], parsed: readonly unknown[], w: Window): AccountInputs {
  const eCodes = new Set<string>();
  let sPresent: Set<string> | null = null;
  for (let i = 0; i < log.length; i++) {
    const { type, at } = log[i]!;
    if (at < w.from || at >= w.to) continue;
    if (type === 'SIGNAL') {
      const code = (parsed[i] as { signal?: { code?: string } }).signal?.code;
      if (code) eCodes.add(code);
    } else if (type === 'DOSSIER') {
      const scores = (parsed[i] as { scores?: Record<string, string> }).scores ?? {};
      sPresent ??= new Set();
      for (const s of BUYING_SIGNALS) if (scores[s] === 'CONFIRMED' || scores[s] === 'LIKELY') sPresent.add(s);
    }
  }
  return { eCodes, sPresent };
}

/** What the account's context says at the end of a run, for HO 6.3: its first touch and the gate the CRO overrode. */
export type FinalContext = { firstTouch: string | null; overrideGate: string | null };

export function finalOf(run: SimRun): FinalContext {
  const ctx = run.snapshot?.context as LadderContext | undefined;
  return { firstTouch: ctx?.firstTouch?.code ?? null, overrideGate: ctx?.override?.gate ?? null };
}

/** Adds one account's run to the totals. `inputs` is what its recorded inputs say (the same for both runs). */
export function addAccount(t: RunTotals, run: Pick<SimRun, 'steps' | 'refused'>, final: FinalContext, inputs: AccountInputs, w: Window, horizon: string): void {
  const steps = run.steps;
  t.steps += steps.length;
  for (const r of run.refused) bump(t.refusedByType, r.type);
  if (steps.length === 0) return;
  const end = steps[steps.length - 1]!.after;
  bump(t.endStages, end);
  const start = ms(w.weekStart);
  const weekOf = (t: number) => Math.floor((t - start) / WEEK);
  const horizonMs = ms(horizon);
  const inWindow = (at: string) => at >= w.from && at < w.to;
  const once: number[] = []; // counter*4096+week: already counted for this account
  const mark = (counter: number, week: number) => {
    if (week < 0 || week >= w.weeks) return;
    const key = counter * 4096 + week;
    if (once.includes(key)) return;
    once.push(key);
    t.weeks[week]![counter]!++;
  };
  const count = (counter: number, week: number) => { if (week >= 0 && week < w.weeks) t.weeks[week]![counter]!++; };
  /** Weeks a stay [enteredAt, exitedAt) counts in a pool: entered during the week, or in it at the week's start. */
  const pool = (counter: number, enteredAt: number, exitedAt: number | null) => {
    const first = Math.max(0, weekOf(enteredAt));
    const lastAt = exitedAt ?? horizonMs;
    for (let wk = first; wk < w.weeks; wk++) {
      const ws = start + wk * WEEK;
      const entered = enteredAt >= ws && enteredAt < ws + WEEK;
      const covers = enteredAt < ws && lastAt >= ws;
      if (!entered && !covers) break;
      mark(counter, wk);
    }
  };

  let reachedMql = false, reachedSql = false, won = false;
  let classifiedInWindow = false;
  let mqlRunStart: number | null = null;
  let stayStart = steps[0]!.ms;
  let stayState = steps[0]!.after;
  const overridesHere: string[] = [];
  const close = (s: SimStep | null) => {
    const exit = s ? s.ms : null;
    if (isMql(stayState)) pool(C.mqlPool, stayStart, exit);
    if (isSql(stayState)) pool(C.sqlPool, stayStart, exit);
  };
  for (const s of steps) {
    if (s.type === 'CRO_OVERRIDE' && s.kind === 'input' && inWindow(s.at)) overridesHere.push(s.at);
    if (s.type === 'CRO_OVERRIDE' && s.kind === 'input') count(C.overrides, weekOf(s.ms));
    if (s.kind === 'timer' && s.type.includes('_SLA.')) count(C.slaBreaches, weekOf(s.ms));
    if (s.before === s.after || s.before === '') continue;
    const wk = weekOf(s.ms);
    if (BELOW_MQL.has(s.before) && (isMql(s.after) || isSql(s.after))) {
      count(C.classifications, wk);
      if (!reachedMql && !reachedSql && inWindow(s.at)) classifiedInWindow = true;
      if (isMql(s.after)) mark(C.newMqls, wk);
    }
    if (isMql(s.after)) reachedMql = true;
    if (isSql(s.after)) reachedSql = true;
    if (s.after === 'WON') won = true;
    if (isSql(s.after) && !isSql(s.before)) {
      const via = s.via ?? 'dossier';
      count(via === 'E4' ? C.sqlE4 : via === 'dossier' ? C.sqlDossier : C.sqlFastTrack, wk);
    }
    if (isMql(s.before) && isSql(s.after)) {
      mark(C.mqlToSql, wk);
      if (mqlRunStart && wk >= 0 && wk < w.weeks) t.waits[wk]!.push((s.ms - mqlRunStart) / DAY);
    }
    if (isSql(s.before) && s.after === 'BRIEFING_READY') mark(C.sqlToBriefing, wk);
    if (s.kind === 'timer' && ((isSql(s.before) && isMql(s.after)) || (isMql(s.before) && s.after === 'PROSPECT'))) count(C.regressions, wk);
    // Pools: the stay that ends here.
    close(s);
    if (isMql(s.after) && !isMql(s.before)) mqlRunStart = s.ms;
    if (!isMql(s.after)) mqlRunStart = null;
    stayStart = s.ms;
    stayState = s.after;
  }
  close(null);

  if (classifiedInWindow) {
    const code = final.firstTouch ?? 'unknown';
    t.firstTouch[code] ??= { n: 0, mql: 0, sql: 0, won: 0 };
    const f = t.firstTouch[code];
    f.n++;
    if (reachedMql) f.mql++;
    if (reachedSql) f.sql++;
    if (won) f.won++;
  }
  for (const code of inputs.eCodes) {
    const o = slot(t.eSignals, code, outcome);
    o.n++;
    if (reachedSql) o.sql++;
    if (won) o.won++;
  }
  if (inputs.sPresent) {
    for (const s of BUYING_SIGNALS) {
      const e = slot(t.sSignals, s, () => ({ present: outcome(), absent: outcome() }));
      const o = inputs.sPresent.has(s) ? e.present : e.absent;
      o.n++;
      if (reachedSql) o.sql++;
      if (won) o.won++;
    }
  }
  if (overridesHere.length && final.overrideGate) {
    const o = slot(t.overrides, final.overrideGate, () => ({ n: 0, ends: {} }));
    o.n++;
    bump(o.ends, stage(end));
  }
}

const addRecord = (a: Record<string, number>, b: Record<string, number>) => { for (const [k, v] of Object.entries(b)) bump(a, k, v); };
const addOutcome = (a: Outcome, b: Outcome) => { a.n += b.n; a.sql += b.sql; a.won += b.won; };

export function mergeTotals(a: RunTotals, b: RunTotals): void {
  for (let wk = 0; wk < a.weeks.length; wk++) {
    for (let c = 0; c < WEEK_COUNTERS.length; c++) a.weeks[wk]![c]! += b.weeks[wk]![c]!;
    for (const x of b.waits[wk]!) a.waits[wk]!.push(x);
  }
  addRecord(a.endStages, b.endStages);
  addRecord(a.refusedByType, b.refusedByType);
  a.steps += b.steps;
  for (const [k, v] of Object.entries(b.firstTouch)) {
    const x = slot(a.firstTouch, k, () => ({ n: 0, mql: 0, sql: 0, won: 0 }));
    addOutcome(x, v); x.mql += v.mql;
  }
  for (const [k, v] of Object.entries(b.eSignals)) addOutcome(slot(a.eSignals, k, outcome), v);
  for (const [k, v] of Object.entries(b.sSignals)) {
    const x = slot(a.sSignals, k, () => ({ present: outcome(), absent: outcome() }));
    addOutcome(x.present, v.present); addOutcome(x.absent, v.absent);
  }
  for (const [k, v] of Object.entries(b.overrides)) {
    const x = slot(a.overrides, k, () => ({ n: 0, ends: {} }));
    x.n += v.n; addRecord(x.ends, v.ends);
  }
}

export const SIGNAL_ORDER = [...SIGNAL_CODES, 'unknown'] as string[];
