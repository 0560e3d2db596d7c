// Opens the SQLite store in a factory (STYLE 4: never on import) and applies committed migrations.
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema>;
export type Store = { db: Db; sqlite: Database.Database; path: string; close(): void };

/** The package's migrations folder, from src/ (tests) or dist/src/ (the built CLI). */
export function migrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'migrations', 'meta', '_journal.json'))) return join(dir, 'migrations');
    dir = dirname(dir);
  }
  throw new Error('ladder: migrations/ not found next to the package (is the install complete?)');
}

export type OpenOptions = { readonly?: boolean; busyTimeoutMs?: number };

export function openStore(path: string, opts: OpenOptions = {}): Store {
  const sqlite = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  // WAL lets readers run beside the writer; the busy timeout makes concurrent writers queue instead of fail.
  sqlite.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 10_000}`);
  if (!opts.readonly) {
    if (path !== ':memory:') untilSettled(() => sqlite.pragma('journal_mode = WAL'));
    // NORMAL in WAL mode: a commit survives a process crash (SIGKILL); FULL would add an fsync per commit
    // for power loss. See docs/decisions.md.
    sqlite.pragma('synchronous = NORMAL');
  }
  sqlite.pragma('foreign_keys = ON');
  // 32 MiB of page cache (default 2 MiB): at 1M accounts the index interior pages stop being re-read for
  // every fired timer (bench: ~15-25 % per fired timer; RSS stays under the 200 MB target).
  sqlite.pragma('cache_size = -32768');
  const db = drizzle(sqlite, { schema });
  if (!opts.readonly) untilSettled(() => migrate(db, { migrationsFolder: migrationsFolder() }));
  return { db, sqlite, path, close: () => sqlite.close() };
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
