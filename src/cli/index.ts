#!/usr/bin/env node
// The only place that calls process.exit (STYLE 5).
import { runCli } from './app.js';

const code = await runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  isTTY: Boolean(process.stderr.isTTY),
  env: process.env,
});
process.exitCode = code;
