// The CRO's review page in a real browser (issue 13): headless Chromium (Debian's package, driven by
// playwright-core) against `ladder serve`'s server on a real port. The CRO signs in with their token, confirms
// one account from the keyboard, disputes another, meets the engine's refusal of a decision on a stale page,
// and the database holds each decision as marcus, cro. Skipped only when Chromium is missing outside CI.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LadderEvent } from '../../machines/events.js';
import { stageOf } from '../../machines/stage.js';
import { PASSING_FACTS } from '../helpers/store.js';
import { OPS, serverHarness, T0, type ServerHarness } from './helpers.js';
import { chromiumFor } from '../helpers/chromium.js';

const OUT = fileURLToPath(new URL('../../test-output/', import.meta.url));

const executablePath = chromiumFor('test/server/review-page.test.ts');

const at = (hours: number) => new Date(Date.parse(T0) + hours * 3_600_000).toISOString();
const li = (who: string) => `https://www.linkedin.com/in/${who}`;

/** Three accounts at SQL review: echo by E8 repeat engagement (same-day review: first), bravo, alpha. */
function seed(h: ServerHarness) {
  const e = h.ladder.engine;
  const add = (domain: string, name: string, when: string) =>
    e.addAccount({ domain, name, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, at: when, now: T0, source: 'cli' });
  const send = (account: string, when: string, body: Record<string, unknown>) =>
    e.submit({ account, source: 'cli', now: T0, event: { ...body, at: when, ...OPS } as LadderEvent });
  const signal = (account: string, id: string, code: string, who: string, when: string, extra: Record<string, unknown> = {}) =>
    send(account, when, { type: 'SIGNAL', signal: { id, code, contact: li(who), at: when, ...extra } });
  const dossier = (account: string, when: string) => send(account, when, {
    type: 'DOSSIER', scores: { S1: 'CONFIRMED', S2: 'LIKELY', S3: 'LIKELY', S4: 'NOT_PRESENT' }, evidence: { S1: 'partner-sourced revenue 35% (10-K)' },
  });
  add('bravo.com', '<script>alert(1)</script> Bravo', at(-71));
  signal('bravo.com', 'b1', 'E3', 'bea', at(-71));
  dossier('bravo.com', at(-70));
  add('alpha.com', 'Alpha', at(-4));
  signal('alpha.com', 'a1', 'E6', 'ann', at(-3));
  dossier('alpha.com', at(-2));
  add('echo.com', 'Echo', at(-6));
  signal('echo.com', 'e1', 'E1', 'eve', at(-5), { interaction: 'comment' });
  signal('echo.com', 'e2', 'E2', 'eve', at(-4));
  dossier('echo.com', at(-1));
}

const flash = (page: Page) => page.locator('[data-flash]').textContent({ timeout: 5_000 }).catch(() => null);
const stage = (h: ServerHarness, account: string) => {
  const s = stageOf(h.ladder.engine.load(account)!.snapshot.value);
  return s.substate ? `${s.stage}.${s.substate}` : s.stage;
};

describe.skipIf(!executablePath)('the CRO review page in headless Chromium', () => {
  let browser: Browser;
  let h: ServerHarness;
  let base: string;
  beforeAll(async () => {
    h = await serverHarness();
    seed(h);
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

  it('lets the CRO sign in, confirm from the keyboard, dispute with a reason and see a refusal, without a CSP violation', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
    page.on('request', (r) => requests.push(r.url()));

    // No session: the page sends the browser to sign in. The token field has the focus; Enter submits.
    await page.goto(`${base}/review`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token');
    await page.keyboard.type(h.tokens.cro);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/review`);
    await expect.poll(() => page.locator('.who').textContent()).toContain('Signed in as marcus (cro)');
    expect(await page.locator('#queue article').evaluateAll((as) => as.map((a) => a.getAttribute('data-account')))).toEqual(['echo.com', 'bravo.com', 'alpha.com']);
    // The stylesheet is this server's, allowed by the CSP, and applied.
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(246, 248, 250)');
    expect(await page.locator('#queue article[data-account="bravo.com"] h3').textContent()).toContain('<script>alert(1)</script> Bravo');

    // Keyboard: Tab from the top of the page reaches the first account's Confirm (after the skip link and Sign out).
    const focused: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return { action: el?.getAttribute('data-action') ?? null, text: (el?.textContent ?? '').replace(/\s+/g, ' ').trim() };
      });
      focused.push(f.text);
      if (f.action === 'confirm') break;
    }
    expect(focused).toEqual(['Skip to the content', 'Sign out', 'Confirm Echo (echo.com)']);
    await page.keyboard.press('Enter');
    await expect.poll(() => flash(page)).toContain('Confirmed echo.com: SQL: review → SQL: confirmed');
    expect(await page.locator('[data-flash]').getAttribute('role')).toBe('status');

    // Dispute bravo with a reason, typed into its labelled textarea.
    const bravo = page.locator('article[data-account="bravo.com"]');
    await page.getByLabel('Reason for disputing <script>alert(1)</script> Bravo').fill('S3 is one marketplace listing, not a co-sell motion');
    await bravo.locator('button[data-action="dispute"]').click();
    await expect.poll(() => flash(page)).toContain('Disputed bravo.com: SQL: review → MQL: nurture');

    // A decision on a stale page: someone records a signal on alpha after the page was read; the engine refuses.
    const shown = Number(await page.locator('article[data-account="alpha.com"]').getAttribute('data-version'));
    h.ladder.engine.submit({ account: 'alpha.com', source: 'cli', now: T0, event: { type: 'SIGNAL', signal: { id: 'a2', code: 'E2', contact: li('ann'), at: T0 }, at: T0, ...OPS } as LadderEvent });
    await page.locator('article[data-account="alpha.com"] button[data-action="confirm"]').click();
    await expect.poll(() => flash(page)).toContain(`stale version for alpha.com: expected ${shown}, it is at ${shown + 1} (someone acted first); read it again and retry`);
    expect(await page.locator('[data-flash]').getAttribute('role')).toBe('alert');
    expect(await page.locator('[data-flash]').getAttribute('data-refusal')).toBe('stale');

    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'review-page.png'), fullPage: true });

    // The database: each decision as marcus, cro (from the session), and the refusal recorded.
    const rows = h.ladder.store.sqlite.prepare("select account, type, by, role, reason from events where type like 'CRO_%' order by id").all();
    expect(rows).toEqual([
      { account: 'echo.com', type: 'CRO_CONFIRM', by: 'marcus', role: 'cro', reason: null },
      { account: 'bravo.com', type: 'CRO_DISPUTE', by: 'marcus', role: 'cro', reason: 'S3 is one marketplace listing, not a co-sell motion' },
    ]);
    expect(stage(h, 'echo.com')).toBe('SQL.confirmed');
    expect(stage(h, 'bravo.com')).toBe('MQL.nurture');
    expect(stage(h, 'alpha.com')).toBe('SQL.review');
    expect(h.ladder.store.sqlite.prepare("select account, type, by, role from refusals where type like 'CRO_%'").all())
      .toEqual([{ account: 'alpha.com', type: 'CRO_CONFIRM', by: 'marcus', role: 'cro' }]);

    expect(problems).toEqual([]); // no CSP violation, no script error, no alert() from the account's name
    expect(requests.filter((u) => !u.startsWith(`${base}/`))).toEqual([]);
    await page.close();
  });
});
