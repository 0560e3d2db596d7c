// Step 2: create the items no Domain matched, with their column values at once.
import { and, asc, eq, isNull } from 'drizzle-orm';
import { mondayItems } from '../../store/schema.js';
import { codeOf, deadLetterOf, isBoardLevel, isTransient, reasonOf, stopReason } from '../error-rules.js';
import { appliedOf, batchMutation } from '../mutations.js';
import { commentsRehomed, itemCreated, itemDead } from '../outbox-rows.js';
import type { ItemProjection } from '../projection.js';
import type { GqlError } from '../transport.js';
import { CLEAN, endOf, newTally, type PushContext, type StepResult } from './step.js';

const WHAT = 'creating items failed';

export async function createItems(p: PushContext): Promise<StepResult> {
  const tally = newTally();
  if (!p.cfg.createItems) return { end: CLEAN, tally };
  const { db } = p.store;
  const missing = db.select().from(mondayItems).where(and(isNull(mondayItems.itemId), eq(mondayItems.state, 'ok'))).orderBy(asc(mondayItems.account)).all();
  const per = p.cfg.batch.itemsPerRequest;
  for (let i = 0; i < missing.length; i += per) {
    const chunk = missing.slice(i, i + per);
    const doc = batchMutation('Create', 'c', p.cfg.boardId, chunk.map((row) => {
      const projected = JSON.parse(row.desired) as ItemProjection;
      return { kind: 'createItem', name: projected.name, values: projected.values };
    }));
    const out = await p.session.send(doc);
    // Ambiguous or not, the next round matches by Domain first. A request-level refusal (token, malformed
    // request) applied nothing and no item is to blame: the push stops.
    if (out.kind !== 'done') return { end: endOf(out, WHAT), tally };
    const applied = appliedOf(out, 'c', chunk.length);
    // One transaction per answer: atomic (a crash applies all of it or none), and one commit, not one per row.
    const boardError = p.session.write(() => {
      let found: GqlError | undefined;
      for (const [k, row] of chunk.entries()) {
        const { id, error } = applied[k]!;
        if (id) {
          itemCreated(db, row.account, id, row.desiredVersion);
          commentsRehomed(db, row.account, true);
          tally.created++; tally.progress++;
        } else if (error && isBoardLevel(codeOf(error))) found = error;
        else if (error && !isTransient(codeOf(error))) { itemDead(db, row.account, deadLetterOf(error, p.redact)); tally.progress++; }
      }
      return found;
    });
    if (boardError) return { end: { kind: 'stop', reason: stopReason(WHAT, reasonOf(boardError), codeOf(boardError)) }, tally };
  }
  return { end: CLEAN, tally };
}
