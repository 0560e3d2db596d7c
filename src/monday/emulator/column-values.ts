// How monday reads a written column value and shows a stored one. Pure: no store, no clock (time comes in).
// Write formats follow developer.monday.com column-types reference: status takes {"label"}, {"index"} or a
// label string; text takes a string; numbers take a number or numeric string; "" or null clears.
import { invalidColumnValue, itemNameTooLong, statusLabelMissing } from './errors.js';
import type { EmulatedColumnType } from './seed.js';

export interface ColumnDef {
  readonly id: string;
  title: string;
  readonly type: EmulatedColumnType;
  /** Status columns: index → label. Mutable because create_labels_if_missing adds labels. */
  readonly labels: Map<number, string>;
  /** Status columns: index → colour (monday's StatusColumnColors); a label without one shows its index's default. */
  readonly colors: Map<number, string>;
  /** monday's optimistic-concurrency revision: update_status_column names the revision it read; every change bumps it. */
  revision: number;
}

/** monday's StatusColumnColors, in the order of its status index → colour map (index 0 working_orange, 1 done_green…). */
export const STATUS_COLORS = [
  'working_orange', 'done_green', 'stuck_red', 'dark_blue', 'purple', 'explosive', 'grass_green', 'bright_blue', 'saladish', 'egg_yolk',
  'blackish', 'dark_red', 'sofia_pink', 'lipstick', 'dark_purple', 'bright_green', 'chili_blue', 'american_gray', 'brown', 'dark_orange',
  'sunset', 'bubble', 'peach', 'berry', 'winter', 'river', 'navy', 'aquamarine', 'indigo', 'dark_indigo',
  'pecan', 'lavender', 'royal', 'steel', 'orchid', 'lilac', 'tan', 'sky', 'coffee', 'teal',
] as const;

/** monday's limit of labels in one status column (status column reference). */
export const MAX_STATUS_LABELS = 40;

export const colorOf = (column: ColumnDef, index: number): string => column.colors.get(index) ?? STATUS_COLORS[index % STATUS_COLORS.length]!;

export type StoredValue =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'long_text'; readonly text: string; readonly changedAt: string }
  | { readonly type: 'numbers'; readonly number: string }
  | { readonly type: 'status'; readonly index: number; readonly changedAt: string };

export type ColumnChange =
  | { readonly kind: 'clear' }
  | { readonly kind: 'set'; readonly value: StoredValue; readonly newLabel?: { readonly index: number; readonly label: string } }
  | { readonly kind: 'rename'; readonly name: string };

