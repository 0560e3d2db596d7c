// `ladder monday verify [--repair]`: pages through the board and compares every item with the machine's
// projection of its account. --repair queues the corrections through the outbox (never edits by hand).
import { eq } from 'drizzle-orm';
import type { Engine } from '../engine/engine.js';
import { accounts, mondayItems } from '../store/schema.js';
import type { LadderContext } from '../../machines/context.js';
import { stageOf } from '../../machines/stage.js';
import type { MondayConfig } from './config.js';
import { queueProjection, sequenceTextOf } from './outbox.js';
import { itemForgotten, itemRequeued } from './outbox-rows.js';
import { projectItem } from './projection.js';
import { backoffMs, realSleep } from './retry.js';
import type { Transport } from './transport.js';

export type Drift = { account: string; itemId: string; column: string; board: string; machine: string };
export type VerifyResult = {
  items: number; accounts: number; equal: number;
  drift: Drift[]; accountsWithoutItem: string[]; itemsWithoutAccount: { itemId: string; domain: string | null }[];
  repaired: number; error: string | null;
};

type BoardItem = { id: string; name: string; column_values: { id: string; text: string | null }[] };

export type VerifyOptions = {
  repair: boolean; now: string;
  /** Waits between retries; tests pass one that advances the emulator's clock instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

export async function readBoard(cfg: MondayConfig, transport: Transport, opts: Pick<VerifyOptions, 'sleep' | 'random'> = {}): Promise<BoardItem[] | string> {
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  const ids = Object.values(cfg.columns);
  const out: BoardItem[] = [];
  let cursor: string | null = null;
  let attempt = 0;
  for (let guard = 0; guard < 100_000; guard++) {
    const res = cursor === null
      ? await transport.request(`query Board($board: [ID!], $cols: [String!]) { boards(ids: $board) { items_page(limit: 500) { cursor items { id name column_values(ids: $cols) { id text } } } } }`, { board: [cfg.boardId], cols: ids })
      : await transport.request(`query Next($cursor: String!, $cols: [String!]) { next_items_page(cursor: $cursor, limit: 500) { cursor items { id name column_values(ids: $cols) { id text } } } }`, { cursor, cols: ids });
    if (res.kind === 'retry') {
      // Reads are safe to repeat: the same page (same cursor) is asked again after a backoff.
      if (++attempt > cfg.retry.maxAttempts) return `gave up reading the board after ${cfg.retry.maxAttempts} transient failures in a row (last: ${res.reason}); run it again`;
      await sleep(res.waitMs ?? backoffMs(attempt, cfg.retry, random));
      continue;
    }
    attempt = 0;
    if (res.kind === 'fatal') return res.reason;
    const page = (cursor === null ? (res.data.boards as { items_page: { cursor: string | null; items: BoardItem[] } }[] | null)?.[0]?.items_page : res.data.next_items_page) as { cursor: string | null; items: BoardItem[] } | undefined;
    if (!page) return `board ${cfg.boardId} not found (or not shared with the token's user): check the board id (ladder settings show; ladder settings set monday.boardId ID)`;
    out.push(...page.items);
    cursor = page.cursor;
    if (!cursor) return out;
  }
  return 'paging did not end';
}

export async function verify(engine: Engine, cfg: MondayConfig, transport: Transport, opts: VerifyOptions): Promise<VerifyResult> {
  const { db } = engine.store;
  const result: VerifyResult = { items: 0, accounts: 0, equal: 0, drift: [], accountsWithoutItem: [], itemsWithoutAccount: [], repaired: 0, error: null };
  const board = await readBoard(cfg, transport, opts);
  if (typeof board === 'string') { result.error = board; return result; }
  result.items = board.length;
  const byId = new Map(board.map((it) => [it.id, it]));
  const byDomain = new Map<string, BoardItem>();
  for (const it of board) {
    const d = it.column_values.find((c) => c.id === cfg.columns.domain)?.text?.trim().toLowerCase();
    if (d && !byDomain.has(d)) byDomain.set(d, it);
  }
  const rows = db.select().from(accounts).leftJoin(mondayItems, eq(mondayItems.account, accounts.domain)).all();
  result.accounts = rows.length;
  const seen = new Set<string>();
  /** rematch: forget the stored item id, so the next push matches by Domain (re-checking comment markers) or re-creates. */
  const repairs: { account: string; rematch: boolean; itemId: string | null }[] = [];
  for (const { accounts: acct, monday_items: mi } of rows) {
    const loaded = engine.load(acct.domain)!;
    // LQ 4: a Tier Reject account that never had an item stays off the board (the outbox gives it none).
    if (!mi && (loaded.snapshot.context as LadderContext).tier === 'Reject') { result.accounts--; continue; }
    const projection = projectItem(acct, loaded.snapshot.context as LadderContext, stageOf(loaded.snapshot.value), cfg, sequenceTextOf(db, acct.domain));
    const item = (mi?.itemId && byId.get(mi.itemId)) || byDomain.get(acct.domain);
    if (!item) { result.accountsWithoutItem.push(acct.domain); repairs.push({ account: acct.domain, rematch: true, itemId: mi?.itemId ?? null }); continue; }
    seen.add(item.id);
    const diffs: Drift[] = [];
    if (item.name !== projection.name) diffs.push({ account: acct.domain, itemId: item.id, column: 'name', board: item.name, machine: projection.name });
    for (const [col, want] of Object.entries(projection.texts)) {
      const got = item.column_values.find((c) => c.id === col)?.text ?? '';
      if ((got ?? '') !== want) diffs.push({ account: acct.domain, itemId: item.id, column: col, board: got ?? '', machine: want });
    }
    if (diffs.length) result.drift.push(...diffs); else result.equal++;
    if (diffs.length || mi?.itemId !== item.id) repairs.push({ account: acct.domain, rematch: mi?.itemId !== item.id, itemId: mi?.itemId ?? null });
  }
  for (const it of board) {
    if (!seen.has(it.id)) result.itemsWithoutAccount.push({ itemId: it.id, domain: it.column_values.find((c) => c.id === cfg.columns.domain)?.text?.trim() || null });
  }
  if (opts.repair && repairs.length) {
    engine.store.sqlite.transaction(() => {
      for (const rep of repairs) {
        // Re-read and re-projected inside the transaction (the board read took a while: a transition committed
        // meanwhile must not be overwritten by an older projection), with the current configuration (a
        // corrected label heals its dead letter), and queued again.
        const acct = db.select().from(accounts).where(eq(accounts.domain, rep.account)).get()!;
        const loaded = engine.load(rep.account)!;
        queueProjection(db, rep.account, projectItem(acct, loaded.snapshot.context as LadderContext, stageOf(loaded.snapshot.value), cfg, sequenceTextOf(db, acct.domain)), opts.now, true);
        itemRequeued(db, rep.account);
        // Forget the item id only if it is still the one compared (a push may have just matched or created one).
        if (rep.rematch && rep.itemId !== null) itemForgotten(db, rep.account, rep.itemId);
        result.repaired++;
      }
    }).immediate();
  }
  return result;
}
