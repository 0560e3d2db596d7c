// Every change the monday side makes to the outbox rows after the engine queued them: what a push learned
// (matched, created, written, posted, parked), what verify --repair and `ladder monday retry` put back in the
// queue. One place, so a dead letter is written and read back the same way everywhere.
import { and, eq, inArray, isNull, like, or, sql } from 'drizzle-orm';
import type { Db } from '../store/open.js';
import { mondayComments, mondayDeliveries, mondayItems } from '../store/schema.js';
import { ITEM_GONE_CODES, type DeadLetter } from './error-rules.js';

/** Dead letters that mean "the item is gone" (their reason begins with the code; see reasonOf). */
const itemGone = (column: typeof mondayItems.deadReason | typeof mondayComments.lastError) => or(...ITEM_GONE_CODES.map((c) => like(column, `${c}%`)));

// ---- items ----

/** The account's item, found on the board by Domain; false when the row already has one. */
export function itemMatched(db: Db, account: string, itemId: string): boolean {
  return db.update(mondayItems).set({ itemId }).where(and(eq(mondayItems.account, account), isNull(mondayItems.itemId))).run().changes > 0;
}

/** Created with the values of `version`. */
export function itemCreated(db: Db, account: string, itemId: string, version: number): void {
  db.update(mondayItems).set({ itemId, pushedVersion: version, attempts: 0, lastError: null }).where(eq(mondayItems.account, account)).run();
}

/** The values of `version` are on the board (a later write may have got there first: versions only grow). */
export function itemWritten(db: Db, account: string, version: number): void {
  db.update(mondayItems).set({ pushedVersion: sql`max(${mondayItems.pushedVersion}, ${version})`, attempts: 0, lastError: null }).where(eq(mondayItems.account, account)).run();
}

export function itemDead(db: Db, account: string, dead: DeadLetter): void {
  db.update(mondayItems).set({ state: 'dead', deadReason: dead.reason, deadFix: dead.fix, lastError: dead.message }).where(eq(mondayItems.account, account)).run();
}

/** Back in the queue with its (re-projected) values; a dead letter's reason and fix are cleared. */
export function itemRequeued(db: Db, account: string): void {
  db.update(mondayItems).set({ state: 'ok', deadReason: null, deadFix: null }).where(eq(mondayItems.account, account)).run();
}

/** Forgets the item id, so the next push matches by Domain or creates; only if it is still `itemId` (a push may have just set another). */
export function itemForgotten(db: Db, account: string, itemId: string): void {
  db.update(mondayItems).set({ itemId: null }).where(and(eq(mondayItems.account, account), eq(mondayItems.itemId, itemId))).run();
}

// ---- comments ----

/**
 * The account has a new item (created, or matched after its old one was lost): the comments the ladder
 * believed posted were on the old item. A created item has no updates, so they are simply pending again;
 * a matched one may carry them, so their markers are checked first. Comments that died because the old
 * item was gone can go to the new one.
 */
export function commentsRehomed(db: Db, account: string, created: boolean): void {
  db.update(mondayComments).set({ status: created ? 'pending' : 'uncertain', updateId: null })
    .where(and(eq(mondayComments.account, account), inArray(mondayComments.status, created ? ['posted', 'uncertain'] : ['posted']))).run();
  db.update(mondayComments).set({ status: 'pending', deadFix: null })
    .where(and(eq(mondayComments.account, account), eq(mondayComments.status, 'dead'), itemGone(mondayComments.lastError))).run();
}

/** Marked before sending: a crash mid-request leaves them 'uncertain', checked before any re-post. */
export function commentsSending(db: Db, ids: number[]): void {
  db.update(mondayComments).set({ status: 'uncertain', attempts: sql`${mondayComments.attempts} + 1` }).where(and(inArray(mondayComments.id, ids), eq(mondayComments.status, 'pending'))).run();
}

/** The request surely did not apply (refused, rate limited): plainly pending again. */
export function commentsUnsent(db: Db, ids: number[]): void {
  db.update(mondayComments).set({ status: 'pending' }).where(and(inArray(mondayComments.id, ids), eq(mondayComments.status, 'uncertain'))).run();
}

