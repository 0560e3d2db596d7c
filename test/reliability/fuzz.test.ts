// Issue 7.3, bad input, fuzzed with fast-check (seeded): signal notes (parseSignalNote, ingestNote and
// `ladder signal NOTE.md`), import rows (sortImportRows) and files (importFile on generated CSV), event JSON
// (engine.submit), CLI arguments (runCli in-process with a captured io), configuration (importConfigFile,
// parseMondayConfig, `ladder settings import FILE`), dates, domains with odd Unicode, SQL-looking strings and
// huge fields. Each case is accepted, or refused with a message that names the field; after a refusal the
// database's content hash (every table but refusals, intake_bounces and escalations, which exist to record
// refusals) is unchanged. Before an event the engine fires the account's timers already due (issue 11; undone
// with the event when it is refused): every case starts from a database swept up to the latest instant it can
// reach, so what an accepted case changes is its own doing.
// LADDER_FUZZ_SCALE multiplies the case counts (default 1: about 13 000 cases; the summary is printed per kind).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/app.js';
import { BadInputError, RefusedError } from '../../src/engine/errors.js';
import type { Engine } from '../../src/engine/engine.js';
import { sweep } from '../../src/engine/sweep.js';
import { importConfigFile, validateSettings } from '../../src/settings/edit.js';
import { DEFAULT_SETTINGS, USER_ROLES, UserName } from '../../src/settings/schema.js';
import { ImportFileError } from '../../src/intake/errors.js';
import { importFile } from '../../src/intake/importer.js';
import { IMPORT_COLUMNS, IMPORT_FIELDS, sortImportRows, type RawRow } from '../../src/intake/import-rows.js';
import { ingestNote } from '../../src/intake/notes-intake.js';
import { NOTE_FIELDS, parseSignalNote } from '../../src/intake/note.js';
import { parseMondayConfig } from '../../src/monday/config.js';
import { LadderCommandEvent } from '../../machines/events.js';
import { normalizeDomain } from '../../machines/rules/domain.js';
import { parseInstant } from '../../machines/rules/instant.js';
import { BUYING_SCORES, DISQUALIFY_REASONS, GATES, SIGNAL_CODES, TIERS } from '../../machines/types.js';
import { CRO, OPS, T0, at, contact, contentHash, copyDb, fastTempDir, importSettings, openEngine, sig } from '../helpers/reliability.js';
import { PASSING_FACTS, SYSTEM } from '../helpers/store.js';

