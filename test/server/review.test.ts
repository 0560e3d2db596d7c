// The CRO's review page over HTTP (issue 13, HO 3.6 and 4.3), through fastify's inject: sign-in and sign-out,
// the anti-forgery token on every form, roles, escaping, and decisions that go through the engine's one door
// with the session's identity and the version the page showed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { LadderEvent } from '../../machines/events.js';
import { stageOf } from '../../machines/stage.js';
import { PASSING_FACTS } from '../helpers/store.js';
import { OPS, serverHarness, T0, type ServerHarness } from './helpers.js';

const at = (hours: number) => new Date(Date.parse(T0) + hours * 3_600_000).toISOString();
const li = (who: string) => `https://www.linkedin.com/in/${who}`;

/**
 * Accounts at SQL review three ways: bravo (dossier on Friday, due first), alpha (today, due tomorrow), echo (E8
 * repeat engagement today: same-day review, so first); delta at MQL; foxtrot and hotel PROSPECTs failing one gate
 * (G1; G5, which is never overridable); golf failing two.
 */
function seed(h: ServerHarness, names: Partial<Record<string, string>> = {}) {
  const e = h.ladder.engine;
  const add = (domain: string, when: string, facts: Record<string, unknown> = PASSING_FACTS) =>
    e.addAccount({ domain, name: names[domain] ?? domain.split('.')[0]!.replace(/^./, (c) => c.toUpperCase()), hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts }, { ...OPS, at: when, now: T0, source: 'cli' });
  const send = (account: string, when: string, body: Record<string, unknown>) =>
    e.submit({ account, source: 'cli', now: T0, event: { ...body, at: when, ...OPS } as LadderEvent });
  const signal = (account: string, id: string, code: string, who: string, when: string, extra: Record<string, unknown> = {}) =>
    send(account, when, { type: 'SIGNAL', signal: { id, code, contact: li(who), at: when, ...extra } });
  const dossier = (account: string, when: string) => send(account, when, {
    type: 'DOSSIER', scores: { S1: 'CONFIRMED', S2: 'LIKELY', S3: 'LIKELY', S4: 'UNVERIFIED' },
    evidence: { S1: `${account}: 30% of revenue through AWS Marketplace`, S2: 'new CRO in February' },
  });
  const friday = at(-71); // 2026-04-03 10:00 UTC
  add('bravo.com', friday);
  signal('bravo.com', 'b1', 'E3', 'bea', friday, { source: 'LinkedIn DM' });
  dossier('bravo.com', at(-70));
  add('alpha.com', at(-4));
  signal('alpha.com', 'a1', 'E3', 'ann', at(-3));
  dossier('alpha.com', at(-2));
  add('echo.com', at(-6));
  signal('echo.com', 'e1', 'E1', 'eve', at(-5), { interaction: 'comment' });
  signal('echo.com', 'e2', 'E1', 'eve', at(-4), { interaction: 'comment' });
  dossier('echo.com', at(-1));
  add('delta.com', at(-3));
  signal('delta.com', 'd1', 'E1', 'dan', at(-2), { interaction: 'comment' });
  add('foxtrot.com', at(-3), { ...PASSING_FACTS, employees: 50 });
  signal('foxtrot.com', 'f1', 'E1', 'fay', at(-2), { interaction: 'comment' });
  add('hotel.com', at(-3), { ...PASSING_FACTS, competitor: true });
  add('golf.com', at(-3), { ...PASSING_FACTS, employees: 50, partnerProgram: undefined, partnerRevenueShare: 0.05 });
}

// ---- a browser's cookie jar, enough for these tests ----

