// Opens the SQLite store in a factory (STYLE 4: never on import). A database is identified before it is
// touched (issue 11): a read opens read-only and never migrates; a write needs a Ladder database that exists;
// only `create` (ladder init, the demo, a benchmark's scratch file) makes or adopts one. A database migrated by a
// newer ladder is refused before anything reads a column it may have changed.
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../engine/errors.js';
import * as schema from './schema.js';
import { runDataMigrations } from './data-migrations.js';

export type Db = BetterSQLite3Database<typeof schema>;
export type Store = { db: Db; sqlite: Database.Database; path: string; readonly: boolean; close(): void };

/** The package's migrations folder, from src/ (tests) or dist/src/ (the built CLI). */
export function migrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'migrations', 'meta', '_journal.json'))) return join(dir, 'migrations');
    dir = dirname(dir);
  }
  throw new Error('ladder: migrations/ not found next to the package (is the install complete?)');
}

type Journal = { entries: { idx: number; when: number; tag: string }[] };
let journal: Journal | undefined;
function knownMigrations(): Journal['entries'] {
  journal ??= JSON.parse(readFileSync(join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as Journal;
  return journal.entries;
}

/**
 * 'read': read-only, never migrates; 'write': an existing Ladder database, brought up to date; 'create': ladder
 * init (a new file, an empty one, or an explicit adoption of an existing SQLite file).
 */
export type OpenMode = 'read' | 'write' | 'create';
export type OpenOptions = { mode?: OpenMode; busyTimeoutMs?: number };

/** What a SQLite file holds, from its schema alone. */
export type Identity =
  | { kind: 'empty' }
  | { kind: 'foreign'; tables: string[] }
  | { kind: 'ladder'; applied: number; known: number; newer: boolean; older: boolean; newest: string | null };

const CORE_TABLES = ['accounts', 'actors', 'events', 'timers'];

export function identify(sqlite: Database.Database): Identity {
  const tables = sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").pluck().all() as string[];
  if (tables.length === 0) return { kind: 'empty' };
  if (!tables.includes('__drizzle_migrations') || CORE_TABLES.some((t) => !tables.includes(t))) return { kind: 'foreign', tables };
  const applied = sqlite.prepare('select created_at from __drizzle_migrations order by created_at').pluck().all() as number[];
  const known = knownMigrations();
  const lastKnown = known[known.length - 1]?.when ?? 0;
  const lastApplied = applied[applied.length - 1] ?? 0;
  return {
    kind: 'ladder', applied: applied.length, known: known.length,
    newer: Number(lastApplied) > lastKnown,
    older: Number(lastApplied) < lastKnown,
    newest: lastApplied ? new Date(Number(lastApplied)).toISOString() : null,
  };
}

function describeFile(path: string): string | null {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return null;
  if (st.isDirectory()) return 'a directory';
  if (!st.isFile()) return 'not a regular file';
  return '';
}

export function openStore(path: string, opts: OpenOptions = {}): Store {
  const mode = opts.mode ?? 'write';
  const memory = path === ':memory:';
  if (!memory) {
    const what = describeFile(path);
    if (what === null && mode !== 'create') throw new BadInputError(`--db: no ladder database at ${path}; create it with: ladder init --db ${path}`, 'db');
    if (what) throw new BadInputError(`--db: ${path} is ${what}, not a ladder database`, 'db');
  }
  // A new database is created private (0600): it holds company names and LinkedIn profiles. SQLite gives its
  // -wal and -shm files the database file's permissions.
  if (!memory && mode === 'create') {
    try {
      closeSync(openSync(path, 'wx', 0o600));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new BadInputError(`--db: the folder ${dirname(path)} does not exist; create it first, or give another path`, 'db');
      if (code !== 'EEXIST') throw err;
    }
  }
  const sqlite = new Database(path, { readonly: mode === 'read', fileMustExist: mode !== 'create' });
  try {
    sqlite.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 10_000}`);
    let id: Identity;
    try {
      id = identify(sqlite);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw new BadInputError(`--db: ${path} is not a SQLite database (is it the file you meant?)`, 'db');
      throw err;
    }
    if (id.kind === 'foreign' && mode !== 'create') {
      throw new BadInputError(`--db: ${path} is not a ladder database (it holds ${id.tables.slice(0, 5).join(', ')}${id.tables.length > 5 ? ', …' : ''}); nothing was changed. Point --db at a ladder database, or run ladder init --db PATH to create one`, 'db');
    }
    if (id.kind === 'empty' && mode === 'read') throw new BadInputError(`--db: ${path} is empty, not a ladder database; create it with: ladder init --db ${path}`, 'db');
    if (id.kind === 'empty' && mode === 'write') throw new BadInputError(`--db: ${path} is an empty file, not a ladder database; create it with: ladder init --db ${path}`, 'db');
    if (id.kind === 'ladder' && id.newer) {
      throw new BadInputError(`--db: ${path} was written by a newer ladder (schema migration of ${id.newest}, ${id.applied} migrations; this ladder knows ${id.known}); upgrade ladder before using it`, 'db');
    }
    if (id.kind === 'ladder' && id.older && mode === 'read') {
      throw new BadInputError(`--db: ${path} was written by an older ladder and needs upgrading (${id.known - id.applied} schema migration(s)); a read never changes it: run ladder init --db ${path} first`, 'db');
    }
    if (mode !== 'read') {
      // WAL lets readers run beside the writer; the busy timeout makes concurrent writers queue instead of fail.
      if (!memory) untilSettled(() => sqlite.pragma('journal_mode = WAL'));
      // NORMAL in WAL mode: a commit survives a process crash (SIGKILL); FULL would add an fsync per commit
      // for power loss. See docs/decisions.md.
      sqlite.pragma('synchronous = NORMAL');
      // The savepoint each event runs in (a refused one undoes only itself) makes SQLite keep the pages it changes
      // in a sub-journal, a temp file once past 64 KiB: ~100 KB of write() per fired timer, though nothing of it
      // needs to survive the transaction (issue 17: a sweep's write() bytes per fired timer 218 KB → 114 KB at 1M).
      // In memory it is one event's pages at a time; the project's sorts are per account, never whole-table.
      sqlite.pragma('temp_store = MEMORY');
    }
    sqlite.pragma('foreign_keys = ON');
    // 32 MiB of page cache (default 2 MiB): at 1M accounts the index interior pages stop being re-read for
    // every fired timer (bench: ~15-25 % per fired timer; RSS stays under the 200 MB target).
    sqlite.pragma('cache_size = -32768');
    const db = drizzle(sqlite, { schema });
    if (mode !== 'read') {
      untilSettled(() => migrate(db, { migrationsFolder: migrationsFolder() }));
      untilSettled(() => runDataMigrations(sqlite));
    }
    return { db, sqlite, path, readonly: mode === 'read', close: () => sqlite.close() };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

/**
 * Processes opening a new file at once race to set it up. drizzle's migrator reads which migrations are
 * applied before it opens its own (deferred) transaction, so all but the first fail once it has committed
 * ("table … already exists", or a stale snapshot: "database is locked"); and SQLite answers some lock races
 * with SQLITE_BUSY at once instead of waiting out the busy timeout (waiting could deadlock). The losers pause
 * and try again, then find the work done. A failure that is not such a race fails every time and is thrown.
 */
function untilSettled(step: () => unknown): void {
  for (let attempt = 1; ; attempt++) {
    try { step(); return; } catch (err) {
      if (attempt >= 6) throw err;
      // Opening is synchronous: a synchronous pause (25, 50, … ms).
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25 * attempt);
    }
  }
}
