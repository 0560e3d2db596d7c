// Cursor pagination over a board's items: items_page, next_items_page and items_page_by_column_values.
// A cursor remembers the board, the filter and the last id returned, so pages stay stable while items
// are added or deleted between calls: nothing is returned twice and nothing that existed is skipped.
import { type ColumnDef, displayValue } from './column-values.js';
import { invalidArgument, invalidColumnId } from './errors.js';
import type { Store, StoredBoard, StoredItem } from './store.js';

export const MAX_PAGE_LIMIT = 500;

export interface ItemsQueryRule {
  readonly column_id: string;
  readonly compare_value: unknown;
  readonly operator?: string | null;
}

export interface ItemsQueryGroup {
  readonly rules?: readonly ItemsQueryRule[] | null;
  readonly groups?: readonly ItemsQueryGroup[] | null;
  readonly operator?: 'and' | 'or' | null;
}

export interface ItemsQueryParams extends ItemsQueryGroup {
  readonly ids?: readonly string[] | null;
  readonly order_by?: readonly unknown[] | null;
}

export type ItemFilter =
  | { readonly kind: 'all' }
  | { readonly kind: 'query'; readonly params: ItemsQueryParams }
  | { readonly kind: 'columns'; readonly columns: readonly { readonly column_id: string; readonly column_values: readonly (string | null)[] }[] };

interface CursorState {
  readonly v: 1;
  readonly board: string;
  readonly after: string;
  readonly filter: ItemFilter;
}

export interface ItemsPage {
  readonly cursor: string | null;
  readonly items: readonly StoredItem[];
}

export function checkLimit(limit: number): number {
  // monday documents 500 as the most items_page returns; asking for more is refused here rather than
  // silently clamped, so a client that relies on more than 500 per page fails in tests, not in production.
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw invalidArgument(`limit must be between 1 and ${MAX_PAGE_LIMIT}, got ${limit}`, { limit });
  }
  return limit;
}

function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorState {
  try {
    const state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorState;
    if (state.v === 1 && typeof state.board === 'string' && typeof state.after === 'string' && state.filter) return state;
  } catch {
    // fall through: any undecodable cursor is refused the same way
  }
  throw invalidArgument('Invalid cursor', { cursor });
}

function requireColumn(board: StoredBoard, columnId: string): ColumnDef {
  const column = board.columns.find((c) => c.id === columnId);
  if (!column) throw invalidColumnId(columnId);
  return column;
}

function cellText(board: StoredBoard, item: StoredItem, columnId: string): { text: string; index?: number } {
  const column = requireColumn(board, columnId);
  if (column.type === 'name') return { text: item.name };
  const stored = item.values.get(column.id);
  const text = displayValue(column, stored).text;
  return stored?.type === 'status' ? { text, index: stored.index } : { text };
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function ruleMatches(board: StoredBoard, item: StoredItem, rule: ItemsQueryRule): boolean {
  const cell = cellText(board, item, rule.column_id);
  const values = asList(rule.compare_value);
  const anyOf = (): boolean => values.some((v) =>
    (typeof v === 'number' && cell.index === v) || (typeof v === 'string' && (v === cell.text || (cell.index !== undefined && v === String(cell.index)))));
  const text = cell.text.toLowerCase();
  const first = String(values[0] ?? '').toLowerCase();
  const num = Number(cell.text);
  switch (rule.operator ?? 'any_of') {
    case 'any_of': return anyOf();
    case 'not_any_of': return !anyOf();
    case 'is_empty': return cell.text === '';
    case 'is_not_empty': return cell.text !== '';
    case 'contains_text': return text.includes(first);
    case 'not_contains_text': return !text.includes(first);
    case 'starts_with': return text.startsWith(first);
    case 'ends_with': return text.endsWith(first);
    case 'greater_than': return cell.text !== '' && num > Number(values[0]);
    case 'greater_than_or_equals': return cell.text !== '' && num >= Number(values[0]);
    case 'lower_than': return cell.text !== '' && num < Number(values[0]);
    case 'lower_than_or_equal': return cell.text !== '' && num <= Number(values[0]);
    case 'between': return cell.text !== '' && num >= Number(values[0]) && num <= Number(values[1]);
    default:
      throw invalidArgument(`the emulator does not implement the ${String(rule.operator)} operator; use any_of, is_empty, contains_text or a comparison`);
  }
}

function groupMatches(board: StoredBoard, item: StoredItem, group: ItemsQueryGroup): boolean {
  const results = [
    ...(group.rules ?? []).map((r) => ruleMatches(board, item, r)),
    ...(group.groups ?? []).map((g) => groupMatches(board, item, g)),
  ];
  if (results.length === 0) return true;
  return group.operator === 'or' ? results.some(Boolean) : results.every(Boolean);
}

function matches(board: StoredBoard, item: StoredItem, filter: ItemFilter): boolean {
  switch (filter.kind) {
    case 'all':
      return true;
    case 'query':
      if (filter.params.ids && !filter.params.ids.includes(item.id)) return false;
      return groupMatches(board, item, filter.params);
    case 'columns':
      // monday: columns are ANDed, the values of one column are ORed
      return filter.columns.every((c) => c.column_values.includes(cellText(board, item, c.column_id).text));
  }
}

function ruleColumns(group: ItemsQueryGroup): string[] {
  return [...(group.rules ?? []).map((r) => r.column_id), ...(group.groups ?? []).flatMap(ruleColumns)];
}

/** Refuse a bad filter even on an empty board, as monday validates before it reads. */
function validateFilter(board: StoredBoard, filter: ItemFilter): void {
  if (filter.kind === 'query' && filter.params.order_by && filter.params.order_by.length > 0) {
    throw invalidArgument('the emulator does not implement order_by; items come in creation order');
  }
  const columnIds = filter.kind === 'columns' ? filter.columns.map((c) => c.column_id) : filter.kind === 'query' ? ruleColumns(filter.params) : [];
  for (const id of columnIds) requireColumn(board, id);
}

export function itemsPage(store: Store, boardId: string, filter: ItemFilter, limit: number, after?: string): ItemsPage {
  const board = store.requireBoard(boardId);
  validateFilter(board, filter);
  const afterId = after === undefined ? -Infinity : Number(after);
  const candidates = store.boardItems(boardId).filter((i) => Number(i.id) > afterId && matches(board, i, filter));
  const items = candidates.slice(0, checkLimit(limit));
  const last = items[items.length - 1];
  const cursor = candidates.length > items.length && last
    ? encodeCursor({ v: 1, board: boardId, after: last.id, filter })
    : null;
  return { cursor, items };
}

export function nextItemsPage(store: Store, cursor: string, limit: number): ItemsPage {
  const state = decodeCursor(cursor);
  return itemsPage(store, state.board, state.filter, limit, state.after);
}
