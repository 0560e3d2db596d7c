// The daily routine of `ladder serve` (issue 13): the sweep at the settings' time of day, the push every few
// minutes, one sweep at a time across servers and the CLI (the `sweep` lease), a missed sweep caught up at start,
// every run recorded in `runs`. Real SQLite files; the clock is moved, never waited for (STYLE 3).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLadder, type Ladder } from '../../src/ladder.js';
import { runCli } from '../../src/cli/app.js';
import type { SweepOptions, SweepResult } from '../../src/engine/sweep.js';
import { BadInputError } from '../../src/engine/errors.js';
import { acquirePushLease } from '../../src/monday/lease.js';
import { mondayPushOnce, startRoutine, type PushOnce, type Routine, type RoutineLog } from '../../src/server/routine.js';
import { withSetting, withSettingText } from '../../src/settings/edit.js';
import { validateSettings } from '../../src/settings/edit.js';
import { DEFAULT_SETTINGS } from '../../src/settings/schema.js';
import { leases } from '../../src/store/schema.js';
import { acquireLease, SWEEP_LEASE } from '../../src/store/lease.js';
import { recentRuns, startRun } from '../../src/store/runs.js';
import { PASSING_FACTS, tempDir } from '../helpers/store.js';
import { serverHarness } from './helpers.js';

const MON_0900 = '2026-04-06T09:00:00.000Z'; // a Monday
const ms = (iso: string) => Date.parse(iso);
const OPS = { by: 'sales.ops', role: 'sales.ops' } as const;

type Logged = { level: 'info' | 'warn' | 'error'; msg: string };

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** A ladder database in a temp folder with a clock the test moves; more handles on the same file with open(). */
function fixture(startIso = MON_0900) {
  const t = tempDir('ladder-routine-');
  const path = join(t.dir, 'ladder.db');
  const clock = { now: ms(startIso) };
  const handles: Ladder[] = [];
  const open = () => {
    const l = openLadder(path, { mode: 'create', allowFuture: true, clock: () => clock.now });
    handles.push(l);
    return l;
  };
  const ladder = open();
  const logs: Logged[] = [];
  const log = {
    info: (_o: unknown, msg?: string) => { logs.push({ level: 'info', msg: msg ?? '' }); },
    warn: (_o: unknown, msg?: string) => { logs.push({ level: 'warn', msg: msg ?? '' }); },
    error: (_o: unknown, msg?: string) => { logs.push({ level: 'error', msg: msg ?? '' }); },
  } as unknown as RoutineLog;
  const routines: Routine[] = [];
  const start = (o: { on?: Ladder; pushOnce?: PushOnce; sweep?: (s: SweepOptions) => SweepResult | Promise<SweepResult>; timers?: boolean } = {}) => {
    const on = o.on ?? ladder;
    const r = startRoutine(on, { clock: () => clock.now, log, timers: o.timers ?? false, pushOnce: o.pushOnce, sweep: o.sweep });
    routines.push(r);
    return r;
  };
  cleanups.push(async () => {
    for (const r of routines) await r.stop();
    for (const h of handles) h.close();
    t.cleanup();
  });
  /** The runs as recorded, oldest first. */
  const runs = () => recentRuns(ladder.store, 1000).reverse().map((r) => ({ command: r.command, outcome: r.outcome, asOf: r.asOf, detail: r.detail }));
  const set = (path: string, value: string, at = new Date(clock.now).toISOString()) => {
    ladder.engine.changeSettings((s) => withSettingText(s, path, value), { ...OPS, now: at, change: `set ${path}`, source: 'cli' });
  };
  /** A sweep as of `iso` recorded as `ladder sweep` would record it. */
  const sweptAsOf = (iso: string) => startRun(ladder.store, `ladder sweep --now ${iso}`, { asOf: iso }).end('done');
  return { path, clock, ladder, open, logs, start, runs, set, sweptAsOf };
}

