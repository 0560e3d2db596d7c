// Issue 7.1, crash safety: `ladder sweep`, `ladder import` and `ladder monday push` run as child processes
// on a real database and are killed with SIGKILL at a seeded random moment of a real run (no hook in the
// code: the delay is drawn between 0.9 times the process's start-up and 1.1 times the uninterrupted run's
// duration, both measured on this machine before the trials, the window stretched or shrunk as the machine's
// load makes kills land before the first commit or after the last). After each kill the
// invariants are checked on what the dead process left; then the command is run again to completion, the
// invariants are checked again (replay = snapshot, no timer fired twice, none due left pending, no transition
// twice, the outbox drained to a board equal to the machine with every comment once, integrity_check), and
// for sweep and import the result must equal an uninterrupted run's, row for row.
//
// LADDER_CRASH_TRIALS (default 20; `npm run test:crash` runs 200) trials, spread over the three commands
// (equally by default; the full run gives the 20k-row import a tenth, it is by far the slowest); LADDER_CRASH_SEED
// reseeds. Workload sizes grow with the trial count (see SIZES; LADDER_CRASH_FULL=1 takes the full run's sizes
// at any count, to measure what a trial costs). The full run prints a line per trial. The three commands'
// trials run side by side.
// A resumed sweep or import must equal the uninterrupted run's database (content hash), which is itself
// checked against every invariant once (equal to a checked database is checked); the full checker runs on
// every killed state, and on every resumed push with the board.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { startEmulator, type Emulator } from '../../src/monday/emulator/index.js';
import { parseMondayConfig, type MondayConfig } from '../../src/monday/config.js';
import {
  SECRET_TOKEN, T0, buildPushFixture, buildSweepFixture, checkInvariants, childEnv, contentHash, copyDb, ensureBuilt, fastTempDir,
  diffDatabases, importSettings, rng, scalar, spawnLadder, staleBuild, writeImportCsv, type Spawned,
} from '../helpers/reliability.js';

const TRIALS = Number(process.env.LADDER_CRASH_TRIALS ?? 20);
const SEED = Number(process.env.LADDER_CRASH_SEED ?? 20260302);
const FULL = TRIALS >= 100 || process.env.LADDER_CRASH_FULL === '1';
/** Over a thousand due timers, a 20k-row import and hundreds of items/comments in the full run; less by default. */
const SIZES = FULL ? { sweepAccounts: 600, importRows: 20_000, pushAccounts: 120 } : { sweepAccounts: 250, importRows: 2000, pushAccounts: 40 };
const KINDS = ['sweep', 'import', 'push'] as const;
type Kind = (typeof KINDS)[number];
const SHARE: Record<Kind, number> = FULL ? { sweep: 0.45, import: 0.1, push: 0.45 } : { sweep: 1 / 3, import: 1 / 3, push: 1 / 3 };
const trialsOf = (k: Kind): number => (k === 'push' ? TRIALS - trialsOf('sweep') - trialsOf('import') : Math.round(TRIALS * SHARE[k]));

const tmp = fastTempDir('ladder-crash-');
/** Set by a failing trial: its files are kept. */
let keepFiles = false;
const LOCAL_BOARD = { endpoint: 'http://127.0.0.1:9/v2' };
/** Small batches and quick retries: a push makes many requests, so there are many points to die at. */
const PUSH_BOARD = { batch: { itemsPerRequest: 8, mutationsPerRequest: 12, lookupValuesPerRequest: 40 }, retry: { baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 10_000 } };
const localCfg: MondayConfig = parseMondayConfig(LOCAL_BOARD);
const env = childEnv({ MONDAY_API_TOKEN: SECRET_TOKEN });

type Landing = 'before' | 'mid' | 'after';
/**
 * Load on the machine stretches every run: a kill that landed before the first commit stretches the next
 * trial's window of this command by a fifth, one after the last commit shrinks it (within 0.5×-4×).
 */
const stretch: Record<string, number> = { sweep: 1, import: 1, push: 1 };
type Tally = { trials: number; kills: number; landed: Record<Landing, number>; ranToEnd: number; ms: number; work: string };
const tally = Object.fromEntries(KINDS.map((k) => [k, { trials: 0, kills: 0, landed: { before: 0, mid: 0, after: 0 }, ranToEnd: 0, ms: 0, work: '' }])) as Record<Kind, Tally>;

/** The board (and the users) are settings of the database: imported as `ladder settings import` would. */
function useBoard(db: string, monday: Record<string, unknown>): void {
  importSettings(db, { monday });
}

