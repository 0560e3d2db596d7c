// The JSON API's guarantees (issue 13), each a reproduction that fails when the guarantee breaks: who calls comes
// from the token alone (401 without one, 403 naming the roles that may, recorded as a refusal), a body cannot
// claim an identity, a stale If-Match changes nothing, a retried Idempotency-Key records one event, the intake
// doors answer like the CLI's, the operator's endpoints count what the database holds, a rate limit answers 429,
// and no error body ever carries a stack trace or a file path.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE, sessionValue } from '../../src/server/app.js';
import { contentHash } from '../helpers/reliability.js';
import { PASSING_FACTS } from '../helpers/store.js';
import { bearer, OPS, serverHarness, type ServerHarness } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'intake');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const SCORES3 = { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' } as const;
const DAY = 86_400_000;

/** Every error answer of this file, to check at the end that none leaks a stack trace or a path. */
const errorBodies: { what: string; status: number; body: string }[] = [];

async function call(h: ServerHarness, o: InjectOptions): Promise<LightMyRequestResponse> {
  const res = await h.app.inject(o);
  if (res.statusCode >= 400) errorBodies.push({ what: `${o.method ?? 'GET'} ${String(o.url)}`, status: res.statusCode, body: res.body });
  return res;
}
const post = (h: ServerHarness, url: string, token: string, payload: unknown, headers: Record<string, string> = {}) =>
  call(h, { method: 'POST', url, headers: { ...bearer(token), ...headers }, payload: payload as InjectOptions['payload'] });
const get = (h: ServerHarness, url: string, token?: string) => call(h, { url, headers: token ? bearer(token) : {} });

const count = (h: ServerHarness, sql: string, ...args: unknown[]) => Number(h.ladder.store.sqlite.prepare(sql).pluck().get(...args));
/** Everything the database holds, refusals included: "nothing written" means this does not change. */
const everything = (h: ServerHarness) => contentHash(h.ladder.store.sqlite, []);
/** Everything but the refusal records (which exist to record what was refused). */
const ledger = (h: ServerHarness) => contentHash(h.ladder.store.sqlite, ['refusals']);

/** Accounts set up through the engine at the harness clock, as the CLI would (the door under test is HTTP). */
function seed(h: ServerHarness, domain: string, upTo: 'PROSPECT' | 'MQL' | 'SQL.review') {
  const engine = h.ladder.engine;
  const now = new Date(h.clock.now).toISOString();
  engine.addAccount({ domain, name: domain, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, now, source: 'cli' });
  const send = (body: Record<string, unknown>) => engine.submit({ account: domain, source: 'cli', now, event: { ...body, at: now, ...OPS } as never });
  if (upTo === 'PROSPECT') return;
  send({ type: 'SIGNAL', signal: { id: `seed:${domain}`, code: 'E1', contact: `jane@${domain}`, at: now, interaction: 'comment' } });
  if (upTo === 'MQL') return;
  send({ type: 'DOSSIER', scores: SCORES3 });
}

/** The routes the server has (from Fastify's own route tree), so a route added later is checked too. */
function routesOf(h: ServerHarness): { method: string; url: string }[] {
  const out: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of h.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)(?:├── |└── )(\S+) \(([^)]+)\)/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const url = stack.join('');
    for (const method of m[3]!.split(', ')) if (method !== 'HEAD') out.push({ method, url });
  }
  return out;
}

