// `ladder monday push`: drains the outbox onto the board. At-least-once delivery with idempotent effects:
// column writes are re-sendable; items are re-matched by Domain before any re-create; comments carry a
// marker and, after an ambiguous failure, the item's updates are checked before re-posting. A crash at any
// point leaves rows pending or 'uncertain', never lost and never posted twice.
import { and, asc, eq, gt, inArray, isNull, isNotNull, or, sql } from 'drizzle-orm';
import type { Store } from '../store/open.js';
import { mondayComments, mondayItems } from '../store/schema.js';
import type { MondayConfig } from './config.js';
import type { ItemProjection } from './projection.js';
import { RETRY_CODES, type GqlError, type Outcome, type Transport } from './transport.js';
import { acquirePushLease, LeaseLostError, STALE_MS, type Lease } from './lease.js';

/** A waiting push renews its lease at least this often (well inside STALE_MS). */
const BEAT_EVERY_MS = Math.floor(STALE_MS / 4);

export type PushOptions = {
  /** Waits between retries; tests pass one that advances the emulator's clock instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now: () => string;
  maxRounds?: number;
  log?: (line: string) => void;
  /** How long to wait for another push to end (real time; default LEASE_WAIT_MS). */
  leaseWaitMs?: number;
};

export type PushResult = {
  /** This push's own traffic (the transport may have served other pushes before). */
  requests: number; bytesSent: number; bytesReceived: number;
  retries: number; retryReasons: Record<string, number>; waitedMs: number;
  matched: number; created: number; columnWrites: number; commentsPosted: number; commentsFoundPosted: number;
  deadItems: number; deadComments: number; pendingItems: number; pendingComments: number;
  /** Comments waiting on an item that is a dead letter and was never created: they go out after the item's fix. */
  blockedComments: number;
  gaveUp: string | null;
};

const COMPLEXITY = 'complexity { before after query reset_in_x_seconds }';
export const commentMarker = (key: string) => `[ladder:${key}]`;
/** monday returns at most this many updates per item per page; the marker check pages beyond it. */
const UPDATES_PAGE = 100;

/** monday error codes that no retry can fix, with what to do (dead letters). */
export const PERMANENT: Record<string, string> = {
  ColumnValueException: 'a value the column does not accept (e.g. a status label missing on the board): add the label on the board and run ladder monday retry, or correct the label with ladder settings set monday.labels.… and run ladder monday verify --repair (it re-projects with the corrected labels); then ladder monday push',
  InvalidColumnIdException: 'the column id is not on the board: fix it with ladder settings set monday.columns.… ID, then run ladder monday push',
  InvalidBoardIdException: 'the board id is wrong or not shared with the token\'s user: fix it with ladder settings set monday.boardId ID, then run ladder monday push',
  ResourceNotFoundException: 'the item is gone from the board (deleted?): ladder monday retry matches it again by Domain, or re-creates it with its comments',
  InvalidItemIdException: 'the item is gone from the board (deleted?): ladder monday retry matches it again by Domain, or re-creates it with its comments',
  ItemNameTooLongException: 'the account name is too long for monday: shorten it, then run ladder monday retry',
  InvalidArgumentException: 'monday refused an argument: see the reason, fix the configuration, then run ladder monday retry',
  UserUnauthorizedException: 'the token\'s user may not write to this board: grant access, then run ladder monday push',
  Unauthorized: 'monday refused the token: check MONDAY_API_TOKEN (or monday.tokenFile), then run ladder monday push',
};
const fixFor = (code: string | null) => (code && PERMANENT[code]) || 'unexpected monday error: read the reason; ladder monday retry sends it again';

/** Errors about the board or the configuration, the same for every item: the push stops instead of dead-lettering them all. */
const BOARD_LEVEL = new Set(['InvalidBoardIdException', 'InvalidColumnIdException', 'UserUnauthorizedException']);
/** Dead-letter reasons that mean "the item is gone": its comments can go to the item that replaces it. */
const GONE = ['ResourceNotFoundException%', 'InvalidItemIdException%'];

type Op =
  | { kind: 'columns'; account: string; itemId: string; version: number; values: Record<string, unknown> }
  | { kind: 'comment'; id: number; account: string; itemId: string; body: string; key: string };