/** An account fast-tracked to SQL dossier at `atIso`: its dossier SLA (1 business day) is a timer a sweep fires. */
function fastTrack(ladder: Ladder, domain: string, atIso: string) {
  ladder.engine.addAccount({ domain, name: domain, hq: 'Porto', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, at: atIso, now: atIso, source: 'cli' });
  ladder.engine.submit({ account: domain, source: 'cli', now: atIso, event: { type: 'SIGNAL', signal: { id: `s:${domain}`, code: 'E3', contact: `https://linkedin.com/in/cro-${domain.replace('.', '-')}`, at: atIso }, at: atIso, ...OPS } as never });
}
const pendingTimers = (ladder: Ladder) => ladder.store.sqlite.prepare("select due_at as dueAt from timers where status = 'pending' order by due_at").pluck().all() as string[];
const leaseRows = (ladder: Ladder) => ladder.store.db.select().from(leases).all();

/** A sweep that waits for the test to let it go: a run in flight. */
function gatedSweep(ladder: Ladder) {
  let open!: () => void;
  const gate = new Promise<void>((r) => { open = r; });
  let entered!: () => void;
  const inside = new Promise<void>((r) => { entered = r; });
  const sweep = async (s: SweepOptions) => { entered(); await gate; return ladder.engine.sweep(s); };
  return { sweep, inside, release: () => open() };
}

describe('the routine settings', () => {
  it('has defaults, also for settings written before the routine existed', () => {
    expect(DEFAULT_SETTINGS.routine).toEqual({ sweepCron: '0 6 * * *', timezone: 'UTC', pushEveryMinutes: 5, enabled: true });
    const { routine: _, ...older } = structuredClone(DEFAULT_SETTINGS);
    expect(validateSettings(older).routine).toEqual(DEFAULT_SETTINGS.routine);
  });

  it('takes a cron expression, a time zone, an interval and a switch from ladder settings set', () => {
    let s = withSettingText(DEFAULT_SETTINGS, 'routine.sweepCron', '0 7 * * 1-5');
    s = withSettingText(s, 'routine.timezone', 'Europe/Berlin');
    s = withSettingText(s, 'routine.pushEveryMinutes', '15');
    s = withSettingText(s, 'routine.enabled', 'false');
    expect(s.routine).toEqual({ sweepCron: '0 7 * * 1-5', timezone: 'Europe/Berlin', pushEveryMinutes: 15, enabled: false });
  });

  it.each([
    ['routine.sweepCron', '61 6 * * *', /^setting routine\.sweepCron: invalid\nroutine\.sweepCron: a 5-field cron expression: minute hour day-of-month month day-of-week, e\.g\. "0 6 \* \* \*" .*; got "61 6 \* \* \*" \(Invalid value for minute: 61\)$/],
    ['routine.sweepCron', '0 6 * * * *', /routine\.sweepCron: a 5-field cron expression.*got "0 6 \* \* \* \*"/],
    ['routine.sweepCron', 'daily', /routine\.sweepCron: a 5-field cron expression/],
    ['routine.sweepCron', '0 0 30 2 *', /routine\.sweepCron: .*\(it never runs\)/],
    ['routine.timezone', 'Mars/Olympus', /routine\.timezone: an IANA time zone such as UTC, Europe\/Berlin or America\/New_York; got "Mars\/Olympus"/],
    ['routine.pushEveryMinutes', '0', /routine\.pushEveryMinutes/],
    ['routine.pushEveryMinutes', '1441', /routine\.pushEveryMinutes/],
    ['routine.enabled', 'sometimes', /routine\.enabled/],
  ])('refuses %s = %s, naming the field and what it accepts', (path, value, message) => {
    expect(() => withSettingText(DEFAULT_SETTINGS, path, value)).toThrow(BadInputError);
    expect(() => withSettingText(DEFAULT_SETTINGS, path, value)).toThrow(message);
  });

  it('is set and shown by the CLI (ladder settings set / show)', async () => {
    const f = fixture();
    const io = (out: string[]) => ({ out: (s: string) => { out.push(s); }, err: (s: string) => { out.push(s); }, isTTY: false, env: {} as NodeJS.ProcessEnv });
    const out: string[] = [];
    expect(await runCli(['--db', f.path, '--as', 'sales.ops', '--now', MON_0900, 'settings', 'set', 'routine.sweepCron', '0 7 * * 1-5'], io(out))).toBe(0);
    expect(out.join('\n')).toContain('routine.sweepCron: "0 6 * * *" → "0 7 * * 1-5"');
    const shown: string[] = [];
    expect(await runCli(['--db', f.path, 'settings', 'show'], io(shown))).toBe(0);
    expect(shown.join('\n')).toMatch(/routine\.sweepCron: 0 7 \* \* 1-5\n\s+routine\.timezone: UTC\n\s+routine\.pushEveryMinutes: 5\n\s+routine\.enabled: true/);
    expect(withSetting(f.ladder.settings, 'routine.timezone', 'America/New_York').routine.timezone).toBe('America/New_York');
  });
});