type Jar = Map<string, string>;
function keep(jar: Jar, res: LightMyRequestResponse): Jar {
  const raw = res.headers['set-cookie'];
  for (const line of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (!value || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0(;|$)/i.test(line)) jar.delete(name);
    else jar.set(name, value);
  }
  return jar;
}
const cookieHeader = (jar: Jar) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
const csrfOf = (body: string) => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function get(h: ServerHarness, jar: Jar, url: string) {
  const res = await h.app.inject({ url, headers: { cookie: cookieHeader(jar) } });
  keep(jar, res);
  return res;
}
async function post(h: ServerHarness, jar: Jar, url: string, fields: Record<string, string>) {
  const res = await h.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: cookieHeader(jar) }, payload: form(fields) });
  keep(jar, res);
  return res;
}
async function login(h: ServerHarness, token: string): Promise<Jar> {
  const jar: Jar = new Map();
  const page = await get(h, jar, '/login');
  const res = await post(h, jar, '/login', { token, csrf: csrfOf(page.body) });
  expect(res.statusCode, res.body).toBe(303);
  return jar;
}
/** The review page as read, with the version it shows of each account and its form token. */
async function reviewPage(h: ServerHarness, jar: Jar) {
  const res = await get(h, jar, '/review');
  expect(res.statusCode, res.body).toBe(200);
  const versions = Object.fromEntries([...res.body.matchAll(/data-account="([^"]+)" data-version="(\d+)"/g)].map((m) => [m[1]!, m[2]!]));
  return { res, body: res.body, versions, csrf: csrfOf(res.body), idem: /name="idem" value="([^"]+)"/.exec(res.body)?.[1] ?? '' };
}
const flashOf = (body: string) => {
  const m = /<div class="flash flash-(\w+)" data-flash="\w+"(?: data-refusal="(\w+)")?[^>]*>[\s\S]*?<p class="flash-text">([\s\S]*?)<\/p>/.exec(body);
  return m ? { kind: m[1], refusal: m[2] ?? null, text: m[3]! } : null;
};
const events = (h: ServerHarness, account: string, type: string) => h.ladder.store.sqlite
  .prepare('select type, by, role, source, reason, payload from events where account = ? and type = ? order by id').all(account, type) as { by: string; role: string; source: string; reason: string | null; payload: string }[];
const eventCount = (h: ServerHarness) => h.ladder.store.sqlite.prepare('select count(*) from events').pluck().get() as number;
const stage = (h: ServerHarness, account: string) => {
  const s = stageOf(h.ladder.engine.load(account)!.snapshot.value);
  return s.substate ? `${s.stage}.${s.substate}` : s.stage;
};