describe('ladder serve: who calls comes from the token', () => {
  let h: ServerHarness;
  beforeAll(async () => {
    h = await serverHarness();
    seed(h, 'acme.com', 'SQL.review');
  });
  afterAll(async () => { await h.close(); });

  it('lists the API routes it checks below (the route tree parses)', () => {
    const api = routesOf(h).filter((r) => r.url.startsWith('/api/'));
    expect(api).toEqual(expect.arrayContaining([
      { method: 'GET', url: '/api/me' }, { method: 'POST', url: '/api/accounts/:account/events' }, { method: 'POST', url: '/api/imports' },
    ]));
    expect(api.length).toBeGreaterThanOrEqual(10);
  });

  it('answers 401 with WWW-Authenticate on every /api route (and the pages) without a token, whatever the body', async () => {
    const before = everything(h);
    const routes = routesOf(h).filter((r) => r.url.startsWith('/api/') || r.url === '/report' || r.url === '/diagram.svg');
    for (const r of routes) {
      const url = r.url.replace(':account', 'acme.com');
      const bodies: InjectOptions[] = r.method === 'GET' ? [{}] : [
        { payload: { type: 'CRO_CONFIRM' } },
        { payload: '{not json', headers: { 'content-type': 'application/json' } },
        // An unauthenticated caller is answered before its body is read: never 413 or 400 for it.
        { payload: `[${'"x",'.repeat(600_000)}"x"]`, headers: { 'content-type': 'application/json' } },
      ];
      for (const extra of bodies) {
        for (const auth of [undefined, 'Bearer ldr_not-a-token', 'Basic b2xpdmlhOnB3', 'Bearer ']) {
          const res = await call(h, { method: r.method as 'GET', url, ...extra, headers: { ...(extra.headers ?? {}), ...(auth ? { authorization: auth } : {}) } });
          expect(res.statusCode, `${r.method} ${url} (${auth ?? 'no token'})`).toBe(401);
          expect(res.headers['www-authenticate']).toBe('Bearer realm="ladder"');
          expect(res.json().error).toMatchObject({ kind: 'Unauthenticated', message: expect.stringContaining('Authorization: Bearer') });
        }
      }
    }
    expect(everything(h)).toBe(before);
  });

  it('refuses a revoked token, and the session it opened, with 401', async () => {
    const token = h.ladder.engine.addUser({ name: 'rita', role: 'cro' }, { ...OPS, now: new Date(h.clock.now).toISOString(), source: 'cli' }).token;
    const tokenId = h.ladder.engine.userByToken(token)!.tokenId;
    const cookie = `${SESSION_COOKIE}=${h.app.signCookie(sessionValue('rita', tokenId, h.clock.now))}`;
    expect((await get(h, '/api/me', token)).json()).toMatchObject({ name: 'rita', role: 'cro', via: 'token' });
    expect((await call(h, { url: '/api/me', headers: { cookie } })).json()).toMatchObject({ name: 'rita', via: 'session' });
    h.ladder.engine.revokeUser('rita', { ...OPS, now: new Date(h.clock.now).toISOString(), source: 'cli' });
    for (const headers of [bearer(token), { cookie }]) {
      const res = await call(h, { url: '/api/accounts/acme.com', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="ladder"');
    }
  });

  it('answers a sales.ops CRO_CONFIRM with 403 naming the roles that may, recorded as a refusal by olivia (sales.ops)', async () => {
    const events = count(h, 'select count(*) from events');
    const refusals = count(h, 'select count(*) from refusals');
    const ledgerBefore = ledger(h);
    const res = await post(h, '/api/accounts/acme.com/events', h.tokens.ops, { type: 'CRO_CONFIRM', note: 'looks good' });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error).toMatchObject({ kind: 'Refused:role', mayBeDoneBy: ['cro'] });
    expect(res.json().error.message).toMatch(/CRO/);
    expect(count(h, 'select count(*) from events')).toBe(events);
    expect(count(h, 'select count(*) from refusals')).toBe(refusals + 1);
    const rec = h.ladder.store.sqlite.prepare('select * from refusals order by id desc limit 1').get() as Record<string, unknown>;
    expect(rec).toMatchObject({ account: 'acme.com', type: 'CRO_CONFIRM', by: 'olivia', role: 'sales.ops', source: 'api' });
    expect(ledger(h)).toBe(ledgerBefore);
  });

  it.each([
    ['by', { type: 'FACTS', facts: { employees: 900 }, by: 'marcus' }],
    ['role', { type: 'CRO_CONFIRM', role: 'cro' }],
    ['by', { type: 'CRO_CONFIRM', by: 'marcus', role: 'cro' }],
  ])('answers 400 naming "%s" when the body claims an identity, and writes nothing', async (field, body) => {
    const before = everything(h);
    for (const token of [h.tokens.ops, h.tokens.cro]) {
      const res = await post(h, '/api/accounts/acme.com/events', token, body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({ field, message: expect.stringContaining(`${field}: not accepted over HTTP`) });
    }
    const add = await post(h, '/api/accounts', h.tokens.ops, { domain: 'claims.com', name: 'C', hq: 'Oslo', tier: 'Tier 2', icpScore: 50, [field]: 'cro' });
    expect(add.statusCode).toBe(400);
    expect(add.json().error.field).toBe(field);
    expect(everything(h)).toBe(before);
  });

  it('answers a stale If-Match (or expectedVersion) with 409 and writes no event', async () => {
    seed(h, 'stale.com', 'MQL');
    const read = await get(h, '/api/accounts/stale.com', h.tokens.ops);
    expect(read.headers.etag).toBe('"v2"');
    const ok = await post(h, '/api/accounts/stale.com/events', h.tokens.ops, { type: 'FACTS', facts: { employees: 1300 } }, { 'if-match': read.headers.etag as string });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers.etag).toBe('"v3"');
    const ledgerBefore = ledger(h);
    const stales: { headers: Record<string, string>; body: Record<string, unknown> }[] = [
      { headers: { 'if-match': '"v2"' }, body: {} }, { headers: {}, body: { expectedVersion: 2 } }, { headers: { 'if-match': 'W/"v1"' }, body: {} },
    ];
    for (const stale of stales) {
      const res = await post(h, '/api/accounts/stale.com/events', h.tokens.ops, { type: 'FACTS', facts: { employees: 1400 }, ...stale.body }, stale.headers);
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().error.kind).toBe('Refused:stale');
    }
    expect(ledger(h)).toBe(ledgerBefore);
    expect(count(h, "select count(*) from refusals where account = 'stale.com' and why like 'stale version%'")).toBe(3);
  });

  it('applies an If-Match that matches what the client read even when a timer fell due since (no 409 loop)', async () => {
    seed(h, 'slow.com', 'SQL.review');
    const clockBefore = h.clock.now;
    h.clock.now += 3 * DAY; // the CRO review SLA (1 business day) has fallen due; no sweep has run
    try {
      const read = await get(h, '/api/accounts/slow.com', h.tokens.cro);
      expect(read.json().timers.some((t: { overdue: boolean }) => t.overdue)).toBe(true);
      const res = await post(h, '/api/accounts/slow.com/events', h.tokens.cro, { type: 'CRO_CONFIRM' }, { 'if-match': read.headers.etag as string });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status: 'applied', after: { stage: 'SQL', substate: 'confirmed' }, caughtUp: [expect.objectContaining({ timerId: expect.stringContaining('REVIEW_SLA') })] });
    } finally {
      h.clock.now = clockBefore;
    }
  });

  it('records one event for a POST retried with the same Idempotency-Key', async () => {
    seed(h, 'retry.com', 'PROSPECT');
    const events = count(h, "select count(*) from events where account = 'retry.com'");
    const send = () => post(h, '/api/accounts/retry.com/events', h.tokens.ops, { type: 'FACTS', facts: { employees: 2000 } }, { 'idempotency-key': 'facts-2000-retry' });
    const first = await send();
    const again = await send();
    const third = await send();
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().status).toBe('applied');
    for (const r of [again, third]) {
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ status: 'duplicate', eventId: first.json().eventId });
    }
    expect(count(h, "select count(*) from events where account = 'retry.com'")).toBe(events + 1);
    // The key is the caller's: another user's identical key is another request.
    const add = (token: string) => post(h, '/api/accounts', token, { domain: 'idem.com', name: 'Idem', hq: 'Oslo', tier: 'Tier 2', icpScore: 60 }, { 'idempotency-key': 'add-idem' });
    expect((await add(h.tokens.ops)).statusCode).toBe(201);
    expect((await add(h.tokens.ops)).json().status).toBe('duplicate');
    expect(count(h, "select count(*) from accounts where domain = 'idem.com'")).toBe(1);
  });

  it('refuses an Idempotency-Key reused for another request (422), instead of answering with the first one\'s result', async () => {
    seed(h, 'gamma.com', 'SQL.review');
    seed(h, 'delta.com', 'SQL.review');
    const flag = await post(h, '/api/accounts/gamma.com/events', h.tokens.cro, { type: 'CRO_FLAG' }, { 'idempotency-key': 'k1' });
    expect(flag.statusCode, flag.body).toBe(200);
    const before = ledger(h);
    const confirm = await post(h, '/api/accounts/delta.com/events', h.tokens.cro, { type: 'CRO_CONFIRM' }, { 'idempotency-key': 'k1' });
    expect(confirm.statusCode, confirm.body).toBe(422);
    expect(confirm.json().error).toMatchObject({ kind: 'IdempotencyKeyReused', message: expect.stringContaining('was used for another request') });
    expect(ledger(h)).toBe(before);
    // The same request again (fields in another order) is a retry: the first result.
    const retry = await post(h, '/api/accounts/gamma.com/events', h.tokens.cro, { type: 'CRO_FLAG' }, { 'idempotency-key': 'k1' });
    expect(retry.json()).toMatchObject({ status: 'duplicate', eventId: flag.json().eventId });
  });

  it('dates every event by the server\'s clock: an `at` in the body is refused (a confirm dated back would hide a review SLA breach)', async () => {
    seed(h, 'backdate.com', 'SQL.review');
    h.clock.now += 5 * DAY; // the review SLA (1 business day) has passed
    const before = ledger(h);
    const res = await post(h, '/api/accounts/backdate.com/events', h.tokens.cro, { type: 'CRO_CONFIRM', at: new Date(h.clock.now - 5 * DAY + 3_600_000).toISOString() });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ field: 'at', message: expect.stringMatching(/^at: not accepted over HTTP: an event is dated by the server's clock/) });
    expect(ledger(h)).toBe(before);
    const ok = await post(h, '/api/accounts/backdate.com/events', h.tokens.cro, { type: 'CRO_CONFIRM' });
    expect(ok.statusCode, ok.body).toBe(200);
    const ctx = h.ladder.engine.load('backdate.com')!.snapshot.context as { slaBreaches: { kind: string }[] };
    expect(ctx.slaBreaches.map((b) => b.kind)).toContain('review');
  });

  it('takes the review page\'s session for reads only: a write through the API needs the token itself (401)', async () => {
    const tokenId = h.ladder.engine.userByToken(h.tokens.ops)!.tokenId;
    const signed = h.app.signCookie(sessionValue('olivia', tokenId, h.clock.now));
    const cookie = `${SESSION_COOKIE}=${encodeURIComponent(signed)}`;
    expect((await call(h, { url: '/api/me', headers: { cookie } })).statusCode).toBe(200);
    const before = everything(h);
    for (const [url, type] of [['/api/sweep', 'application/x-www-form-urlencoded'], ['/api/accounts/acme.com/events', 'application/json']] as const) {
      const res = await call(h, { method: 'POST', url, headers: { cookie, 'content-type': type, 'content-length': '0' } });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(401);
    }
    expect(everything(h)).toBe(before);
  });

  it.each([
    ['/api/accounts/acme.com/history?refusals=1&refusals=0', 'refusals'],
    ['/api/report?week=2026-W14&week=2026-W15', 'week'],
    ['/report?week=2026-W14&week=2026-W15', 'week'],
    ['/api/accounts?limit=1&limit=2', 'limit'],
    ['/api/report?weeks=2026-W14', 'query'],
  ])('answers a repeated or unknown query parameter with 400 naming it: %s', async (url, field) => {
    const res = await get(h, url, h.tokens.ops);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.field).toBe(field);
  });

  it.each([
    ['GET', '/api/accounts/nobody.example.com'],
    ['GET', '/api/accounts/nobody.example.com/history'],
    ['POST', '/api/accounts/nobody.example.com/events'],
  ])('answers 404 for an unknown account: %s %s', async (method, url) => {
    const before = ledger(h);
    const res = await call(h, { method: method as 'GET', url, headers: bearer(h.tokens.ops), ...(method === 'POST' ? { payload: { type: 'FACTS', facts: {} } } : {}) });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json().error).toMatchObject({ kind: 'NotFound', field: 'account', message: expect.stringContaining('nobody.example.com') });
    expect(ledger(h)).toBe(before);
  });

  it('lets chief.staff read the report (page and JSON) but answers its POST events with 403', async () => {
    const page = await get(h, '/report', h.tokens.chief);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(h.dir); // the database file's name, never where it is on the server
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const json = await get(h, '/api/report', h.tokens.chief);
    expect(json.statusCode, json.body).toBe(200);
    const before = ledger(h);
    const res = await post(h, '/api/accounts/acme.com/events', h.tokens.chief, { type: 'FACTS', facts: { employees: 10 } });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error).toMatchObject({ kind: 'Refused:role', mayBeDoneBy: ['sales.ops', 'cro'] });
    expect(ledger(h)).toBe(before);
    expect(h.ladder.store.sqlite.prepare('select by, role from refusals order by id desc limit 1').get()).toEqual({ by: 'sam', role: 'chief.staff' });
    for (const url of ['/api/sweep', '/api/imports', '/api/notes']) {
      const r = await post(h, url, h.tokens.chief, {});
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error.mayBeDoneBy).not.toContain('chief.staff');
    }
  });

  it('answers write routes with 415 for a body that is not JSON (a form post cannot act for a user)', async () => {
    const before = everything(h);
    for (const [type, payload] of [['application/x-www-form-urlencoded', 'type=FACTS'], ['text/plain', '{"type":"FACTS"}'], ['text/csv', 'type\nFACTS'], ['text/markdown', '# FACTS']]) {
      const res = await post(h, '/api/accounts/acme.com/events', h.tokens.ops, payload, { 'content-type': type! });
      expect(res.statusCode, `${type}: ${res.body}`).toBe(415);
      expect(res.json().error.message).toMatch(/application\/json/);
    }
    expect(everything(h)).toBe(before);
  });
});

