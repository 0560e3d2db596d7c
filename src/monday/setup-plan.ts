// What `ladder monday setup` decides and sends (src/monday/setup.ts runs it): the columns Ladder needs, the plan
// from the board as read (pure), and one mutation per change. Mutations (monday API 2026-10): create_column
// (text), create_status_column (status, with its labels), update_status_column (labels added to an existing
// status column, at the revision read).
import { STAGE_KEYS, type MondayConfig } from './config.js';
import type { Session } from './session.js';
import { COMPLEXITY } from './session.js';
import { errorsByAlias } from './transport.js';
import { reasonOf } from './error-rules.js';

export type ColumnKey = keyof MondayConfig['columns'];
type ColumnType = 'text' | 'numbers' | 'status';

/** A column Ladder reads or writes: who owns it (the customer's are never created), its type and the labels Ladder writes. */
export type WantedColumn = { key: ColumnKey; title: string; type: ColumnType; labels: string[]; owner: 'ladder' | 'board' };

/** What the board must have for Ladder: the customer's five LQ 6 fields (minus the name) and Ladder's own. */
export function wantedColumns(cfg: MondayConfig): WantedColumn[] {
  const l = cfg.labels;
  const unique = (xs: string[]) => [...new Set(xs)];
  return [
    { key: 'domain', title: 'Domain', type: 'text', labels: [], owner: 'board' },
    { key: 'hq', title: 'HQ Location', type: 'text', labels: [], owner: 'board' },
    { key: 'tier', title: 'Tier', type: 'status', labels: unique(Object.values(l.tier)), owner: 'board' },
    { key: 'icpScore', title: 'ICP Score', type: 'numbers', labels: [], owner: 'board' },
    { key: 'stage', title: 'Stage', type: 'status', labels: unique(STAGE_KEYS.map((k) => l.stage[k])), owner: 'ladder' },
    { key: 'firstTouch', title: 'First touch', type: 'text', labels: [], owner: 'ladder' },
    { key: 'sla', title: 'SLA', type: 'status', labels: unique([l.sla.ok, l.sla.breach]), owner: 'ladder' },
    { key: 'priority', title: 'Priority', type: 'status', labels: unique([l.priority.normal, l.priority.high]), owner: 'ladder' },
    { key: 'croDecision', title: 'CRO decision', type: 'status', labels: unique([l.croDecision.confirm, l.croDecision.dispute, l.croDecision.flag]), owner: 'ladder' },
    { key: 'sequence', title: 'Sequence', type: 'text', labels: [], owner: 'ladder' },
    { key: 'optOut', title: 'Opt-out', type: 'status', labels: unique([l.optOut.ok, l.optOut.optedOut, l.optOut.hostile]), owner: 'ladder' },
  ];
}

export type BoardLabel = { index: number; label: string; color: string | null; id: number | null };
export type BoardColumn = { id: string; title: string; type: string; revision: string; labels: BoardLabel[] };

/** What setup does (or, in a dry run, would do) about one column. */
export type ColumnAction = 'none' | 'create' | 'addLabels' | 'adopt' | 'problem';
export type ColumnReport = {
  key: ColumnKey; id: string; title: string; type: ColumnType; action: ColumnAction;
  /** Labels created with the column or added to it. */
  labels: string[];
  /** Done (false in a dry run, or when monday refused it). */
  done: boolean;
};
export type SetupProblem = { key: ColumnKey; columnId: string; message: string; fix: string };
export type SetupPlan = { board: { id: string; name: string }; columns: ColumnReport[]; problems: SetupProblem[]; revisions: Map<string, BoardColumn> };

// monday's status index 5 is the grey default ("no label") of a status column; new labels never take it.
const RESERVED_INDEX = 5;
// Colours of new labels by position, from monday's StatusColumnColors.
const PALETTE = ['working_orange', 'done_green', 'stuck_red', 'dark_blue', 'purple', 'grass_green', 'bright_blue', 'saladish', 'egg_yolk', 'dark_red',
  'sofia_pink', 'lipstick', 'dark_purple', 'bright_green', 'chili_blue', 'american_gray', 'brown', 'dark_orange', 'sunset', 'bubble', 'peach', 'berry',
  'winter', 'river', 'navy', 'aquamarine', 'indigo', 'dark_indigo', 'pecan', 'lavender', 'royal', 'steel', 'orchid', 'lilac', 'tan', 'sky', 'coffee', 'teal'] as const;

const isStatus = (type: string) => type === 'status' || type === 'color';
const typeFits = (want: ColumnType, got: string) => (want === 'status' ? isStatus(got) : got === want);

