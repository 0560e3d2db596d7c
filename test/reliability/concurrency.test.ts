// Issue 7.2, concurrency: several processes write the same SQLite file at once.
// - 4 worker processes (node scripts running the built engine in-process: test/helpers/reliability-worker.mjs)
//   issue LADDER_CONCURRENCY_COMMANDS (default 500) commands each on 8 shared accounts: signals, facts,
//   dossiers, CRO decisions, Briefings, disqualifications and sweeps, half with a deliberately stale
//   expectedVersion. No lost update: every account's state is the replay of its accepted events; every refused
//   command was refused with a reason and changed nothing but its refusal record.
// - 4 processes of the built CLI issue LADDER_CONCURRENCY_CLI (default 5) commands each on the same accounts
//   (spawning costs ~0.3 s a command, so the bulk of the load is the engine workers above).
// - WAL, the busy timeout and BEGIN IMMEDIATE are checked directly, and the optimistic path refuses a stale write.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLadderMachine } from '../../machines/ladder.js';
import { DEFAULT_RULES } from '../../machines/rules/config.js';
import { openStore } from '../../src/store/open.js';
import { openLadder } from '../../src/ladder.js';
import { startEmulator } from '../../src/monday/emulator/index.js';
import { parseMondayConfig } from '../../src/monday/config.js';
import {
  CRO, OPS, ROOT, SECRET_TOKEN, T0, at, buildPushFixture, buildSweepFixture, checkInvariants, childEnv, contact, contentHash, ensureBuilt, fastTempDir, importSettings, openEngine, scalar, sig, spawnLadder, staleBuild, writeImportCsv,
} from '../helpers/reliability.js';
import { PASSING_FACTS } from '../helpers/store.js';

const WORKERS = 4;
const COMMANDS = Number(process.env.LADDER_CONCURRENCY_COMMANDS ?? 500);
const CLI_COMMANDS = Number(process.env.LADDER_CONCURRENCY_CLI ?? 5);
const ACCOUNTS = Array.from({ length: 8 }, (_, i) => `shared${i}.example.com`);
const WORKER = join(ROOT, 'test', 'helpers', 'reliability-worker.mjs');
const tmp = fastTempDir('ladder-conc-');
afterAll(() => tmp.cleanup());
beforeAll(() => {
  ensureBuilt();
  expect(staleBuild(), 'sources newer than dist/: run npm run build').toEqual([]);
});

type Result = {
  n: number; kind: 'command' | 'sweep'; account?: string; type?: string; key?: string; now: string; by?: string; expectedVersion?: number;
  outcome?: 'applied' | 'duplicate' | 'refused' | 'bad' | 'error'; eventId?: number; version?: number; why?: string; error?: string; fired?: number;
  skipped?: number; caughtUp?: number;
};

