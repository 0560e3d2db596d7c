// The email approvals page over HTTP (issue 14, HO 5.1 and 5.4), through fastify's inject: what waits for each role,
// most urgent first, with the template's text, the content rules, the recipients and the SLA; the decisions through
// the engine with the session's identity and the version shown; anti-forgery tokens, escaping and refusals.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LightMyRequestResponse } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sweep } from '../../src/engine/sweep.js';
import { chromiumFor } from '../helpers/chromium.js';
import { PASSING_FACTS, SYSTEM } from '../helpers/store.js';
import { bearer, OPS, serverHarness, T0, type ServerHarness } from './helpers.js';

const at = (hours: number) => new Date(Date.parse(T0) + hours * 3_600_000).toISOString(); // T0: Monday 6 April 2026, 09:00 UTC
const fixture = (name: string) => readFileSync(new URL(`../fixtures/templates/${name}`, import.meta.url), 'utf8');
const li = (who: string) => `https://linkedin.com/in/${who}`;
const HOSTILE = '<img src=x onerror=alert(1)> make it "personal" & short';

/**
 * Waiting at T0, by SLA deadline: nurture-mql-1.v1 for the CMO (submitted Friday 10:00: escalated Sunday 10:00, SLA
 * Monday 10:00); list-1 (alpha, bravo) for the CRO (Monday 06:00 → Tuesday 06:00); re-engagement-1.v1 for the CMO
 * (07:00 → Tuesday 07:00); activation-sql-1.v1 for the CRO's GO / NO-GO (CMO approved 08:30 → Tuesday 08:30).
 * Sent back: post-briefing-1.v1 (pia's, Friday 12:00, hostile feedback) and nurture-mql-2.v1 (quinn's, Friday 15:00).
 */
function seed(h: ServerHarness) {
  const e = h.ladder.engine;
  const pia = { by: 'pia', role: 'category.positioning', source: 'cli' as const };
  const carla = { by: 'carla', role: 'cmo', source: 'cli' as const };
  const submit = (text: string, when: string, who = pia) => {
    const { template } = e.templates.add({ name: 'file.md', text }, { ...who, now: when });
    e.templates.decide(template, { type: 'TEMPLATE_SUBMIT' }, { ...who, now: when });
    return template;
  };
  for (const a of ['alpha', 'bravo']) {
    const when = '2026-04-01T09:00:00.000Z';
    e.addAccount({ domain: `${a}.com`, name: a, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, at: when, now: when, source: 'cli' });
    e.submit({ account: `${a}.com`, source: 'cli', now: when, event: { type: 'SIGNAL', signal: { id: `s-${a}`, code: 'E1', interaction: 'comment', contact: li(a), at: when }, at: when, ...OPS } as never });
  }
  const postBriefing = submit(fixture('post-briefing-1.md'), at(-72));
  e.templates.decide(postBriefing, { type: 'CMO_REJECT', feedback: HOSTILE }, { ...carla, now: at(-69) });
  const nurture = submit(fixture('nurture-mql-1.md'), at(-71));
  const quinns = submit(fixture('nurture-mql-1.md').replace('step: 1', 'step: 2'), at(-68), { ...pia, by: 'quinn' });
  e.templates.decide(quinns, { type: 'CMO_REJECT', feedback: 'needs a sharper insight' }, { ...carla, now: at(-66) });
  e.templates.proposeRecipients({ template: nurture, note: 'the <i>spring</i> MQLs', entries: [{ account: 'alpha.com', contact: li('alpha') }, { account: 'bravo.com', contact: li('bravo') }] }, { ...OPS, source: 'cli', now: at(-3) });
  submit(fixture('re-engagement-1.md'), at(-2));
  const activation = submit(fixture('activation-sql-1.md'), at(-1));
  e.templates.decide(activation, { type: 'CMO_APPROVE' }, { ...carla, now: at(-0.5) });
  return { pia: e.addUser({ name: 'pia', role: 'category.positioning' }, { ...OPS, now: T0, source: 'cli' }).token };
}

// ---- a browser's cookie jar, enough for these tests ----

