// One measurement in a process of its own, on a database copy made for it, so that every measurement
// starts equal (cold JIT, empty heap, same file). Prints one JSON line. Also the entry point to profile:
//   node --cpu-prof --cpu-prof-dir=prof dist/bench/measure.js sweep --db COPY --now ISO
import { parseArgs } from 'node:util';
import { sweep } from '../src/engine/sweep.js';
import { openLadder } from '../src/ladder.js';

/** The bench runs the daily routine as the system does (the server's own sweep). */
const BENCH = { by: 'system', role: 'system' };
import { stageCounts } from '../src/queries.js';
import { fullScan } from './full-scan.js';
import { bareSteps } from './bare-step.js';
import { croConfirms } from './commands.js';
import { settle, startClock } from './clock.js';
import { measureProjection } from './projection.js';
import { peakRssKb } from './rss.js';
import { ioCounters, ioSince, pagesWritten } from './write-set.js';

export const MEASUREMENTS = ['sweep', 'sweep-fixed', 'writeset', 'scan', 'bare', 'commands', 'projection'] as const;
export type Measurement = (typeof MEASUREMENTS)[number];

async function main(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      db: { type: 'string' }, now: { type: 'string' }, batch: { type: 'string', default: '500' }, commands: { type: 'string', default: '1000' }, warmup: { type: 'string', default: '50' },
      'due-count': { type: 'string', default: '100' },
    },
  });
  const what = positionals[0] as Measurement;
  if (!MEASUREMENTS.includes(what) || !values.db || !values.now) {
    throw new Error(`usage: measure.js ${MEASUREMENTS.join('|')} --db COPY --now ISO [--batch 500] [--commands 1000] [--due-count 100]`);
  }
  const now = new Date(Date.parse(values.now)).toISOString();
  const batchSize = Number(values.batch);
  // The bench fleet lives at its own dates, which may be ahead of the real clock: a simulation.
  const ladder = openLadder(values.db, { allowFuture: true });
  const { store, engine } = ladder;
  const machine = engine.machine;
  let out: Record<string, unknown>;
  try {
    switch (what) {
      case 'sweep': {
        const io0 = ioCounters();
        const clock = startClock();
        const r = sweep(engine, { now, batchSize, as: BENCH, source: 'bench' });
        settle(store.sqlite);
        const { ms, cpuMs } = clock();
        out = { ...r, ms, cpuMs, perSec: r.fired / (ms / 1000), io: ioSince(io0), stages: stageCounts(engine) };
        break;
      }
      case 'sweep-fixed': {
        // The sweep at the clock where exactly --due-count timers are due: its time should follow the due count,
        // not the fleet (growing at most with the depth of the indexes it descends).
        const k = Number(values['due-count']);
        const at = store.sqlite.prepare(`select due_at from timers where status = 'pending' and due_at <= ? order by due_at, id limit 1 offset ?`).pluck().get(now, k - 1) as string | undefined;
        if (!at) throw new Error(`bench: fewer than ${k} timers are due at ${now}`);
        const clock = startClock();
        const r = sweep(engine, { now: at, batchSize, as: BENCH, source: 'bench' });
        settle(store.sqlite);
        const { ms, cpuMs } = clock();
        out = { now: at, fired: r.fired, ms, cpuMs, usPerFired: (ms * 1000) / Math.max(1, r.fired) };
        break;
      }
      case 'writeset': {
        // Checkpoints off: the WAL keeps every frame the batches' commits wrote, read before the store closes.
        store.sqlite.pragma('wal_autocheckpoint = 0');
        store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
        const r = sweep(engine, { now, batchSize, as: BENCH, source: 'bench' });
        out = { ...pagesWritten(values.db, r.fired) };
        break;
      }
      case 'scan': {
        const r = fullScan(engine, { now, batchSize });
        out = { ...r, stages: stageCounts(engine) };
        break;
      }
      case 'bare': out = { ...bareSteps(store, machine, { now, batchSize }) }; break;
      case 'commands': out = { ...croConfirms(engine, { now, count: Number(values.commands), warmup: Number(values.warmup) }) }; break;
      case 'projection': out = { ...(await measureProjection(ladder, { now, batchSize })) }; break;
    }
  } finally {
    store.close();
  }
  process.stdout.write(`${JSON.stringify({ what, ...out, maxRssKb: peakRssKb() })}\n`);
}

await main(process.argv.slice(2));
