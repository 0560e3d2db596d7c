// The baseline: what an orchestrator without a timers index does. It restores EVERY actor (reads each
// snapshot row, machine.resolveState through the engine's restore), asks the machine when each active
// state's `after` delay expires (the machine's own delay functions on the restored context), and fires
// the due ones through the same engine, in due order, batched exactly like the sweep.
import type { AnyMachineSnapshot } from 'xstate';
import type { Engine } from '../src/engine/engine.js';
import { settle, startClock } from './clock.js';

export type ScanResult = {
  ms: number; cpuMs: number; scanMs: number; fireMs: number; actors: number; candidates: number;
  /** Candidates whose timer had fired already (an SLA flagged on an earlier day): nothing to do. */
  alreadyFired: number; fired: number; skipped: number; transitions: Record<string, number>;
};

type DelayFn = (args: { context: unknown; event: { type: string; at: string } }) => number;
/**
 * The delay functions compute `due − event.at`; asked at the epoch they return the due instant itself.
 * (The machine clamps a delay to ≥ 1 ms, which only matters for dues before 1970.)
 */
const EPOCH = { type: 'bench.probe', at: new Date(0).toISOString() };

export function dueDelays(engine: Engine, snapshot: AnyMachineSnapshot, nowMs: number, out: { timerId: string; dueMs: number }[]) {
  const delays = (engine.machine.implementations.delays ?? {}) as Record<string, DelayFn>;
  for (const node of snapshot._nodes) {
    for (const t of node.after) {
      if (typeof t.delay !== 'string') throw new Error(`bench: numeric/inline delay on ${node.id}; the full scan knows only named delays`);
      const fn = delays[t.delay];
      if (!fn) throw new Error(`bench: delay ${t.delay} has no implementation`);
      const dueMs = fn({ context: snapshot.context, event: EPOCH });
      if (dueMs <= nowMs) out.push({ timerId: t.eventType, dueMs });
    }
  }
}

export function fullScan(engine: Engine, opts: { now: string; batchSize: number }): ScanResult {
  const { sqlite } = engine.store;
  const nowMs = Date.parse(opts.now);
  const clock = startClock();
  const started = performance.now();
  const all = sqlite.prepare('select account, snapshot, machine_version as machineVersion from actors');
  const candidates: { account: string; timerId: string; dueMs: number }[] = [];
  const found: { timerId: string; dueMs: number }[] = [];
  let actors = 0;
  for (const row of all.iterate() as IterableIterator<{ account: string; snapshot: string; machineVersion: number }>) {
    actors++;
    found.length = 0;
    dueDelays(engine, engine.restore(row), nowMs, found);
    for (const f of found) candidates.push({ account: row.account, ...f });
  }
  const scanned = performance.now();
  candidates.sort((a, b) => a.dueMs - b.dueMs || (a.account < b.account ? -1 : 1));

  // Firing goes through the engine like the sweep: it needs the pending timer row (point lookup).
  const pending = sqlite.prepare(`select id from timers where account = ? and timer_id = ? and status = 'pending'`).pluck();
  const result: ScanResult = { ms: 0, cpuMs: 0, scanMs: scanned - started, fireMs: 0, actors, candidates: candidates.length, alreadyFired: 0, fired: 0, skipped: 0, transitions: {} };
  for (let i = 0; i < candidates.length; i += opts.batchSize) {
    const batch = candidates.slice(i, i + opts.batchSize);
    const ids: number[] = [];
    for (const c of batch) {
      const id = pending.get(c.account, c.timerId) as number | undefined;
      if (id === undefined) result.alreadyFired++; else ids.push(id);
    }
    for (const applied of engine.fireTimers(ids, { now: opts.now, as: { by: 'system', role: 'system' }, source: 'bench' })) {
      if (applied.status === 'refused') { result.skipped++; continue; }
      if (!('before' in applied)) { result.alreadyFired++; continue; }
      result.fired++;
      const move = `${applied.before.stage}→${applied.after.stage}`;
      if (applied.before.stage !== applied.after.stage) result.transitions[move] = (result.transitions[move] ?? 0) + 1;
    }
  }
  const done = performance.now();
  result.fireMs = done - scanned;
  settle(sqlite);
  ({ ms: result.ms, cpuMs: result.cpuMs } = clock());
  return result;
}