const SCALE = Number(process.env.LADDER_FUZZ_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const SEED = 424242;
const cases: Record<string, number> = {};
const outcomes: Record<string, Record<string, number>> = {};
const count = (kind: string) => { cases[kind] = (cases[kind] ?? 0) + 1; };
/** How the cases of a kind ended (accepted, refused, exit 2…), for the printed summary. */
const ended = (kind: string, how: string) => {
  outcomes[kind] ??= {};
  const o = outcomes[kind];
  o[how] = (o[how] ?? 0) + 1;
};

const tmp = fastTempDir('ladder-fuzz-');
const TEMPLATE = join(tmp.dir, 'template.db');
const NOW = at(T0, 10);
/** The clock-skew tolerance of the default settings: no event of a case may be dated later than this. */
const TOLERANCE_MS = 5 * 60_000;
const later = (iso: string) => new Date(Date.parse(iso) + TOLERANCE_MS).toISOString();

/**
 * Fires every timer due by `now` + the tolerance (a sweep), so that no event dated up to then has any timer to
 * catch up first: what a case changes is then its own doing.
 */
function settle(engine: Engine, now = NOW): void {
  sweep(engine, { now: later(now), as: SYSTEM });
}

afterAll(() => {
  const total = Object.values(cases).reduce((a, b) => a + b, 0);
  const how = (k: string) => Object.entries(outcomes[k] ?? {}).map(([o, n]) => `${n} ${o}`).join(', ');
  // eslint-disable-next-line no-console
  console.log(`fuzz cases (seed ${SEED}): ${total} in total\n${Object.entries(cases).map(([k, v]) => `  ${k.padEnd(26)} ${String(v).padStart(5)}  ${how(k)}`).join('\n')}`);
  tmp.cleanup();
});

// ---- generators of nasty text ----

const SQL = [`'; DROP TABLE accounts; --`, `Robert'); DROP TABLE accounts;--`, `" OR 1=1 --`, `x'); DELETE FROM events; --`, `1; UPDATE actors SET stage='WON'`];
const HUGE = ['x'.repeat(100_000), 'é'.repeat(40_000), `${SQL[0]} `.repeat(3000), '\u200b'.repeat(20_000)];
// biome-ignore lint/suspicious/noTemplateCurlyInString: a template-looking string is one of the odd inputs, on purpose
const ODD = ['', ' ', '\t', '\n', '\u0000', '\u202e', '\u200d', '\ufeff', 'ﬀ', 'İ', '１２３', '😀', '𝔞𝔠𝔪𝔢', '%s%n', '${process.exit()}', '__proto__', 'constructor', 'null', 'undefined', 'NaN', '-1', '1e309'];
/** Any text, weighted towards the kinds that break parsers and queries. */
const nasty = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.constantFrom(...SQL) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD) },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
);
/** Any JSON value, nasty text included. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nasty },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, undefined, [], {}) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
/** ISO-looking dates, valid and not: impossible days, odd offsets, years at the edges, junk after the date. */
const dateLike = fc.oneof(
  fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 33 }), fc.integer({ min: 0, max: 25 }), fc.constantFrom('Z', '+02:00', '-07:00', '+25:00', '', 'z', ' GMT', 'x'))
    .map(([y, m, d, h, z]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00${z}`),
  fc.constantFrom('2026-02-30', '2026-02-29T00:00:00Z', '0000-01-01', '9999-12-31T23:59:59.999Z', '2026-04-17 14:20', '2026-04-17T14:20:00+0200', '17/04/2026', 'yesterday', '2026-W16', '+275760-09-13T00:00:00Z', '2026-04-17T24:00:00Z', '2026-04-17T23:59:60Z'),
  nasty,
);

// ---- assertions ----

/** A refusal message names the field: "field: …" on some line, or a commander message naming the option. */
function namesAField(message: string, fields: readonly string[]): boolean {
  if (fields.some((f) => f && message.includes(f))) return true;
  // --json: { "error": { "kind", "message", "field" } }
  const json = /^\{[\s\S]*\}$/m.exec(message.trim());
  if (json) {
    try {
      const e = (JSON.parse(json[0]) as { error?: { message?: string; field?: string | null } }).error;
      if (e?.field || (e?.message && namesAField(e.message, fields))) return true;
    } catch { /* not JSON after all */ }
  }
  return /(^|\n)(ladder: )?(--)?[\w.[\]-]+: /.test(message) || /error: (unknown option|missing required argument|option '[^']+' argument missing|required option|too many arguments|unknown command)/.test(message);
}

// ---- the database the fuzzers write to ----

const STAGED = { prospect: 'prospect.example.com', mql: 'mql.example.com', review: 'review.example.com', briefing: 'briefing.example.com', dq: 'dq.example.com', won: 'won.example.com' };

beforeAll(() => {
  importSettings(TEMPLATE); // the users (ana, marcus, carla, cole) are settings of the database
  const { store, engine } = openEngine(TEMPLATE);
  const add = (d: string) => engine.addAccount({ domain: d, name: d, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, at: T0, now: T0, source: 'cli' });
  const send = (d: string, body: Record<string, unknown>, who: typeof OPS | typeof CRO = OPS) => engine.submit({ account: d, source: 'cli', now: T0, event: { ...body, at: T0, ...who } as never });
  for (const d of Object.values(STAGED)) add(d);
  for (const d of [STAGED.mql, STAGED.review, STAGED.briefing, STAGED.won]) send(d, sig(`s-${d}`, 'E1', 'https://www.linkedin.com/in/jane', T0));
  for (const d of [STAGED.review, STAGED.briefing, STAGED.won]) send(d, { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'CONFIRMED', S4: 'NOT_PRESENT' } });
  for (const d of [STAGED.briefing, STAGED.won]) { send(d, { type: 'CRO_CONFIRM' }, CRO); send(d, { type: 'BRIEFING_SCHEDULED' }); }
  send(STAGED.won, { type: 'BRIEFING_COMPLETED' }); send(STAGED.won, { type: 'ASSESSMENT_QUALIFIED' }); send(STAGED.won, { type: 'ASSESSMENT_WON' });
  send(STAGED.dq, { type: 'DISQUALIFY', reason: 'opt-out' });
  settle(engine);
  store.close();
});

let dbN = 0;
/** A fresh copy of the staged database (the fuzzers start over every few hundred cases, to keep hashing cheap). */
function freshDb(): { path: string; engine: Engine; close(): void } {
  const path = join(tmp.dir, `fuzz-${dbN++}.db`);
  copyDb(TEMPLATE, path);
  const { store, engine } = openEngine(path);
  return { path, engine, close: () => store.close() };
}

/** Runs `body` on a database, checks "refused ⇒ unchanged" around it; starts a fresh database every `every` cases. */
function withDb(every: number) {
  let cur: ReturnType<typeof freshDb> | null = null;
  let n = 0;
  return {
    /** The database for the next case, settled up to the case's clock (see settle). */
    get() { if (!cur || n++ % every === 0) { cur?.close(); cur = freshDb(); } settle(cur.engine); return cur; },
    close() { cur?.close(); cur = null; },
  };
}

// ---- signal notes ----

const VALID_NOTE = {
  source: 'dm', prospect_name: 'Jane Doe', prospect_linkedin_url: 'https://linkedin.com/in/janedoe', company_name: 'Acme Cloud',
  company_domain: STAGED.mql, signal_type: 'inbound', signal_summary: 'Replied to the post and asked for 20 minutes.',
  icp_match_score: 82, captured_at: at(NOW, -1), captured_by: 'mining.mind', prospect_role: 'VP Alliances', decision_maker_proximity: 'direct',
};
const noteArb = fc.record({
  edits: fc.array(fc.tuple(fc.constantFrom(...NOTE_FIELDS, 'extra_field', 'Company_Domain'), fc.oneof(anyValue, fc.constant('__drop__'), dateLike, fc.constantFrom(...Object.values(STAGED), 'unknown-co.com', 'acme'))), { maxLength: 4 }),
  body: nasty,
  mangle: fc.constantFrom('none', 'none', 'none', 'crlf', 'bom', 'no-close', 'no-open', 'tab-indent', 'truncate'),
  cut: fc.nat(),
});
function noteText(n: { edits: [string, unknown][]; body: string; mangle: string; cut: number }): { text: string; keys: string[] } {
  const fm: Record<string, unknown> = { ...VALID_NOTE };
  for (const [k, v] of n.edits) if (v === '__drop__') delete fm[k]; else fm[k] = v;
  let yaml: string;
  try { yaml = stringify(fm); } catch { yaml = 'source: dm\n'; }
  let text = `---\n${yaml}---\n${n.body}\n`;
  if (n.mangle === 'crlf') text = text.replace(/\n/g, '\r\n');
  if (n.mangle === 'bom') text = `\ufeff${text}`;
  if (n.mangle === 'no-close') text = `---\n${yaml}${n.body}`;
  if (n.mangle === 'no-open') text = `${yaml}---\n${n.body}`;
  if (n.mangle === 'tab-indent') text = text.replace(/\n(\w)/g, '\n\t$1');
  if (n.mangle === 'truncate') text = text.slice(0, n.cut % (text.length + 1));
  return { text, keys: Object.keys(fm) };
}
const NOTE_FIELD_NAMES = [...NOTE_FIELDS, 'front_matter'];

describe('fuzzed signal notes', () => {
  it('parseSignalNote: every note is accepted with valid fields, or bounced with problems that name a field', () => {
    fc.assert(fc.property(noteArb, (n) => {
      count('notes: parseSignalNote');
      const { text, keys } = noteText(n);
      const parsed = parseSignalNote(text, { now: NOW });
      ended('notes: parseSignalNote', parsed.ok ? 'accepted' : 'bounced');
      if (parsed.ok) {
        expect(normalizeDomain(parsed.note.company_domain)).toEqual({ ok: true, domain: parsed.note.company_domain });
        expect(SIGNAL_CODES).toContain(parsed.signal.code);
        expect(Number.isInteger(parsed.note.icp_match_score) && parsed.note.icp_match_score >= 0 && parsed.note.icp_match_score <= 100).toBe(true);
      } else {
        expect(parsed.problems.length).toBeGreaterThan(0);
        for (const p of parsed.problems) {
          expect([...NOTE_FIELD_NAMES, ...keys]).toContain(p.field);
          expect(p.message.trim()).not.toBe('');
        }
      }
    }), { seed: SEED, numRuns: runs(2000) });
  });

  it('ingestNote: a bounced or refused note changes nothing but the bounce and refusal records', () => {
    const dbs = withDb(150);
    try {
      fc.assert(fc.property(noteArb, (n) => {
        count('notes: ingestNote');
        const { path, engine } = dbs.get();
        const { text } = noteText(n);
        const before = contentHash(engine.store.sqlite);
        const o = ingestNote(engine, { path: 'fuzz.md', text, now: NOW, actor: OPS });
        ended('notes: ingestNote', o.status);
        if (o.status === 'bounced') {
          expect(o.problems.length).toBeGreaterThan(0);
          for (const p of o.problems) expect(p.message.trim()).not.toBe('');
        }
        if (o.status === 'refused') expect(o.why.trim()).not.toBe('');
        if (o.status === 'bounced' || o.status === 'refused' || o.status === 'duplicate') expect(contentHash(engine.store.sqlite), `${o.status}: ${path}`).toBe(before);
        else expect(contentHash(engine.store.sqlite)).not.toBe(before);
      }), { seed: SEED + 1, numRuns: runs(300) });
    } finally { dbs.close(); }
  });

  it('`ladder signal NOTE.md` (in-process): exit 0, or 2/3 with the fields named and the database unchanged', async () => {
    const dir = join(tmp.dir, 'notes'); mkdirSync(dir);
    const dbs = withDb(100);
    let i = 0;
    try {
      await fc.assert(fc.asyncProperty(noteArb, async (n) => {
        count('notes: ladder signal');
        const { path } = dbs.get();
        const file = join(dir, `note-${i++}.md`);
        writeFileSync(file, noteText(n).text);
        const before = contentHash(path);
        const io = captured();
        const json = i % 2 === 0;
        const code = await runCli(['--db', path, '--as', 'ana', '--now', NOW, ...(json ? ['--json'] : []), 'signal', file], io);
        ended('notes: ladder signal', `exit ${code}`);
        expect([0, 2, 3], io.text()).toContain(code);
        if (json) expect(oneJsonDocument(io.stdout()), io.stdout()).toBe(true);
        if (code !== 0) {
          expect(contentHash(path), io.text()).toBe(before);
          if (code === 2) expect(namesAField(io.text(), NOTE_FIELD_NAMES), io.text()).toBe(true);
        }
      }), { seed: SEED + 2, numRuns: runs(100) });
    } finally { dbs.close(); }
  });
});

// ---- import rows and files ----

const header = fc.oneof(
  ...IMPORT_FIELDS.map((f) => fc.constantFrom(...IMPORT_COLUMNS[f]).chain((h) => fc.constantFrom(h, h.toUpperCase(), ` ${h} `, h.replace(' ', '  ')))),
  fc.constantFrom('Industry', 'Notes', 'Owner'), nasty.filter((s) => s.length < 30),
);
const cell = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('Acme', 'Berlin', 'Tier 1', 'T2', '3', 'Reject', 'Network', '82', '71.5', '100', '0', 'acme.com', 'https://www.Acme.co.uk/x', 'www.acme.com', 'xn--bcher-kva.example', 'bücher.example') },
  { weight: 2, arbitrary: dateLike },
  { weight: 3, arbitrary: nasty },
  { weight: 1, arbitrary: fc.domain() },
);
const rawRow = fc.dictionary(header, cell, { maxKeys: 8 });
const validRow = fc.record({ Name: nasty.filter((s) => s.trim() !== ''), Domain: fc.oneof(fc.domain(), fc.constantFrom('acme.com', 'Acme.COM', 'https://acme.com/about')), 'HQ Location': fc.constantFrom('Berlin', 'Zürich', SQL[0]!), Tier: fc.constantFrom(...TIERS, 't1', '2'), 'ICP Score': fc.integer({ min: 0, max: 100 }).map(String) });
const rows = fc.array(fc.oneof(rawRow, validRow), { maxLength: 12 });

describe('fuzzed imports', () => {
  it('sortImportRows: every row in exactly one bucket; rejected rows name their fields; unique rows are clean', () => {
    fc.assert(fc.property(rows, fc.boolean(), (raws, stored) => {
      count('import: sortImportRows');
      const input: RawRow[] = raws.map((raw, i) => ({ rowNumber: i + 2, raw: raw as Record<string, string> }));
      const sorted = sortImportRows(input, (d) => (stored && d.length % 2 === 0 ? { domain: d, name: 'Stored', hq: 'Oslo' } : undefined));
      ended('import: sortImportRows', `${sorted.unique.length ? 'some' : 'no'} unique, ${sorted.rejected.length ? 'some' : 'no'} rejected`);
      const numbers = [...sorted.unique, ...sorted.duplicates, ...sorted.rejected].map((r) => r.rowNumber).sort((a, b) => a - b);
      expect(numbers).toEqual(input.map((r) => r.rowNumber));
      for (const r of sorted.rejected) {
        expect(r.problems.length).toBeGreaterThan(0);
        for (const p of r.problems) { expect([...IMPORT_FIELDS, 'row']).toContain(p.field); expect(p.message.trim()).not.toBe(''); }
      }
      const domains = sorted.unique.map((u) => u.row.domain);
      expect(new Set(domains).size).toBe(domains.length);
      for (const u of sorted.unique) {
        expect(normalizeDomain(u.row.domain)).toEqual({ ok: true, domain: u.row.domain });
        expect(TIERS).toContain(u.row.tier);
        expect(u.row.icpScore >= 0 && u.row.icpScore <= 100).toBe(true);
        expect(u.row.name.trim()).not.toBe('');
      }
    }), { seed: SEED + 3, numRuns: runs(1500) });
  });

  it('importFile on generated CSV: rejected rows and unreadable files change nothing; accepted rows become exactly the unique accounts', async () => {
    const dir = join(tmp.dir, 'csv'); mkdirSync(dir);
    const dbs = withDb(40);
    let i = 0;
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    try {
      await fc.assert(fc.asyncProperty(rows, fc.constantFrom('ok', 'ok', 'ok', 'unclosed-quote-at-end', 'duplicate-header', 'json', 'binary-tail'), async (raws, shape) => {
        count('import: importFile');
        const { path, engine } = dbs.get();
        const headers = [...new Set(raws.flatMap((r) => Object.keys(r)))];
        const lines = [headers.map(q).join(','), ...raws.map((r) => headers.map((h) => q(String((r as Record<string, unknown>)[h] ?? ''))).join(','))];
        let text = `${lines.join('\n')}\n`;
        let ext = 'csv';
        if (shape === 'unclosed-quote-at-end') text += '"unterminated,row\n';
        if (shape === 'duplicate-header') text = `Name,Name,${text}`;
        if (shape === 'json') { ext = 'json'; text = JSON.stringify(raws); }
        if (shape === 'binary-tail') text += '\u0000\u0001"\n';
        const file = join(dir, `import-${i++}.${ext}`);
        writeFileSync(file, text);
        const before = contentHash(path, ['refusals', 'intake_bounces', 'escalations', 'import_batches']);
        const accountsBefore = engine.store.sqlite.prepare('select count(*) from accounts').pluck().get() as number;
        try {
          const report = await importFile(engine, { path: file, now: NOW, actor: OPS, chunkSize: 3 });
          ended('import: importFile', 'read');
          const after = engine.store.sqlite.prepare('select count(*) from accounts').pluck().get() as number;
          // Tier Reject rows are created too (archived at intake, never on the board), counted apart.
          expect(after - accountsBefore).toBe(report.counts.unique + report.counts.tierReject);
          expect(report.counts.refused).toBe(0); // every row at one --now: nothing for the engine to refuse
          for (const r of report.rejected) for (const p of r.problems) expect([...IMPORT_FIELDS, 'row']).toContain(p.field);
          if (report.counts.unique + report.counts.tierReject === 0 && report.duplicates.every((d) => d.enriched.length === 0)) expect(contentHash(path, ['refusals', 'intake_bounces', 'escalations', 'import_batches'])).toBe(before);
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(ImportFileError);
          ended('import: importFile', 'refused whole');
          expect((err as Error).message).toContain(file);
          // A file that cannot be read whole is refused whole: no row of it may have been imported.
          expect(contentHash(path, ['refusals', 'intake_bounces', 'escalations', 'import_batches']), `${shape}: ${(err as Error).message}`).toBe(before);
        }
      }), { seed: SEED + 4, numRuns: runs(100) });
    } finally { dbs.close(); }
  });
});

// ---- event JSON through engine.submit ----

const ROLES_ANY = fc.constantFrom('sales.ops', 'cro', 'cmo', 'chief.staff', 'system', 'admin', '', 'CRO');
const eventBase = fc.constantFrom(
  () => ({ type: 'SIGNAL', signal: { id: 'x', code: 'E1', interaction: 'comment', contact: 'https://www.linkedin.com/in/j', at: NOW } }),
  () => ({ type: 'FACTS', facts: { employees: 500 } }),
  () => ({ type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'CONFIRMED', S4: 'NOT_PRESENT' } }),
  () => ({ type: 'CRO_CONFIRM' }), () => ({ type: 'CRO_DISPUTE', reason: 'weak' }), () => ({ type: 'CRO_FLAG' }),
  () => ({ type: 'CRO_OVERRIDE', gate: 'G4', justification: 'sponsor', compensatingSignals: ['referral'] }),
  () => ({ type: 'CRO_REOPEN', reason: 'new team' }), () => ({ type: 'BRIEFING_SCHEDULED', scheduledFor: NOW }), () => ({ type: 'BRIEFING_COMPLETED' }),
  () => ({ type: 'ASSESSMENT_QUALIFIED' }), () => ({ type: 'ASSESSMENT_WON' }), () => ({ type: 'ASSESSMENT_LOST', reason: 'budget' }),
  () => ({ type: 'DISQUALIFY', reason: 'acquired' }), () => ({ type: 'ARCHIVE' }),
  () => ({ type: 'xstate.after.SQL_STALE.ladder.SQL' }), () => ({ type: 'ACCOUNT_ADDED' }), () => ({ type: 'NOT_AN_EVENT' }),
);
const pathArb = fc.constantFrom('type', 'at', 'by', 'role', 'signal', 'signal.code', 'signal.at', 'signal.id', 'signal.contact', 'signal.interaction', 'facts', 'facts.employees', 'facts.revenueUsd', 'facts.fundingDate', 'facts.bogus', 'scores', 'scores.S1', 'scores.S5', 'reason', 'gate', 'justification', 'compensatingSignals', 'scheduledFor', 'note', 'evidence', 'verdict', 'tier', 'extra');
const eventArb = fc.record({
  base: eventBase, at: fc.oneof({ weight: 4, arbitrary: fc.constant(NOW) }, { weight: 1, arbitrary: dateLike }), by: fc.oneof({ weight: 4, arbitrary: fc.constant('ana') }, { weight: 1, arbitrary: nasty }), role: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('sales.ops', 'cro') }, { weight: 1, arbitrary: ROLES_ANY }),
  // A third untouched (they reach the machine: applied or refused by it), the rest with one to three edits.
  edits: fc.oneof(fc.constant([] as [string, unknown][]), fc.array(fc.tuple(pathArb, fc.oneof(anyValue, dateLike, fc.constant('__drop__'), fc.constantFrom(...SIGNAL_CODES, ...BUYING_SCORES, ...GATES, ...DISQUALIFY_REASONS, ...TIERS))), { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(pathArb, fc.constantFrom(...SIGNAL_CODES, ...BUYING_SCORES, ...GATES, ...DISQUALIFY_REASONS, ...TIERS, NOW)), { minLength: 1, maxLength: 2 })),
  account: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...Object.values(STAGED)) }, { weight: 1, arbitrary: nasty }),
  whole: fc.oneof({ weight: 20, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anyValue }),
  key: fc.option(fc.oneof(fc.constant('k-1'), nasty), { freq: 4 }),
});
function buildEvent(e: { base: () => Record<string, unknown>; at: string; by: string; role: string; edits: [string, unknown][]; whole: unknown }): unknown {
  if (e.whole !== undefined) return e.whole;
  const ev: Record<string, unknown> = { ...e.base(), at: e.at, by: e.by, role: e.role };
  for (const [path, value] of e.edits) {
    const parts = path.split('.');
    let obj = ev;
    for (const p of parts.slice(0, -1)) { if (typeof obj[p] !== 'object' || obj[p] === null) obj[p] = {}; obj = obj[p] as Record<string, unknown>; }
    if (value === '__drop__') delete obj[parts[parts.length - 1]!]; else obj[parts[parts.length - 1]!] = value;
  }
  return ev;
}

describe('fuzzed event JSON through engine.submit', () => {
  it('applied only when the schema accepts it; else BadInputError naming the field or RefusedError with a reason; refusals change nothing', () => {
    const dbs = withDb(250);
    try {
      fc.assert(fc.property(eventArb, (e) => {
        count('event JSON: submit');
        const { engine } = dbs.get();
        const event = buildEvent(e);
        const before = contentHash(engine.store.sqlite);
        const refusals = engine.store.sqlite.prepare('select count(*) from refusals').pluck().get() as number;
        try {
          const a = engine.submit({ account: e.account, source: 'api', now: NOW, event: event as never, ...(e.key ? { idempotencyKey: e.key } : {}) });
          ended('event JSON: submit', a.status);
          if (a.status === 'applied') expect(LadderCommandEvent.safeParse(event).success).toBe(true);
          else expect(contentHash(engine.store.sqlite)).toBe(before);
        } catch (err) {
          const detail = `${(err as Error).name}: ${(err as Error).message?.slice(0, 300)} for ${JSON.stringify(event)?.slice(0, 300)}`;
          ended('event JSON: submit', err instanceof BadInputError ? 'bad input' : err instanceof RefusedError ? 'refused' : 'other error');
          expect(err instanceof BadInputError || err instanceof RefusedError, detail).toBe(true);
          expect((err as Error).message.trim()).not.toBe('');
          if (err instanceof BadInputError) {
            const keys = event && typeof event === 'object' ? Object.keys(event as object) : [];
            expect(namesAField(err.message, [...keys, 'account', '(input)']), detail).toBe(true);
          }
          expect(contentHash(engine.store.sqlite), detail).toBe(before);
          const added = (engine.store.sqlite.prepare('select count(*) from refusals').pluck().get() as number) - refusals;
          expect(added).toBe(err instanceof RefusedError ? 1 : 0);
        }
      }), { seed: SEED + 5, numRuns: runs(1500) });
    } finally { dbs.close(); }
  });
});

// ---- CLI arguments through runCli ----

function captured() {
  const out: string[] = []; const err: string[] = [];
  return { out: (s: string) => { out.push(s); }, err: (s: string) => { err.push(s); }, isTTY: false, env: {} as NodeJS.ProcessEnv, text: () => [...out, ...err].join('\n'), stdout: () => out.join('\n') };
}
/** With --json, stdout is one JSON document whatever happened (a program reads it). */
function oneJsonDocument(stdout: string): boolean {
  if (stdout.trim() === '') return true;
  try { JSON.parse(stdout); return true; } catch { return false; }
}
/** An option: present most of the time (`--name VALUE`), its value usually one the command accepts. */
const opt = (name: string, value: fc.Arbitrary<string>) => fc.option(value.map((v) => [name, v]), { freq: 6 }).map((x) => x ?? []);
// Mostly plausible values, so that commands get past the parser to the machine often enough; the rest nasty.
const val = fc.oneof({ weight: 2, arbitrary: nasty.filter((s) => !s.includes('\u0000')) }, { weight: 1, arbitrary: dateLike.filter((s) => !s.includes('\u0000')) });
const v = (...valid: string[]) => fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: val });
const account = v(...Object.values(STAGED), 'new.example.com', 'Acme.COM', 'https://www.review.example.com/x');
const score = v('likely', 'confirmed', 'unverified', 'not_present', 'LIKELY', 'not present');
const command = fc.oneof(
  fc.tuple(account, opt('--name', v('Acme', SQL[1]!, 'Ünïcødé GmbH')), opt('--hq', v('Berlin', 'Zürich')), opt('--tier', v(...TIERS)), opt('--icp', v('0', '82', '100', '71.5'))).map(([a, ...o]) => ['account', 'add', a, ...o.flat()]),
  fc.tuple(account, opt('--code', v(...SIGNAL_CODES, 'e3')), opt('--contact', v('https://www.linkedin.com/in/jane', 'jane@acme.com', 'linkedin.com/in/Jane/?x=1', 'jane', SQL[0]!)), opt('--interaction', v('comment', 'share', 'like')), fc.option(fc.tuple(fc.constant('--at'), v(NOW, at(NOW, -3))), { freq: 3 }).map((x) => x ?? []), opt('--id', v('s1', 's2', 's3')), opt('--source', v('post', SQL[2]!)))
    .map(([a, ...o]) => ['signal', a, ...o.flat()]),
  fc.tuple(account, fc.array(v('employees=1200', 'employees=150', 'partnerProgram=AWS', 'revenueUsd=120000000', 'namedReferral=true', 'competitor=true', 'bogus=1', 'fundingDate=2026-01-01'), { maxLength: 3 }), fc.option(fc.tuple(fc.constant('--gate'), v(...GATES, 'g4')), { freq: 3 }).map((x) => x ?? []), fc.option(fc.constantFrom(['--pass'], ['--fail'], ['--pass', '--fail']), { freq: 3 }), opt('--why', v('budget seen', ' ')), fc.option(fc.tuple(fc.constant('--tier'), v(...TIERS)), { freq: 4 }).map((x) => x ?? []))
    .map(([a, facts, g, pf, w, t]) => ['facts', a, ...facts.flatMap((f) => ['--fact', f]), ...g, ...(pf ?? []), ...w, ...t]),
  fc.tuple(account, opt('--s1', score), opt('--s2', score), opt('--s3', score), opt('--s4', score), opt('--evidence-s1', v('partner revenue 40%', SQL[0]!))).map(([a, ...o]) => ['dossier', a, ...o.flat()]),
  fc.tuple(fc.constantFrom('confirm', 'dispute', 'flag', 'override', 'reopen'), account, opt('--reason', v('weak S3', SQL[1]!)), fc.option(fc.tuple(fc.constant('--gate'), v(...GATES)), { freq: 2 }).map((x) => x ?? []), opt('--justification', v('exec sponsor')), opt('--compensating', v('named referral')))
    .map(([c, a, r, g, j, k]) => ['cro', c, a, ...(c === 'dispute' || c === 'reopen' ? r : []), ...(c === 'override' ? [...g, ...j, ...k] : [])]),
  fc.tuple(fc.constantFrom(['briefing', 'scheduled'], ['briefing', 'completed'], ['assessment', 'qualified'], ['assessment', 'won'], ['assessment', 'lost'], ['archive'], ['disqualify']), account, opt('--for', v(at(NOW, 7))), opt('--reason', v(...DISQUALIFY_REASONS, 'no budget')), opt('--note', v('called twice')))
    .map(([c, a, f, r, n]) => [...c, a, ...(c[1] === 'scheduled' ? f : []), ...(c[0] === 'disqualify' || c[1] === 'lost' || c[0] === 'archive' ? r : []), ...(c[0] === 'disqualify' ? n : [])]),
  fc.tuple(fc.constantFrom('status', 'history', 'list', 'sweep', 'import', 'init'), account, opt('--stage', v('MQL', 'SQL', 'WON', 'mql')), opt('--batch', v('1', '50', '0')), opt('--chunk', v('1', '100', '0')))
    .map(([c, a, st, b, ch]) => [c, ...(c === 'status' || c === 'history' || c === 'import' ? [a] : []), ...(c === 'list' ? st : []), ...(c === 'sweep' ? b : []), ...(c === 'import' ? ch : [])]),
  fc.tuple(fc.constantFrom('monday', 'report', 'nonsense'), fc.constantFrom('status', 'push', 'retry', 'verify', 'bogus')).map((x) => [...x]),
  fc.array(val, { maxLength: 4 }),
);
const globals = fc.record({
  as: fc.oneof({ weight: 12, arbitrary: fc.constantFrom('ana', 'marcus', 'carla', 'cole') }, { weight: 1, arbitrary: val }),
  now: fc.oneof({ weight: 10, arbitrary: fc.constant(NOW) }, { weight: 1, arbitrary: dateLike.filter((s) => !s.includes('\u0000')) }),
  json: fc.boolean(),
});

describe('fuzzed CLI arguments (runCli in-process)', () => {
  it('exits 0, or 2 naming the field, or 3 with a reason; never crashes; a refused command changes nothing', async () => {
    const dbs = withDb(120);
    try {
      await fc.assert(fc.asyncProperty(globals, command, async (g, cmd) => {
        count('CLI arguments');
        // A case at another clock gets a database of its own (settled up to that clock, when it is one): dated
        // later than NOW, its events would put the shared accounts out of reach of the NOW cases that follow.
        const own = g.now === NOW ? null : freshDb();
        const clock = parseInstant(g.now);
        if (own && clock.ok) settle(own.engine, clock.iso);
        const { path } = own ?? dbs.get();
        const argv = ['--db', path, '--as', g.as, '--now', g.now, ...(g.json ? ['--json'] : []), ...cmd];
        const before = contentHash(path);
        const io = captured();
        const code = await runCli(argv, io);
        own?.close();
        ended('CLI arguments', `exit ${code}`);
        const detail = `ladder ${argv.slice(2).map((a) => JSON.stringify(a.slice(0, 60))).join(' ')} → ${code}\n${io.text().slice(0, 600)}`;
        expect([0, 2, 3], detail).toContain(code);
        if (g.json) expect(oneJsonDocument(io.stdout()), detail).toBe(true);
        if (code !== 0) {
          expect(contentHash(path), detail).toBe(before);
          if (code === 2) expect(namesAField(io.text(), []), detail).toBe(true);
          else expect(io.text().trim(), detail).not.toBe('');
        }
      }), { seed: SEED + 6, numRuns: runs(600) });
    } finally { dbs.close(); }
  });
});

// ---- configuration ----

/** Mostly a value the schema accepts, sometimes any JSON at all. */
const ok = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anyValue });
const mondayArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    boardId: ok(fc.constantFrom('18406915789', '42')), apiVersion: ok(fc.constantFrom('2026-10', '2025-04')), endpoint: ok(fc.webUrl()),
    columns: ok(fc.dictionary(fc.constantFrom('domain', 'stage', 'tier', 'bogus'), ok(fc.constantFrom('text_abc', 'status_1')), { maxKeys: 2 })),
    batch: ok(fc.dictionary(fc.constantFrom('itemsPerRequest', 'mutationsPerRequest'), ok(fc.integer({ min: -1, max: 600 })), { maxKeys: 2 })),
    retry: ok(fc.dictionary(fc.constantFrom('maxAttempts', 'baseDelayMs', 'timeoutMs'), ok(fc.integer({ min: -1, max: 100_000 })), { maxKeys: 2 })),
    labels: ok(fc.record({ stage: fc.dictionary(fc.constantFrom('MQL', 'WON', 'NOPE'), ok(fc.constantFrom('MQL', 'Won 🎉')), { maxKeys: 2 }) }, { requiredKeys: [] })),
    enabled: ok(fc.boolean()), tokenFile: ok(fc.constant('/tmp/token')), createItems: ok(fc.boolean()), pushAfterCommands: ok(fc.boolean()),
  }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: anyValue },
);
const userName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('ana', 'marcus', 'cro', 'Zoë', "o'brien") }, { weight: 1, arbitrary: nasty.filter((s) => s.length < 20) });
const rulesArb = ok(fc.record({
  timers: ok(fc.dictionary(fc.constantFrom('sqlStaleDays', 'mqlStaleDays', 'recycleCooldownDays', 'bogus'), ok(fc.integer({ min: -5, max: 400 })), { maxKeys: 2 })),
  holidays: ok(fc.array(fc.oneof(fc.constantFrom('2026-12-25', '2026-01-01'), dateLike), { maxLength: 3 })),
  signals: ok(fc.dictionary(fc.constantFrom('windowDays', 'fullCreditDays', 'likesNeeded'), ok(fc.integer({ min: -1, max: 400 })), { maxKeys: 2 })),
}, { requiredKeys: [] }));
const configArb = fc.oneof(
  { weight: 1, arbitrary: anyValue },
  { weight: 8, arbitrary: fc.record({
    users: ok(fc.dictionary(userName, ok(fc.constantFrom('sales.ops', 'cro', 'cmo', 'chief.staff', 'system', 'admin')), { maxKeys: 3 })),
    rules: rulesArb, monday: mondayArb,
  }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.record({ users: fc.constant({}), extra: anyValue }) },
);
describe('fuzzed configuration', () => {
  it('importConfigFile: valid settings, or a BadInputError naming the field', () => {
    fc.assert(fc.property(configArb, (raw) => {
      count('config: importConfigFile');
      let settings: ReturnType<typeof importConfigFile>;
      try { settings = importConfigFile(DEFAULT_SETTINGS, raw, 'fuzz.json'); } catch (err) {
        ended('config: importConfigFile', 'refused');
        expect(err, String(err)).toBeInstanceOf(BadInputError);
        const keys = raw && typeof raw === 'object' && !Array.isArray(raw) ? Object.keys(raw) : ['(input)'];
        expect(namesAField((err as Error).message, keys), (err as Error).message).toBe(true);
        return;
      }
      ended('config: importConfigFile', 'accepted');
      // What would be stored is a whole valid document: users with a user's role and a user's name, a board or none.
      expect(validateSettings(settings)).toEqual(settings);
      expect(Object.values(settings.users).every((r) => (USER_ROLES as string[]).includes(r))).toBe(true);
      expect(Object.keys(settings.users).every((n) => UserName.safeParse(n).success)).toBe(true);
      if (settings.monday !== null) expect(() => parseMondayConfig(settings.monday)).not.toThrow();
    }), { seed: SEED + 7, numRuns: runs(2000) });
  });

  it('parseMondayConfig: a board configuration, or a BadInputError naming monday.<field>', () => {
    fc.assert(fc.property(mondayArb, (raw) => {
      count('config: parseMondayConfig');
      try {
        const m = parseMondayConfig(raw);
        ended('config: parseMondayConfig', 'accepted');
        expect(m.boardId).toMatch(/^\d+$/);
        expect(Object.values(m.columns).every((c) => /^[a-z0-9_]+$/.test(c))).toBe(true);
      } catch (err) {
        ended('config: parseMondayConfig', 'refused');
        expect(err, String(err)).toBeInstanceOf(BadInputError);
        expect((err as Error).message, (err as Error).message).toMatch(/(^|\n)monday(\.[\w.]+)?: /);
      }
    }), { seed: SEED + 11, numRuns: runs(1500) });
  });
});

describe('fuzzed configuration files through the CLI', () => {
  it('`ladder settings import FILE`: a file that is not a valid configuration is refused (exit 2) naming it, and nothing is written', async () => {
    const dir = join(tmp.dir, 'configs'); mkdirSync(dir);
    const dbs = withDb(100);
    let i = 0;
    try {
      await fc.assert(fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: configArb.map((c) => JSON.stringify(c) ?? '') }, { weight: 1, arbitrary: nasty }), async (text) => {
        count('config: ladder settings import FILE');
        const { path, engine } = dbs.get();
        const file = join(dir, `config-${i++}.json`);
        writeFileSync(file, text);
        const before = contentHash(path, []);
        const versions = engine.store.sqlite.prepare('select count(*) from settings').pluck().get() as number;
        const io = captured();
        const code = await runCli(['--db', path, '--as', 'sales.ops', '--now', NOW, 'settings', 'import', file], io);
        ended('config: ladder settings import FILE', `exit ${code}`);
        expect([0, 2], io.text()).toContain(code);
        if (code === 2) {
          // Refused before anything was written: not even a refusal record.
          expect(io.text()).toMatch(/ladder: (.*config.*|.*\.json.*|monday.*)/);
          expect(contentHash(path, []), io.text()).toBe(before);
          return;
        }
        // Imported: at most one new settings version, a valid whole document, and the ladder still works under it.
        const after = engine.store.sqlite.prepare('select count(*) from settings').pluck().get() as number;
        expect(after - versions).toBeLessThanOrEqual(1);
        expect(() => validateSettings(engine.settings)).not.toThrow();
        const o = captured();
        const signal = await runCli(['--db', path, '--as', 'sales.ops', '--now', NOW, 'signal', STAGED.mql, '--code', 'E2', '--contact', contact(i)], o);
        expect([0, 3], o.text()).toContain(signal);
      }), { seed: SEED + 12, numRuns: runs(150) });
    } finally { dbs.close(); }
  });
});

// ---- domains and dates ----

const domainish = fc.oneof(
  fc.domain(),
  fc.tuple(fc.constantFrom('', 'https://', 'HTTP://', '//', 'mailto:', 'user@'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 15 }), fc.constantFrom('.com', '.co.uk', '．ｃｏｍ', '。jp', '.xn--p1ai', '.123', '', '.'), fc.constantFrom('', '/about', ':8080', '?q=1', '#x', '\u200b'))
    .map((p) => p.join('')),
  nasty,
);
describe('fuzzed domains and dates', () => {
  it('normalizeDomain: a clean, stable ASCII key, or an error quoting the value', () => {
    fc.assert(fc.property(domainish, (input) => {
      count('domains: normalizeDomain');
      const r = normalizeDomain(input);
      ended('domains: normalizeDomain', r.ok ? 'accepted' : 'refused');
      if (r.ok) {
        expect(r.domain).toMatch(/^[a-z0-9.-]+$/);
        expect(r.domain.length).toBeLessThanOrEqual(253);
        expect(normalizeDomain(r.domain)).toEqual(r);
      } else {
        expect(r.error).toContain(JSON.stringify(input).slice(0, 40).replace(/"$/, ''));
      }
    }), { seed: SEED + 8, numRuns: runs(3000) });
  });

  it('`ladder account add` with any domain and name: the account key is normalized, the name stored verbatim, or refused naming the field', async () => {
    const dbs = withDb(150);
    try {
      await fc.assert(fc.asyncProperty(domainish.filter((s) => !s.includes('\u0000') && !s.startsWith('-')), nasty.filter((s) => !s.includes('\u0000') && !s.startsWith('-')), async (domain, name) => {
        count('domains: account add');
        const { path, engine } = dbs.get();
        const before = contentHash(path);
        const io = captured();
        const code = await runCli(['--db', path, '--as', 'ana', '--now', NOW, 'account', 'add', domain, '--name', name, '--hq', 'Berlin', '--tier', 'Tier 2', '--icp', '50'], io);
        ended('domains: account add', `exit ${code}`);
        const n = normalizeDomain(domain);
        if (code === 0) {
          expect(n.ok).toBe(true);
          const row = engine.store.sqlite.prepare('select name from accounts where domain = ?').get(n.ok ? n.domain : '') as { name: string };
          expect(row.name).toBe(name.trim());
        } else {
          expect([2, 3], io.text()).toContain(code);
          expect(contentHash(path)).toBe(before);
          expect(io.text()).toMatch(code === 2 ? /ladder: (account|--name|--hq|name|hq): / : /already on the ladder/);
        }
      }), { seed: SEED + 9, numRuns: runs(120) });
    } finally { dbs.close(); }
  });

  it('dates on events: accepted ones are stored as UTC ISO instants; the rest are refused naming `at`', () => {
    const dbs = withDb(200);
    try {
      fc.assert(fc.property(dateLike, fc.constantFrom('at', 'signal.at', 'scheduledFor', 'facts.fundingDate'), (date, where) => {
        count('dates: event fields');
        const { engine } = dbs.get();
        const account = where === 'scheduledFor' ? STAGED.briefing : STAGED.prospect;
        const event: Record<string, unknown> = where === 'scheduledFor' ? { type: 'BRIEFING_SCHEDULED', at: NOW, ...OPS } : where === 'facts.fundingDate' ? { type: 'FACTS', at: NOW, ...OPS, facts: { fundingDate: date } } : { ...sig(`d-${date.slice(0, 40)}`, 'E2', contact('d'), where === 'signal.at' ? date : NOW), at: where === 'at' ? date : NOW, ...OPS };
        if (where === 'scheduledFor') event.scheduledFor = date;
        const before = contentHash(engine.store.sqlite);
        try {
          const a = engine.submit({ account, source: 'api', now: NOW, event: event as never });
          ended('dates: event fields', a.status);
          if (a.status === 'applied') {
            const stored = JSON.parse(engine.store.sqlite.prepare('select payload from events where id = ?').pluck().get(a.eventId) as string) as Record<string, unknown>;
            expect(stored.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
            if (where === 'signal.at') expect((stored.signal as { at: string }).at).toMatch(/Z$/);
          }
        } catch (err) {
          expect(err instanceof BadInputError || err instanceof RefusedError, String(err)).toBe(true);
          ended('dates: event fields', err instanceof BadInputError ? 'bad input' : 'refused');
          if (err instanceof BadInputError) expect((err as Error).message).toContain(where.split('.').pop()!);
          expect(contentHash(engine.store.sqlite)).toBe(before);
        }
      }), { seed: SEED + 10, numRuns: runs(400) });
    } finally { dbs.close(); }
  });
});

it('ran at least 10 000 generated cases in total', () => {
  // vitest runs a file's tests in order: this one comes last.
  const total = Object.values(cases).reduce((a, b) => a + b, 0);
  if (SCALE >= 1) expect(total).toBeGreaterThanOrEqual(10_000);
});
