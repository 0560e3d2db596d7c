// What a test sees of the emulated account and how it makes drift by hand. These helpers bypass HTTP, so no
// fault, complexity charge or request log entry ever applies to them.
import type { ComplexityBudget } from './complexity.js';
import type { ColumnSnapshot, ItemSnapshot, Store } from './store.js';
import type { EmulatedColumnType } from './seed.js';

export type { ColumnSnapshot, ItemSnapshot };

export interface BoardSnapshot {
  readonly id: string;
  readonly name: string;
  readonly columns: readonly {
    readonly id: string;
    readonly title: string;
    readonly type: EmulatedColumnType;
    /** Status columns: index → label, including labels added by create_labels_if_missing. */
    readonly labels: Readonly<Record<number, string>>;
    readonly revision: number;
  }[];
  readonly groups: readonly { readonly id: string; readonly title: string }[];
}

export interface UpdateSnapshot {
  readonly id: string;
  readonly itemId: string;
  readonly body: string;
  readonly textBody: string;
  readonly createdAt: string;
  /** The monday user who posted it ('1', the token's user, for an update created through the API). */
  readonly creatorId: string;
}

export interface EmulatorState {
  board(boardId: string): BoardSnapshot | undefined;
  /** The board's items in creation order with every column as monday JSON (`value`) and displayed `text`. */
  items(boardId: string): ItemSnapshot[];
  item(itemId: string): ItemSnapshot | undefined;
  /** Oldest first. */
  updates(itemId: string): UpdateSnapshot[];
  /** Write one column as someone editing the board would; `value` takes what change_multiple_column_values takes. */
  setColumnValue(itemId: string, columnId: string, value: unknown, opts?: { createLabelsIfMissing?: boolean }): ItemSnapshot;
  setColumnValues(itemId: string, values: Readonly<Record<string, unknown>>, opts?: { createLabelsIfMissing?: boolean }): ItemSnapshot;
  createItem(boardId: string, name: string, values?: Readonly<Record<string, unknown>>): ItemSnapshot;
  deleteItem(itemId: string): void;
  complexity(): { readonly limit: number; readonly remaining: number; readonly resetInSeconds: number };
}

export function createState(store: Store, budget: ComplexityBudget): EmulatorState {
  const write = (itemId: string, values: Readonly<Record<string, unknown>>, opts: { createLabelsIfMissing?: boolean } = {}): ItemSnapshot => {
    const item = store.requireItem(itemId);
    return store.snapshot(store.changeColumnValues(item.boardId, itemId, values, { mode: 'json', createLabelsIfMissing: opts.createLabelsIfMissing === true }));
  };
  return {
    board(boardId) {
      const board = store.boards.get(boardId);
      if (!board) return undefined;
      return {
        id: board.id,
        name: board.name,
        columns: board.columns.map((c) => ({ id: c.id, title: c.title, type: c.type, labels: Object.fromEntries(c.labels), revision: c.revision })),
        groups: board.groups.map((g) => ({ ...g })),
      };
    },
    items: (boardId) => store.boardItems(boardId).map((i) => store.snapshot(i)),
    item(itemId) {
      const item = store.items.get(itemId);
      return item && store.snapshot(item);
    },
    updates: (itemId) => (store.items.get(itemId)?.updates ?? []).map((u) => ({ ...u })),
    setColumnValue: (itemId, columnId, value, opts) => write(itemId, { [columnId]: value }, opts),
    setColumnValues: write,
    createItem: (boardId, name, values = {}) => store.snapshot(store.createItem(boardId, name, values, { mode: 'json', createLabelsIfMissing: false })),
    deleteItem: (itemId) => store.deleteItem(itemId),
    complexity: () => ({ limit: budget.limit, remaining: budget.remaining(), resetInSeconds: budget.resetInSeconds() }),
  };
}
