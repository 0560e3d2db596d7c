// The daily sweep: fires every durable timer due at or before --now, in due order, each dated at its due
// time. It reads only due rows through the partial index timers_due; it never loads every actor.
// Firing is irreversible (a regression is history), so the sweep needs an identity allowed to run it and a
// --now no further ahead of the real clock than the engine allows any command (issue 11).
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import { machineTimers, timers } from '../store/schema.js';
import type { Actor, Engine, EngineCore, Source } from './engine.js';
import { validateNow } from './validate.js';
import { delayOf } from '../../machines/timers.js';
import type { Actors } from './actors.js';

export type SweepProgress = { fired: number; due: number };
export type SweepResult = {
  now: string;
  fired: number;
  transitions: Record<string, number>;
  slaBreaches: number;
  /** Timers the machine no longer accepted: closed, each with a refusal record. */
  skipped: number;
  batches: number;
  /** Approval steps (templates, recipient lists) flagged past their SLA, and escalated past 48 hours (HO 5.4.4). */
  approvals: { slaBreaches: number; escalated: number };
  /** Sequence timers (issue 15): touches planned, reply SLAs checked, pauses, cooldowns and completions. */
  sequences: { touches: number; taskTimers: number; other: number };
};
export type SweepOptions = {
  now: string;
  /** Who runs it: a sales.ops user, or the system (the server's routine). */
  as: Actor;
  batchSize?: number;
  onProgress?: (p: SweepProgress) => void;
  /** The door it came through (for a refusal record). */
  source?: Source;
};

export const SWEEP = 'SWEEP';

export function countDue(engine: Engine, now: string): number {
  const ladder = engine.store.db.select({ n: sql<number>`count(*)` }).from(timers)
    .where(and(eq(timers.status, 'pending'), lte(timers.dueAt, now))).get()?.n ?? 0;
  const others = engine.store.db.select({ n: sql<number>`count(*)` }).from(machineTimers)
    .where(and(eq(machineTimers.status, 'pending'), lte(machineTimers.dueAt, now))).get()?.n ?? 0;
  return ladder + others;
}

