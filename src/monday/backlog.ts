// What is left in the outbox: the figures a push ends with, `ladder monday status` shows, and the question
// whether a push has anything to do.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Store } from '../store/open.js';
import { mondayComments, mondayDeliveries, mondayItems } from '../store/schema.js';

export type Backlog = {
  pendingItems: number; pendingComments: number; blockedComments: number; deadItems: number; deadComments: number;
  /** Answers owed to decisions set on the board (webhook deliveries): a reply to post or a column to reset. */
  pendingAnswers: number;
};

export function hasWork(store: Store): boolean {
  const c = counts(store);
  return c.pendingItems > 0 || c.pendingComments > 0 || c.pendingAnswers > 0;
}

export function counts(store: Store): Backlog {
  const { db } = store;
  const one = (q: { get(): { n: number } | undefined }) => q.get()?.n ?? 0;
  const open = inArray(mondayComments.status, ['pending', 'uncertain']);
  // A comment waits on an item that is a dead letter and was never created: it goes out after the item's fix.
  const blocked = and(eq(mondayItems.state, 'dead'), isNull(mondayItems.itemId));
  return {
    pendingItems: one(db.select({ n: sql<number>`count(*)` }).from(mondayItems).where(and(eq(mondayItems.state, 'ok'), sql`(${mondayItems.itemId} is null or ${mondayItems.desiredVersion} > ${mondayItems.pushedVersion})`))),
    pendingComments: one(db.select({ n: sql<number>`count(*)` }).from(mondayComments).leftJoin(mondayItems, eq(mondayItems.account, mondayComments.account))
      .where(and(open, sql`not coalesce(${mondayItems.state} = 'dead' and ${mondayItems.itemId} is null, 0)`))),
    blockedComments: one(db.select({ n: sql<number>`count(*)` }).from(mondayComments).innerJoin(mondayItems, eq(mondayItems.account, mondayComments.account)).where(and(open, blocked))),
    deadItems: one(db.select({ n: sql<number>`count(*)` }).from(mondayItems).where(eq(mondayItems.state, 'dead'))),
    deadComments: one(db.select({ n: sql<number>`count(*)` }).from(mondayComments).where(eq(mondayComments.status, 'dead'))),
    pendingAnswers: one(db.select({ n: sql<number>`count(*)` }).from(mondayDeliveries)
      .where(sql`${mondayDeliveries.replyStatus} in ('pending', 'uncertain') or ${mondayDeliveries.resetStatus} = 'pending'`)),
  };
}
