// Step 4: column writes (coalesced: the latest desired values) and comments, several items per request.
import { and, asc, eq, gt, isNotNull } from 'drizzle-orm';
import { mondayComments, mondayItems } from '../../store/schema.js';
import { commentMarker } from '../comment-marker.js';
import { codeOf, deadLetterOf, isBoardLevel, isTransient, reasonOf, stopReason } from '../error-rules.js';
import { appliedOf, batchMutation, type Mutation } from '../mutations.js';
import { commentDead, commentPosted, commentRetryLater, commentsSending, commentsUnsent, itemDead, itemWritten } from '../outbox-rows.js';
import type { ItemProjection } from '../projection.js';
import type { GqlError } from '../transport.js';
import { CLEAN, endOf, newTally, type PushContext, type StepResult } from './step.js';

type Op =
  | { kind: 'columns'; account: string; itemId: string; version: number; values: Record<string, unknown> }
  | { kind: 'comment'; id: number; account: string; itemId: string; body: string };

const WHAT = 'pushing to the board failed';

const mutationOf = (o: Op): Mutation => (o.kind === 'columns'
  ? { kind: 'changeColumns', itemId: o.itemId, values: o.values }
  : { kind: 'createUpdate', itemId: o.itemId, body: o.body });

/** The work, grouped by item (an item's writes and comments go in one request). */
function workByItem(p: PushContext): Op[][] {
  const { db } = p.store;
  const dirty = db.select().from(mondayItems)
    .where(and(isNotNull(mondayItems.itemId), eq(mondayItems.state, 'ok'), gt(mondayItems.desiredVersion, mondayItems.pushedVersion))).orderBy(asc(mondayItems.account)).all();
  const comments = db.select({ c: mondayComments, itemId: mondayItems.itemId }).from(mondayComments).innerJoin(mondayItems, eq(mondayItems.account, mondayComments.account))
    .where(and(eq(mondayComments.status, 'pending'), isNotNull(mondayItems.itemId))).orderBy(asc(mondayComments.id)).all();
  const byItem = new Map<string, Op[]>();
  const add = (itemId: string, op: Op) => byItem.set(itemId, [...(byItem.get(itemId) ?? []), op]);
  for (const row of dirty) {
    const projected = JSON.parse(row.desired) as ItemProjection;
    // The name goes with the columns, so a renamed item is repaired like any other drift.
    add(row.itemId!, { kind: 'columns', account: row.account, itemId: row.itemId!, version: row.desiredVersion, values: { name: projected.name, ...projected.values } });
  }
  for (const { c, itemId } of comments) add(itemId!, { kind: 'comment', id: c.id, account: c.account, itemId: itemId!, body: `${c.body}\n\n${commentMarker(c.key)}` });
  return [...byItem.values()];
}

/** Takes whole items off the front of `groups` up to the batch limits (an item larger than a batch goes alone). */
function nextBatch(groups: Op[][], limits: { itemsPerRequest: number; mutationsPerRequest: number }): Op[] {
  const batch: Op[] = [];
  let items = 0;
  while (groups.length && items < limits.itemsPerRequest && batch.length + groups[0]!.length <= Math.max(limits.mutationsPerRequest, groups[0]!.length)) {
    batch.push(...groups.shift()!); items++;
    if (batch.length >= limits.mutationsPerRequest) break;
  }
  return batch;
}

export async function deliver(p: PushContext): Promise<StepResult> {
  const { db } = p.store;
  const tally = newTally();
  const groups = workByItem(p);
  while (groups.length) {
    const batch = nextBatch(groups, p.cfg.batch);
    const commentIds = batch.flatMap((o) => (o.kind === 'comment' ? [o.id] : []));
    // Marked before sending: a crash mid-request leaves them 'uncertain', checked before any re-post.
    if (commentIds.length) p.session.write(() => commentsSending(db, commentIds));
    const out = await p.session.send(batchMutation('Push', 'm', p.cfg.boardId, batch.map(mutationOf)));
    if (out.kind !== 'done') {
      // Not ambiguous (429, budget, a refused request): nothing was applied, so the comments are plainly pending again.
      const maybeApplied = out.kind !== 'fatal' && out.ambiguous;
      if (!maybeApplied && commentIds.length) p.session.write(() => commentsUnsent(db, commentIds));
      return { end: endOf(out, WHAT), tally };
    }
    const applied = appliedOf(out, 'm', batch.length);
    const boardError = p.session.write(() => {
      let found: GqlError | undefined;
      for (const [k, o] of batch.entries()) {
        const { applied: ok, id, error } = applied[k]!;
        const code = error ? codeOf(error) : null;
        if (o.kind === 'columns') {
          if (ok) { itemWritten(db, o.account, o.version); tally.columnWrites++; tally.progress++; }
          else if (error && isBoardLevel(code)) found = error;
          else if (error && !isTransient(code)) { itemDead(db, o.account, deadLetterOf(error, p.redact)); tally.progress++; }
        } else if (ok) { commentPosted(db, o.id, id, p.now()); tally.commentsPosted++; tally.progress++; }
        // A board-level error on a comment parks nothing: the comment waits for the board's fix.
        else if (error && !isTransient(code) && !isBoardLevel(code)) { commentDead(db, o.id, deadLetterOf(error, p.redact)); tally.progress++; }
        else commentRetryLater(db, o.id, error ? p.redact(error.message) : null);
      }
      return found;
    });
    if (boardError) return { end: { kind: 'stop', reason: stopReason(WHAT, reasonOf(boardError), codeOf(boardError)) }, tally };
  }
  return { end: CLEAN, tally };
}
