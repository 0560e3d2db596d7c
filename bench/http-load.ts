// The HTTP load (issue 13): `ladder serve` over a bench fleet, driven by keep-alive clients. The server runs in
// this process, in a worker thread of its own (its own event loop, as in `ladder serve`; the clients' event loop
// does not delay it), listening on 127.0.0.1. Two runs:
//   burst: 50 clients, 2 000 requests as fast as they are answered: CRO decisions on accounts at SQL review
//          (read first, then If-Match) and FACTS on prospects (mostly read first with If-Match, some blind; a
//          small shared set of prospects makes clients race). A 409 is allowed only when another client moved
//          the account since it was read (checked by reading it again), and is then retried.
//   paced: 100 requests/s (open loop: latency counted from the scheduled instant), for the p99 ≤ 10 ms goal.
// Before them, a warm-up (not timed) opens every client's connection and runs a few hundred requests.
// Afterwards every touched account is replayed from its log and compared with its stored snapshot, and every
// acknowledged write must be in the log exactly once: errors and lost updates must both be 0.
//   node dist/bench/http-load.js [--db FLEET | --accounts 100000] [--now ISO] [--seed 6] [--requests 2000]
//        [--clients 50] [--rate 100] [--paced-seconds 10]          (LADDER_BENCH_HTTP_ACCOUNTS: fleet size)
// Prints one JSON line (HttpLoadResult) on stdout; exits 1 on an error or a lost update.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { openLadder } from '../src/ladder.js';
import { replayAccount } from '../src/engine/replay.js';
import { rng, type Rng } from '../src/demo/random.js';
import { quantile } from './commands.js';

export type Latencies = { count: number; p50Ms: number; p99Ms: number; maxMs: number; meanMs: number };
export type HttpLoadResult = {
  accounts: number; clients: number; fleetMs: number | null;
  burst: {
    requests: number; operations: { croDecisions: number; facts: number; factsBlind: number }; ms: number; throughputRps: number; writesPerSec: number;
    all: Latencies; reads: Latencies; writes: Latencies;
    /** 409s answered because another client moved the account since it was read; each was retried. */
    conflictsRetried: number;
    errors: number; errorSamples: string[];
  };
  paced: { rate: number; requests: number; ms: number; latency: Latencies; errors: number; errorSamples: string[]; goalP99Ms: number; met: boolean };
  lostUpdates: number; lostSamples: string[]; touchedAccounts: number; writesAcknowledged: number;
};

const GOAL_P99_MS = 10;
/** Prospects every client writes to: enough overlap for real races, few enough that they happen. */
const HOT_PROSPECTS = 20;
const MAX_RETRIES = 20;

// ---- the server (worker thread) --------------------------------------------------------------------

type ServerData = { httpLoadServer: true; db: string; nowMs: number };

async function serverThread(data: ServerData): Promise<void> {
  const { buildServer } = await import('../src/server/app.js');
  // The fleet lives at its own dates: the server's clock starts at the fleet's --now and runs.
  const started = Date.now();
  const clock = () => data.nowMs + (Date.now() - started);
  const ladder = openLadder(data.db, { allowFuture: true });
  const app = await buildServer({ ladder, clock, logger: false, routine: false, rateLimitPerMinute: 10_000_000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  parentPort!.postMessage({ port: (app.server.address() as { port: number }).port });
  parentPort!.on('message', (m) => {
    if (m !== 'close') return;
    void app.close().then(() => { ladder.close(); parentPort!.postMessage('closed'); });
  });
}

function startServer(db: string, nowMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { httpLoadServer: true, db, nowMs } satisfies ServerData });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { port: number }) => {
      resolve({
        port: m.port,
        close: () => new Promise<void>((done) => {
          worker.on('message', (x) => { if (x === 'closed') void worker.terminate().then(() => done()); });
          worker.postMessage('close');
        }),
      });
    });
  });
}

// ---- the clients ------------------------------------------------------------------------------------

type Answer = { status: number; etag: string | undefined; body: Record<string, unknown>; ms: number };

function client(port: number, agent: http.Agent) {
  return (method: 'GET' | 'POST', path: string, token: string, o: { body?: unknown; ifMatch?: string; startedAt?: number } = {}): Promise<Answer> => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    const t0 = o.startedAt ?? performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port, method, path, agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(o.ifMatch ? { 'if-match': o.ifMatch } : {}),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const ms = performance.now() - t0;
          let body: Record<string, unknown> = {};
          try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>; } catch { /* reported by status */ }
          resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, body, ms });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  };
}

function latencies(xs: number[]): Latencies {
  const s = [...xs].sort((a, b) => a - b);
  return { count: s.length, p50Ms: quantile(s, 0.5), p99Ms: quantile(s, 0.99), maxMs: s.at(-1) ?? Number.NaN, meanMs: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length) };
}

