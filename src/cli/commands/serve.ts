// `ladder serve`: the service a team runs (issue 13). It holds the database, takes every role from an API token
// (never from the request), serves the CRO's review page and the Chief of Staff's report, receives the monday
// board's webhooks and runs the daily routine. SIGTERM (or SIGINT) stops it gracefully: no new connections,
// in-flight requests finish (each write is one transaction), the routine's leases are released, the file closed.
import type { Command } from 'commander';
import { BadInputError } from '../../engine/errors.js';
import type { CliContext } from '../context.js';
import { wholeFlag } from '../flags.js';
import type { Run } from './events.js';

/** The address to listen on: an IPv4/IPv6 literal or a host name (no scheme, no port). */
function hostFlag(raw: string): string {
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(raw)) throw new BadInputError(`--host: expected an address such as 127.0.0.1, 0.0.0.0 or ::1 (no scheme, no port); got ${JSON.stringify(raw.slice(0, 60))}`, 'host');
  return raw;
}

export async function runServe(ctx: CliContext, o: { port: string; host: string; routine: boolean; behindProxy?: boolean }, signal?: AbortSignal): Promise<void> {
  const port = wholeFlag('--port', o.port, 0, 65_535);
  const host = hostFlag(o.host);
  const ladder = ctx.open('write');
  // --now shifts the server's clock by a fixed offset (a rehearsal of a given day); time still runs.
  const offset = ctx.opts.now === undefined ? 0 : Date.parse(ctx.now) - Date.now();
  const clock = () => Date.now() + offset;
  const secret = ctx.io.env.LADDER_SESSION_SECRET;
  if (secret !== undefined && secret.length < 32) throw new BadInputError('LADDER_SESSION_SECRET: at least 32 characters (it signs the review page\'s session cookies)', 'LADDER_SESSION_SECRET');
  const { buildServer } = await import('../../server/app.js');
  const app = await buildServer({
    ladder, clock, wallClock: Date.now, sessionSecret: secret, env: ctx.io.env, routine: o.routine, behindProxy: Boolean(o.behindProxy),
    logger: ctx.json ? { level: 'info' } : { level: ctx.io.env.LADDER_LOG_LEVEL ?? 'info' },
  });
  try {
    await app.listen({ port, host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    await app.close();
    if (code === 'EADDRINUSE') throw new BadInputError(`--port: ${host}:${port} is already in use (another ladder serve?); choose another with --port`, 'port');
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new BadInputError(`--host: cannot listen on ${host} (${code}): not an address of this machine`, 'host');
    if (code === 'EACCES') throw new BadInputError(`--port: not allowed to listen on port ${port} (below 1024 needs privileges); choose one above 1024`, 'port');
    throw err;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  // One line a script (or a test) can read for the address; the logs are JSON lines on stdout after it.
  ctx.io.err(`ladder serve: listening on ${url} (database ${ladder.path}); stop with Ctrl-C or SIGTERM`);

  await new Promise<void>((done) => {
    const stop = () => { done(); };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  ctx.io.err('ladder serve: stopping: finishing requests in flight, releasing leases');
  await app.close();
  ctx.io.err('ladder serve: stopped');
}

export function registerServeCommand(program: Command, run: Run): void {
  program.command('serve')
    .description('run Ladder for a team: the JSON API (roles from API tokens), the CRO\'s review page, the report, monday webhooks and the daily routine')
    .option('--port <n>', 'TCP port (0: any free port, printed at start)', '8080')
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface; put TLS in front)', '127.0.0.1')
    .option('--behind-proxy', 'a reverse proxy on this host terminates TLS: trust its X-Forwarded-For/-Proto (from loopback only)')
    .option('--no-routine', 'do not run the scheduled sweep and push (another server or cron runs them)')
    .action(function (this: Command) {
      const o = this.opts<{ port: string; host: string; routine: boolean; behindProxy?: boolean }>();
      return run((ctx) => runServe(ctx, o))();
    });
}