const leaks = (runs: Spawned[]) => runs.filter((r) => `${r.stdout}${r.stderr}`.includes(SECRET_TOKEN)).map((r) => r.args.join(' '));

type Reference = { template: string; ref: string; ms: number; startupMs: number };
const refs = {} as Record<Kind, Reference & { extra?: Record<string, unknown> }>;
const CSV = join(tmp.dir, 'accounts.csv');
const SWEEP_AT = '2026-09-18T10:00:00.000Z'; // T0 + 200 days

beforeAll(async () => {
  ensureBuilt();
  expect(staleBuild(), 'sources newer than dist/: run npm run build').toEqual([]);
  const t0 = Date.now();
  // sweep: accounts whose timers fall due, with the outbox hook (the CLI has a monday section).
  const sweepTemplate = join(tmp.dir, 'sweep-template.db');
  const built = buildSweepFixture(sweepTemplate, SIZES.sweepAccounts, SEED, localCfg);
  expect(built.sweepAt).toBe(SWEEP_AT);
  useBoard(sweepTemplate, LOCAL_BOARD);
  // import: an empty ladder and a big file.
  const importTemplate = join(tmp.dir, 'import-template.db');
  const init = await spawnLadder(['--db', importTemplate, 'init'], { cwd: tmp.dir, env });
  expect(init.code, init.stderr).toBe(0);
  useBoard(importTemplate, LOCAL_BOARD);
  writeImportCsv(CSV, SIZES.importRows, SEED);
  // push: hundreds of items and comments waiting in the outbox.
  const pushTemplate = join(tmp.dir, 'push-template.db');
  const p = buildPushFixture(pushTemplate, SIZES.pushAccounts, localCfg);
  useBoard(pushTemplate, LOCAL_BOARD);

  // The uninterrupted runs: how long a kill may wait, and what a crashed-then-resumed run must equal. They run
  // side by side, as the trials will, so their durations are measured under the same load.
  const { mkdirSync } = await import('node:fs');
  await Promise.all(KINDS.map(async (kind) => {
    const template = { sweep: sweepTemplate, import: importTemplate, push: pushTemplate }[kind];
    const dir = join(tmp.dir, `ref-${kind}`);
    mkdirSync(dir);
    const ref = join(dir, 'ladder.db');
    copyDb(template, ref);
    const emu = kind === 'push' ? await startEmulator({ port: 0, tokens: [SECRET_TOKEN] }) : null;
    if (emu) useBoard(ref, { endpoint: emu.url, ...PUSH_BOARD });
    // How long the process takes to open the database before any work: kills are drawn after most of it.
    const idle = await spawnLadder(['--db', ref, 'list', '--stage', 'WON'], { cwd: dir, env });
    expect(idle.code, idle.stderr).toBe(0);
    const r = await spawnLadder(['--db', ref, ...command(kind)], { cwd: dir, env });
    expect(r.code, `${kind}: ${r.stderr}`).toBe(0);
    refs[kind] = { template, ref, ms: r.ms, startupMs: idle.ms };
    if (kind === 'import') {
      const report = JSON.parse(r.stdout) as { counts: Record<string, number> };
      refs.import.extra = report.counts;
      tally.import.work = `${SIZES.importRows} rows (${report.counts.unique} unique, ${report.counts.tierReject} Tier Reject, ${report.counts.duplicates} duplicates, ${report.counts.rejected} rejected)`;
    }
    if (kind === 'sweep') tally.sweep.work = `${built.accounts} accounts, ${scalar(ref, "select count(*) from timers where status = 'fired'")} timers fired`;
    if (kind === 'push') tally.push.work = `${p.accounts} items, ${p.comments} comments, ${emu!.requests.length} requests`;
    await emu?.close();
  }));
  for (const kind of ['sweep', 'import'] as const) {
    expect(await checkInvariants(refs[kind].ref, { monday: localCfg, ...(kind === 'sweep' ? { now: SWEEP_AT } : {}) })).toEqual([]);
  }
  // eslint-disable-next-line no-console
  console.log(`crash fixtures in ${Date.now() - t0} ms; uninterrupted runs: ${KINDS.map((k) => `${k} ${refs[k].ms} ms (startup ${refs[k].startupMs} ms)`).join(', ')}`);
}, 600_000);

