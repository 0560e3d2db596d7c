// The emulated account: boards, items, updates. Every write goes through here, whether it came over HTTP
// or from a test's inspection helper, so both see the same column value semantics.
import { type ColumnChange, type ColumnDef, MAX_STATUS_LABELS, type StoredValue, STATUS_COLORS, displayValue, parseColumnInput } from './column-values.js';
import { invalidArgument, invalidBoardId, invalidColumnId, invalidGroupId, itemNameTooLong, itemNotFound } from './errors.js';
import { type BoardSeed, EMULATED_COLUMN_TYPES, type EmulatedColumnType } from './seed.js';

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
  /** The monday user who posted it (the token's user for an update created through the API). */
  readonly creatorId: string;
}

/** The monday user an API token acts as in the emulator (`me`). */
export const API_USER_ID = '1';

/** One column of one item changed value: what a webhook subscribed to column changes is told. */
export interface ColumnChangeEvent {
  readonly board: StoredBoard;
  readonly item: StoredItem;
  readonly column: ColumnDef;
  readonly previous: StoredValue | undefined;
  readonly value: StoredValue | undefined;
  readonly userId: string;
}

/** A label of a status column as create_status_column / update_status_column take it. */
export interface StatusLabelInput {
  readonly label: string;
  readonly color: string;
  readonly index: number;
  readonly is_deactivated?: boolean | null;
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
  /** Who writes (default the API token's user): what a webhook delivery names as its userId. */
  readonly userId?: string;
}

// The emulator's choice: monday documents neither the id rules of create_column nor their error; these are the
// characters monday's own ids use, and short enough for every id the ladder configures.
const COLUMN_ID = /^[a-z0-9_]{1,30}$/;

/** monday's timestamps have second precision: 2026-01-31T09:00:00Z. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function stripHtml(body: string): string {
  return body.replace(/<br\s*\/?>/gi, '\n').replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** Equal stored values (a status's changed_at aside): writing the value a column already has changes nothing. */
function sameValue(a: StoredValue | undefined, b: StoredValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const strip = (v: StoredValue) => JSON.stringify({ ...v, changedAt: undefined });
  return strip(a) === strip(b);
}

function setLabels(column: ColumnDef, labels: readonly StatusLabelInput[]): void {
  const next = new Map(column.labels);
  const colors = new Map(column.colors);
  for (const l of labels) {
    if (!Number.isInteger(l.index) || l.index < 0) throw invalidArgument(`label index ${l.index}: a whole number from 0`, { column_id: column.id });
    if (!(STATUS_COLORS as readonly string[]).includes(l.color)) throw invalidArgument(`label color ${l.color} is not a StatusColumnColors value`, { column_id: column.id });
    if (l.is_deactivated) { next.delete(l.index); colors.delete(l.index); continue; }
    if (l.label.trim() === '') throw invalidArgument('a status label cannot be empty', { column_id: column.id });
    next.set(l.index, l.label);
    colors.set(l.index, l.color);
  }
  const texts = [...next.values()];
  if (new Set(texts).size !== texts.length) throw invalidArgument(`column ${column.id}: two labels with the same text`, { column_id: column.id });
  if (next.size > MAX_STATUS_LABELS) throw invalidArgument(`column ${column.id}: at most ${MAX_STATUS_LABELS} labels`, { column_id: column.id });
  column.labels.clear();
  column.colors.clear();
  for (const [i, t] of next) column.labels.set(i, t);
  for (const [i, c] of colors) column.colors.set(i, c);
}

export class Store {
  readonly boards = new Map<string, StoredBoard>();
  readonly items = new Map<string, StoredItem>();
  private nextItemId = 10_000_000_001;
  private nextUpdateId = 400_000_001;
  private nextColumn = 1;
  /** Told of every value change (the webhooks listen here). */
  onColumnChange: ((change: ColumnChangeEvent) => void) | null = null;

  constructor(seeds: readonly BoardSeed[], private readonly clock: () => number) {
    for (const seed of seeds) this.addBoard(seed);
  }

  now(): string {
    return isoSeconds(this.clock());
  }

