// The calibration lab's bench (issue 16): a fleet's whole history replayed under a changed rule, across worker
// threads, against the bare in-process `transition()` rate measured in the same process on the same fleet's
// inputs; with wall and CPU time and the process's peak RSS (all threads). Run by `npm run bench` on each fleet it
// generates (1M only under --full), or alone:
//   node dist/bench/calibrate.js --db FLEET.db                    measure on a fleet (one JSON line)
//   node dist/bench/calibrate.js --accounts 1000000 [--keep-db DIR] generate a bench fleet, then measure on it
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { createLadderMachine } from '../machines/ladder.js';
import type { LadderEvent } from '../machines/events.js';
import type { LadderInput } from '../machines/context.js';
import { calibrate } from '../src/calibrate/calibrate.js';
import { applyOverride } from '../src/calibrate/rules.js';
import { defaultWorkers } from '../src/calibrate/run.js';
import { openLadder } from '../src/ladder.js';
import { startClock } from './clock.js';
import { peakRssKb } from './rss.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The changed rule the bench replays under: G1 at 150 employees and MQLs regressing after 60 days, not 90. */
export const BENCH_OVERRIDE = { gates: { g1PassEmployees: 150 }, timers: { mqlStaleDays: 60 } };
const NOW = '2026-06-16T06:00:00.000Z';

export type CalibrateBench = {
  accounts: number; events: number; replayed: { current: number; alt: number };
  workers: number; ms: number; cpuMs: number; eventsPerSec: number;
  bare: { transitions: number; ms: number; perSec: number; perCorePerSec: number };
  /** Log events per second against the bare transition() rate of one core times the workers. */
  shareOfBare: number;
  differing: number; refused: number; selfCheck: { equal: number; mismatches: number };
  maxRssKb: number; loadAverage1m: number;
};

/** xstate's own transition(), in process on one core, over the inputs of the first accounts of the fleet under the
 * bench's changed rule (the reference the issue names; the replay's own step skips xstate's per-call actor). */
function bareTransitions(path: string, o: { accounts: number; minMs: number }): CalibrateBench['bare'] {
  const sqlite = new Database(path, { readonly: true });
  const machine = createLadderMachine(applyOverride(JSON.parse(sqlite.prepare('select body from settings order by version desc limit 1').pluck().get() as string).rules, BENCH_OVERRIDE, 'bench'));
  const rows = sqlite.prepare(`select e.account, e.type, e.payload from events e where e.account in (select account from actors order by account limit ?) and e.type not like 'xstate.%' order by e.account, e.seq`).all(o.accounts) as { account: string; type: string; payload: string }[];
  sqlite.close();
  const logs: { input: LadderInput; events: LadderEvent[] }[] = [];
  for (const r of rows) {
    const p = JSON.parse(r.payload);
    if (r.type === 'ACCOUNT_ADDED') logs.push({ input: p.input, events: [] });
    else if (r.type !== 'ACCOUNT_ENRICHED') logs.at(-1)?.events.push(p);
  }
  let transitions = 0;
  const clock = startClock();
  let ms = 0;
  while (ms < o.minMs) {
    for (const l of logs) {
      let [snap]: [AnyMachineSnapshot, unknown] = initialTransition(machine, l.input);
      for (const e of l.events) { [snap] = transition(machine, snap, e); transitions++; }
    }
    ms = clock().ms;
  }
  return { transitions, ms, perSec: transitions / (ms / 1000), perCorePerSec: transitions / (ms / 1000) };
}

export async function measureCalibrate(path: string, o: { workers?: number } = {}): Promise<CalibrateBench> {
  const ladder = openLadder(path, { mode: 'read' });
  try {
    const workers = o.workers ?? defaultWorkers();
    const clock = startClock();
    const r = await calibrate(ladder.engine, { override: BENCH_OVERRIDE, rulesFile: 'bench', now: NOW, workers, limit: 20 });
    // Worker threads are in this process: its CPU time is theirs too.
    const { ms, cpuMs } = clock();
    // The replay's peak (VmHWM covers every thread), read before the bare measurement below adds its own garbage.
    const maxRssKb = peakRssKb();
    const eventsPerSec = r.events / (ms / 1000);
    const bare = bareTransitions(path, { accounts: 2_000, minMs: 3_000 });
    return {
      accounts: r.accounts, events: r.events, replayed: r.replayed, workers, ms, cpuMs, eventsPerSec, bare,
      shareOfBare: eventsPerSec / (bare.perCorePerSec * workers),
      differing: r.differing.total, refused: r.refused.total, selfCheck: { equal: r.selfCheck.equal, mismatches: r.selfCheck.mismatches },
      maxRssKb, loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    };
  } finally {
    ladder.close();
  }
}

