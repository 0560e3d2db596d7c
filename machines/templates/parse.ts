// An email-sequence template (HO 5.3): Markdown with YAML front matter naming the sequence type, the step and
// the subject. Pure: the caller reads the file and passes its text and the settings' type names.
import { isMap, isNode, isScalar, parseDocument } from 'yaml';
import { z } from 'zod';
import { parseWhole, textProblem } from '../rules/values.js';
import { DEFAULT_TEMPLATE_SETTINGS, PLACEHOLDER_NAME } from './config.js';

export const MAX_BODY = 20_000;
export const MAX_FRONT_MATTER = 8_000;
export const MAX_SUBJECT = 200;
export const MAX_DESCRIPTION = 2_000;
export const MAX_STEP = 20;

export type Placeholder = { name: string; line: number };

export type Template = {
  /** The settings' spelling of the type, whatever the case in the file. */
  sequence: string;
  step: number;
  subject: string;
  body: string;
  description?: string;
  /** 1-based line of the file where the body starts (the line after the closing ---). */
  bodyLine: number;
  /** 1-based lines of the front-matter fields, for problems about them. */
  sequenceLine: number;
  subjectLine: number;
  /** Every placeholder, in order, subject first; a name used twice is listed twice. */
  placeholders: Placeholder[];
};

export type TemplateProblem = {
  rule: 'front-matter' | 'placeholder-syntax' | 'body';
  field?: string;
  line: number;
  message: string;
};

export type ParsedTemplate = { ok: true; template: Template } | { ok: false; problems: TemplateProblem[] };

/** `{{name}}` or `{{ name }}`: the one placeholder syntax (render.ts replaces exactly these). */
export const PLACEHOLDER = /\{\{[ \t]*([a-z][a-z0-9]*(?:_[a-z0-9]+)*)[ \t]*\}\}/g;

const FIELDS = ['sequence', 'step', 'subject', 'description'] as const;
const FRONT_MATTER_HINT =
  'expected the template to start with a line "---", then the fields (sequence, step, subject, optional description), then a closing "---" line, then the body';