describe('the scheduled sweep', () => {
  it('runs the sweep missed while no server ran, at start', async () => {
    const f = fixture();
    // The last sweep was Sunday's: Monday 06:00 passed without one.
    f.sweptAsOf('2026-04-05T06:00:00.000Z');
    const r = f.start();
    await r.settled();
    expect(f.runs().at(-1)).toMatchObject({ command: 'routine sweep', outcome: 'done', asOf: MON_0900 });
    expect(f.logs.map((l) => l.msg)).toContain('routine: the sweep of 2026-04-06T06:00:00.000Z was missed (last sweep as of 2026-04-05T06:00:00.000Z): running it now');
  });

  it('does not repeat at start a sweep already done for the last scheduled time (by a CLI sweep)', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T06:30:00.000Z');
    await f.start().settled();
    expect(f.runs().map((r) => r.command)).toEqual(['ladder sweep --now 2026-04-06T06:30:00.000Z']);
  });

  it('fires at the cron time and not before, once per scheduled time', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T08:00:00.000Z');
    fastTrack(f.ladder, 'acme.com', '2026-04-06T05:00:00.000Z'); // dossier SLA due Tuesday 05:00
    const r = f.start();
    await r.settled();
    expect(await r.runDue(ms('2026-04-07T05:59:59.999Z'))).toEqual([]);
    expect(pendingTimers(f.ladder)).toContain('2026-04-07T05:00:00.000Z');
    expect(await r.runDue(ms('2026-04-07T06:00:00.000Z'))).toEqual([
      { job: 'sweep', outcome: 'done', asOf: '2026-04-07T06:00:00.000Z', detail: '1 timers fired (1 SLA breaches flagged, 0 no longer accepted)' },
    ]);
    expect(pendingTimers(f.ladder)).not.toContain('2026-04-07T05:00:00.000Z');
    expect(await r.runDue(ms('2026-04-07T06:00:30.000Z'))).toEqual([]);
    expect(await r.runDue(ms('2026-04-07T23:59:00.000Z'))).toEqual([]);
    expect(await r.runDue(ms('2026-04-08T06:00:01.000Z'))).toMatchObject([{ job: 'sweep', outcome: 'done', asOf: '2026-04-08T06:00:01.000Z' }]);
    expect(f.runs().filter((x) => x.command === 'routine sweep').map((x) => x.asOf)).toEqual(['2026-04-07T06:00:00.000Z', '2026-04-08T06:00:01.000Z']);
  });

  it('a woken-up-late server sweeps once for the time it slept through, not once per missed day', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T08:00:00.000Z');
    const r = f.start();
    await r.settled();
    expect(await r.runDue(ms('2026-04-09T12:00:00.000Z'))).toMatchObject([{ job: 'sweep', outcome: 'done' }]);
    expect(f.runs().filter((x) => x.command === 'routine sweep')).toHaveLength(1);
  });

  it('takes a changed cron expression and time zone at its next tick, without a restart', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T08:00:00.000Z');
    const r = f.start();
    await r.settled();
    // 07:00 in Berlin (CEST, UTC+2) on weekdays, from Tuesday.
    f.set('routine.sweepCron', '0 7 * * 1-5', '2026-04-06T10:00:00.000Z');
    f.set('routine.timezone', 'Europe/Berlin', '2026-04-06T10:00:00.000Z');
    expect(await r.runDue(ms('2026-04-07T04:59:00.000Z'))).toEqual([]);
    expect(await r.runDue(ms('2026-04-07T05:00:00.000Z'))).toMatchObject([{ job: 'sweep', outcome: 'done', asOf: '2026-04-07T05:00:00.000Z' }]);
    expect(await r.runDue(ms('2026-04-07T06:00:00.000Z'))).toEqual([]); // the old 06:00 UTC no longer fires
    // Friday 07:00 Berlin sweeps; Saturday and Sunday do not.
    expect(await r.runDue(ms('2026-04-10T05:00:00.000Z'))).toHaveLength(1);
    expect(await r.runDue(ms('2026-04-11T05:00:00.000Z'))).toEqual([]);
    expect(await r.runDue(ms('2026-04-12T05:00:00.000Z'))).toEqual([]);
    expect(await r.runDue(ms('2026-04-13T05:00:00.000Z'))).toHaveLength(1);
    expect(f.logs.filter((l) => l.msg === 'routine: the sweep schedule changed')).toHaveLength(1);
  });

  it('does nothing while routine.enabled is false, and resumes when it is set back', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T08:00:00.000Z');
    f.set('routine.enabled', 'false', '2026-04-06T08:30:00.000Z');
    let pushes = 0;
    const r = f.start({ pushOnce: async () => { pushes++; return { outcome: 'done', detail: 'pushed' }; } });
    await r.settled();
    expect(await r.runDue(ms('2026-04-07T06:00:00.000Z'))).toEqual([]);
    expect(pushes).toBe(0);
    f.set('routine.enabled', 'true', '2026-04-07T07:00:00.000Z');
    expect(await r.runDue(ms('2026-04-08T06:00:00.000Z'))).toMatchObject([{ job: 'sweep', outcome: 'done' }, { job: 'push', outcome: 'done' }]);
  });

  it('arms a timer (unref\'d) for the next scheduled time, never further than a minute, to read the settings again', async () => {
    const f = fixture('2026-04-07T05:59:30.000Z');
    f.sweptAsOf('2026-04-06T06:00:00.000Z');
    const r = f.start({ timers: true });
    await r.settled();
    expect(r.nextWake()).toBe(ms('2026-04-07T06:00:00.000Z'));
    f.clock.now = ms('2026-04-07T06:10:00.000Z');
    await r.runDue(ms('2026-04-07T06:00:00.000Z'));
    expect(r.nextWake()).toBe(ms('2026-04-07T06:11:00.000Z'));
    await r.stop();
    expect(r.nextWake()).toBeNull();
  });
});

