#!/usr/bin/env node
// The only place that calls process.exit (STYLE 5).
import { runCli } from './app.js';

// `ladder list | head -1`: the reader closed the pipe. That is the reader's choice, not an error: end quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  isTTY: Boolean(process.stderr.isTTY),
  env: process.env,
});
process.exitCode = code;