type Jar = Map<string, string>;
function keep(jar: Jar, res: LightMyRequestResponse): Jar {
  const raw = res.headers['set-cookie'];
  for (const line of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    const value = pair.slice(eq + 1).trim();
    if (!value || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0(;|$)/i.test(line)) jar.delete(pair.slice(0, eq).trim());
    else jar.set(pair.slice(0, eq).trim(), value);
  }
  return jar;
}
const cookieHeader = (jar: Jar) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
const csrfOf = (body: string) => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
async function get(h: ServerHarness, jar: Jar, url: string) {
  const res = await h.app.inject({ url, headers: { cookie: cookieHeader(jar) } });
  keep(jar, res);
  return res;
}
async function post(h: ServerHarness, jar: Jar, url: string, fields: Record<string, string>) {
  const res = await h.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: cookieHeader(jar) }, payload: new URLSearchParams(fields).toString() });
  keep(jar, res);
  return res;
}
async function login(h: ServerHarness, token: string): Promise<{ jar: Jar; location: string }> {
  const jar: Jar = new Map();
  const page = await get(h, jar, '/login');
  const res = await post(h, jar, '/login', { token, csrf: csrfOf(page.body) });
  expect(res.statusCode, res.body).toBe(303);
  return { jar, location: String(res.headers.location) };
}
/** The approvals page as read: its items in order with the version each shows, its form token and nonce. */
async function approvalsPage(h: ServerHarness, jar: Jar) {
  const res = await get(h, jar, '/approvals');
  expect(res.statusCode, res.body).toBe(200);
  const items = [...res.body.matchAll(/<article [^>]*data-item="([^"]+)" data-version="(\d+)"/g)].map((m) => m[1]!);
  const versions = Object.fromEntries([...res.body.matchAll(/data-item="([^"]+)" data-version="(\d+)"/g)].map((m) => [m[1]!, m[2]!]));
  return { res, body: res.body, items, versions, csrf: csrfOf(res.body), idem: /name="idem" value="([^"]+)"/.exec(res.body)?.[1] ?? '' };
}
const articleOf = (body: string, item: string) => {
  const start = body.indexOf(`data-item="${item}"`);
  return body.slice(start, body.indexOf('</article>', start));
};
const flashOf = (body: string) => {
  const m = /<div class="flash flash-(\w+)" data-flash="\w+"(?: data-refusal="(\w+)")?[^>]*>[\s\S]*?<p class="flash-text">([\s\S]*?)<\/p>/.exec(body);
  return m ? { kind: m[1], refusal: m[2] ?? null, text: m[3]! } : null;
};
const machineEvents = (h: ServerHarness, id: string) => h.ladder.store.sqlite
  .prepare('select type, by, role, source, reason from machine_events where actor_id = ? order by seq').all(id) as { type: string; by: string; role: string; source: string; reason: string | null }[];
const stateOf = (h: ServerHarness, kind: 'template' | 'recipients', id: string) => h.ladder.engine.templates.load(kind, id)!.state;

