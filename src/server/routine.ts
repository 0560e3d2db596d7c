// The daily routine of `ladder serve` (issue 13): the sweep at the time of day the settings name (a cron
// expression in a time zone) and a push of the monday outbox every few minutes, without a cron job beside it.
// Croner only computes run times; one method, runDue(now), does what is due at an instant: the server calls it
// from a timer, tests call it with a moved clock (STYLE 3: time is an input). The settings are read again at each
// call, so a changed schedule takes effect without a restart. Each sweep holds the `sweep` lease and each push the
// `monday-push` lease, so two servers, or a server and a manual `ladder sweep` / `ladder monday push`, never run
// one at the same time: the one that finds the lease held skips its run and records why (`ladder runs`).
import type { Cron } from 'croner';
import type { FastifyBaseLogger } from 'fastify';
import type { SweepOptions, SweepResult } from '../engine/sweep.js';
import type { Ladder } from '../ladder.js';
import { mondayEndpoint, mondayToken } from '../monday/config.js';
import { hasWork, push } from '../monday/pusher.js';
import { createTransport } from '../monday/transport.js';
import { sweepSchedule, type RoutineSettings } from '../settings/schema.js';
import { LeaseBusyError } from '../store/lease.js';
import { recordedSweep } from '../engine/recorded-sweep.js';
import { lastSweepAsOf, recordRun, type RunOutcome } from '../store/runs.js';

/** Who the routine's sweep acts as (src/engine/roles.ts: SWEEP allows the system). */
export const ROUTINE_ACTOR = { by: 'ladder-serve', role: 'system' } as const;
export const SWEEP_COMMAND = 'routine sweep';
export const PUSH_COMMAND = 'routine monday push';
/** When nothing is due sooner, the routine still wakes this often to read its settings again. */
export const RECHECK_MS = 60_000;
/** setTimeout's longest delay (about 24.8 days). */
const MAX_DELAY_MS = 2 ** 31 - 1;

export type RoutineLog = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;

/** One delivery of the monday outbox. `idle`: nothing to deliver (no board, an empty outbox): not recorded. */
export type PushSummary = { outcome: 'done' | 'failed' | 'idle'; detail: string };
/** Throws a busy error (LeaseBusyError, or the push's PushBusyError) when another push holds the lease. */
export type PushOnce = () => Promise<PushSummary>;

/** `again`: the run did not happen (a held lease, a failure) and is tried again at the next wake. */
export type RunReport = { job: 'sweep' | 'push'; outcome: RunOutcome; detail: string; asOf: string; again?: boolean };

export type RoutineOptions = {
  /** The clock (ms): real time in the server (shifted by `ladder serve --now`); tests move it. */
  clock: () => number;
  log: RoutineLog;
  /** The monday push; none: the routine only sweeps. */
  pushOnce?: PushOnce;
  /** The sweep (default: the ladder engine's). */
  sweep?: (o: SweepOptions) => SweepResult | Promise<SweepResult>;
  /** Arm a real timer that calls runDue at the next run time (default true); tests call runDue themselves. */
  timers?: boolean;
};

export type Routine = {
  /** Runs what is due at `nowMs` (default: the clock): the scheduled sweep once its time has come, the push once its interval has passed. */
  runDue(nowMs?: number): Promise<RunReport[]>;
  /** A sweep now, whatever the schedule (still under the lease). */
  runSweepNow(): Promise<RunReport>;
  /** Resolves once the runs started so far (the catch-up sweep at start, a timer's) have ended. */
  settled(): Promise<void>;
  /** When the timer will wake next (ms), or null when none is armed. */
  nextWake(): number | null;
  /** Cancels the timer, waits for a run in flight to end (it releases its lease) and starts none after it. */
  stop(): Promise<void>;
};

const iso = (ms: number) => new Date(ms).toISOString();
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isBusy = (err: unknown) => err instanceof LeaseBusyError || (err as Error | undefined)?.name === 'PushBusyError';

