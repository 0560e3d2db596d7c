// Step 1: match items by the Domain column (also after an ambiguous create: never create twice).
import { and, asc, eq, isNull } from 'drizzle-orm';
import { mondayItems } from '../../store/schema.js';
import { codeOf, reasonOf, stopReason } from '../error-rules.js';
import { commentsRehomed, itemMatched } from '../outbox-rows.js';
import { COMPLEXITY } from '../session.js';
import { errorsByAlias } from '../transport.js';
import { CLEAN, endOf, newTally, type PushContext, type StepResult } from './step.js';

const LOOKUP = `query Lookup($board: ID!, $col: String!, $values: [String]!, $cursor: String) { ${COMPLEXITY}
          items_page_by_column_values(board_id: $board, columns: [{ column_id: $col, column_values: $values }], limit: 500, cursor: $cursor) {
            cursor items { id column_values(ids: [$col]) { id text } } } }`;

type Page = { cursor: string | null; items: { id: string; column_values: { text: string | null }[] }[] };
const WHAT = 'matching items by Domain failed';

export async function matchItems(p: PushContext): Promise<StepResult> {
  const { db } = p.store;
  const tally = newTally();
  const unresolved = db.select({ account: mondayItems.account }).from(mondayItems)
    .where(and(isNull(mondayItems.itemId), eq(mondayItems.state, 'ok'))).orderBy(asc(mondayItems.account)).all().map((x) => x.account);
  const per = p.cfg.batch.lookupValuesPerRequest;
  for (let i = 0; i < unresolved.length; i += per) {
    const chunk = unresolved.slice(i, i + per);
    let cursor: string | null = null;
    do {
      const out = await p.session.send({ query: LOOKUP, variables: { board: p.cfg.boardId, col: p.cfg.columns.domain, values: chunk, cursor }, ops: 1 });
      if (out.kind !== 'done') return { end: endOf(out, WHAT), tally };
      const page = out.data.items_page_by_column_values as Page | null | undefined;
      if (!page) {
        const e = errorsByAlias(out.errors).get('items_page_by_column_values');
        return { end: { kind: 'stop', reason: stopReason(WHAT, e ? reasonOf(e) : 'monday answered without a page', e ? codeOf(e) : null) }, tally };
      }
      // The item id and the re-check of the account's comments commit together.
      p.session.write(() => {
        for (const it of [...page.items].sort((a, b) => Number(a.id) - Number(b.id))) {
          const domain = it.column_values[0]?.text?.trim().toLowerCase();
          if (!domain || !chunk.includes(domain) || !itemMatched(db, domain, it.id)) continue;
          commentsRehomed(db, domain, false);
          tally.matched++; tally.progress++;
        }
      });
      cursor = page.cursor;
    } while (cursor);
  }
  return { end: CLEAN, tally };
}
