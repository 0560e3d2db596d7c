// The part of monday's schema Ladder uses, as root values for graphql's `execute`. Objects are plain views
// whose function-valued fields graphql's default resolver calls with (args, context): a field that is not
// modelled here resolves to undefined, which the schema turns into null or a non-null error, as it should.
import type { ComplexityReading } from './complexity.js';
import { type ColumnDef, columnSettings, columnSettingsJson, displayValue } from './column-values.js';
import { invalidArgument, invalidColumnValuesJson } from './errors.js';
import { type ItemFilter, type ItemsPage, type ItemsQueryParams, itemsPage, nextItemsPage, decodeCursor } from './items-page.js';
import type { StatusLabelInput, Store, StoredBoard, StoredItem, StoredUpdate } from './store.js';
import type { WebhookRecord, Webhooks } from './webhooks.js';

export interface ResolverContext {
  readonly complexity: ComplexityReading;
}

type View = Record<string, unknown>;

const EMULATOR_HOST = 'https://ladder-emulator.monday.com';
const COLUMN_VALUE_TYPENAMES: Record<ColumnDef['type'], string> = {
  name: 'TextValue', text: 'TextValue', long_text: 'LongTextValue', numbers: 'NumbersValue', status: 'StatusValue',
};

export function columnView(column: ColumnDef): View {
  return {
    id: column.id, title: column.title, type: column.type, description: null, width: null, archived: false,
    settings: columnSettingsJson(column), settings_str: JSON.stringify(columnSettings(column)), revision: String(column.revision),
    capabilities: { calculated: null, visibility: null },
  };
}

function webhookView(hook: WebhookRecord): View {
  return { id: hook.id, board_id: hook.boardId, event: hook.event, config: hook.config };
}

function columnValueView(column: ColumnDef, item: StoredItem): View {
  const stored = item.values.get(column.id);
  const shown = displayValue(column, stored);
  const base: View = {
    __typename: COLUMN_VALUE_TYPENAMES[column.type], id: column.id, type: column.type, text: shown.text, value: shown.value,
    column: columnView(column), is_leaf: true,
  };
  if (stored?.type === 'status') {
    return { ...base, index: stored.index, label: shown.text, is_done: false, updated_at: stored.changedAt, update_id: null };
  }
  if (column.type === 'status') return { ...base, index: null, label: null, is_done: false, updated_at: null, update_id: null };
  if (column.type === 'numbers') return { ...base, number: stored?.type === 'numbers' ? Number(stored.number) : null, symbol: null, direction: null };
  if (stored?.type === 'long_text') return { ...base, updated_at: stored.changedAt };
  return base;
}

function updateView(update: StoredUpdate): View {
  return {
    id: update.id, body: update.body, text_body: update.textBody, created_at: update.createdAt, updated_at: update.createdAt,
    edited_at: update.createdAt, creator_id: update.creatorId, item_id: update.itemId, likes: [], pinned_to_top: [], viewers: [], replies: [],
  };
}

interface ColumnArgs { ids?: readonly string[] | null; types?: readonly string[] | null }
interface PageArgs { limit: number; cursor?: string | null; query_params?: ItemsQueryParams | null }

function pickColumns(columns: readonly ColumnDef[], args: ColumnArgs): ColumnDef[] {
  return columns.filter((c) => (!args.ids || args.ids.includes(c.id)) && (!args.types || args.types.includes(c.type)));
}

function pageView(store: Store, page: ItemsPage): View {
  return { cursor: page.cursor, items: page.items.map((i) => itemView(store, i)) };
}

function boardPage(store: Store, boardId: string, args: PageArgs): ItemsPage {
  if (args.cursor) {
    if (decodeCursor(args.cursor).board !== boardId) throw invalidArgument('cursor belongs to another board', { board_id: boardId });
    return nextItemsPage(store, args.cursor, args.limit);
  }
  const filter: ItemFilter = args.query_params ? { kind: 'query', params: args.query_params } : { kind: 'all' };
  return itemsPage(store, boardId, filter, args.limit);
}