/** The measurement in a process of its own (its peak RSS is the replay's alone), as bench/run.ts calls it. */
export function calibrateChild(db: string): CalibrateBench {
  const r = spawnSync(process.execPath, [join(here, 'calibrate.js'), '--db', db], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = r.stdout?.trim().split('\n').at(-1);
  if (r.status !== 0 || !line?.startsWith('{')) throw new Error(`bench: the calibration replay failed (exit ${r.status}); run it alone: node ${join(here, 'calibrate.js')} --db ${db}`);
  return JSON.parse(line) as CalibrateBench;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function calibrateMarkdown(rows: { fleet: string; r: CalibrateBench }[]): string {
  if (rows.length === 0) return '';
  return ['## Calibration lab: the whole history replayed under a changed rule (issue 16)', '',
    `Rule: \`${JSON.stringify(BENCH_OVERRIDE)}\`, as \`ladder calibrate\` runs it: the rules in force are read from the recorded log (their pending timers fired up to the horizon), every account's inputs are replayed through the alternative's machine with its timers re-derived and fired in simulated time. "Bare" is xstate's \`transition()\` in process on one core over the inputs of the fleet's first 2,000 accounts, measured afterwards in the same process. "Share" is log events/s ÷ (bare/s × workers).`, '',
    'Peak RSS is the replay process\'s VmHWM (every thread), read before the bare measurement.', '',
    '| fleet | accounts | log events | steps (in force read + alternative replayed) | workers | wall (CPU) | log events/s | bare transition()/s per core | share of bare × workers | accounts differing | inputs refused | self-check | peak RSS | load |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(({ fleet, r }) => `| ${fleet} | ${fmt(r.accounts)} | ${fmt(r.events)} | ${fmt(r.replayed.current + r.replayed.alt)} | ${r.workers} | ${(r.ms / 1000).toFixed(1)} s (${(r.cpuMs / 1000).toFixed(1)} s) | ${fmt(r.eventsPerSec)} | ${fmt(r.bare.perCorePerSec)} | ${(r.shareOfBare * 100).toFixed(1)} % | ${fmt(r.differing)} | ${fmt(r.refused)} | ${r.selfCheck.equal + r.selfCheck.mismatches === 0 ? 'not run (verify --replay)' : `${fmt(r.selfCheck.equal)} equal, ${r.selfCheck.mismatches} differ`} | ${(r.maxRssKb / 1024).toFixed(0)} MiB | ${r.loadAverage1m} |`),
    '', 'Goal: 1M accounts in ≤ 60 s, peak RSS ≤ 300 MB, on a 2-core machine.'].join('\n');
}

async function main(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { db: { type: 'string' }, accounts: { type: 'string' }, seed: { type: 'string', default: '6' }, 'keep-db': { type: 'string' }, workers: { type: 'string' } } });
  if (values.db) {
    const r = await measureCalibrate(values.db, { workers: values.workers === undefined ? undefined : Number(values.workers) });
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const n = Number(values.accounts);
  if (!Number.isInteger(n) || n <= 0) throw new Error('usage: calibrate.js --db FLEET.db [--workers N] | --accounts N [--seed 6] [--keep-db DIR]');
  const [{ buildTemplates }, { compileAll, generateFleet }] = await Promise.all([import('./templates.js'), import('./generate.js')]);
  const dir = mkdtempSync(join(tmpdir(), 'ladder-calibrate-'));
  const db = join(dir, `fleet-${n}.db`);
  try {
    const t0 = performance.now();
    const fleet = generateFleet(compileAll(buildTemplates(Number(values.seed))), { n, due: 0.01, now: NOW, seed: Number(values.seed), path: db });
    process.stderr.write(`generated ${n} accounts, ${fleet.rows.events} events in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    if (values['keep-db']) { mkdirSync(values['keep-db'], { recursive: true }); copyFileSync(db, join(values['keep-db'], `fleet-${n}.db`)); }
    const r = calibrateChild(db);
    process.stdout.write(`${calibrateMarkdown([{ fleet: `${fmt(n)} / 1 %`, r }])}\n${JSON.stringify(r)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