describe('the CRO review page: signing in and out', () => {
  let h: ServerHarness;
  beforeEach(async () => { h = await serverHarness(); seed(h); });
  afterEach(async () => { await h.close(); });

  it('sends a visitor without a session to /login, whose form has a labelled password field and no inline script or style', async () => {
    const review = await h.app.inject({ url: '/review' });
    expect(review.statusCode).toBe(303);
    expect(review.headers.location).toBe('/login');
    const page = await h.app.inject({ url: '/login' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("style-src 'self'");
    expect(page.body).toMatch(/<label for="token">API token<\/label>\s*<input id="token" name="token" type="password" autocomplete="off"/);
    expect(page.body).not.toMatch(/<script|<style|\sstyle=|\son\w+=/i);
    expect(page.body).toContain('<link rel="stylesheet" href="/assets/review.css">');
    const css = await h.app.inject({ url: '/assets/review.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
  });

  it('marks the session cookie Secure behind a TLS proxy on this host (--behind-proxy), and only then', async () => {
    const proxied = await serverHarness({ behindProxy: true });
    try {
      const loginVia = async (app: typeof h.app, token: string, headers: Record<string, string>) => {
        const page = await app.inject({ url: '/login', headers });
        const jar = keep(new Map(), page);
        const res = await app.inject({ method: 'POST', url: '/login', headers: { ...FORM, ...headers, cookie: cookieHeader(jar) }, payload: form({ token, csrf: csrfOf(page.body) }) });
        expect(res.statusCode, res.body).toBe(303);
        return String([res.headers['set-cookie']].flat().find((c) => String(c).startsWith('ladder_session=')));
      };
      expect(await loginVia(proxied.app, proxied.tokens.cro, { 'x-forwarded-proto': 'https' })).toMatch(/; Secure/);
      expect(await loginVia(proxied.app, proxied.tokens.cro, {})).not.toMatch(/Secure/);
      // Without --behind-proxy the header is anyone's to send: not trusted.
      expect(await loginVia(h.app, h.tokens.cro, { 'x-forwarded-proto': 'https' })).not.toMatch(/Secure/);
    } finally {
      await proxied.close();
    }
  });

  it('exchanges a valid token for a signed, HttpOnly, SameSite=Strict session cookie; a bad token gets 401 and no cookie', async () => {
    const jar: Jar = new Map();
    const page = await get(h, jar, '/login');
    const bad = await post(h, jar, '/login', { token: 'ldr_not-a-real-token', csrf: csrfOf(page.body) });
    expect(bad.statusCode).toBe(401);
    expect(bad.body).toContain('That token is not valid');
    expect(jar.has('ladder_session')).toBe(false);
    expect(String(bad.headers['set-cookie'] ?? '')).not.toContain('ladder_session');

    const ok = await post(h, jar, '/login', { token: h.tokens.cro, csrf: csrfOf(bad.body) });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/review');
    const set = [ok.headers['set-cookie']].flat().find((c) => String(c).startsWith('ladder_session='))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/Path=\//);
    expect(set).toMatch(/Max-Age=28800/);
    expect(set).not.toMatch(/Secure/); // plain http here; https sets Secure
    expect(set).not.toContain(h.tokens.cro); // the session names the token's id, never the token
    expect(decodeURIComponent(jar.get('ladder_session')!)).toMatch(/^marcus\|\d+\|\d+\|\d+\.[\w+/-]+$/);
    const review = await get(h, jar, '/review');
    expect(review.statusCode).toBe(200);
    expect(review.body).toContain('Signed in as <strong>marcus</strong> (cro)');
  });

  it('refuses a sign-in form without its anti-forgery token, and a token without the nonce cookie it was made for', async () => {
    const jar: Jar = new Map();
    const page = await get(h, jar, '/login');
    const missing = await post(h, jar, '/login', { token: h.tokens.cro });
    expect(missing.statusCode).toBe(403);
    expect(missing.body).toContain('anti-forgery');
    expect(jar.has('ladder_session')).toBe(false);
    const crossSite = await post(h, new Map(), '/login', { token: h.tokens.cro, csrf: csrfOf(page.body) });
    expect(crossSite.statusCode).toBe(403);
    expect(String(crossSite.headers['set-cookie'] ?? '')).not.toContain('ladder_session');
  });

  it('signs out with the form token: the session cookie is cleared and ended on the server; without the token nothing happens', async () => {
    const jar = await login(h, h.tokens.cro);
    const other = await login(h, h.tokens.cro); // the same user in another browser
    const copy = new Map(jar); // a copy of the cookie, taken before signing out
    const { csrf } = await reviewPage(h, jar);
    const forged = await post(h, jar, '/logout', { csrf: 'x'.repeat(43) });
    expect(forged.statusCode).toBe(403);
    expect(jar.has('ladder_session')).toBe(true);
    const out = await post(h, jar, '/logout', { csrf });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(jar.has('ladder_session')).toBe(false);
    expect((await get(h, jar, '/review')).headers.location).toBe('/login');
    // Ended on the server: the copy opens nothing; signing out ends the token's other sessions too.
    expect((await get(h, copy, '/review')).headers.location).toBe('/login');
    expect((await h.app.inject({ url: '/api/me', headers: { cookie: cookieHeader(copy) } })).statusCode).toBe(401);
    expect((await get(h, other, '/review')).headers.location).toBe('/login');
    // The token itself still signs in.
    const again = await login(h, h.tokens.cro);
    expect((await get(h, again, '/review')).statusCode).toBe(200);
  });

  it('rate-limits sign-in attempts like every other request', async () => {
    const limited = await serverHarness({ rateLimitPerMinute: 3 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await limited.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token: `ldr_guess${i}` }) })).statusCode);
      expect(codes).toEqual([403, 403, 403, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('the CRO review page: the queue and the decisions', () => {
  let h: ServerHarness;
  beforeEach(async () => { h = await serverHarness(); seed(h, { 'bravo.com': '<script>alert("x")</script> & Bravo' }); });
  afterEach(async () => { await h.close(); });

  it('lists SQL-Pending Review most urgent first (E8 same-day, then review due time) with scores, evidence, signals, gates, tier and time in stage', async () => {
    const jar = await login(h, h.tokens.cro);
    const { body } = await reviewPage(h, jar);
    const queue = body.slice(body.indexOf('id="queue"'), body.indexOf('id="overrides"'));
    expect([...queue.matchAll(/<article [^>]*data-account="([^"]+)"/g)].map((m) => m[1])).toEqual(['echo.com', 'bravo.com', 'alpha.com']);
    expect(queue).toContain('data-count="queue">3<');
    // Due times are the engine's REVIEW_SLA timers: E8 by the end of today, the others one business day on.
    const due = (a: string) => h.ladder.store.sqlite.prepare("select due_at from timers where account = ? and timer_id like '%REVIEW_SLA%' and status = 'pending'").pluck().get(a) as string;
    for (const a of ['echo.com', 'bravo.com', 'alpha.com']) {
      const article = queue.slice(queue.indexOf(`data-account="${a}"`));
      expect(article).toContain(`data-due="${due(a)}"`);
    }
    expect(due('bravo.com') < due('echo.com')).toBe(true); // echo is first for being E8, not for being due first
    const echo = queue.slice(queue.indexOf('data-account="echo.com"'), queue.indexOf('data-account="bravo.com"'));
    expect(echo).toContain('E8 repeat engagement fast track: same-day review');
    expect(echo).toMatch(/<tr data-buying="S1"><th scope="row">S1 Partner revenue dependency<\/th><td class="score-yes">CONFIRMED<\/td><td class="evidence">echo\.com: 30% of revenue through AWS Marketplace<\/td>/);
    expect(echo).toContain('<td class="score-no">UNVERIFIED</td>');
    expect(echo).toMatch(/First touch: <strong>E1<\/strong> LinkedIn interaction, <time datetime="2026-04-06T04:00:00.000Z">/);
    expect(echo.match(/<tr data-signal="E1">/g)).toHaveLength(2);
    expect(echo).toContain('linkedin.com/in/eve');
    expect(echo.match(/data-verdict="pass"/g)).toHaveLength(5);
    expect(echo).toContain('<dt>Tier</dt><dd>Tier 1</dd>');
    expect(echo).toMatch(/data-in-stage>1 h 0 min \(since <time datetime="2026-04-06T08:00:00\.000Z">/);
    // The CRO's forms, each with the account's version and the session's token.
    expect(echo).toMatch(/action="\/review\/echo\.com\/confirm"/);
    expect(echo).toMatch(/<label for="reason-echo_com">Reason for disputing Echo/);
    expect(echo).toMatch(/<textarea id="reason-echo_com" name="reason"[^>]* required>/);
    expect(echo).toContain('Flag for immediate outreach');
    // PROSPECTs failing one gate: foxtrot (G1, with its form) and hotel (G5: never overridable, no form); golf fails two.
    const overrides = body.slice(body.indexOf('id="overrides"'));
    expect([...overrides.matchAll(/<article [^>]*data-account="([^"]+)"/g)].map((m) => m[1])).toEqual(['foxtrot.com', 'hotel.com']);
    expect(overrides).toContain('data-failing="G1"');
    expect(overrides).toMatch(/<label for="gate-foxtrot_com">Gate to override<\/label>\s*<select id="gate-foxtrot_com" name="gate">.*<option value="G1" selected>/s);
    expect(overrides).toContain('<label for="justification-foxtrot_com">');
    expect(overrides).toContain('<label for="compensating-foxtrot_com">');
    expect(overrides).not.toContain('action="/review/hotel.com/override"');
    expect(overrides).toContain('G5 cannot be overridden');
    expect(body).not.toContain('delta.com');
  });

  it('shows an account name with <script> as text, never as markup', async () => {
    const jar = await login(h, h.tokens.cro);
    const { body, res } = await reviewPage(h, jar);
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Bravo');
    expect(body).not.toMatch(/<script|<style|\sstyle=|\son\w+=/i);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('shows sales.ops the same queue read-only, refuses the page to the CMO, and a sales.ops decision is the engine\'s refusal', async () => {
    const ops = await login(h, h.tokens.ops);
    const page = await reviewPage(h, ops);
    expect([...page.body.matchAll(/<article [^>]*data-account="([^"]+)"/g)].map((m) => m[1]).slice(0, 3)).toEqual(['echo.com', 'bravo.com', 'alpha.com']);
    expect(page.body).toContain('Read-only: decisions are the CRO');
    expect(page.body).not.toMatch(/action="\/review\//);
    const byOps = await post(h, ops, '/review/alpha.com/confirm', { csrf: page.csrf, version: page.versions['alpha.com']! });
    expect(byOps.statusCode).toBe(303);
    expect(flashOf((await get(h, ops, '/review')).body)).toMatchObject({ kind: 'refused', refusal: 'role', text: expect.stringContaining('only the CRO may') });
    expect(stage(h, 'alpha.com')).toBe('SQL.review');

    const cmo = await login(h, h.tokens.cmo);
    const refused = await get(h, cmo, '/review');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('The review page is for the CRO and sales.ops (HO 4.3); carla is cmo.');
    expect(refused.body).not.toContain('alpha.com');
    const cmoPost = await post(h, cmo, '/review/alpha.com/confirm', { csrf: csrfOf(refused.body), version: '3' });
    expect(cmoPost.statusCode).toBe(403);
  });

  it('refuses a decision without, or with a wrong, anti-forgery token: 403, and nothing is recorded', async () => {
    const cro = await login(h, h.tokens.cro);
    const { versions, csrf } = await reviewPage(h, cro);
    h.clock.now += 1_000;
    const other = await login(h, h.tokens.cro); // a later session of the same user: its token is not this one's
    const before = eventCount(h);
    for (const token of [undefined, '', 'A'.repeat(csrf.length), csrfOf((await reviewPage(h, other)).body)]) {
      const res = await post(h, cro, '/review/alpha.com/confirm', { ...(token === undefined ? {} : { csrf: token }), version: versions['alpha.com']! });
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('anti-forgery (CSRF) token is missing or wrong');
      expect(res.body).toContain('Nothing was changed');
    }
    // No session at all (a cross-site form without the SameSite=Strict cookie): sent to sign in, nothing recorded.
    const anonymous = await post(h, new Map(), '/review/alpha.com/confirm', { csrf, version: versions['alpha.com']! });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/login');
    expect(eventCount(h)).toBe(before);
    expect(stage(h, 'alpha.com')).toBe('SQL.review');
  });

  it('confirms as the session\'s user, whatever the form says, and says what changed; the same form sent twice records once', async () => {
    const cro = await login(h, h.tokens.cro);
    const { versions, csrf, idem } = await reviewPage(h, cro);
    const fields = { csrf, version: versions['alpha.com']!, idem, by: 'olivia', role: 'sales.ops' };
    const res = await post(h, cro, '/review/alpha.com/confirm', fields);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/review');
    const recorded = events(h, 'alpha.com', 'CRO_CONFIRM');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ by: 'marcus', role: 'cro', source: 'api' });
    expect(stage(h, 'alpha.com')).toBe('SQL.confirmed');
    const after = await reviewPage(h, cro);
    expect(flashOf(after.body)).toEqual({ kind: 'ok', refusal: null, text: 'Confirmed alpha.com: SQL: review → SQL: confirmed. Schedule the Briefing next.' });
    expect(after.body).not.toContain('data-account="alpha.com"');
    // The flash is shown once.
    expect(flashOf((await get(h, cro, '/review')).body)).toBeNull();
    // A double click: the second submission of the same form is the first one's record.
    await post(h, cro, '/review/alpha.com/confirm', fields);
    expect(flashOf((await get(h, cro, '/review')).body)?.text).toContain('already recorded');
    expect(events(h, 'alpha.com', 'CRO_CONFIRM')).toHaveLength(1);
  });

  it('refuses a decision on a stale page with the engine\'s own explanation (someone acted first)', async () => {
    const cro = await login(h, h.tokens.cro);
    const { versions, csrf, idem } = await reviewPage(h, cro);
    const shown = Number(versions['bravo.com']);
    h.ladder.engine.submit({ account: 'bravo.com', source: 'cli', now: T0, event: { type: 'SIGNAL', signal: { id: 'b2', code: 'E2', contact: li('bea'), at: T0 }, at: T0, ...OPS } as LadderEvent });
    await post(h, cro, '/review/bravo.com/flag', { csrf, version: String(shown), idem });
    const flash = flashOf((await get(h, cro, '/review')).body);
    expect(flash).toEqual({ kind: 'refused', refusal: 'stale', text: `stale version for bravo.com: expected ${shown}, it is at ${shown + 1} (someone acted first); read it again and retry` });
    expect(events(h, 'bravo.com', 'CRO_FLAG')).toHaveLength(0);
    const refusal = h.ladder.store.sqlite.prepare("select by, role, type, why from refusals where account = 'bravo.com'").get() as Record<string, string>;
    expect(refusal).toMatchObject({ by: 'marcus', role: 'cro', type: 'CRO_FLAG' });
    expect(stage(h, 'bravo.com')).toBe('SQL.review');
    // Without a version the form is not a decision at all.
    await post(h, cro, '/review/bravo.com/flag', { csrf });
    expect(flashOf((await get(h, cro, '/review')).body)).toMatchObject({ kind: 'error', text: expect.stringContaining('version: the form did not say') });
  });

  it('shows the engine\'s explanation of a dispute without a reason, and records one with its reason', async () => {
    const cro = await login(h, h.tokens.cro);
    let page = await reviewPage(h, cro);
    await post(h, cro, '/review/echo.com/dispute', { csrf: page.csrf, version: page.versions['echo.com']!, reason: '   ' });
    page = await reviewPage(h, cro);
    expect(flashOf(page.body)).toEqual({ kind: 'error', refusal: null, text: 'reason: reason is required and cannot be empty' });
    expect(stage(h, 'echo.com')).toBe('SQL.review');
    await post(h, cro, '/review/echo.com/dispute', { csrf: page.csrf, version: page.versions['echo.com']!, reason: 'S2 is a <b>rumour</b>: the "new CRO" is an interim' });
    page = await reviewPage(h, cro);
    expect(flashOf(page.body)?.text).toBe('Disputed echo.com: SQL: review → MQL: nurture; the reason is kept for signal calibration (HO 4.3).');
    const [dispute] = events(h, 'echo.com', 'CRO_DISPUTE');
    expect(dispute).toMatchObject({ by: 'marcus', role: 'cro', reason: 'S2 is a <b>rumour</b>: the "new CRO" is an interim' });
  });

  it('overrides the one failed gate of a PROSPECT (HO 3.6) and shows the engine\'s refusal of an override of a passing gate', async () => {
    const cro = await login(h, h.tokens.cro);
    let page = await reviewPage(h, cro);
    const override = { csrf: page.csrf, version: page.versions['foxtrot.com']!, justification: '180 people, three hyperscaler co-sell motions', compensatingSignals: 'AWS, Azure and GCP co-sell\r\n\r\n named exec referral ' };
    await post(h, cro, '/review/foxtrot.com/override', { ...override, gate: 'G2' });
    page = await reviewPage(h, cro);
    expect(flashOf(page.body)).toEqual({ kind: 'refused', refusal: 'rule', text: 'cannot override G2 for foxtrot.com: G2 passes, there is nothing to override; the CRO overrides one failed gate (HO 3.6)' });
    await post(h, cro, '/review/foxtrot.com/override', { ...override, gate: 'G1' });
    page = await reviewPage(h, cro);
    expect(flashOf(page.body)?.text).toMatch(/^Overrode G1 for foxtrot\.com \(HO 3\.6\): PROSPECT → MQL: dossier\./);
    const [row] = events(h, 'foxtrot.com', 'CRO_OVERRIDE');
    expect(row).toMatchObject({ by: 'marcus', role: 'cro' });
    expect(JSON.parse(row!.payload)).toMatchObject({ gate: 'G1', compensatingSignals: ['AWS, Azure and GCP co-sell', 'named exec referral'] });
    expect(page.body.slice(page.body.indexOf('id="overrides"'))).not.toContain('data-account="foxtrot.com"');
  });

  it('ignores a flash cookie that is forged, expired or another user\'s', async () => {
    const cro = await login(h, h.tokens.cro);
    const page = await reviewPage(h, cro);
    await post(h, cro, '/review/alpha.com/confirm', { csrf: page.csrf, version: page.versions['alpha.com']! });
    const sealed = cro.get('ladder_flash')!;
    const [body, sig] = sealed.split('.');
    const forged = Buffer.from(JSON.stringify({ k: 'ok', t: '<img src=x onerror=alert(1)>', r: null, u: 'marcus', e: Date.parse(T0) + 60_000 })).toString('base64url');
    const show = async (flash: string, token = h.tokens.cro) => {
      const jar = await login(h, token);
      jar.set('ladder_flash', flash);
      return flashOf((await get(h, jar, '/review')).body);
    };
    expect(await show(`${forged}.${sig}`)).toBeNull();
    expect(await show(sealed, h.tokens.ops)).toBeNull();
    h.clock.now += 61_000;
    expect(await show(`${body}.${sig}`)).toBeNull();
    h.clock.now -= 61_000;
    expect((await show(sealed))?.text).toContain('Confirmed alpha.com');
  });
});
