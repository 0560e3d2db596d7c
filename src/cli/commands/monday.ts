// `ladder monday push | status | retry | verify | setup | webhook register|list|delete | emulator`.
import { eq, sql } from 'drizzle-orm';
import type { Command } from 'commander';
import { requeueDeadLetters } from '../../monday/outbox-rows.js';
import { push, counts, type PushResult } from '../../monday/pusher.js';
import { verify } from '../../monday/verify.js';
import { mondayComments, mondayItems } from '../../store/schema.js';
import type { CliContext } from '../context.js';
import { DifferenceError, EXIT, PushIncompleteError, ReportedFailure } from '../exits.js';
import { emit } from '../output.js';
import type { Run } from './events.js';
import { wholeFlag } from '../flags.js';
import { BadInputError } from '../../engine/errors.js';
import { startRun } from '../../store/runs.js';

/** `leaseWaitMs`: how long to wait for a push already at work (a command's own push waits briefly: that push delivers its change). */
export async function runPush(ctx: CliContext, o: { leaseWaitMs?: number } = {}): Promise<PushResult> {
  const cfg = ctx.monday!;
  const transport = ctx.mondayTransport();
  const now = ctx.now;
  return push(ctx.store(), cfg, transport, { now: () => now, log: (l) => { if (!ctx.json) ctx.io.err(l); }, ...o });
}

export function describePush(r: PushResult): string[] {
  return [
    `monday push: ${r.requests} requests (${r.bytesSent} bytes sent), ${r.matched} items matched by Domain, ${r.created} created, ${r.columnWrites} column writes, ${r.commentsPosted} comments posted${r.commentsFoundPosted ? ` (+${r.commentsFoundPosted} found already posted)` : ''}${r.boardAnswers ? `, ${r.boardAnswers} answers to board decisions` : ''}`,
    `retries: ${r.retries}${r.retries ? ` (${Object.entries(r.retryReasons).map(([k, v]) => `${k} ×${v}`).join(', ')})` : ''}; waited ${Math.round(r.waitedMs / 100) / 10}s`,
    `left: ${r.pendingItems} items and ${r.pendingComments} comments pending${r.blockedComments ? ` (${r.blockedComments} comments wait for a dead-lettered item)` : ''}${r.pendingAnswers ? `, ${r.pendingAnswers} board answers` : ''}; dead letters: ${r.deadItems} items, ${r.deadComments} comments${r.deadItems + r.deadComments ? ' (ladder monday status)' : ''}`,
    ...(r.gaveUp ? [r.gaveUp] : []),
  ];
}