describe('the email approvals page: what waits for whom (HO 5.1, 5.4)', () => {
  let h: ServerHarness;
  let tokens: ServerHarness['tokens'] & { pia: string };
  beforeEach(async () => { h = await serverHarness(); tokens = { ...h.tokens, ...seed(h) }; });
  afterEach(async () => { await h.close(); });

  it('sends the CMO to it after sign-in and shows the messaging approvals, most urgent first, with subject, body, rules, SLA and labelled forms', async () => {
    const { jar, location } = await login(h, h.tokens.cmo);
    expect(location).toBe('/approvals');
    const { body, items, res } = await approvalsPage(h, jar);
    expect(items).toEqual(['template:nurture-mql-1.v1', 'template:re-engagement-1.v1']);
    expect(body).toContain('data-count="items">2<');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['cache-control']).toBe('no-store');
    expect(body).not.toMatch(/<script|<style|\sstyle=|\son\w+=/i);

    const nurture = articleOf(body, 'template:nurture-mql-1.v1');
    expect(nurture).toContain('data-waits-for="cmo"');
    // Submitted Friday 10:00: past 48 hours since Sunday 10:00 (escalated), its SLA due Monday 10:00 (not yet at 09:00).
    expect(nurture).toContain('data-since="2026-04-03T10:00:00.000Z"');
    expect(nurture).toContain('data-sla="2026-04-06T10:00:00.000Z"');
    expect(nurture).not.toContain('data-breached');
    expect(nurture).toMatch(/data-escalate="2026-04-05T10:00:00\.000Z">.*<span class="tag tag-warn" data-escalated>escalated to chief\.staff<\/span>/);
    expect(nurture).toContain('<code data-subject>{{company_name}} and the partner half of the forecast</code>');
    expect(nurture).toMatch(/<pre class="template-body" data-body>\n?Hi \{\{first_name\}\},\n\nI was reading up on \{\{company_name\}\}/);
    expect(nurture).toContain('data-rules="pass"');
    expect(nurture).toContain('Recipient lists of this version: list-1 (proposed)');
    expect(nurture).toMatch(/<form method="post" action="\/approvals\/templates\/nurture-mql-1\.v1\/approve" class="inline"><input type="hidden" name="csrf" value="[^"]+"><input type="hidden" name="version" value="2">/);
    expect(nurture).toMatch(/<label for="feedback-reject-nurture-mql-1_v1">Feedback for category\.positioning: what the copy or the messaging needs<\/label>\s*<textarea id="feedback-reject-nurture-mql-1_v1" name="feedback" rows="3" maxlength="4000" required>/);
    expect(nurture).not.toContain('/go"');
    // No link to the CRO's review queue for the CMO; the review page links here.
    expect(body).not.toContain('href="/review"');
    const css = await h.app.inject({ url: '/assets/approvals.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
  });

  it('shows the CRO the recipient lists with why each recipient is on it, and the GO / NO-GO on Activation', async () => {
    const { jar, location } = await login(h, h.tokens.cro);
    expect(location).toBe('/review');
    expect((await get(h, jar, '/review')).body).toContain('<a href="/approvals">Email approvals</a>');
    const { body, items } = await approvalsPage(h, jar);
    expect(items).toEqual(['recipients:list-1', 'template:activation-sql-1.v1']);
    expect(body).toContain('<a href="/review">SQL review</a>');
    const list = articleOf(body, 'recipients:list-1');
    expect(list).toContain('Recipient list list-1 <span class="domain">for nurture-mql-1.v1</span>');
    expect([...list.matchAll(/<tr data-recipient="([^"]+)"><td>[^<]+<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td>/g)].map((m) => m.slice(1))).toEqual([
      ['alpha.com', 'linkedin.com/in/alpha', 'MQL.dossier', 'MQL.dossier; latest signal E1 on 2026-04-01'],
      ['bravo.com', 'linkedin.com/in/bravo', 'MQL.dossier', 'MQL.dossier; latest signal E1 on 2026-04-01'],
    ]);
    expect(list).toContain('the &lt;i&gt;spring&lt;/i&gt; MQLs');
    expect(list).toContain('data-check="pass"');
    expect(list).toContain('<code data-subject>{{company_name}} and the partner half of the forecast</code>');
    expect(list).toContain('action="/approvals/lists/list-1/approve"');
    expect(list).toContain('<label for="feedback-reject-list-1">Feedback for sales.ops: why these are not the right recipients (HO 5.4.1)</label>');
    const activation = articleOf(body, 'template:activation-sql-1.v1');
    expect(activation).toContain('GO / NO-GO on the sales narrative (HO 5.4.2)');
    expect(activation).toContain('action="/approvals/templates/activation-sql-1.v1/go"');
    expect(activation).toContain('<label for="feedback-nogo-activation-sql-1_v1">Feedback for category.positioning: what the sales narrative needs');
    expect(activation).not.toContain('/approve"');
  });

  it('shows category.positioning their own drafts sent back, the feedback as text never markup, and no forms', async () => {
    const { jar, location } = await login(h, tokens.pia);
    expect(location).toBe('/approvals');
    const { body, items } = await approvalsPage(h, jar);
    expect(items).toEqual(['template:post-briefing-1.v1']); // quinn's draft is quinn's
    const draft = articleOf(body, 'template:post-briefing-1.v1');
    expect(draft).toContain('data-waits-for="category.positioning"');
    expect(draft).toContain('sent back by the CMO with feedback');
    expect(draft).toContain('&lt;img src=x onerror=alert(1)&gt; make it &quot;personal&quot; &amp; short');
    expect(body).not.toContain('<img');
    expect(body).not.toMatch(/<script|<[^>]*\son\w+=/i);
    expect(body).not.toContain('action="/approvals/');
    // Once pia writes the next version, the one sent back no longer waits for her.
    h.ladder.engine.templates.add({ name: 'v2.md', text: fixture('post-briefing-1.md').replace('Best,', 'Warmly,') }, { by: 'pia', role: 'category.positioning', source: 'cli', now: T0 });
    expect((await approvalsPage(h, jar)).items).toEqual([]);
  });

  it('shows sales.ops and chief.staff everything, read-only, and a bearer-token caller the same without forms', async () => {
    for (const token of [h.tokens.ops, h.tokens.chief]) {
      const { jar } = await login(h, token);
      const { body, items } = await approvalsPage(h, jar);
      expect(items).toEqual([
        'template:nurture-mql-1.v1', 'recipients:list-1', 'template:re-engagement-1.v1', 'template:activation-sql-1.v1',
        'template:post-briefing-1.v1', 'template:nurture-mql-2.v1',
      ]);
      expect(body).toContain('Read-only');
      expect(body).not.toContain('action="/approvals/');
    }
    const api = await h.app.inject({ url: '/approvals', headers: bearer(h.tokens.cmo) });
    expect(api.statusCode).toBe(200);
    expect(api.body).toContain('data-item="template:nurture-mql-1.v1"');
    expect(api.body).not.toContain('action="/approvals/');
    expect((await h.app.inject({ url: '/approvals' })).headers.location).toBe('/login');
  });
});