type Work = { review: string[]; prospects: string[]; hot: string[] };

/** Accounts the run may touch: SQL review and prospects with no timer due before the run ends (a due timer fires first). */
function pickWork(db: string, nowMs: number, r: Rng): Work {
  const until = new Date(nowMs + 86_400_000).toISOString();
  const conn = new Database(db, { readonly: true });
  try {
    const free = `not exists (select 1 from timers t where t.account = actors.account and t.status = 'pending' and t.due_at <= ?)`;
    const review = conn.prepare(`select account from actors where stage = 'SQL' and substate = 'review' and ${free} order by account`).pluck().all(until) as string[];
    const prospects = conn.prepare(`select account from actors where stage = 'PROSPECT' and ${free} order by account`).pluck().all(until) as string[];
    const shuffle = (xs: string[]) => { for (let i = xs.length - 1; i > 0; i--) { const j = Math.floor(r.next() * (i + 1)); [xs[i], xs[j]] = [xs[j]!, xs[i]!]; } return xs; };
    shuffle(review);
    shuffle(prospects);
    return { review, hot: prospects.slice(0, HOT_PROSPECTS), prospects: prospects.slice(HOT_PROSPECTS) };
  } finally {
    conn.close();
  }
}

type Ack = { account: string; eventId: number; version: number; type: string };

