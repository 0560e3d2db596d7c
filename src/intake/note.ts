// LinkedIn signal notes (LQ 5): Markdown with YAML front matter, validated by one schema.
// Pure: the caller reads the file and passes `now`; nothing here touches fs or the clock.
import { isMap, isNode, isScalar, parseDocument } from 'yaml';
import { z } from 'zod';
import { E1_INTERACTIONS, SIGNAL_CODES } from '../../machines/types.js';
import { normalizeDomain } from '../../machines/rules/domain.js';
import { parseInstant } from '../../machines/rules/instant.js';
import { textProblem } from '../../machines/rules/values.js';
import { LONG_TEXT } from '../../machines/types.js';
import { levenshtein } from '../../machines/rules/text.js';
import {
  decideSignal,
  mapNoteToSignal,
  NOTE_SIGNAL_TYPES,
  NOTE_SOURCES,
  normalizeLinkedInProfileUrl,
  type MappedSignal,
} from './signal-map.js';

export const DEFAULT_STALE_DAYS = 14; // LQ 5.2 captured_at: ">14 days old = re-validate"
export const DEFAULT_FUTURE_TOLERANCE_MINUTES = 5; // clock skew between agents; decision in docs/intake.md
export const PROXIMITIES = ['direct', 'one-step', 'two-step'] as const; // LQ 5.3

export type NoteProblem = { field: string; message: string };

/** How a value that was refused is shown back to the sender. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value instanceof Date) return `a date (${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'nothing';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

/**
 * Milliseconds since the epoch for an ISO 8601 timestamp with a time and a UTC offset, or undefined: the one
 * instant parser (machines/rules/instant.ts), which refuses 2026-02-30 and a time without an offset, so a
 * note's time means the same instant on every machine.
 */
export function parseIsoTimestamp(text: string): number | undefined {
  const r = parseInstant(text, { requireTime: true });
  return r.ok ? r.ms : undefined;
}

// ---- the schema --------------------------------------------------------------------------------

const required = (what: string) => `missing (required): ${what}`;

function text(what: string) {
  return z
    .string({
      error: (iss) => {
        if (iss.input === undefined) return required(what);
        const quote = typeof iss.input === 'number' || typeof iss.input === 'boolean' ? ` (put it in quotes to keep it as text)` : '';
        return `expected text (${what}); got ${describeValue(iss.input)}${quote}`;
      },
    })
    .trim()
    .min(1, { error: `expected ${what}; got an empty value` })
    .superRefine((s, ctx) => {
      const p = textProblem(s, { max: LONG_TEXT, multiline: true });
      if (p) ctx.addIssue({ code: 'custom', message: `the value ${p}` });
    });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, fold: (s: string) => string = (s) => s.toLowerCase()) {
  const list = values.join(', ');
  return z.preprocess(
    (v) => (typeof v === 'string' ? fold(v.trim()) : v),
    z.enum(values, { error: (iss) => (iss.input === undefined ? required(`one of ${list}`) : `expected one of ${list}; got ${describeValue(iss.input)}`) }),
  );
}

const ICP_SCORE = 'a whole number from 0 to 100 (LQ 5.2), e.g. 82';
const TIMESTAMP = 'an ISO 8601 timestamp with time and UTC offset, e.g. 2026-04-17T14:20:00-07:00 or 2026-04-17T21:20:00Z';