const shown = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (Array.isArray(v)) return 'a list';
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${String(v)}`;
};

/** How type names are compared: any case, and spaces, underscores or dashes between words ("nurture mql"). */
const foldName = (name: string) => name.trim().toLowerCase().replace(/[\s_\u2010-\u2015-]+/gu, '-');

function frontMatterSchema(sequences: readonly string[]) {
  const accepted = sequences.join(', ');
  const byFold = new Map(sequences.map((s) => [foldName(s), s]));
  const text = (what: string, max: number, multiline: boolean) =>
    z.string({ error: (iss) => (iss.input === undefined ? `missing (required): ${what}` : `expected text (${what}); got ${shown(iss.input)}${typeof iss.input === 'number' || typeof iss.input === 'boolean' ? ' (put it in quotes to keep it as text)' : ''}`) })
      .trim()
      .superRefine((s, ctx) => {
        const p = textProblem(s, { max, multiline });
        if (p) ctx.addIssue({ code: 'custom', message: `the value ${p}` });
      });
  return z.strictObject({
    sequence: z.string({ error: (iss) => (iss.input === undefined ? `missing (required): one of ${accepted}` : `expected one of ${accepted}; got ${shown(iss.input)}`) })
      .transform((raw, ctx) => {
        const name = byFold.get(foldName(raw));
        if (name === undefined) {
          ctx.addIssue({ code: 'custom', message: `${shown(raw)} is not a sequence type; expected one of ${accepted} (any case)` });
          return z.NEVER;
        }
        return name;
      }),
    step: z.unknown().transform((raw, ctx) => {
      if (raw === undefined) {
        ctx.addIssue({ code: 'custom', message: `missing (required): the step of the sequence, a whole number from 1 to ${MAX_STEP}` });
        return z.NEVER;
      }
      const r = parseWhole(typeof raw === 'number' || typeof raw === 'string' ? raw : Number.NaN, 1, MAX_STEP);
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: `expected the step of the sequence, a whole number from 1 to ${MAX_STEP}; got ${shown(raw)}` });
        return z.NEVER;
      }
      return r.value;
    }),
    subject: text(`the email subject, one line of 1-${MAX_SUBJECT} characters`, MAX_SUBJECT, false),
    description: text('a note for the reviewers', MAX_DESCRIPTION, true).optional(),
  });
}

function splitFrontMatter(text: string): { yaml: string; yamlLine: number; body: string; bodyLine: number } | { problem: string } {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const open = /^---[ \t]*(?:\r?\n|$)/.exec(src);
  if (!open) return { problem: `no front matter: ${FRONT_MATTER_HINT}` };
  const rest = src.slice(open[0].length);
  const close = /^---[ \t]*(?:\r?\n|$)/m.exec(rest);
  if (!close) return { problem: `the front matter has no closing "---" line: ${FRONT_MATTER_HINT}` };
  const bodyStart = open[0].length + close.index + close[0].length;
  return {
    // without its last line end, so that yaml places an unclosed quote on its own line, not on the closing ---
    yaml: rest.slice(0, close.index).replace(/\r?\n$/, ''),
    yamlLine: 2,
    body: src.slice(bodyStart),
    bodyLine: lineAt(src, bodyStart),
  };
}

/** The 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** readable false: the fields could not be read at all (syntax, not a mapping), so none is reported missing. */
type FrontMatter = { value: Record<string, unknown>; lines: Map<string, number>; problems: TemplateProblem[]; readable: boolean };

function readFrontMatter(yaml: string, yamlLine: number): FrontMatter {
  const fm: FrontMatter = { value: {}, lines: new Map(), problems: [], readable: false };
  const problem = (line: number, message: string, field?: string) =>
    fm.problems.push({ rule: 'front-matter', ...(field === undefined ? {} : { field }), line, message });
  const doc = parseDocument(yaml, { uniqueKeys: false });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const line = (e.linePos?.[0]?.line ?? 1) + yamlLine - 1;
      // yaml's own "at line L, column C" counts from the front matter, not the file: drop it
      const what = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      problem(line, `YAML syntax error: ${what}`);
    }
    return fm;
  }
  const contents = doc.contents;
  fm.readable = contents === null || isMap(contents);
  if (contents === null) return fm;
  if (!isMap(contents)) {
    problem(yamlLine, `expected the front matter to be fields (key: value), one a line; got ${shown(doc.toJS())}`);
    return fm;
  }
  const seen = new Map<string, number>();
  for (const pair of contents.items) {
    const line = isNode(pair.key) && pair.key.range ? lineAt(yaml, pair.key.range[0]) + yamlLine - 1 : yamlLine;
    if (!isScalar(pair.key) || pair.key.value === null || typeof pair.key.value === 'object') {
      problem(line, `every key must be a plain field name (${FIELDS.join(', ')}); got ${String(pair.key)}`);
      continue;
    }
    const key = String(pair.key.value);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (seen.get(key)! > 1) {
      problem(line, `${key}: given twice (first on line ${fm.lines.get(key)}); keep exactly one`, key);
      continue;
    }
    fm.lines.set(key, line);
    try {
      const v = isNode(pair.value) ? pair.value.toJS(doc) : (pair.value ?? null);
      // `key:` and `key: ""` count as absent, so a blank required field reads as missing
      // an own property even for "__proto__", so the schema sees (and refuses) it rather than a prototype
      if (v !== null && !(typeof v === 'string' && v.trim() === '')) Object.defineProperty(fm.value, key, { value: v, enumerable: true, writable: true, configurable: true });
    } catch (err) {
      // yaml refuses alias bombs ("Excessive alias count ...") while converting to JS
      problem(line, `${key}: cannot read the YAML value: ${(err as Error).message}`, key);
    }
  }
  return fm;
}

/** Every `{{…}}`, lone brace and unclosed placeholder on one line. */
function scanPlaceholders(line: string, lineNo: number, found: Placeholder[], problems: TemplateProblem[]): void {
  const problem = (message: string) => problems.push({ rule: 'placeholder-syntax', line: lineNo, message });
  const accepts = 'a placeholder is {{name}} on one line, the name in lower snake_case (e.g. {{company_name}}); braces are accepted only in placeholders';
  // Mask what has been read, so what is left over is a stray brace.
  let rest = line.replace(/\{{3,}([^{}]*)\}{3,}/g, (whole, inner: string) => {
    const name = inner.trim();
    problem(`${JSON.stringify(whole)} has too many braces${PLACEHOLDER_NAME.test(name) ? `; write {{${name}}}` : ''}: ${accepts}`);
    return ' '.repeat(whole.length);
  });
  rest = rest.replace(/\{\{([^{}]*)\}\}/g, (whole, inner: string) => {
    const name = inner.trim();
    if (PLACEHOLDER_NAME.test(name) && /^[ \t]*\S+[ \t]*$/.test(inner)) {
      found.push({ name, line: lineNo });
    } else {
      const hint = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
      const suggest = PLACEHOLDER_NAME.test(hint) ? ` (did you mean {{${hint}}}?)` : '';
      problem(`${JSON.stringify(whole)} is not a placeholder${suggest}: ${accepts}`);
    }
    return ' '.repeat(whole.length);
  });
  rest = rest.replace(/\{([^{}]*)\}/g, (whole, inner: string) => {
    const name = inner.trim();
    problem(`${JSON.stringify(whole)} has single braces${PLACEHOLDER_NAME.test(name) ? `; write {{${name}}}` : ''}: ${accepts}`);
    return ' '.repeat(whole.length);
  });
  const stray = /\{\{|\}\}|[{}]/.exec(rest);
  if (stray) {
    const what = stray[0] === '{{' ? '"{{" is not closed by "}}" on the same line' : `stray ${JSON.stringify(stray[0])} at column ${stray.index + 1}`;
    problem(`${what}: ${accepts}`);
  }
}

const DEFAULT_SEQUENCES = Object.keys(DEFAULT_TEMPLATE_SETTINGS.types);

/**
 * Parses one template. Never throws on bad input: every problem is listed with its line of the file and what
 * would be accepted. `sequences` are the settings' type names (Object.keys(settings.types)).
 */
export function parseTemplate(text: string, sequences: readonly string[] = DEFAULT_SEQUENCES): ParsedTemplate {
  if (sequences.length === 0) throw new TypeError('parseTemplate: expected at least one sequence type name (Object.keys(settings.types))');
  const split = splitFrontMatter(text);
  if ('problem' in split) return { ok: false, problems: [{ rule: 'front-matter', line: 1, message: split.problem }] };

  const problems: TemplateProblem[] = [];
  let fm: FrontMatter = { value: {}, lines: new Map(), problems: [], readable: false };
  if (split.yaml.length > MAX_FRONT_MATTER) {
    problems.push({ rule: 'front-matter', line: 1, message: `the front matter is ${split.yaml.length} characters long; at most ${MAX_FRONT_MATTER} are accepted (sequence, step, subject, description)` });
  } else {
    fm = readFrontMatter(split.yaml, split.yamlLine);
    problems.push(...fm.problems);
  }
  const parsed = frontMatterSchema(sequences).safeParse(fm.value);
  if (!parsed.success && fm.readable) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          problems.push({ rule: 'front-matter', field: key, line: fm.lines.get(key) ?? 1, message: `${key}: unknown field; accepted fields: ${FIELDS.join(', ')} (description optional)` });
        }
        continue;
      }
      const field = String(issue.path[0] ?? '');
      const line = fm.lines.get(field) ?? 1; // a missing field: the opening ---
      problems.push({ rule: 'front-matter', ...(field ? { field } : {}), line, message: `${field ? `${field}: ` : ''}${issue.message}` });
    }
  }

  const placeholders: Placeholder[] = [];
  const subjectLine = fm.lines.get('subject') ?? 1;
  if (parsed.success) scanPlaceholders(parsed.data.subject, subjectLine, placeholders, problems);

  const body = split.body;
  if (body.trim() === '') {
    problems.push({ rule: 'body', line: split.bodyLine, message: 'the body is empty; expected the email text after the closing "---" line' });
  } else if (body.length > MAX_BODY) {
    problems.push({ rule: 'body', line: split.bodyLine, message: `the body is ${body.length} characters long; at most ${MAX_BODY} are accepted` });
  } else {
    body.split('\n').forEach((raw, i) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      const p = textProblem(line, { max: Number.POSITIVE_INFINITY, multiline: true });
      if (p) problems.push({ rule: 'body', line: split.bodyLine + i, message: `the line ${p}` });
      else scanPlaceholders(line, split.bodyLine + i, placeholders, problems);
    });
  }

  if (problems.length > 0 || !parsed.success) {
    return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  }
  const { sequence, step, subject, description } = parsed.data;
  return {
    ok: true,
    template: {
      sequence, step, subject, body,
      ...(description === undefined ? {} : { description }),
      bodyLine: split.bodyLine,
      sequenceLine: fm.lines.get('sequence') ?? 1,
      subjectLine,
      placeholders,
    },
  };
}