describe('ladder serve: notes and imports', () => {
  let h: ServerHarness;
  beforeAll(async () => {
    h = await serverHarness();
    // The SOP's example note was captured on 2026-04-17.
    h.clock.now = Date.parse('2026-04-20T09:00:00.000Z');
    seed(h, 'acmecloud.com', 'PROSPECT');
  });
  afterAll(async () => { await h.close(); });

  it('accepts a signal note as text/markdown and records its SIGNAL', async () => {
    const res = await post(h, '/api/notes', h.tokens.cmo, fixture('notes/sop-example.md'), { 'content-type': 'text/markdown' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'accepted', account: 'acmecloud.com', code: 'E3' });
    const ev = h.ladder.store.sqlite.prepare("select type, by, role, source from events where account = 'acmecloud.com' order by seq desc limit 1").get();
    expect(ev).toEqual({ type: 'SIGNAL', by: 'carla', role: 'cmo', source: 'intake' });
    const again = await post(h, '/api/notes', h.tokens.cmo, fixture('notes/sop-example.md'), { 'content-type': 'text/markdown' });
    expect(again.statusCode).toBe(200);
    expect(again.json().status).toBe('duplicate');
  });

  it('answers 422 naming the field for a note missing a required field, and records only the bounce', async () => {
    const before = contentHash(h.ladder.store.sqlite, ['intake_bounces', 'escalations']);
    const res = await post(h, '/api/notes', h.tokens.ops, fixture('notes/missing-signal_type.md'), { 'content-type': 'text/markdown' });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error).toMatchObject({ kind: 'NoteBounced', field: 'signal_type', message: expect.stringContaining('signal_type') });
    expect(res.json().problems).toEqual([expect.objectContaining({ field: 'signal_type' })]);
    expect(contentHash(h.ladder.store.sqlite, ['intake_bounces', 'escalations'])).toBe(before);
    const json = await post(h, '/api/notes', h.tokens.ops, { text: fixture('notes/missing-company_domain.md'), name: 'missing.md' });
    expect(json.statusCode).toBe(422);
    expect(json.json().error.field).toBe('company_domain');
    const csv = await post(h, '/api/notes', h.tokens.ops, fixture('notes/sop-example.md'), { 'content-type': 'text/csv' });
    expect(csv.statusCode).toBe(415);
  });

  it('imports a CSV: a dry run writes nothing, the real run adds the unique rows', async () => {
    const csv = fixture('import-mixed.csv');
    const before = everything(h);
    const dry = await post(h, '/api/imports?dryRun=1', h.tokens.ops, csv, { 'content-type': 'text/csv' });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, counts: { unique: expect.any(Number), rejected: expect.any(Number) } });
    expect(dry.json().counts.unique).toBeGreaterThan(0);
    expect(everything(h)).toBe(before);
    const real = await post(h, '/api/imports?name=mixed.csv', h.tokens.ops, csv, { 'content-type': 'text/csv' });
    expect(real.statusCode, real.body).toBe(200);
    expect(real.json()).toMatchObject({ dryRun: false, file: 'mixed.csv', counts: dry.json().counts });
    for (const u of real.json().unique as { domain: string }[]) expect(count(h, 'select count(*) from accounts where domain = ?', u.domain)).toBe(1);
    expect(count(h, "select count(*) from events where type = 'ACCOUNT_ADDED' and by = 'olivia' and source = 'import'")).toBe(dry.json().counts.unique + dry.json().counts.tierReject);
    expect(JSON.stringify(real.json())).not.toMatch(/ladder-import-|\/tmp\//);
  });

  it.each([
    ['an unclosed quote', fixture('unclosed-quote.csv'), /Quote Not Closed.*line 3|line 3.*Quote Not Closed/i],
    ['a repeated header', fixture('duplicate-header.csv'), /twice/],
    ['an empty file', '', /empty/],
    ['no LQ 6 columns', 'hello,world\n1,2\n', /Domain/],
    ['a header and no rows', 'Name,Domain,HQ Location,Tier,ICP Score\n', /no rows/],
  ])('answers 400 naming the problem for a malformed CSV: %s, and writes nothing', async (_what, body, problem) => {
    const before = everything(h);
    for (const url of ['/api/imports', '/api/imports?dryRun=1']) {
      const res = await post(h, url, h.tokens.cro, body, { 'content-type': 'text/csv' });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.message).toMatch(problem);
      expect(res.json().error.message).not.toMatch(/\/tmp\/|ladder-import-/);
    }
    expect(everything(h)).toBe(before);
  });

  it('answers 400 for JSON that is not an array of rows, and 415 for another content type', async () => {
    const before = everything(h);
    for (const body of [{ Name: 'x' }, [1, 2], [{ hello: 'world' }], []]) {
      const res = await post(h, '/api/imports', h.tokens.ops, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await post(h, '/api/imports', h.tokens.ops, 'Name,Domain', { 'content-type': 'text/markdown' })).statusCode).toBe(415);
    expect(everything(h)).toBe(before);
  });
});

