// `ladder report`: the Chief of Staff's weekly audit (HO 6.1, 3.6, 7) as text, JSON or one HTML file.
// Registered by src/cli/app.ts.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_REPORT_OPTIONS } from '../../report/metrics.js';
import { emit } from '../output.js';
import { createPrivate, outputPath } from '../files.js';
import { wholeFlag } from '../flags.js';
import type { Run } from './events.js';

const whole = (field: string, raw: string | undefined, min: number, max: number): number | undefined => (raw === undefined ? undefined : wholeFlag(field, raw, min, max));

export function registerReportCommands(program: Command, run: Run): void {
  program.command('report')
    .description('the weekly audit: stage counts, HO 6.1 numbers, SLA, CRO overrides, HO 7 alerts, stale SQLs, time in stage')
    .option('--week <iso-week>', 'ISO week, e.g. 2026-W14 (default: the week containing --now)')
    .option('--html <path>', 'write one self-contained HTML page (no external requests)')
    .option('--mql-threshold <n>', `HO 7: alert when weekly new MQLs stay below this two weeks running (default ${DEFAULT_REPORT_OPTIONS.mqlThreshold})`)
    .option('--stale-within <days>', `list SQLs whose 30-day regression falls due within this many days (default ${DEFAULT_REPORT_OPTIONS.staleWithinDays})`)
    .action(function (this: Command) {
      const o = this.opts<{ week?: string; html?: string; mqlThreshold?: string; staleWithin?: string }>();
      return run(async (ctx) => {
        const [{ lifecycleSvg, renderReportHtml }, { weeklyReport }, { reportText }] = await Promise.all([
          import('../../report/html.js'), import('../../report/report.js'), import('../../report/text.js'),
        ]);
        const out = o.html ? outputPath('--html', o.html) : null;
        const engine = ctx.reader().engine;
        const report = weeklyReport(engine, {
          now: ctx.now, week: o.week,
          mqlThreshold: whole('--mql-threshold', o.mqlThreshold, 0, 1_000_000),
          staleWithinDays: whole('--stale-within', o.staleWithin, 0, 3650),
        });
        if (out) {
          createPrivate(out);
          writeFileSync(out, renderReportHtml(report, await lifecycleSvg(engine.machine, engine.rules, report), { db: ctx.dbPath, now: ctx.now }));
          if (!ctx.json) ctx.io.out(`wrote ${out}`);
        }
        emit(ctx, report, reportText(report));
      })();
    });
}
