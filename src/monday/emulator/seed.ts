// What a board looks like before the emulator starts: plain data, reusable by tests and the demo.

/** Column types the emulator models. `name` is the item name; monday lists it as a column but not in column_values. */
export const EMULATED_COLUMN_TYPES = ['name', 'text', 'long_text', 'numbers', 'status'] as const;
export type EmulatedColumnType = (typeof EMULATED_COLUMN_TYPES)[number];

export interface ColumnSeed {
  readonly id: string;
  readonly title: string;
  readonly type: EmulatedColumnType;
  /** Status columns only: labels in index order (index 0 first). */
  readonly labels?: readonly string[];
}

export interface ItemSeed {
  /** monday item ids are numeric strings; omitted ids are allocated by the emulator. */
  readonly id?: string;
  readonly name: string;
  readonly groupId?: string;
  /** Column values in the form `change_multiple_column_values` accepts, e.g. `{ status_stage: { label: 'MQL' } }`. */
  readonly values?: Readonly<Record<string, unknown>>;
}

export interface BoardSeed {
  readonly id: string;
  readonly name: string;
  readonly columns: readonly ColumnSeed[];
  readonly groups?: readonly { readonly id: string; readonly title: string }[];
  readonly items?: readonly ItemSeed[];
}

export const PROSPECTS_BOARD_ID = '18406915789';

/** Column ids of the Prospects board; the first five are the customer's, the rest are Ladder's own. */
export const PROSPECTS_COLUMNS = {
  name: 'name',
  domain: 'text_mm218qe9',
  hqLocation: 'text_mm21caks',
  tier: 'color_mm217sw4',
  icpScore: 'numeric_mm216nk9',
  stage: 'status_stage',
  firstTouch: 'text_first_touch',
  sla: 'status_sla',
  priority: 'status_priority',
  sequence: 'text_sequence',
  optOut: 'status_opt_out',
} as const;

export const STAGE_LABELS = [
  'PROSPECT', 'MQL', 'SQL: dossier', 'SQL: review', 'SQL: confirmed', 'BRIEFING_READY',
  'ASSESSMENT_QUALIFIED', 'WON', 'DISQUALIFIED', 'RECYCLED', 'ARCHIVED',
] as const;

export const PROSPECTS_BOARD: BoardSeed = {
  id: PROSPECTS_BOARD_ID,
  name: 'Prospects',
  groups: [{ id: 'topics', title: 'Prospects' }],
  columns: [
    { id: PROSPECTS_COLUMNS.name, title: 'Name', type: 'name' },
    { id: PROSPECTS_COLUMNS.domain, title: 'Domain', type: 'text' },
    { id: PROSPECTS_COLUMNS.hqLocation, title: 'HQ Location', type: 'text' },
    { id: PROSPECTS_COLUMNS.tier, title: 'Tier', type: 'status', labels: ['Tier 1', 'Tier 2', 'Tier 3', 'Network', 'Reject'] },
    { id: PROSPECTS_COLUMNS.icpScore, title: 'ICP Score', type: 'numbers' },
    { id: PROSPECTS_COLUMNS.stage, title: 'Stage', type: 'status', labels: STAGE_LABELS },
    { id: PROSPECTS_COLUMNS.firstTouch, title: 'First touch', type: 'text' },
    { id: PROSPECTS_COLUMNS.sla, title: 'SLA', type: 'status', labels: ['OK', 'BREACH'] },
    { id: PROSPECTS_COLUMNS.priority, title: 'Priority', type: 'status', labels: ['normal', 'high'] },
    { id: PROSPECTS_COLUMNS.sequence, title: 'Sequence', type: 'text' },
    { id: PROSPECTS_COLUMNS.optOut, title: 'Opt-out', type: 'status', labels: ['ok', 'OPTED OUT', 'HOSTILE'] },
  ],
  items: [],
};