describe('ladder serve: what the operator watches', () => {
  let h: ServerHarness;
  beforeAll(async () => {
    h = await serverHarness();
    seed(h, 'one.com', 'PROSPECT');
    seed(h, 'two.com', 'MQL');
    seed(h, 'three.com', 'SQL.review');
    await post(h, '/api/accounts/three.com/events', h.tokens.ops, { type: 'CRO_CONFIRM' }); // a refusal
  });
  afterAll(async () => { await h.close(); });

  it('answers /healthz without a token with the database reachable and the due timers counted', async () => {
    h.clock.now += 3 * DAY;
    const res = await get(h, '/healthz');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ ok: true, db: { reachable: true, settingsVersion: expect.any(Number) }, monday: { board: false } });
    expect(body.timersDue).toBe(count(h, "select count(*) from timers where status = 'pending' and due_at <= ?", new Date(h.clock.now).toISOString()));
    expect(body.timersDue).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toMatch(/ldr_/);
    // The last sweep: when and how, never who ran it (this answer needs no token).
    await post(h, '/api/sweep', h.tokens.ops, {});
    const after = (await get(h, '/healthz')).json();
    expect(after.runs.sweep).toEqual({ startedAt: expect.any(String), endedAt: expect.any(String), asOf: new Date(h.clock.now).toISOString(), outcome: 'done' });
    expect(JSON.stringify(after)).not.toContain('olivia');
  });

  it('answers /metrics in the Prometheus text format with counts that match the database', async () => {
    const res = await get(h, '/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = new Map<string, number>();
    for (const line of res.body.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const m = /^(\w+(?:\{[^}]*\})?) (-?\d+(?:\.\d+)?)$/.exec(line);
      expect(m, line).not.toBeNull();
      samples.set(m![1]!, Number(m![2]));
    }
    for (const name of ['ladder_events_total', 'ladder_refusals_total', 'ladder_accounts', 'ladder_timers_pending', 'ladder_timers_due', 'ladder_outbox_depth', 'ladder_outbox_dead', 'ladder_push_errors', 'ladder_runs_total']) {
      expect(res.body).toContain(`# TYPE ${name} `);
    }
    const sum = (prefix: string) => [...samples].filter(([k]) => k === prefix || k.startsWith(`${prefix}{`)).reduce((s, [, v]) => s + v, 0);
    const rows = (sql: string) => h.ladder.store.sqlite.prepare(sql).all() as { k: string; n: number }[];
    expect(sum('ladder_events_total')).toBe(count(h, 'select count(*) from events'));
    for (const r of rows('select type as k, count(*) as n from events group by type')) expect(samples.get(`ladder_events_total{type="${r.k}"}`)).toBe(r.n);
    expect(sum('ladder_refusals_total')).toBe(count(h, 'select count(*) from refusals'));
    expect(samples.get('ladder_refusals_total{type="CRO_CONFIRM"}')).toBe(1);
    for (const r of rows('select stage as k, count(*) as n from actors group by stage')) expect(samples.get(`ladder_accounts{stage="${r.k}"}`), r.k).toBe(r.n);
    expect(sum('ladder_accounts')).toBe(3);
    expect(samples.get('ladder_timers_pending')).toBe(count(h, "select count(*) from timers where status = 'pending'"));
    expect(samples.get('ladder_timers_due')).toBe(count(h, "select count(*) from timers where status = 'pending' and due_at <= ?", new Date(h.clock.now).toISOString()));
  });

  it('answers 500 with a generic body (and /healthz 503) when the database fails, with no stack or path', async () => {
    const broken = await serverHarness();
    try {
      broken.ladder.store.sqlite.close();
      const res = await get(broken, '/api/accounts', broken.tokens.ops);
      expect(res.statusCode).toBe(500);
      expect(res.json().error).toEqual({ kind: 'InternalError', message: expect.any(String), field: null });
      const health = await get(broken, '/healthz');
      expect(health.statusCode).toBe(503);
      expect(health.json()).toMatchObject({ ok: false, db: { reachable: false } });
    } finally {
      await broken.app.close();
    }
  });
});

