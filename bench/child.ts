// Measurements of whole processes: the built `ladder sweep` and `ladder import` (wall time, peak RSS) and the
// cold start of `ladder status ACCOUNT` and `ladder list` against a bare `node -e 0` (spawn → exit). Peak RSS
// comes from /usr/bin/time -v ("Maximum resident set size": GNU time is small, so the ru_maxrss its child
// inherits across exec is its own), or, without it, from rss-probe.js, which runs the same CLI in process and
// reports its VmHWM.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { quantile } from './commands.js';

export type CliSweep = { ms: number; maxRssKb: number; fired: number; rssFrom: string };
export type Spread = { medianMs: number; minMs: number; maxMs: number };
/** Each of `runs` rounds runs a bare `node -e 0`, then `ladder status`, then `ladder list`: their medians. */
export type ColdStart = { runs: number; node: Spread; status: Spread; list: Spread; listArgs: string[] };
export type CliImport = { rows: number; bytes: number; ms: number; rowsPerSec: number; maxRssKb: number; rssFrom: string; counts: Record<string, number> };

/** Children run in the temp folder with no LADDER_* variables: no ladder.config.json is picked up. */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LADDER_')));
}

export function cliSweep(paths: { cli: string; probe: string }, db: string, now: string): CliSweep {
  const r = timed(paths, ['--db', db, '--now', now, '--as', 'sales.ops', '--json', 'sweep']);
  const out = JSON.parse(r.stdout) as { fired: number };
  return { ms: r.ms, maxRssKb: r.maxRssKb, fired: out.fired, rssFrom: r.rssFrom };
}

/** The built CLI as a child process: wall time and peak RSS (/usr/bin/time -v, or rss-probe.js without it). */
function timed(paths: { cli: string; probe: string }, args: string[]): { ms: number; maxRssKb: number; rssFrom: string; stdout: string } {
  const viaTime = existsSync('/usr/bin/time');
  const cmd = viaTime ? '/usr/bin/time' : process.execPath;
  const argv = viaTime ? ['-v', process.execPath, paths.cli, ...args] : [paths.probe, ...args];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { cwd: tmpdir(), env: childEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`bench: ladder ${args.filter((a) => !a.startsWith('-')).at(-1)} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const rss = viaTime ? /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr) : /BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr);
  if (!rss) throw new Error(`bench: no peak RSS in the output of ${cmd}: ${r.stderr.slice(-2000)}`);
  return { ms, maxRssKb: Number(rss[1]), rssFrom: viaTime ? '/usr/bin/time -v' : 'rss-probe.js (VmHWM)', stdout: r.stdout };
}

/**
 * `ladder import FILE` into a new database (ladder init first, not timed): rows per second over the whole process
 * (start-up, hashing and checking the file included) and its peak RSS.
 */
export function cliImport(paths: { cli: string; probe: string }, db: string, file: { path: string; rows: number; bytes: number }, now: string): CliImport {
  const init = spawnSync(process.execPath, [paths.cli, '--db', db, 'init'], { cwd: tmpdir(), env: childEnv(), encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`bench: ladder init exited ${init.status}: ${init.stderr}`);
  const r = timed(paths, ['--db', db, '--now', now, '--allow-future', '--as', 'sales.ops', '--json', 'import', file.path]);
  const out = JSON.parse(r.stdout) as { counts: Record<string, number> };
  if (out.counts.total !== file.rows) throw new Error(`bench: ladder import read ${out.counts.total} rows of ${file.rows}`);
  return { rows: file.rows, bytes: file.bytes, ms: r.ms, rowsPerSec: file.rows / (r.ms / 1000), maxRssKb: r.maxRssKb, rssFrom: r.rssFrom, counts: out.counts };
}

/** The first page of accounts in domain order: what a person types; the whole 1M-line list measures the terminal. */
export const LIST_ARGS = ['list', '--limit', '50'];

export function coldStart(cli: string, db: string, now: string, account: string, runs: number): ColdStart {
  const spawn = (argv: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, argv, { cwd: tmpdir(), env: childEnv(), encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`bench: node ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
    return ms;
  };
  const times = { node: [] as number[], status: [] as number[], list: [] as number[] };
  for (let i = 0; i <= runs; i++) {
    // Interleaved, so that a burst of load elsewhere on the host weighs on the baseline as on the commands.
    const node = spawn(['-e', '0']);
    const status = spawn([cli, '--db', db, '--now', now, 'status', account]);
    const list = spawn([cli, '--db', db, '--now', now, ...LIST_ARGS]);
    // The first round warms the OS file cache for node and the package; it is not counted.
    if (i > 0) { times.node.push(node); times.status.push(status); times.list.push(list); }
  }
  const spread = (xs: number[]): Spread => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { medianMs: quantile(sorted, 0.5), minMs: sorted[0]!, maxMs: sorted.at(-1)! };
  };
  return { runs, node: spread(times.node), status: spread(times.status), list: spread(times.list), listArgs: LIST_ARGS };
}
