// The transactional outbox (issue 4): an engine hook that, inside the transition's own transaction,
// stores the item's desired column values (coalesced by version) and the comments the transition owes.
import { eq } from 'drizzle-orm';
import type { TransitionHook } from '../engine/engine.js';
import { and } from 'drizzle-orm';
import { accounts, actors, machineActors, mondayComments, mondayItems } from '../store/schema.js';
import type { SequenceContext } from '../../machines/sequence.js';
import type { Db } from '../store/open.js';
import type { RulesConfig } from '../../machines/rules/config.js';
import type { LadderContext } from '../../machines/context.js';
import { stageOf } from '../../machines/stage.js';
import type { MondayConfig } from './config.js';
import { commentsFor, projectItem, sequenceText, type ItemProjection } from './projection.js';

/** The board's sequence column for an account, from its sequence actor (issue 15). */
export function sequenceTextOf(tx: Db, account: string): string {
  const row = tx.select({ state: machineActors.state, snapshot: machineActors.snapshot }).from(machineActors)
    .where(and(eq(machineActors.kind, 'sequence'), eq(machineActors.id, account))).get();
  return row ? sequenceText(row.state, (JSON.parse(row.snapshot) as { context: SequenceContext }).context) : '';
}

/** The item's projection queued again when only its sequence changed (a touch planned, a pause): same transaction. */
export function requeueItem(tx: Db, account: string, cfg: MondayConfig, now: string): void {
  const acct = tx.select().from(accounts).where(eq(accounts.domain, account)).get();
  const actor = tx.select({ snapshot: actors.snapshot }).from(actors).where(eq(actors.account, account)).get();
  if (!acct || !actor) return;
  const snap = JSON.parse(actor.snapshot) as { value: unknown; context: LadderContext };
  if (snap.context.tier === 'Reject' && !tx.select({ a: mondayItems.account }).from(mondayItems).where(eq(mondayItems.account, account)).get()) return;
  queueProjection(tx, account, projectItem(acct, snap.context, stageOf(snap.value), cfg, sequenceTextOf(tx, account)), now);
}

export function outboxHook(cfg: MondayConfig, rules: RulesConfig): TransitionHook {
  return ({ tx, account, event, eventId, before, after, prev, next, now }) => {
    const acct = tx.select().from(accounts).where(eq(accounts.domain, account)).get();
    if (!acct) return;
    const ctx = next.context as LadderContext;
    // LQ 4 Reject: "Do not add to board." An account of tier Reject that has no item gets none, and no comment.
    // (One re-tiered to Reject after it reached the board keeps its item, which then shows it as it is.)
    if (ctx.tier === 'Reject' && !tx.select({ a: mondayItems.account }).from(mondayItems).where(eq(mondayItems.account, account)).get()) return;
    queueProjection(tx, account, projectItem(acct, ctx, after, cfg, sequenceTextOf(tx, account)), now);
    for (const c of commentsFor({ event, eventId, before, after, prev, next: ctx, rules })) {
      tx.insert(mondayComments).values({ account, key: c.key, body: c.body, createdAt: now }).onConflictDoNothing().run();
    }
  };
}

/** Upserts the desired values; bumps the version only when they changed (coalescing). */
export function queueProjection(tx: Db, account: string, p: ItemProjection, now: string, force = false): boolean {
  const desired = JSON.stringify(p);
  const row = tx.select({ desired: mondayItems.desired, v: mondayItems.desiredVersion }).from(mondayItems).where(eq(mondayItems.account, account)).get();
  if (!row) {
    tx.insert(mondayItems).values({ account, desired, desiredVersion: 1, pushedVersion: 0, updatedAt: now }).run();
    return true;
  }
  if (row.desired === desired && !force) return false;
  tx.update(mondayItems).set({ desired, desiredVersion: row.v + 1, updatedAt: now }).where(eq(mondayItems.account, account)).run();
  return true;
}

export { stageOf };
