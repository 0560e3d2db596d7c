// `ladder serve` as an operator runs it (issue 13): the built binary in a child process, with a token made by
// `ladder user add`, its address read from stderr; SIGTERM lets the request in flight finish, then the process
// exits 0 and leaves a consistent database; a bad --port or a port in use exits 2 saying so.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLadder } from '../../src/ladder.js';
import { replayAccount } from '../../src/engine/replay.js';
import { BIN, ensureBuilt, readRows } from '../helpers/cli.js';
import { childEnv, contentHash } from '../helpers/reliability.js';
import { PASSING_FACTS, tempDir } from '../helpers/store.js';

const SCORES3 = { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' } as const;
const OLIVIA = { by: 'olivia', role: 'sales.ops' } as const;

type Served = { child: ChildProcess; port: number; stderr: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> };

function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/** Starts `ladder serve --port 0` and resolves once it printed its address. */
function serve(db: string, cwd: string, extra: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, ...extra], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stdout!.resume(); // the JSON log lines
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => { child.on('exit', (code, signal) => resolve({ code, signal })); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`ladder serve did not print its address in 30 s:\n${err}`)); }, 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]), stderr: () => err, exited }); }
    });
    void exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`ladder serve exited ${code} before listening:\n${err}`)); });
  });
}

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string };
function request(port: number, o: { method?: string; path: string; token?: string; body?: unknown }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    const req = http.request({
      host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path, agent: false,
      headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
    }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ladder serve (the built binary)', () => {
  const t = tempDir('ladder-serve-');
  const db = join(t.dir, 'ladder.db');
  let token = '';
  let opsToken = '';

  beforeAll(async () => {
    ensureBuilt();
    expect((await run(['init', '--db', db], t.dir)).code).toBe(0);
    const add = await run(['--db', db, '--as', 'sales.ops', 'user', 'add', 'marcus', '--role', 'cro'], t.dir);
    expect(add.code, add.stderr).toBe(0);
    // Printed once: one line of the output is the token; only its hash is stored.
    const printed = add.stdout.split('\n').filter((l) => /^ldr_[\w-]{43}$/.test(l.trim()));
    expect(printed).toHaveLength(1);
    token = printed[0]!.trim();
    expect(readRows(db, 'select hash from user_tokens').map((r) => JSON.stringify(r)).join()).not.toContain(token);
    const ops = await run(['--db', db, '--as', 'sales.ops', '--json', 'user', 'add', 'olivia', '--role', 'sales.ops'], t.dir);
    opsToken = (JSON.parse(ops.stdout) as { token: string }).token;
    // An account waiting for the CRO, recorded now (no timer of it is due while the test runs).
    const ladder = openLadder(db);
    try {
      const now = new Date().toISOString();
      ladder.engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OLIVIA, now, source: 'cli' });
      const send = (body: Record<string, unknown>) => ladder.engine.submit({ account: 'acme.com', source: 'cli', now, event: { ...body, at: now, ...OLIVIA } as never });
      send({ type: 'SIGNAL', signal: { id: 'serve-test', code: 'E1', contact: 'jane@acme.com', at: now, interaction: 'comment' } });
      send({ type: 'DOSSIER', scores: SCORES3 });
    } finally {
      ladder.close();
    }
  }, 240_000);
  afterAll(() => { t.cleanup(); });

  it('serves the token made by `ladder user add`, and on SIGTERM finishes the request in flight, then exits 0', async () => {
    const s = await serve(db, t.dir);
    try {
      const me = await request(s.port, { path: '/api/me', token });
      expect(me.status, me.body).toBe(200);
      expect(JSON.parse(me.body)).toMatchObject({ name: 'marcus', role: 'cro', via: 'token' });
      expect((await request(s.port, { path: '/api/me' })).status).toBe(401);
      const read = await request(s.port, { path: '/api/accounts/acme.com', token });
      expect(JSON.parse(read.body)).toMatchObject({ stage: 'SQL', substate: 'review' });

      // The CRO's decision is in flight: its headers are in, half its body is sent, when SIGTERM arrives.
      const body = JSON.stringify({ type: 'CRO_CONFIRM', note: 'strong partner motion; go' });
      const answer = new Promise<Answer>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1', port: s.port, method: 'POST', path: '/api/accounts/acme.com/events', agent: false,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'if-match': read.headers.etag as string },
        }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => { text += d.toString(); });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        });
        req.on('error', reject);
        req.write(body.slice(0, 10));
        void wait(300).then(() => {
          s.child.kill('SIGTERM');
          return wait(500);
        }).then(() => req.end(body.slice(10)));
      });
      const confirmed = await answer;
      // It was in flight when the server began to stop: the answer came after the process said so.
      expect(s.stderr()).toMatch(/stopping: finishing requests in flight/);
      expect(confirmed.status, confirmed.body).toBe(200);
      expect(JSON.parse(confirmed.body)).toMatchObject({ status: 'applied', after: { stage: 'SQL', substate: 'confirmed' } });
      // No new connection is served while it stops.
      await expect(request(s.port, { path: '/api/me', token: opsToken }).then((r) => r.status)).rejects.toThrow();
      const exit = await s.exited;
      expect(exit, s.stderr()).toEqual({ code: 0, signal: null });
      expect(s.stderr()).toMatch(/stopping: finishing requests in flight[\s\S]*stopped/);
    } finally {
      s.child.kill('SIGKILL');
    }
    // The database is whole: integrity, foreign keys, the decision recorded once, and the snapshot its log replays to.
    expect(readRows(db, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(readRows(db, 'pragma foreign_key_check')).toEqual([]);
    expect(readRows(db, "select type, by, role, source from events where account = 'acme.com' and type = 'CRO_CONFIRM'")).toEqual([{ type: 'CRO_CONFIRM', by: 'marcus', role: 'cro', source: 'api' }]);
    const ladder = openLadder(db, { mode: 'read' });
    try {
      expect(replayAccount(ladder.engine, 'acme.com')).toMatchObject({ status: 'equal' });
    } finally {
      ladder.close();
    }
  }, 120_000);

  it('exits 2 naming --port for a port out of range, and writes nothing', async () => {
    const before = contentHash(db, []);
    const r = await run(['serve', '--port', '99999', '--db', db], t.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port/);
    expect(r.stderr).toMatch(/0 to 65535/);
    expect(contentHash(db, [])).toBe(before);
  }, 60_000);

  it('exits 2 with a clear message when the port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await run(['serve', '--port', String(port), '--db', db, '--no-routine'], t.dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`--port: 127.0.0.1:${port} is already in use`);
      expect(r.stderr).toMatch(/choose another with --port/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 60_000);
});
