// `ladder import FILE.csv|FILE.json [--dry-run] [--report out.json]` (LQ 6 stage gate).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ImportFileError } from '../../intake/errors.js';
import { BadInputError } from '../../engine/errors.js';
import { emit, progressBar } from '../output.js';
import { wholeFlag } from '../flags.js';
import { outputPath } from '../files.js';
import type { Run } from './events.js';

export function registerImportCommands(program: Command, run: Run): void {
  program.command('import').argument('<file>', 'a .csv or .json file of accounts (Name, Domain, HQ, Tier, ICP Score)')
    .description('the import stage gate (LQ 6): unique rows become PROSPECTs, duplicates are reconciled, rejected rows are reported')
    .option('--dry-run', 'sort and report, write nothing')
    .option('--report <out.json>', 'write the three buckets to this file')
    .option('--chunk <rows>', 'rows per transaction: a crash loses at most the uncommitted chunk, which a re-run imports', '1000')
    .action(function (this: Command, file: string) {
      const o = this.opts();
      return run(async (ctx) => {
        const chunkSize = wholeFlag('--chunk', o.chunk, 1, 100_000);
        // Checked before the first row: a report that cannot be written must not be found out after the import.
        const reportPath = o.report ? outputPath('--report', o.report) : undefined;
        const { importFile } = await import('../../intake/importer.js');
        const bar = progressBar(ctx, 'import', 'bytes');
        let report: Awaited<ReturnType<typeof importFile>>;
        try {
          const go = (engine: Parameters<typeof importFile>[0]) => importFile(engine, { path: resolve(file), now: ctx.now, actor: ctx.actor(), dryRun: Boolean(o.dryRun), chunkSize, reportPath, onProgress: (p) => bar(p.bytes, p.total, `${p.phase}${p.phase === 'importing' ? `, ${p.rows} rows` : ''}`) });
          report = o.dryRun ? await go(ctx.reader().engine) : await ctx.tracked(`ladder import ${file}`, () => go(ctx.engine()));
        } catch (err) {
          if (err instanceof ImportFileError) throw new BadInputError(err.message, 'file');
          throw err;
        } finally { bar.end(); }
        const c = report.counts;
        emit(ctx, ctx.json && report.truncated ? { ...report, note: `bucket lists cut at the first rows; the full buckets are in --report` } : report, [
          `${report.dryRun ? 'DRY RUN: ' : ''}${c.total} rows: ${c.unique} unique (to the board), ${c.tierReject} Tier Reject (archived, never on the board; LQ 4), ${c.duplicates} duplicates, ${c.rejected} rejected${c.alreadyImported ? `, ${c.alreadyImported} already imported from this file` : ''}${c.refused ? `, ${c.refused} refused` : ''}`,
          ...report.refused.slice(0, 20).map((r) => `  refused row ${r.row} (${r.domain}): ${r.why}`),
          ...report.rejected.slice(0, 20).map((r) => `  rejected row ${r.row}: ${r.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`),
          ...(report.rejected.length > 20 ? [`  … ${report.rejected.length - 20} more (see --report)`] : []),
          ...report.duplicates.filter((d) => d.conflicts.length).slice(0, 20).map((d) => `  conflict row ${d.row} (${d.domain}): ${d.conflicts.map((x) => `${x.field} "${x.existing}" kept, "${x.incoming}" reported`).join('; ')}`),
          ...report.escalations.map((e) => `ESCALATION (${e.severity}): ${e.detail}`),
          ...(reportPath ? [`report: ${reportPath}`] : []),
        ]);
      })();
    });
}