/** Delivers the outbox while holding the push lease: one push at a time, whoever starts it. */
export async function push(store: Store, cfg: MondayConfig, transport: Transport, opts: PushOptions): Promise<PushResult> {
  const lease = await acquirePushLease(store, { waitMs: opts.leaseWaitMs });
  try {
    return await pushHolding(store, cfg, transport, opts, lease);
  } finally {
    // A failed release must not hide the push's own outcome; the lease is taken over once this process ends.
    try { lease.release(); } catch (err) { opts.log?.(`monday push: the push lease was not released (${(err as Error).message}); the next push takes it over once this process has ended`); }
  }
}

async function pushHolding(store: Store, cfg: MondayConfig, transport: Transport, opts: PushOptions, lease: Lease): Promise<PushResult> {
  const { db } = store;
  const sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const random = opts.random ?? Math.random;
  const log = opts.log ?? (() => {});
  const r: PushResult = {
    requests: 0, bytesSent: 0, bytesReceived: 0, retries: 0, retryReasons: {}, waitedMs: 0, matched: 0, created: 0,
    columnWrites: 0, commentsPosted: 0, commentsFoundPosted: 0, deadItems: 0, deadComments: 0, pendingItems: 0, pendingComments: 0,
    blockedComments: 0, gaveUp: null,
  };
  const stats0 = transportStats(transport);
  let attempt = 0;
  /** Bumped by every durable step forward; a clean round without any ends the push. */
  let progress = 0;
  let budget: { after: number; reset: number; perOp: number } | null = null;
  const board = cfg.boardId;

  /** Sends one request; returns null after a transient failure (already waited with backoff). */
  async function send(query: string, variables: Record<string, unknown>, ops: number): Promise<Extract<Outcome, { kind: 'done' | 'fatal' }> | null> {
    if (budget && budget.after < budget.perOp * ops && budget.reset > 0) {
      log(`complexity budget low (${budget.after} left): waiting ${budget.reset}s for the reset`);
      await wait(budget.reset * 1000);
      budget = null;
    }
    beat(); // a push that lost its lease while it waited sends nothing more
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
  /** Waits in slices, renewing the lease between them: a long Retry-After does not make this push look dead. */
  async function wait(ms: number) {
    r.waitedMs += ms;
    for (let left = ms; left > 0; left -= BEAT_EVERY_MS) { beat(); await sleep(Math.min(left, BEAT_EVERY_MS)); }
    beat();
  }
  /** Every write goes under a live lease: one taken over (this push was presumed dead) stops the push. */
  function beat() {
    if (!lease.beat()) throw new LeaseLostError();
  }

  /** Ends the push with the reason and what to do; rows stay queued (nothing is parked). */
  function stop(what: string, reason: string, code: string | null) {
    const fix = (code && PERMANENT[code]) || 'read the reason, fix its cause, then run ladder monday push again';
    r.gaveUp ??= transport.redact(`${what}: ${reason}; fix: ${fix}`);
  }
  const inTx = (fn: () => void) => store.sqlite.transaction(() => { beat(); fn(); }).immediate();
  const codeOf = (e: GqlError) => e.extensions?.code ?? null;
  const describe = (e: GqlError) => `${codeOf(e) ?? 'error'}: ${e.message}`;

  const errorsByAlias = (errors: GqlError[]) => {
    const m = new Map<string, GqlError>();
    for (const e of errors) if (e.path?.[0] !== undefined) m.set(String(e.path[0]), e);
    return m;
  };

  function parkItem(account: string, e: GqlError) {
    db.update(mondayItems).set({ state: 'dead', deadReason: transport.redact(describe(e)), deadFix: fixFor(codeOf(e)), lastError: transport.redact(e.message) }).where(eq(mondayItems.account, account)).run();
    progress++;
  }
  function parkComment(id: number, e: GqlError) {
    db.update(mondayComments).set({ status: 'dead', lastError: transport.redact(describe(e)), deadFix: fixFor(codeOf(e)) }).where(eq(mondayComments.id, id)).run();
    progress++;
  }
  const isPermanent = (e: GqlError) => !RETRY_CODES.has(String(codeOf(e)));
  const goneReason = or(...GONE.map((p) => sql`${mondayComments.lastError} like ${p}`));

  /**
   * The account has a new item (created, or matched after its old one was lost): the comments the ladder
   * believed posted were on the old item. A created item has no updates, so they are simply pending again;
   * a matched one may carry them, so their markers are checked first. Comments that died because the old
   * item was gone can go to the new one.
   */
  function rehome(account: string, created: boolean) {
    db.update(mondayComments).set({ status: created ? 'pending' : 'uncertain', updateId: null })
      .where(and(eq(mondayComments.account, account), inArray(mondayComments.status, created ? ['posted', 'uncertain'] : ['posted']))).run();
    db.update(mondayComments).set({ status: 'pending', deadFix: null })
      .where(and(eq(mondayComments.account, account), eq(mondayComments.status, 'dead'), goneReason)).run();
  }

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
        if (out.kind === 'fatal') { stop('matching items by Domain failed', out.reason, out.code); return false; }
        const page = out.data.items_page_by_column_values as { cursor: string | null; items: { id: string; column_values: { text: string | null }[] }[] } | null | undefined;
        if (!page) {
          const e = errorsByAlias(out.errors).get('items_page_by_column_values');
          stop('matching items by Domain failed', e ? describe(e) : 'monday answered without a page', e ? codeOf(e) : null);
          return false;
        }
        // The item id and the re-check of the account's comments commit together.
        inTx(() => {
          for (const it of [...page.items].sort((a, b) => Number(a.id) - Number(b.id))) {
            const domain = it.column_values[0]?.text?.trim().toLowerCase();
            if (!domain || !chunk.includes(domain)) continue;
            const res = db.update(mondayItems).set({ itemId: it.id }).where(and(eq(mondayItems.account, domain), isNull(mondayItems.itemId))).run();
            if (res.changes) { r.matched++; progress++; rehome(domain, false); }
          }
        });
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
      // A request-level refusal (token, malformed request): nothing was applied and no item is to blame.
      if (out.kind === 'fatal') { stop('creating items failed', out.reason, out.code); return false; }
      const errs = errorsByAlias(out.errors);
      let boardError: GqlError | null = null;
      // One transaction per answer: atomic (a crash applies all of it or none), and one commit, not one per row.
      inTx(() => chunk.forEach((row, k) => {
        const item = out.data[`c${k}`] as { id: string } | null;
        const err = errs.get(`c${k}`);
        if (item?.id) {
          db.update(mondayItems).set({ itemId: item.id, pushedVersion: row.desiredVersion, attempts: 0, lastError: null }).where(eq(mondayItems.account, row.account)).run();
          rehome(row.account, true);
          r.created++; progress++;
        } else if (err && BOARD_LEVEL.has(String(codeOf(err)))) boardError = err;
        else if (err && isPermanent(err)) parkItem(row.account, err);
      }));
      if (boardError) { stop('creating items failed', describe(boardError), codeOf(boardError)); return false; }
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
      let pageIds = ids.slice(i, i + 50);
      for (let page = 1; pageIds.length; page++) {
        // exclude_nonactive: monday still answers items(ids:) for a trashed item; a comment there is not on the board.
        const out = await send(`query Updates($ids: [ID!], $page: Int) { ${COMPLEXITY} items(ids: $ids, limit: 50, exclude_nonactive: true) { id updates(limit: ${UPDATES_PAGE}, page: $page) { id body } } }`, { ids: pageIds, page }, pageIds.length);
        if (!out) return false;
        if (out.kind === 'fatal') { stop('checking updates failed', out.reason, out.code); return false; }
        const items = (out.data.items ?? []) as ({ id: string; updates: { id: string; body: string }[] | null } | null)[];
        const found = new Map(items.flatMap((it) => (it ? [[it.id, it.updates ?? []] as const] : [])));
        const more: string[] = [];
        inTx(() => { for (const itemId of pageIds) {
          const updates = found.get(itemId) ?? [];
          const left = byItem.get(itemId)!.filter((row) => {
            const hit = updates.find((u) => u.body.includes(commentMarker(row.monday_comments.key)));
            if (!hit) return true;
            db.update(mondayComments).set({ status: 'posted', updateId: hit.id, postedAt: opts.now() }).where(eq(mondayComments.id, row.monday_comments.id)).run();
            r.commentsFoundPosted++; progress++;
            return false;
          });
          byItem.set(itemId, left);
          // A full page may hide older updates: look further before deciding a comment was never posted.
          if (left.length && updates.length >= UPDATES_PAGE) more.push(itemId);
          else if (left.length) db.update(mondayComments).set({ status: 'pending' }).where(inArray(mondayComments.id, left.map((x) => x.monday_comments.id))).run();
        } });
        pageIds = more;
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
    for (const row of dirty) {
      const p = JSON.parse(row.desired) as ItemProjection;
      // The name goes with the columns, so a renamed item is repaired like any other drift.
      add(row.itemId!, { kind: 'columns', account: row.account, itemId: row.itemId!, version: row.desiredVersion, values: { name: p.name, ...p.values } });
    }
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
      if (commentIds.length) inTx(() => db.update(mondayComments).set({ status: 'uncertain', attempts: sql`${mondayComments.attempts} + 1` }).where(and(inArray(mondayComments.id, commentIds), eq(mondayComments.status, 'pending'))).run());
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
      if (!out || out.kind === 'fatal') {
        // Not ambiguous (429, budget, a refused request): nothing was applied, so the comments are plainly pending again.
        if ((!out ? !lastAmbiguous : true) && commentIds.length) inTx(() => db.update(mondayComments).set({ status: 'pending' }).where(and(inArray(mondayComments.id, commentIds), eq(mondayComments.status, 'uncertain'))).run());
        if (out) stop('pushing to the board failed', out.reason, out.code);
        return false;
      }
      const errs = errorsByAlias(out.errors);
      let boardError: GqlError | null = null;
      inTx(() => batch.forEach((o, k) => {
        const ok = out.data[`m${k}`] as { id: string } | null;
        const err = errs.get(`m${k}`);
        if (o.kind === 'columns') {
          if (ok) {
            db.update(mondayItems).set({ pushedVersion: sql`max(${mondayItems.pushedVersion}, ${o.version})`, attempts: 0, lastError: null }).where(eq(mondayItems.account, o.account)).run();
            r.columnWrites++; progress++;
          } else if (err && BOARD_LEVEL.has(String(codeOf(err)))) boardError = err;
          else if (err && isPermanent(err)) parkItem(o.account, err);
        } else if (ok) {
          db.update(mondayComments).set({ status: 'posted', updateId: ok.id, postedAt: opts.now(), lastError: null }).where(eq(mondayComments.id, o.id)).run();
          r.commentsPosted++; progress++;
        } else if (err && isPermanent(err) && !BOARD_LEVEL.has(String(codeOf(err)))) parkComment(o.id, err);
        else db.update(mondayComments).set({ status: 'pending', lastError: err ? transport.redact(err.message) : null }).where(eq(mondayComments.id, o.id)).run();
      }));
      if (boardError) { stop('pushing to the board failed', describe(boardError), codeOf(boardError)); return false; }
    }
    return true;
  }

  let lastAmbiguous = false;
  const request = transport.request;
  transport = { ...transport, request: async (q, v) => { const o = await request(q, v); lastAmbiguous = o.kind === 'retry' && o.ambiguous; return o; } };

  const maxRounds = opts.maxRounds ?? 10_000;
  for (let round = 0; round < maxRounds && !r.gaveUp; round++) {
    const before = progress;
    let clean = true;
    for (const step of [resolve, create, settleUncertain, deliver]) {
      if (r.gaveUp) break;
      if (!(await step())) { clean = false; break; }
    }
    // A clean round that moved nothing will not move anything the next time either (e.g. no item matches
    // and createItems is off): what is left waits for its fix, not for another round.
    if (clean && (!hasWork(store) || progress === before)) break;
  }
  const stats1 = transportStats(transport);
  Object.assign(r, {
    requests: stats1.requests - stats0.requests, bytesSent: stats1.bytesSent - stats0.bytesSent, bytesReceived: stats1.bytesReceived - stats0.bytesReceived,
  }, counts(store));
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
  const open = inArray(mondayComments.status, ['pending', 'uncertain']);
  const blocked = and(eq(mondayItems.state, 'dead'), isNull(mondayItems.itemId));
  return {
    pendingItems: one(db.select({ n: sql<number>`count(*)` }).from(mondayItems).where(and(eq(mondayItems.state, 'ok'), sql`(${mondayItems.itemId} is null or ${mondayItems.desiredVersion} > ${mondayItems.pushedVersion})`))),
    pendingComments: one(db.select({ n: sql<number>`count(*)` }).from(mondayComments).leftJoin(mondayItems, eq(mondayItems.account, mondayComments.account))
      .where(and(open, sql`not coalesce(${mondayItems.state} = 'dead' and ${mondayItems.itemId} is null, 0)`))),
    blockedComments: one(db.select({ n: sql<number>`count(*)` }).from(mondayComments).innerJoin(mondayItems, eq(mondayItems.account, mondayComments.account)).where(and(open, blocked))),
    deadItems: one(db.select({ n: sql<number>`count(*)` }).from(mondayItems).where(eq(mondayItems.state, 'dead'))),
    deadComments: one(db.select({ n: sql<number>`count(*)` }).from(mondayComments).where(eq(mondayComments.status, 'dead'))),
  };
}