  private addBoard(seed: BoardSeed): void {
    if (this.boards.has(seed.id)) throw new Error(`board ${seed.id} is seeded twice; give each BoardSeed its own id`);
    const columns: ColumnDef[] = seed.columns.map((c) => ({
      id: c.id, title: c.title, type: c.type, labels: new Map((c.labels ?? []).map((label, index) => [index, label])), colors: new Map(), revision: 1,
    }));
    if (!columns.some((c) => c.type === 'name')) columns.unshift({ id: 'name', title: 'Name', type: 'name', labels: new Map(), colors: new Map(), revision: 1 });
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

  private apply(item: StoredItem, changes: readonly [ColumnDef, ColumnChange][], userId: string | null): void {
    const changed: ColumnChangeEvent[] = [];
    const board = this.requireBoard(item.boardId);
    for (const [column, change] of changes) {
      const previous = item.values.get(column.id);
      if (change.kind === 'rename') {
        item.name = change.name;
        continue;
      }
      if (change.kind === 'clear') {
        item.values.delete(column.id);
      } else {
        if (change.newLabel) { column.labels.set(change.newLabel.index, change.newLabel.label); column.revision++; }
        item.values.set(column.id, change.value);
      }
      const value = item.values.get(column.id);
      if (userId !== null && sameValue(previous, value) === false) changed.push({ board, item, column, previous, value, userId });
    }
    item.updatedAt = this.now();
    for (const c of changed) this.onColumnChange?.(c);
  }

  changeColumnValues(boardId: string, itemId: string | null | undefined, values: Readonly<Record<string, unknown>>, opts: WriteOptions): StoredItem {
    const board = this.requireBoard(boardId);
    const item = this.requireItem(itemId, boardId);
    const changes = this.decide(board, values, opts);
    this.apply(item, changes, opts.userId ?? API_USER_ID);
    return item;
  }

  /** create_column / create_status_column: a new column, after `afterColumnId` (default: last). */
  createColumn(boardId: string, c: { id?: string | null; title: string; type: string; labels?: readonly StatusLabelInput[] | null; afterColumnId?: string | null }): ColumnDef {
    const board = this.requireBoard(boardId);
    if (!(EMULATED_COLUMN_TYPES as readonly string[]).includes(c.type) || c.type === 'name') {
      throw invalidArgument(`the emulator models text, long_text, numbers and status columns; got column_type ${c.type}`, { column_type: c.type });
    }
    const type = c.type as EmulatedColumnType;
    let id = c.id ?? undefined;
    if (id === undefined) {
      do id = `${type === 'status' ? 'color' : type}_emu${this.nextColumn++}`; while (board.columns.some((x) => x.id === id));
    }
    if (!COLUMN_ID.test(id)) throw invalidArgument(`column id ${JSON.stringify(id)}: 1-30 lower-case letters, digits and _`, { column_id: id });
    if (board.columns.some((x) => x.id === id)) throw invalidArgument(`a column with id ${id} already exists on board ${boardId}`, { column_id: id });
    if (c.title.trim() === '') throw invalidArgument('a column needs a title', {});
    const column: ColumnDef = { id, title: c.title, type, labels: new Map(), colors: new Map(), revision: 1 };
    if (type === 'status') {
      // monday's default labels when none are given.
      const labels = c.labels ?? [{ label: 'Working on it', color: 'working_orange', index: 0 }, { label: 'Done', color: 'done_green', index: 1 }, { label: 'Stuck', color: 'stuck_red', index: 2 }];
      setLabels(column, labels);
    } else if (c.labels?.length) {
      throw invalidArgument(`labels are for status columns; ${id} is ${type}`, { column_id: id });
    }
    const after = c.afterColumnId == null ? -1 : board.columns.findIndex((x) => x.id === c.afterColumnId);
    if (c.afterColumnId != null && after < 0) throw invalidColumnId(c.afterColumnId);
    board.columns.splice(after < 0 ? board.columns.length : after + 1, 0, column);
    return column;
  }

  /** update_status_column: labels added or changed by index; a label not named stays as it is. */
  updateStatusColumn(boardId: string, columnId: string, revision: string, u: { title?: string | null; labels?: readonly StatusLabelInput[] | null }): ColumnDef {
    const board = this.requireBoard(boardId);
    const column = board.columns.find((x) => x.id === columnId);
    if (!column) throw invalidColumnId(columnId);
    if (column.type !== 'status') throw invalidArgument(`column ${columnId} is a ${column.type} column, not a status column`, { column_id: columnId });
    // The emulator's wording; monday documents only that the revision is checked (optimistic concurrency).
    if (revision !== String(column.revision)) throw invalidArgument(`column ${columnId} changed since revision ${revision} (it is at ${column.revision}): read it again`, { column_id: columnId });
    if (u.labels) setLabels(column, u.labels);
    if (u.title) column.title = u.title;
    column.revision++;
    return column;
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
    // monday tells create_item webhooks of a new item, not column-change ones.
    this.apply(item, changes, null);
    return item;
  }

  createUpdate(itemId: string | null | undefined, body: string, creatorId = API_USER_ID): StoredUpdate {
    const item = this.requireItem(itemId);
    const update: StoredUpdate = { id: String(this.nextUpdateId++), itemId: item.id, body, textBody: stripHtml(body), createdAt: this.now(), creatorId };
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
