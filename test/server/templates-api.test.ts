// The template and recipient-list API (issue 14) over the engine: who acts comes from the token; decisions,
// versions and refusals are the engine's, with the same answers as every route (403 naming who may, 409 stale).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSING_FACTS } from '../helpers/store.js';
import { bearer, OPS, serverHarness, type ServerHarness } from './helpers.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'templates');
let h: ServerHarness;
let pat: string;
beforeAll(async () => {
  h = await serverHarness();
  const now = new Date(h.clock.now).toISOString();
  pat = h.ladder.engine.addUser({ name: 'pat', role: 'category.positioning' }, { ...OPS, now, source: 'cli' }).token;
  h.ladder.engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, now, source: 'cli' });
  h.ladder.engine.submit({ account: 'acme.com', source: 'cli', now, event: { type: 'SIGNAL', at: now, ...OPS, signal: { id: 's1', code: 'E1', contact: 'jane@acme.com', at: now, interaction: 'comment' } } as never });
});
afterAll(async () => { await h.close(); });

const postText = (url: string, token: string, text: string) => h.app.inject({ method: 'POST', url, headers: { ...bearer(token), 'content-type': 'text/markdown' }, payload: text });
const postJson = (url: string, token: string, body: unknown) => h.app.inject({ method: 'POST', url, headers: bearer(token), payload: body as object });

describe('the template API', () => {
  it('adds a version as category.positioning (201), names the version the same text already is (200), refuses sales.ops (403)', async () => {
    const text = readFileSync(join(FIX, 'nurture-mql-1.md'), 'utf8');
    const add = await postText('/api/templates?name=nurture-mql-1.md', pat, text);
    expect(add.statusCode, add.body).toBe(201);
    expect(add.json()).toMatchObject({ template: 'nurture-mql-1.v1', after: 'draft' });
    expect((await postText('/api/templates', pat, text)).json()).toMatchObject({ template: 'nurture-mql-1.v1', duplicate: true });
    const ops = await postText('/api/templates', h.tokens.ops, text);
    expect(ops.statusCode).toBe(403);
    expect(ops.json().error.mayBeDoneBy).toEqual(['category.positioning']);
    const bad = await postText('/api/templates', pat, readFileSync(join(FIX, 'nurture-with-pricing.md'), 'utf8'));
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.message).toMatch(/content rules? \(HO 5\.3\).*line \d+: no-pricing/s);
  });

  it('takes each decision from the token\'s role: submit, a CMO refusal by the wrong role (403, recorded), approve, with versions', async () => {
    const submit = await postJson('/api/templates/nurture-mql-1.v1/decisions', pat, { type: 'TEMPLATE_SUBMIT' });
    expect(submit.statusCode, submit.body).toBe(200);
    expect(submit.headers.etag).toBe('"v2"');
    const forged = await postJson('/api/templates/nurture-mql-1.v1/decisions', pat, { type: 'CMO_APPROVE', role: 'cmo' });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.field).toBe('role');
    const wrong = await postJson('/api/templates/nurture-mql-1.v1/decisions', pat, { type: 'CMO_APPROVE' });
    expect(wrong.statusCode).toBe(403);
    expect(h.ladder.store.sqlite.prepare("select by, role from refusals where subject = 'template:nurture-mql-1.v1' order by id desc").get()).toEqual({ by: 'pat', role: 'category.positioning' });
    const stale = await postJson('/api/templates/nurture-mql-1.v1/decisions', h.tokens.cmo, { type: 'CMO_APPROVE', expectedVersion: 1 });
    expect(stale.statusCode).toBe(409);
    const pending = await h.app.inject({ url: '/api/approvals/pending', headers: bearer(h.tokens.chief) });
    expect(pending.json()).toEqual([expect.objectContaining({ kind: 'template', id: 'nurture-mql-1.v1', waitsFor: 'cmo' })]);
    const ok = await postJson('/api/templates/nurture-mql-1.v1/decisions', h.tokens.cmo, { type: 'CMO_APPROVE', expectedVersion: 2 });
    expect(ok.json()).toMatchObject({ before: 'cmoReview', after: 'approved' });
  });

  it('proposes a recipient list as sales.ops and approves it as the CRO; a suppressed or wrong entry is refused', async () => {
    const p = await postJson('/api/recipient-lists', h.tokens.ops, { template: 'nurture-mql-1.v1', entries: [{ account: 'acme.com', contact: 'Jane@acme.com' }] });
    expect(p.statusCode, p.body).toBe(201);
    const id = p.json().id as string;
    const list = await h.app.inject({ url: `/api/recipient-lists/${id}`, headers: bearer(h.tokens.cro) });
    expect(list.json().entries).toEqual([expect.objectContaining({ account: 'acme.com', contact: 'jane@acme.com' })]);
    const ok = await postJson(`/api/recipient-lists/${id}/decisions`, h.tokens.cro, { type: 'RECIPIENTS_APPROVE' });
    expect(ok.json()).toMatchObject({ after: 'approved' });
    const nobody = await postJson('/api/recipient-lists', h.tokens.ops, { template: 'nurture-mql-1.v1', entries: [{ account: 'nobody.com', contact: 'x@nobody.com' }] });
    expect(nobody.statusCode).toBe(422);
    expect(nobody.json().error.message).toMatch(/no account nobody\.com on the ladder/);
    // A check handed in by the caller is not taken: the body is strict.
    const forged = await postJson(`/api/recipient-lists/${id}/decisions`, h.tokens.cro, { type: 'RECIPIENTS_APPROVE', check: { problems: [], templateState: 'approved' } });
    expect(forged.statusCode).toBe(400);
  });
});
