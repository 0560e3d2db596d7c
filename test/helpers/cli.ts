// End-to-end helpers: the BUILT `ladder` binary (node dist/src/cli/index.js) run as a child process in a
// temp folder with its own database and config, and read-only views of that database.
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LadderCommandEvent } from '../../machines/events.js';
import type { AccountFacts, Tier } from '../../machines/types.js';
import type { Engine } from '../../src/engine/engine.js';
import { openTestLadder, tempDir } from './store.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'dist', 'src', 'cli', 'index.js');

/**
 * `npm test` builds before vitest runs; a lone `vitest run test/cli` may find no dist/. Builds it then,
 * once: test files run in parallel workers, so the first one to take the lock (an atomic mkdir)
 * builds and the others wait for it.
 */
export function ensureBuilt(): void {
  if (existsSync(BIN)) return;
  const lock = join(tmpdir(), `ladder-build-${Buffer.from(ROOT).toString('hex').slice(-32)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(BIN) && !existsSync(lock)) return;
      // A lock left by a killed build is stale after 3 minutes.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`waited 3 minutes for another worker to build ${BIN}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!existsSync(BIN)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export type CliResult = { code: number | null; stdout: string; stderr: string; args: string[] };
export type RunOptions = { now?: string; as?: string; json?: boolean; db?: string | null; cwd?: string };

/** Users of the test config: names, as the SOP roles would be held by people. */
export const USERS = { ana: 'sales.ops', marcus: 'cro', carla: 'cmo' } as const;

/** A temp folder with a database path and a ladder.config.json; every run spawns the built binary. */
export class LadderCli {
  readonly dir: string;
  readonly db: string;
  readonly config: string;
  private readonly cleanupDir: () => void;

  constructor() {
    ensureBuilt();
    const t = tempDir('ladder-cli-');
    this.dir = t.dir;
    this.cleanupDir = t.cleanup;
    this.db = join(t.dir, 'ladder.db');
    this.config = join(t.dir, 'ladder.config.json');
    writeFileSync(this.config, JSON.stringify({ users: USERS }));
    // The test's users are settings of its database (ladder settings import), as an operator would set them up.
    openTestLadder(this.db, { users: USERS }).close();
  }

  /** `ladder --db … --config … [--now …] [--as …] [--json] ARGS`, in the temp folder. */
  run(args: string[], o: RunOptions = {}): CliResult {
    const globals = [
      ...(o.db === null ? [] : ['--db', o.db ?? this.db]),
      ...(o.now ? ['--now', o.now] : []), ...(o.as ? ['--as', o.as] : []), ...(o.json ? ['--json'] : []),
    ];
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const k of ['LADDER_DB', 'LADDER_AS', 'LADDER_CONFIG', 'MONDAY_API_TOKEN', 'MONDAY_API_ENDPOINT']) delete env[k];
    const all = [...globals, ...args];
    const r = spawnSync(process.execPath, [BIN, ...all], { cwd: o.cwd ?? this.dir, env, encoding: 'utf8', timeout: 60_000 });
    if (r.error) throw r.error;
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, args: all };
  }

  /**
   * Sets accounts up in-process through the engine (the code the binary runs, on the same file), sparing
   * a process per setup step where the setup is not what the test is about. Closed before returning.
   */
  seed(fn: (s: Seeder) => void): void {
    const ladder = openTestLadder(this.db);
    try {
      fn(new Seeder(ladder.engine));
    } finally {
      ladder.close();
    }
  }

  /** Runs and requires exit 0, with the output in the error otherwise. */
  ok(args: string[], o: RunOptions = {}): CliResult {
    const r = this.run(args, o);
    if (r.code !== 0) throw new Error(`ladder ${r.args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
  }

  /** Runs with --json and parses stdout. */
  json<T = unknown>(args: string[], o: RunOptions = {}): T {
    return JSON.parse(this.ok(args, { ...o, json: true }).stdout) as T;
  }

  /** Every row of the tables (in rowid order), read-only: to compare the database before and after. */
  tables(names: readonly string[] = LEDGER_TABLES, path = this.db): Record<string, unknown[]> {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return Object.fromEntries(names.map((t) => [t, db.prepare(`select * from ${t} order by rowid`).all()]));
    } finally {
      db.close();
    }
  }

  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
    return readRows<T>(this.db, sql, ...params);
  }

  cleanup(): void {
    this.cleanupDir();
  }
}

type Who = { by: keyof typeof USERS; role: (typeof USERS)[keyof typeof USERS] };
const ANA: Who = { by: 'ana', role: 'sales.ops' };

/** Setup steps through the engine, as the CLI would send them (source `cli`, `at` = now). */
export class Seeder {
  constructor(readonly engine: Engine) {}

  add(domain: string, at: string, o: { tier?: Tier; facts?: AccountFacts } = {}): this {
    this.engine.addAccount({ domain, name: domain, hq: 'Porto', tier: o.tier ?? 'Tier 2', icpScore: 70, facts: o.facts }, { ...ANA, at, now: at, source: 'cli' });
    return this;
  }

  send(domain: string, at: string, body: Record<string, unknown> & { type: LadderCommandEvent['type'] }, who: Who = ANA): this {
    this.engine.submit({ account: domain, source: 'cli', now: at, event: { ...body, at, ...who } as LadderCommandEvent });
    return this;
  }

  signal(domain: string, at: string, code: string, contact: string, interaction?: string): this {
    return this.send(domain, at, { type: 'SIGNAL', signal: { id: `seed:${domain}:${contact}:${at}`, code, contact, at, ...(interaction ? { interaction } : {}) } });
  }
}

/** Rows of one query on a database file, opened read-only. */
export function readRows<T = Record<string, unknown>>(path: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The tables an accepted event writes. */
export const LEDGER_TABLES = ['accounts', 'actors', 'events', 'stage_history', 'timers', 'suppressions'] as const;

export const at = (base: string, days: number, hours = 0) => new Date(Date.parse(base) + days * 86_400_000 + hours * 3_600_000).toISOString();
