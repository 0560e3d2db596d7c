// The physical floor of one transition on this stack: read the snapshot row, resolve it, transition(),
// write the snapshot back; batched like the sweep (one IMMEDIATE transaction per batch), with no event
// log, history, timers, idempotency or hooks. Fed the very events the sweep fires.
import { transition } from 'xstate';
import { persistSnapshot } from '../src/engine/engine.js';
import type { Store } from '../src/store/open.js';
import type { LadderMachine } from '../machines/ladder.js';
import type { LadderEvent } from '../machines/events.js';
import { settle, startClock } from './clock.js';

export type BareResult = { ms: number; cpuMs: number; steps: number; perSec: number };

export function bareSteps(store: Store, machine: LadderMachine, opts: { now: string; batchSize: number }): BareResult {
  const { sqlite } = store;
  // The sweep's work list, read before the clock starts: the reference is the step, not the lookup.
  const due = sqlite.prepare(`select account, event, due_at as dueAt from timers where status = 'pending' and due_at <= ? order by due_at, id`)
    .all(opts.now) as { account: string; event: string; dueAt: string }[];
  const read = sqlite.prepare('select snapshot from actors where account = ?').pluck();
  const write = sqlite.prepare('update actors set snapshot = ?, version = version + 1 where account = ?');
  const clock = startClock();
  for (let i = 0; i < due.length; i += opts.batchSize) {
    const batch = due.slice(i, i + opts.batchSize);
    sqlite.transaction(() => {
      for (const d of batch) {
        const snapshot = machine.resolveState(JSON.parse(read.get(d.account) as string));
        const event = { ...JSON.parse(d.event), at: d.dueAt, by: 'system', role: 'system' } as LadderEvent;
        const [next] = transition(machine, snapshot, event);
        write.run(persistSnapshot(next), d.account);
      }
    }).immediate();
  }
  settle(sqlite);
  const { ms, cpuMs } = clock();
  return { ms, cpuMs, steps: due.length, perSec: due.length / (ms / 1000) };
}
