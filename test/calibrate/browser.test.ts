// The calibration page in a real browser (headless Chromium, Debian's package, driven by playwright-core): it opens
// offline with no request but its own file and no console error, and shows the numbers the replay computed, checked
// against the hand-computed G1 fixture (2 → 5 new MQLs, size150/175/199.com on another path) and a refused input.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrate.js';
import { renderCalibrationHtml } from '../../src/calibrate/html.js';
import type { LadderCommandEvent } from '../../machines/events.js';
import { tempEngine } from '../helpers/store.js';
import { chromiumFor, launchChromium, openRecorded } from '../helpers/chromium.js';
import { decodePng, distinctColours } from '../report/png.js';

const OUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const executablePath = chromiumFor('test/calibrate/browser.test.ts');
const T0 = '2026-03-02T09:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(T0) + hours * 3_600_000).toISOString();
const ops = { by: 'sales.ops', role: 'sales.ops' as const };
const cro = { by: 'cro', role: 'cro' as const };
const facts = (employees: number, revenueUsd = 40_000_000) => ({
  employees, revenueUsd, revenueConfirmed: true, strongEcosystemComplexity: false, namedExecReferral: false,
  partnerProgram: 'AWS', namedReferral: true, namedPartnerExec: true, nonEnglishMarket: false, sanctioned: false, competitor: false,
});

describe.skipIf(!executablePath)('the calibration page in headless Chromium', () => {
  let browser: Browser;
  let env: ReturnType<typeof tempEngine>;
  beforeAll(async () => {
    browser = await launchChromium(executablePath!);
    env = tempEngine();
    const { engine } = env;
    const send = (d: string, body: Record<string, unknown>, h: number, who: typeof ops | typeof cro = ops) =>
      engine.submit({ account: d, source: 'cli', now: at(h), event: { ...body, at: at(h), ...who } as LadderCommandEvent });
    [99, 150, 175, 199, 200, 500].forEach((n, i) => {
      engine.addAccount({ domain: `size${n}.com`, name: `Size ${n}`, hq: 'Berlin', tier: 'Tier 2', icpScore: 70, facts: facts(n) }, { ...ops, at: at(i), now: at(i), source: 'cli' });
      send(`size${n}.com`, { type: 'SIGNAL', signal: { id: `s${n}`, code: 'E1', interaction: 'comment', contact: `ceo@size${n}.com`, at: at(10 + i) } }, 10 + i);
    });
    // 120 employees with confirmed revenue over $50M: G1 passes through the compensating signal; a dossier and a
    // CRO confirmation follow. Raising the conditional floor to 130 refuses both.
    engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Paris', tier: 'Tier 1', icpScore: 80, facts: facts(120, 60_000_000) }, { ...ops, at: at(20), now: at(20), source: 'cli' });
    send('acme.com', { type: 'SIGNAL', signal: { id: 'a1', code: 'E3', contact: 'ceo@acme.com', at: at(21) } }, 21);
    send('acme.com', { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' } }, 22);
    send('acme.com', { type: 'CRO_CONFIRM' }, 23, cro);
  });
  afterAll(async () => {
    await browser?.close();
    env?.cleanup();
  });

  it('shows the replay\'s numbers, offline, without console errors', async () => {
    const report = await calibrate(env.engine, {
      override: { gates: { g1PassEmployees: 150, g1ConditionalEmployees: 130 } }, rulesFile: 'g1.json', now: at(24 * 14), workers: 0, check: true,
    });
    mkdirSync(OUT, { recursive: true });
    const path = join(OUT, 'calibration.html');
    writeFileSync(path, renderCalibrationHtml(report, { now: at(24 * 14) }));

    const { page, errors, requests } = await openRecorded(browser, path);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(path).href]);
    for (const id of ['summary', 'weekly', 'differing', 'refused', 'ho63', 'definitions']) {
      await expect.poll(() => page.locator(`section#${id} h2`).isVisible()).toBe(true);
    }

    // Hand-computed: under the SOP, size200 and size500 become MQLs (acme.com goes straight to SQL on its E3);
    // under G1 150 also size150, size175 and size199; acme.com (120 employees < 130) stays a PROSPECT.
    expect(await page.locator('[data-metric="new-mqls"]').textContent()).toBe('2 → 5');
    expect(await page.locator('[data-metric="sqls"]').textContent()).toBe('1 → 0');
    expect(await page.locator('[data-metric="differing"]').textContent()).toBe('4');
    expect(await page.locator('[data-metric="refused"]').textContent()).toBe('2');
    expect(await page.locator('#differing tr[data-account]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-account'))))
      .toEqual(['acme.com', 'size150.com', 'size175.com', 'size199.com']);
    expect(await page.locator('#refused tr[data-refused]').allTextContents()).toEqual([
      expect.stringContaining('#3 DOSSIER'), expect.stringContaining('#4 CRO_CONFIRM'),
    ]);
    expect(await page.locator('[data-metric="refused-total"]').textContent()).toBe('2');
    expect(await page.locator('[data-self-check="true"]').count()).toBe(1);
    // The weekly chart: week 2026-W10's bars carry 2 (rules in force) and 5 (alternative) new MQLs.
    const bars = await page.locator('svg[aria-label="New MQLs per week"] rect[data-label="W10"]').evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-run'), r.getAttribute('data-value'), Number(r.getAttribute('height'))]));
    expect(bars.map(([run, v]) => [run, v])).toEqual([['current', '2'], ['alt', '5']]);
    expect(Number(bars[1]![2])).toBeGreaterThan(Number(bars[0]![2]));
    expect(await page.locator('tr[data-week="2026-W10"]').textContent()).toContain('2 → 5');
    expect(await page.locator('#ho63 tr[data-first-touch="E1"]').textContent()).toMatch(/n=2.*n=5/);
    // The page carries the same numbers as --json.
    const data = JSON.parse(await page.locator('#calibration-data').textContent() ?? '{}');
    expect(data.summary.totals.newMqls).toEqual({ current: 2, alt: 5 });

    const png = join(OUT, 'calibration.png');
    await page.screenshot({ path: png, fullPage: true });
    const image = decodePng(readFileSync(png));
    expect(image.height).toBeGreaterThan(1500);
    expect(distinctColours(image)).toBeGreaterThan(50);
    await page.close();
  });
});
