// Issue 7.5, backups: `ladder backup PATH` (better-sqlite3's backup(), SQLite's online backup API) while
// another process keeps writing events. Every copy opens on its own, passes PRAGMA integrity_check and the
// replay invariant (a consistent cut: every account's log replays to its snapshot), and holds a prefix of
// the writer's history: no more than was committed when it finished, no less than when it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, ROOT, T0, checkInvariants, childEnv, ensureBuilt, fastTempDir, openEngine, scalar, spawnLadder, staleBuild } from '../helpers/reliability.js';
import { PASSING_FACTS } from '../helpers/store.js';

const tmp = fastTempDir('ladder-backup-');
const ACCOUNTS = Array.from({ length: 24 }, (_, i) => `backup${i}.example.com`);
const WORKER = join(ROOT, 'test', 'helpers', 'reliability-worker.mjs');
const BACKUPS = 4;
let hammer: ChildProcess | undefined;

beforeAll(() => {
  ensureBuilt();
  expect(staleBuild(), 'sources newer than dist/: run npm run build').toEqual([]);
});
afterAll(() => { if (hammer && hammer.exitCode === null) hammer.kill('SIGKILL'); tmp.cleanup(); });

/** Starts a writer process; resolves once its first command is committed, with a promise of its end. */
function startHammer(db: string, commands: number): Promise<{ done: Promise<{ code: number | null; stderr: string }>; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, db, '0', String(commands), '99', T0, ACCOUNTS.join(',')], { env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const done = new Promise<{ code: number | null; stderr: string }>((d) => child.on('close', (code) => d({ code, stderr })));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      if (stderr.includes('started')) resolve({ done, child });
    });
    child.on('error', reject);
    child.on('close', () => { if (!stderr.includes('started')) reject(new Error(`the writer ended before starting: ${stderr}`)); });
  });
}

describe('online backup while commands run', () => {
  it(`${BACKUPS} backups taken while another process writes are consistent copies`, async () => {
    const db = join(tmp.dir, 'live.db');
    const { store, engine } = openEngine(db);
    // Big enough (thousands of pages) that the backup copies it in many steps while the writer commits.
    const must = (r: { status: string }) => expect(r.status).toBe('applied');
    engine.batch((ops) => {
      for (const d of ACCOUNTS) must(ops.addAccount({ domain: d, name: d, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, at: T0, now: T0, source: 'cli' }));
      for (let i = 0; i < 3000; i++) must(ops.addAccount({ domain: `bulk${i}.example.com`, name: `Bulk ${i} ${'x'.repeat(200)}`, hq: 'Oslo', tier: 'Tier 3', icpScore: 40 }, { ...OPS, at: T0, now: T0, source: 'import' }));
    });
    const pages = store.sqlite.pragma('page_count', { simple: true }) as number;
    expect(pages).toBeGreaterThan(1000);
    store.close();

    const h = await startHammer(db, 100_000);
    hammer = h.child;
    const copies: { path: string; from: number; to: number; ms: number }[] = [];
    for (let i = 0; i < BACKUPS; i++) {
      const path = join(tmp.dir, `copy-${i}.db`);
      const from = scalar(db, "select count(*) from events where account like 'backup%'");
      const r = await spawnLadder(['--db', db, 'backup', path], { cwd: tmp.dir, env: childEnv(), timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      copies.push({ path, from, to: scalar(db, "select count(*) from events where account like 'backup%'"), ms: r.ms });
    }
    // The writer was writing the whole time: it is still going, and the database grew during each backup.
    expect(h.child.exitCode).toBeNull();
    h.child.kill('SIGTERM');
    await h.done;
    expect(copies.some((c) => c.to > c.from)).toBe(true);

    for (const c of copies) {
      expect(existsSync(`${c.path}-wal`)).toBe(false);
      expect(await checkInvariants(c.path)).toEqual([]);
      const n = scalar(c.path, "select count(*) from events where account like 'backup%'");
      expect(n).toBeGreaterThanOrEqual(c.from);
      expect(n).toBeLessThanOrEqual(c.to);
    }
    expect(await checkInvariants(db)).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(`backups while writing: ${copies.map((c) => `${scalar(c.path, "select count(*) from events where account like 'backup%'")} events of the writer (live ${c.from}→${c.to}) in ${c.ms} ms`).join('; ')}`);
  }, 300_000);
});