/** Not found on the item after an uncertain send: never posted, so pending again. */
export function commentsNotFound(db: Db, ids: number[]): void {
  db.update(mondayComments).set({ status: 'pending' }).where(inArray(mondayComments.id, ids)).run();
}

/** Posted as update `updateId`. */
export function commentPosted(db: Db, id: number, updateId: string | null, now: string): void {
  db.update(mondayComments).set({ status: 'posted', updateId, postedAt: now, lastError: null }).where(eq(mondayComments.id, id)).run();
}

/** Found on the item by its marker after an uncertain send: it was posted after all. */
export function commentFoundPosted(db: Db, id: number, updateId: string, now: string): void {
  db.update(mondayComments).set({ status: 'posted', updateId, postedAt: now }).where(eq(mondayComments.id, id)).run();
}

/** A comment's dead letter keeps the whole reason as its last_error (comments have no reason column). */
export function commentDead(db: Db, id: number, dead: DeadLetter): void {
  db.update(mondayComments).set({ status: 'dead', lastError: dead.reason, deadFix: dead.fix }).where(eq(mondayComments.id, id)).run();
}

/** Not applied, for a reason a later push may not meet (or for no stated reason): pending, with the error kept. */
export function commentRetryLater(db: Db, id: number, lastError: string | null): void {
  db.update(mondayComments).set({ status: 'pending', lastError }).where(eq(mondayComments.id, id)).run();
}

// ---- ladder monday retry ----

export type Requeued = { items: number; comments: number; rematch: number };

/** Every dead letter back in the queue, after its cause was fixed; an item that was gone is matched again by Domain (or re-created). */
export function requeueDeadLetters(db: Db): Requeued {
  const rematch = db.update(mondayItems).set({ itemId: null }).where(and(eq(mondayItems.state, 'dead'), itemGone(mondayItems.deadReason))).run().changes;
  const items = db.update(mondayItems).set({ state: 'ok', deadReason: null, deadFix: null, attempts: 0 }).where(eq(mondayItems.state, 'dead')).run().changes;
  const comments = db.update(mondayComments).set({ status: 'pending', deadFix: null }).where(eq(mondayComments.status, 'dead')).run().changes;
  return { items, comments, rematch };
}

// ---- the board's answers to webhook deliveries (src/server/webhook.ts) ----

/** The delivery's marker on the update it posts: found on the item after a lost answer, never posted twice. */
export const answerKey = (triggerUuid: string): string => `webhook:${triggerUuid}`;

/** Marked before sending: a crash mid-request leaves the reply 'uncertain', checked before any re-post. */
export function repliesSending(db: Db, uuids: string[]): void {
  db.update(mondayDeliveries).set({ replyStatus: 'uncertain' }).where(and(inArray(mondayDeliveries.triggerUuid, uuids), eq(mondayDeliveries.replyStatus, 'pending'))).run();
}

/** The request surely did not apply, or the reply was not found on the item: pending again. */
export function repliesUnsent(db: Db, uuids: string[]): void {
  db.update(mondayDeliveries).set({ replyStatus: 'pending' }).where(and(inArray(mondayDeliveries.triggerUuid, uuids), eq(mondayDeliveries.replyStatus, 'uncertain'))).run();
}

export function replyPosted(db: Db, uuid: string, updateId: string | null, now: string): void {
  db.update(mondayDeliveries).set({ replyStatus: 'posted', replyUpdateId: updateId, answeredAt: now, lastError: null }).where(eq(mondayDeliveries.triggerUuid, uuid)).run();
}

export function resetDone(db: Db, uuid: string, now: string): void {
  db.update(mondayDeliveries).set({ resetStatus: 'done', answeredAt: now }).where(eq(mondayDeliveries.triggerUuid, uuid)).run();
}

/** A permanent failure (the item is gone, the board changed): the answer is given up, with the reason kept. */
export function answerDead(db: Db, uuid: string, part: 'reply' | 'reset', reason: string): void {
  db.update(mondayDeliveries).set(part === 'reply' ? { replyStatus: 'dead', lastError: reason } : { resetStatus: 'dead', lastError: reason }).where(eq(mondayDeliveries.triggerUuid, uuid)).run();
}
