// The monday board configuration (issue 4), validated by zod. Defaults follow the SOP's Prospects board
// (LQ 6) plus Ladder's own columns; every id and label is a setting of the database (ladder settings set monday.…).
// The token is never configuration: MONDAY_API_TOKEN, or a file path named by tokenFile.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TIERS } from '../../machines/types.js';
import { BadInputError, describeZodIssues } from '../engine/errors.js';

export const STAGE_KEYS = ['PROSPECT', 'MQL', 'MQL.dossier', 'MQL.nurture', 'SQL.dossier', 'SQL.review', 'SQL.confirmed', 'BRIEFING_READY', 'ASSESSMENT_QUALIFIED', 'WON', 'DISQUALIFIED', 'RECYCLED', 'ARCHIVED'] as const;
export type StageKey = (typeof STAGE_KEYS)[number];

// Decision: both MQL sub-states show as "MQL" by default, so a board set up before they existed keeps its
// labels; an MQL that owes its dossier past the SLA shows BREACH in the SLA column. Give them labels of their
// own (labels.stage["MQL.dossier"]) once the board has them.
const DEFAULT_STAGE_LABELS: Record<StageKey, string> = {
  PROSPECT: 'PROSPECT', MQL: 'MQL', 'MQL.dossier': 'MQL', 'MQL.nurture': 'MQL', 'SQL.dossier': 'SQL: dossier', 'SQL.review': 'SQL: review', 'SQL.confirmed': 'SQL: confirmed',
  BRIEFING_READY: 'BRIEFING_READY', ASSESSMENT_QUALIFIED: 'ASSESSMENT_QUALIFIED', WON: 'WON', DISQUALIFIED: 'DISQUALIFIED', RECYCLED: 'RECYCLED', ARCHIVED: 'ARCHIVED',
};
const DEFAULT_TIER_LABELS: Record<(typeof TIERS)[number], string> = { 'Tier 1': 'Tier 1', 'Tier 2': 'Tier 2', 'Tier 3': 'Tier 3', Network: 'Network', Reject: 'Reject' };

const columnId = z.string().regex(/^[a-z0-9_]+$/, 'a monday column id: lower-case letters, digits and _');