/** The sweep, built on the engine's internals (src/engine/engine.ts hands it out as engine.sweep). */
export function makeSweep(core: EngineCore, others: Actors) {
  const due = core.db.select().from(timers)
    .where(and(eq(timers.status, 'pending'), lte(timers.dueAt, sql.placeholder('now'))))
    .orderBy(asc(timers.dueAt), asc(timers.id)).limit(sql.placeholder('limit')).prepare();
  const count = core.db.select({ n: sql<number>`count(*)` }).from(timers)
    .where(and(eq(timers.status, 'pending'), lte(timers.dueAt, sql.placeholder('now')))).prepare();

  /**
   * Fires due timers in batches: each batch is one IMMEDIATE transaction in which every timer goes through
   * the engine as its own event (a SAVEPOINT each, so a refused timer does not undo its neighbours).
   * A crash loses at most the uncommitted batch, which the next sweep fires again: exactly once.
   * A generator: it yields after each committed batch, so the server can answer requests between two batches.
   */
  function* steps(opts: SweepOptions): Generator<SweepProgress, SweepResult, void> {
    const now = validateNow(opts.now);
    const { by, role } = opts.as;
    core.current();
    const denied = core.authorize(SWEEP, role, now);
    if (denied) core.deny({ account: null, type: SWEEP, payload: { type: SWEEP, now, by, role }, by, role, source: opts.source ?? 'cli', at: now }, `cannot sweep: ${denied.why}`, denied.kind);
    const batchSize = opts.batchSize ?? 500;
    const result: SweepResult = { now, fired: 0, transitions: {}, slaBreaches: 0, skipped: 0, batches: 0, approvals: { slaBreaches: 0, escalated: 0 }, sequences: { touches: 0, taskTimers: 0, other: 0 } };
    const total = (count.get({ now })?.n ?? 0) + others.countDue(now);
    // While it sweeps, a checkpoint every 10 000 WAL pages (40 MB) instead of 1 000: a batch at 1M accounts commits
    // ~7 000 pages, so every commit ran a checkpoint and its fsync; this way pages the next batches write again (the
    // b-trees' inner and tail pages) reach the database file once (bench, final checkpoint timed: storage bytes per
    // fired timer 276 → 257 KB at 1M). Commits are as durable as before. Only while sweeping: a server's request
    // that crossed a 40 MB threshold would wait for its checkpoint (issue 17).
    const checkpointEvery = core.sqlite.pragma('wal_autocheckpoint', { simple: true }) as number;
    core.sqlite.pragma('wal_autocheckpoint = 10000');
    try {
      return yield* batches(now, batchSize, total, result, opts);
    } finally {
      core.sqlite.pragma(`wal_autocheckpoint = ${checkpointEvery}`);
    }
  }

  function* batches(now: string, batchSize: number, total: number, result: SweepResult, opts: SweepOptions): Generator<SweepProgress, SweepResult, void> {
    // One stream in due order: the ladder's timers and the other machines' (an approval step's SLA, a sequence's
    // touch, a reply's SLA). Merged, so a sequence's touch due on day 80 is met before the ladder's regression of
    // day 90 moves the account, as it would have happened on time (DOMAIN "Timers").
    for (;;) {
      const batch = core.write(() => {
        // The due rows are read inside the batch's IMMEDIATE transaction, never before it: read earlier, they
        // could be fired by another sweep while this one waited for the write lock (an overlapping cron).
        const rows = due.all({ now, limit: batchSize });
        const more = others.due(now, batchSize);
        if (rows.length === 0 && more.length === 0) return 0;
        result.batches++;
        // One timer per actor per batch: its other due rows (perhaps cancelled or re-armed by this one) are read
        // again in the next batch, so each actor's timers fire in due order and only while pending.
        const touched = new Set<string>();
        let i = 0;
        let j = 0;
        while (i < rows.length || j < more.length) {
          const ladderFirst = i < rows.length && (j >= more.length || rows[i]!.dueAt <= more[j]!.dueAt);
          // A list read to its limit may hold more rows due before the other's next one: the next batch reads them.
          if (ladderFirst ? j >= more.length && more.length === batchSize : i >= rows.length && rows.length === batchSize) break;
          if (ladderFirst) {
            const row = rows[i++]!;
            if (touched.has(row.account)) continue;
            touched.add(row.account);
            const r = core.fireTimerRow(row, now);
            if (r.status === 'refused') { result.skipped++; continue; }
            result.fired++;
            if (delayOf(row.timerId)?.endsWith('_SLA')) result.slaBreaches++;
            const move = `${r.before.stage}→${r.after.stage}`;
            if (r.before.stage !== r.after.stage) result.transitions[move] = (result.transitions[move] ?? 0) + 1;
          } else {
            const row = more[j++]!;
            const key = `${row.kind}:${row.actorId}`;
            if (touched.has(key)) continue;
            touched.add(key);
            const r = others.fireTimerRow(row, now);
            if (r.status === 'refused') { result.skipped++; continue; }
            result.fired++;
            if (row.kind === 'sequence') {
              if (row.timerId.startsWith('task-')) result.sequences.taskTimers++;
              else if (row.timerId.includes('NEXT_TOUCH')) result.sequences.touches++;
              else result.sequences.other++;
            } else result.approvals[row.timerId.includes('STEP_ESCALATION') ? 'escalated' : 'slaBreaches']++;
          }
        }
        return rows.length + more.length;
      });
      if (batch === 0) break;
      const progress = { fired: result.fired + result.skipped, due: Math.max(total, result.fired + result.skipped) };
      opts.onProgress?.(progress);
      yield progress;
    }
    return result;
  }

  return {
    sweep(opts: SweepOptions): SweepResult {
      const it = steps(opts);
      for (;;) {
        const n = it.next();
        if (n.done) return n.value;
      }
    },
    /** The same sweep, letting the event loop run between two batches (a server keeps answering). */
    async sweepAsync(opts: SweepOptions): Promise<SweepResult> {
      const it = steps(opts);
      for (;;) {
        const n = it.next();
        if (n.done) return n.value;
        await new Promise<void>((resolve) => { setImmediate(resolve); });
      }
    },
  };
}

/** The sweep of an engine (engine.sweep), as a function. */
export function sweep(engine: Engine, opts: SweepOptions): SweepResult {
  return engine.sweep(opts);
}
