// `ladder diagram` commands. Registered by src/cli/app.ts.
import type { Command } from 'commander';
import type { Run } from './events.js';

export function registerDiagramCommands(program: Command, run: Run): void {
  void program; void run;
}