export const BOARD_COLUMNS = `query BoardColumns($board: [ID!]) { ${COMPLEXITY} boards(ids: $board) { id name columns { id title type revision settings } } }`;
const CREATE_TEXT = `mutation CreateColumn($board: ID!, $id: String, $title: String!, $type: ColumnType!) { ${COMPLEXITY}
  create_column(board_id: $board, id: $id, title: $title, column_type: $type) { id title type revision } }`;
const CREATE_STATUS = `mutation CreateStatusColumn($board: ID!, $id: String, $title: String!, $defaults: CreateStatusColumnSettingsInput) { ${COMPLEXITY}
  create_status_column(board_id: $board, id: $id, title: $title, defaults: $defaults) { id title type revision } }`;
const ADD_LABELS = `mutation AddStatusLabels($board: ID!, $id: String!, $revision: String!, $settings: UpdateStatusColumnSettingsInput) { ${COMPLEXITY}
  update_status_column(board_id: $board, id: $id, revision: $revision, settings: $settings) { id revision } }`;

/**
 * A status column's labels from its `settings` JSON: the list of API 2025-10 and later ({labels: [{id, index, label,
 * color}]}) or the older map of index → label ({labels: {"0": "Done"}}), whichever the board answers.
 */
export function labelsOf(settings: unknown): BoardLabel[] {
  let s = settings;
  if (typeof s === 'string') { try { s = JSON.parse(s); } catch { return []; } }
  const raw = (s as { labels?: unknown } | null)?.labels;
  if (Array.isArray(raw)) {
    return raw.flatMap((l: { id?: unknown; index?: unknown; label?: unknown; name?: unknown; color?: unknown; is_deactivated?: unknown }) => {
      const label = typeof l.label === 'string' ? l.label : typeof l.name === 'string' ? l.name : null;
      const index = typeof l.index === 'number' ? l.index : typeof l.id === 'number' ? l.id : null;
      if (label === null || index === null || l.is_deactivated === true) return [];
      return [{ index, label, color: typeof l.color === 'string' ? l.color : null, id: typeof l.id === 'number' ? l.id : null }];
    });
  }
  if (raw && typeof raw === 'object') {
    return Object.entries(raw as Record<string, unknown>).flatMap(([i, label]) => (typeof label === 'string' && /^\d+$/.test(i) ? [{ index: Number(i), label, color: null, id: null }] : []));
  }
  return [];
}

/** The next `n` free label indexes (never monday's default index 5). */
function freeIndexes(used: readonly number[], n: number): number[] {
  const taken = new Set([...used, RESERVED_INDEX]);
  const out: number[] = [];
  for (let i = 0; out.length < n; i++) if (!taken.has(i)) out.push(i);
  return out;
}
const colorFor = (index: number) => PALETTE[index % PALETTE.length]!;

/** Decides what to do, from the board as read; pure. */
export function planSetup(cfg: MondayConfig, board: { id: string; name: string; columns: BoardColumn[] }): SetupPlan {
  const columns: ColumnReport[] = [];
  const problems: SetupProblem[] = [];
  const revisions = new Map(board.columns.map((c) => [c.id, c]));
  for (const want of wantedColumns(cfg)) {
    const configured = cfg.columns[want.key];
    const setting = `monday.columns.${want.key}`;
    let col = board.columns.find((c) => c.id === configured);
    let action: ColumnAction = 'none';
    if (col && !typeFits(want.type, col.type)) {
      problems.push({
        key: want.key, columnId: col.id,
        message: `column ${col.id} ("${col.title}") is a ${col.type} column; Ladder ${want.owner === 'ladder' ? 'writes' : 'reads'} ${want.type === 'status' ? 'status labels' : want.type} there`,
        fix: `point ${setting} at a ${want.type} column (ladder settings set ${setting} ID)${want.owner === 'ladder' ? `, or delete or rename column ${col.id} on the board and run ladder monday setup again to create one` : ''}`,
      });
      columns.push({ key: want.key, id: col.id, title: col.title, type: want.type, action: 'problem', labels: [], done: false });
      continue;
    }
    if (!col) {
      // Made by hand (or by an earlier setup under another id): the same title and type is adopted, not duplicated.
      col = board.columns.find((c) => c.title.trim().toLowerCase() === want.title.toLowerCase() && typeFits(want.type, c.type));
      if (col) action = 'adopt';
    }
    if (!col) {
      if (want.owner === 'board') {
        problems.push({
          key: want.key, columnId: configured,
          message: `the board has no column ${configured} (${want.title}, ${want.type}): it is the customer's own (LQ 6), so setup does not create it`,
          fix: `set ${setting} to the id of the board's ${want.title} column (ladder settings set ${setting} ID; the ids are in the column's menu, "Column id")`,
        });
        columns.push({ key: want.key, id: configured, title: want.title, type: want.type, action: 'problem', labels: [], done: false });
      } else {
        columns.push({ key: want.key, id: configured, title: want.title, type: want.type, action: 'create', labels: want.labels, done: false });
      }
      continue;
    }
    const have = new Set(col.labels.map((l) => l.label));
    const missing = want.type === 'status' ? want.labels.filter((l) => !have.has(l)) : [];
    columns.push({ key: want.key, id: col.id, title: col.title, type: want.type, action: missing.length ? 'addLabels' : action, labels: missing, done: false });
  }
  return { board: { id: board.id, name: board.name }, columns, problems, revisions };
}

