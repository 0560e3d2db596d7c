// One chunk of accounts (a range of domains), read in account order from the event log and replayed: what a
// worker thread does (worker.ts), and what the main thread does itself for a small ladder. Reads only, through
// its own read-only connection.
import type Database from 'better-sqlite3';
import { MACHINE_VERSION } from '../../machines/ladder.js';
import { LEDGER_ONLY_EVENTS, persistSnapshot } from '../engine/engine.js';
import { upgradeSnapshot } from '../engine/upgrade.js';
import { addAccount, emptyTotals, finalOf, inputsOf, mergeTotals, type FinalContext, type RunTotals, type Window } from './metrics.js';
import { makeRulebook, type Rulebook, type SettingsVersionRules } from './rulebook.js';
import type { RulesOverride } from './rules.js';
import { isTimerType, label, simulateAccount, type LogRow, type Pending, type SimRun, type SimStep } from './simulate.js';

export type Job = {
  mode: 'calibrate' | 'verify';
  versions: SettingsVersionRules[];
  override: RulesOverride | null;
  /** Timers fire up to here; inputs after it are not replayed. */
  horizon: string;
  window: Window;
  /** At most this many differing accounts and refused inputs are listed (all are counted). */
  limit: number;
  /**
   * calibrate: the run under the rules in force is replayed too and checked against the recorded log (the
   * self-check); otherwise it is read from the log itself (what did happen), its pending timers fired up to the
   * horizon, and only the alternative is replayed.
   */
  check?: boolean;
};
export type Range = { lo: string | null; hi: string | null };

export type Parting = {
  account: string; at: string; event: string; seq: number | null;
  current: string; alt: string; endCurrent: string; endAlt: string;
};
export type Refusal = { account: string; seq: number; type: string; at: string; state: string; why: string };
export type Mismatch = { account: string; what: string; seq: number | null; detail: string };

export type ChunkResult = {
  accounts: number;
  events: number;
  current: RunTotals;
  alt: RunTotals;
  differing: { total: number; kinds: Record<string, number>; endMatrix: Record<string, number>; list: Parting[] };
  refused: { total: number; list: Refusal[] };
  /** The rules in force re-derive every recorded log (calibrate: the log only; verify: log, snapshot, stage history). */
  selfCheck: { accounts: number; equal: number; olderMachine: number; mismatches: number; list: Mismatch[] };
};

export function emptyResult(job: Job): ChunkResult {
  return {
    accounts: 0, events: 0, current: emptyTotals(job.window.weeks), alt: emptyTotals(job.window.weeks),
    differing: { total: 0, kinds: {}, endMatrix: {}, list: [] }, refused: { total: 0, list: [] },
    selfCheck: { accounts: 0, equal: 0, olderMachine: 0, mismatches: 0, list: [] },
  };
}

const NO_TIMERS = new Map<string, number>();
const short = (s: SimStep | undefined) => (s ? `${s.type} at ${s.at} → ${s.after}` : 'nothing');

/** The first step where two runs differ (type, instant or state reached), or null when they are the same. */
export function partingIndex(a: readonly SimStep[], b: readonly SimStep[]): number | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i], y = b[i];
    if (!x || !y || x.type !== y.type || x.at !== y.at || x.after !== y.after) return i;
  }
  return null;
}

/** The recorded log against the run of the rules in force: the first event that differs, or null. */
function logMismatch(rows: readonly LogRow[], run: SimRun, lastAt: string): Mismatch | null {
  const steps = run.steps.filter((s) => s.at <= lastAt);
  const n = Math.max(rows.length, steps.length);
  for (let i = 0; i < n; i++) {
    const r = rows[i], s = steps[i];
    if (r && s && r.type === s.type && r.at === s.at && r.stageAfter === s.after) continue;
    const seq = r?.seq ?? null;
    return {
      account: '', what: 'log', seq,
      detail: `event #${seq ?? rows.length + 1}: recorded ${r ? `${r.type} at ${r.at} → ${r.stageAfter}` : 'nothing'}; replayed ${short(s)}`
        + (run.refused[0] && (!s || run.refused[0].at <= s.at) ? ` (the replay refused #${run.refused[0].seq} ${run.refused[0].type})` : ''),
    };
  }
  return null;
}

type StayRow = { account: string; stage: string; substate: string | null; enteredAt: string; exitedAt: string | null; enteredBy: number };
type ActorRow = { account: string; snapshot: string; machineVersion: number };

const norm = (x: unknown) => JSON.stringify(x);