describe('ladder serve: errorReply', () => {
  it('answers a busy or failing database with 503 and a message without the path', async () => {
    const { errorReply } = await import('../../src/server/app.js');
    const busy = errorReply(Object.assign(new Error('database is locked /srv/ladder.db'), { code: 'SQLITE_BUSY' }));
    expect(busy.status).toBe(503);
    expect(busy.body.error.message).toMatch(/busy.*retry/);
    expect(JSON.stringify(busy)).not.toContain('/srv');
    expect(errorReply(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' })).status).toBe(503);
  });
});

describe('ladder serve: the sweep on demand', () => {
  let h: ServerHarness;
  beforeAll(async () => { h = await serverHarness(); seed(h, 'due.com', 'SQL.review'); });
  afterAll(async () => { await h.close(); });

  it('sweeps under the sweep lease (409 while another sweep holds it, nothing fired) and records the run', async () => {
    h.clock.now += 3 * DAY; // the review SLA has fallen due
    const { acquireLease, SWEEP_LEASE } = await import('../../src/store/lease.js');
    const held = await acquireLease(h.ladder.store, SWEEP_LEASE, { waitMs: 0 });
    const before = ledger(h);
    const busy = await post(h, '/api/sweep', h.tokens.ops, {});
    expect(busy.statusCode, busy.body).toBe(409);
    expect(busy.json().error.kind).toBe('Busy');
    expect(ledger(h)).toBe(before);
    held.release();
    const done = await post(h, '/api/sweep', h.tokens.ops, {});
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().fired).toBeGreaterThan(0);
    expect(h.ladder.store.sqlite.prepare("select command, outcome, as_of as asOf from runs").all())
      .toEqual([{ command: 'api sweep by olivia', outcome: 'done', asOf: new Date(h.clock.now).toISOString() }]);
  });
});

describe('ladder serve: rate limit', () => {
  let h: ServerHarness;
  beforeAll(async () => { h = await serverHarness({ rateLimitPerMinute: 5 }); });
  afterAll(async () => { await h.close(); });

  it('answers 429 with Retry-After past the limit, per caller', async () => {
    const codes: number[] = [];
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 7; i++) {
      last = await get(h, '/api/me', h.tokens.cro);
      codes.push(last.statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.json().error).toMatchObject({ kind: 'RateLimited', message: expect.stringContaining('at most 5 a minute') });
    // Another caller has a budget of its own.
    expect((await get(h, '/api/me', h.tokens.ops)).statusCode).toBe(200);
  });

  it('counts refused callers too: made-up tokens share their address\'s budget, whatever the token', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await call(h, { url: '/api/accounts', headers: { authorization: `Bearer ldr_guess-number-${i}` } })).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect((await call(h, { method: 'POST', url: '/api/imports', payload: 'Name\n' })).statusCode).toBe(429);
  });
});

describe('ladder serve: error bodies', () => {
  it('never carry a stack trace or a file path (every error answer of this file, and odd URLs)', async () => {
    const h = await serverHarness();
    try {
      for (const url of ['/api/accounts/%00%ff/events', `/api/accounts/${'a'.repeat(600)}.com`, '/api/accounts/not a domain', '/nowhere', '/api/accounts?limit=abc']) {
        const res = await call(h, { url, headers: bearer(h.tokens.ops) });
        expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, url).toBeLessThan(500);
        expect(res.json().error, url).toMatchObject({ kind: expect.any(String), message: expect.any(String) });
      }
    } finally {
      await h.close();
    }
    expect(errorBodies.length).toBeGreaterThan(50);
    for (const e of errorBodies) {
      expect(e.body, e.what).not.toMatch(/\n\s+at |\s{4}at \S+ \(/);
      expect(e.body, e.what).not.toMatch(/(?:\/(?:tmp|work|home|usr|var|private|Users)\/)|[A-Za-z]:\\|\.(?:ts|js|mjs):\d+|node_modules|ladder-import-/);
    }
  });
});
