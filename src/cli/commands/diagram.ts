// `ladder diagram`: writes diagrams/ from the machine definitions, the ladder's, its approval machines' and the email
// side's (or, with --check, fails when the committed files are stale). Registered by src/cli/app.ts.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { createLadderMachine } from '../../../machines/ladder.js';
import { DEFAULT_RULES } from '../../../machines/rules/config.js';
import { approvalConfig } from '../../engine/templates.js';
import { sequenceConfig } from '../../engine/sequences.js';
import { StaleDiagramsError } from '../../diagram/errors.js';
import { emit } from '../output.js';
import type { Run } from './events.js';

export function registerDiagramCommands(program: Command, run: Run): void {
  program.command('diagram')
    .description('write diagrams/: ladder, approval, recipients, sequence and sending .mmd and .svg, and README.md, from the machine definitions')
    .option('--out <dir>', 'folder to write to', 'diagrams')
    .option('--check', 'write nothing; fail (exit 5) when the files in --out differ from the machines')
    .action(function (this: Command) {
      const o = this.opts<{ out: string; check?: boolean }>();
      return run(async (ctx) => {
        const dir = resolve(o.out);
        const [{ generateDiagrams, staleDiagrams, writeDiagrams }, { defaultApprovalConfig }, { defaultSequenceConfig }] = await Promise.all([
          import('../../diagram/artifacts.js'), import('../../diagram/approvals.js'), import('../../diagram/sequences.js'),
        ]);
        // The SOP defaults, unless --db names a database whose settings should be drawn.
        const fromDb = Boolean(ctx.opts.db || ctx.io.env.LADDER_DB);
        const rules = fromDb ? ctx.settings.rules : DEFAULT_RULES;
        const config = fromDb ? approvalConfig(ctx.settings) : defaultApprovalConfig(rules);
        const email = fromDb ? sequenceConfig(ctx.settings) : defaultSequenceConfig(rules);
        const generated = await generateDiagrams(createLadderMachine(rules), rules, { config }, { config: email });
        if (o.check) {
          const stale = staleDiagrams(dir, generated);
          if (stale.length) throw new StaleDiagramsError(dir, stale);
          emit(ctx, { dir, stale: [] }, `diagrams in ${dir} match the machine`);
          return;
        }
        const written = writeDiagrams(dir, generated);
        emit(ctx, { dir, written }, written.map((f) => `wrote ${f}`));
      })();
    });
}
