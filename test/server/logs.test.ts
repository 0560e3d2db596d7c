// The server's logs never carry a secret (issue 13): pino writes JSON lines to a stream the test captures, the
// server is called with every kind of credential (a bearer token, the review page's session cookie, a wrong
// token, a token a client put in the URL), with errors of every kind (401, 403, 400, 404, 415, 429 and a 500),
// and no line holds a token, the last 16 characters of one, the `ldr_` prefix of any token, or a cookie's value.
import { Writable } from 'node:stream';
import http from 'node:http';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE, sessionValue } from '../../src/server/app.js';
import { TOKEN_PREFIX } from '../../src/engine/users.js';
import { PASSING_FACTS } from '../helpers/store.js';
import { bearer, OPS, serverHarness, type ServerHarness } from './helpers.js';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop()!;
      lines.push(...parts.filter((l) => l !== ''));
      done();
    },
  });
  return { stream, lines };
}

/** A GET over a real socket (the logged address and port are a socket's), answered as text. */
function overHttp(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
  });
}

describe('ladder serve: logs', () => {
  let h: ServerHarness;
  let broken: ServerHarness;
  const { stream, lines } = capture();
  const secrets: string[] = [];
  const statuses: number[] = [];

  const call = async (server: ServerHarness, o: InjectOptions) => {
    const res = await server.app.inject(o);
    statuses.push(res.statusCode);
    return res;
  };

  beforeAll(async () => {
    // Every level, so that nothing a plugin logs at debug or trace escapes the check.
    h = await serverHarness({ logger: { stream, level: 'trace' }, rateLimitPerMinute: 40 });
    broken = await serverHarness({ logger: { stream, level: 'trace' } });
    const now = new Date(h.clock.now).toISOString();
    h.ladder.engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, now, source: 'cli' });
    const tokenId = h.ladder.engine.userByToken(h.tokens.cro)!.tokenId;
    const session = h.app.signCookie(sessionValue('marcus', tokenId, h.clock.now));
    const forged = `${sessionValue('marcus', tokenId, h.clock.now)}.forged-signature`;
    const wrong = `${TOKEN_PREFIX}${'A'.repeat(43)}`;
    secrets.push(...Object.values(h.tokens), ...Object.values(broken.tokens), session, forged, wrong);

    for (const token of Object.values(h.tokens)) {
      await call(h, { url: '/api/me', headers: bearer(token) });
      await call(h, { url: '/api/accounts/acme.com', headers: bearer(token) });
      await call(h, { method: 'POST', url: '/api/accounts/acme.com/events', headers: bearer(token), payload: { type: 'CRO_CONFIRM' } }); // 403 or 422
      await call(h, { method: 'POST', url: '/api/accounts/acme.com/events', headers: bearer(token), payload: { type: 'FACTS', by: token } }); // 400
      await call(h, { method: 'POST', url: '/api/accounts/acme.com/events', headers: { ...bearer(token), 'content-type': 'application/json' }, payload: '{"type":' }); // bad JSON
      await call(h, { method: 'POST', url: '/api/accounts/acme.com/events', headers: { ...bearer(token), 'content-type': 'text/plain' }, payload: token }); // 415
      await call(h, { url: '/api/accounts/nobody.example.com', headers: bearer(token) }); // 404
    }
    await call(h, { url: '/api/me', headers: { cookie: `${SESSION_COOKIE}=${session}` } });
    await call(h, { url: '/api/me', headers: { cookie: `${SESSION_COOKIE}=${session}; other=${h.tokens.ops}` } });
    await call(h, { url: '/api/me', headers: { cookie: `${SESSION_COOKIE}=${forged}` } }); // 401
    await call(h, { url: '/api/me', headers: { authorization: `Bearer ${wrong}` } }); // 401
    await call(h, { url: '/api/me', headers: { authorization: `Token ${h.tokens.ops}` } }); // 401: not a bearer
    // Clients that put a token where it does not belong: the URL is logged, the token must not be.
    await call(h, { url: `/api/me?token=${h.tokens.cmo}` });
    await call(h, { url: `/api/me?access_token=${h.tokens.cmo}&x=1` });
    await call(h, { url: `/api/accounts/${h.tokens.chief}`, headers: bearer(h.tokens.chief) });
    await call(h, { url: `/nowhere/${h.tokens.ops}` });
    // Past the rate limit (429), per user.
    for (let i = 0; i < 45; i++) await call(h, { url: '/healthz', headers: bearer(h.tokens.ops) });
    // A real socket, once.
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (h.app.server.address() as { port: number }).port;
    statuses.push(await overHttp(port, `/api/me?token=${h.tokens.cro}`, { ...bearer(h.tokens.cro), cookie: `${SESSION_COOKIE}=${session}` }));
    // A 500: the database is gone under a running server.
    broken.ladder.store.sqlite.close();
    await call(broken, { url: '/api/accounts', headers: bearer(broken.tokens.ops) });
    await call(broken, { url: '/healthz' });
  });
  afterAll(async () => {
    await h.close();
    await broken.app.close();
  });

  it('provoked every kind of answer it checks', () => {
    for (const s of [200, 400, 401, 403, 404, 415, 429, 500, 503]) expect(statuses, String(s)).toContain(s);
    expect(lines.length).toBeGreaterThan(100);
  });

  it('writes JSON lines only', () => {
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const levels = new Set(lines.map((l) => (JSON.parse(l) as { level: number }).level));
    expect(levels.has(50)).toBe(true); // the 500 was logged as an error, for the operator
  });

  it('logs no token, no last 16 characters of one, no "ldr_" and no cookie value', () => {
    for (const line of lines) {
      expect(line).not.toContain(TOKEN_PREFIX);
      for (const s of secrets) {
        expect(line).not.toContain(s);
        expect(line).not.toContain(s.slice(-16));
      }
      expect(line).not.toContain(SESSION_COOKIE);
    }
  });

  it('still says which request it was: method, path and status', () => {
    const completed = lines.map((l) => JSON.parse(l) as { msg?: string; res?: { statusCode: number }; req?: { method: string; url: string } });
    expect(completed.some((l) => l.req?.method === 'GET' && l.req.url.startsWith('/api/me?token='))).toBe(true);
    expect(completed.some((l) => l.res?.statusCode === 429)).toBe(true);
    expect(completed.filter((l) => l.msg === 'request completed').length).toBeGreaterThan(40);
  });
});
