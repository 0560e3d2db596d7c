// `ladder demo`: the newcomer's first command (README Quick start).
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { BadInputError } from '../../engine/errors.js';
import type { Command } from 'commander';
import { MQL_SUBSTATES, SQL_SUBSTATES, STAGES } from '../../../machines/types.js';
import { wholeFlag } from '../flags.js';
import type { Run } from './events.js';

const COLUMNS = [...STAGES.flatMap((s) => (s === 'SQL' ? SQL_SUBSTATES.map((x) => `SQL.${x}`) : s === 'MQL' ? MQL_SUBSTATES.map((x) => `MQL.${x}`) : [s]))];
/** At most 7 characters: each column is 8 wide, so neighbours never run together. */
const SHORT: Record<string, string> = {
  PROSPECT: 'PROSP', 'MQL.dossier': 'MQL:dos', 'MQL.nurture': 'MQL:nur', 'SQL.dossier': 'SQL:dos', 'SQL.review': 'SQL:rev', 'SQL.confirmed': 'SQL:con',
  BRIEFING_READY: 'BRIEF', ASSESSMENT_QUALIFIED: 'ASSESS', DISQUALIFIED: 'DQ', RECYCLED: 'RECYC', ARCHIVED: 'ARCH',
};

export function registerDemoCommand(program: Command, run: Run) {
  program.command('demo')
    .description('seed a synthetic fleet in ./ladder-demo.db and run 120 simulated days of the daily routine')
    .option('--out <path>', 'the demo database to write (default ./ladder-demo.db); an existing file is replaced only if it is a demo database')
    .option('--accounts <n>', 'fleet size', '300').option('--no-monday', 'do not project onto the local monday emulator').option('--days <n>', 'simulated days', '120').option('--seed <n>', 'random seed', '42')
    .action(function (this: Command) {
      const o = this.opts();
      return run(async (ctx) => {
        // The demo writes only its own file: --out, or --db when given on the command line, else ./ladder-demo.db;
        // never LADDER_DB, which may be set for real work in this shell.
        ctx.opts.db = resolve(o.out ?? ctx.opts.db ?? 'ladder-demo.db');
        const accounts = wholeFlag('--accounts', o.accounts, 1, 100_000);
        const days = wholeFlag('--days', o.days, 1, 3650);
        const seed = wholeFlag('--seed', o.seed, 0, 2 ** 31);
        refuseToOverwrite(ctx.dbPath);
        for (const suffix of ['', '-wal', '-shm']) if (existsSync(ctx.dbPath + suffix)) rmSync(ctx.dbPath + suffix);
        ctx.simulation = true;
        const start = ctx.opts.now ? ctx.now : '2026-01-05T00:00:00.000Z';
        // Loaded here, not at start-up: every other command would pay for the simulator and the emulator.
        const [{ runDemo }, { startEmulator }, { parseMondayConfig }, { createTransport }, { push }, { verify }] = await Promise.all([
          import('../../demo/simulate.js'), import('../../monday/emulator/index.js'), import('../../monday/config.js'),
          import('../../monday/transport.js'), import('../../monday/pusher.js'), import('../../monday/verify.js'),
        ]);
        // The board: a local monday emulator, so a newcomer sees the board move without a monday account.
        // Its clock is the simulation's: budget resets and retry waits pass in simulated time, not real time.
        let clockMs = Date.parse(start);
        const emu = o.monday ? await startEmulator({ port: 0, clock: () => clockMs }) : null;
        const board = emu ? { cfg: parseMondayConfig({ endpoint: emu.url }), transport: createTransport({ endpoint: emu.url, token: 'demo-token', apiVersion: '2026-10', timeoutMs: 10_000 }) } : null;
        const engine = ctx.open('create').engine;
        // The demo database's own settings name its board (the emulator), so every transition queues its update.
        if (board) engine.changeSettings((s) => ({ ...s, monday: { endpoint: board.cfg.endpoint } }), { by: 'sales.ops', role: 'sales.ops', now: start, change: 'the demo board: a local monday emulator', source: 'demo' });
        const pushes = { requests: 0, comments: 0, writes: 0 };
        if (!ctx.json) {
          ctx.io.out(`ladder demo: ${accounts} accounts, ${days} days from ${start.slice(0, 10)}, seed ${seed} → ${ctx.dbPath}`);
          ctx.io.out(['day', ...COLUMNS.map((c) => SHORT[c] ?? c)].map((c) => c.padStart(8)).join(''));
        }
        const summary = await runDemo(engine, {
          accounts, days, seed, start,
          onDay: async (d, at, counts) => {
            if (board) {
              clockMs = Math.max(clockMs, Date.parse(at));
              const r = await push(engine.store, board.cfg, board.transport, { now: () => at, sleep: async (ms) => { clockMs += ms; } });
              pushes.comments += r.commentsPosted; pushes.writes += r.columnWrites + r.created;
            }
            if (!ctx.json && (d % 10 === 0 || d === days)) ctx.io.out([String(d), ...COLUMNS.map((c) => String(counts[c] ?? 0))].map((c) => c.padStart(8)).join(''));
          },
        });
        let boardSummary: Record<string, unknown> | null = null;
        if (board && emu) {
          const v = await verify(engine, board.cfg, board.transport, { repair: false, now: summary.end });
          boardSummary = { endpoint: 'local emulator', requests: board.transport.stats.requests, itemWrites: pushes.writes, commentsPosted: pushes.comments, items: v.items, equalToMachine: v.equal, drift: v.drift.length };
          await emu.close();
        }
        if (ctx.json) { ctx.io.out(JSON.stringify({ db: ctx.dbPath, ...summary, board: boardSummary }, null, 2)); return; }
        const moves = Object.entries(summary.transitions).sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${k.padEnd(36)} ${v}`);
        ctx.io.out([
          '', `${summary.events} events recorded, ${summary.refused} refused by the rules, ${summary.timersFired} timers fired (${summary.slaBreaches} SLA breaches flagged).`,
          'stage moves:', ...moves, '',
          ...(boardSummary ? [`monday board (local emulator): ${boardSummary.items} items, ${boardSummary.equalToMachine} equal to the machine, ${boardSummary.drift} drifted; ${boardSummary.commentsPosted} audit comments posted in ${boardSummary.requests} requests.`, ''] : []),
          `Explore it: ladder --db ${ctx.dbPath} list --stage SQL · ladder --db ${ctx.dbPath} history <account>`,
        ].join('\n'));
      })();
    });
}

/**
 * The demo replaces its own database only: a file there must be a ladder database whose every event came from a
 * demo (or is empty). Anything else — a real ladder, another SQLite file, a CSV — is refused and left alone.
 */
function refuseToOverwrite(path: string): void {
  if (!existsSync(path)) return;
  let foreign: string | null = null;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const tables = db.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[];
      if (tables.length === 0) return;
      if (!tables.includes('events')) foreign = 'it is not a ladder database';
      else {
        const real = db.prepare("select count(*) from events where source not in ('demo', 'timer')").pluck().get() as number;
        if (real > 0) foreign = `it holds ${real} events that did not come from a demo`;
      }
    } finally { db.close(); }
  } catch {
    foreign = 'it is not a SQLite database';
  }
  if (foreign) throw new BadInputError(`--out: ${path} exists and ${foreign}; the demo replaces only a demo database. Nothing was changed: choose another --out PATH`, 'out');
}