describe('the email approvals page: decisions through the engine', () => {
  let h: ServerHarness;
  beforeEach(async () => { h = await serverHarness(); seed(h); h.clock.now = Date.parse(at(2)); });
  afterEach(async () => { await h.close(); });

  it('approves as the session\'s user with the version shown, says what the engine recorded, and records a double submission once', async () => {
    const { jar } = await login(h, h.tokens.cmo);
    const page = await approvalsPage(h, jar);
    const fields = { csrf: page.csrf, version: page.versions['template:nurture-mql-1.v1']!, idem: page.idem, by: 'sam', role: 'chief.staff' };
    const res = await post(h, jar, '/approvals/templates/nurture-mql-1.v1/approve', fields);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/approvals');
    const after = await approvalsPage(h, jar);
    // At 11:00 the SLA (10:00) had fallen due too: the engine records both timers before the approval.
    expect(flashOf(after.body)).toEqual({
      kind: 'ok', refusal: null,
      text: 'Approved the messaging of nurture-mql-1.v1: waiting for the CMO → approved. First, what had fallen due was recorded: the 48-hour escalation to chief.staff (2026-04-05T10:00:00.000Z), the missed 1-business-day SLA (2026-04-06T10:00:00.000Z).',
    });
    expect(after.items).toEqual(['template:re-engagement-1.v1']);
    expect(stateOf(h, 'template', 'nurture-mql-1.v1')).toBe('approved');
    expect(machineEvents(h, 'nurture-mql-1.v1').at(-1)).toEqual({ type: 'CMO_APPROVE', by: 'carla', role: 'cmo', source: 'api', reason: null });
    expect(flashOf((await get(h, jar, '/approvals')).body)).toBeNull(); // shown once
    await post(h, jar, '/approvals/templates/nurture-mql-1.v1/approve', fields);
    expect(flashOf((await get(h, jar, '/approvals')).body)?.text).toContain('already recorded');
    expect(machineEvents(h, 'nurture-mql-1.v1').filter((e) => e.type === 'CMO_APPROVE')).toHaveLength(1);
  });

  it('shows the engine\'s explanation of a NO-GO without feedback, and sends the version back with it', async () => {
    const { jar } = await login(h, h.tokens.cro);
    let page = await approvalsPage(h, jar);
    const version = page.versions['template:activation-sql-1.v1']!;
    await post(h, jar, '/approvals/templates/activation-sql-1.v1/nogo', { csrf: page.csrf, version, feedback: '  ' });
    page = await approvalsPage(h, jar);
    expect(flashOf(page.body)).toEqual({ kind: 'error', refusal: null, text: 'feedback: feedback (what the copy or the sales narrative needs) is required and cannot be empty' });
    expect(stateOf(h, 'template', 'activation-sql-1.v1')).toBe('croReview');
    await post(h, jar, '/approvals/templates/activation-sql-1.v1/nogo', { csrf: page.csrf, version, feedback: 'Lead with the <b>Briefing</b>, not the price' });
    page = await approvalsPage(h, jar);
    expect(flashOf(page.body)?.text).toBe('NO-GO on activation-sql-1.v1: waiting for the CRO (GO / NO-GO, HO 5.4.2) → draft (back to category.positioning); category.positioning sees your feedback on the sales narrative.');
    expect(machineEvents(h, 'activation-sql-1.v1').at(-1)).toEqual({ type: 'CRO_NO_GO', by: 'marcus', role: 'cro', source: 'api', reason: 'Lead with the <b>Briefing</b>, not the price' });
    const pia = await login(h, h.ladder.engine.addUser({ name: 'pia2', role: 'category.positioning' }, { ...OPS, now: at(2), source: 'cli' }).token);
    const ops = await approvalsPage(h, (await login(h, h.tokens.ops)).jar);
    expect(articleOf(ops.body, 'template:activation-sql-1.v1')).toContain('CRO marcus');
    expect(articleOf(ops.body, 'template:activation-sql-1.v1')).toContain('Lead with the &lt;b&gt;Briefing&lt;/b&gt;, not the price');
    expect((await approvalsPage(h, pia.jar)).items).toEqual([]); // pia2 wrote none of them
  });

  it('refuses a decision on a stale page with the engine\'s own words (the sweep moved the list first)', async () => {
    h.clock.now = Date.parse(at(21.5)); // Tuesday 06:30: list-1's SLA (06:00) has fallen due, and no sweep has run
    const { jar } = await login(h, h.tokens.cro);
    const page = await approvalsPage(h, jar);
    const shown = Number(page.versions['recipients:list-1']);
    sweep(h.ladder.engine, { now: at(21.5), as: SYSTEM });
    await post(h, jar, '/approvals/lists/list-1/approve', { csrf: page.csrf, version: String(shown), idem: page.idem });
    const after = await approvalsPage(h, jar);
    expect(flashOf(after.body)).toEqual({ kind: 'refused', refusal: 'stale', text: `stale version for list-1: expected ${shown}, it is at ${shown + 1} (someone acted first); read it again and retry` });
    expect(stateOf(h, 'recipients', 'list-1')).toBe('proposed');
    expect(articleOf(after.body, 'recipients:list-1')).toContain('data-breached');
    const refusal = h.ladder.store.sqlite.prepare("select by, role, type, subject from refusals where subject = 'recipients:list-1'").get();
    expect(refusal).toEqual({ by: 'marcus', role: 'cro', type: 'RECIPIENTS_APPROVE', subject: 'recipients:list-1' });
    // With the version now shown, the same decision is taken.
    await post(h, jar, '/approvals/lists/list-1/approve', { csrf: after.csrf, version: after.versions['recipients:list-1']!, idem: after.idem });
    expect(flashOf((await get(h, jar, '/approvals')).body)?.text).toBe('Approved list-1: waiting for the CRO → approved.');
  });

  it('shows the engine\'s refusal of an approval the content rules forbid, and of a decision that is not the role\'s', async () => {
    // A drift phrase added to the settings since re-engagement-1.v1 was written: the CMO's approval is refused (HO 5.3).
    h.ladder.engine.changeSettings((s) => ({ ...s, templates: { ...s.templates, driftPhrases: [...s.templates.driftPhrases, 'benchmark'] } }), { by: 'test', role: 'sales.ops', now: at(1), change: 'drift', source: 'cli' });
    const { jar } = await login(h, h.tokens.cmo);
    let page = await approvalsPage(h, jar);
    const article = articleOf(page.body, 'template:re-engagement-1.v1');
    expect(article).toContain('data-rules="fail"');
    expect(article.match(/<li data-rule="drift">line \d+: /g)).toHaveLength(2);
    expect(article).toContain('The ladder will refuse an approval while a content rule fails');
    await post(h, jar, '/approvals/templates/re-engagement-1.v1/approve', { csrf: page.csrf, version: page.versions['template:re-engagement-1.v1']! });
    page = await approvalsPage(h, jar);
    expect(flashOf(page.body)).toMatchObject({ kind: 'refused', refusal: 'rule', text: expect.stringMatching(/^cannot approve re-engagement-1\.v1; it breaks 2 content rules \(HO 5\.3\): line \d+: .*benchmark/) });
    expect(stateOf(h, 'template', 're-engagement-1.v1')).toBe('cmoReview');
    // The CMO's GO on an Activation version: the CRO's decision, refused by the engine and recorded.
    await post(h, jar, '/approvals/templates/activation-sql-1.v1/go', { csrf: page.csrf, version: '3' });
    page = await approvalsPage(h, jar);
    expect(flashOf(page.body)).toMatchObject({ kind: 'refused', refusal: 'role', text: expect.stringContaining('cannot CRO_GO activation-sql-1.v1') });
    expect(stateOf(h, 'template', 'activation-sql-1.v1')).toBe('croReview');
    // An action the page does not have is no decision at all.
    const unknown = await post(h, jar, '/approvals/templates/activation-sql-1.v1/retire', { csrf: page.csrf, version: '3' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('This form decides approve, reject, go, nogo; not retire.');
  });

  it('refuses a form without, or with a wrong, anti-forgery token (403, nothing recorded); no session is sent to sign in', async () => {
    const { jar } = await login(h, h.tokens.cmo);
    const page = await approvalsPage(h, jar);
    h.clock.now += 1_000;
    const other = await login(h, h.tokens.cmo); // a later session of the same user: its token is not this one's
    const events = () => h.ladder.store.sqlite.prepare('select count(*) from machine_events').pluck().get();
    const before = events();
    for (const token of [undefined, '', 'A'.repeat(page.csrf.length), (await approvalsPage(h, other.jar)).csrf]) {
      const res = await post(h, jar, '/approvals/templates/nurture-mql-1.v1/approve', { ...(token === undefined ? {} : { csrf: token }), version: page.versions['template:nurture-mql-1.v1']! });
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('anti-forgery (CSRF) token is missing or wrong');
    }
    const anonymous = await post(h, new Map(), '/approvals/templates/nurture-mql-1.v1/approve', { csrf: page.csrf, version: page.versions['template:nurture-mql-1.v1']! });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/login');
    expect(events()).toBe(before);
    expect(stateOf(h, 'template', 'nurture-mql-1.v1')).toBe('cmoReview');
  });
});

const executablePath = chromiumFor('test/server/approvals.test.ts');

describe.skipIf(!executablePath)('the email approvals page in headless Chromium', () => {
  let browser: Browser;
  let h: ServerHarness;
  let base: string;
  beforeAll(async () => {
    h = await serverHarness();
    seed(h);
    h.clock.now = Date.parse(at(2));
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await chromium.launch({
      executablePath: executablePath!,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('lets the CMO sign in, approve from the keyboard and send a version back with feedback, without a CSP violation', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });

    await page.goto(`${base}/login`);
    await page.keyboard.type(h.tokens.cmo);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/approvals`);
    expect(await page.locator('article[data-item]').evaluateAll((as) => as.map((a) => a.getAttribute('data-item')))).toEqual(['template:nurture-mql-1.v1', 'template:re-engagement-1.v1']);
    // Both stylesheets are this server's, allowed by the CSP, and applied (the body as text in a wrapped <pre>).
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(246, 248, 250)');
    expect(await page.locator('pre.template-body').first().evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('pre-wrap');
    const out = fileURLToPath(new URL('../../test-output/', import.meta.url));
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'approvals-page.png'), fullPage: true });

    // Keyboard: Tab from the top reaches the most urgent version's Approve (after the skip link, the page link and Sign out).
    const focused: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => ({ action: document.activeElement?.getAttribute('data-action') ?? null, text: (document.activeElement?.textContent ?? '').replace(/\s+/g, ' ').trim() }));
      focused.push(f.text);
      if (f.action === 'approve') break;
    }
    expect(focused).toEqual(['Skip to the content', 'Email approvals', 'Sign out', 'Approve the messaging nurture-mql-1.v1']);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-flash]').textContent()).toContain('Approved the messaging of nurture-mql-1.v1: waiting for the CMO → approved.');

    const article = page.locator('article[data-item="template:re-engagement-1.v1"]');
    await page.getByLabel('Feedback for category.positioning: what the copy or the messaging needs').fill('Too close to the nurture copy; lead with the event');
    await article.locator('button[data-action="reject"]').click();
    await expect.poll(() => page.locator('[data-flash]').textContent()).toContain('Sent re-engagement-1.v1 back with your feedback');
    expect(await page.locator('[data-empty]').textContent()).toBe('Nothing waits for you.');
    expect(machineEvents(h, 're-engagement-1.v1').at(-1)).toEqual({ type: 'CMO_REJECT', by: 'carla', role: 'cmo', source: 'api', reason: 'Too close to the nurture copy; lead with the event' });
    expect(problems).toEqual([]);
    await page.close();
  });
});
