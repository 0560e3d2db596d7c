// The `ladder` command line, started by index.ts (from the bundle, or from these modules). The only place that
// calls process.exit (STYLE 5). No top-level await: the bundle is a CommonJS script (scripts/bundle-cli.mjs).
import { runCli } from './app.js';

// `ladder list | head -1`: the reader closed the pipe. That is the reader's choice, not an error: end quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

void runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  isTTY: Boolean(process.stderr.isTTY),
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
