// init, account add, sweep, status, history, list, backup.
import type { Command } from 'commander';
import { TIERS, STAGES } from '../../../machines/types.js';
import { BadInputError } from '../../engine/errors.js';
import { countDue } from '../../engine/sweep.js';
import { recordedSweep } from '../../engine/recorded-sweep.js';
import { accountHistory, accountKey, accountStatus, detailLines, listAccounts } from '../../queries.js';
import type { CliContext } from '../context.js';
import { describeApplied, emit, progressBar } from '../output.js';
import { numberFlag, tierFlag, wholeFlag } from '../flags.js';
import { EXIT, ReportedFailure } from '../exits.js';
import { createPrivate, makePrivate, outputPath } from '../files.js';
import type { Run } from './events.js';
import { delayOf, timerLabel } from '../../../machines/timers.js';


export function registerCoreCommands(program: Command, run: Run) {
  program.command('init').description('create the database (or bring it up to date) and apply migrations')
    .action(() => run((ctx) => {
      ctx.open('create');
      emit(ctx, { db: ctx.dbPath, ok: true }, `ladder database ready at ${ctx.dbPath}`);
    })());

  const account = program.command('account').description('accounts');
  account.command('add').argument('<domain>', 'company domain (normalized: acme.com)')
    .requiredOption('--name <name>').requiredOption('--hq <location>').requiredOption('--tier <tier>', `${TIERS.join(', ')} (also T1-T3 or 1-3)`)
    .requiredOption('--icp <score>', 'ICP score 0-100')
    .description('add one account at PROSPECT with the five required fields (LQ 6)')
    .action(function (this: Command, domain: string) {
      const o = this.opts();
      return run((ctx) => {
        const key = accountKey(domain);
        const tier = tierFlag('--tier', o.tier);
        const icp = numberFlag('--icp', o.icp, 0, 100);
        // Name and HQ are checked by the engine's one schema for every door (length, no control characters).
        const applied = ctx.engine().addAccount({ domain: key, name: o.name, hq: o.hq, tier, icpScore: icp }, { ...ctx.actor(), at: ctx.now, now: ctx.now, source: 'cli' });
        emit(ctx, applied, describeApplied(applied));
      })();
    });

  program.command('sweep').description('fire every timer due at or before --now and flag SLA breaches (sales.ops)')
    .option('--batch <n>', 'timers per transaction', '500')
    .action(function (this: Command) {
      const o = this.opts();
      return run(async (ctx) => {
        const batchSize = wholeFlag('--batch', o.batch, 1, 100_000);
        const engine = ctx.engine();
        const now = ctx.now;
        const as = ctx.actor();
        // One sweep at a time, whoever runs it (the server's routine takes the same lease), recorded in runs with
        // the instant it swept as of: the routine does not repeat a scheduled sweep this one covered.
        const bar = progressBar(ctx, 'sweep');
        bar(0, countDue(engine, now));
        const r = await recordedSweep(engine, {
          now, as, batchSize, source: 'cli', command: `ladder sweep --now ${now}`,
          waitMs: ctx.busyTimeoutMs, // as for a busy database: 10 s, or LADDER_BUSY_TIMEOUT_MS
          advice: 'Another sweep is running (the server\'s routine, or another ladder sweep); nothing was changed: run ladder sweep again when it has ended (ladder runs shows the sweeps)',
          onProgress: (p) => bar(p.fired, p.due),
        });
        bar.end();
        if (r.status === 'skipped') throw new ReportedFailure(`sweep skipped: ${r.why}`, EXIT.input);
        const result = r.result;
        const moves = Object.entries(result.transitions).map(([k, v]) => `  ${k}: ${v}`);
        emit(ctx, result, [`sweep at ${now}: ${result.fired} timers fired (${result.slaBreaches} SLA breaches flagged, ${result.skipped} no longer accepted by the machine, each with a refusal record)`, ...moves]);
      })();
    });

  program.command('status').argument('<account>').description("an account's stage, gates, timers and flags")
    .action((a: string) => run((ctx) => {
      const s = accountStatus(ctx.reader().engine, accountKey(a), ctx.now);
      const gates = Object.entries(s.gates).map(([g, r]) => `  ${g} ${r.verdict}${r.overridden ? ' (overridden by CRO)' : ''}: ${r.because}`);
      emit(ctx, s, [
        `${s.account} (${s.name}, ${s.hq}) — ${s.substate ? `${s.stage}: ${s.substate}` : s.stage} since ${s.since}`,
        `tier ${s.tier}; ICP score ${s.icpScore}; priority ${s.flags.priority}${s.flags.suppressed ? '; SUPPRESSED' : ''}${s.flags.slaBreach.length ? `; SLA breach: ${s.flags.slaBreach.join(', ')}` : ''}`,
        'gates:', ...gates,
        `timers: ${s.timers.length ? s.timers.map((t) => `${t.timer} due ${t.dueAt}${t.overdue ? ' (OVERDUE: the next sweep or command on this account applies it)' : ''}`).join(', ') : 'none'}`,
      ]);
    })());

  program.command('history').argument('<account>').description('every event of an account, who/when/why, with stage moves')
    .option('--refusals', 'include refused attempts')
    .option('--diagram <out.svg>', 'also draw the ladder with the path this account took, each step dated (SVG)')
    .action(function (this: Command, a: string) {
      const o = this.opts();
      return run(async (ctx) => {
        const engine = ctx.reader().engine;
        const diagram = o.diagram ? outputPath('--diagram', o.diagram) : null;
        const h = accountHistory(engine, accountKey(a), { refusals: o.refusals });
        // Columns as wide as their widest entry: a long timer label never runs into the next column.
        const what = h.events.map((e) => (delayOf(e.type) ? `timer: ${timerLabel(delayOf(e.type)!, engine.rules)}` : e.type));
        const who = h.events.map((e) => `${e.by} (${e.role})`);
        const seqs = h.events.map((e) => `#${e.seq}`);
        const w = (xs: string[]) => Math.max(0, ...xs.map((x) => x.length));
        emit(ctx, h, [
          ...h.events.flatMap((e, i) => [
            `${e.at}  ${seqs[i]!.padEnd(w(seqs))}  ${what[i]!.padEnd(w(what))}  ${who[i]!.padEnd(w(who))}  ${e.from ?? '—'} → ${e.to}`,
            ...detailLines(e.details).map((l) => `      ${l}`),
          ]),
          ...h.refusals.map((r) => `${r.at}  REFUSED ${r.type} by ${r.by} (${r.role}): ${r.why}`),
        ]);
        if (!diagram) return;
        const { writeAccountPathDiagram } = await import('../../diagram/path.js');
        createPrivate(diagram);
        const d = await writeAccountPathDiagram(engine, accountKey(a), diagram);
        if (!ctx.json) ctx.io.out(`path diagram (${d.steps.length} steps) written to ${d.path}`);
      })();
    });

  program.command('list').description('accounts, optionally by stage, in domain order')
    .option('--stage <stage>', STAGES.join(', ')).option('--substate <s>', 'SQL: dossier, review, confirmed; MQL: dossier, nurture')
    .option('--limit <n>', 'at most this many accounts', '1000000').option('--offset <n>', 'skip this many first', '0')
    .action(function (this: Command) {
      const o = this.opts();
      return run((ctx) => {
        if (o.stage && !STAGES.includes(o.stage)) throw new BadInputError(`--stage: expected one of ${STAGES.join(', ')}; got "${o.stage}"`, 'stage');
        const limit = wholeFlag('--limit', o.limit, 1, 1_000_000_000);
        const offset = wholeFlag('--offset', o.offset, 0, 1_000_000_000);
        const rows = listAccounts(ctx.reader().engine, { stage: o.stage, substate: o.substate, limit, offset });
        emit(ctx, rows, rows.length ? rows.map((r) => `${r.account.padEnd(32)} ${(r.substate ? `${r.stage}: ${r.substate}` : r.stage).padEnd(22)} ${r.tier}`) : 'no accounts');
      })();
    });

  program.command('replay').argument('[accounts...]', 'accounts to replay (default: every account)')
    .description("replay each account's log under the rules in force at each event; exit 5 when a stored snapshot differs")
    .action((accounts: string[]) => run(async (ctx) => {
      const { replayAccount, replayAll, replayActors } = await import('../../engine/replay.js');
      const engine = ctx.reader().engine;
      // Every account, and every template approval and recipient list (issue 14), unless accounts are named.
      const results = accounts.length ? accounts.map((a) => replayAccount(engine, accountKey(a))) : [...replayAll(engine), ...replayActors(engine)];
      const differing = results.filter((r) => r.status === 'differs');
      const older = results.filter((r) => r.status === 'older machine');
      emit(ctx, { accounts: results.length, differing: differing.length, olderMachine: older.length, results }, [
        ...differing.map((r) => `${r.account}: the log (${r.events} events) does not replay to the stored snapshot: ${r.differs.join(', ')}`),
        ...(older.length ? [`${older.length} accounts were partly written by an older machine (${[...new Set(older.flatMap((r) => r.differs))].join(', ')}) and are not replayed: this ladder has only its own machine`] : []),
        `${results.length - differing.length - older.length} of ${results.length} accounts and approvals replay to their stored snapshot, each event under the settings version it was applied with`,
      ]);
      if (differing.length) throw new ReportedFailure(`replay: ${differing.length} accounts differ from their log`, EXIT.difference);
    })());

  program.command('backup').argument('<path>').description("online backup of the database (SQLite's backup API) while commands run")
    .action((raw: string) => run(async (ctx) => {
      const path = outputPath('backup', raw);
      if (path === ctx.dbPath) throw new BadInputError('backup: the backup would overwrite the database itself; give another path', 'path');
      const { store } = ctx.reader();
      createPrivate(path);
      await store.sqlite.backup(path);
      makePrivate(path); // a backup of a private database is private, whatever the file was before
      emit(ctx, { backup: path, from: ctx.dbPath }, `backed up ${ctx.dbPath} to ${path}`);
    })());
}

export type { CliContext };