/** Stored snapshot and stage history against the replay (verify --replay). */
function storedMismatch(account: string, rows: readonly LogRow[], run: SimRun, actor: ActorRow | undefined, stays: readonly StayRow[]): Mismatch | null {
  if (!actor) return { account, what: 'snapshot', seq: null, detail: 'the account has events but no stored snapshot (actors row)' };
  const stored = upgradeSnapshot(JSON.parse(actor.snapshot), actor.machineVersion, account, MACHINE_VERSION);
  const replayed = JSON.parse(persistSnapshot(run.snapshot!)) as { status: string; value: unknown; context: Record<string, unknown> };
  const differs: string[] = [];
  if (norm(stored.value) !== norm(replayed.value)) differs.push(`value (stored ${label(stored.value)}, replayed ${label(replayed.value)})`);
  if ((stored.status ?? 'active') !== replayed.status) differs.push('status');
  const a = JSON.parse(JSON.stringify(stored.context)) as Record<string, unknown>;
  for (const k of Object.keys({ ...a, ...replayed.context })) if (norm(a[k]) !== norm(replayed.context[k])) differs.push(`context.${k}`);
  if (differs.length) return { account, what: 'snapshot', seq: rows[rows.length - 1]?.seq ?? null, detail: `the stored snapshot differs from the replay: ${differs.join(', ')}` };
  // Stage history: one stay per state reached, entered and left by the events that moved the account.
  const seqOf = new Map(rows.map((r) => [r.id, r.seq]));
  const moves = run.steps.filter((s, i) => i === 0 || s.before !== s.after);
  const n = Math.max(moves.length, stays.length);
  for (let i = 0; i < n; i++) {
    const m = moves[i], s = stays[i];
    const exit = moves[i + 1]?.at ?? null;
    const sLabel = s ? (s.substate ? `${s.stage}.${s.substate}` : s.stage) : null;
    const mSeq = m ? (rows[run.steps.indexOf(m)]?.seq ?? null) : null;
    if (m && s && sLabel === m.after && s.enteredAt === m.at && s.exitedAt === exit && seqOf.get(s.enteredBy) === mSeq) continue;
    return {
      account, what: 'stage history', seq: m ? mSeq : null,
      detail: `stay ${i + 1}: stored ${s ? `${sLabel} ${s.enteredAt} → ${s.exitedAt ?? 'now'} (entered by event #${seqOf.get(s.enteredBy) ?? '?'})` : 'nothing'}; replayed ${m ? `${m.after} ${m.at} → ${exit ?? 'now'} (event #${mSeq})` : 'nothing'}`,
    };
  }
  return null;
}

function insertLimited<T extends { account: string }>(list: T[], item: T, limit: number): void {
  if (list.length < limit) list.push(item);
}

/** Replays the accounts of [lo, hi) and returns their totals. */
export function runChunk(sqlite: Database.Database, job: Job, range: Range, books?: { current: Rulebook; alt: Rulebook }): ChunkResult {
  const out = emptyResult(job);
  const current = books?.current ?? makeRulebook(job.versions, null);
  const alt = books?.alt ?? makeRulebook(job.versions, job.override);
  const where = [range.lo !== null ? 'account >= @lo' : null, range.hi !== null ? 'account < @hi' : null].filter(Boolean);
  const params = { lo: range.lo, hi: range.hi };
  const cond = where.length ? `where ${where.join(' and ')}` : '';
  // A timer event's payload is not read: the replay re-derives it. Rows come as arrays (cheaper than objects).
  const events = sqlite.prepare(`select id, account, seq, type, at, case when type like 'xstate.after.%' then '' else payload end, settings_version, machine_version, stage_before, stage_after
    from events ${cond} order by account, seq`).raw(true);
  const recorded = job.mode === 'calibrate' && !job.check;
  // The run under the rules in force, read from the log: each account's first touch and overridden gate from its
  // stored snapshot, and the timers still pending at the horizon's side of its last event.
  const finals = recorded
    ? new Map((sqlite.prepare(`select account, json_extract(snapshot, '$.context.firstTouch.code') as firstTouch, json_extract(snapshot, '$.context.override.gate') as overrideGate from actors ${cond}`)
      .all(params) as (FinalContext & { account: string })[]).map((a) => [a.account, a]))
    : null;
  const due = recorded
    // Through the per-account index of pending timers: a horizon past every due time must not scan them all per chunk.
    ? new Set(sqlite.prepare(`select distinct account from timers indexed by timers_one_pending where status = 'pending' and due_at <= @horizon ${where.map((w) => `and ${w}`).join(' ')}`).pluck().all({ ...params, horizon: job.horizon }) as string[])
    : null;
  const pendingOf = sqlite.prepare(`select id, timer_id as timerId, event, due_at as dueAt from timers where account = ? and status = 'pending' order by id`);
  const storedOf = sqlite.prepare('select snapshot, machine_version as machineVersion from actors where account = ?');
  const verify = job.mode === 'verify';
  const actors = verify ? new Map((sqlite.prepare(`select account, snapshot, machine_version as machineVersion from actors ${cond}`).all(params) as ActorRow[]).map((a) => [a.account, a])) : null;
  const stayStmt = verify ? sqlite.prepare(`select account, stage, substate, entered_at as enteredAt, exited_at as exitedAt, entered_by as enteredBy from stage_history where account = ? order by id`) : null;

  let account: string | null = null;
  let rows: (LogRow & { account: string })[] = [];
  const flush = () => {
    if (account === null || rows.length === 0) return;
    processAccount(account, rows);
    rows = [];
  };
  /**
   * What did happen under the rules in force: the recorded log up to the horizon, each SQL entry's route read from
   * the sub-state it entered (E4 → confirmed, fast track → dossier, a dossier → review: the machine's own actions);
   * then, after the last recorded event, the account's pending timers that fall due by the horizon, fired from its
   * stored snapshot as the next sweep would.
   */
  const recordedRun = (acct: string, log: readonly LogRow[], lastAt: string): Pick<SimRun, 'steps' | 'refused'> => {
    const steps: SimStep[] = [];
    for (const r of log) {
      if (r.at > job.horizon) break;
      const before = r.stageBefore ?? '';
      const enteredSql = r.stageAfter.startsWith('SQL') && !before.startsWith('SQL') && before !== '';
      const via = enteredSql ? (r.stageAfter === 'SQL.confirmed' ? 'E4' : r.stageAfter === 'SQL.review' ? 'dossier' : 'strong') : null;
      const kind = isTimerType(r.type) ? 'timer' : LEDGER_ONLY_EVENTS.includes(r.type) && r.type !== 'ACCOUNT_ADDED' ? 'ledger' : 'input';
      steps.push({ kind, seq: isTimerType(r.type) ? null : r.seq, type: r.type, at: r.at, ms: Date.parse(r.at), before, after: r.stageAfter, via });
    }
    if (!due!.has(acct) || lastAt !== log[log.length - 1]?.at) return { steps, refused: [] };
    const stored = storedOf.get(acct) as { snapshot: string; machineVersion: number } | undefined;
    if (!stored) return { steps, refused: [] };
    const pending: Pending[] = (pendingOf.all(acct) as { id: number; timerId: string; event: string; dueAt: string }[])
      .map((p) => ({ timerId: p.timerId, event: JSON.parse(p.event) as { type: string }, dueAt: p.dueAt, order: p.id }));
    const snapshot = upgradeSnapshot(JSON.parse(stored.snapshot), stored.machineVersion, acct, MACHINE_VERSION);
    const tail = simulateAccount([], [], current, job.horizon, new Map(), { resume: { snapshot, pending } });
    return { steps: [...steps, ...tail.steps], refused: [] };
  };
  const processAccount = (acct: string, log: LogRow[]) => {
    out.accounts++;
    out.events += log.length;
    const parsed = log.map((r) => (isTimerType(r.type) ? null : JSON.parse(r.payload)));
    let timerVersions: Map<string, number> = NO_TIMERS;
    for (const r of log) {
      if (!isTimerType(r.type)) continue;
      if (timerVersions === NO_TIMERS) timerVersions = new Map();
      timerVersions.set(`${r.type}|${r.at}`, r.settingsVersion);
    }
    const older = log.some((r) => r.machineVersion < MACHINE_VERSION);
    const lastAt = (() => { let x = ''; for (const r of log) if (r.at <= job.horizon) x = r.at; return x; })();
    if (verify) {
      out.selfCheck.accounts++;
      if (older) { out.selfCheck.olderMachine++; return; }
      const run = simulateAccount(log, parsed, current, lastAt, timerVersions, { explain: true });
      const m = logMismatch(log, run, lastAt) ?? storedMismatch(acct, log, run, actors!.get(acct), stayStmt!.all(acct) as StayRow[]);
      if (m) { out.selfCheck.mismatches++; insertLimited(out.selfCheck.list, { ...m, account: acct }, job.limit); } else out.selfCheck.equal++;
      return;
    }
    let a: Pick<SimRun, 'steps' | 'refused'>;
    let finalA: FinalContext;
    if (recorded) {
      a = recordedRun(acct, log, lastAt);
      finalA = finals!.get(acct) ?? { firstTouch: null, overrideGate: null };
    } else {
      const run = simulateAccount(log, parsed, current, job.horizon, timerVersions);
      a = run;
      finalA = finalOf(run);
      out.selfCheck.accounts++;
      if (older) out.selfCheck.olderMachine++;
      else {
        const m = logMismatch(log.filter((r) => r.at <= job.horizon), run, lastAt);
        if (m) { out.selfCheck.mismatches++; insertLimited(out.selfCheck.list, { ...m, account: acct }, job.limit); } else out.selfCheck.equal++;
      }
    }
    // An account whose only input is its creation stays where every ruleset puts it: the initial state, which arms
    // no timer (the engine persists none from an initial transition). Its read run is the alternative's too.
    const created = recorded && a.steps.length > 0 && a.steps.every((x) => x.kind !== 'timer' && (x.kind === 'ledger' || x.type === 'ACCOUNT_ADDED'));
    const b: SimRun = created ? { steps: a.steps, refused: [], snapshot: null, version: 0 } : simulateAccount(log, parsed, alt, job.horizon, timerVersions, { explain: true });
    const inputs = inputsOf(log, parsed, job.window);
    addAccount(out.current, a, finalA, inputs, job.window, job.horizon);
    addAccount(out.alt, b, created ? finalA : finalOf(b), inputs, job.window, job.horizon);
    for (const r of b.refused) {
      out.refused.total++;
      insertLimited(out.refused.list, { account: acct, ...r }, job.limit);
    }
    const i = partingIndex(a.steps, b.steps);
    if (i !== null) {
      const endCurrent = a.steps[a.steps.length - 1]?.after ?? '';
      const endAlt = b.steps[b.steps.length - 1]?.after ?? '';
      const x = a.steps[i], y = b.steps[i];
      // The event where the runs part: the earlier of the two steps (an input one run refused, a timer only one armed).
      const first = !y || (x && x.at <= y.at) ? x! : y;
      const refusedHere = b.refused.find((r) => r.seq === first.seq);
      out.differing.total++;
      const kind = endCurrent === endAlt ? `same end (${endCurrent}), another path` : `${endCurrent} → ${endAlt}`;
      out.differing.kinds[kind] = (out.differing.kinds[kind] ?? 0) + 1;
      const mk = `${endCurrent.split('.')[0]}|${endAlt.split('.')[0]}`;
      out.differing.endMatrix[mk] = (out.differing.endMatrix[mk] ?? 0) + 1;
      insertLimited(out.differing.list, {
        account: acct, at: first.at, event: first.kind === 'timer' ? `timer ${first.type.split('.')[2]}` : first.type, seq: first.seq,
        current: x && x.at === first.at && x.type === first.type ? x.after : y && x ? `(not yet: ${x.type} at ${x.at})` : '(nothing)',
        alt: refusedHere ? `refused (stays ${refusedHere.state})` : y && y.at === first.at && y.type === first.type ? y.after : '(nothing)',
        endCurrent, endAlt,
      }, job.limit);
    }
  };

  for (const x of events.iterate(params) as IterableIterator<[number, string, number, string, string, string, number, number, string | null, string]>) {
    if (x[1] !== account) { flush(); account = x[1]; }
    rows.push({ id: x[0], account: x[1], seq: x[2], type: x[3], at: x[4], payload: x[5], settingsVersion: x[6], machineVersion: x[7], stageBefore: x[8], stageAfter: x[9] });
  }
  flush();
  return out;
}

/** Adds chunk b into a (lists stay in account order, cut at the limit). */
export function mergeResults(a: ChunkResult, b: ChunkResult, limit: number): void {
  a.accounts += b.accounts;
  a.events += b.events;
  mergeTotals(a.current, b.current);
  mergeTotals(a.alt, b.alt);
  a.differing.total += b.differing.total;
  for (const [k, v] of Object.entries(b.differing.kinds)) a.differing.kinds[k] = (a.differing.kinds[k] ?? 0) + v;
  for (const [k, v] of Object.entries(b.differing.endMatrix)) a.differing.endMatrix[k] = (a.differing.endMatrix[k] ?? 0) + v;
  const byAccount = <T extends { account: string }>(x: T[], y: T[]) => [...x, ...y].sort((p, q) => (p.account < q.account ? -1 : p.account > q.account ? 1 : 0)).slice(0, limit);
  a.differing.list = byAccount(a.differing.list, b.differing.list);
  a.refused.total += b.refused.total;
  a.refused.list = byAccount(a.refused.list, b.refused.list);
  a.selfCheck.accounts += b.selfCheck.accounts;
  a.selfCheck.equal += b.selfCheck.equal;
  a.selfCheck.olderMachine += b.selfCheck.olderMachine;
  a.selfCheck.mismatches += b.selfCheck.mismatches;
  a.selfCheck.list = byAccount(a.selfCheck.list, b.selfCheck.list);
}
