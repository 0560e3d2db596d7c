// Step 5: the board's answers to the decisions set on it (src/server/webhook.ts queued them with the delivery,
// in its transaction): the update explaining a refusal, posted with a marker, and the reset of the decision
// column. A reply whose answer was lost is looked for on the item before it is posted again; a reset is a
// plain write and safe to repeat.
import { and, asc, eq, inArray, or } from 'drizzle-orm';
import { mondayDeliveries } from '../../store/schema.js';
import { commentMarker } from '../comment-marker.js';
import { codeOf, deadLetterOf, isBoardLevel, isTransient, reasonOf, stopReason } from '../error-rules.js';
import { appliedOf, batchMutation, type Mutation } from '../mutations.js';
import { answerDead, answerKey, replyPosted, repliesSending, repliesUnsent, resetDone } from '../outbox-rows.js';
import { COMPLEXITY } from '../session.js';
import type { GqlError } from '../transport.js';
import { CLEAN, endOf, newTally, type PushContext, type StepResult, type Tally } from './step.js';

type Row = typeof mondayDeliveries.$inferSelect;
type Op = { uuid: string; part: 'reply' | 'reset'; m: Mutation };

const WHAT = 'answering the board failed';
/** Deliveries answered per request. */
const PER_REQUEST = 25;
const UPDATES_PAGE = 100;
const UPDATES = `query AnswerUpdates($ids: [ID!], $page: Int) { ${COMPLEXITY} items(ids: $ids, limit: ${PER_REQUEST}, exclude_nonactive: true) { id updates(limit: ${UPDATES_PAGE}, page: $page) { id body } } }`;

const open = () => or(inArray(mondayDeliveries.replyStatus, ['pending', 'uncertain']), eq(mondayDeliveries.resetStatus, 'pending'));

export async function answerBoard(p: PushContext): Promise<StepResult> {
  const { db } = p.store;
  const tally = newTally();
  const rows = db.select().from(mondayDeliveries).where(open()).orderBy(asc(mondayDeliveries.receivedAt)).all();
  // Answers owed on a board that is no longer the configured one cannot be given here.
  const elsewhere = rows.filter((r) => r.boardId !== p.cfg.boardId);
  if (elsewhere.length) {
    p.session.write(() => {
      for (const r of elsewhere) {
        const why = `board ${r.boardId} is no longer the configured board (${p.cfg.boardId})`;
        if (r.replyStatus === 'pending' || r.replyStatus === 'uncertain') answerDead(db, r.triggerUuid, 'reply', why);
        if (r.resetStatus === 'pending') answerDead(db, r.triggerUuid, 'reset', why);
      }
    });
  }
  const here = rows.filter((r) => r.boardId === p.cfg.boardId);
  const settled = await settleReplies(p, here.filter((r) => r.replyStatus === 'uncertain'), tally);
  if (settled) return { end: settled, tally };
  const again = db.select().from(mondayDeliveries).where(and(open(), eq(mondayDeliveries.boardId, p.cfg.boardId))).orderBy(asc(mondayDeliveries.receivedAt)).all();
  for (let i = 0; i < again.length; i += PER_REQUEST) {
    const end = await answer(p, again.slice(i, i + PER_REQUEST), tally);
    if (end.kind !== 'clean') return { end, tally };
  }
  return { end: CLEAN, tally };
}

/** After a lost answer: is the reply on the item (its marker)? Posted after all, or pending again. */
async function settleReplies(p: PushContext, rows: Row[], tally: Tally): Promise<StepResult['end'] | null> {
  const { db } = p.store;
  for (let i = 0; i < rows.length; i += PER_REQUEST) {
    let left = rows.slice(i, i + PER_REQUEST);
    for (let page = 1; left.length; page++) {
      const ids = [...new Set(left.map((r) => r.itemId))];
      const out = await p.session.send({ query: UPDATES, variables: { ids, page }, ops: ids.length });
      if (out.kind !== 'done') return endOf(out, 'checking the board\'s answers failed');
      const updates = new Map(((out.data.items ?? []) as ({ id: string; updates: { id: string; body: string }[] | null } | null)[]).flatMap((it) => (it ? [[it.id, it.updates ?? []] as const] : [])));
      const asked = left;
      left = p.session.write(() => {
        const more: Row[] = [];
        for (const r of asked) {
          const list = updates.get(r.itemId) ?? [];
          const hit = list.find((u) => u.body.includes(commentMarker(answerKey(r.triggerUuid))));
          if (hit) { replyPosted(db, r.triggerUuid, hit.id, p.now()); tally.answers++; tally.progress++; }
          // A full page may hide older updates: look further before deciding it was never posted.
          else if (list.length >= UPDATES_PAGE) more.push(r);
          else repliesUnsent(db, [r.triggerUuid]);
        }
        return more;
      });
    }
  }
  return null;
}

async function answer(p: PushContext, rows: Row[], tally: Tally): Promise<StepResult['end']> {
  const { db } = p.store;
  const ops: Op[] = [];
  for (const r of rows) {
    if (r.replyStatus === 'pending' && r.reply) ops.push({ uuid: r.triggerUuid, part: 'reply', m: { kind: 'createUpdate', itemId: r.itemId, body: `${r.reply}\n\n${commentMarker(answerKey(r.triggerUuid))}` } });
    // The reset goes after the reply: whoever sees the column cleared finds the explanation there already.
    if (r.resetStatus === 'pending') ops.push({ uuid: r.triggerUuid, part: 'reset', m: { kind: 'changeColumns', itemId: r.itemId, values: { [r.columnId]: null } } });
  }
  if (!ops.length) return CLEAN;
  const replies = ops.filter((o) => o.part === 'reply').map((o) => o.uuid);
  if (replies.length) p.session.write(() => repliesSending(db, replies));
  const out = await p.session.send(batchMutation('Answer', 'a', p.cfg.boardId, ops.map((o) => o.m)));
  if (out.kind !== 'done') {
    const maybeApplied = out.kind !== 'fatal' && out.ambiguous;
    if (!maybeApplied && replies.length) p.session.write(() => repliesUnsent(db, replies));
    return endOf(out, WHAT);
  }
  const applied = appliedOf(out, 'a', ops.length);
  const boardError = p.session.write(() => {
    let found: GqlError | undefined;
    for (const [k, o] of ops.entries()) {
      const { applied: ok, id, error } = applied[k]!;
      const code = error ? codeOf(error) : null;
      if (ok) {
        if (o.part === 'reply') replyPosted(db, o.uuid, id, p.now()); else resetDone(db, o.uuid, p.now());
        tally.answers++; tally.progress++;
      } else if (error && isBoardLevel(code)) {
        found = error;
        if (o.part === 'reply') repliesUnsent(db, [o.uuid]);
      } else if (error && !isTransient(code)) {
        answerDead(db, o.uuid, o.part, deadLetterOf(error, p.redact).reason);
        tally.progress++;
      } else if (o.part === 'reply') repliesUnsent(db, [o.uuid]);
    }
    return found;
  });
  if (boardError) return { kind: 'stop', reason: stopReason(WHAT, reasonOf(boardError), codeOf(boardError)) };
  return CLEAN;
}
