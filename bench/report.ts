// The bench report: the machine it ran on, the versions, every absolute figure, the ratios, and each
// target checked PASS/MISS. Written as JSON and Markdown under bench/results/ and printed.
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, platform, release, arch, loadavg } from 'node:os';
import { join } from 'node:path';
import { MACHINE_VERSION } from '../machines/ladder.js';
import type { FleetInfo } from './generate.js';
import type { VerifyResult } from './verify.js';
import type { ScanResult } from './full-scan.js';
import type { BareResult } from './bare-step.js';
import type { CommandResult } from './commands.js';
import type { CliSweep, ColdStart } from './child.js';
import type { SweepResult } from '../src/engine/sweep.js';
import type { ProjectionResult, ProjectionStatus } from './projection.js';
import type { HttpLoadResult } from './http-load.js';

export type SweepMeasure = SweepResult & { ms: number; cpuMs: number; perSec: number; stages: Record<string, number>; maxRssKb: number };
/** Wall times of every repetition; the figures reported are those of the median one. */
export type Samples = { sweepMs: number[]; scanMs: number[]; bareMs: number[] };
export type Run = {
  n: number; due: number;
  fleet: FleetInfo; verify: VerifyResult;
  sweep: SweepMeasure; scan: ScanResult & { maxRssKb: number; stages: Record<string, number> }; bare: BareResult & { maxRssKb: number };
  commands: CommandResult & { maxRssKb: number }; projection: ProjectionResult | null; cliSweep: CliSweep | null; coldStart: ColdStart | null; samples: Samples;
  /** Process measurements that kept failing (the report says so instead of a figure). */
  errors: string[];
  ratios: {
    sweepSpeedup: number; sweepShareOfBare: number; sweepUsPerFired: number; scanUsPerActor: number; sweepUsPerAccount: number;
    /** The same two ratios on CPU time (user + system) instead of wall time. */
    sweepSpeedupCpu: number; sweepShareOfBareCpu: number;
  };
};
export type Report = {
  title: string; mode: string; startedAt: string; finishedAt: string; wallSeconds: number;
  options: Record<string, unknown>;
  system: ReturnType<typeof systemInfo>;
  runs: Run[];
  projection: ProjectionStatus;
  /** `ladder serve` under load (bench/http-load.ts), on the fleet named by `fleet`; null when not run. */
  http?: HttpLoad | null;
  targets: TargetVerdict[];
};
export type HttpLoad = HttpLoadResult & { fleet: string };

export function systemInfo(root: string) {
  const version = (pkg: string) => {
    try { return (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version; } catch { return 'unknown'; }
  };
  const mem = new Database(':memory:');
  const sqlite = (mem.prepare('select sqlite_version() as v').get() as { v: string }).v;
  mem.close();
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    /** Other work on the host skews absolute figures more than ratios: the 1-minute load when the report was written. */
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    versions: { node: process.version, xstate: version('xstate'), 'better-sqlite3': version('better-sqlite3'), 'drizzle-orm': version('drizzle-orm'), sqlite, machine: MACHINE_VERSION },
  };
}

export function ratios(r: Pick<Run, 'sweep' | 'scan' | 'bare' | 'fleet'>): Run['ratios'] {
  return {
    sweepSpeedup: r.scan.ms / r.sweep.ms,
    sweepShareOfBare: r.sweep.perSec / r.bare.perSec,
    sweepUsPerFired: (r.sweep.ms * 1000) / Math.max(1, r.sweep.fired),
    scanUsPerActor: (r.scan.scanMs * 1000) / Math.max(1, r.scan.actors),
    sweepUsPerAccount: (r.sweep.ms * 1000) / r.fleet.n,
    sweepSpeedupCpu: r.scan.cpuMs / r.sweep.cpuMs,
    sweepShareOfBareCpu: (r.sweep.fired / r.sweep.cpuMs) / (r.bare.steps / r.bare.cpuMs),
  };
}

// --- targets ---------------------------------------------------------------------------------------
type Target = { id: string; text: string; n: number; due: number; unit: string; value(r: Run): number | null; ok(v: number): boolean };
export type TargetVerdict = {
  id: string; target: string; at: string; value: number | null; unit: string; verdict: 'PASS' | 'MISS' | 'NOT RUN' | 'FAILED';
  indicative: { at: string; value: number; verdict: 'PASS' | 'MISS' } | null;
};

