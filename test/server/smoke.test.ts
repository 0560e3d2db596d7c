import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, serverHarness, type ServerHarness } from './helpers.js';

describe('ladder serve: smoke', () => {
  let h: ServerHarness;
  beforeAll(async () => { h = await serverHarness(); });
  afterAll(async () => { await h.close(); });

  it('answers /healthz, /metrics, /api/me and an account round trip', async () => {
    expect((await h.app.inject({ url: '/healthz' })).json()).toMatchObject({ ok: true });
    expect((await h.app.inject({ url: '/metrics' })).body).toContain('ladder_events_total');
    expect((await h.app.inject({ url: '/api/me' })).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/api/me', headers: bearer(h.tokens.cro) })).json()).toMatchObject({ name: 'marcus', role: 'cro' });
    const add = await h.app.inject({ method: 'POST', url: '/api/accounts', headers: bearer(h.tokens.ops), payload: { domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80 } });
    expect(add.statusCode, add.body).toBe(201);
    const read = await h.app.inject({ url: '/api/accounts/acme.com', headers: bearer(h.tokens.chief) });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"v1"');
    const cro = await h.app.inject({ method: 'POST', url: '/api/accounts/acme.com/events', headers: bearer(h.tokens.ops), payload: { type: 'CRO_CONFIRM' } });
    expect(cro.statusCode, cro.body).toBe(403);
    const stale = await h.app.inject({ method: 'POST', url: '/api/accounts/acme.com/events', headers: { ...bearer(h.tokens.ops), 'if-match': '"v0"' }, payload: { type: 'FACTS', facts: { employees: 1200 } } });
    expect(stale.statusCode, stale.body).toBe(409);
    const facts = await h.app.inject({ method: 'POST', url: '/api/accounts/acme.com/events', headers: { ...bearer(h.tokens.ops), 'if-match': '"v1"' }, payload: { type: 'FACTS', facts: { employees: 1200 } } });
    expect(facts.statusCode, facts.body).toBe(200);
    const by = await h.app.inject({ method: 'POST', url: '/api/accounts/acme.com/events', headers: bearer(h.tokens.ops), payload: { type: 'FACTS', facts: {}, role: 'cro' } });
    expect(by.statusCode).toBe(400);
    expect(by.json().error.field).toBe('role');
    const report = await h.app.inject({ url: '/report', headers: bearer(h.tokens.chief) });
    expect(report.statusCode).toBe(200);
  });
});