describe('one sweep at a time', () => {
  it('two servers on one database file: one sweep per scheduled time, the other recorded skipped', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T08:00:00.000Z');
    const a = f.start();
    const b = f.start({ on: f.open() });
    await Promise.all([a.settled(), b.settled()]);
    const tue = ms('2026-04-07T06:00:00.000Z');
    // Their timers fire two seconds apart: the second finds the day's sweep done.
    const ra = await a.runDue(tue);
    const rb = await b.runDue(tue + 2_000);
    expect(ra).toMatchObject([{ job: 'sweep', outcome: 'done' }]);
    expect(rb).toMatchObject([{ job: 'sweep', outcome: 'skipped', detail: 'the sweep scheduled for 2026-04-07T06:00:00.000Z is done already (a sweep as of 2026-04-07T06:00:00.000Z)' }]);
    expect(f.runs().slice(1).map((r) => [r.command, r.outcome])).toEqual([['routine sweep', 'done'], ['routine sweep', 'skipped']]);
  });

  it('a server finding the sweep lease held (another sweep in flight) skips its run and records who holds it', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T08:00:00.000Z');
    const other = f.open();
    const g = gatedSweep(other);
    const a = f.start({ on: other, sweep: g.sweep });
    const b = f.start();
    const tue = ms('2026-04-07T06:00:00.000Z');
    const first = a.runDue(tue);
    await g.inside;
    expect(await b.runDue(tue)).toMatchObject([{ job: 'sweep', outcome: 'skipped' }]);
    g.release();
    expect(await first).toMatchObject([{ job: 'sweep', outcome: 'done' }]);
    const skipped = f.runs().find((r) => r.outcome === 'skipped')!;
    expect(skipped.detail).toMatch(new RegExp(`^another sweep is running: the sweep lease is held by pid ${process.pid} on .+ since .+ \\(\`routine sweep\`\\)$`));
    expect(f.logs.some((l) => l.level === 'warn' && l.msg.startsWith('routine: sweep skipped: another sweep is running'))).toBe(true);
  });

  it('a CLI ladder sweep while the routine holds the lease waits, then exits 2 naming the holder; nothing swept', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T08:00:00.000Z');
    fastTrack(f.ladder, 'acme.com', '2026-04-06T05:00:00.000Z');
    const g = gatedSweep(f.ladder);
    const r = f.start({ sweep: g.sweep });
    await r.settled();
    const inFlight = r.runDue(ms('2026-04-07T06:00:00.000Z'));
    await g.inside;
    const err: string[] = [];
    const io = { out: () => {}, err: (s: string) => { err.push(s); }, isTTY: false, env: { LADDER_BUSY_TIMEOUT_MS: '300' } as NodeJS.ProcessEnv };
    const started = Date.now();
    const code = await runCli(['--db', f.path, '--as', 'sales.ops', '--now', '2026-04-07T06:00:05.000Z', 'sweep'], io);
    expect(code).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(err.join('\n')).toMatch(new RegExp(`^ladder: the sweep lease is held by pid ${process.pid} on .+ since .+ \\(\`routine sweep\`\\); waited 0\\.\\d s for it\\. Another sweep is running \\(the server's routine, or another ladder sweep\\); nothing was changed: run ladder sweep again when it has ended \\(ladder runs shows the sweeps\\)$`));
    expect(pendingTimers(f.ladder)).toContain('2026-04-07T05:00:00.000Z');
    g.release();
    await inFlight;
    expect(pendingTimers(f.ladder)).not.toContain('2026-04-07T05:00:00.000Z');
    expect(f.runs().map((x) => x.command)).not.toContain('ladder sweep --now 2026-04-07T06:00:05.000Z');
  });

  it('a CLI ladder sweep takes the lease too: the routine skips while it runs, and counts it as the day\'s sweep afterwards', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T08:00:00.000Z');
    const r = f.start();
    await r.settled();
    const io = { out: () => {}, err: () => {}, isTTY: false, env: {} as NodeJS.ProcessEnv };
    expect(await runCli(['--db', f.path, '--as', 'sales.ops', '--now', '2026-04-07T06:00:00.000Z', 'sweep'], io)).toBe(0);
    expect(leaseRows(f.ladder)).toEqual([]);
    expect(await r.runDue(ms('2026-04-07T06:00:10.000Z'))).toMatchObject([{ job: 'sweep', outcome: 'skipped', detail: 'the sweep scheduled for 2026-04-07T06:00:00.000Z is done already (a sweep as of 2026-04-07T06:00:00.000Z)' }]);
  });
});