export type SetupRead = { kind: 'board'; board: { id: string; name: string; columns: BoardColumn[] } } | { kind: 'again' } | { kind: 'error'; reason: string };

/** The board's columns with their type, revision and labels. */
export async function readColumns(session: Session, boardId: string): Promise<SetupRead> {
  const out = await session.send({ query: BOARD_COLUMNS, variables: { board: [boardId] }, ops: 1 });
  if (out.kind === 'again') return { kind: 'again' };
  if (out.kind === 'gaveUp' || out.kind === 'fatal') return { kind: 'error', reason: out.reason };
  const b = (out.data.boards as { id: string; name: string; columns: { id: string; title: string; type: string; revision: string; settings: unknown }[] }[] | null)?.[0];
  if (!b) return { kind: 'error', reason: `board ${boardId} not found (or not shared with the token's user): check the board id (ladder settings set monday.boardId ID)` };
  return { kind: 'board', board: { id: b.id, name: b.name, columns: b.columns.map((c) => ({ id: c.id, title: c.title, type: c.type, revision: c.revision, labels: labelsOf(c.settings) })) } };
}

export type Applied = { kind: 'done'; id: string } | { kind: 'refused'; reason: string } | { kind: 'again' } | { kind: 'error'; reason: string };

/** One planned change, as one mutation. */
export async function applyColumn(session: Session, boardId: string, c: ColumnReport, current: BoardColumn | undefined): Promise<Applied> {
  let doc: { query: string; variables: Record<string, unknown>; field: string };
  if (c.action === 'create' && c.type !== 'status') {
    doc = { query: CREATE_TEXT, variables: { board: boardId, id: c.id, title: c.title, type: c.type }, field: 'create_column' };
  } else if (c.action === 'create') {
    const indexes = freeIndexes([], c.labels.length);
    doc = { query: CREATE_STATUS, variables: { board: boardId, id: c.id, title: c.title, defaults: { labels: c.labels.map((label, k) => ({ label, color: colorFor(indexes[k]!), index: indexes[k]! })) } }, field: 'create_status_column' };
  } else {
    const existing = current?.labels ?? [];
    const indexes = freeIndexes(existing.map((l) => l.index), c.labels.length);
    // Every label is named, the existing ones as they are: whether monday keeps the labels an update does not
    // name is not documented, so none is left to chance.
    const labels = [
      ...existing.map((l) => ({ ...(l.id === null ? {} : { id: l.id }), label: l.label, color: l.color ?? colorFor(l.index), index: l.index })),
      ...c.labels.map((label, k) => ({ label, color: colorFor(indexes[k]!), index: indexes[k]! })),
    ];
    doc = { query: ADD_LABELS, variables: { board: boardId, id: c.id, revision: current?.revision ?? '', settings: { labels } }, field: 'update_status_column' };
  }
  const out = await session.send({ query: doc.query, variables: doc.variables, ops: 1 });
  if (out.kind === 'again') return { kind: 'again' };
  if (out.kind === 'gaveUp') return { kind: 'error', reason: out.reason };
  if (out.kind === 'fatal') return out.code && out.code !== 'Unauthorized' ? { kind: 'refused', reason: out.reason } : { kind: 'error', reason: out.reason };
  const answer = out.data[doc.field] as { id?: string } | null | undefined;
  if (answer?.id) return { kind: 'done', id: answer.id };
  const e = errorsByAlias(out.errors).get(doc.field);
  return { kind: 'refused', reason: e ? reasonOf(e) : `monday answered ${doc.field} without a column` };
}

/** The fix a person applies by hand when monday refused a change. */
export function manualFix(c: ColumnReport, boardId: string): string {
  const setting = `monday.columns.${c.key}`;
  if (c.action === 'create') {
    const labels = c.type === 'status' ? ` with the labels ${c.labels.map((l) => JSON.stringify(l)).join(', ')}` : '';
    return `on board ${boardId}, add a ${c.type} column titled "${c.title}"${labels}; then run ladder monday setup again (it finds the column by its title), or ladder settings set ${setting} ID`;
  }
  return `on board ${boardId}, open column "${c.title}" (${c.id}) → Edit labels and add ${c.labels.map((l) => JSON.stringify(l)).join(', ')}; then run ladder monday setup again`;
}
