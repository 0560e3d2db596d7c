// Test helpers: a real SQLite file per test in a temp folder (never a mock store), opened through the one
// factory (openLadder) like every other door; a test's rules, board and users are settings in the database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/store/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { openLadder, type Ladder, type LadderOptions } from '../../src/ladder.js';
import type { RulesConfig } from '../../machines/rules/config.js';
import { DEFAULT_USERS, type Settings, type UserRole } from '../../src/settings/schema.js';
import { diffSettings } from '../../src/settings/edit.js';

export function tempDir(prefix = 'ladder-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** When a test's settings take effect: before any event a test records. */
export const TEST_SETTINGS_AT = '2000-01-01T00:00:00.000Z';

export type TestSettings = { rules?: RulesConfig; monday?: object | null; users?: Record<string, string> };

/** Makes the database's settings say what the test needs (a recorded settings change, like `ladder settings set`). */
export function configure(ladder: Ladder, o: TestSettings, at = TEST_SETTINGS_AT): void {
  const cur = ladder.engine.settings;
  const next: Settings = {
    ...cur,
    ...(o.rules ? { rules: structuredClone(o.rules) as RulesConfig } : {}),
    ...(o.monday !== undefined ? { monday: o.monday === null ? null : (JSON.parse(JSON.stringify(o.monday)) as Record<string, unknown>) } : {}),
    ...(o.users ? { users: { ...DEFAULT_USERS, ...(o.users as Record<string, UserRole>) } } : {}),
  };
  if (diffSettings(cur, next).length) ladder.engine.changeSettings(() => next, { by: 'test', role: 'sales.ops', now: at, change: 'test settings', source: 'cli' });
}

/**
 * A ladder on `path` (created when missing) with the test's settings. Tests move the clock (STYLE 3), so they
 * are simulations: a --now ahead of the real clock is allowed here; the CLI suites check the rule itself.
 */
export function openTestLadder(path: string, o: TestSettings & LadderOptions = {}): Ladder {
  const { rules, monday, users, ...opts } = o;
  const ladder = openLadder(path, { mode: 'create', allowFuture: true, ...opts });
  try {
    configure(ladder, { rules, monday, users });
  } catch (err) {
    ladder.close();
    throw err;
  }
  return ladder;
}

export function tempEngine(o: TestSettings = {}): { engine: Engine; store: Store; ladder: Ladder; path: string; cleanup(): void } {
  const t = tempDir();
  const path = join(t.dir, 'ladder.db');
  const ladder = openTestLadder(path, o);
  return { engine: ladder.engine, store: ladder.store, ladder, path, cleanup: () => { ladder.close(); t.cleanup(); } };
}

/** Facts that pass G1-G5 (LQ 3.1-3.4). */
export const PASSING_FACTS = {
  employees: 1200, revenueUsd: 120_000_000, revenueConfirmed: true, partnerProgram: 'AWS',
  namedReferral: true, namedPartnerExec: true, nonEnglishMarket: false, sanctioned: false, competitor: false,
};

export const day = (base: string, n: number) => new Date(Date.parse(base) + n * 86_400_000).toISOString();

/** The system's identity for in-process sweeps (the server's routine): allowed to sweep, never a user. */
export const SYSTEM = { by: 'system', role: 'system' } as const;