afterAll(() => {
  const lines = KINDS.map((k) => {
    const t = tally[k];
    return `  ${k.padEnd(6)} ${String(t.trials).padStart(3)} trials, ${String(t.kills).padStart(3)} kills: ${t.landed.mid} mid-work (part committed), ${t.landed.before} before the first commit, ${t.landed.after} after the last; ${t.ranToEnd} runs ended before their kill (${t.work}; ${Math.round(t.ms / 1000)} s)`;
  });
  // eslint-disable-next-line no-console
  console.log(`crash safety, seed ${SEED}, ${TRIALS} trials:\n${lines.join('\n')}`);
  if (!keepFiles) tmp.cleanup();
});

function command(kind: Kind): string[] {
  switch (kind) {
    case 'sweep': return ['--now', SWEEP_AT, '--as', 'ana', 'sweep', '--batch', '50'];
    // Chunks of a tenth of the rows or less: commits all through the run, so a kill can land between them.
    case 'import': return ['--now', T0, '--as', 'ana', '--json', 'import', CSV, '--chunk', String(Math.min(1000, SIZES.importRows / 10))];
    case 'push': return ['--now', T0, 'monday', 'push'];
  }
}

/** How far the killed run got, from what it left in the database (and on the board). */
function landing(kind: Kind, db: string, emu: Emulator | null): Landing {
  switch (kind) {
    case 'sweep': {
      const fired = scalar(db, "select count(*) from timers where status = 'fired'");
      const due = scalar(db, "select count(*) from timers where status = 'pending' and due_at <= ?", SWEEP_AT);
      return fired === 0 ? 'before' : due === 0 ? 'after' : 'mid';
    }
    case 'import': {
      const n = scalar(db, 'select count(*) from accounts');
      return n === 0 ? 'before' : n === scalar(refs.import.ref, 'select count(*) from accounts') ? 'after' : 'mid';
    }
    case 'push': {
      if (emu!.requests.length === 0) return 'before';
      const left = scalar(db, "select (select count(*) from monday_comments where status != 'posted') + (select count(*) from monday_items where item_id is null or pushed_version < desired_version)");
      return left === 0 ? 'after' : 'mid';
    }
  }
}

async function trial(kind: Kind, n: number): Promise<string[]> {
  const started = Date.now();
  const r = rng(SEED * 31 + n * 7 + KINDS.indexOf(kind));
  const dir = join(tmp.dir, `${kind}-${n}`);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  const db = join(dir, 'ladder.db');
  let emu: Emulator | null = null;
  let cfg: MondayConfig = localCfg;
  let args: string[] = [];
  /** The trial's starting point: the template's database and, for a push, an empty board. */
  const fresh = async () => {
    await emu?.close();
    copyDb(refs[kind].template, db);
    emu = kind === 'push' ? await startEmulator({ port: 0, tokens: [SECRET_TOKEN], seed: n }) : null;
    const monday = emu ? { endpoint: emu.url, ...PUSH_BOARD } : LOCAL_BOARD;
    cfg = parseMondayConfig(monday);
    if (emu) useBoard(db, monday); // this trial's board
    args = ['--db', db, ...command(kind)];
  };
  await fresh();
  const runs: Spawned[] = [];
  const problems: string[] = [];
  const t = tally[kind];
  t.trials++;
  try {
    // One kill, sometimes two in a row (the resumed run killed as well). A run that ends before its kill
    // teaches the window and, while the trial has no kill yet, the trial starts over (a few times at most).
    const wanted = r.chance(0.3) ? 2 : 1;
    for (let k = 0, attempts = 0; k < wanted && attempts < wanted + 3; attempts++) {
      const { ms, startupMs } = refs[kind];
      const delay = Math.round(stretch[kind]! * (0.9 * startupMs + r.next() * (1.1 * ms - 0.9 * startupMs)));
      const run = await spawnLadder(args, { cwd: dir, env, killAfterMs: delay });
      runs.push(run);
      if (!run.killed) {
        t.ranToEnd++;
        stretch[kind] = Math.max(0.5, stretch[kind]! / 1.2);
        if (run.code !== 0) problems.push(`unkilled run exited ${run.code}: ${run.stderr.slice(0, 500)}`);
        if (k === 0) await fresh();
        continue;
      }
      k++;
      t.kills++;
      const live = emu as Emulator | null;
      const landed = landing(kind, db, live);
      t.landed[landed]++;
      if (landed === 'before') stretch[kind] = Math.min(4, stretch[kind]! * 1.2);
      if (landed === 'after') stretch[kind] = Math.max(0.5, stretch[kind]! / 1.2);
      // What the dead process left must already be consistent (only "drained" and "nothing due" may not hold yet).
      problems.push(...(await checkInvariants(db, { monday: cfg })).map((p) => `after kill ${k} (${delay} ms): ${p}`));
      if (live) {
        const markers = new Map<string, number>();
        for (const it of live.state.items(cfg.boardId)) for (const u of live.state.updates(it.id)) for (const m of u.body.matchAll(/\[ladder:([^\]]+)\]/g)) markers.set(m[1]!, (markers.get(m[1]!) ?? 0) + 1);
        for (const [key, c] of markers) if (c > 1) problems.push(`after kill ${k}: comment ${key} posted ${c} times`);
      }
    }
    const done = await spawnLadder(args, { cwd: dir, env });
    runs.push(done);
    if (done.code !== 0) problems.push(`the resumed run exited ${done.code}: ${done.stderr.slice(0, 500)}`);
    const board = emu as Emulator | null;
    if (board) problems.push(...(await checkInvariants(db, { monday: cfg, emulator: { emu: board, cfg, token: SECRET_TOKEN } })));
    else if (scalar<string>(db, 'pragma integrity_check') !== 'ok') problems.push('integrity_check failed');
    if (kind !== 'push') {
      // Crash + resume = one uninterrupted run, row for row (the import's own batch record and the record of
      // which process ran when aside).
      const skip = ['refusals', 'intake_bounces', 'escalations', 'import_batches', 'runs'];
      if (contentHash(db, skip) !== contentHash(refs[kind].ref, skip)) {
        problems.push(`the database differs from an uninterrupted run's:\n  ${diffDatabases(refs[kind].ref, db, skip).join('\n  ')}`);
      }
    } else if (board!.state.items(cfg.boardId).length !== SIZES.pushAccounts) {
      problems.push(`${board!.state.items(cfg.boardId).length} items on the board for ${SIZES.pushAccounts} accounts`);
    }
    problems.push(...leaks(runs).map((a) => `the token leaked in the output of ladder ${a}`));
    if (board && JSON.stringify(board.requests).includes(SECRET_TOKEN)) problems.push('the token is in the emulator\'s request log');
  } finally {
    await (emu as Emulator | null)?.close();
    t.ms += Date.now() - started;
  }
  // A passing trial's files go (a 20k-row import leaves ~50 MB); a failing one's stay for the post-mortem.
  if (problems.length === 0) rmSync(dir, { recursive: true, force: true });
  else { keepFiles = true; problems.push(`its files are in ${dir}`); }
  return problems.map((p) => `${kind} trial ${n}: ${p}`);
}

