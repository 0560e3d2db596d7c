// `npm run bench`: generates seeded fleets, checks them with the real engine, then measures on equal
// copies of each: the sweep, the full-scan baseline, the bare step, commands, the CLI's peak RSS and
// cold start, and `ladder serve` under HTTP load (bench/http-load.ts, on the 100k fleet; smoke: 10k;
// LADDER_BENCH_HTTP_ACCOUNTS=N picks another size, 0 skips it). Reports absolute figures and ratios
// (bench/results/, printed). See docs/bench.md.
//   npm run bench                      10k and 100k accounts, 1 % due
//   npm run bench -- --smoke           10k only (under a minute)
//   npm run bench -- --full            adds 1M
//   npm run bench -- --sizes 100000 --due 0.01,0.1
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { buildTemplates } from './templates.js';
import { compileAll, generateFleet } from './generate.js';
import { verifyFleet } from './verify.js';
import { cliImport, cliSweep, coldStart, type CliImport } from './child.js';
import {
  checkTargets, FIXED_DUE, fmtN, httpTarget, IMPORT_ROWS, importTargets, markdown, ratios, RETIRED_SPEEDUP, scalingTarget, systemInfo,
  type FixedSweep, type HttpLoad, type Report, type Run,
} from './report.js';
import { writeImportCsv } from './import-file.js';
import type { PagesWritten } from './write-set.js';
import { projectionStatus } from './projection.js';
import type { Measurement } from './measure.js';
import { httpFailures, type HttpLoadResult } from './http-load.js';
import { calibrateChild, calibrateMarkdown, type CalibrateBench } from './calibrate.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const paths = { cli: join(root, 'dist', 'src', 'cli', 'index.js'), measure: join(here, 'measure.js'), probe: join(here, 'rss-probe.js'), http: join(here, 'http-load.js') };