export async function runHttpLoad(o: { db: string; now: string; seed: number; requests: number; clients: number; rate: number; pacedSeconds: number; fleetMs?: number | null }): Promise<HttpLoadResult> {
  const nowMs = Date.parse(o.now);
  const r = rng(o.seed);
  // The users: a CRO and a sales.ops, with tokens made as `ladder user add` makes them.
  const setup = openLadder(o.db, { allowFuture: true });
  const at = new Date(nowMs).toISOString();
  let tokens: { cro: string; ops: string };
  let accounts: number;
  try {
    const meta = { by: 'bench', role: 'sales.ops', now: at, source: 'bench' as const };
    tokens = { cro: setup.engine.addUser({ name: 'bench.cro', role: 'cro' }, meta).token, ops: setup.engine.addUser({ name: 'bench.ops', role: 'sales.ops' }, meta).token };
    accounts = setup.store.sqlite.prepare('select count(*) from actors').pluck().get() as number;
  } finally {
    setup.close();
  }
  const work = pickWork(o.db, nowMs, r);
  const server = await startServer(o.db, nowMs);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.clients });
  const call = client(server.port, agent);
  const acks: Ack[] = [];
  const touched = new Set<string>();
  const errorSamples: string[] = [];
  let errors = 0;
  const error = (what: string) => { errors++; if (errorSamples.length < 10) errorSamples.push(what); };

  // ---- warm-up, not counted: every client's keep-alive connection is opened (a storm of new connections while
  // the server is saturated waits on accept(), which is not what the runs measure), and the server's first
  // requests compile its code paths: reads, and writes on prospects the runs leave alone (checked afterwards) ----
  const spare = work.prospects.splice(-Math.max(100, 2 * o.clients));
  await Promise.all(Array.from({ length: o.clients }, async (_, k) => {
    for (let i = k; i < spare.length; i += o.clients) {
      const account = spare[i]!;
      const read = await call('GET', `/api/accounts/${account}`, tokens.ops);
      const w = await call('POST', `/api/accounts/${account}/events`, tokens.ops, { body: { type: 'FACTS', facts: { employees: 250 } }, ifMatch: read.etag });
      touched.add(account);
      if (read.status !== 200 || w.status !== 200) error(`warm-up ${account}: ${read.status} / ${w.status} ${JSON.stringify(w.body).slice(0, 200)}`);
      else acks.push({ account, eventId: Number(w.body.eventId), version: Number(w.body.version), type: 'FACTS' });
    }
  }));

  // ---- burst ----
  const reads: number[] = [];
  const writes: number[] = [];
  let issued = 0;
  let conflicts = 0;
  const ops = { croDecisions: 0, facts: 0, factsBlind: 0 };
  const get = async (account: string, token: string) => {
    issued++;
    const a = await call('GET', `/api/accounts/${account}`, token);
    reads.push(a.ms);
    if (a.status !== 200 || !a.etag) { error(`GET ${account}: ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`); return null; }
    return a;
  };
  const post = async (account: string, token: string, event: Record<string, unknown>, ifMatch?: string) => {
    issued++;
    const a = await call('POST', `/api/accounts/${account}/events`, token, { body: event, ifMatch });
    writes.push(a.ms);
    return a;
  };
  /** Read, then write with If-Match; a 409 is retried only when the account really moved since it was read. */
  const readThenWrite = async (account: string, token: string, event: Record<string, unknown>) => {
    touched.add(account);
    for (let attempt = 0; attempt <= MAX_RETRIES; attempt++) {
      const read = await get(account, token);
      if (!read) return;
      const w = await post(account, token, event, read.etag);
      if (w.status === 200) { acks.push({ account, eventId: Number(w.body.eventId), version: Number(w.body.version), type: String(event.type) }); return; }
      if (w.status !== 409) { error(`POST ${account} ${String(event.type)} (If-Match ${read.etag}): ${w.status} ${JSON.stringify(w.body).slice(0, 300)}`); return; }
      const again = await get(account, token);
      if (!again) return;
      if (again.etag === read.etag) { error(`POST ${account}: 409 although nobody moved it (still ${read.etag})`); return; }
      conflicts++;
    }
    error(`POST ${account}: still 409 after ${MAX_RETRIES} retries`);
  };
  const blindWrite = async (account: string, token: string, event: Record<string, unknown>) => {
    touched.add(account);
    const w = await post(account, token, event);
    if (w.status === 200) acks.push({ account, eventId: Number(w.body.eventId), version: Number(w.body.version), type: String(event.type) });
    else error(`POST ${account} ${String(event.type)} (no If-Match): ${w.status} ${JSON.stringify(w.body).slice(0, 300)}`);
  };
  let review = 0;
  let prospect = 0;
  const nextOp = (): (() => Promise<void>) | null => {
    if (issued >= o.requests) return null;
    const x = r.next();
    if (x < 0.5 && review < work.review.length) {
      const account = work.review[review++]!;
      ops.croDecisions++;
      const event = r.chance(0.75) ? { type: 'CRO_CONFIRM', note: 'partner motion confirmed' } : { type: 'CRO_DISPUTE', reason: 'S3 evidence is thin; see the dossier' };
      return () => readThenWrite(account, tokens.cro, event);
    }
    const hot = r.chance(0.3) || prospect >= work.prospects.length;
    const account = hot ? r.pick(work.hot) : work.prospects[prospect++]!;
    const event = { type: 'FACTS', facts: { employees: 200 + Math.floor(r.next() * 5000) } };
    if (!hot && r.chance(0.25)) { ops.factsBlind++; return () => blindWrite(account, tokens.ops, event); }
    ops.facts++;
    return () => readThenWrite(account, tokens.ops, event);
  };
  const burstStart = performance.now();
  await Promise.all(Array.from({ length: o.clients }, async () => {
    for (let op = nextOp(); op; op = nextOp()) {
      try { await op(); } catch (err) { error(`network: ${(err as Error).message}`); }
    }
  }));
  const burstMs = performance.now() - burstStart;
  const burstRequests = reads.length + writes.length;
  const burstAcks = acks.length;

  // ---- paced: open loop at o.rate requests/s; half reads, half writes on accounts the burst left alone ----
  const paced: number[] = [];
  const pacedErrors: string[] = [];
  let pacedErrorCount = 0;
  const pacedError = (what: string) => { pacedErrorCount++; if (pacedErrors.length < 10) pacedErrors.push(what); };
  const total = Math.round(o.rate * o.pacedSeconds);
  const interval = 1000 / o.rate;
  const pacedStart = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = pacedStart + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((done) => setTimeout(done, wait));
    const read = i % 2 === 0;
    const account = read ? r.pick(work.hot) : work.review[review] && i % 4 === 1 ? work.review[review++]! : work.prospects[prospect++ % work.prospects.length]!;
    const isCro = !read && work.review.includes(account);
    const event = isCro ? { type: 'CRO_CONFIRM' } : { type: 'FACTS', facts: { employees: 300 + i } };
    if (!read) touched.add(account);
    inFlight.push(call(read ? 'GET' : 'POST', read ? `/api/accounts/${account}` : `/api/accounts/${account}/events`, isCro ? tokens.cro : tokens.ops, { startedAt: due, ...(read ? {} : { body: event }) })
      .then((a) => {
        paced.push(a.ms);
        if (a.status !== 200) pacedError(`${read ? 'GET' : 'POST'} ${account}: ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`);
        else if (!read) acks.push({ account, eventId: Number(a.body.eventId), version: Number(a.body.version), type: String(event.type) });
      }, (err: Error) => { pacedError(`network: ${err.message}`); }));
  }
  await Promise.all(inFlight);
  const pacedMs = performance.now() - pacedStart;
  agent.destroy();
  await server.close();

  // ---- lost updates: every acknowledged write is in the log once, and each touched account replays to its snapshot ----
  const lostSamples: string[] = [];
  let lost = 0;
  const lose = (what: string) => { lost++; if (lostSamples.length < 10) lostSamples.push(what); };
  const check = openLadder(o.db, { mode: 'read', allowFuture: true });
  try {
    const byId = check.store.sqlite.prepare('select account, seq, type from events where id = ?');
    const apiEvents = check.store.sqlite.prepare("select count(*) from events where account = ? and source = 'api'").pluck();
    const version = check.store.sqlite.prepare('select version from actors where account = ?').pluck();
    const perAccount = new Map<string, Ack[]>();
    for (const a of acks) perAccount.set(a.account, [...(perAccount.get(a.account) ?? []), a]);
    for (const a of acks) {
      const row = byId.get(a.eventId) as { account: string; seq: number; type: string } | undefined;
      if (!row || row.account !== a.account || row.seq !== a.version || row.type !== a.type) lose(`acknowledged ${a.type} #${a.eventId} on ${a.account} (v${a.version}) is not in the log as such: ${JSON.stringify(row)}`);
    }
    for (const account of touched) {
      const mine = perAccount.get(account) ?? [];
      const n = Number(apiEvents.get(account));
      if (n !== mine.length) lose(`${account}: ${n} events from the API in the log, ${mine.length} acknowledged`);
      const last = Math.max(0, ...mine.map((a) => a.version));
      if (mine.length && Number(version.get(account)) !== last) lose(`${account}: stored at v${String(version.get(account))}, the last acknowledged write made v${last}`);
      const replay = replayAccount(check.engine, account);
      if (!replay.equal) lose(`${account}: the stored snapshot is not what its log replays to (${replay.differs.join(', ')})`);
    }
  } finally {
    check.close();
  }

  const pacedLatency = latencies(paced);
  return {
    accounts, clients: o.clients, fleetMs: o.fleetMs ?? null,
    burst: {
      requests: burstRequests, operations: ops, ms: burstMs, throughputRps: burstRequests / (burstMs / 1000), writesPerSec: burstAcks / (burstMs / 1000),
      all: latencies([...reads, ...writes]), reads: latencies(reads), writes: latencies(writes), conflictsRetried: conflicts, errors, errorSamples,
    },
    paced: { rate: o.rate, requests: paced.length, ms: pacedMs, latency: pacedLatency, errors: pacedErrorCount, errorSamples: pacedErrors, goalP99Ms: GOAL_P99_MS, met: pacedLatency.p99Ms <= GOAL_P99_MS },
    lostUpdates: lost, lostSamples, touchedAccounts: touched.size, writesAcknowledged: acks.length,
  };
}