export function startRoutine(ladder: Ladder, o: RoutineOptions): Routine {
  const { clock, log } = o;
  const store = ladder.store;
  let schedule: { key: string; cron: Cron } | null = null;
  /** The instant the schedule was last looked at: a sweep is due when a scheduled time falls after it. */
  let anchor = clock();
  let lastPushAt = Number.NEGATIVE_INFINITY;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wakeAt: number | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  /** One run at a time in this server: a timer's run and runSweepNow queue behind each other. */
  function enqueue<T>(fn: () => Promise<T>, idle: T): Promise<T> {
    const next = queue.then(() => (stopped ? idle : fn()));
    queue = next.catch(() => {});
    return next;
  }

  function settings(): RoutineSettings {
    return ladder.engine.settings.routine;
  }

  /** The croner schedule of the settings, made again when the expression or the zone changed. */
  function cronOf(s: RoutineSettings): Cron {
    const key = `${s.sweepCron}|${s.timezone}`;
    if (schedule?.key !== key) {
      const cron = sweepSchedule(s.sweepCron, s.timezone);
      if (schedule) log.info({ routine: 'sweep', cron: s.sweepCron, timezone: s.timezone, next: cron.nextRun(new Date(anchor))?.toISOString() ?? null }, 'routine: the sweep schedule changed');
      schedule = { key, cron };
    }
    return schedule.cron;
  }

  /** The latest scheduled time at or before `nowMs`. */
  function slotAt(cron: Cron, nowMs: number): number | null {
    return cron.previousRuns(1, new Date(nowMs + 1))[0]?.getTime() ?? null;
  }

  function skipped(job: 'sweep' | 'push', command: string, startedAt: string, asOf: string, detail: string): RunReport {
    recordRun(store, { command, startedAt, outcome: 'skipped', detail, asOf });
    log.warn({ routine: job, asOf }, `routine: ${job} skipped: ${detail}`);
    return { job, outcome: 'skipped', detail, asOf };
  }

  /** A sweep as of `nowMs` under the sweep lease; `slot`: the scheduled time it is for (null: on demand). */
  async function sweepRun(nowMs: number, slot: number | null): Promise<RunReport> {
    const asOf = iso(nowMs);
    const startedAt = new Date().toISOString();
    try {
      const r = await recordedSweep(ladder.engine, {
        now: asOf, as: ROUTINE_ACTOR, source: 'timer', command: SWEEP_COMMAND, waitMs: 0, sweepWith: o.sweep,
        // Read under the lease: another server (or a manual ladder sweep) may have swept for this slot already.
        skipIf: () => {
          const last = slot === null ? null : lastSweepAsOf(store);
          return slot !== null && last !== null && Date.parse(last) >= slot ? `the sweep scheduled for ${iso(slot)} is done already (a sweep as of ${last})` : null;
        },
      });
      if (r.status === 'skipped') return skipped('sweep', SWEEP_COMMAND, startedAt, asOf, r.why);
      log.info({ routine: 'sweep', asOf, fired: r.result.fired, transitions: r.result.transitions }, `routine: sweep as of ${asOf}: ${r.detail}`);
      return { job: 'sweep', outcome: 'done', detail: r.detail, asOf };
    } catch (err) {
      if (err instanceof LeaseBusyError) return { ...skipped('sweep', SWEEP_COMMAND, startedAt, asOf, `another sweep is running: ${err.message}`), again: true };
      log.error({ err, routine: 'sweep', asOf }, `routine: sweep as of ${asOf} failed: ${messageOf(err)}`);
      return { job: 'sweep', outcome: 'failed', detail: messageOf(err), asOf, again: true };
    }
  }

  /** A push of the monday outbox (the push holds the monday-push lease itself); null when there was nothing to push. */
  async function pushRun(nowMs: number): Promise<RunReport | null> {
    if (!o.pushOnce) return null;
    const asOf = iso(nowMs);
    const startedAt = new Date().toISOString();
    try {
      let r: PushSummary;
      try {
        r = await o.pushOnce();
      } catch (err) {
        if (isBusy(err)) return skipped('push', PUSH_COMMAND, startedAt, asOf, `another push is running: ${messageOf(err)}`);
        throw err;
      }
      if (r.outcome === 'idle') return null;
      recordRun(store, { command: PUSH_COMMAND, startedAt, outcome: r.outcome, detail: r.detail, asOf });
      if (r.outcome === 'failed') log.error({ routine: 'push', asOf }, `routine: monday push did not finish: ${r.detail}`);
      else log.info({ routine: 'push', asOf }, `routine: monday push: ${r.detail}`);
      return { job: 'push', outcome: r.outcome, detail: r.detail, asOf };
    } catch (err) {
      log.error({ err, routine: 'push', asOf }, `routine: monday push failed: ${messageOf(err)}`);
      try { recordRun(store, { command: PUSH_COMMAND, startedAt, outcome: 'failed', detail: messageOf(err), asOf }); } catch { /* the log line says it */ }
      return { job: 'push', outcome: 'failed', detail: messageOf(err), asOf };
    }
  }

  async function due(nowMs: number): Promise<RunReport[]> {
    const out: RunReport[] = [];
    try {
      const s = settings();
      const from = anchor;
      anchor = Math.max(anchor, nowMs);
      if (!s.enabled) return out;
      const cron = cronOf(s);
      const next = cron.nextRun(new Date(from))?.getTime();
      if (next !== undefined && next <= nowMs) {
        const r = await sweepRun(nowMs, slotAt(cron, nowMs));
        out.push(r);
        // Another sweep held the lease, or this one failed: the slot is not done, so the next wake (within a
        // minute) tries again; once a sweep covers it, the attempt is skipped as done.
        if (r.again) anchor = from;
      }
      if (o.pushOnce && nowMs - lastPushAt >= s.pushEveryMinutes * 60_000) {
        lastPushAt = nowMs;
        const r = await pushRun(nowMs);
        if (r) out.push(r);
      }
    } catch (err) {
      // The settings could not be read (a busy or damaged database): try again at the next wake.
      log.error({ err, routine: 'schedule' }, `routine: ${messageOf(err)}`);
    } finally {
      arm();
    }
    return out;
  }

  /** At start: a sweep whose scheduled time passed while no server ran (no sweep done as of it) runs now. */
  async function catchUp(nowMs: number): Promise<void> {
    try {
      const s = settings();
      if (!s.enabled) return;
      const slot = slotAt(cronOf(s), nowMs);
      const last = lastSweepAsOf(store);
      if (slot === null || (last !== null && Date.parse(last) >= slot)) return;
      log.info({ routine: 'sweep', missed: iso(slot), last }, `routine: the sweep of ${iso(slot)} was missed (last sweep as of ${last ?? 'never'}): running it now`);
      await sweepRun(nowMs, slot);
    } catch (err) {
      log.error({ err, routine: 'schedule' }, `routine: ${messageOf(err)}`);
    } finally {
      arm();
    }
  }

  /** A timer to the next thing due (never further than RECHECK_MS, to read the settings again), unref'd. */
  function arm(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    wakeAt = null;
    if (stopped || o.timers === false) return;
    const now = clock();
    let at = now + RECHECK_MS;
    try {
      const s = settings();
      if (s.enabled) {
        const next = cronOf(s).nextRun(new Date(anchor))?.getTime();
        if (next !== undefined) at = Math.min(at, next);
        if (o.pushOnce) at = Math.min(at, lastPushAt + s.pushEveryMinutes * 60_000);
      }
    } catch { /* read again at the recheck */ }
    wakeAt = Math.max(at, now);
    timer = setTimeout(() => { void routine.runDue(); }, Math.min(Math.max(0, at - now), MAX_DELAY_MS));
    timer.unref();
  }

  const routine: Routine = {
    runDue: (nowMs) => enqueue(() => due(nowMs ?? clock()), []),
    runSweepNow: () => enqueue(() => sweepRun(clock(), null), { job: 'sweep', outcome: 'skipped', detail: 'the routine is stopped', asOf: iso(clock()) }),
    settled: () => queue.then(() => {}),
    nextWake: () => wakeAt,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      wakeAt = null;
      await queue;
    },
  };
  const started = clock();
  void enqueue(() => catchUp(started), undefined);
  log.info({ routine: 'start', ...settings() }, 'routine: started');
  return routine;
}

