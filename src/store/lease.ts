// Process leases by name: one holder of a job at a time, whichever process or host runs it (issue 13: the
// server's routine and a manual `ladder sweep` never sweep at once). The mechanism of the monday push lease
// (src/monday/lease.ts, which holds `monday-push` the same way): a row in `leases`, taken and released in
// IMMEDIATE transactions; a holder that died is detected by its pid on this host, or by a heartbeat older than
// STALE_MS on another one, and its lease is taken over. Liveness is real time: it is about processes, not about
// the ladder's clock (--now).
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { and, eq, isNull } from 'drizzle-orm';
import type { Store } from './open.js';
import { leases, runs } from './schema.js';

/** The daily sweep's lease: the server's routine and `ladder sweep` take it. */
export const SWEEP_LEASE = 'sweep';
/** A holder silent for this long is presumed dead even where its pid cannot be checked (another host). */
export const STALE_MS = 10 * 60_000;

export type LeaseHolder = typeof leases.$inferSelect;

export type HeldLease = {
  /** Renews the heartbeat; false when the lease was taken over (this holder was presumed dead): stop. */
  beat(): boolean;
  release(): void;
};

/** The lease is held by a live process; nothing was done. */
export class LeaseBusyError extends Error {
  constructor(readonly lease: string, readonly holder: LeaseHolder, readonly holderCommand: string | null, readonly waitedMs: number, advice?: string) {
    const waited = waitedMs > 0 ? `; waited ${Math.round(waitedMs / 100) / 10} s for it` : '';
    super(`the ${lease} lease is held by ${describeHolder(holder, holderCommand)}${waited}${advice ? `. ${advice}` : ''}`);
    this.name = 'LeaseBusyError';
  }
}

/** This holder was presumed dead (silent too long) and another process took the lease over: it stops, keeping what it committed. */
export class LeaseTakenOverError extends Error {
  constructor(readonly lease: string, what: string) {
    super(`the ${lease} lease was taken over by another process (this one was silent for more than ${STALE_MS / 60_000} minutes); ${what}`);
    this.name = 'LeaseTakenOverError';
  }
}

/** "pid 4242 on build-1 since 2026-04-06T06:00:00.000Z (`routine sweep`)". */
export function describeHolder(h: LeaseHolder, command: string | null): string {
  return `pid ${h.pid} on ${h.host.split('/')[0]} since ${h.acquiredAt}${command ? ` (\`${command}\`)` : ''}`;
}

/**
 * Where a pid means something: the host name, the kernel's boot id and the pid namespace (two containers with
 * one host name, or a rebooted host, are not "this host" for a pid check). The same string as the push lease's.
 */
function place(): string {
  const read = (f: () => string) => { try { return f().trim(); } catch { return '-'; } };
  return `${hostname()}/${read(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')).slice(0, 8)}/${read(() => readlinkSync('/proc/self/ns/pid')).replace(/\D/g, '')}`;
}
let here: string | undefined;
const thisPlace = (): string => (here ??= place());

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

function isStale(h: LeaseHolder, nowMs: number): boolean {
  if (h.host === thisPlace() && !alive(h.pid)) return true;
  return nowMs - Date.parse(h.heartbeatAt) > STALE_MS;
}

/** Takes the lease now, or returns its live holder. */
function tryAcquire(store: Store, name: string, token: string): LeaseHolder | null {
  const { db, sqlite } = store;
  return sqlite.transaction(() => {
    const held = db.select().from(leases).where(eq(leases.name, name)).get();
    const nowMs = Date.now();
    if (held && !isStale(held, nowMs)) return held;
    const at = new Date(nowMs).toISOString();
    const row = { name, token, pid: process.pid, host: thisPlace(), acquiredAt: at, heartbeatAt: at };
    db.insert(leases).values(row).onConflictDoUpdate({ target: leases.name, set: row }).run();
    return null;
  }).immediate();
}

/** The command the holder is recording in `runs` (a run of the same process, still open), when there is one. */
function commandOf(store: Store, h: LeaseHolder): string | null {
  const row = store.db.select({ command: runs.command }).from(runs)
    .where(and(eq(runs.pid, h.pid), eq(runs.host, h.host.split('/')[0]!), isNull(runs.endedAt))).orderBy(runs.id).all().at(-1);
  return row?.command ?? null;
}

/**
 * Waits (real time, polling) up to `waitMs` (0: not at all) for the lease; throws LeaseBusyError when it stays held,
 * its message ending with `advice` (what to do).
 */
export async function acquireLease(store: Store, name: string, opts: { waitMs?: number; pollMs?: number; advice?: string } = {}): Promise<HeldLease> {
  const token = randomUUID();
  const waitMs = opts.waitMs ?? 0;
  const started = Date.now();
  for (;;) {
    const holder = tryAcquire(store, name, token);
    if (!holder) break;
    const waited = Date.now() - started;
    if (waited >= waitMs) throw new LeaseBusyError(name, holder, commandOf(store, holder), waitMs === 0 ? 0 : waited, opts.advice);
    await new Promise((r) => setTimeout(r, Math.min((opts.pollMs ?? 100) * (0.5 + Math.random()), Math.max(1, waitMs - waited))));
  }
  const mine = and(eq(leases.name, name), eq(leases.token, token));
  return {
    beat: () => store.db.update(leases).set({ heartbeatAt: new Date().toISOString() }).where(mine).run().changes === 1,
    release: () => { store.sqlite.transaction(() => store.db.delete(leases).where(mine).run()).immediate(); },
  };
}