// Group.items_page is not modelled: Ladder pages through the board, never a group.
function groupView(group: { id: string; title: string }, position: number): View {
  return { id: group.id, title: group.title, color: '#579bfc', position: String(position), archived: false, deleted: false };
}

export function boardView(store: Store, board: StoredBoard): View {
  return {
    id: board.id, name: board.name, state: 'active', board_kind: 'public', permissions: 'everyone', description: null,
    url: `${EMULATOR_HOST}/boards/${board.id}`, workspace_id: null,
    items_count: () => store.boardItems(board.id).length,
    columns: (args: ColumnArgs) => pickColumns(board.columns, args).map(columnView),
    groups: () => board.groups.map((g, i) => groupView(g, i)),
    top_group: () => groupView(board.groups[0] ?? { id: 'topics', title: 'Group Title' }, 0),
    items_page: (args: PageArgs) => pageView(store, boardPage(store, board.id, args)),
  };
}

export function itemView(store: Store, item: StoredItem): View {
  const board = store.requireBoard(item.boardId);
  return {
    id: item.id, name: item.name, state: 'active', created_at: item.createdAt, updated_at: item.updatedAt, creator_id: '1',
    email: `pulse-${item.id}@ladder-emulator.monday.com`, url: `${EMULATOR_HOST}/boards/${item.boardId}/pulses/${item.id}`,
    relative_link: `/boards/${item.boardId}/pulses/${item.id}`, subscribers: [], subitems: [], linked_items: [],
    board: () => boardView(store, board),
    group: () => {
      const index = board.groups.findIndex((g) => g.id === item.groupId);
      const group = board.groups[index];
      return group ? groupView(group, index) : null;
    },
    column_values: (args: ColumnArgs) => pickColumns(board.columns.filter((c) => c.type !== 'name'), args).map((c) => columnValueView(c, item)),
    updates: (args: { limit: number; page: number; ids?: readonly string[] | null }) => {
      const newestFirst = [...item.updates].reverse().filter((u) => !args.ids || args.ids.includes(u.id));
      return newestFirst.slice((args.page - 1) * args.limit, args.page * args.limit).map(updateView);
    },
  };
}

/** A JSON scalar argument arrives as a JSON-encoded string (what the SDK sends) or as an object literal. */
function readJsonArgument(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw invalidColumnValuesJson();
  }
}

function readColumnValues(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  const parsed = readJsonArgument(value);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidColumnValuesJson();
  return parsed as Record<string, unknown>;
}

export function queryRoot(store: Store, webhooks: Webhooks): View {
  return {
    webhooks: (args: { board_id: string }) => {
      store.requireBoard(args.board_id);
      return webhooks.list(args.board_id).map(webhookView);
    },
    boards: (args: { ids?: readonly string[] | null; limit: number; page: number }) => {
      const boards = args.ids
        ? args.ids.map((id) => store.boards.get(id)).filter((b): b is StoredBoard => b !== undefined)
        : [...store.boards.values()].slice((args.page - 1) * args.limit, args.page * args.limit);
      return boards.map((b) => boardView(store, b));
    },
    items: (args: { ids?: readonly string[] | null; limit: number; page: number }) => {
      const items = args.ids
        ? args.ids.map((id) => store.items.get(id)).filter((i): i is StoredItem => i !== undefined)
        : [...store.items.values()].slice((args.page - 1) * args.limit, args.page * args.limit);
      return items.map((i) => itemView(store, i));
    },
    next_items_page: (args: { cursor: string; limit: number }) => pageView(store, nextItemsPage(store, args.cursor, args.limit)),
    items_page_by_column_values: (args: {
      board_id: string; limit: number; cursor?: string | null;
      columns?: readonly { column_id: string; column_values: readonly (string | null)[] }[] | null;
    }) => pageView(store, args.cursor
      ? nextItemsPage(store, args.cursor, args.limit)
      : itemsPage(store, args.board_id, { kind: 'columns', columns: args.columns ?? [] }, args.limit)),
    complexity: (_args: unknown, context: ResolverContext) => context.complexity,
    me: () => ({ id: '1', name: 'Ladder Emulator', email: 'emulator@ladder.invalid', title: 'Emulator', url: `${EMULATOR_HOST}/users/1`, account_id: '1', kind: 'admin', is_deleted: false, is_email_confirmed: true }),
  };
}