describe('crash safety: SIGKILL at a random moment, then run again', () => {
  for (const kind of KINDS) {
    const trials = trialsOf(kind);
    it.concurrent(`${kind}: ${trials} trials; every kill leaves a consistent database and the resumed run completes it exactly once`, async () => {
      const problems: string[] = [];
      for (let n = 0; n < trials; n++) {
        const found = await trial(kind, n);
        // Printed as they come: a run cut short by its timeout still tells what it found.
        // eslint-disable-next-line no-console
        if (found.length) console.error(found.join('\n'));
        // eslint-disable-next-line no-console
        if (FULL) console.error(`crash ${kind} trial ${n + 1}/${trials}: ${found.length ? 'FAILED' : 'ok'} (${Math.round(tally[kind].ms / (n + 1))} ms per trial so far)`);
        problems.push(...found);
      }
      expect(problems).toEqual([]);
      expect(tally[kind].kills).toBeGreaterThan(0);
      // The draw is calibrated on the real run: most kills must land while the work is under way.
      if (tally[kind].kills >= 3) expect(tally[kind].landed.mid).toBeGreaterThan(0);
    }, Math.max(300_000, trials * (FULL ? 240_000 : 40_000)));
  }

  it('an uninterrupted import sorts every row into one bucket and imports no row twice', () => {
    const c = refs.import.extra as { total: number; unique: number; tierReject: number; duplicates: number; rejected: number; alreadyImported: number; refused: number };
    expect(c.refused).toBe(0);
    expect(c.tierReject).toBeGreaterThan(0);
    expect(c.unique + c.tierReject + c.duplicates + c.rejected + c.alreadyImported).toBe(c.total);
    // Tier Reject rows are accounts too (archived at intake, never on the board).
    expect(scalar(refs.import.ref, 'select count(*) from accounts')).toBe(c.unique + c.tierReject);
    expect(scalar(refs.import.ref, "select count(*) from actors where stage = 'ARCHIVED'")).toBeGreaterThanOrEqual(c.tierReject);
  });
});