/**
 * The routine's push: the outbox delivered to the board of the settings with the token of the environment, when
 * there is a board and something to deliver. push() holds the monday-push lease (not waiting: a push already
 * running delivers the same rows) and throws PushBusyError when another holds it.
 */
export function mondayPushOnce(ladder: Ladder, o: { env: NodeJS.ProcessEnv; clock: () => number; log: RoutineLog }): PushOnce {
  return async () => {
    const cfg = ladder.monday();
    if (!cfg || !hasWork(ladder.store)) return { outcome: 'idle', detail: 'nothing to push' };
    const transport = createTransport({ endpoint: mondayEndpoint(cfg, o.env), token: mondayToken(cfg, o.env), apiVersion: cfg.apiVersion, timeoutMs: cfg.retry.timeoutMs });
    const r = await push(ladder.store, cfg, transport, { now: () => iso(o.clock()), leaseWaitMs: 0, log: (line) => o.log.info({ routine: 'push' }, line) });
    const detail = `${r.requests} requests; ${r.matched} items matched, ${r.created} created, ${r.columnWrites} column writes, ${r.commentsPosted} comments posted; left: ${r.pendingItems} items and ${r.pendingComments} comments pending, ${r.deadItems + r.deadComments} dead letters`;
    return r.gaveUp ? { outcome: 'failed', detail: `${r.gaveUp} (${detail})` } : { outcome: 'done', detail };
  };
}
