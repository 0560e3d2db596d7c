// `ladder demo`: the newcomer's first command (README Quick start).
import { existsSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import { runDemo } from '../../demo/simulate.js';
import { STAGES } from '../../../machines/types.js';
import { BadInputError } from '../../engine/errors.js';
import type { Run } from './events.js';

const COLUMNS = [...STAGES.flatMap((s) => (s === 'SQL' ? ['SQL.dossier', 'SQL.review', 'SQL.confirmed'] : [s]))];
const SHORT: Record<string, string> = { PROSPECT: 'PROSP', 'SQL.dossier': 'SQL:dos', 'SQL.review': 'SQL:rev', 'SQL.confirmed': 'SQL:conf', BRIEFING_READY: 'BRIEF', ASSESSMENT_QUALIFIED: 'ASSESS', DISQUALIFIED: 'DQ', RECYCLED: 'RECYC', ARCHIVED: 'ARCH' };

const int = (field: string, raw: string, min: number, max: number) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new BadInputError(`${field}: expected a whole number from ${min} to ${max}; got "${raw}"`, field);
  return n;
};

export function registerDemoCommand(program: Command, run: Run) {
  program.command('demo')
    .description('seed a synthetic fleet in ./ladder-demo.db and run 120 simulated days of the daily routine')
    .option('--accounts <n>', 'fleet size', '300').option('--days <n>', 'simulated days', '120').option('--seed <n>', 'random seed', '42')
    .action(function (this: Command) {
      const o = this.opts();
      return run((ctx) => {
        if (!ctx.opts.db && !ctx.io.env.LADDER_DB) ctx.opts.db = 'ladder-demo.db';
        const accounts = int('--accounts', o.accounts, 1, 100_000);
        const days = int('--days', o.days, 1, 3650);
        const seed = int('--seed', o.seed, 0, 2 ** 31);
        for (const suffix of ['', '-wal', '-shm']) if (existsSync(ctx.dbPath + suffix)) rmSync(ctx.dbPath + suffix);
        const start = ctx.opts.now ? ctx.now : '2026-01-05T00:00:00.000Z';
        const engine = ctx.engine({ mustExist: false });
        if (!ctx.json) {
          ctx.io.out(`ladder demo: ${accounts} accounts, ${days} days from ${start.slice(0, 10)}, seed ${seed} → ${ctx.dbPath}`);
          ctx.io.out(['day', ...COLUMNS.map((c) => SHORT[c] ?? c)].map((c) => c.padStart(8)).join(''));
        }
        const summary = runDemo(engine, {
          accounts, days, seed, start,
          onDay: (d, _at, counts) => {
            if (!ctx.json && (d % 10 === 0 || d === days)) ctx.io.out([String(d), ...COLUMNS.map((c) => String(counts[c] ?? 0))].map((c) => c.padStart(8)).join(''));
          },
        });
        if (ctx.json) { ctx.io.out(JSON.stringify({ db: ctx.dbPath, ...summary }, null, 2)); return; }
        const moves = Object.entries(summary.transitions).sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${k.padEnd(36)} ${v}`);
        ctx.io.out([
          '', `${summary.events} events recorded, ${summary.refused} refused by the rules, ${summary.timersFired} timers fired (${summary.slaBreaches} SLA breaches flagged).`,
          'stage moves:', ...moves, '',
          `Explore it: ladder --db ${ctx.dbPath} list --stage SQL · ladder --db ${ctx.dbPath} history <account>`,
        ].join('\n'));
      })();
    });
}