export function registerMondayCommands(program: Command, run: Run): void {
  const monday = program.command('monday').description('the monday.com Prospects board projection');

  monday.command('push').description('send pending column values and comments to the board')
    .action(() => run(async (ctx) => {
      // Recorded in runs (ladder runs, /healthz's last push), beside the server routine's pushes.
      const recorded = startRun(ctx.store(), `ladder monday push --now ${ctx.now}`, { asOf: ctx.now });
      let r: PushResult;
      try {
        r = await runPush(ctx);
      } catch (err) {
        recorded.end('failed', (err as Error).message);
        throw err;
      }
      recorded.end(r.gaveUp ? 'failed' : 'done', describePush(r).join('; '));
      emit(ctx, r, describePush(r));
      if (r.gaveUp) throw new PushIncompleteError(r.gaveUp);
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
        `pending: ${c.pendingItems} items, ${c.pendingComments} comments${c.blockedComments ? ` (+${c.blockedComments} waiting for a dead-lettered item)` : ''}${c.pendingAnswers ? `, ${c.pendingAnswers} answers to board decisions` : ''}; posted comments: ${posted}`,
        `dead letters: ${deadItems.length} items, ${deadComments.length} comments`,
        ...deadItems.map((d) => `  item ${d.account}: ${d.reason}\n    fix: ${d.fix}`),
        ...deadComments.map((d) => `  comment ${d.key} on ${d.account}: ${d.reason}\n    fix: ${d.fix}`),
      ]);
    })());

  monday.command('retry').description('put the dead letters back in the queue (after fixing their cause)')
    .action(() => run((ctx) => {
      const { db, sqlite } = ctx.store();
      const res = sqlite.transaction(() => requeueDeadLetters(db)).immediate();
      emit(ctx, res, `requeued ${res.items} items (${res.rematch} to match again) and ${res.comments} comments; run ladder monday push`);
    })());

  monday.command('verify').description('compare every board item with the machine; --repair queues corrections')
    .option('--repair', 'queue corrections through the outbox (then run ladder monday push)')
    .action(function (this: Command) {
      const o = this.opts();
      return run(async (ctx) => {
        const r = await verify(ctx.engine(), ctx.monday!, ctx.mondayTransport(), { repair: Boolean(o.repair), now: ctx.now });
        if (r.error) throw new PushIncompleteError(`monday verify: ${r.error}`);
        emit(ctx, r, [
          `board: ${r.items} items; ladder: ${r.accounts} accounts; equal: ${r.equal}`,
          ...r.drift.map((d) => `  drift ${d.account} (item ${d.itemId}) ${d.column}: board "${d.board}" ≠ machine "${d.machine}"`),
          ...r.accountsWithoutItem.map((a) => `  no item for ${a}`),
          ...r.itemsWithoutAccount.map((i) => `  item ${i.itemId} (${i.domain ?? 'no domain'}) has no account on the ladder`),
          ...(o.repair ? [`queued ${r.repaired} corrections; run ladder monday push`] : []),
        ]);
        if (!o.repair && (r.drift.length || r.accountsWithoutItem.length)) throw new DifferenceError(`monday verify: the board differs from the machine (${r.drift.length} values, ${r.accountsWithoutItem.length} missing items); ladder monday verify --repair queues the corrections`);
      })();
    });

  monday.command('setup').description('create the columns and labels Ladder needs on the board (stage, first touch, SLA, priority, CRO decision), check the rest, store the column ids')
    .option('--dry-run', 'read the board and say what would be done; write nothing')
    .action(function (this: Command) {
      const o = this.opts<{ dryRun?: boolean }>();
      return run(async (ctx) => {
        const { setupBoard, describeSetup } = await import('../../monday/setup.js');
        const ladder = o.dryRun ? ctx.reader() : ctx.open('write');
        const r = await setupBoard(ladder, ctx.monday!, ctx.mondayTransport(), { dryRun: Boolean(o.dryRun), actor: ctx.actor(), now: ctx.now, log: (l) => { if (!ctx.json) ctx.io.err(l); } });
        const lines = describeSetup(r);
        emit(ctx, r, lines);
        if (r.error) throw new ReportedFailure(`monday setup: ${r.error}`, EXIT.push);
        // The board needs a person's fix (a column of the wrong type, one monday refused to change): exit 2.
        if (r.problems.length) throw new ReportedFailure(`monday setup: ${r.problems.length} problem(s) need a fix on the board or in the settings`, EXIT.input);
      })();
    });

  const webhook = monday.command('webhook').description('the board\'s webhook: a CRO decision set on the board reaches ladder serve (POST /monday/webhook)');
  webhook.command('register').argument('<url>', 'the public URL of ladder serve\'s POST /monday/webhook (https; http only for localhost)')
    .description('register the webhook for the CRO decision column (monday sends the URL a challenge first: ladder serve must be running there); stores its id and URL')
    .action((url: string) => run(async (ctx) => {
      const { registerWebhook } = await import('../../monday/webhook-registration.js');
      const r = await registerWebhook(ctx.open('write'), ctx.monday!, ctx.mondayTransport(), url, { actor: ctx.actor(), now: ctx.now });
      emit(ctx, r, [
        `${r.created ? 'registered' : 'already registered:'} webhook ${r.id} on board ${ctx.monday!.boardId}: changes of column ${r.columnId} are sent to ${r.url}`,
        ...(r.replaced ? [`deleted the webhook registered before (${r.replaced})`] : []),
        ...(r.settings ? [`settings v${r.settings.version}: monday.webhook = { id: ${r.id}, url: ${r.url} }`] : []),
        'ladder serve verifies every delivery with MONDAY_SIGNING_SECRET (your monday app\'s Signing Secret): set it in the server\'s environment',
      ]);
    })());
  webhook.command('list').description('the board\'s webhooks (the one Ladder registered is marked)')
    .action(() => run(async (ctx) => {
      const { listWebhooks } = await import('../../monday/webhook-registration.js');
      const cfg = ctx.monday!;
      const hooks = await listWebhooks(ctx.reader(), cfg, ctx.mondayTransport(), { actor: { by: 'ladder', role: 'system' }, now: ctx.now });
      emit(ctx, { registered: cfg.webhook, webhooks: hooks }, hooks.length
        ? hooks.map((w) => `${w.id}  ${w.event}  ${w.config ?? ''}${w.id === cfg.webhook.id ? `  ← Ladder's (${cfg.webhook.url})` : ''}`)
        : `no webhooks on board ${cfg.boardId} (ladder monday webhook register URL)`);
    })());
  webhook.command('delete').argument('[id]', 'the webhook id (default: the one the settings name)')
    .description('delete a webhook from the board (and from the settings when it is Ladder\'s)')
    .action((id: string | undefined) => run(async (ctx) => {
      const { deleteWebhook } = await import('../../monday/webhook-registration.js');
      const r = await deleteWebhook(ctx.open('write'), ctx.monday!, ctx.mondayTransport(), id, { actor: ctx.actor(), now: ctx.now });
      emit(ctx, r, `webhook ${r.id} ${r.wasOnBoard ? 'deleted from the board' : 'was not on the board'}${r.settings ? `; settings v${r.settings.version} forget it` : ''}`);
    })());

  monday.command('emulator').description('run the local monday emulator (for the demo and trying Ladder without a monday account)')
    .option('--port <n>', 'port on 127.0.0.1', '4100')
    .action(function (this: Command) {
      const o = this.opts();
      return run(async (ctx) => {
        const { startEmulator } = await import('../../monday/emulator/index.js');
        // Webhook deliveries are signed with MONDAY_SIGNING_SECRET, as ladder serve verifies them.
        const port = wholeFlag('--port', o.port, 0, 65_535);
        const emu = await startEmulator({ port, signingSecret: ctx.io.env.MONDAY_SIGNING_SECRET || undefined }).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'EADDRINUSE') throw new BadInputError(`--port: 127.0.0.1:${port} is already in use (another emulator?); choose another with --port`, 'port');
          if (err.code === 'EACCES') throw new BadInputError(`--port: not allowed to listen on port ${port} (below 1024 needs privileges); choose one above 1024`, 'port');
          throw err;
        });
        ctx.io.out(`monday emulator listening at ${emu.url}  (MONDAY_API_ENDPOINT=${emu.url}; any non-empty MONDAY_API_TOKEN${ctx.io.env.MONDAY_SIGNING_SECRET ? '; webhooks signed with MONDAY_SIGNING_SECRET' : '; webhooks unsigned: set MONDAY_SIGNING_SECRET'})`);
        await new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
        await emu.close();
      })();
    });
}
