// The daily sweep: fires every durable timer due at or before --now, in due order, each dated at its due
// time. It reads only due rows through the partial index timers_due; it never loads every actor.
// Firing is irreversible (a regression is history), so the sweep needs an identity allowed to run it and a
// clock that is not ahead of the real one by more than the configured margin (issue 11).
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import { timers } from '../store/schema.js';
import type { Actor, Engine, Source } from './engine.js';
import { forbidden } from './roles.js';
import { validateNow } from './validate.js';

export type SweepProgress = { fired: number; due: number };
export type SweepResult = {
  now: string;
  fired: number;
  transitions: Record<string, number>;
  slaBreaches: number;
  /** Timers the machine no longer accepted: closed, each with a refusal record. */
  skipped: number;
  batches: number;
};
export type SweepOptions = {
  now: string;
  /** Who runs it: a sales.ops user, or the system (the server's routine). */
  as: Actor;
  batchSize?: number;
  /** A --now beyond the configured margin past the real clock is refused unless this is set. */
  allowFuture?: boolean;
  onProgress?: (p: SweepProgress) => void;
  /** The door it came through (for a refusal record). */
  source?: Source;
};

export const SWEEP = 'SWEEP';

export function countDue(engine: Engine, now: string): number {
  return engine.store.db.select({ n: sql<number>`count(*)` }).from(timers)
    .where(and(eq(timers.status, 'pending'), lte(timers.dueAt, now))).get()?.n ?? 0;
}

/** Refused (and recorded) when the actor may not sweep or --now runs ahead of the real clock. */
function authorize(engine: Engine, opts: SweepOptions, now: string): void {
  const margin = engine.settings.clock.sweepMaxAheadHours;
  const realNow = engine.clock();
  const denied = forbidden(SWEEP, opts.as.role);
  let why: string | null = denied ? `cannot sweep: ${denied}` : null;
  if (!why && !opts.allowFuture && Date.parse(now) > realNow + margin * 3_600_000) {
    why = `cannot sweep at ${now}: it is more than ${margin} hours after the real clock (${new Date(realNow).toISOString()}); `
      + 'a sweep fires every timer due by then, for good. Pass --allow-future to simulate on purpose (settings: clock.sweepMaxAheadHours)';
  }
  if (!why) return;
  const { by, role } = opts.as;
  engine.write(() => engine.recordRefusal({ account: null, type: SWEEP, payload: { type: SWEEP, now, by, role }, by, role, source: opts.source ?? 'cli', at: now, why }));
  engine.refuse(null, SWEEP, why);
}

/**
 * Fires due timers in batches: each batch is one IMMEDIATE transaction in which every timer goes through
 * the engine as its own event (a SAVEPOINT each, so a refused timer does not undo its neighbours).
 * A crash loses at most the uncommitted batch, which the next sweep fires again: exactly once.
 */
export function sweep(engine: Engine, opts: SweepOptions): SweepResult {
  const now = validateNow(opts.now);
  authorize(engine, opts, now);
  const batchSize = opts.batchSize ?? 500;
  const { db } = engine.store;
  const due = db.select().from(timers)
    .where(and(eq(timers.status, 'pending'), lte(timers.dueAt, sql.placeholder('now'))))
    .orderBy(asc(timers.dueAt), asc(timers.id)).limit(sql.placeholder('limit')).prepare();
  const result: SweepResult = { now, fired: 0, transitions: {}, slaBreaches: 0, skipped: 0, batches: 0 };
  const total = countDue(engine, now);

  for (;;) {
    const batch = engine.write(() => {
      // The due rows are read inside the batch's IMMEDIATE transaction, never before it: read earlier, they
      // could be fired by another sweep while this one waited for the write lock (an overlapping cron).
      const rows = due.all({ now, limit: batchSize });
      if (rows.length === 0) return 0;
      result.batches++;
      // One timer per account per batch: its other due rows (perhaps cancelled or re-armed by this one) are
      // read again in the next batch, so each account's timers fire in due order and only while pending.
      const touched = new Set<string>();
      for (const row of rows) {
        if (touched.has(row.account)) continue;
        touched.add(row.account);
        const r = engine.fireTimerRow(row, now);
        if (r.status === 'refused') { result.skipped++; continue; }
        result.fired++;
        if (row.timerId.split('.')[2]?.endsWith('_SLA')) result.slaBreaches++;
        const move = `${r.before.stage}→${r.after.stage}`;
        if (r.before.stage !== r.after.stage) result.transitions[move] = (result.transitions[move] ?? 0) + 1;
      }
      return rows.length;
    });
    if (batch === 0) break;
    opts.onProgress?.({ fired: result.fired + result.skipped, due: Math.max(total, result.fired + result.skipped) });
  }
  return result;
}