const USAGE = `usage: npm run bench -- [--smoke | --full] [--sizes 10000,100000] [--due 0.01[,0.1]] [--now ISO] [--seed N]
       [--batch 500] [--commands 1000] [--cold 10 (smoke: 3)] [--sample 200] [--repeat 3 (smoke: 1)] [--out DIR] [--name NAME] [--keep-db DIR]
       [--import-rows 100000 (smoke: 10000; 0: no import)]
       environment: LADDER_BENCH_HTTP_ACCOUNTS=N (the fleet size of the HTTP load; default 100000, smoke 10000; 0: skip it)`;

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false }, full: { type: 'boolean', default: false },
      sizes: { type: 'string' }, due: { type: 'string', default: '0.01' },
      now: { type: 'string', default: '2026-06-16T06:00:00.000Z' }, seed: { type: 'string', default: '6' },
      batch: { type: 'string', default: '500' }, commands: { type: 'string', default: '1000' }, cold: { type: 'string' },
      repeat: { type: 'string' }, 'import-rows': { type: 'string' },
      sample: { type: 'string', default: '200' }, out: { type: 'string' }, name: { type: 'string' }, 'keep-db': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) { process.stdout.write(`${USAGE}\n`); process.exit(0); }
  const list = (s: string, what: string) => s.split(',').map((x) => {
    const v = Number(x.trim());
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${what}: expected positive numbers separated by commas; got "${s}"\n${USAGE}`);
    return v;
  });
  let sizes = values.smoke ? [10_000] : values.sizes ? list(values.sizes, 'sizes') : [10_000, 100_000];
  if (values.full && !sizes.includes(1_000_000)) sizes = [...sizes, 1_000_000];
  const dues = list(values.due, 'due');
  if (dues.some((d) => d >= 1)) throw new Error(`--due: a fraction of the accounts, e.g. 0.01; got "${values.due}"`);
  if (Number.isNaN(Date.parse(values.now))) throw new Error(`--now: expected an ISO 8601 timestamp; got "${values.now}"`);
  // The HTTP load runs on the fleet of this size (generating its own when no run has it); 0 skips it.
  const httpAccounts = Number(process.env.LADDER_BENCH_HTTP_ACCOUNTS ?? (values.smoke ? 10_000 : 100_000));
  if (!Number.isInteger(httpAccounts) || httpAccounts < 0) throw new Error(`LADDER_BENCH_HTTP_ACCOUNTS: expected a whole number of accounts (0: no HTTP load); got "${process.env.LADDER_BENCH_HTTP_ACCOUNTS}"`);
  const importRows = Number(values['import-rows'] ?? (values.smoke ? 10_000 : IMPORT_ROWS));
  if (!Number.isInteger(importRows) || importRows < 0) throw new Error(`--import-rows: expected a whole number of rows (0: no import); got "${values['import-rows']}"`);
  const mode = values.name ?? (values.smoke ? 'smoke' : values.full ? 'full' : values.sizes || values.due !== '0.01' ? 'custom' : 'default');
  return {
    mode, sizes, dues, now: new Date(Date.parse(values.now)).toISOString(), seed: Number(values.seed),
    batch: Number(values.batch), commands: Number(values.commands), cold: Number(values.cold ?? (values.smoke ? 3 : 10)), sample: Number(values.sample),
    repeat: Math.max(1, Math.round(Number(values.repeat ?? (values.smoke ? 1 : 3)))),
    out: resolve(values.out ?? join(root, 'bench', 'results')), keepDb: values['keep-db'] ? resolve(values['keep-db']) : null, httpAccounts, importRows,
  };
}
type Options = ReturnType<typeof options>;

const log = (s: string) => process.stderr.write(`${s}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function rmDb(path: string) { for (const s of ['', '-wal', '-shm']) rmSync(`${path}${s}`, { force: true }); }

/** A fresh copy of the generated file for one measurement (each starts from the same bytes). */
function withCopy<T>(db: string, dir: string, name: string, fn: (copy: string) => T): T {
  const copy = join(dir, `${name}.db`);
  copyFileSync(db, copy);
  try { return fn(copy); } finally { rmDb(copy); }
}

function measure<T>(what: Measurement, copy: string, o: Options): T {
  const r = spawnSync(process.execPath, [paths.measure, what, '--db', copy, '--now', o.now, '--batch', String(o.batch), '--commands', String(o.commands), '--due-count', String(FIXED_DUE)], {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`bench: measurement ${what} failed (exit ${r.status}); run it alone: node ${paths.measure} ${what} --db COPY --now ${o.now}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

/**
 * `ladder serve` under load (bench/http-load.ts) in a process of its own: on a copy of a generated fleet, or on
 * a fleet of `accounts` it generates itself. Its errors and lost updates are returned, to fail the bench with.
 */
function httpLoad(o: Options, target: { db: string } | { accounts: number }): HttpLoadResult {
  const where = 'db' in target ? ['--db', target.db] : ['--accounts', String(target.accounts)];
  const r = spawnSync(process.execPath, [paths.http, ...where, '--now', o.now, '--seed', String(o.seed)], {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = r.stdout?.trim().split('\n').at(-1);
  if (!line?.startsWith('{')) throw new Error(`bench: the HTTP load failed (exit ${r.status}); run it alone: node ${paths.http} --accounts ${o.httpAccounts} --now ${o.now}`);
  return JSON.parse(line) as HttpLoadResult;
}

function logHttp(x: HttpLoadResult): void {
  const b = x.burst;
  log(`   HTTP burst: ${b.requests} requests by ${x.clients} clients in ${secs(b.ms)} (${b.throughputRps.toFixed(0)} req/s), p50 ${b.all.p50Ms.toFixed(1)} ms, p99 ${b.all.p99Ms.toFixed(1)} ms, `
    + `${b.conflictsRetried} races retried, ${b.errors} errors; paced ${x.paced.rate}/s: p99 ${x.paced.latency.p99Ms.toFixed(2)} ms (${x.paced.met ? 'goal met' : 'goal missed'}), ${x.paced.errors} errors; lost updates ${x.lostUpdates}`);
}

function retry<T>(what: string, errors: string[], fn: () => T, attempts = 3): T | null {
  for (let i = 1; i <= attempts; i++) {
    try { return fn(); } catch (err) {
      const msg = (err as Error).message.split('\n').slice(0, 4).join(' ');
      log(`   ${what} failed (attempt ${i}/${attempts}): ${msg}`);
      if (i === attempts) { errors.push(`${what}: ${msg}`); return null; }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000); // a synchronous 5 s pause
    }
  }
  return null;
}

function runOne(compiled: ReturnType<typeof compileAll>, n: number, due: number, o: Options): { run: Run; http: HttpLoad | null; calibrate: CalibrateBench | null } {
  const dir = mkdtempSync(join(tmpdir(), 'ladder-bench-'));
  const db = join(dir, `fleet-${n}-${due}.db`);
  try {
    log(`\n== ${fmtN(n)} accounts, ${due * 100} % due at ${o.now} (${dir})`);
    let lastTick = 0;
    const fleet = generateFleet(compiled, {
      n, due, now: o.now, seed: o.seed, path: db,
      onProgress: (done, total) => { const t = performance.now(); if (t - lastTick > 5000 || done === total) { lastTick = t; log(`   generating ${done}/${total}`); } },
    });
    log(`   generated in ${secs(fleet.ms)}: ${fleet.rows.events} events, ${fleet.dueTimers} due timers, ${(fleet.bytes / 2 ** 20).toFixed(0)} MiB`);
    const verify = verifyFleet(db, o.now, { sample: o.sample, seed: o.seed, scratchDir: dir });
    log(`   checked in ${secs(verify.ms)}: ${verify.sampled} accounts replayed identical; fired on a scratch copy: ${verify.fired.map((x) => `${x.timer} ${x.move}`).join(', ')}`);
    const probe = new Database(db, { readonly: true });
    const statusAccount = probe.prepare(`select account from actors where stage = 'SQL' and substate = 'review' order by account limit 1`).pluck().get() as string;
    probe.close();

    // Rounds of sweep, scan, bare step, each on a fresh copy in a fresh process; the median of each is kept.
    const reps: { sweep: Run['sweep'][]; scan: Run['scan'][]; bare: Run['bare'][]; fixed: FixedSweep[] } = { sweep: [], scan: [], bare: [], fixed: [] };
    for (let round = 1; round <= o.repeat; round++) {
      const sweep = withCopy(db, dir, 'sweep', (c) => measure<Run['sweep']>('sweep', c, o));
      if (sweep.fired !== fleet.dueTimers || sweep.skipped !== 0) throw new Error(`bench: the sweep fired ${sweep.fired} (skipped ${sweep.skipped}), ${fleet.dueTimers} were due`);
      const scan = withCopy(db, dir, 'scan', (c) => measure<Run['scan']>('scan', c, o));
      if (scan.fired !== sweep.fired || !isDeepStrictEqual(scan.stages, sweep.stages) || !isDeepStrictEqual(scan.transitions, sweep.transitions)) {
        throw new Error(`bench: the full scan and the sweep disagree: ${JSON.stringify({ scan: scan.transitions, sweep: sweep.transitions })}`);
      }
      const bare = withCopy(db, dir, 'bare', (c) => measure<Run['bare']>('bare', c, o));
      const fixed = fleet.dueTimers >= FIXED_DUE ? withCopy(db, dir, 'fixed', (c) => measure<FixedSweep>('sweep-fixed', c, o)) : null;
      log(`   round ${round}: sweep ${sweep.fired} fired in ${secs(sweep.ms)} (${sweep.perSec.toFixed(0)}/s); full scan of ${scan.actors} actors ${secs(scan.ms)} (scan ${secs(scan.scanMs)}); bare step ${bare.perSec.toFixed(0)}/s`
        + `${fixed ? `; ${fixed.fired} due: ${(fixed.ms).toFixed(0)} ms` : ''}`);
      reps.sweep.push(sweep); reps.scan.push(scan); reps.bare.push(bare);
      if (fixed) reps.fixed.push(fixed);
    }
    const median = <T extends { ms: number }>(xs: T[]): T => [...xs].sort((a, b) => a.ms - b.ms)[Math.floor((xs.length - 1) / 2)]!;
    const [sweep, scan, bare] = [median(reps.sweep), median(reps.scan), median(reps.bare)];
    const fixed = reps.fixed.length ? median(reps.fixed) : null;
    const samples = { sweepMs: reps.sweep.map((x) => x.ms), scanMs: reps.scan.map((x) => x.ms), bareMs: reps.bare.map((x) => x.ms), fixedMs: reps.fixed.map((x) => x.ms) };
    // Not timed: the pages the sweep's commits write, on a copy of its own with checkpoints off (reads the whole file).
    const writeset = withCopy(db, dir, 'writeset', (c) => measure<PagesWritten>('writeset', c, o));
    log(`   write set: ${writeset.framesPerFired} pages (WAL frames) per fired timer, ${writeset.walKbPerFired} KB; ${writeset.byTree.slice(0, 4).map((x) => `${x.tree} ${x.perFired}`).join(', ')}`);
    const commands = withCopy(db, dir, 'commands', (c) => measure<Run['commands']>('commands', c, o));
    log(`   CRO_CONFIRM: median ${commands.medianMs.toFixed(3)} ms, p99 ${commands.p99Ms.toFixed(2)} ms over ${commands.count}`);
    const errors: string[] = [];
    const projection = projectionStatus(root).measured
      ? withCopy(db, dir, 'projection', (c) => retry('monday projection', errors, () => {
        const p = measure<NonNullable<Run['projection']>>('projection', c, o);
        if (p.fired !== sweep.fired) throw new Error(`the sweep with the outbox hook fired ${p.fired}, without it ${sweep.fired}`);
        return p;
      }, 1))
      : null;
    if (projection) log(`   monday push after the sweep: ${projection.changes} changes in ${projection.push.requests} requests (${projection.changesPerRequest.toFixed(1)} per request)`);
    // The built CLI is shared with everyone editing the project: a build in progress elsewhere can break
    // it for a moment, so each process measurement is retried; a lasting failure is reported, not hidden.
    const cli = withCopy(db, dir, 'cli', (c) => retry('ladder sweep', errors, () => cliSweep(paths, c, o.now)));
    if (cli && cli.fired !== sweep.fired) throw new Error(`bench: ladder sweep fired ${cli.fired}, the in-process sweep ${sweep.fired}`);
    const cold = withCopy(db, dir, 'status', (c) => retry('ladder status', errors, () => coldStart(paths.cli, c, o.now, statusAccount, o.cold)));
    log(`   ladder sweep (child): ${cli ? `peak RSS ${(cli.maxRssKb / 1024).toFixed(0)} MiB, ${secs(cli.ms)}` : 'FAILED'}; cold start ${cold ? `node -e 0 ${cold.node.medianMs.toFixed(0)} ms, status ${cold.status.medianMs.toFixed(0)} ms, list ${cold.list.medianMs.toFixed(0)} ms` : 'FAILED'}`);
    const http = n === o.httpAccounts && due === o.dues[0]
      ? { ...withCopy(db, dir, 'http', (c) => httpLoad(o, { db: c })), fleet: `the ${fmtN(n)} / ${due * 100} % fleet` }
      : null;
    if (http) logHttp(http);
    // Issue 16: the fleet's whole history replayed under a changed rule (the database is only read).
    const calibrate = due === o.dues[0] ? retry('calibration replay', errors, () => calibrateChild(db)) : null;
    if (calibrate) log(`   calibration replay: ${calibrate.events} log events of ${calibrate.accounts} accounts in ${secs(calibrate.ms)} on ${calibrate.workers} workers (${calibrate.eventsPerSec.toFixed(0)}/s; bare transition() ${calibrate.bare.perCorePerSec.toFixed(0)}/s per core), peak RSS ${(calibrate.maxRssKb / 1024).toFixed(0)} MiB`);
    if (o.keepDb) { mkdirSync(o.keepDb, { recursive: true }); copyFileSync(db, join(o.keepDb, `fleet-${n}-${due}.db`)); }
    const partial = { n, due, fleet, verify, sweep, scan, bare, commands, projection, cliSweep: cli, coldStart: cold, samples, fixed, writeset, errors };
    return { run: { ...partial, ratios: ratios(partial) }, http, calibrate };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main() {
  const o = options(process.argv.slice(2));
  if (!existsSync(paths.cli)) throw new Error(`bench: ${paths.cli} is missing; run npm run build (npm run bench does)`);
  const started = new Date();
  const loadAtStart = Math.round(loadavg()[0]! * 100) / 100;
  log(`ladder bench (${o.mode}): sizes ${o.sizes.map(fmtN).join(', ')}; due ${o.dues.join(', ')}; seed ${o.seed}`);
  const t0 = performance.now();
  const compiled = compileAll(buildTemplates(o.seed));
  log(`templates lived by the engine in ${secs(performance.now() - t0)}`);
  const runs: Run[] = [];
  const importErrors: string[] = [];
  let http: HttpLoad | null = null;
  const calibrations: { fleet: string; r: CalibrateBench }[] = [];
  for (const n of o.sizes) {
    for (const due of o.dues) {
      const one = runOne(compiled, n, due, o);
      runs.push(one.run);
      http ??= one.http;
      if (one.calibrate) calibrations.push({ fleet: `${fmtN(n)} / ${due * 100} %`, r: one.calibrate });
    }
  }
  if (!http && o.httpAccounts > 0) {
    log(`\n== HTTP load on a fleet of its own: ${fmtN(o.httpAccounts)} accounts, 1 % due`);
    http = { ...httpLoad(o, { accounts: o.httpAccounts }), fleet: `a ${fmtN(o.httpAccounts)} / 1 % fleet of its own` };
    logHttp(http);
  }
  let importRun: CliImport | null = null;
  if (o.importRows > 0) {
    log(`\n== ladder import of ${fmtN(o.importRows)} rows into a new database`);
    const dir = mkdtempSync(join(tmpdir(), 'ladder-bench-import-'));
    try {
      const file = { path: join(dir, `import-${o.importRows}.csv`), ...writeImportCsv(join(dir, `import-${o.importRows}.csv`), o.importRows, o.seed) };
      importRun = retry('ladder import', importErrors, () => cliImport(paths, join(dir, 'import.db'), file, o.now));
      if (importRun) log(`   ${fmtN(importRun.rows)} rows in ${secs(importRun.ms)} (${importRun.rowsPerSec.toFixed(0)} rows/s), peak RSS ${(importRun.maxRssKb / 1024).toFixed(0)} MiB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const finished = new Date();
  const largest = [...runs].sort((a, b) => b.n - a.n)[0];
  const report: Report = {
    title: 'Ladder bench: the sweep scales with due timers, not with accounts',
    mode: o.mode, startedAt: started.toISOString(), finishedAt: finished.toISOString(), wallSeconds: (finished.getTime() - started.getTime()) / 1000,
    options: { sizes: o.sizes, dues: o.dues, now: o.now, seed: o.seed, batch: o.batch, commands: o.commands, cold: o.cold, sample: o.sample, repeat: o.repeat, loadAtStart },
    system: systemInfo(root), runs, projection: projectionStatus(root), http, importRun, importErrors,
    targets: [...checkTargets(runs), scalingTarget(runs), ...importTargets(importRun), httpTarget(http)],
    retired: [{ ...RETIRED_SPEEDUP, measured: largest ? `${largest.ratios.sweepSpeedup.toFixed(1)}× at ${fmtN(largest.n)} accounts, ${largest.due * 100} % due` : 'not run' }],
  };
  const md = [markdown(report), calibrateMarkdown(calibrations)].filter(Boolean).join('\n\n');
  mkdirSync(o.out, { recursive: true });
  for (const name of [o.mode, 'latest']) {
    writeFileSync(join(o.out, `${name}.json`), `${JSON.stringify({ ...report, calibrate: calibrations }, null, 2)}\n`);
    writeFileSync(join(o.out, `${name}.md`), `${md}\n`);
  }
  process.stdout.write(`\n${md}\n\nwritten: ${join(o.out, `${o.mode}.{json,md}`)} and latest.{json,md}\n`);
  // Errors and lost updates under HTTP load are failures, not figures (the report above names them).
  const failed = http ? httpFailures(http) : [];
  if (failed.length) throw new Error(`bench: HTTP load: ${failed.join('\n')}`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
}