export interface ParseOptions {
  /** `json`: a value inside column_values / change_column_value; `simple`: change_simple_column_value's string. */
  readonly mode: 'json' | 'simple';
  readonly createLabelsIfMissing: boolean;
  /** ISO timestamp of the write, stored as the status/long text `changed_at`. */
  readonly now: string;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;
const CLEAR: ColumnChange = { kind: 'clear' };

function isEmptyObject(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.keys(raw).length === 0;
}

export function parseColumnInput(column: ColumnDef, raw: unknown, opts: ParseOptions): ColumnChange {
  if (raw === null || raw === undefined || raw === '' || isEmptyObject(raw)) {
    if (column.type === 'name') throw invalidColumnValue(column.id, 'name', 'item name cannot be empty');
    return CLEAR;
  }
  switch (column.type) {
    case 'name':
      if (typeof raw !== 'string') throw invalidColumnValue(column.id, 'name', 'item name must be a string');
      if (raw.length > 255) throw itemNameTooLong(raw.length);
      return { kind: 'rename', name: raw };
    case 'text':
      if (typeof raw === 'string' || typeof raw === 'number') return { kind: 'set', value: { type: 'text', text: String(raw) } };
      throw invalidColumnValue(column.id, 'text', 'a text column takes a string');
    case 'long_text': {
      const text = typeof raw === 'string' ? raw : readTextField(raw);
      if (text === undefined) throw invalidColumnValue(column.id, 'long_text', 'a long text column takes a string or {"text": "..."}');
      return text === '' ? CLEAR : { kind: 'set', value: { type: 'long_text', text, changedAt: opts.now } };
    }
    case 'numbers': {
      const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
      if (text === undefined || !NUMERIC.test(text)) throw invalidColumnValue(column.id, 'numbers', 'a numbers column takes a number');
      return { kind: 'set', value: { type: 'numbers', number: text } };
    }
    case 'status':
      return parseStatus(column, raw, opts);
  }
}

function readTextField(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const text = (raw as Record<string, unknown>)['text'];
  return typeof text === 'string' ? text : undefined;
}

function findLabelIndex(column: ColumnDef, label: string): number | undefined {
  for (const [index, name] of column.labels) if (name === label) return index;
  return undefined;
}

function parseStatus(column: ColumnDef, raw: unknown, opts: ParseOptions): ColumnChange {
  const byIndex = (index: number): ColumnChange => {
    if (!column.labels.has(index)) throw invalidColumnValue(column.id, 'status', 'index does not exist in column');
    return { kind: 'set', value: { type: 'status', index, changedAt: opts.now } };
  };
  const byLabel = (label: string): ColumnChange => {
    const index = findLabelIndex(column, label);
    if (index !== undefined) return { kind: 'set', value: { type: 'status', index, changedAt: opts.now } };
    // change_simple_column_value also accepts the index as a string
    if (opts.mode === 'simple' && /^\d+$/.test(label) && column.labels.has(Number(label))) return byIndex(Number(label));
    if (!opts.createLabelsIfMissing) throw statusLabelMissing(column.id, label);
    const next = column.labels.size === 0 ? 0 : Math.max(...column.labels.keys()) + 1;
    return { kind: 'set', value: { type: 'status', index: next, changedAt: opts.now }, newLabel: { index: next, label } };
  };
  if (typeof raw === 'string') return byLabel(raw);
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const obj = raw as Record<string, unknown>;
    if (typeof obj['label'] === 'string') return obj['label'] === '' ? CLEAR : byLabel(obj['label']);
    const index = obj['index'];
    if (typeof index === 'number' && Number.isInteger(index)) return byIndex(index);
    if (typeof index === 'string' && /^\d+$/.test(index)) return byIndex(Number(index));
  }
  throw invalidColumnValue(column.id, 'status', 'a status column takes {"label": "..."}, {"index": n} or a label');
}

export interface DisplayedValue {
  /** monday's `value`: the stored value as a JSON-encoded string, null when empty. */
  readonly value: string | null;
  /** monday's `text`: what the board shows, "" when empty. */
  readonly text: string;
}

export function displayValue(column: ColumnDef, stored: StoredValue | undefined): DisplayedValue {
  if (stored === undefined) return { value: null, text: '' };
  switch (stored.type) {
    case 'text':
      return { value: JSON.stringify(stored.text), text: stored.text };
    case 'long_text':
      return { value: JSON.stringify({ text: stored.text, changed_at: stored.changedAt }), text: stored.text };
    case 'numbers':
      // monday stores numbers as a JSON string: value is "\"42\""
      return { value: JSON.stringify(stored.number), text: stored.number };
    case 'status':
      return {
        value: JSON.stringify({ index: stored.index, post_id: null, changed_at: stored.changedAt }),
        text: column.labels.get(stored.index) ?? '',
      };
  }
}

/**
 * monday's `settings` (JSON) of API 2025-10 and later: a status column's labels as a list with their index, colour
 * and id (the shape UpdateStatusLabelInput takes back), "{}" for other types.
 */
export function columnSettingsJson(column: ColumnDef): Record<string, unknown> {
  if (column.type !== 'status') return {};
  return {
    labels: [...column.labels].sort((a, b) => a[0] - b[0])
      .map(([index, label]) => ({ id: index, index, label, color: colorOf(column, index), is_done: false, is_deactivated: false })),
  };
}

/** monday's settings_str (deprecated since 2025-10): the labels of a status column keyed by index, "{}" for other types. */
export function columnSettings(column: ColumnDef): Record<string, unknown> {
  if (column.type !== 'status') return {};
  const labels: Record<string, string> = {};
  for (const [index, label] of [...column.labels].sort((a, b) => a[0] - b[0])) labels[String(index)] = label;
  return { labels };
}
