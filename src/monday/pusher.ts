// `ladder monday push`: drains the outbox onto the board. At-least-once delivery with idempotent effects:
// column writes are re-sendable; items are re-matched by Domain before any re-create; comments carry a
// marker and, after an ambiguous failure, the item's updates are checked before re-posting. A crash at any
// point leaves rows pending or 'uncertain', never lost and never posted twice.
import { and, asc, eq, gt, inArray, isNull, isNotNull, sql } from 'drizzle-orm';
import type { Store } from '../store/open.js';
import { mondayComments, mondayItems } from '../store/schema.js';
import type { MondayConfig } from './config.js';
import type { ItemProjection } from './projection.js';
import type { GqlError, Outcome, Transport } from './transport.js';

export type PushOptions = {
  /** Waits between retries; tests pass one that advances the emulator's clock instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now: () => string;
  maxRounds?: number;
  log?: (line: string) => void;
};

export type PushResult = {
  requests: number; bytesSent: number; bytesReceived: number;
  retries: number; retryReasons: Record<string, number>; waitedMs: number;
  matched: number; created: number; columnWrites: number; commentsPosted: number; commentsFoundPosted: number;
  deadItems: number; deadComments: number; pendingItems: number; pendingComments: number;
  gaveUp: string | null;
};

const COMPLEXITY = 'complexity { before after query reset_in_x_seconds }';
export const commentMarker = (key: string) => `[ladder:${key}]`;

/** monday error codes that no retry can fix, with what to do (dead letters). */
export const PERMANENT: Record<string, string> = {
  ColumnValueException: 'a value the column does not accept (e.g. a status label missing on the board): add the label in monday or fix monday.labels in ladder.config.json, then run ladder monday retry',
  InvalidColumnIdException: 'the column id is not on the board: fix monday.columns in ladder.config.json, then run ladder monday retry',
  InvalidBoardIdException: 'the board id is wrong or not shared with the token\'s user: fix monday.boardId, then run ladder monday retry',
  ResourceNotFoundException: 'the item is gone from the board (deleted?): ladder monday retry matches it again by Domain, or re-creates it',
  InvalidItemIdException: 'the item is gone from the board (deleted?): ladder monday retry matches it again by Domain, or re-creates it',
  ItemNameTooLongException: 'the account name is too long for monday: shorten it, then run ladder monday retry',
  InvalidArgumentException: 'monday refused an argument: see the reason, fix the configuration, then run ladder monday retry',
  UserUnauthorizedException: 'the token\'s user may not write to this board: grant access, then run ladder monday retry',
};
const fixFor = (code: string | null) => (code && PERMANENT[code]) || 'unexpected monday error: read the reason; ladder monday retry sends it again';

type Op =
  | { kind: 'columns'; account: string; itemId: string; version: number; values: Record<string, unknown> }
  | { kind: 'comment'; id: number; account: string; itemId: string; body: string; key: string };

export async function push(store: Store, cfg: MondayConfig, transport: Transport, opts: PushOptions): Promise<PushResult> {
  const { db } = store;
  const sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const random = opts.random ?? Math.random;
  const log = opts.log ?? (() => {});
  const r: PushResult = {
    requests: 0, bytesSent: 0, bytesReceived: 0, retries: 0, retryReasons: {}, waitedMs: 0, matched: 0, created: 0,
    columnWrites: 0, commentsPosted: 0, commentsFoundPosted: 0, deadItems: 0, deadComments: 0, pendingItems: 0, pendingComments: 0, gaveUp: null,
  };
  let attempt = 0;
  let budget: { after: number; reset: number; perOp: number } | null = null;
  const board = cfg.boardId;

  /** Sends one request; returns null after a transient failure (already waited with backoff). */
  async function send(query: string, variables: Record<string, unknown>, ops: number): Promise<Extract<Outcome, { kind: 'done' | 'fatal' }> | null> {
    if (budget && budget.after < budget.perOp * ops && budget.reset > 0) {
      log(`complexity budget low (${budget.after} left): waiting ${budget.reset}s for the reset`);
      await wait(budget.reset * 1000);
      budget = null;
    }
    const out = await transport.request(query, variables);
    if (out.kind === 'retry') {
      r.retries++;
      const k = out.reason.split(/[:(]/)[0]!.trim();
      r.retryReasons[k] = (r.retryReasons[k] ?? 0) + 1;
      attempt++;
      if (attempt > cfg.retry.maxAttempts) { r.gaveUp = `gave up after ${cfg.retry.maxAttempts} transient failures in a row (last: ${out.reason}); run ladder monday push again`; return null; }
      const backoff = Math.min(cfg.retry.maxDelayMs, cfg.retry.baseDelayMs * 2 ** (attempt - 1));
      await wait(out.waitMs ?? Math.round(backoff / 2 + random() * backoff / 2));
      return null;
    }
    attempt = 0;
    if (out.kind === 'done' && out.complexity) {
      const used = Math.max(1, out.complexity.before - out.complexity.after);
      budget = { after: out.complexity.after, reset: out.complexity.reset_in_x_seconds, perOp: Math.ceil(used / Math.max(1, ops)) };
    }
    return out;
  }
  async function wait(ms: number) { r.waitedMs += ms; await sleep(ms); }

  const errorsByAlias = (errors: GqlError[]) => {
    const m = new Map<string, GqlError>();
    for (const e of errors) if (e.path?.[0] !== undefined) m.set(String(e.path[0]), e);
    return m;
  };

  function parkItem(account: string, e: GqlError) {
    const code = e.extensions?.code ?? null;
    db.update(mondayItems).set({ state: 'dead', deadReason: transport.redact(`${code ?? 'error'}: ${e.message}`), deadFix: fixFor(code), lastError: transport.redact(e.message) }).where(eq(mondayItems.account, account)).run();
  }
  function parkComment(id: number, e: GqlError) {
    const code = e.extensions?.code ?? null;
    db.update(mondayComments).set({ status: 'dead', lastError: transport.redact(`${code ?? 'error'}: ${e.message}`), deadFix: fixFor(code) }).where(eq(mondayComments.id, id)).run();
  }
  const isPermanent = (e: GqlError) => !['RATE_LIMIT_EXCEEDED', 'COMPLEXITY_BUDGET_EXHAUSTED', 'INTERNAL_SERVER_ERROR'].includes(String(e.extensions?.code));

  // 1. Match items by the Domain column (also after an ambiguous create: never create twice).
  async function resolve(): Promise<boolean> {
    const unresolved = db.select({ account: mondayItems.account }).from(mondayItems)
      .where(and(isNull(mondayItems.itemId), eq(mondayItems.state, 'ok'))).orderBy(asc(mondayItems.account)).all().map((x) => x.account);
    for (let i = 0; i < unresolved.length; i += cfg.batch.lookupValuesPerRequest) {
      const chunk = unresolved.slice(i, i + cfg.batch.lookupValuesPerRequest);
      let cursor: string | null = null;
      do {
        const out = await send(`query Lookup($board: ID!, $col: String!, $values: [String]!, $cursor: String) { ${COMPLEXITY}
          items_page_by_column_values(board_id: $board, columns: [{ column_id: $col, column_values: $values }], limit: 500, cursor: $cursor) {
            cursor items { id column_values(ids: [$col]) { id text } } } }`, { board, col: cfg.columns.domain, values: chunk, cursor }, 1);
        if (!out) return false;
        if (out.kind === 'fatal') { r.gaveUp = `matching items failed: ${out.reason}`; return false; }
        const page = out.data.items_page_by_column_values as { cursor: string | null; items: { id: string; column_values: { text: string | null }[] }[] };
        for (const it of [...page.items].sort((a, b) => Number(a.id) - Number(b.id))) {
          const domain = it.column_values[0]?.text?.trim().toLowerCase();
          if (!domain || !chunk.includes(domain)) continue;
          const res = db.update(mondayItems).set({ itemId: it.id }).where(and(eq(mondayItems.account, domain), isNull(mondayItems.itemId))).run();
          r.matched += res.changes;
        }
        cursor = page.cursor;
      } while (cursor);
    }
    return true;
  }

  // 2. Create the items no Domain matched, with their column values at once.
  async function create(): Promise<boolean> {
    if (!cfg.createItems) return true;
    const missing = db.select().from(mondayItems).where(and(isNull(mondayItems.itemId), eq(mondayItems.state, 'ok'))).orderBy(asc(mondayItems.account)).all();
    for (let i = 0; i < missing.length; i += cfg.batch.itemsPerRequest) {
      const chunk = missing.slice(i, i + cfg.batch.itemsPerRequest);
      const vars: Record<string, unknown> = { board };
      const decl = ['$board: ID!'];
      const fields = chunk.map((row, k) => {
        const p = JSON.parse(row.desired) as ItemProjection;
        vars[`n${k}`] = p.name; vars[`v${k}`] = JSON.stringify(p.values);
        decl.push(`$n${k}: String!`, `$v${k}: JSON`);
        return `c${k}: create_item(board_id: $board, item_name: $n${k}, column_values: $v${k}) { id }`;
      });
      const out = await send(`mutation Create(${decl.join(', ')}) { ${COMPLEXITY} ${fields.join(' ')} }`, vars, chunk.length);
      if (!out) return false; // ambiguous or not: the next round matches by Domain first
      if (out.kind === 'fatal') { for (const row of chunk) parkItem(row.account, { message: out.reason, extensions: { code: out.code ?? undefined } }); continue; }
      const errs = errorsByAlias(out.errors);
      chunk.forEach((row, k) => {
        const item = out.data[`c${k}`] as { id: string } | null;
        if (item?.id) {
          db.update(mondayItems).set({ itemId: item.id, pushedVersion: row.desiredVersion, attempts: 0 }).where(eq(mondayItems.account, row.account)).run();
          r.created++;
        } else if (errs.get(`c${k}`) && isPermanent(errs.get(`c${k}`)!)) parkItem(row.account, errs.get(`c${k}`)!);
      });
    }
    return true;
  }

  // 3. After an ambiguous failure: was the comment posted after all? Look for its marker on the item.
  async function settleUncertain(): Promise<boolean> {
    const open = db.select().from(mondayComments).innerJoin(mondayItems, eq(mondayItems.account, mondayComments.account))
      .where(and(eq(mondayComments.status, 'uncertain'), isNotNull(mondayItems.itemId))).all();
    const byItem = new Map<string, typeof open>();
    for (const row of open) byItem.set(row.monday_items.itemId!, [...(byItem.get(row.monday_items.itemId!) ?? []), row]);
    const ids = [...byItem.keys()];
    for (let i = 0; i < ids.length; i += 50) {
      const chunk = ids.slice(i, i + 50);
      const out = await send(`query Updates($ids: [ID!]) { ${COMPLEXITY} items(ids: $ids, limit: 50) { id updates(limit: 100) { id body } } }`, { ids: chunk }, chunk.length);
      if (!out) return false;
      if (out.kind === 'fatal') { r.gaveUp = `checking updates failed: ${out.reason}`; return false; }
      const items = (out.data.items ?? []) as { id: string; updates: { id: string; body: string }[] }[];
      const found = new Map(items.map((it) => [it.id, it.updates]));
      for (const itemId of chunk) {
        for (const row of byItem.get(itemId)!) {
          const hit = (found.get(itemId) ?? []).find((u) => u.body.includes(commentMarker(row.monday_comments.key)));
          db.update(mondayComments).set(hit ? { status: 'posted', updateId: hit.id, postedAt: opts.now() } : { status: 'pending' }).where(eq(mondayComments.id, row.monday_comments.id)).run();
          if (hit) r.commentsFoundPosted++;
        }
      }
    }
    return true;
  }

  // 4. Column writes (coalesced: the latest desired values) and comments, several items per request.
  async function deliver(): Promise<boolean> {
    const dirty = db.select().from(mondayItems)
      .where(and(isNotNull(mondayItems.itemId), eq(mondayItems.state, 'ok'), gt(mondayItems.desiredVersion, mondayItems.pushedVersion))).orderBy(asc(mondayItems.account)).all();
    const comments = db.select({ c: mondayComments, itemId: mondayItems.itemId }).from(mondayComments).innerJoin(mondayItems, eq(mondayItems.account, mondayComments.account))
      .where(and(eq(mondayComments.status, 'pending'), isNotNull(mondayItems.itemId))).orderBy(asc(mondayComments.id)).all();
    const byItem = new Map<string, Op[]>();
    const add = (itemId: string, op: Op) => byItem.set(itemId, [...(byItem.get(itemId) ?? []), op]);
    for (const row of dirty) add(row.itemId!, { kind: 'columns', account: row.account, itemId: row.itemId!, version: row.desiredVersion, values: (JSON.parse(row.desired) as ItemProjection).values });
    for (const { c, itemId } of comments) add(itemId!, { kind: 'comment', id: c.id, account: c.account, itemId: itemId!, body: `${c.body}\n\n${commentMarker(c.key)}`, key: c.key });
    const groups = [...byItem.values()];
    while (groups.length) {
      const batch: Op[] = [];
      let items = 0;
      while (groups.length && items < cfg.batch.itemsPerRequest && batch.length + groups[0]!.length <= Math.max(cfg.batch.mutationsPerRequest, groups[0]!.length)) {
        batch.push(...groups.shift()!); items++;
        if (batch.length >= cfg.batch.mutationsPerRequest) break;
      }
      const commentIds = batch.flatMap((o) => (o.kind === 'comment' ? [o.id] : []));
      // Marked before sending: a crash mid-request leaves them 'uncertain', checked before any re-post.
      if (commentIds.length) db.update(mondayComments).set({ status: 'uncertain', attempts: sql`${mondayComments.attempts} + 1` }).where(inArray(mondayComments.id, commentIds)).run();
      const usesBoard = batch.some((o) => o.kind === 'columns');
      const vars: Record<string, unknown> = usesBoard ? { board } : {};
      const decl = usesBoard ? ['$board: ID!'] : [];
      const fields = batch.map((o, k) => {
        vars[`i${k}`] = o.itemId; decl.push(`$i${k}: ID!`);
        if (o.kind === 'columns') { vars[`v${k}`] = JSON.stringify(o.values); decl.push(`$v${k}: JSON!`); return `m${k}: change_multiple_column_values(board_id: $board, item_id: $i${k}, column_values: $v${k}) { id }`; }
        vars[`b${k}`] = o.body; decl.push(`$b${k}: String!`);
        return `m${k}: create_update(item_id: $i${k}, body: $b${k}) { id }`;
      });
      const out = await send(`mutation Push(${decl.join(', ')}) { ${COMPLEXITY} ${fields.join(' ')} }`, vars, batch.length);
      if (!out) {
        // Not ambiguous (429, budget): nothing was applied, so the comments are plainly pending again.
        const lastOutcomeAmbiguous = lastAmbiguous;
        if (!lastOutcomeAmbiguous && commentIds.length) db.update(mondayComments).set({ status: 'pending' }).where(inArray(mondayComments.id, commentIds)).run();
        return false;
      }
      if (out.kind === 'fatal') {
        const e = { message: out.reason, extensions: { code: out.code ?? undefined } };
        batch.forEach((o) => (o.kind === 'columns' ? parkItem(o.account, e) : parkComment(o.id, e)));
        continue;
      }
      const errs = errorsByAlias(out.errors);
      batch.forEach((o, k) => {
        const ok = out.data[`m${k}`] as { id: string } | null;
        const err = errs.get(`m${k}`);
        if (o.kind === 'columns') {
          if (ok) { db.update(mondayItems).set({ pushedVersion: sql`max(${mondayItems.pushedVersion}, ${o.version})`, attempts: 0, lastError: null }).where(eq(mondayItems.account, o.account)).run(); r.columnWrites++; }
          else if (err && isPermanent(err)) parkItem(o.account, err);
        } else if (ok) {
          db.update(mondayComments).set({ status: 'posted', updateId: ok.id, postedAt: opts.now(), lastError: null }).where(eq(mondayComments.id, o.id)).run();
          r.commentsPosted++;
        } else if (err && isPermanent(err)) parkComment(o.id, err);
        else db.update(mondayComments).set({ status: 'pending', lastError: err ? transport.redact(err.message) : null }).where(eq(mondayComments.id, o.id)).run();
      });
    }
    return true;
  }

  let lastAmbiguous = false;
  const request = transport.request;
  transport = { ...transport, request: async (q, v) => { const o = await request(q, v); lastAmbiguous = o.kind === 'retry' && o.ambiguous; return o; } };

  const maxRounds = opts.maxRounds ?? 10_000;
  for (let round = 0; round < maxRounds && !r.gaveUp; round++) {
    const steps = [resolve, create, settleUncertain, deliver];
    let clean = true;
    for (const step of steps) {
      if (r.gaveUp) break;
      if (!(await step())) { clean = false; break; }
    }
    if (clean && !hasWork(store)) break;
  }
  Object.assign(r, transportStats(transport), counts(store));
  if (r.gaveUp) log(r.gaveUp);
  return r;
}

function transportStats(t: Transport) { return { requests: t.stats.requests, bytesSent: t.stats.bytesSent, bytesReceived: t.stats.bytesReceived }; }

export function hasWork(store: Store): boolean {
  const c = counts(store);
  return c.pendingItems > 0 || c.pendingComments > 0;
}

export function counts(store: Store) {
  const { db } = store;
  const one = (q: { get(): { n: number } | undefined }) => q.get()?.n ?? 0;
  return {
    pendingItems: one(db.select({ n: sql<number>`count(*)` }).from(mondayItems).where(and(eq(mondayItems.state, 'ok'), sql`(${mondayItems.itemId} is null or ${mondayItems.desiredVersion} > ${mondayItems.pushedVersion})`))),
    pendingComments: one(db.select({ n: sql<number>`count(*)` }).from(mondayComments).where(inArray(mondayComments.status, ['pending', 'uncertain']))),
    deadItems: one(db.select({ n: sql<number>`count(*)` }).from(mondayItems).where(eq(mondayItems.state, 'dead'))),
    deadComments: one(db.select({ n: sql<number>`count(*)` }).from(mondayComments).where(eq(mondayComments.status, 'dead'))),
  };
}
