// The monday projection after a sweep, against the local emulator (src/monday/emulator): how many changes
// (column writes + audit comments) each monday request carries. Steady state, not the first sync: the
// accounts the sweep will move get their items on the board first (one push, not counted); then the sweep
// runs with the outbox hook in each transition's transaction, and the push that follows is measured.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { sweep } from '../src/engine/sweep.js';
import type { Ladder } from '../src/ladder.js';
import { accounts } from '../src/store/schema.js';
import { parseMondayConfig } from '../src/monday/config.js';
import { queueProjection, sequenceTextOf } from '../src/monday/outbox.js';
import { projectItem } from '../src/monday/projection.js';
import { push, type PushResult } from '../src/monday/pusher.js';
import { createTransport } from '../src/monday/transport.js';
import { startEmulator } from '../src/monday/emulator/index.js';
import { stageOf } from '../machines/stage.js';
import type { LadderContext } from '../machines/context.js';
import { startClock } from './clock.js';

export type ProjectionResult = {
  accounts: number; fired: number;
  initial: Pick<PushResult, 'requests' | 'created' | 'matched'>;
  push: PushResult; ms: number;
  changes: number; changesPerRequest: number; bytesPerChange: number;
};
export type ProjectionStatus =
  | { measured: false; note: string }
  | { measured: true; note: string };

/** Whether src/monday/ exports a pusher: the bench measures the projection only then. */
export function projectionStatus(root: string): ProjectionStatus {
  const pusher = join(root, 'src', 'monday', 'pusher.ts');
  if (!existsSync(pusher) || !/export (async )?function push\b/.test(readFileSync(pusher, 'utf8'))) {
    return { measured: false, note: 'the monday projection has not landed (src/monday/ exports no pusher).' };
  }
  return { measured: true, note: 'src/monday/pusher.ts push() against the local emulator, after the sweep' };
}

export async function measureProjection(ladder: Ladder, opts: { now: string; batchSize: number }): Promise<ProjectionResult> {
  const { store, engine } = ladder;
  // The emulator's clock only moves when the pusher waits (as in the tests): a rate-limit wait costs nothing real.
  let clockMs = Date.parse(opts.now);
  const emu = await startEmulator({ port: 0, clock: () => clockMs });
  try {
    const cfg = parseMondayConfig({ endpoint: emu.url });
    // The board is a setting of the database: the outbox hook follows it (openLadder).
    engine.changeSettings((s) => ({ ...s, monday: { endpoint: emu.url } }), { by: 'system', role: 'sales.ops', now: opts.now, change: 'bench: the local emulator', source: 'bench' });
    const transport = createTransport({ endpoint: emu.url, token: 'bench-token', apiVersion: cfg.apiVersion, timeoutMs: cfg.retry.timeoutMs });
    const pushOpts = { now: () => new Date(clockMs).toISOString(), sleep: async (ms: number) => { clockMs += ms; }, log: () => {} };

    const { db, sqlite } = store;
    const moving = sqlite.prepare(`select distinct account from timers where status = 'pending' and due_at <= ?`).pluck().all(opts.now) as string[];
    sqlite.transaction(() => {
      for (const account of moving) {
        const acct = db.select().from(accounts).where(eq(accounts.domain, account)).get()!;
        const loaded = engine.load(account)!;
        queueProjection(db, account, projectItem(acct, loaded.snapshot.context as LadderContext, stageOf(loaded.snapshot.value), cfg, sequenceTextOf(db, account)), opts.now);
      }
    }).immediate();
    const initial = await push(store, cfg, transport, pushOpts);
    if (initial.gaveUp || initial.pendingItems) throw new Error(`bench: the initial monday sync did not finish: ${initial.gaveUp ?? `${initial.pendingItems} items pending`}`);

    const swept = sweep(engine, { now: opts.now, batchSize: opts.batchSize, as: { by: 'system', role: 'system' }, source: 'bench' });
    const clock = startClock();
    const r = await push(store, cfg, transport, pushOpts);
    const { ms } = clock();
    if (r.gaveUp || r.pendingItems || r.pendingComments) throw new Error(`bench: the monday push after the sweep did not finish: ${r.gaveUp ?? `${r.pendingItems} items, ${r.pendingComments} comments pending`}`);
    const changes = r.columnWrites + r.commentsPosted;
    return {
      accounts: moving.length, fired: swept.fired,
      initial: { requests: initial.requests, created: initial.created, matched: initial.matched },
      push: r, ms, changes, changesPerRequest: changes / Math.max(1, r.requests), bytesPerChange: r.bytesSent / Math.max(1, changes),
    };
  } finally {
    await emu.close();
  }
}