function runNode(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: tmp.dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = ''; let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A database with the shared accounts, all passing their ICP gates, and the test's users in its settings. */
function seeded(name: string): string {
  const path = join(tmp.dir, name);
  importSettings(path);
  const { store, engine } = openEngine(path);
  for (const d of ACCOUNTS) {
    engine.addAccount({ domain: d, name: d, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, at: T0, now: T0, source: 'cli' });
  }
  store.close();
  return path;
}

/** Worker w's n-th CLI command: signals, dossiers, CRO decisions and sweeps on three hot accounts. */
function cliCommand(w: number, n: number): { now: string; args: string[] } {
  const account = ACCOUNTS[(w + n) % 3]!;
  const args = n % 4 === 0 ? ['--as', 'ana', 'signal', account, '--code', 'E1', '--interaction', 'comment', '--contact', contact(w), '--id', `cli-${w}-${n}`]
    : n % 4 === 1 ? ['--as', 'ana', 'dossier', account, '--s1', 'likely', '--s2', 'likely', '--s3', 'confirmed', '--s4', 'not_present']
      : n % 4 === 2 ? ['--as', 'marcus', 'cro', ...(n % 8 === 2 ? ['dispute', account, '--reason', 'weak S3'] : ['confirm', account])]
        : ['--as', 'ana', 'sweep'];
  return { now: at(T0, 0, 1 + n), args };
}

/**
 * Starts `work` while this test holds the database's write lock for `ms` (real time; the children wait on
 * their busy timeout), so that processes started together all get as far as the lock before any of them
 * writes: what each read before taking the lock is then stale for all but the first.
 */
async function underHeldLock<T>(path: string, ms: number, work: () => Promise<T>): Promise<T> {
  const conn = new Database(path);
  conn.exec('BEGIN IMMEDIATE');
  const running = work();
  try { await new Promise((r) => setTimeout(r, ms)); } finally { conn.exec('COMMIT'); conn.close(); }
  return running;
}

/**
 * A refusal names its reason: someone acted first (stale version), someone recorded a later event first (time
 * order: history is never rewritten) or the machine's rules (the stage, a role…).
 */
const TIME_ORDER = /^\S+: this \S+ is dated \S+, before the account's latest event \(#\d+ \S+ at \S+\); events are recorded in time order/;
const reasonOf = (why: string) => (/^stale version for /.test(why) ? 'stale version' : TIME_ORDER.test(why) ? 'time order'
  : /^(cannot |signal for .* ignored|the Briefing for )/.test(why) ? 'machine' : 'unexplained');

describe('four processes writing one database', () => {
  it(`engine workers: ${WORKERS} × ${COMMANDS} commands on ${ACCOUNTS.length} shared accounts; no lost update, every refusal explained and harmless`, async () => {
    const db = seeded('workers.db');
    const startAt = Date.now() + 1500;
    const runs = await Promise.all(Array.from({ length: WORKERS }, (_, w) => runNode([WORKER, db, String(w), String(COMMANDS), '7', T0, ACCOUNTS.join(','), String(startAt)])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const results = runs.flatMap((r) => (JSON.parse(r.stdout) as { results: Result[] }).results);
    const commands = results.filter((r) => r.kind === 'command');
    const sweeps = results.filter((r) => r.kind === 'sweep');

    // Busy waits were absorbed by BEGIN IMMEDIATE + the busy timeout: nothing failed for locking, nothing was malformed.
    expect(results.filter((r) => r.outcome === 'error' || r.outcome === 'bad')).toEqual([]);
    const applied = commands.filter((r) => r.outcome === 'applied');
    const refused = commands.filter((r) => r.outcome === 'refused');
    expect(applied.length + refused.length).toBe(commands.length);

    const conn = new Database(db, { readonly: true });
    try {
      const events = conn.prepare('select id, account, seq, type, idempotency_key k from events').all() as { id: number; account: string; seq: number; type: string; k: string | null }[];
      const byKey = new Map(events.filter((e) => e.k).map((e) => [e.k!, e]));
      // Every accepted command is in the log once, where its process was told it landed.
      for (const a of applied) expect(byKey.get(a.key!), a.key).toMatchObject({ id: a.eventId, account: a.account, seq: a.version, type: a.type });
      // Two processes were never told the same version of one account (no lost update).
      const versions = applied.map((a) => `${a.account}@${a.version}`);
      expect(new Set(versions).size).toBe(versions.length);
      // Every refused command left no event; each left exactly one refusal record with the reason it was given.
      for (const r of refused) expect(byKey.has(r.key!), `${r.key} was refused but is in the log`).toBe(false);
      const recorded = (conn.prepare("select type, why from refusals where source != 'timer' order by id").all() as { type: string; why: string }[]).map((x) => `${x.type}: ${x.why}`).sort();
      expect(recorded).toEqual(refused.map((r) => `${r.type}: ${r.why}`).sort());
      // A timer the machine no longer accepted was closed without an event (cancelled, closed by nothing) and
      // recorded as a refusal of the timer's own event, once: the sweeps' skipped ones among them.
      const timerRefusals = conn.prepare("select type, json_extract(payload, '$.timer') timer from refusals where source = 'timer' order by id").all() as { type: string; timer: number }[];
      const closedUnfired = conn.prepare("select id, event from timers where status = 'cancelled' and closed_by is null order by id").all() as { id: number; event: string }[];
      expect(timerRefusals.map((t) => `${t.timer} ${t.type}`).sort()).toEqual(closedUnfired.map((t) => `${t.id} ${(JSON.parse(t.event) as { type: string }).type}`).sort());
      expect(timerRefusals.length).toBeGreaterThanOrEqual(sweeps.reduce((s, x) => s + (x.skipped ?? 0), 0));
      // Nothing else changed the accounts: each event after ACCOUNT_ADDED is an accepted command or a fired timer.
      const mine = new Set(applied.map((a) => a.key));
      const others = events.filter((e) => e.type !== 'ACCOUNT_ADDED' && !(e.k && (mine.has(e.k) || e.k.startsWith('timer:'))));
      expect(others).toEqual([]);
      // Timers fire from the sweeps and, before an event, from the event's own catch-up (undone with the event
      // when it is refused): every timer event is one or the other.
      const firedBySweeps = sweeps.reduce((s, x) => s + (x.fired ?? 0), 0);
      const caughtUp = applied.reduce((s, x) => s + (x.caughtUp ?? 0), 0);
      const timerEvents = events.filter((e) => e.k?.startsWith('timer:')).length;
      expect(timerEvents).toBe(firedBySweeps + caughtUp);
      expect(timerEvents).toBe(scalar(db, "select count(*) from timers where status = 'fired'"));
      for (const d of ACCOUNTS) expect(scalar(db, 'select version from actors where account = ?', d)).toBe(events.filter((e) => e.account === d).length);

      const reasons: Record<string, number> = {};
      for (const r of refused) reasons[reasonOf(r.why!)] = (reasons[reasonOf(r.why!)] ?? 0) + 1;
      expect(reasons.unexplained ?? 0).toBe(0);
      // The stale reads really raced: some commands were refused as stale, and many moved accounts.
      expect(reasons['stale version'] ?? 0).toBeGreaterThan(0);
      expect(applied.length).toBeGreaterThan(commands.length / 10);
      // eslint-disable-next-line no-console
      console.log(`concurrency (engine workers): ${commands.length + sweeps.length} commands issued by ${WORKERS} processes: ${applied.length} applied, ${refused.length} refused (${Object.entries(reasons).map(([k, v]) => `${v} ${k}`).join(', ')}), ${sweeps.length} sweeps firing ${firedBySweeps} timers, ${timerEvents - firedBySweeps} fired by catch-up, ${timerRefusals.length} timers refused`);
    } finally { conn.close(); }
    expect(await checkInvariants(db)).toEqual([]);
  }, 300_000);

  it(`CLI processes: ${WORKERS} × ${CLI_COMMANDS} commands of the built ladder at once; same guarantees`, async () => {
    const db = seeded('cli.db');
    const per = async (w: number) => {
      const out: { args: string[]; code: number | null; stderr: string }[] = [];
      for (let n = 0; n < CLI_COMMANDS; n++) {
        const { now, args } = cliCommand(w, n);
        const r = await spawnLadder(['--db', db, '--now', now, ...args], { cwd: tmp.dir });
        out.push({ args, code: r.code, stderr: r.stderr });
      }
      return out;
    };
    const all = (await Promise.all(Array.from({ length: WORKERS }, (_, w) => per(w)))).flat();
    // 0 done, 3 refused by the machine (e.g. a dossier on an SQL someone else already reviewed): never 1 (a crash) or 2.
    expect(all.filter((r) => r.code !== 0 && r.code !== 3).map((r) => `${r.args.join(' ')} → ${r.code}: ${r.stderr}`)).toEqual([]);
    const refusedRuns = all.filter((r) => r.code === 3);
    // Refused: by the machine, by a stale read, or because another process recorded a later event first.
    for (const r of refusedRuns) expect(r.stderr).toMatch(/^ladder: (cannot |stale version|signal for |\S+: this \S+ is dated \S+, before the account's latest event)/m);
    expect(scalar(db, "select count(*) from refusals where source != 'timer'")).toBe(refusedRuns.length);
    expect(await checkInvariants(db)).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(`concurrency (CLI): ${all.length} commands by ${WORKERS} processes: ${all.filter((r) => r.code === 0).length} done, ${refusedRuns.length} refused (exit 3)`);
  }, 300_000);

  it('four sweeps at once (an overlapping cron): every due timer fires exactly once and stays recorded as fired', async () => {
    // Found by the engine-worker run above in a CI rehearsal: a sweep read its due rows before waiting for the
    // write lock; meanwhile another sweep fired them, and the late sweep, refused by the machine, relabelled
    // those fired timers "cancelled". The due rows are now read inside the batch's IMMEDIATE transaction.
    const db = join(tmp.dir, 'sweeps.db');
    const { sweepAt } = buildSweepFixture(db, 300, 7);
    importSettings(db);
    const due = scalar(db, "select count(*) from timers where status = 'pending' and due_at <= ?", sweepAt);
    const runs = await underHeldLock(db, 3000, () => Promise.all(Array.from({ length: WORKERS }, () => spawnLadder(['--db', db, '--now', sweepAt, '--as', 'ana', '--json', 'sweep', '--batch', '20'], { cwd: tmp.dir }))));
    expect(runs.map((r) => r.code), runs.map((r) => r.stderr).join('\n')).toEqual(runs.map(() => 0));
    const fired = runs.reduce((n, r) => n + (JSON.parse(r.stdout) as { fired: number }).fired, 0);
    // Between them they fired every timer (the first timers' transitions arm and fire later ones too).
    expect(fired).toBe(scalar(db, "select count(*) from timers where status = 'fired'"));
    expect(fired).toBeGreaterThanOrEqual(due);
    expect(scalar(db, "select count(*) from timers t join events e on e.idempotency_key = 'timer:' || t.id where t.status != 'fired'")).toBe(0);
    expect(await checkInvariants(db, { now: sweepAt })).toEqual([]);
  }, 300_000);

  it('imports of overlapping files at once: each domain is created once, by one of them, and every row lands in one bucket', async () => {
    // The rows of a chunk are sorted (unique / duplicate / rejected) inside the chunk's IMMEDIATE transaction:
    // sorted before it, two imports both judged a domain unique and the second failed on the UNIQUE constraint.
    const db = join(tmp.dir, 'imports.db');
    const init = await spawnLadder(['--db', db, 'init'], { cwd: tmp.dir });
    expect(init.code, init.stderr).toBe(0);
    importSettings(db);
    const files = Array.from({ length: WORKERS }, (_, w) => {
      const f = join(tmp.dir, `overlap-${w}.csv`);
      writeImportCsv(f, 3000, 100 + w); // the same imp<i>.example.com domains, in other rows, with other data
      return f;
    });
    const runs = await underHeldLock(db, 3000, () => Promise.all(files.map((f) => spawnLadder(['--db', db, '--now', T0, '--as', 'ana', '--json', 'import', f], { cwd: tmp.dir }))));
    expect(runs.map((r) => r.code), runs.map((r) => r.stderr.slice(0, 500)).join('\n')).toEqual(runs.map(() => 0));
    const counts = runs.map((r) => (JSON.parse(r.stdout) as { counts: { total: number; unique: number; tierReject: number; duplicates: number; rejected: number; alreadyImported: number; refused: number } }).counts);
    // Every import runs at the same --now: nothing is refused (an enrichment is never dated before what it enriches).
    for (const c of counts) expect(c.refused).toBe(0);
    for (const c of counts) expect(c.unique + c.tierReject + c.duplicates + c.rejected + c.alreadyImported).toBe(c.total);
    // Tier Reject rows are created too (archived at intake, never on the board).
    expect(counts.reduce((n, c) => n + c.tierReject, 0)).toBeGreaterThan(0);
    const created = counts.reduce((n, c) => n + c.unique + c.tierReject, 0);
    expect(scalar(db, 'select count(*) from accounts')).toBe(created);
    expect(scalar(db, "select count(*) from events where type = 'ACCOUNT_ADDED'")).toBe(created);
    expect(await checkInvariants(db)).toEqual([]);
  }, 300_000);

  it('pushes to monday at once (a cron push beside commands that push after themselves): one item per account, every comment once', async () => {
    const db = join(tmp.dir, 'pushes.db');
    const emu = await startEmulator({ port: 0, tokens: [SECRET_TOKEN] });
    try {
      const monday = { endpoint: emu.url, batch: { itemsPerRequest: 8, mutationsPerRequest: 12, lookupValuesPerRequest: 40 } };
      const cfg = parseMondayConfig(monday);
      const p = buildPushFixture(db, 60, cfg);
      importSettings(db, { monday });
      const env = childEnv({ MONDAY_API_TOKEN: SECRET_TOKEN });
      const runs = await Promise.all(Array.from({ length: WORKERS }, () => spawnLadder(['--db', db, '--now', T0, 'monday', 'push'], { cwd: tmp.dir, env })));
      expect(runs.map((r) => r.code), runs.map((r) => r.stderr.slice(0, 500)).join('\n')).toEqual(runs.map(() => 0));
      // Whatever a push left to a later one (it met another push at work) the next push delivers.
      const last = await spawnLadder(['--db', db, '--now', T0, 'monday', 'push'], { cwd: tmp.dir, env });
      expect(last.code, last.stderr).toBe(0);
      expect(emu.state.items(cfg.boardId).length).toBe(p.accounts);
      expect(await checkInvariants(db, { monday: cfg, emulator: { emu, cfg, token: SECRET_TOKEN } })).toEqual([]);
    } finally { await emu.close(); }
  }, 300_000);

  it('CLI processes with monday.pushAfterCommands: every command pushes after itself, the pushes take turns, the board ends equal to the machine', async () => {
    const emu = await startEmulator({ port: 0, tokens: [SECRET_TOKEN] });
    try {
      const monday = { endpoint: emu.url, pushAfterCommands: true };
      const cfg = parseMondayConfig(monday);
      const db = join(tmp.dir, 'push-after.db');
      importSettings(db, { monday });
      const { store, engine } = openEngine(db);
      for (const d of ACCOUNTS) engine.addAccount({ domain: d, name: d, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, at: T0, now: T0, source: 'cli' });
      store.close();
      const env = childEnv({ MONDAY_API_TOKEN: SECRET_TOKEN });
      const per = async (w: number) => {
        const out: { args: string[]; code: number | null; stderr: string }[] = [];
        for (let n = 0; n < CLI_COMMANDS; n++) {
          const { now, args } = cliCommand(w, n);
          const r = await spawnLadder(['--db', db, '--now', now, ...args], { cwd: tmp.dir, env });
          out.push({ args, code: r.code, stderr: r.stderr });
        }
        return out;
      };
      const all = (await Promise.all(Array.from({ length: WORKERS }, (_, w) => per(w)))).flat();
      expect(all.filter((r) => r.code !== 0 && r.code !== 3).map((r) => `${r.args.join(' ')} → ${r.code}: ${r.stderr}`)).toEqual([]);
      // Each command's push waited its turn (5 s at most): one that waited longer says so, and why; its change
      // stays queued for the next push. Nothing else may stop a push.
      const gaveUp = all.filter((r) => r.stderr.includes('board was not updated'));
      expect(gaveUp.filter((r) => !r.stderr.includes('another push is delivering the outbox')).map((r) => r.stderr)).toEqual([]);
      if (gaveUp.length) {
        const last = await spawnLadder(['--db', db, '--now', T0, 'monday', 'push'], { cwd: tmp.dir, env });
        expect(last.code, last.stderr).toBe(0);
      }
      expect(scalar(db, "select (select count(*) from monday_items where item_id is null or pushed_version < desired_version) + (select count(*) from monday_comments where status != 'posted') + (select count(*) from leases)")).toBe(0);
      expect(emu.state.items(cfg.boardId).length).toBe(ACCOUNTS.length);
      expect(await checkInvariants(db, { monday: cfg, emulator: { emu, cfg, token: SECRET_TOKEN } })).toEqual([]);
    } finally { await emu.close(); }
  }, 300_000);

  it('five processes opening a new database at the same instant all get it migrated', async () => {
    const opener = join(tmp.dir, 'open.mjs');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(opener, `import { openStore } from ${JSON.stringify(join(ROOT, 'dist/src/store/open.js'))};
const at = Number(process.argv[3]); while (Date.now() < at) {}
try { const s = openStore(process.argv[2], { mode: 'create' }); s.close(); } catch (e) { process.stderr.write(e.stack.split('\\n').slice(0, 8).join(' | ')); process.exit(1); }`);
    const failures: string[] = [];
    for (let round = 0; round < 8; round++) {
      const path = join(tmp.dir, `fresh-${round}.db`);
      const startAt = Date.now() + 800;
      const runs = await Promise.all(Array.from({ length: 5 }, () => runNode([opener, path, String(startAt)])));
      failures.push(...runs.filter((r) => r.code !== 0).map((r) => `round ${round}: ${r.stderr.slice(0, 1500)}`));
      expect(scalar(path, "select count(*) from sqlite_master where name = 'accounts'")).toBe(1);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe('the locking the guarantees rest on', () => {
  it('runs SQLite in WAL mode with a 10 s busy timeout', () => {
    const store = openStore(join(tmp.dir, 'pragmas.db'), { mode: 'create' });
    try {
      expect(store.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.sqlite.pragma('busy_timeout', { simple: true })).toBe(10_000);
    } finally { store.close(); }
  });

  /** A child process that takes the write lock (BEGIN IMMEDIATE), says so, holds it `ms`, then commits. */
  function lockHolder(db: string, ms: number): Promise<{ released: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const script = `const D = require(${JSON.stringify(join(ROOT, 'node_modules/better-sqlite3'))}); const db = new D(process.argv[1]);
db.exec('BEGIN IMMEDIATE'); process.stdout.write('locked\\n'); setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});`;
      const child = spawn(process.execPath, ['-e', script, db], { stdio: ['ignore', 'pipe', 'inherit'] });
      const released = new Promise<void>((done) => child.on('close', () => done()));
      child.stdout.setEncoding('utf8').on('data', (s: string) => { if (s.includes('locked')) resolve({ released }); });
      child.on('error', reject);
    });
  }

  it('a command waits for another process\'s write transaction (busy timeout) instead of failing', async () => {
    const db = seeded('busy.db');
    const { store, engine } = openEngine(db);
    try {
      const lock = await lockHolder(db, 600);
      const t = Date.now();
      const a = engine.submit({ account: ACCOUNTS[0]!, source: 'cli', now: T0, event: { ...sig('b1', 'E1', contact('jane'), T0), at: T0, ...OPS } });
      expect(Date.now() - t).toBeGreaterThanOrEqual(300); // it queued behind the lock…
      expect(a.status).toBe('applied'); // …and then went through
      await lock.released;
    } finally { store.close(); }
  });

  it('takes the write lock before reading (BEGIN IMMEDIATE): under another writer the machine is not even asked, nothing is written', async () => {
    const db = seeded('immediate.db');
    const prep = openEngine(db);
    const account = ACCOUNTS[0]!;
    prep.engine.submit({ account, source: 'cli', now: T0, event: { ...sig('i1', 'E1', contact('jane'), T0), at: T0, ...OPS } });
    prep.engine.submit({ account, source: 'cli', now: T0, event: { type: 'DOSSIER', at: T0, ...OPS, scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'LIKELY', S4: 'NOT_PRESENT' } } });
    prep.store.close();
    // The same machine with its isCro guard counted: a deferred transaction would read the actor and run the
    // machine (reads go through in WAL) before failing on its first write.
    const base = createLadderMachine(DEFAULT_RULES);
    const guards = base.implementations.guards as Record<string, (...a: unknown[]) => boolean>;
    const calls = { n: 0 };
    const counted = base.provide({ guards: { isCro: (...a: unknown[]) => { calls.n++; return guards.isCro!(...a); } } } as never) as typeof base;
    const { store, engine } = openLadder(db, { mode: 'write', machineFor: () => counted, busyTimeoutMs: 50 });
    try {
      const before = contentHash(db, []);
      const lock = await lockHolder(db, 1000);
      let error: unknown;
      try { engine.submit({ account, source: 'cli', now: T0, event: { type: 'CRO_CONFIRM', at: T0, ...CRO } }); } catch (err) { error = err; }
      expect((error as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
      expect(calls.n).toBe(0);
      await lock.released;
      expect(contentHash(db, [])).toBe(before);
      // Once the other writer is done, the same command is decided (by the counted guard) and applied.
      expect(engine.submit({ account, source: 'cli', now: T0, event: { type: 'CRO_CONFIRM', at: T0, ...CRO } }).after).toEqual({ stage: 'SQL', substate: 'confirmed' });
      expect(calls.n).toBeGreaterThan(0);
    } finally { store.close(); }
  });

  it('refuses a stale write on the optimistic path (expectedVersion) and changes nothing but the refusal record', () => {
    const db = seeded('optimistic.db');
    const { store, engine } = openEngine(db);
    try {
      const account = ACCOUNTS[1]!;
      const read = engine.load(account)!.version;
      engine.submit({ account, source: 'cli', now: T0, event: { ...sig('o1', 'E1', contact('jane'), T0), at: T0, ...OPS }, expectedVersion: read });
      const before = contentHash(store.sqlite);
      const refusals = scalar(db, 'select count(*) from refusals');
      // A second writer that read the same version acts on what it saw: refused.
      expect(() => engine.submit({ account, source: 'cli', now: T0, event: { type: 'DOSSIER', at: T0, ...OPS, scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'LIKELY', S4: 'LIKELY' } }, expectedVersion: read }))
        .toThrow(new RegExp(`stale version for ${account.replace(/\./g, '\\.')}: expected ${read}, it is at ${read + 1}`));
      expect(contentHash(store.sqlite)).toBe(before);
      expect(scalar(db, 'select count(*) from refusals')).toBe(refusals + 1);
      // With the version it reads now, the same write goes through.
      const a = engine.submit({ account, source: 'cli', now: T0, event: { type: 'DOSSIER', at: T0, ...OPS, scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'LIKELY', S4: 'LIKELY' } }, expectedVersion: read + 1 });
      expect(a).toMatchObject({ status: 'applied', version: read + 2 });
    } finally { store.close(); }
  });
});
