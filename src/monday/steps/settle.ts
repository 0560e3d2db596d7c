// Step 3: after an ambiguous failure, was the comment posted after all? Look for its marker on the item.
import { and, eq, isNotNull } from 'drizzle-orm';
import { mondayComments, mondayItems } from '../../store/schema.js';
import { commentMarker } from '../comment-marker.js';
import { commentFoundPosted, commentsNotFound } from '../outbox-rows.js';
import { COMPLEXITY } from '../session.js';
import { CLEAN, endOf, newTally, type PushContext, type StepResult } from './step.js';

/** monday returns at most this many updates per item per page; the marker check pages beyond it. */
const UPDATES_PAGE = 100;
/** Items per request. */
const ITEMS = 50;
// exclude_nonactive: monday still answers items(ids:) for a trashed item; a comment there is not on the board.
const UPDATES = `query Updates($ids: [ID!], $page: Int) { ${COMPLEXITY} items(ids: $ids, limit: ${ITEMS}, exclude_nonactive: true) { id updates(limit: ${UPDATES_PAGE}, page: $page) { id body } } }`;

type Answer = ({ id: string; updates: { id: string; body: string }[] | null } | null)[];

export async function settleUncertain(p: PushContext): Promise<StepResult> {
  const { db } = p.store;
  const tally = newTally();
  const open = db.select().from(mondayComments).innerJoin(mondayItems, eq(mondayItems.account, mondayComments.account))
    .where(and(eq(mondayComments.status, 'uncertain'), isNotNull(mondayItems.itemId))).all();
  const byItem = new Map<string, typeof open>();
  for (const row of open) byItem.set(row.monday_items.itemId!, [...(byItem.get(row.monday_items.itemId!) ?? []), row]);
  const ids = [...byItem.keys()];
  for (let i = 0; i < ids.length; i += ITEMS) {
    let pageIds = ids.slice(i, i + ITEMS);
    for (let page = 1; pageIds.length; page++) {
      const out = await p.session.send({ query: UPDATES, variables: { ids: pageIds, page }, ops: pageIds.length });
      if (out.kind !== 'done') return { end: endOf(out, 'checking updates failed'), tally };
      const found = new Map(((out.data.items ?? []) as Answer).flatMap((it) => (it ? [[it.id, it.updates ?? []] as const] : [])));
      const asked = pageIds;
      pageIds = p.session.write(() => {
        const more: string[] = [];
        for (const itemId of asked) {
          const updates = found.get(itemId) ?? [];
          const left: typeof open = [];
          for (const row of byItem.get(itemId)!) {
            const hit = updates.find((u) => u.body.includes(commentMarker(row.monday_comments.key)));
            if (!hit) { left.push(row); continue; }
            commentFoundPosted(db, row.monday_comments.id, hit.id, p.now());
            tally.commentsFoundPosted++; tally.progress++;
          }
          byItem.set(itemId, left);
          // A full page may hide older updates: look further before deciding a comment was never posted.
          if (left.length && updates.length >= UPDATES_PAGE) more.push(itemId);
          else if (left.length) commentsNotFound(db, left.map((x) => x.monday_comments.id));
        }
        return more;
      });
    }
  }
  return { end: CLEAN, tally };
}
