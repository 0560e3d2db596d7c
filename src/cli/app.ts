// The `ladder` command line: parse, call the engine, print (STYLE 5). Commands throw typed errors;
// src/cli/index.ts is the only place that exits.
import { Command, CommanderError, Option } from 'commander';
import { CliContext, type CliIO, type GlobalOptions } from './context.js';
import { registerCoreCommands } from './commands/core.js';
import { registerEventCommands, type Run } from './commands/events.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDiagramCommands } from './commands/diagram.js';
import { registerReportCommands } from './commands/report.js';
import { registerImportCommands } from './commands/import.js';
import { registerMondayCommands } from './commands/monday.js';
import { registerSettingsCommands } from './commands/settings.js';

/** monday.pushAfterCommands: the board follows every command that changed an account. */
async function pushAfter(ctx: CliContext): Promise<void> {
  if (!ctx.engineOpened || !ctx.monday?.pushAfterCommands) return;
  const { hasWork } = await import('../monday/pusher.js');
  if (!hasWork(ctx.store())) return;
  const { runPush, describePush } = await import('./commands/monday.js');
  try {
    const r = await runPush(ctx, { leaseWaitMs: 5_000 });
    if (!ctx.json) for (const line of describePush(r)) ctx.io.err(line);
  } catch (err) {
    // The command's change is committed and its board update queued: failing the command now (exit 2) would
    // invite a retry that records it twice. Say what to fix; `ladder monday push` delivers it afterwards.
    ctx.io.err(`ladder: recorded, but the board was not updated: ${(err as Error).message} (then run ladder monday push)`);
  }
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const program = new Command('ladder');
  let ctx: CliContext | undefined;
  const run: Run = (fn) => async () => {
    ctx = new CliContext(program.opts<GlobalOptions>(), io);
    await fn(ctx);
    await pushAfter(ctx);
  };
  program
    .description('Ladder: B2B account lifecycle as durable state machines')
    .option('--db <path>', 'SQLite database (default ./ladder.db or LADDER_DB)')
    .option('--now <iso>', 'the clock for this command: ISO 8601 with Z or an offset (a bare date is 00:00 UTC); default: the current time')
    .option('--as <user>', 'who acts (users and roles: ladder settings show; default LADDER_AS)')
    .option('--json', 'machine-readable output')
    .option('--allow-future', 'allow a --now more than clock.maxAheadHours (default 24) past the real clock: a simulation on purpose (what it records stays)')
    .addOption(new Option('--config <path>', 'no longer read: settings live in the database (ladder settings import PATH)').hideHelp())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(ladder --help lists the commands)');
  registerCoreCommands(program, run);
  registerEventCommands(program, run);
  registerDemoCommand(program, run);
  registerImportCommands(program, run);
  registerMondayCommands(program, run);
  registerSettingsCommands(program, run);
  registerDiagramCommands(program, run);
  registerReportCommands(program, run);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    const e = err as Error & { exitCode?: number };
    if (typeof e.exitCode === 'number') {
      // `quiet`: the command already printed its JSON document (e.g. the outcome of every note); a second one
      // would make stdout unparseable. The exit code says it failed.
      if (ctx?.json) { if (!(e as { quiet?: boolean }).quiet) io.out(JSON.stringify({ error: { kind: e.name, message: e.message, field: (e as { field?: string }).field ?? null } }, null, 2)); }
      else io.err(`ladder: ${e.message}`);
      return e.exitCode;
    }
    io.err(`ladder: unexpected error: ${e.stack ?? e.message}`);
    return 1;
  } finally {
    ctx?.close();
  }
}
