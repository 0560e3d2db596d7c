// Issue 11, "one door": nothing outside the engine writes the ladder's tables or builds an engine. A scan of
// every source file of src/, bench/ and scripts/ (a lint rule in test form): a drizzle insert/update/delete on
// a ladder table, raw SQL that writes one, or a createEngine call outside the engine and the one factory
// (src/ladder.ts) fails it, naming the file and line. The monday outbox tables belong to the pusher.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** The ladder's tables: TypeScript names (schema.ts) and SQL names. */
const LADDER_TABLES: Record<string, string> = {
  accounts: 'accounts', actors: 'actors', events: 'events', refusals: 'refusals', stageHistory: 'stage_history', timers: 'timers',
  suppressions: 'suppressions', escalations: 'escalations', intakeNotes: 'intake_notes', intakeBounces: 'intake_bounces',
  importBatches: 'import_batches', settings: 'settings', dataMigrations: 'data_migrations', userTokens: 'user_tokens',
  // Issue 14: the machines beside the ladder and their ledgers.
  machineActors: 'machine_actors', machineEvents: 'machine_events', machineTimers: 'machine_timers',
  templates: 'templates', recipientLists: 'recipient_lists', recipientEntries: 'recipient_entries',
};

/** Where writes to ladder tables are the point, each with the reason. */
const ALLOWED: Record<string, string> = {
  'src/engine/': 'the engine: the one door',
  'src/store/': 'schema, migrations and one-off data migrations when a database is opened',
  'bench/stamp.ts': 'the bench generator stamps rows the real engine wrote (templates) into a scratch fleet',
  'bench/generate.ts': 'the bench generator bulk-loads a scratch fleet',
  'bench/templates.ts': 'empties its in-memory scratch database between stories',
  'bench/bare-step.ts': 'the "bare step" baseline the benchmark compares the engine against, on a copy',
};
const FACTORY = ['src/ladder.ts', 'src/engine/'];

type Violation = { file: string; line: number; text: string; what: string };

function scan(file: string, text: string): Violation[] {
  const out: Violation[] = [];
  const ts = Object.keys(LADDER_TABLES).join('|');
  const sqlNames = Object.values(LADDER_TABLES).join('|');
  const drizzleWrite = new RegExp(`\\.(insert|update|delete)\\(\\s*(${ts})\\b`);
  const rawWrite = new RegExp(`\\b(insert\\s+(or\\s+\\w+\\s+)?into|replace\\s+into|update|delete\\s+from)\\s+["\`]?(${sqlNames})\\b["\`]?`, 'i');
  const allowed = Object.keys(ALLOWED).some((p) => file.startsWith(p));
  const factory = FACTORY.some((p) => file.startsWith(p));
  text.split('\n').forEach((line, i) => {
    if (!allowed && drizzleWrite.test(line)) out.push({ file, line: i + 1, text: line.trim(), what: 'writes a ladder table outside the engine' });
    if (!allowed && rawWrite.test(line) && /['"`]/.test(line)) out.push({ file, line: i + 1, text: line.trim(), what: 'writes a ladder table with raw SQL outside the engine' });
    if (!factory && /\bcreateEngine\s*\(/.test(line)) out.push({ file, line: i + 1, text: line.trim(), what: 'builds an engine outside openLadder (src/ladder.ts)' });
  });
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' || name === 'results' ? [] : sources(full);
    return /\.(ts|mts|mjs|js)$/.test(name) ? [full] : [];
  });
}

describe('one door for every write (issue 11)', () => {
  it('no source file outside the engine writes a ladder table or builds an engine', () => {
    const files = ['src', 'bench', 'scripts'].flatMap((d) => sources(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(50);
    const violations = files.flatMap((f) => scan(relative(ROOT, f), readFileSync(f, 'utf8')));
    expect(violations).toEqual([]);
  });

  it('the scan catches what it is for (a check that cannot fail checks nothing)', () => {
    const bad = [
      "db.insert(accounts).values({ domain })",
      "  tx.update(actors).set({ version: 2 })",
      "db.delete(timers).where(eq(timers.id, 1))",
      "sqlite.prepare('update events set at = ? where id = ?')",
      'sqlite.exec(`insert into "suppressions" (kind) values (1)`)',
      "const engine = createEngine(store, {})",
    ].join('\n');
    expect(scan('src/cli/sneaky.ts', bad).map((v) => v.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(scan('src/engine/engine.ts', bad).map((v) => v.line)).toEqual([]);
    expect(scan('src/monday/pusher.ts', 'db.update(mondayItems).set({ state: "ok" })')).toEqual([]);
  });
});