interface WriteArgs { board_id: string; item_id?: string | null; create_labels_if_missing?: boolean | null }

interface ColumnArgsIn { board_id: string; id?: string | null; title: string; after_column_id?: string | null }

export function mutationRoot(store: Store, webhooks: Webhooks): View {
  const labels = (args: WriteArgs) => args.create_labels_if_missing === true;
  return {
    create_column: (args: ColumnArgsIn & { column_type: string; defaults?: unknown }) => {
      const defaults = args.defaults == null ? null : readJsonArgument(args.defaults) as { labels?: unknown } | null;
      // The generic mutation takes a status column's labels as {"labels": [{label, color, index}]} (or the older
      // {"labels": {"0": "…"}}); the typed create_status_column below is what Ladder sends.
      const raw = defaults?.labels;
      const statusLabels: StatusLabelInput[] | null = Array.isArray(raw) ? raw as StatusLabelInput[]
        : raw && typeof raw === 'object' ? Object.entries(raw as Record<string, string>).map(([i, label]) => ({ label, color: 'explosive', index: Number(i) })) : null;
      return columnView(store.createColumn(args.board_id, { id: args.id, title: args.title, type: args.column_type, labels: statusLabels, afterColumnId: args.after_column_id }));
    },
    create_status_column: (args: ColumnArgsIn & { defaults?: { labels: StatusLabelInput[] } | null }) => columnView(store.createColumn(args.board_id, {
      id: args.id, title: args.title, type: 'status', labels: args.defaults?.labels ?? null, afterColumnId: args.after_column_id,
    })),
    update_status_column: (args: { board_id: string; id: string; revision: string; title?: string | null; settings?: { labels: StatusLabelInput[] } | null }) => columnView(
      store.updateStatusColumn(args.board_id, args.id, args.revision, { title: args.title, labels: args.settings?.labels ?? null })),
    create_webhook: async (args: { board_id: string; url: string; event: string; config?: unknown }) => webhookView(
      await webhooks.create(store, args.board_id, args.url, args.event, args.config == null ? null : readJsonArgument(args.config))),
    delete_webhook: (args: { id: string }) => webhookView(webhooks.delete(args.id)),
    complexity: (_args: unknown, context: ResolverContext) => context.complexity,
    change_multiple_column_values: (args: WriteArgs & { column_values: unknown }) => itemView(store, store.changeColumnValues(
      args.board_id, args.item_id, readColumnValues(args.column_values), { mode: 'json', createLabelsIfMissing: labels(args) })),
    change_column_value: (args: WriteArgs & { column_id: string; value: unknown }) => itemView(store, store.changeColumnValues(
      args.board_id, args.item_id, { [args.column_id]: readJsonArgument(args.value) }, { mode: 'json', createLabelsIfMissing: labels(args) })),
    change_simple_column_value: (args: WriteArgs & { column_id: string; value?: string | null }) => itemView(store, store.changeColumnValues(
      args.board_id, args.item_id, { [args.column_id]: args.value ?? null }, { mode: 'simple', createLabelsIfMissing: labels(args) })),
    create_item: (args: WriteArgs & { item_name: string; column_values?: unknown; group_id?: string | null }) => itemView(store, store.createItem(
      args.board_id, args.item_name, readColumnValues(args.column_values), { mode: 'json', createLabelsIfMissing: labels(args) }, args.group_id)),
    create_update: (args: { item_id?: string | null; parent_id?: string | null; body: string }) => {
      if (args.parent_id) throw invalidArgument('the emulator does not implement replies (parent_id); post to item_id');
      if (!args.item_id) throw invalidArgument('create_update needs item_id', {});
      return updateView(store.createUpdate(args.item_id, args.body));
    },
  };
}