/** The fields of a note, one validator each (exported so single fields can be checked on their own). */
export const noteFields = {
  // LQ 5.2 required
  source: oneOf(NOTE_SOURCES),
  prospect_name: text('the full name as it appears on LinkedIn'),
  prospect_linkedin_url: text('https://www.linkedin.com/in/<profile>').superRefine((url, ctx) => {
    const r = normalizeLinkedInProfileUrl(url);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
  }),
  company_name: text('the current company per the LinkedIn profile'),
  company_domain: text('the company domain, e.g. acme.com').transform((raw, ctx) => {
    const r = normalizeDomain(raw);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    return { raw, normalized: r.domain };
  }),
  signal_type: oneOf(NOTE_SIGNAL_TYPES),
  signal_summary: text('1-3 sentences describing what happened'),
  // Decision: a number or a numeric string ("82") both mean 82; fractions, percent signs and words bounce.
  icp_match_score: z
    .union([z.number(), z.string()], {
      error: (iss) => (iss.input === undefined ? required(ICP_SCORE) : `expected ${ICP_SCORE}; got ${describeValue(iss.input)}`),
    })
    .transform((v, ctx) => {
      const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
      if (!Number.isInteger(n) || n < 0 || n > 100) {
        ctx.addIssue({ code: 'custom', message: `expected ${ICP_SCORE}; got ${describeValue(v)}` });
        return z.NEVER;
      }
      return n;
    }),
  // YAML 1.2 (the default here) keeps timestamps as strings; a YAML 1.1 reader would give a Date.
  captured_at: z
    .union([z.string(), z.date()], {
      error: (iss) => (iss.input === undefined ? required(TIMESTAMP) : `expected ${TIMESTAMP}; got ${describeValue(iss.input)}`),
    })
    .transform((v, ctx) => {
      const iso = v instanceof Date ? (Number.isNaN(v.getTime()) ? '' : v.toISOString()) : v.trim();
      if (parseIsoTimestamp(iso) === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected ${TIMESTAMP}; got ${describeValue(v)}` });
        return z.NEVER;
      }
      return iso;
    }),
  captured_by: text('the agent id that captured the signal, e.g. mining.mind'),
  // LQ 5.3 optional enrichment
  prospect_role: text('the job title').optional(),
  decision_maker_proximity: oneOf(PROXIMITIES).optional(),
  // Decision: a single string is read as a one-item list.
  prior_touchpoints: z
    .preprocess(
      (v) => (typeof v === 'string' ? [v] : v),
      z.array(text('a prior interaction, e.g. "podcast guest, March 2026"'), {
        error: (iss) => `expected a list of prior interactions; got ${describeValue(iss.input)}`,
      }),
    )
    .optional(),
  suggested_response: text('the best next action').optional(),
  // Ladder extension: says which signal the note is when the table cannot tell (docs/intake.md)
  engagement_signal: oneOf(SIGNAL_CODES, (s) => s.toUpperCase()).optional(),
  interaction: oneOf(E1_INTERACTIONS).optional(),
};

export const NOTE_FIELDS = Object.keys(noteFields) as (keyof typeof noteFields)[];
/** LQ 5.2: the fields a note bounces without. */
export const REQUIRED_NOTE_FIELDS = NOTE_FIELDS.filter((f) => !noteFields[f].safeParse(undefined).success);

/** Blank values (`key:` or `key: ""`) count as absent: LQ 5.3 says skip optional fields when unknown. */
function dropBlanks(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== null && v !== undefined && !(typeof v === 'string' && v.trim() === '')),
  );
}

/**
 * The one schema of a signal note (LQ 5.2-5.3). Strict: an unknown key is a problem, never ignored.
 * Output: company_domain is the normalized account key, company_domain_raw what the note said.
 */
export const SignalNoteSchema = z
  .preprocess(
    dropBlanks,
    z.strictObject(noteFields, { error: (iss) => `expected the front matter to be a mapping of fields; got ${describeValue(iss.input)}` }),
  )
  .transform(({ company_domain, ...rest }) => ({
    ...rest,
    company_domain: company_domain.normalized,
    company_domain_raw: company_domain.raw,
  }));

export type SignalNote = z.output<typeof SignalNoteSchema>;

// ---- the parser --------------------------------------------------------------------------------

export type ParsedNote =
  | { ok: true; note: SignalNote; signal: MappedSignal; stale: boolean; body: string; path?: string }
  | { ok: false; problems: NoteProblem[]; sender?: string; path?: string };

export type ParseNoteOptions = {
  /** The current time (ISO 8601); the clock is an input. */
  now: string;
  path?: string;
  staleDays?: number;
  futureToleranceMinutes?: number;
};

const FRONT_MATTER_HINT =
  'expected the note to start with a line "---", then the YAML fields, then a closing "---" line, then the body (LQ 5.4)';

function unknownFieldMessage(key: string): string {
  const near = NOTE_FIELDS.map((f) => ({ f, d: levenshtein(key.toLowerCase(), f) })).sort((x, y) => x.d - y.d)[0];
  const hint = near !== undefined && near.d <= 3 ? ` (did you mean ${near.f}?)` : '';
  return `unknown field${hint}; accepted fields: ${NOTE_FIELDS.join(', ')}`;
}

function toProblems(error: z.ZodError): NoteProblem[] {
  const problems: NoteProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ field: key, message: unknownFieldMessage(key) });
      continue;
    }
    const [field, ...rest] = issue.path;
    const item = typeof rest[0] === 'number' ? `item ${rest[0] + 1}: ` : '';
    problems.push({ field: field === undefined ? 'front_matter' : String(field), message: item + issue.message });
  }
  return problems;
}

/** Best effort, for bounce accounting (LQ 7.2) when the front matter itself cannot be read. */
function scanSender(text: string): string | undefined {
  const m = /^captured_by:[ \t]*["']?([^"'\r\n#]*?)["']?[ \t]*(?:#.*)?$/m.exec(text);
  const sender = m?.[1]?.trim();
  return sender === undefined || sender === '' ? undefined : sender;
}

function splitFrontMatter(text: string): { yaml: string; body: string } | { problem: string } {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const open = /^---[ \t]*(?:\r?\n|$)/.exec(src);
  if (!open) return { problem: `no front matter: ${FRONT_MATTER_HINT}` };
  const rest = src.slice(open[0].length);
  const close = /^---[ \t]*(?:\r?\n|$)/m.exec(rest);
  if (!close) return { problem: `the front matter has no closing "---" line: ${FRONT_MATTER_HINT}` };
  return { yaml: rest.slice(0, close.index), body: rest.slice(close.index + close[0].length) };
}

type FrontMatter = { value: unknown; problems: NoteProblem[] };

function readFrontMatter(yaml: string): FrontMatter {
  const doc = parseDocument(yaml, { uniqueKeys: false });
  if (doc.errors.length > 0) {
    return {
      value: undefined,
      problems: doc.errors.map((e) => {
        const line = e.linePos?.[0]?.line;
        const where = line === undefined ? '' : ` on line ${line + 1} of the note`; // +1: the opening ---
        // yaml's own "at line L, column C" counts from the front matter, not the file: drop it
        const what = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        return { field: 'front_matter', message: `YAML syntax error${where}: ${what}` };
      }),
    };
  }
  try {
    return frontMatterValue(doc);
  } catch (err) {
    // yaml refuses alias bombs ("Excessive alias count ...") while converting to JS
    return { value: undefined, problems: [{ field: 'front_matter', message: `cannot read the YAML: ${(err as Error).message}` }] };
  }
}

function frontMatterValue(doc: ReturnType<typeof parseDocument>): FrontMatter {
  const contents = doc.contents;
  if (contents === null) return { value: {}, problems: [] };
  if (!isMap(contents)) return { value: doc.toJS(), problems: [] }; // the schema says what is wrong
  const value: Record<string, unknown> = {};
  const seen = new Map<string, number>();
  const problems: NoteProblem[] = [];
  for (const pair of contents.items) {
    if (!isScalar(pair.key) || pair.key.value === null || typeof pair.key.value === 'object') {
      problems.push({ field: 'front_matter', message: `every key must be a plain field name; got ${String(pair.key)}` });
      continue;
    }
    const key = String(pair.key.value);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    value[key] = isNode(pair.value) ? pair.value.toJS(doc) : (pair.value ?? null);
  }
  for (const [key, count] of seen) {
    if (count > 1) problems.push({ field: key, message: `given ${count} times in the front matter; keep exactly one` });
  }
  return { value, problems };
}

function senderOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const by = (value as Record<string, unknown>)['captured_by'];
  return typeof by === 'string' && by.trim() !== '' ? by.trim() : undefined;
}

/**
 * The table's verdict on a note whose other fields may be broken, so one bounce lists everything.
 * When source or signal_type is unreadable only the checks that do not need them are made (an
 * interaction on a non-E1 engagement_signal).
 */
function signalProblem(value: unknown): NoteProblem | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const source = noteFields.source.safeParse(v['source']);
  const type = noteFields.signal_type.safeParse(v['signal_type']);
  const explicit = noteFields.engagement_signal.safeParse(v['engagement_signal']);
  const interaction = noteFields.interaction.safeParse(v['interaction']);
  if (!explicit.success || !interaction.success) return undefined;
  let decision: ReturnType<typeof decideSignal>;
  if (source.success && type.success) {
    decision = decideSignal({ source: source.data, signal_type: type.data, engagement_signal: explicit.data, interaction: interaction.data });
  } else if (explicit.data !== undefined && explicit.data !== 'E1' && interaction.data !== undefined) {
    // Independent of the table: any (source, signal_type) gives the same verdict here.
    decision = decideSignal({ source: 'dm', signal_type: 'inbound', engagement_signal: explicit.data, interaction: interaction.data });
  } else {
    return undefined;
  }
  return decision.ok ? undefined : { field: decision.field, message: decision.message };
}

/**
 * Parses and validates one signal note. Never throws on bad input: every problem is listed with the
 * field it concerns and what would be accepted, plus the sender (captured_by) when it could be read.
 * A note captured more than staleDays before `now` is accepted but `stale` (LQ 5.2: re-validate).
 */
export function parseSignalNote(text: string, opts: ParseNoteOptions): ParsedNote {
  const now = parseIsoTimestamp(opts.now) ?? Date.parse(opts.now);
  if (Number.isNaN(now)) throw new TypeError(`parseSignalNote: now must be an ISO 8601 timestamp; got ${JSON.stringify(opts.now)}`);
  const staleDays = opts.staleDays ?? DEFAULT_STALE_DAYS;
  const tolerance = opts.futureToleranceMinutes ?? DEFAULT_FUTURE_TOLERANCE_MINUTES;
  const where = opts.path === undefined ? {} : { path: opts.path };

  const split = splitFrontMatter(text);
  if ('problem' in split) {
    const sender = scanSender(text);
    return { ok: false, problems: [{ field: 'front_matter', message: split.problem }], ...(sender ? { sender } : {}), ...where };
  }
  const front = readFrontMatter(split.yaml);
  if (front.value === undefined) {
    const sender = scanSender(split.yaml);
    return { ok: false, problems: front.problems, ...(sender ? { sender } : {}), ...where };
  }

  const problems = [...front.problems];
  const parsed = SignalNoteSchema.safeParse(front.value);
  if (!parsed.success) problems.push(...toProblems(parsed.error));

  // Time checks read captured_at on its own, so a future timestamp is reported with the other problems.
  let stale = false;
  const value = dropBlanks(front.value);
  const capturedField = noteFields.captured_at.safeParse(
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['captured_at'] : undefined,
  );
  if (capturedField.success) {
    const captured = parseIsoTimestamp(capturedField.data) ?? Number.NaN;
    if (captured - now > tolerance * 60_000) {
      const minutes = Math.round((captured - now) / 60_000);
      problems.push({
        field: 'captured_at',
        message: `${capturedField.data} is ${minutes} minutes after now (${opts.now}); expected a time in the past (up to ${tolerance} minutes ahead is tolerated for clock skew)`,
      });
    }
    stale = now - captured > staleDays * 86_400_000;
  }

  const signal = signalProblem(value);
  if (signal !== undefined) problems.push(signal);

  const sender = senderOf(front.value);
  if (problems.length > 0 || !parsed.success) {
    return { ok: false, problems, ...(sender ? { sender } : {}), ...where };
  }
  const mapped = mapNoteToSignal(parsed.data);
  if (!mapped.ok) {
    return { ok: false, problems: [{ field: mapped.field, message: mapped.message }], ...(sender ? { sender } : {}), ...where };
  }
  const { ok: _ok, ...signalOut } = mapped;
  return { ok: true, note: parsed.data, signal: signalOut, stale, body: split.body, ...where };
}

/** A bounce as text for the sender: one line per problem, `field: message`. */
export function formatProblems(problems: readonly NoteProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('\n');
}
