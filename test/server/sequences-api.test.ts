// The sequences, replies and sends API (issue 15) over the engine: who replies comes from the token (a forged
// role is refused), the reply's effects are the engine's (the same as `ladder reply`), a task belongs to its role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSING_FACTS } from '../helpers/store.js';
import { bearer, OPS, serverHarness, type ServerHarness } from './helpers.js';
import { enableSequences } from '../helpers/sequences.js';

let h: ServerHarness;
let now: string;
beforeAll(async () => {
  h = await serverHarness();
  now = new Date(h.clock.now).toISOString();
  enableSequences(h.ladder.engine, now);
  h.ladder.engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, now, source: 'cli' });
  h.ladder.engine.submit({ account: 'acme.com', source: 'cli', now, event: { type: 'SIGNAL', at: now, ...OPS, signal: { id: 's1', code: 'E1', contact: 'jane@acme.com', at: now, interaction: 'comment' } } as never });
});
afterAll(async () => { await h.close(); });
const post = (url: string, token: string, body: unknown, headers: Record<string, string> = {}) => h.app.inject({ method: 'POST', url, headers: { ...bearer(token), ...headers }, payload: body as object });

describe('the replies API (HO 5.6)', () => {
  it('takes who replies from the token: a forged role is 400, the CMO is 403 naming who may', async () => {
    const forged = await post('/api/accounts/acme.com/replies', h.tokens.ops, { contact: 'jane@acme.com', category: 'hot-positive', role: 'cro' });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.field).toBe('role');
    const cmo = await post('/api/accounts/acme.com/replies', h.tokens.cmo, { contact: 'jane@acme.com', category: 'hot-positive' });
    expect(cmo.statusCode).toBe(403);
    expect(cmo.json().error.mayBeDoneBy).toEqual(['sales.ops', 'cro']);
    const bad = await post('/api/accounts/acme.com/replies', h.tokens.ops, { contact: 'jane@acme.com', category: 'ooo' });
    // Bad input (a field the category needs) is 400 naming the field, like every route.
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ field: 'returnDate' });
    expect(bad.json().error.message).toContain('--return-date');
  });

  it('records a hot-positive reply once per Idempotency-Key: the sequence stops, the ladder gets the Briefing request, the CRO has 4 hours', async () => {
    const r = await post('/api/accounts/ACME.com/replies', h.tokens.ops, { contact: 'Jane@Acme.com', category: 'hot-positive', note: "Let's talk this week" }, { 'idempotency-key': 'r-1' });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ before: 'active', after: 'stopped', ladder: { after: { stage: 'SQL', substate: 'confirmed' } } });
    const again = await post('/api/accounts/acme.com/replies', h.tokens.ops, { contact: 'Jane@Acme.com', category: 'hot-positive', note: "Let's talk this week" }, { 'idempotency-key': 'r-1' });
    expect(again.statusCode).toBe(200);
    expect(again.json().status).toBe('duplicate');
    const seq = (await h.app.inject({ url: '/api/accounts/acme.com/sequence', headers: bearer(h.tokens.chief) })).json();
    expect(seq).toMatchObject({ state: 'stopped', replies: [{ category: 'hot-positive', contact: 'jane@acme.com', by: 'olivia' }], tasks: [{ id: 1, kind: 'engage', role: 'cro' }] });
    expect(seq.tasks[0].dueAt).toBe(new Date(Date.parse(now) + 4 * 3_600_000).toISOString());
  });

  it('a CRO task is the CRO\'s: sales.ops gets 403, the CRO closes it', async () => {
    const ops = await post('/api/accounts/acme.com/sequence/tasks/1/done', h.tokens.ops, {});
    expect(ops.statusCode).toBe(403);
    expect(ops.json().error.message).toContain('it is for the CRO');
    const cro = await post('/api/accounts/acme.com/sequence/tasks/1/done', h.tokens.cro, { note: 'called' });
    expect(cro.statusCode, cro.body).toBe(200);
    expect((await h.app.inject({ url: '/api/accounts/acme.com/sequence', headers: bearer(h.tokens.cro) })).json().tasks[0].doneBy).toBe('marcus');
  });

  it('the mailbox: its state, cap and bounce rate for anyone; resuming is for sales.ops, and refused when not paused', async () => {
    const s = await h.app.inject({ url: '/api/sends/status', headers: bearer(h.tokens.chief) });
    expect(s.json()).toMatchObject({ state: 'sending', cap: 25, bounceRate: 0 });
    expect((await post('/api/sends/resume', h.tokens.cro, { reason: 'x' })).statusCode).toBe(403);
    const notPaused = await post('/api/sends/resume', h.tokens.ops, { reason: 'x' });
    expect(notPaused.statusCode).toBe(422);
    expect(notPaused.json().error.message).toContain('never paused');
  });
});
