// One push's conversation with monday: every request goes through `send`, which spends within monday's
// complexity budget, waits out transient failures (what monday asked for, else a backoff) and keeps the push
// lease alive while it waits. Each call answers with an outcome; the step that called decides what it means
// for its rows.
import type { Store } from '../store/open.js';
import type { MondayConfig } from './config.js';
import { LeaseLostError, STALE_MS, type Lease } from './lease.js';
import { backoffMs } from './retry.js';
import type { Outcome, Transport } from './transport.js';

/** Asked for by every document, so the session knows the budget left after each answer. */
export const COMPLEXITY = 'complexity { before after query reset_in_x_seconds }';

/** A waiting push renews its lease at least this often (well inside STALE_MS). */
const BEAT_EVERY_MS = Math.floor(STALE_MS / 4);

export type GqlDocument = { query: string; variables: Record<string, unknown>; /** operations in it, to foresee its cost */ ops: number };

export type Sent =
  | Extract<Outcome, { kind: 'done' | 'fatal' }>
  /** A transient failure, already waited out: the step ends here and the next round tries again. */
  | { kind: 'again'; ambiguous: boolean }
  /** Too many transient failures in a row: the push ends, its work stays queued. */
  | { kind: 'gaveUp'; ambiguous: boolean; reason: string };

export type SessionStats = { retries: number; retryReasons: Record<string, number>; waitedMs: number };

export type Session = {
  send(doc: GqlDocument): Promise<Sent>;
  /** Runs `fn` in one IMMEDIATE transaction under a live lease: one commit per answer, atomic on a crash. */
  write<T>(fn: () => T): T;
  stats(): SessionStats;
};

export type SessionOptions = {
  store: Store; transport: Transport; lease: Lease; retry: MondayConfig['retry'];
  sleep: (ms: number) => Promise<void>; random: () => number; log: (line: string) => void;
};

export function openSession(o: SessionOptions): Session {
  const stats: SessionStats = { retries: 0, retryReasons: {}, waitedMs: 0 };
  /** Transient failures in a row. */
  let attempt = 0;
  let budget: { after: number; reset: number; perOp: number } | null = null;

  /** Every write goes under a live lease: one taken over (this push was presumed dead) stops the push. */
  const beat = () => { if (!o.lease.beat()) throw new LeaseLostError(); };

  /** Waits in slices, renewing the lease between them: a long Retry-After does not make this push look dead. */
  async function wait(ms: number) {
    stats.waitedMs += ms;
    for (let left = ms; left > 0; left -= BEAT_EVERY_MS) { beat(); await o.sleep(Math.min(left, BEAT_EVERY_MS)); }
    beat();
  }

  async function send(doc: GqlDocument): Promise<Sent> {
    if (budget && budget.after < budget.perOp * doc.ops && budget.reset > 0) {
      o.log(`complexity budget low (${budget.after} left): waiting ${budget.reset}s for the reset`);
      await wait(budget.reset * 1000);
      budget = null;
    }
    beat(); // a push that lost its lease while it waited sends nothing more
    const out = await o.transport.request(doc.query, doc.variables);
    if (out.kind === 'retry') {
      stats.retries++;
      const k = out.reason.split(/[:(]/)[0]!.trim();
      stats.retryReasons[k] = (stats.retryReasons[k] ?? 0) + 1;
      attempt++;
      if (attempt > o.retry.maxAttempts) {
        return { kind: 'gaveUp', ambiguous: out.ambiguous, reason: `gave up after ${o.retry.maxAttempts} transient failures in a row (last: ${out.reason}); run ladder monday push again` };
      }
      await wait(out.waitMs ?? backoffMs(attempt, o.retry, o.random));
      return { kind: 'again', ambiguous: out.ambiguous };
    }
    attempt = 0;
    if (out.kind === 'done' && out.complexity) {
      const used = Math.max(1, out.complexity.before - out.complexity.after);
      budget = { after: out.complexity.after, reset: out.complexity.reset_in_x_seconds, perOp: Math.ceil(used / Math.max(1, doc.ops)) };
    }
    return out;
  }

  return {
    send,
    write: <T>(fn: () => T): T => o.store.sqlite.transaction(() => { beat(); return fn(); }).immediate(),
    stats: () => ({ ...stats, retryReasons: { ...stats.retryReasons } }),
  };
}
