// The monday push lease: one push at a time delivers the outbox. Two pushes at once (a cron push beside
// commands with monday.pushAfterCommands, or the server's routine beside a webhook's push) would both read the
// same pending rows and both create the same items and post the same comments. The lease itself is the
// generic one of src/store/lease.ts (a row in `leases`, its holder's death detected by pid or a stale
// heartbeat); this file names it `monday-push` and says what a busy or lost lease means for a push.
import { acquireLease, LeaseBusyError, STALE_MS, type HeldLease, type LeaseHolder } from '../store/lease.js';
import type { Store } from '../store/open.js';

export const PUSH_LEASE = 'monday-push';
/** How long a push waits for another push to end before it gives up (its work stays queued). */
export const LEASE_WAIT_MS = 120_000;
export { STALE_MS };

/** Another push holds the lease past this one's wait (the CLI's exit 4: a push that could not finish). */
export class PushBusyError extends Error {
  constructor(readonly holder: LeaseHolder, waitedMs: number) {
    super(`monday push: another push is delivering the outbox (pid ${holder.pid} on ${holder.host}, since ${holder.acquiredAt}); waited ${Math.round(waitedMs / 1000)} s for it. Nothing is lost: run ladder monday push again when it has ended`);
    this.name = 'PushBusyError';
  }
}

/** This push was presumed dead and another took its lease over: it stops before its next write (the CLI's exit 4). */
export class LeaseLostError extends Error {
  constructor() {
    super('monday push: another push took the lease over (this one was silent too long); stopping here, nothing is lost');
    this.name = 'LeaseLostError';
  }
}

/** beat(): renews the heartbeat; false when the lease was taken over (this push was presumed dead): stop. */
export type Lease = HeldLease;

/** Waits (real time, polling) up to `waitMs` for the push lease; throws PushBusyError when it stays held. */
export async function acquirePushLease(store: Store, opts: { waitMs?: number; pollMs?: number } = {}): Promise<Lease> {
  const waitMs = opts.waitMs ?? LEASE_WAIT_MS;
  const started = Date.now();
  try {
    return await acquireLease(store, PUSH_LEASE, { waitMs, pollMs: opts.pollMs });
  } catch (err) {
    if (err instanceof LeaseBusyError) throw new PushBusyError(err.holder, Date.now() - started);
    throw err;
  }
}
