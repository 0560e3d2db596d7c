// `ladder monday verify [--repair]`: pages through the board and compares every item with the machine's
// projection of its account. --repair queues the corrections through the outbox (never edits by hand).
import { eq } from 'drizzle-orm';
import type { Engine } from '../engine/engine.js';
import { accounts, mondayItems } from '../store/schema.js';
import type { LadderContext } from '../../machines/context.js';
import { stageOf } from '../../machines/stage.js';
import type { MondayConfig } from './config.js';
import { queueProjection } from './outbox.js';
import { projectItem } from './projection.js';
import type { Transport } from './transport.js';

export type Drift = { account: string; itemId: string; column: string; board: string; machine: string };
export type VerifyResult = {
  items: number; accounts: number; equal: number;
  drift: Drift[]; accountsWithoutItem: string[]; itemsWithoutAccount: { itemId: string; domain: string | null }[];
  repaired: number; error: string | null;
};

type BoardItem = { id: string; name: string; column_values: { id: string; text: string | null }[] };

export async function readBoard(cfg: MondayConfig, transport: Transport): Promise<BoardItem[] | string> {
  const ids = Object.values(cfg.columns);
  const out: BoardItem[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 100_000; guard++) {
    const res = cursor === null
      ? await transport.request(`query Board($board: [ID!], $cols: [String!]) { boards(ids: $board) { items_page(limit: 500) { cursor items { id name column_values(ids: $cols) { id text } } } } }`, { board: [cfg.boardId], cols: ids })
      : await transport.request(`query Next($cursor: String!, $cols: [String!]) { next_items_page(cursor: $cursor, limit: 500) { cursor items { id name column_values(ids: $cols) { id text } } } }`, { cursor, cols: ids });
    if (res.kind === 'retry') { if (res.waitMs) await new Promise((r) => setTimeout(r, Math.min(res.waitMs!, 60_000))); guard++; continue; }
    if (res.kind === 'fatal') return res.reason;
    const page = (cursor === null ? (res.data.boards as { items_page: { cursor: string | null; items: BoardItem[] } }[] | null)?.[0]?.items_page : res.data.next_items_page) as { cursor: string | null; items: BoardItem[] } | undefined;
    if (!page) return `board ${cfg.boardId} not found`;
    out.push(...page.items);
    cursor = page.cursor;
    if (!cursor) return out;
  }
  return 'paging did not end';
}

export async function verify(engine: Engine, cfg: MondayConfig, transport: Transport, opts: { repair: boolean; now: string }): Promise<VerifyResult> {
  const { db } = engine.store;
  const result: VerifyResult = { items: 0, accounts: 0, equal: 0, drift: [], accountsWithoutItem: [], itemsWithoutAccount: [], repaired: 0, error: null };
  const board = await readBoard(cfg, transport);
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
  const repairs: { account: string; clearItem: boolean; setItem?: string; projection: ReturnType<typeof projectItem> }[] = [];
  for (const { accounts: acct, monday_items: mi } of rows) {
    const loaded = engine.load(acct.domain)!;
    const projection = projectItem(acct, loaded.snapshot.context as LadderContext, stageOf(loaded.snapshot.value), cfg);
    const item = (mi?.itemId && byId.get(mi.itemId)) || byDomain.get(acct.domain);
    if (!item) { result.accountsWithoutItem.push(acct.domain); repairs.push({ account: acct.domain, clearItem: true, projection }); continue; }
    seen.add(item.id);
    if (mi?.itemId !== item.id) repairs.push({ account: acct.domain, clearItem: false, setItem: item.id, projection });
    const diffs: Drift[] = [];
    if (item.name !== projection.name) diffs.push({ account: acct.domain, itemId: item.id, column: 'name', board: item.name, machine: projection.name });
    for (const [col, want] of Object.entries(projection.texts)) {
      const got = item.column_values.find((c) => c.id === col)?.text ?? '';
      if ((got ?? '') !== want) diffs.push({ account: acct.domain, itemId: item.id, column: col, board: got ?? '', machine: want });
    }
    if (diffs.length) { result.drift.push(...diffs); repairs.push({ account: acct.domain, clearItem: false, projection }); } else result.equal++;
  }
  for (const it of board) {
    if (!seen.has(it.id)) result.itemsWithoutAccount.push({ itemId: it.id, domain: it.column_values.find((c) => c.id === cfg.columns.domain)?.text ?? null });
  }
  if (opts.repair && repairs.length) {
    engine.store.sqlite.transaction(() => {
      for (const rep of repairs) {
        if (!rep.setItem) queueProjection(db, rep.account, rep.projection, opts.now, true);
        if (rep.setItem) db.update(mondayItems).set({ itemId: rep.setItem }).where(eq(mondayItems.account, rep.account)).run();
        if (rep.clearItem) db.update(mondayItems).set({ itemId: null, state: 'ok', deadReason: null, deadFix: null }).where(eq(mondayItems.account, rep.account)).run();
        if (!rep.setItem) result.repaired++;
      }
    }).immediate();
  }
  return result;
}
