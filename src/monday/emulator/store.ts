// The emulated account: boards, items, updates. Every write goes through here, whether it came over HTTP
// or from a test's inspection helper, so both see the same column value semantics.
import { type ColumnChange, type ColumnDef, type StoredValue, displayValue, parseColumnInput } from './column-values.js';
import { invalidBoardId, invalidColumnId, invalidGroupId, itemNameTooLong, itemNotFound } from './errors.js';
import type { BoardSeed, EmulatedColumnType } from './seed.js';

export interface StoredBoard {
  readonly id: string;
  readonly name: string;
  /** In board order; includes the `name` column, as monday's `columns` does. */
  readonly columns: ColumnDef[];
  readonly groups: { readonly id: string; readonly title: string }[];
}

export interface StoredUpdate {
  readonly id: string;
  readonly itemId: string;
  readonly body: string;
  readonly textBody: string;
  readonly createdAt: string;
}

export interface StoredItem {
  readonly id: string;
  readonly boardId: string;
  readonly groupId: string;
  name: string;
  readonly values: Map<string, StoredValue>;
  readonly createdAt: string;
  updatedAt: string;
  /** Oldest first; monday lists them newest first, which the resolvers do. */
  readonly updates: StoredUpdate[];
}

export interface ColumnSnapshot {
  readonly type: EmulatedColumnType;
  readonly value: string | null;
  readonly text: string;
}

export interface ItemSnapshot {
  readonly id: string;
  readonly boardId: string;
  readonly groupId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Every non-name column of the board, keyed by column id, as monday's column_values shows it. */
  readonly columns: Readonly<Record<string, ColumnSnapshot>>;
}

export interface WriteOptions {
  readonly mode: 'json' | 'simple';
  readonly createLabelsIfMissing: boolean;
}

/** monday's timestamps have second precision: 2026-01-31T09:00:00Z. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function stripHtml(body: string): string {
  return body.replace(/<br\s*\/?>/gi, '\n').replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

export class Store {
  readonly boards = new Map<string, StoredBoard>();
  readonly items = new Map<string, StoredItem>();
  private nextItemId = 10_000_000_001;
  private nextUpdateId = 400_000_001;

  constructor(seeds: readonly BoardSeed[], private readonly clock: () => number) {
    for (const seed of seeds) this.addBoard(seed);
  }

  now(): string {
    return isoSeconds(this.clock());
  }

  private addBoard(seed: BoardSeed): void {
    if (this.boards.has(seed.id)) throw new Error(`board ${seed.id} is seeded twice; give each BoardSeed its own id`);
    const columns: ColumnDef[] = seed.columns.map((c) => ({
      id: c.id, title: c.title, type: c.type, labels: new Map((c.labels ?? []).map((label, index) => [index, label])),
    }));
    if (!columns.some((c) => c.type === 'name')) columns.unshift({ id: 'name', title: 'Name', type: 'name', labels: new Map() });
    const groups = seed.groups && seed.groups.length > 0 ? seed.groups.map((g) => ({ ...g })) : [{ id: 'topics', title: 'Group Title' }];
    this.boards.set(seed.id, { id: seed.id, name: seed.name, columns, groups });
    for (const item of seed.items ?? []) {
      this.createItem(seed.id, item.name, item.values ?? {}, { mode: 'json', createLabelsIfMissing: false }, item.groupId, item.id);
    }
  }

  requireBoard(boardId: string): StoredBoard {
    const board = this.boards.get(boardId);
    if (!board) throw invalidBoardId(boardId);
    return board;
  }

  requireItem(itemId: string | undefined | null, boardId?: string): StoredItem {
    const item = itemId == null ? undefined : this.items.get(itemId);
    if (!item || (boardId !== undefined && item.boardId !== boardId)) throw itemNotFound(itemId ?? undefined);
    return item;
  }

  /** The board's items ordered by id, which is creation order: the order cursors walk. */
  boardItems(boardId: string): StoredItem[] {
    return [...this.items.values()].filter((i) => i.boardId === boardId).sort((a, b) => Number(a.id) - Number(b.id));
  }

  /**
   * Decide every change before applying any: one bad column fails the whole mutation and leaves the item
   * untouched, as monday does for change_multiple_column_values.
   */
  private decide(board: StoredBoard, values: Readonly<Record<string, unknown>>, opts: WriteOptions): [ColumnDef, ColumnChange][] {
    const now = this.now();
    return Object.entries(values).map(([columnId, raw]) => {
      const column = board.columns.find((c) => c.id === columnId);
      if (!column) throw invalidColumnId(columnId);
      return [column, parseColumnInput(column, raw, { ...opts, now })];
    });
  }

  private apply(item: StoredItem, changes: readonly [ColumnDef, ColumnChange][]): void {
    for (const [column, change] of changes) {
      if (change.kind === 'rename') {
        item.name = change.name;
      } else if (change.kind === 'clear') {
        item.values.delete(column.id);
      } else {
        if (change.newLabel) column.labels.set(change.newLabel.index, change.newLabel.label);
        item.values.set(column.id, change.value);
      }
    }
    item.updatedAt = this.now();
  }

  changeColumnValues(boardId: string, itemId: string | null | undefined, values: Readonly<Record<string, unknown>>, opts: WriteOptions): StoredItem {
    const board = this.requireBoard(boardId);
    const item = this.requireItem(itemId, boardId);
    const changes = this.decide(board, values, opts);
    this.apply(item, changes);
    return item;
  }

  createItem(
    boardId: string, name: string, values: Readonly<Record<string, unknown>>, opts: WriteOptions, groupId?: string | null, id?: string,
  ): StoredItem {
    const board = this.requireBoard(boardId);
    if (name.length === 0 || name.length > 255) throw itemNameTooLong(name.length);
    const group = groupId == null ? board.groups[0] : board.groups.find((g) => g.id === groupId);
    if (!group) throw invalidGroupId(groupId ?? '');
    const changes = this.decide(board, values, opts);
    const itemId = id ?? String(this.nextItemId);
    if (this.items.has(itemId)) throw new Error(`item ${itemId} already exists; seed items need distinct ids`);
    this.nextItemId = Math.max(this.nextItemId, Number(itemId) + 1);
    const now = this.now();
    const item: StoredItem = { id: itemId, boardId, groupId: group.id, name, values: new Map(), createdAt: now, updatedAt: now, updates: [] };
    this.items.set(itemId, item);
    this.apply(item, changes);
    return item;
  }

  createUpdate(itemId: string | null | undefined, body: string): StoredUpdate {
    const item = this.requireItem(itemId);
    const update: StoredUpdate = { id: String(this.nextUpdateId++), itemId: item.id, body, textBody: stripHtml(body), createdAt: this.now() };
    item.updates.push(update);
    return update;
  }

  deleteItem(itemId: string): void {
    if (!this.items.delete(itemId)) throw itemNotFound(itemId);
  }

  snapshot(item: StoredItem): ItemSnapshot {
    const board = this.requireBoard(item.boardId);
    const columns: Record<string, ColumnSnapshot> = {};
    for (const column of board.columns) {
      if (column.type === 'name') continue;
      columns[column.id] = { type: column.type, ...displayValue(column, item.values.get(column.id)) };
    }
    return { id: item.id, boardId: item.boardId, groupId: item.groupId, name: item.name, createdAt: item.createdAt, updatedAt: item.updatedAt, columns };
  }
}
