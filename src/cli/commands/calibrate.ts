// `ladder calibrate --rules ALT.json` and `ladder verify --replay` (issue 16): the calibration lab and the
// database integrity check it stands on. Both read only (the database is opened read-only).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { BadInputError } from '../../engine/errors.js';
import { emit, progressBar } from '../output.js';
import { createPrivate, outputPath } from '../files.js';
import { instantFlag, wholeFlag } from '../flags.js';
import { EXIT, ReportedFailure } from '../exits.js';
import type { Run } from './events.js';

export function registerCalibrateCommands(program: Command, run: Run): void {
  program.command('calibrate')
    .description('replay the whole recorded history under other rules, side by side with the rules in force (HO 6.3); writes nothing')
    .requiredOption('--rules <file>', 'the alternative: a JSON object of rules settings to change, e.g. {"gates": {"g1PassEmployees": 150}}')
    .option('--from <instant>', 'the first week compared (default: the first recorded event)')
    .option('--to <instant>', 'the end of the window; inputs after it are not replayed, timers fire up to it (default: --now)')
    .option('--html <path>', 'write one self-contained HTML page (no external requests)')
    .option('--limit <n>', 'list at most this many differing accounts and refused inputs (all are counted)', '200')
    .option('--workers <n>', 'worker threads (0: replay in this thread; default: the cores, at most 8)')
    .option('--check', 'also replay the rules in force and check every recorded log against it (the self-check; about twice the work)')
    .action(function (this: Command) {
      const o = this.opts<{ rules: string; from?: string; to?: string; html?: string; limit: string; workers?: string; check?: boolean }>();
      return run(async (ctx) => {
        const [{ calibrate }, { parseRulesOverride }, { calibrationText }] = await Promise.all([
          import('../../calibrate/calibrate.js'), import('../../calibrate/rules.js'), import('../../calibrate/text.js'),
        ]);
        const file = resolve(o.rules);
        let raw: unknown;
        try { raw = JSON.parse(readFileSync(file, 'utf8')); } catch (err) {
          const e = err as NodeJS.ErrnoException;
          throw new BadInputError(`--rules: ${file}: ${e.code ? `cannot read it (${e.code})` : `not valid JSON (${e.message})`}`, 'rules');
        }
        const override = parseRulesOverride(raw, `--rules ${o.rules}`);
        const from = o.from === undefined ? undefined : instantFlag('--from', o.from);
        const to = o.to === undefined ? undefined : instantFlag('--to', o.to);
        const limit = wholeFlag('--limit', o.limit, 0, 1_000_000);
        const workers = o.workers === undefined ? undefined : wholeFlag('--workers', o.workers, 0, 64);
        const out = o.html ? outputPath('--html', o.html) : null;
        const engine = ctx.reader().engine;
        const bar = progressBar(ctx, 'calibrate');
        const report = await calibrate(engine, { override, rulesFile: o.rules, from, to, now: ctx.now, limit, workers, check: Boolean(o.check), onProgress: (d, t) => bar(d, t) });
        bar.end();
        if (out) {
          const { renderCalibrationHtml } = await import('../../calibrate/html.js');
          createPrivate(out);
          writeFileSync(out, renderCalibrationHtml(report, { now: ctx.now }));
          if (!ctx.json) ctx.io.out(`wrote ${out}`);
        }
        emit(ctx, report, calibrationText(report));
      })();
    });

  program.command('verify')
    .description('integrity checks of the whole database; --replay: every account replayed from its recorded inputs, timers re-derived, must give its stored log, snapshot and stage history (exit 5 when not)')
    .option('--replay', 'replay every account from its recorded inputs in simulated time')
    .option('--limit <n>', 'name at most this many differing accounts (all are counted)', '100')
    .option('--workers <n>', 'worker threads (0: in this thread; default: the cores, at most 8)')
    .action(function (this: Command) {
      const o = this.opts<{ replay?: boolean; limit: string; workers?: string }>();
      return run(async (ctx) => {
        if (!o.replay) throw new BadInputError('verify: say what to verify: --replay (every account replayed from its recorded inputs against what is stored)', 'replay');
        const [{ verifyReplay }, { verifyText }] = await Promise.all([import('../../calibrate/calibrate.js'), import('../../calibrate/text.js')]);
        const limit = wholeFlag('--limit', o.limit, 0, 1_000_000);
        const workers = o.workers === undefined ? undefined : wholeFlag('--workers', o.workers, 0, 64);
        const engine = ctx.reader().engine;
        const bar = progressBar(ctx, 'verify --replay');
        const r = await verifyReplay(engine, { limit, workers, onProgress: (d, t) => bar(d, t) });
        bar.end();
        emit(ctx, r, verifyText(r));
        if (r.mismatches) throw new ReportedFailure(`verify --replay: ${r.mismatches} accounts differ from their recorded inputs`, EXIT.difference);
      })();
    });
}
