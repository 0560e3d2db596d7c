// The daily sweep: fires every durable timer due at or before --now, in due order, each dated at its
// due time. It reads only due rows through the partial index timers_due; it never loads every actor.
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import { timers } from '../store/schema.js';
import type { Engine } from './engine.js';
import { RefusedError } from './errors.js';

export type SweepProgress = { fired: number; due: number };
export type SweepResult = {
  now: string;
  fired: number;
  transitions: Record<string, number>;
  slaBreaches: number;
  skipped: number;
  batches: number;
};

export function countDue(engine: Engine, now: string): number {
  return engine.store.db.select({ n: sql<number>`count(*)` }).from(timers)
    .where(and(eq(timers.status, 'pending'), lte(timers.dueAt, now))).get()?.n ?? 0;
}

/**
 * Fires due timers in batches: each batch is one IMMEDIATE transaction in which every timer goes through
 * the engine as its own event (a SAVEPOINT each, so a refused timer does not undo its neighbours).
 * A crash loses at most the uncommitted batch, which the next sweep fires again: exactly once.
 */
export function sweep(engine: Engine, opts: { now: string; batchSize?: number; onProgress?: (p: SweepProgress) => void }): SweepResult {
  const now = new Date(Date.parse(opts.now)).toISOString();
  const batchSize = opts.batchSize ?? 500;
  const { db, sqlite } = engine.store;
  const due = db.select().from(timers)
    .where(and(eq(timers.status, 'pending'), lte(timers.dueAt, sql.placeholder('now'))))
    .orderBy(asc(timers.dueAt), asc(timers.id)).limit(sql.placeholder('limit')).prepare();
  const result: SweepResult = { now, fired: 0, transitions: {}, slaBreaches: 0, skipped: 0, batches: 0 };
  const total = countDue(engine, now);

  for (;;) {
    let batch = 0;
    sqlite.transaction(() => {
      // The due rows are read inside the batch's IMMEDIATE transaction, never before it: read earlier, they
      // could be fired by another sweep while this one waited for the write lock (an overlapping cron).
      const rows = due.all({ now, limit: batchSize });
      batch = rows.length;
      if (batch === 0) return;
      result.batches++;
      // One timer per account per batch: its other due rows (perhaps cancelled or re-armed by this one) are
      // read again in the next batch, so each account's timers fire in due order and only while pending.
      const touched = new Set<string>();
      for (const row of rows) {
        if (touched.has(row.account)) continue;
        touched.add(row.account);
        const fire = sqlite.transaction(() => engine.applyInTx({
          account: row.account,
          event: { ...JSON.parse(row.event), at: row.dueAt, by: 'system', role: 'system' },
          source: 'timer', now, timerRowId: row.id, idempotencyKey: `timer:${row.id}`,
        }));
        try {
          const applied = fire();
          result.fired++;
          const kind = row.timerId.split('.')[2] ?? row.timerId;
          if (kind.endsWith('_SLA')) result.slaBreaches++;
          const move = `${applied.before.stage}→${applied.after.stage}`;
          if (applied.before.stage !== applied.after.stage) result.transitions[move] = (result.transitions[move] ?? 0) + 1;
        } catch (err) {
          if (!(err instanceof RefusedError)) throw err;
          // A timer the machine no longer accepts (an SLA already flagged in this stay, or one left behind by an
          // upgrade): close it without effect, never retry it forever.
          db.update(timers).set({ status: 'cancelled' }).where(and(eq(timers.id, row.id), eq(timers.status, 'pending'))).run();
          result.skipped++;
        }
      }
    }).immediate();
    if (batch === 0) break;
    opts.onProgress?.({ fired: result.fired + result.skipped, due: Math.max(total, result.fired + result.skipped) });
  }
  return result;
}