export const TARGETS: Target[] = [
  { id: 'speedup', text: 'sweep ≥ 20× faster than the full scan', n: 1_000_000, due: 0.01, unit: '×', value: (r) => r.ratios.sweepSpeedup, ok: (v) => v >= 20 },
  { id: 'bare-share', text: 'persisted transitions in the sweep ≥ 60 % of the bare-step rate', n: 1_000_000, due: 0.01, unit: '%', value: (r) => 100 * r.ratios.sweepShareOfBare, ok: (v) => v >= 60 },
  // "200 MB" read as 200 MiB, the unit /usr/bin/time counts in (KiB); the table also shows decimal MB.
  { id: 'rss', text: 'peak RSS ≤ 200 MB (MiB) during the sweep (ladder sweep child)', n: 1_000_000, due: 0.01, unit: 'MiB', value: (r) => (r.cliSweep ? r.cliSweep.maxRssKb / 1024 : null), ok: (v) => v <= 200 },
  { id: 'cro', text: 'in-process CRO command median ≤ 1 ms', n: 100_000, due: 0.01, unit: 'ms', value: (r) => r.commands.medianMs, ok: (v) => v <= 1 },
];

const at = (n: number, due: number) => `${fmtN(n)} accounts, ${fmtPct(due)} due`;

/** The HTTP goal, measured by the paced run (reported; the bench fails only on errors or lost updates). */
export const HTTP_TARGET = { id: 'http-p99', text: 'HTTP p99 ≤ 10 ms at 100 requests/s (`ladder serve`, paced, keep-alive)', n: 100_000 };

export function httpTarget(http: HttpLoad | null | undefined): TargetVerdict {
  const base = { id: HTTP_TARGET.id, target: HTTP_TARGET.text, at: `${fmtN(HTTP_TARGET.n)} accounts`, unit: 'ms' };
  if (!http) return { ...base, value: null, verdict: 'NOT RUN', indicative: null };
  const verdict = http.paced.latency.p99Ms <= http.paced.goalP99Ms ? 'PASS' as const : 'MISS' as const;
  if (http.accounts === HTTP_TARGET.n) return { ...base, value: http.paced.latency.p99Ms, verdict, indicative: null };
  return { ...base, value: null, verdict: 'NOT RUN', indicative: { at: `${fmtN(http.accounts)} accounts`, value: http.paced.latency.p99Ms, verdict } };
}

export function checkTargets(runs: Run[]): TargetVerdict[] {
  return TARGETS.map((t) => {
    const base = { id: t.id, target: t.text, at: at(t.n, t.due), unit: t.unit };
    const exact = runs.find((r) => r.n === t.n && r.due === t.due);
    if (exact) {
      const v = t.value(exact);
      return { ...base, value: v, verdict: v === null ? 'FAILED' : t.ok(v) ? 'PASS' : 'MISS', indicative: null };
    }
    const near = [...runs].sort((a, b) => Number(b.due === t.due) - Number(a.due === t.due) || b.n - a.n)
      .map((r) => ({ r, v: t.value(r) })).find((x) => x.v !== null);
    const indicative = near ? { at: at(near.r.n, near.r.due), value: near.v!, verdict: t.ok(near.v!) ? 'PASS' as const : 'MISS' as const } : null;
    return { ...base, value: null, verdict: 'NOT RUN', indicative };
  });
}

// --- Markdown --------------------------------------------------------------------------------------
export function fmtN(n: number): string {
  return n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}
