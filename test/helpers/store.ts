// Test helpers: a real SQLite file per test in a temp folder (never a mock store).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/open.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { createLadderMachine } from '../../machines/ladder.js';
import { DEFAULT_RULES } from '../../machines/rules/config.js';

export function tempDir(prefix = 'ladder-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function tempEngine(): { engine: Engine; store: Store; path: string; cleanup(): void } {
  const t = tempDir();
  const path = join(t.dir, 'ladder.db');
  const store = openStore(path);
  const engine = createEngine(store, { machine: createLadderMachine(DEFAULT_RULES), rules: DEFAULT_RULES });
  return { engine, store, path, cleanup: () => { store.close(); t.cleanup(); } };
}

/** Facts that pass G1-G5 (LQ 3.1-3.4). */
export const PASSING_FACTS = {
  employees: 1200, revenueUsd: 120_000_000, revenueConfirmed: true, partnerProgram: 'AWS',
  namedReferral: true, namedPartnerExec: true, nonEnglishMarket: false, sanctioned: false, competitor: false,
};

export const day = (base: string, n: number) => new Date(Date.parse(base) + n * 86_400_000).toISOString();
