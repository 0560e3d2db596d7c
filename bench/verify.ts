// Checks a generated fleet with the real machine and engine before anything is timed:
// 1. a random sample of accounts is replayed from its event log through the machine, and the snapshot,
//    stage columns, per-event stages, timers and stage history must be exactly what is stored;
// 2. one due timer of each kind is fired through the engine on a scratch copy, and the outcome must be
//    what the pure machine says.
import Database from 'better-sqlite3';
import { copyFileSync, rmSync } from 'node:fs';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { persistSnapshot } from '../src/engine/engine.js';
import { openLadder } from '../src/ladder.js';
import { delayOf } from '../machines/timers.js';
import { createLadderMachine } from '../machines/ladder.js';
import { stageOf } from '../machines/stage.js';
import { DEFAULT_RULES } from '../machines/rules/config.js';
import type { LadderEvent } from '../machines/events.js';
import type { LadderInput } from '../machines/context.js';
import { rng } from '../src/demo/random.js';

export type VerifyResult = {
  sampled: number; eventsReplayed: number; timersChecked: number; fired: { timer: string; account: string; move: string }[];
  foreignKeyViolations: number; foreignKeyCheck: 'whole file' | 'sampled accounts'; ms: number;
};

const FULL_FK_CHECK_MAX = 100_000;

type EventRow = { seq: number; type: string; payload: string; at: string; stage_after: string };
type TimerRow = { id: number; account: string; timer_id: string; event: string; due_at: string; status: string; armed_by: number; closed_by: number | null };
type HistoryRow = { stage: string; substate: string | null; entered_at: string; exited_at: string | null };

const label = (v: unknown) => { const s = stageOf(v); return s.substate ? `${s.stage}.${s.substate}` : s.stage; };

function fail(account: string, what: string, want: unknown, got: unknown): never {
  throw new Error(`bench: generated account ${account} is not what the engine writes: ${what}\n  replayed: ${JSON.stringify(want)}\n  stored:   ${JSON.stringify(got)}`);
}

export function verifyFleet(path: string, now: string, opts: { sample: number; seed: number; scratchDir: string }): VerifyResult {
  const started = performance.now();
  const machine = createLadderMachine(DEFAULT_RULES);
  const db = new Database(path, { readonly: true });
  const result: VerifyResult = { sampled: 0, eventsReplayed: 0, timersChecked: 0, fired: [], foreignKeyViolations: 0, foreignKeyCheck: 'whole file', ms: 0 };
  try {
    const total = (db.prepare('select count(*) as n from actors').get() as { n: number }).n;
    const maxRowid = (db.prepare('select max(rowid) as m from actors').get() as { m: number }).m;
    // By rowid, not OFFSET: an offset walks the table, a rowid is a seek.
    const nth = db.prepare('select account, snapshot, stage, substate, version from actors where rowid >= ? order by rowid limit 1');
    const eventsOf = db.prepare('select seq, type, payload, at, stage_after from events where account = ? order by seq');
    const historyOf = db.prepare('select stage, substate, entered_at, exited_at from stage_history where account = ? order by id');
    const eventAccount = db.prepare('select account from events where id = ?').pluck();
    const refsOf = db.prepare(`select
        (select count(*) from events e left join accounts a on a.domain = e.account where e.account = ? and a.domain is null)
      + (select count(*) from stage_history h left join events e on e.id = h.entered_by where h.account = ? and (e.id is null or e.account <> h.account))
      + (select count(*) from actors x left join accounts a on a.domain = x.account where x.account = ? and a.domain is null) as n`);
    const r = rng(opts.seed ^ 0xc0ffee);
    type Actor = { account: string; snapshot: string; stage: string; substate: string | null; version: number };
    const sampled = new Map<string, Actor>();
    for (let i = 0; i < Math.min(opts.sample, total) * 4 && sampled.size < Math.min(opts.sample, total); i++) {
      const actor = nth.get(1 + Math.floor(r.next() * maxRowid)) as Actor;
      sampled.set(actor.account, actor);
    }
    // timers has no index on account alone (only partial ones on pending rows): one pass collects the
    // sampled accounts' timers instead of a table scan per account.
    const timersBy = new Map<string, TimerRow[]>([...sampled.keys()].map((a) => [a, []]));
    for (const t of db.prepare('select id, account, timer_id, event, due_at, status, armed_by, closed_by from timers order by id').iterate() as IterableIterator<TimerRow>) {
      timersBy.get(t.account)?.push(t);
    }
    for (const actor of sampled.values()) {
      replayOne(machine, actor, eventsOf.all(actor.account) as EventRow[], timersBy.get(actor.account)!, historyOf.all(actor.account) as HistoryRow[], result);
      result.sampled++;
    }
    const timerRefs = (a: string) => timersBy.get(a)!.filter((t) => eventAccount.get(t.armed_by) !== a || (t.closed_by !== null && eventAccount.get(t.closed_by) !== a)).length;
    // The whole-file check reads every row; past 100k accounts (minutes at 1M) the sampled accounts'
    // references are checked instead (every stamped account is built the same way).
    result.foreignKeyViolations = total <= FULL_FK_CHECK_MAX
      ? db.prepare('pragma foreign_key_check').all().length
      : [...sampled.keys()].reduce((n, a) => n + (refsOf.get(a, a, a) as { n: number }).n + timerRefs(a), 0);
    result.foreignKeyCheck = total <= FULL_FK_CHECK_MAX ? 'whole file' : 'sampled accounts';
    if (result.foreignKeyViolations) throw new Error(`bench: ${result.foreignKeyViolations} foreign key violations in the generated fleet`);
  } finally {
    db.close();
  }
  fireOnScratch(path, now, opts.scratchDir, result);
  result.ms = performance.now() - started;
  return result;
}

