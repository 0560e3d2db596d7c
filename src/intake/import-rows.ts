// The import stage gate (LQ 6): five required fields, domain-normalized dedup within the batch and
// against the board, three buckets. Pure: the board is reached through the `lookup` argument.
import { z } from 'zod';
import type { Tier } from '../../machines/types.js';
import { normalizeDomain } from '../../machines/rules/domain.js';
import { parseTier, textProblem, TIER_ACCEPTED } from '../../machines/rules/values.js';
import { LONG_TEXT } from '../../machines/types.js';
import { TEXT_MAX } from '../engine/validate.js';

export type RawRow = { rowNumber: number; raw: Record<string, string> };

export const IMPORT_FIELDS = ['name', 'domain', 'hq', 'tier', 'icpScore'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** Accepted column headers per required field, compared case-insensitively (LQ 6; monday column ids). */
export const IMPORT_COLUMNS: Readonly<Record<ImportField, readonly string[]>> = {
  name: ['Name', 'name'],
  domain: ['Domain', 'text_mm218qe9'],
  hq: ['HQ Location', 'HQ', 'text_mm21caks'],
  tier: ['Tier', 'color_mm217sw4'],
  icpScore: ['ICP Score', 'ICP Score (Weighted)', 'numeric_mm216nk9'],
};

/** How headers are compared, and the key an extra (non-required) column is kept under. */
export function headerKey(header: string): string {
  return header.trim().replace(/\s+/g, ' ').toLowerCase();
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const FIELD_OF_HEADER = new Map<string, ImportField>(
  IMPORT_FIELDS.flatMap((field) => IMPORT_COLUMNS[field].map((h) => [headerKey(h), field] as const)),
);

const columns = (field: ImportField) => IMPORT_COLUMNS[field].join(' or ');

function present(field: ImportField, what: string) {
  const missing = `missing (required): ${what} (column ${columns(field)})`;
  return z.string({ error: missing }).trim().min(1, { error: missing }).superRefine((s, ctx) => {
    const p = textProblem(s, { max: LONG_TEXT });
    if (p) ctx.addIssue({ code: 'custom', message: `${what} ${p}` });
  });
}

export { parseTier };

const SCORE_ACCEPTED = 'a number from 0 to 100, e.g. 82 or 71.5';

/** The five required fields of one import row, from whichever accepted headers the file used. */
export const ImportRowSchema = z
  .preprocess(
    (raw, ctx) => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
      const found: Partial<Record<ImportField, { header: string; value: string }[]>> = {};
      const extra: Record<string, string> = {};
      for (const [header, value] of Object.entries(raw as Record<string, unknown>)) {
        const text = value === null || value === undefined ? '' : String(value).trim();
        const field = FIELD_OF_HEADER.get(headerKey(header));
        if (field === undefined) {
          const key = headerKey(header);
          // A column named like an object's prototype would reach it, not a field: refused, never stored.
          if (UNSAFE_KEYS.has(key)) ctx.addIssue({ code: 'custom', path: ['row'], input: raw, message: `a column named ${JSON.stringify(header)} is not accepted; rename it` });
          else if (text !== '') {
            const p = textProblem(text, { max: LONG_TEXT });
            if (p) ctx.addIssue({ code: 'custom', path: ['row'], input: raw, message: `column ${JSON.stringify(header)} ${p}` });
            else extra[key] = text;
          }
          continue;
        }
        if (text !== '') {
          found[field] ??= [];
          found[field].push({ header, value: text });
        }
      }
      const out: Record<string, unknown> = { extra };
      for (const field of IMPORT_FIELDS) {
        const values = found[field] ?? [];
        out[field] = values[0]?.value;
        if (new Set(values.map((v) => v.value.toLowerCase())).size > 1) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            input: raw,
            message: `given in several columns with different values (${values.map((v) => `${v.header}=${JSON.stringify(v.value)}`).join(', ')}); keep one`,
          });
        }
      }
      return out;
    },
    z.object({
      name: present('name', 'Name').max(TEXT_MAX, { error: `at most ${TEXT_MAX} characters (the account's name)` }),
      domain: present('domain', 'Domain').transform((raw, ctx) => {
        const r = normalizeDomain(raw);
        if (!r.ok) {
          ctx.addIssue({ code: 'custom', message: r.error });
          return z.NEVER;
        }
        return { domain: r.domain, raw };
      }),
      hq: present('hq', 'HQ Location').max(TEXT_MAX, { error: `at most ${TEXT_MAX} characters (the HQ location)` }),
      tier: present('tier', 'Tier').transform((raw, ctx) => {
        const tier = parseTier(raw);
        if (tier === undefined) {
          ctx.addIssue({ code: 'custom', message: `expected one of ${TIER_ACCEPTED}; got ${JSON.stringify(raw)}` });
          return z.NEVER;
        }
        return tier;
      }),
      icpScore: present('icpScore', 'ICP Score').transform((raw, ctx) => {
        const n = /^\d{1,3}(?:\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
        if (!(n >= 0 && n <= 100)) {
          ctx.addIssue({ code: 'custom', message: `expected ${SCORE_ACCEPTED}; got ${JSON.stringify(raw)}` });
          return z.NEVER;
        }
        return n;
      }),
      extra: z.record(z.string(), z.string()),
    }),
  )
  .transform(({ domain, ...rest }) => ({ ...rest, domain: domain.domain, domainRaw: domain.raw }));