export const MondayConfigSchema = z.object({
  enabled: z.boolean().default(true),
  boardId: z.string().regex(/^\d+$/, 'a numeric monday board id').default('18406915789'),
  apiVersion: z.string().regex(/^\d{4}-\d{2}$/, 'a monday API version like 2026-10').default('2026-10'),
  /** Else MONDAY_API_ENDPOINT, else monday's public endpoint. */
  endpoint: z.url().optional(),
  /** A file holding the token (alternative to MONDAY_API_TOKEN). */
  tokenFile: z.string().optional(),
  columns: z.object({
    domain: columnId.default('text_mm218qe9'),
    hq: columnId.default('text_mm21caks'),
    tier: columnId.default('color_mm217sw4'),
    icpScore: columnId.default('numeric_mm216nk9'),
    stage: columnId.default('status_stage'),
    firstTouch: columnId.default('text_first_touch'),
    sla: columnId.default('status_sla'),
    priority: columnId.default('status_priority'),
    /** Issue 13: the CRO's decision, set on the board (Confirm / Dispute / Flag) and applied through the webhook. */
    croDecision: columnId.default('status_cro_decision'),
    /** Issue 15: the account's email sequence and step ("Nurture-MQL 3/5", "paused (ooo) until …"), and the opt-out flag. */
    sequence: columnId.default('text_sequence'),
    optOut: columnId.default('status_opt_out'),
  }).strict().prefault({}),
  labels: z.object({
    // Partial records over the defaults: renaming one label must not mean restating all of them
    // (zod 4's z.record over an enum demands every key).
    stage: z.partialRecord(z.enum(STAGE_KEYS), z.string().min(1)).default({}).transform((o) => ({ ...DEFAULT_STAGE_LABELS, ...o })),
    tier: z.partialRecord(z.enum(TIERS), z.string().min(1)).default({}).transform((o) => ({ ...DEFAULT_TIER_LABELS, ...o })),
    sla: z.object({ ok: z.string().min(1).default('OK'), breach: z.string().min(1).default('BREACH') }).strict().prefault({}),
    priority: z.object({ normal: z.string().min(1).default('normal'), high: z.string().min(1).default('high') }).strict().prefault({}),
    croDecision: z.object({
      confirm: z.string().min(1).default('Confirm'), dispute: z.string().min(1).default('Dispute'), flag: z.string().min(1).default('Flag'),
    }).strict().prefault({}),
    optOut: z.object({
      ok: z.string().min(1).default('ok'), optedOut: z.string().min(1).default('OPTED OUT'), hostile: z.string().min(1).default('HOSTILE'),
    }).strict().prefault({}),
  }).strict().prefault({}),
  /**
   * The board's webhook (ladder monday webhook register URL): its monday id and the URL it calls. The URL is also
   * the audience (`aud`) every delivery's JWT must name: the endpoint monday was told, not a guess from the request.
   */
  webhook: z.object({
    id: z.string().regex(/^\d+$/, 'a numeric monday webhook id').optional(),
    url: z.url({ protocol: /^https?$/, message: 'the public URL of POST /monday/webhook, e.g. https://ladder.example.com/monday/webhook' }).optional(),
  }).strict().prefault({}),
  /** Item matching: stored item id; else the Domain column (items_page_by_column_values); else create_item when allowed. */
  createItems: z.boolean().default(true),
  /** Push after sweep and after every command that changed an account. */
  pushAfterCommands: z.boolean().default(false),
  batch: z.object({
    itemsPerRequest: z.number().int().min(1).max(200).default(50),
    mutationsPerRequest: z.number().int().min(1).max(500).default(100),
    lookupValuesPerRequest: z.number().int().min(1).max(500).default(100),
  }).strict().prefault({}),
  retry: z.object({
    maxAttempts: z.number().int().min(1).max(50).default(8),
    baseDelayMs: z.number().int().min(0).default(500),
    maxDelayMs: z.number().int().min(0).default(60_000),
    timeoutMs: z.number().int().min(100).default(20_000),
  }).strict().prefault({}),
}).strict();
export type MondayConfig = z.infer<typeof MondayConfigSchema>;

export const MONDAY_PUBLIC_ENDPOINT = 'https://api.monday.com/v2';

export function parseMondayConfig(raw: unknown): MondayConfig {
  const r = MondayConfigSchema.safeParse(raw ?? {});
  if (!r.success) throw new BadInputError(`monday configuration is invalid\n${describeZodIssues(r.error.issues, 'monday')}`, 'monday');
  return r.data;
}

export function mondayEndpoint(cfg: MondayConfig, env: NodeJS.ProcessEnv): string {
  return cfg.endpoint ?? env.MONDAY_API_ENDPOINT ?? MONDAY_PUBLIC_ENDPOINT;
}

/** The token, from the environment or the configured file. The error never contains it. */
export function mondayToken(cfg: MondayConfig, env: NodeJS.ProcessEnv): string {
  const fromEnv = env.MONDAY_API_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  if (cfg.tokenFile) {
    let t = '';
    try { t = readFileSync(cfg.tokenFile, 'utf8').trim(); } catch (err) {
      throw new BadInputError(`monday.tokenFile: cannot read ${cfg.tokenFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'tokenFile');
    }
    if (t) return t;
    throw new BadInputError(`monday.tokenFile: ${cfg.tokenFile} is empty`, 'tokenFile');
  }
  throw new BadInputError('MONDAY_API_TOKEN: not set; export MONDAY_API_TOKEN=… (or name a file holding it: ladder settings set monday.tokenFile PATH)', 'MONDAY_API_TOKEN');
}
