// The `ladder` command line: parse, call the engine, print (STYLE 5). Commands throw typed errors;
// src/cli/index.ts is the only place that exits.
import { Command, CommanderError, Option } from 'commander';
import { printable } from '../../machines/rules/values.js';
import { EXIT, EXIT_CODES_HELP, ReportedFailure, exitOf } from './exits.js';
import { packageVersion } from './version.js';
import { busyMessage } from '../store/runs.js';


import { CliContext, type CliIO, type GlobalOptions } from './context.js';
import { registerCoreCommands } from './commands/core.js';
import { registerEventCommands, type Run } from './commands/events.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDiagramCommands } from './commands/diagram.js';
import { registerReportCommands } from './commands/report.js';
import { registerImportCommands } from './commands/import.js';
import { registerMondayCommands } from './commands/monday.js';
import { registerSettingsCommands } from './commands/settings.js';
import { registerUserCommands } from './commands/users.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTemplateCommands } from './commands/templates.js';
import { registerRunsCommand } from './commands/runs.js';
import { registerSequenceCommands } from './commands/sequences.js';
import { registerCalibrateCommands } from './commands/calibrate.js';

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
  // Known before parsing, so that even commander's own errors (a missing argument, an unknown command) are one
  // JSON document on stdout under --json, never text on stderr.
  const json = argv.includes('--json');
  const say = (text: string) => io.err(printable(text));
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
    .version(packageVersion(), '--version', 'print the version')
    .option('--json', 'machine-readable output: exactly one JSON document on stdout, also for a failure')
    .option('--allow-future', 'allow a --now more than clock.maxAheadHours (default 24) past the real clock: a simulation on purpose (what it records stays)')
    .addOption(new Option('--config <path>', 'no longer read: settings live in the database (ladder settings import PATH)').hideHelp())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => { if (!json) say(s.trimEnd()); } })
    .showHelpAfterError('(ladder --help lists the commands)')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`);
  registerCoreCommands(program, run);
  registerEventCommands(program, run);
  registerDemoCommand(program, run);
  registerImportCommands(program, run);
  registerMondayCommands(program, run);
  registerSettingsCommands(program, run);
  registerUserCommands(program, run);
  registerServeCommand(program, run);
  registerTemplateCommands(program, run);
  registerSequenceCommands(program, run);
  registerRunsCommand(program, run);
  registerDiagramCommands(program, run);
  registerReportCommands(program, run);
  registerCalibrateCommands(program, run);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      if (json) io.out(JSON.stringify({ error: { kind: 'UsageError', message: err.message.replace(/^error: /, ''), field: usageField(err.message) } }, null, 2));
      return EXIT.input;
    }
    const x = exitOf(err);
    // A busy database: say which command holds it (src/store/runs.ts), not only that it is busy.
    const code = (err as { code?: string }).code ?? '';
    if ((code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) && ctx) x.message = busyMessage(ctx.dbPath, ctx.busyTimeoutMs);
    // A ReportedFailure already printed its outcome (under --json its one document): nothing more on stdout.
    const reported = err instanceof ReportedFailure || (err as { quiet?: boolean }).quiet === true;
    if (json) { if (!reported) io.out(JSON.stringify({ error: { kind: x.kind, message: x.message, field: x.field } }, null, 2)); }
    else say(`ladder: ${x.message}`);
    return x.code;
  } finally {
    ctx?.close();
  }
}

/** The option or argument commander's message is about ("required option '--s1 <score>'" → s1), or "command". */
function usageField(message: string): string {
  const option = /'--([\w-]+)/.exec(message);
  if (option) return option[1]!;
  const argument = /argument '([\w.-]+)'/.exec(message);
  if (argument) return argument[1]!;
  return 'command';
}
