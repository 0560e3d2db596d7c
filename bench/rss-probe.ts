// The `ladder` CLI run in this process, reporting its peak RSS (VmHWM) on stderr at the end. Used by
// child.ts when /usr/bin/time is not installed; same arguments as dist/src/cli/index.js.
import { runCli } from '../src/cli/app.js';
import { peakRssKb } from './rss.js';

const code = await runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  isTTY: false,
  env: process.env,
});
process.stderr.write(`BENCH_MAXRSS_KB=${peakRssKb()}\n`);
process.exitCode = code;