function replayOne(
  machine: ReturnType<typeof createLadderMachine>,
  actor: { account: string; snapshot: string; stage: string; substate: string | null; version: number },
  events: EventRow[], timers: TimerRow[], history: HistoryRow[], result: VerifyResult,
) {
  const account = actor.account;
  const expectTimers: { timer_id: string; due_at: string; status: string }[] = [];
  const expectHistory: HistoryRow[] = [];
  let snap: AnyMachineSnapshot | undefined;
  for (const [i, e] of events.entries()) {
    if (e.seq !== i + 1) fail(account, 'event sequence', i + 1, e.seq);
    const payload = JSON.parse(e.payload) as { type: string; input?: unknown; at: string };
    let actions: { type: string; params?: Record<string, unknown> }[];
    const before = snap ? label(snap.value) : null;
    if (i === 0) {
      if (payload.type !== 'ACCOUNT_ADDED') fail(account, 'first event', 'ACCOUNT_ADDED', payload.type);
      [snap] = initialTransition(machine, payload.input as LadderInput);
      actions = [];
    } else {
      if (payload.type.startsWith('xstate.after.')) {
        const t = expectTimers.find((x) => x.timer_id === payload.type && x.status === 'pending');
        if (!t) fail(account, `timer event ${payload.type} without a pending timer`, expectTimers, timers);
        t.status = 'fired';
      }
      const out = transition(machine, snap!, payload as LadderEvent);
      snap = out[0];
      actions = out[1] as typeof actions;
    }
    for (const a of actions) {
      const params = a.params ?? {};
      if (a.type === 'xstate.cancel') {
        const t = expectTimers.find((x) => x.timer_id === String(params.sendId) && x.status === 'pending');
        if (t) t.status = 'cancelled';
      } else if (a.type === 'xstate.raise' && typeof params.delay === 'number') {
        expectTimers.push({ timer_id: String(params.id), due_at: new Date(Date.parse(payload.at) + params.delay).toISOString(), status: 'pending' });
      }
    }
    const after = label(snap!.value);
    if (e.stage_after !== after) fail(account, `stage after event #${e.seq} ${e.type}`, after, e.stage_after);
    if (before !== after) {
      const open = expectHistory.at(-1);
      if (open) open.exited_at = payload.at;
      const s = stageOf(snap!.value);
      expectHistory.push({ stage: s.stage, substate: s.substate, entered_at: payload.at, exited_at: null });
    }
    result.eventsReplayed++;
  }
  if (!snap) fail(account, 'events', 'at least ACCOUNT_ADDED', []);
  const replayed = persistSnapshot(snap);
  if (replayed !== actor.snapshot) fail(account, 'snapshot', replayed, actor.snapshot);
  const s = stageOf(snap.value);
  if (s.stage !== actor.stage || s.substate !== actor.substate) fail(account, 'stage columns', s, { stage: actor.stage, substate: actor.substate });
  if (actor.version !== events.length) fail(account, 'row version', events.length, actor.version);
  const stored = timers.map((t) => ({ timer_id: t.timer_id, due_at: t.due_at, status: t.status }));
  if (JSON.stringify(stored) !== JSON.stringify(expectTimers)) fail(account, 'timers', expectTimers, stored);
  if (JSON.stringify(history) !== JSON.stringify(expectHistory)) fail(account, 'stage history', expectHistory, history);
  result.timersChecked += timers.length;
}

/** One due timer of each kind, fired exactly as the sweep fires it, on a copy that is thrown away. */
function fireOnScratch(path: string, now: string, dir: string, result: VerifyResult) {
  const scratch = `${dir}/verify-scratch.db`;
  copyFileSync(path, scratch);
  const { store, engine } = openLadder(scratch, { allowFuture: true });
  try {
    const machine = engine.machine;
    const due = store.sqlite.prepare(`select id, account, timer_id, event, due_at, status, armed_by, closed_by from timers where status = 'pending' and due_at <= ? order by due_at, id`).all(now) as TimerRow[];
    const kinds = new Map<string, TimerRow>();
    for (const t of due) { const k = delayOf(t.timer_id)!; if (!kinds.has(k)) kinds.set(k, t); }
    if (kinds.size === 0 && due.length > 0) throw new Error('bench: due timers without a kind');
    for (const [kind, t] of kinds) {
      const event = { ...JSON.parse(t.event), at: t.due_at, by: 'system', role: 'system' } as LadderEvent;
      const loaded = engine.load(t.account)!;
      const [expected] = transition(machine, loaded.snapshot, event);
      const [applied] = engine.fireTimers([t.id], { now, as: { by: 'system', role: 'system' }, source: 'bench' });
      if (applied?.status !== 'applied') { fail(t.account, `firing ${kind} through the engine`, 'applied', JSON.stringify(applied)); continue; }
      const got = `${applied.after.stage}${applied.after.substate ? `.${applied.after.substate}` : ''}`;
      if (got !== label(expected.value)) fail(t.account, `firing ${kind} through the engine`, label(expected.value), got);
      const row = store.sqlite.prepare('select status from timers where id = ?').get(t.id) as { status: string };
      if (row.status !== 'fired') fail(t.account, `timer ${t.id} after firing`, 'fired', row.status);
      const stored = (store.sqlite.prepare('select snapshot from actors where account = ?').get(t.account) as { snapshot: string }).snapshot;
      if (stored !== persistSnapshot(expected)) fail(t.account, `snapshot after firing ${kind}`, persistSnapshot(expected), stored);
      result.fired.push({ timer: kind, account: t.account, move: `${label(loaded.snapshot.value)} → ${got}` });
    }
  } finally {
    store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${scratch}${suffix}`, { force: true });
  }
}
