// `ladder runs [--limit N]`: the recorded runs of the long commands (sweeps, pushes, imports), the server's
// routine's and the CLI's, newest first, with their outcome (done, failed, skipped and why). Read-only.
import type { Command } from 'commander';
import { recentRuns, type Run as RunRow } from '../../store/runs.js';
import type { CliContext } from '../context.js';
import { wholeFlag } from '../flags.js';
import { emit } from '../output.js';
import type { Run } from './events.js';

/** running: no end recorded yet (or its process was killed before it could record one). */
const outcomeOf = (r: RunRow) => r.outcome ?? (r.endedAt === null ? 'running' : 'unknown');

function lines(rows: RunRow[]): string[] {
  if (rows.length === 0) return ['no runs recorded yet (sweeps, pushes and imports are recorded as they run)'];
  return rows.flatMap((r) => [
    `${r.startedAt}  ${(r.endedAt ?? '-').padEnd(24)}  ${outcomeOf(r).padEnd(7)}  ${r.command}  (${r.host}, pid ${r.pid})`,
    ...(r.asOf || r.detail ? [`    ${r.asOf ? `as of ${r.asOf}` : ''}${r.asOf && r.detail ? ': ' : ''}${r.detail ?? ''}`] : []),
  ]);
}

export function runsOf(ctx: CliContext, limit: number) {
  return recentRuns(ctx.reader().store, limit).map((r) => ({ ...r, outcome: outcomeOf(r) }));
}

export function registerRunsCommand(program: Command, run: Run): void {
  program.command('runs').description('the recorded runs of sweeps, pushes and imports (the server\'s routine and the CLI\'s), newest first: started, ended, outcome (done, failed, skipped and why), host and pid')
    .option('--limit <n>', 'how many runs (1-10000)', '20')
    .action(function (this: Command) {
      const o = this.opts<{ limit: string }>();
      return run((ctx) => {
        const limit = wholeFlag('--limit', o.limit, 1, 10_000);
        const rows = runsOf(ctx, limit);
        emit(ctx, { runs: rows }, lines(rows));
      })();
    });
}