/** The hard failures of a run (the p99 goal is reported, not enforced). */
export function httpFailures(x: HttpLoadResult): string[] {
  return [
    ...(x.burst.errors ? [`${x.burst.errors} errors in the burst: ${x.burst.errorSamples.join(' | ')}`] : []),
    ...(x.paced.errors ? [`${x.paced.errors} errors in the paced run: ${x.paced.errorSamples.join(' | ')}`] : []),
    ...(x.lostUpdates ? [`${x.lostUpdates} lost updates: ${x.lostSamples.join(' | ')}`] : []),
  ];
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' }, accounts: { type: 'string' }, now: { type: 'string', default: '2026-06-16T06:00:00.000Z' }, seed: { type: 'string', default: '6' },
      requests: { type: 'string', default: '2000' }, clients: { type: 'string', default: '50' }, rate: { type: 'string', default: '100' }, 'paced-seconds': { type: 'string', default: '10' },
    },
  });
  const now = new Date(Date.parse(values.now)).toISOString();
  const seed = Number(values.seed);
  let db = values.db;
  let dir: string | null = null;
  let fleetMs: number | null = null;
  try {
    if (!db) {
      // A fleet of its own, from the bench's generator (templates lived by the real engine, then stamped).
      const n = Number(values.accounts ?? process.env.LADDER_BENCH_HTTP_ACCOUNTS ?? 100_000);
      const [{ buildTemplates }, { compileAll, generateFleet }] = await Promise.all([import('./templates.js'), import('./generate.js')]);
      dir = mkdtempSync(join(tmpdir(), 'ladder-bench-http-'));
      db = join(dir, `fleet-${n}.db`);
      const t0 = performance.now();
      generateFleet(compileAll(buildTemplates(seed)), { n, due: 0.01, now, seed, path: db });
      fleetMs = performance.now() - t0;
    }
    const result = await runHttpLoad({
      db, now, seed, requests: Number(values.requests), clients: Number(values.clients), rate: Number(values.rate), pacedSeconds: Number(values['paced-seconds']), fleetMs,
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    const failed = httpFailures(result);
    if (failed.length) {
      process.stderr.write(`bench: HTTP load: ${failed.join('\n')}\n`);
      process.exitCode = 1;
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (!isMainThread && (workerData as Partial<ServerData> | null)?.httpLoadServer) await serverThread(workerData as ServerData);
else if (isMainThread && process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main(process.argv.slice(2));