describe('stopping and failing', () => {
  it('stop() during a run waits for it to finish and releases the lease; no run starts after it', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T08:00:00.000Z');
    const g = gatedSweep(f.ladder);
    const r = f.start({ sweep: g.sweep });
    await r.settled();
    const inFlight = r.runDue(ms('2026-04-07T06:00:00.000Z'));
    await g.inside;
    expect(leaseRows(f.ladder).map((l) => l.name)).toEqual(['sweep']);
    let stopped = false;
    const stopping = r.stop().then(() => { stopped = true; });
    await new Promise((res) => setImmediate(res));
    expect(stopped).toBe(false);
    g.release();
    await stopping;
    expect(await inFlight).toMatchObject([{ outcome: 'done' }]);
    expect(leaseRows(f.ladder)).toEqual([]);
    expect(f.runs().at(-1)).toMatchObject({ command: 'routine sweep', outcome: 'done' });
    expect(await r.runDue(ms('2026-04-08T06:00:00.000Z'))).toEqual([]);
  });

  it('a failing sweep is logged and recorded failed, never thrown; its slot is tried again at the next wake', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T08:00:00.000Z');
    let fail = true;
    const r = f.start({ sweep: (s) => { if (fail) throw new Error('disk I/O error'); return f.ladder.engine.sweep(s); } });
    await r.settled();
    expect(await r.runDue(ms('2026-04-07T06:00:00.000Z'))).toEqual([{ job: 'sweep', outcome: 'failed', detail: 'disk I/O error', asOf: '2026-04-07T06:00:00.000Z', again: true }]);
    expect(f.runs().at(-1)).toMatchObject({ command: 'routine sweep', outcome: 'failed', detail: 'disk I/O error' });
    expect(f.logs).toContainEqual({ level: 'error', msg: 'routine: sweep as of 2026-04-07T06:00:00.000Z failed: disk I/O error' });
    expect(leaseRows(f.ladder)).toEqual([]);
    fail = false;
    // The next wake (a minute later) sweeps the 06:00 slot; the one after has nothing due.
    expect(await r.runDue(ms('2026-04-07T06:01:00.000Z'))).toMatchObject([{ job: 'sweep', outcome: 'done', asOf: '2026-04-07T06:01:00.000Z' }]);
    expect(await r.runDue(ms('2026-04-07T06:02:00.000Z'))).toEqual([]);
  });

  it('a sweep skipped because another held the lease is tried again at the next wake, and skipped as done once covered', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T08:00:00.000Z');
    const r = f.start({});
    await r.settled();
    const held = await acquireLease(f.ladder.store, SWEEP_LEASE, { waitMs: 0 });
    expect(await r.runDue(ms('2026-04-07T06:00:00.000Z'))).toMatchObject([{ job: 'sweep', outcome: 'skipped', again: true }]);
    held.release();
    expect(await r.runDue(ms('2026-04-07T06:01:00.000Z'))).toMatchObject([{ job: 'sweep', outcome: 'done' }]);
    expect(await r.runDue(ms('2026-04-07T06:02:00.000Z'))).toEqual([]);
  });
});