export type ImportRow = z.output<typeof ImportRowSchema>;

/** What the board already holds for a domain, as far as reconciliation needs it. */
export type StoredAccountSummary = {
  domain: string;
  name?: string;
  hq?: string;
  tier?: Tier;
  icpScore?: number;
  extra?: Record<string, string>;
};

export type RowProblem = { rowNumber: number; field: string; message: string };
export type FieldValue = string | number;
export type Enrichment = { field: string; value: FieldValue };
export type Conflict = { field: string; existing: FieldValue; incoming: FieldValue };
export type DuplicateOf = { kind: 'stored'; domain: string } | { kind: 'batch'; domain: string; rowNumber: number };

/** LQ 4 Reject: a valid row that goes to ARCHIVED with its intake record kept, never onto the board. */
export type UniqueRow = { rowNumber: number; row: ImportRow; archive: boolean };
export type DuplicateRow = UniqueRow & { of: DuplicateOf; enrich: Enrichment[]; conflicts: Conflict[] };
export type RejectedRow = { rowNumber: number; raw: Record<string, string>; problems: RowProblem[] };
export type SortedImport = { unique: UniqueRow[]; duplicates: DuplicateRow[]; rejected: RejectedRow[] };

type Record_ = Map<string, FieldValue>;

function comparable(fields: { name?: string; hq?: string; tier?: Tier; icpScore?: number; extra?: Record<string, string> }): Record_ {
  const out: Record_ = new Map();
  const put = (k: string, v: FieldValue | undefined) => {
    if (v !== undefined && !(typeof v === 'string' && v.trim() === '')) out.set(k, typeof v === 'string' ? v.trim() : v);
  };
  put('name', fields.name);
  put('hq', fields.hq);
  put('tier', fields.tier);
  put('icpScore', fields.icpScore);
  for (const [k, v] of Object.entries(fields.extra ?? {})) put(headerKey(k), v);
  return out;
}

// Decision: text compares case- and whitespace-insensitively ("ACME  Inc" = "Acme Inc"), numbers by value.
function same(a: FieldValue, b: FieldValue): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();
  return norm(a) === norm(b);
}

/**
 * Sorts an import batch into the three buckets of LQ 6.2. Rows keep their numbers from the file.
 * A duplicate is compared with the record it duplicates as enriched so far in this batch, so two rows
 * that would fill the same empty field differently surface as a conflict, not as two enrichments.
 */
export function sortImportRows(
  rows: readonly RawRow[],
  lookup: (domain: string) => StoredAccountSummary | undefined,
): SortedImport {
  const result: SortedImport = { unique: [], duplicates: [], rejected: [] };
  const seen = new Map<string, { of: DuplicateOf; record: Record_ }>();
  for (const { rowNumber, raw } of rows) {
    const parsed = ImportRowSchema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => ({
        rowNumber,
        field: String(issue.path[0] ?? 'row'),
        message: issue.message,
      }));
      result.rejected.push({ rowNumber, raw, problems });
      continue;
    }
    const row = parsed.data;
    const archive = row.tier === 'Reject';
    let first = seen.get(row.domain);
    if (first === undefined) {
      const stored = lookup(row.domain);
      if (stored === undefined) {
        seen.set(row.domain, { of: { kind: 'batch', domain: row.domain, rowNumber }, record: comparable(row) });
        result.unique.push({ rowNumber, row, archive });
        continue;
      }
      first = { of: { kind: 'stored', domain: row.domain }, record: comparable(stored) };
      seen.set(row.domain, first);
    }
    const enrich: Enrichment[] = [];
    const conflicts: Conflict[] = [];
    for (const [field, incoming] of comparable(row)) {
      const existing = first.record.get(field);
      if (existing === undefined) enrich.push({ field, value: incoming });
      else if (!same(existing, incoming)) conflicts.push({ field, existing, incoming });
    }
    for (const { field, value } of enrich) first.record.set(field, value);
    result.duplicates.push({ rowNumber, row, archive, of: first.of, enrich, conflicts });
  }
  return result;
}

const total = (r: SortedImport) => r.unique.length + r.duplicates.length + r.rejected.length;

/** Share of the batch's rows that are duplicates; LQ 7.2 raises a SEV2 above DUPLICATE_RATE_ESCALATION. */
export function duplicateRate(result: SortedImport): number {
  return total(result) === 0 ? 0 : result.duplicates.length / total(result);
}

/** Share of the batch's rows that were rejected; LQ 7.2 escalates a week above REJECTED_RATE_ESCALATION. */
export function rejectedRate(result: SortedImport): number {
  return total(result) === 0 ? 0 : result.rejected.length / total(result);
}

export const DUPLICATE_RATE_ESCALATION = 0.2; // LQ 7.2: "Import batch dup rate >20%"
export const REJECTED_RATE_ESCALATION = 0.1; // LQ 7.2: ">10% of weekly imports land in rejected"