function fmtPct(x: number): string { return `${+(x * 100).toFixed(2)} %`; }
const f = (x: number, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const sec = (ms: number) => `${f(ms / 1000, ms < 10_000 ? 2 : 1)} s`;
const mib = (kb: number) => `${f(kb / 1024)} MiB`;
const mibMb = (kb: number) => `${f(kb / 1024, 1)} MiB (${f((kb * 1024) / 1e6, 1)} MB)`;
const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function markdown(rep: Report): string {
  const s = rep.system;
  const runs = rep.runs;
  const key = (r: Run) => `${fmtN(r.n)} / ${fmtPct(r.due)}`;
  const out: string[] = [];
  out.push(`# ${rep.title}`, '');
  out.push(`Mode \`${rep.mode}\`, run ${rep.startedAt} → ${rep.finishedAt} (${f(rep.wallSeconds)} s). Sweep clock \`--now ${rep.options.now}\`, seed ${rep.options.seed}, batch ${rep.options.batch}.`, '');
  out.push(`Machine: ${s.cpu}, ${s.cores} cores, ${s.memoryGiB} GiB, ${s.os}; load average ${s.loadAverage1m} (start ${rep.options.loadAtStart}). Versions: node ${s.versions.node}, xstate ${s.versions.xstate}, better-sqlite3 ${s.versions['better-sqlite3']}, drizzle-orm ${s.versions['drizzle-orm']}, SQLite ${s.versions.sqlite}, MACHINE_VERSION ${s.versions.machine}.`, '');
  out.push('## Targets', '');
  out.push(table(['target', 'defined at', 'measured', 'verdict'], rep.targets.map((t) => [
    t.target, t.at,
    t.value !== null ? `${f(t.value, t.unit === 'ms' ? 3 : 1)} ${t.unit}` : t.indicative ? `not run; at ${t.indicative.at}: ${f(t.indicative.value, t.unit === 'ms' ? 3 : 1)} ${t.unit} (${t.indicative.verdict}, indicative)` : 'not run',
    `**${t.verdict}**`,
  ])), '');
  out.push('## Fleet (generated, then checked against the real machine and engine)', '');
  out.push(table(['N / due', 'due timers', 'pending timers', 'events', 'DB size', 'generated in', 'replayed sample', 'fired on scratch copy'], runs.map((r) => [
    key(r), f(r.fleet.dueTimers), f(r.fleet.pendingTimers), f(r.fleet.rows.events ?? 0), mib(r.fleet.bytes / 1024), sec(r.fleet.ms),
    `${r.verify.sampled} accounts, ${r.verify.eventsReplayed} events, ${r.verify.timersChecked} timers: identical; foreign keys (${r.verify.foreignKeyCheck ?? 'whole file'}): ${r.verify.foreignKeyViolations} violations`,
    r.verify.fired.map((x) => `${x.timer} (${x.move})`).join(', '),
  ])), '');
  out.push('## Sweep (timers index) vs full scan (restore every actor)', '');
  out.push(`Wall times are the median of ${rep.options.repeat} runs, each in its own process on its own copy of the fleet; CPU = user + system time of that process.`, '');
  out.push(table(['N / due', 'sweep wall (CPU)', 'fired', 'fired/s', 'µs per fired', 'µs per account', 'full scan wall = scan + fire (CPU)', 'µs per actor scanned', 'speed-up wall (CPU)'], runs.map((r) => [
    key(r), `${sec(r.sweep.ms)} (${sec(r.sweep.cpuMs)})`, f(r.sweep.fired), f(r.sweep.perSec), f(r.ratios.sweepUsPerFired), f(r.ratios.sweepUsPerAccount, 2),
    `${sec(r.scan.ms)} = ${sec(r.scan.scanMs)} + ${sec(r.scan.fireMs)} (${sec(r.scan.cpuMs)})`, f(r.ratios.scanUsPerActor, 1),
    `**${f(r.ratios.sweepSpeedup, 1)}×** (${f(r.ratios.sweepSpeedupCpu, 1)}×)`,
  ])), '');
  out.push('## Persisted transitions vs the bare step', '');
  out.push(table(['N / due', 'bare steps/s (read, resolve, transition, write)', 'sweep fired/s (+ log, history, timers, idempotency)', 'share wall (CPU)'], runs.map((r) => [
    key(r), f(r.bare.perSec), f(r.sweep.perSec), `**${f(100 * r.ratios.sweepShareOfBare, 1)} %** (${f(100 * r.ratios.sweepShareOfBareCpu, 1)} %)`,
  ])), '');
  out.push('## Memory: peak RSS', '');
  out.push(table(['N / due', '`ladder sweep` child: peak RSS', 'child wall (incl. start-up)', 'in-process sweep', 'full scan', 'bare step'], runs.map((r) => [
    key(r), r.cliSweep ? mibMb(r.cliSweep.maxRssKb) : 'FAILED', r.cliSweep ? sec(r.cliSweep.ms) : '–', mib(r.sweep.maxRssKb), mib(r.scan.maxRssKb), mib(r.bare.maxRssKb),
  ])), '');
  out.push('## Commands', '');
  out.push(table(['N / due', 'CRO_CONFIRM in process: median', 'p99', 'mean (CPU mean)', 'max', 'commands', '`ladder status` cold start: median', 'min–max'], runs.map((r) => [
    key(r), `**${f(r.commands.medianMs, 3)} ms**`, `${f(r.commands.p99Ms, 2)} ms`, `${f(r.commands.meanMs, 3)} ms (${f(r.commands.cpuMeanMs, 3)} ms)`, `${f(r.commands.maxMs, 1)} ms`, f(r.commands.count),
    r.coldStart ? `${f(r.coldStart.medianMs)} ms` : 'FAILED', r.coldStart ? `${f(r.coldStart.minMs)}–${f(r.coldStart.maxMs)} ms` : '–',
  ])), '');
  const failures = runs.flatMap((r) => r.errors.map((e) => `- ${key(r)}: ${e}`));
  if (failures.length) out.push('Failed process measurements (after 3 attempts):', '', ...failures, '');
  out.push('## Projection (monday)', '');
  if (!rep.projection.measured) out.push(`**Not measured**: ${rep.projection.note}`, '');
  else {
    out.push(`Measured: ${rep.projection.note}. The accounts the sweep moves are on the board first (one push, not counted); the sweep runs with the outbox hook; the push after it is measured (local emulator: the requests are real HTTP, the latency is not monday's).`, '');
    out.push(table(['N / due', 'accounts moved', 'requests', 'column writes', 'comments', 'changes per request', 'bytes sent per change', 'push wall (local)'], runs.map((r) => r.projection ? [
      key(r), f(r.projection.accounts), f(r.projection.push.requests), f(r.projection.push.columnWrites), f(r.projection.push.commentsPosted),
      `**${f(r.projection.changesPerRequest, 1)}**`, f(r.projection.bytesPerChange), sec(r.projection.ms),
    ] : [key(r), 'FAILED', '–', '–', '–', '–', '–', '–'])), '');
  }
  out.push(...httpSection(rep.http));
  return out.join('\n');
}

function httpSection(http: HttpLoad | null | undefined): string[] {
  const out = ['## HTTP load (`ladder serve`)', ''];
  if (!http) return [...out, '**Not run** (LADDER_BENCH_HTTP_ACCOUNTS=0).', ''];
  const b = http.burst;
  const p = http.paced;
  const lat = (l: { p50Ms: number; p99Ms: number; maxMs: number }) => `${f(l.p50Ms, 2)} / **${f(l.p99Ms, 2)}** / ${f(l.maxMs, 1)} ms`;
  out.push(`The server in a worker thread of the bench process (its own event loop), on 127.0.0.1, over ${http.fleet} (${f(http.accounts)} accounts); keep-alive clients in the main thread. `
    + 'Burst: CRO decisions on accounts at SQL review (read, then If-Match) and FACTS on prospects (read then If-Match, or blind; 20 prospects shared by all clients, so that they race: a 409 is accepted only '
    + 'when the account moved since it was read, and retried). Paced: open loop, latency counted from the scheduled instant. Afterwards every acknowledged write must be in the log once, and every touched '
    + 'account must replay from its log to its stored snapshot.', '');
  out.push(table(['run', 'clients', 'requests', 'wall', 'throughput', 'writes/s', 'latency p50 / p99 / max (all)', 'reads p50 / p99', 'writes p50 / p99', '409 retried (races)', 'errors'], [
    ['burst', f(http.clients), f(b.requests), sec(b.ms), `**${f(b.throughputRps)} req/s**`, f(b.writesPerSec), lat(b.all), `${f(b.reads.p50Ms, 2)} / ${f(b.reads.p99Ms, 2)} ms`, `${f(b.writes.p50Ms, 2)} / ${f(b.writes.p99Ms, 2)} ms`, f(b.conflictsRetried), `**${f(b.errors)}**`],
    [`paced ${f(p.rate)} req/s`, '–', f(p.requests), sec(p.ms), `${f(p.requests / (p.ms / 1000))} req/s`, '–', lat(p.latency), '–', '–', '–', `**${f(p.errors)}**`],
  ]), '');
  out.push(`Burst operations: ${f(b.operations.croDecisions)} CRO decisions, ${f(b.operations.facts)} FACTS read first, ${f(b.operations.factsBlind)} FACTS blind. `
    + `Writes acknowledged: ${f(http.writesAcknowledged)} on ${f(http.touchedAccounts)} accounts; lost updates: **${f(http.lostUpdates)}**. `
    + `Paced p99 goal ≤ ${f(p.goalP99Ms)} ms: **${p.met ? 'met' : 'missed'}**.`, '');
  const problems = [...b.errorSamples, ...p.errorSamples, ...http.lostSamples];
  if (problems.length) out.push('Failures:', '', ...problems.map((x) => `- ${x}`), '');
  return out;
}