describe('the periodic push', () => {
  it('pushes every routine.pushEveryMinutes; nothing to push is not recorded; a push finding monday-push held is skipped', async () => {
    const f = fixture();
    f.sweptAsOf('2026-04-06T08:00:00.000Z');
    let idle = false;
    const pushOnce: PushOnce = async () => {
      if (idle) return { outcome: 'idle', detail: 'nothing to push' };
      // As the real push does: the monday-push lease, not waited for.
      const lease = await acquirePushLease(f.ladder.store, { waitMs: 0 });
      lease.release();
      return { outcome: 'done', detail: '1 created' };
    };
    const r = f.start({ pushOnce });
    await r.settled();
    const t = ms(MON_0900);
    expect(await r.runDue(t)).toEqual([{ job: 'push', outcome: 'done', detail: '1 created', asOf: MON_0900 }]);
    expect(await r.runDue(t + 4 * 60_000)).toEqual([]);
    const holder = await acquirePushLease(f.open().store, { waitMs: 0 }); // a `ladder monday push` elsewhere
    const [busy] = await r.runDue(t + 5 * 60_000);
    expect(busy).toMatchObject({ job: 'push', outcome: 'skipped' });
    expect(busy!.detail).toMatch(/^another push is running: monday push: another push is delivering the outbox \(pid \d+ on .+\)/);
    holder.release();
    f.set('routine.pushEveryMinutes', '15', new Date(t + 6 * 60_000).toISOString());
    expect(await r.runDue(t + 19 * 60_000)).toEqual([]);
    expect(await r.runDue(t + 20 * 60_000)).toMatchObject([{ job: 'push', outcome: 'done' }]);
    idle = true;
    expect(await r.runDue(t + 40 * 60_000)).toEqual([]);
    expect(f.runs().filter((x) => x.command === 'routine monday push').map((x) => x.outcome)).toEqual(['done', 'skipped', 'done']);
  });

  it('the monday push of the routine has nothing to do without a board', async () => {
    const f = fixture();
    const once = mondayPushOnce(f.ladder, { env: {}, clock: () => f.clock.now, log: { info: () => {}, warn: () => {}, error: () => {} } as unknown as RoutineLog });
    expect(await once()).toEqual({ outcome: 'idle', detail: 'nothing to push' });
  });
});

describe('ladder serve runs the routine', () => {
  it('starts it when the server is ready and stops it when it closes', async () => {
    const h = await serverHarness({ routine: true });
    try {
      await h.app.ready();
      expect(recentRuns(h.ladder.store, 10)).toEqual([]); // ready is not listening: nothing runs yet
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      await h.app.close(); // waits for the catch-up sweep of a fresh database
      const rows = recentRuns(h.ladder.store, 10);
      expect(rows.map((r) => [r.command, r.outcome, r.asOf])).toEqual([['routine sweep', 'done', '2026-04-06T09:00:00.000Z']]);
      expect(leaseRows(h.ladder)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
