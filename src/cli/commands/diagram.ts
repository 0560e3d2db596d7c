// `ladder diagram`: writes diagrams/ from the machine definition (or, with --check, fails when the
// committed files are stale). Registered by src/cli/app.ts.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { createLadderMachine } from '../../../machines/ladder.js';
import { DEFAULT_RULES } from '../../../machines/rules/config.js';
import { StaleDiagramsError } from '../../diagram/errors.js';
import { emit } from '../output.js';
import type { Run } from './events.js';

export function registerDiagramCommands(program: Command, run: Run): void {
  program.command('diagram')
    .description('write diagrams/ladder.mmd, ladder.svg and README.md from the machine definition')
    .option('--out <dir>', 'folder to write to', 'diagrams')
    .option('--check', 'write nothing; fail (exit 1) when the files in --out differ from the machine')
    .action(function (this: Command) {
      const o = this.opts<{ out: string; check?: boolean }>();
      return run(async (ctx) => {
        const dir = resolve(o.out);
        const { generateDiagrams, staleDiagrams, writeDiagrams } = await import('../../diagram/artifacts.js');
        // The SOP defaults, unless --db names a database whose settings should be drawn.
        const rules = ctx.opts.db || ctx.io.env.LADDER_DB ? ctx.settings.rules : DEFAULT_RULES;
        const generated = await generateDiagrams(createLadderMachine(rules), rules);
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
