// The long-running commands of a database (an import, a sweep, a push), recorded while they run, so that a
// command which finds the database busy can say which process holds it and what to do (issue 12).
import Database from 'better-sqlite3';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { hostname } from 'node:os';
import type { Store } from './open.js';
import { runs } from './schema.js';

export type Run = typeof runs.$inferSelect;

export type RunOutcome = 'done' | 'failed' | 'skipped';

/**
 * Records that `command` runs in this process; returns what ends the record. `asOf`: the ladder instant it acts
 * as of (a sweep's --now), which tells the server's routine whether a scheduled sweep was missed.
 */
export function startRun(store: Store, command: string, o: { asOf?: string } = {}): { end(outcome: 'done' | 'failed', detail?: string): void } {
  const id = Number(store.db.insert(runs).values({ command, pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), asOf: o.asOf ?? null }).run().lastInsertRowid);
  return {
    end(outcome, detail) {
      store.db.update(runs).set({ endedAt: new Date().toISOString(), outcome, ...(detail === undefined ? {} : { detail }) }).where(and(eq(runs.id, id), isNull(runs.endedAt))).run();
    },
  };
}

/** A run recorded once it has ended (a push, a skipped run): started and ended are real time. */
export function recordRun(store: Store, r: { command: string; startedAt: string; outcome: RunOutcome; detail: string; asOf?: string }): void {
  store.db.insert(runs).values({ command: r.command, pid: process.pid, host: hostname(), startedAt: r.startedAt, endedAt: new Date().toISOString(), outcome: r.outcome, detail: r.detail, asOf: r.asOf ?? null }).run();
}

/** The commands that are a sweep: the server's routine, and `ladder sweep` (recorded as `ladder sweep --now …`). */
const SWEEPS = sql`(${runs.command} = 'routine sweep' or ${runs.command} like 'ladder sweep %')`;

/** The latest instant a sweep completed as of (any source): every timer due by then has fired. Null: none recorded. */
export function lastSweepAsOf(store: Store): string | null {
  return store.db.select({ at: sql<string | null>`max(${runs.asOf})` }).from(runs).where(and(SWEEPS, eq(runs.outcome, 'done'))).get()?.at ?? null;
}

/** The recorded runs, newest first. */
export function recentRuns(store: Store, limit: number): Run[] {
  return store.db.select().from(runs).orderBy(desc(runs.id)).limit(limit).all();
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * The commands running on the database at `path`, read on a connection of its own (a WAL reader is not blocked
 * by the writer holding the lock). A record whose process is gone from this host was killed: left out.
 */
export function runningCommands(path: string): Run[] {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 200');
    const rows = db.prepare('select id, command, pid, host, started_at as startedAt, ended_at as endedAt, outcome from runs where ended_at is null order by id').all() as Run[];
    return rows.filter((r) => r.host !== hostname() || alive(r.pid));
  } catch {
    return [];
  } finally {
    db?.close();
  }
}

/** What to tell someone whose command found the database busy. */
export function busyMessage(path: string, waitedMs: number, now = Date.now()): string {
  const holders = runningCommands(path).filter((r) => r.pid !== process.pid || r.host !== hostname());
  const who = holders.map((r) => `\`${r.command}\` (pid ${r.pid}${r.host === hostname() ? '' : ` on ${r.host}`}, running for ${Math.round((now - Date.parse(r.startedAt)) / 1000)} s)`);
  return who.length
    ? `the database ${path} is busy: ${who.join(', ')} holds its write lock. Nothing was changed: run your command again when it has finished`
    : `the database ${path} is busy: another ladder command held its write lock for longer than ${waitedMs / 1000} s. Nothing was changed: run your command again in a moment`;
}
