// The monday push lease: one push at a time delivers the outbox. Two pushes at once (a cron push beside
// commands with monday.pushAfterCommands) would both read the same pending rows and both create the same
// items and post the same comments. The lease is a row in `leases`, taken and released in IMMEDIATE
// transactions; a holder that died (SIGKILL, power loss) is detected by its pid on this host, or by a
// heartbeat older than STALE_MS on another one, and its lease is taken over. Liveness is real time:
// it is about processes, not about the ladder's clock (--now).
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { and, eq } from 'drizzle-orm';
import type { Store } from '../store/open.js';
import { leases } from '../store/schema.js';

export const PUSH_LEASE = 'monday-push';
/** How long a push waits for another push to end before it gives up (its work stays queued). */
export const LEASE_WAIT_MS = 120_000;
/** A holder silent for this long is presumed dead even where its pid cannot be checked (another host). */
export const STALE_MS = 10 * 60_000;

type Holder = typeof leases.$inferSelect;

export class PushBusyError extends Error {
  readonly exitCode = 4;
  constructor(readonly holder: Holder, waitedMs: number) {
    super(`monday push: another push is delivering the outbox (pid ${holder.pid} on ${holder.host}, since ${holder.acquiredAt}); waited ${Math.round(waitedMs / 1000)} s for it. Nothing is lost: run ladder monday push again when it has ended`);
    this.name = 'PushBusyError';
  }
}

/** This push was presumed dead and another took its lease over: it stops before its next write. */
export class LeaseLostError extends Error {
  readonly exitCode = 4;
  constructor() {
    super('monday push: another push took the lease over (this one was silent too long); stopping here, nothing is lost');
    this.name = 'LeaseLostError';
  }
}

export type Lease = {
  /** Renews the heartbeat; false when the lease was taken over (this push was presumed dead): stop. */
  beat(): boolean;
  release(): void;
};

/**
 * Where a pid means something: the host name, the kernel's boot id and the pid namespace (two containers
 * with one host name, or a rebooted host, are not "this host" for a pid check).
 */
function place(): string {
  const read = (f: () => string) => { try { return f().trim(); } catch { return '-'; } };
  return `${hostname()}/${read(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')).slice(0, 8)}/${read(() => readlinkSync('/proc/self/ns/pid')).replace(/\D/g, '')}`;
}
let here: string | undefined;
export const thisPlace = (): string => (here ??= place());

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

function isStale(h: Holder, nowMs: number): boolean {
  if (h.host === thisPlace() && !alive(h.pid)) return true;
  return nowMs - Date.parse(h.heartbeatAt) > STALE_MS;
}

/** Takes the lease now, or returns the live holder. */
function tryAcquire(store: Store, token: string): Holder | null {
  const { db, sqlite } = store;
  return sqlite.transaction(() => {
    const held = db.select().from(leases).where(eq(leases.name, PUSH_LEASE)).get();
    const nowMs = Date.now();
    if (held && !isStale(held, nowMs)) return held;
    const at = new Date(nowMs).toISOString();
    const row = { name: PUSH_LEASE, token, pid: process.pid, host: thisPlace(), acquiredAt: at, heartbeatAt: at };
    db.insert(leases).values(row).onConflictDoUpdate({ target: leases.name, set: row }).run();
    return null;
  }).immediate();
}

/** Waits (real time, polling) up to `waitMs` for the push lease; throws PushBusyError when it stays held. */
export async function acquirePushLease(store: Store, opts: { waitMs?: number; pollMs?: number } = {}): Promise<Lease> {
  const token = randomUUID();
  const waitMs = opts.waitMs ?? LEASE_WAIT_MS;
  const started = Date.now();
  for (;;) {
    const holder = tryAcquire(store, token);
    if (!holder) break;
    const waited = Date.now() - started;
    if (waited >= waitMs) throw new PushBusyError(holder, waited);
    await new Promise((r) => setTimeout(r, (opts.pollMs ?? 100) * (0.5 + Math.random())));
  }
  const mine = and(eq(leases.name, PUSH_LEASE), eq(leases.token, token));
  return {
    beat: () => store.db.update(leases).set({ heartbeatAt: new Date().toISOString() }).where(mine).run().changes === 1,
    release: () => { store.sqlite.transaction(() => store.db.delete(leases).where(mine).run()).immediate(); },
  };
}
