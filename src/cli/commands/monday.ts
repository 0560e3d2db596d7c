// `ladder monday push | status | retry | verify | emulator`.
import { eq, inArray, and, or, like, sql } from 'drizzle-orm';
import type { Command } from 'commander';
import { push, counts, type PushResult } from '../../monday/pusher.js';
import { verify } from '../../monday/verify.js';
import { mondayComments, mondayItems } from '../../store/schema.js';
import type { CliContext } from '../context.js';
import { emit } from '../output.js';
import type { Run } from './events.js';

/** `leaseWaitMs`: how long to wait for a push already at work (a command's own push waits briefly: that push delivers its change). */
export async function runPush(ctx: CliContext, o: { leaseWaitMs?: number } = {}): Promise<PushResult> {
  const cfg = ctx.monday!;
  const transport = ctx.mondayTransport();
  const now = ctx.now;
  return push(ctx.store(), cfg, transport, { now: () => now, log: (l) => { if (!ctx.json) ctx.io.err(l); }, ...o });
}

export function describePush(r: PushResult): string[] {
  return [
    `monday push: ${r.requests} requests (${r.bytesSent} bytes sent), ${r.matched} items matched by Domain, ${r.created} created, ${r.columnWrites} column writes, ${r.commentsPosted} comments posted${r.commentsFoundPosted ? ` (+${r.commentsFoundPosted} found already posted)` : ''}`,
    `retries: ${r.retries}${r.retries ? ` (${Object.entries(r.retryReasons).map(([k, v]) => `${k} ×${v}`).join(', ')})` : ''}; waited ${Math.round(r.waitedMs / 100) / 10}s`,
    `left: ${r.pendingItems} items and ${r.pendingComments} comments pending${r.blockedComments ? ` (${r.blockedComments} comments wait for a dead-lettered item)` : ''}; dead letters: ${r.deadItems} items, ${r.deadComments} comments${r.deadItems + r.deadComments ? ' (ladder monday status)' : ''}`,
    ...(r.gaveUp ? [r.gaveUp] : []),
  ];
}

export function registerMondayCommands(program: Command, run: Run): void {
  const monday = program.command('monday').description('the monday.com Prospects board projection');

  monday.command('push').description('send pending column values and comments to the board')
    .action(() => run(async (ctx) => {
      const r = await runPush(ctx);
      emit(ctx, r, describePush(r));
      if (r.gaveUp) throw Object.assign(new Error(r.gaveUp), { exitCode: 4 });
    })());

  monday.command('status').description('what is pending, and the dead letters with their reason and fix')
    .action(() => run((ctx) => {
      const { store } = ctx.reader();
      const { db } = store;
      const c = counts(store);
      const deadItems = db.select().from(mondayItems).where(eq(mondayItems.state, 'dead')).all()
        .map((d) => ({ account: d.account, itemId: d.itemId, reason: d.deadReason, fix: d.deadFix }));
      const deadComments = db.select().from(mondayComments).where(eq(mondayComments.status, 'dead')).all()
        .map((d) => ({ account: d.account, key: d.key, reason: d.lastError, fix: d.deadFix }));
      const posted = db.select({ n: sql<number>`count(*)` }).from(mondayComments).where(eq(mondayComments.status, 'posted')).get()?.n ?? 0;
      emit(ctx, { ...c, posted, deadItemsList: deadItems, deadCommentsList: deadComments }, [
        `pending: ${c.pendingItems} items, ${c.pendingComments} comments${c.blockedComments ? ` (+${c.blockedComments} waiting for a dead-lettered item)` : ''}; posted comments: ${posted}`,
        `dead letters: ${deadItems.length} items, ${deadComments.length} comments`,
        ...deadItems.map((d) => `  item ${d.account}: ${d.reason}\n    fix: ${d.fix}`),
        ...deadComments.map((d) => `  comment ${d.key} on ${d.account}: ${d.reason}\n    fix: ${d.fix}`),
      ]);
    })());

  monday.command('retry').description('put the dead letters back in the queue (after fixing their cause)')
    .action(() => run((ctx) => {
      const { db, sqlite } = ctx.store();
      const res = sqlite.transaction(() => {
        // An item that was gone from the board is matched again by Domain, or re-created.
        const gone = db.update(mondayItems).set({ itemId: null }).where(and(eq(mondayItems.state, 'dead'), or(like(mondayItems.deadReason, 'ResourceNotFound%'), like(mondayItems.deadReason, 'InvalidItemId%')))).run().changes;
        const items = db.update(mondayItems).set({ state: 'ok', deadReason: null, deadFix: null, attempts: 0 }).where(eq(mondayItems.state, 'dead')).run().changes;
        const comments = db.update(mondayComments).set({ status: 'pending', deadFix: null }).where(inArray(mondayComments.status, ['dead'])).run().changes;
        return { items, comments, rematch: gone };
      }).immediate();
      emit(ctx, res, `requeued ${res.items} items (${res.rematch} to match again) and ${res.comments} comments; run ladder monday push`);
    })());

  monday.command('verify').description('compare every board item with the machine; --repair queues corrections')
    .option('--repair', 'queue corrections through the outbox (then run ladder monday push)')
    .action(function (this: Command) {
      const o = this.opts();
      return run(async (ctx) => {
        const r = await verify(ctx.engine(), ctx.monday!, ctx.mondayTransport(), { repair: Boolean(o.repair), now: ctx.now });
        if (r.error) throw Object.assign(new Error(`monday verify: ${r.error}`), { exitCode: 4 });
        emit(ctx, r, [
          `board: ${r.items} items; ladder: ${r.accounts} accounts; equal: ${r.equal}`,
          ...r.drift.map((d) => `  drift ${d.account} (item ${d.itemId}) ${d.column}: board "${d.board}" ≠ machine "${d.machine}"`),
          ...r.accountsWithoutItem.map((a) => `  no item for ${a}`),
          ...r.itemsWithoutAccount.map((i) => `  item ${i.itemId} (${i.domain ?? 'no domain'}) has no account on the ladder`),
          ...(o.repair ? [`queued ${r.repaired} corrections; run ladder monday push`] : []),
        ]);
        if (!o.repair && (r.drift.length || r.accountsWithoutItem.length)) throw Object.assign(new Error(`monday verify: the board differs from the machine (${r.drift.length} values, ${r.accountsWithoutItem.length} missing items); ladder monday verify --repair queues the corrections`), { exitCode: 5 });
      })();
    });

  monday.command('emulator').description('run the local monday emulator (for the demo and trying Ladder without a monday account)')
    .option('--port <n>', 'port on 127.0.0.1', '4100')
    .action(function (this: Command) {
      const o = this.opts();
      return run(async (ctx) => {
        const { startEmulator } = await import('../../monday/emulator/index.js');
        const emu = await startEmulator({ port: Number(o.port) });
        ctx.io.out(`monday emulator listening at ${emu.url}  (MONDAY_API_ENDPOINT=${emu.url}; any non-empty MONDAY_API_TOKEN)`);
        await new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
        await emu.close();
      })();
    });
}
