// Measurements of whole processes: the built `ladder sweep` (wall time, peak RSS) and the cold start of
// `ladder status ACCOUNT` (spawn → exit). Peak RSS comes from /usr/bin/time -v ("Maximum resident set
// size": GNU time is small, so the ru_maxrss its child inherits across exec is its own), or, without it,
// from rss-probe.js, which runs the same CLI in process and reports its VmHWM.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { quantile } from './commands.js';

export type CliSweep = { ms: number; maxRssKb: number; fired: number; rssFrom: string };
export type ColdStart = { runs: number; medianMs: number; minMs: number; maxMs: number };

/** Children run in the temp folder with no LADDER_* variables: no ladder.config.json is picked up. */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LADDER_')));
}

export function cliSweep(paths: { cli: string; probe: string }, db: string, now: string): CliSweep {
  const args = ['--db', db, '--now', now, '--as', 'sales.ops', '--json', 'sweep'];
  const viaTime = existsSync('/usr/bin/time');
  const cmd = viaTime ? '/usr/bin/time' : process.execPath;
  const argv = viaTime ? ['-v', process.execPath, paths.cli, ...args] : [paths.probe, ...args];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { cwd: tmpdir(), env: childEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`bench: ladder sweep exited ${r.status}: ${r.stderr}`);
  const rss = viaTime ? /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr) : /BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr);
  if (!rss) throw new Error(`bench: no peak RSS in the output of ${cmd}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { fired: number };
  return { ms, maxRssKb: Number(rss[1]), fired: out.fired, rssFrom: viaTime ? '/usr/bin/time -v' : 'rss-probe.js (VmHWM)' };
}

export function coldStart(cli: string, db: string, now: string, account: string, runs: number): ColdStart {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cli, '--db', db, '--now', now, 'status', account], { cwd: tmpdir(), env: childEnv(), encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`bench: ladder status ${account} exited ${r.status}: ${r.stderr}`);
    // The first run warms the OS file cache for node and the package; it is not counted.
    if (i > 0) times.push(ms);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { runs, medianMs: quantile(sorted, 0.5), minMs: sorted[0]!, maxMs: sorted.at(-1)! };
}
