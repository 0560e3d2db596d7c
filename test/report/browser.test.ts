// The weekly report in a real browser: headless Chromium (Debian's package, driven by playwright-core)
// opens the generated HTML from a demo database and from the hand-computed fixture week; the numbers on
// the page must be the database's. Skipped only when Chromium is missing outside CI.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/simulate.js';
import { lifecycleSvg, renderReportHtml } from '../../src/report/html.js';
import { weeklyReport } from '../../src/report/report.js';
import { isoWeekOf } from '../../src/report/week.js';
import type { Engine } from '../../src/engine/engine.js';
import { tempEngine } from '../helpers/store.js';
import { buildFixtureWeek, FIXTURE_NOW, FIXTURE_WEEK } from './fixture-week.js';
import { decodePng, distinctColours } from './png.js';
import { chromiumFor } from '../helpers/chromium.js';

const OUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const SECTIONS = ['alerts', 'summary', 'lifecycle', 'pipeline', 'sla', 'overrides', 'stale', 'time-in-stage', 'definitions'];

const executablePath = chromiumFor('test/report/browser.test.ts');

async function writeReport(engine: Engine, now: string, week: string | undefined, file: string, db: string) {
  const report = weeklyReport(engine, { now, week });
  const html = renderReportHtml(report, await lifecycleSvg(engine.machine, engine.rules, report), { db, now });
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, file), html);
  return { report, path: join(OUT, file) };
}

type Visit = { page: Page; errors: string[]; requests: string[]; loadMs: number };
async function visit(browser: Browser, path: string): Promise<Visit> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  const loadMs = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return nav.loadEventEnd - nav.startTime;
  });
  return { page, errors, requests, loadMs };
}

const counts = (engine: Engine) => {
  const rows = engine.store.sqlite.prepare('select stage, substate, count(*) as n from actors group by stage, substate').all() as { stage: string; substate: string | null; n: number }[];
  const out: Record<string, number> = {};
  for (const r of rows) {
    if (r.substate) out[`${r.stage}.${r.substate}`] = r.n;
    out[r.stage] = (out[r.stage] ?? 0) + r.n;
  }
  return out;
};

describe.skipIf(!executablePath)('the weekly report in headless Chromium', () => {
  let browser: Browser;
  const envs: ReturnType<typeof tempEngine>[] = [];
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: executablePath!,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    for (const e of envs) e.cleanup();
  });

  it('shows the demo fleet\'s week with the database\'s numbers, offline and without console errors', async () => {
    const env = tempEngine();
    envs.push(env);
    const summary = await runDemo(env.engine, { accounts: 200, days: 100, seed: 7, start: '2026-01-05T00:00:00.000Z' });
    const now = summary.end;
    const { report, path } = await writeReport(env.engine, now, undefined, 'report.html', env.path);
    const { page, errors, requests, loadMs } = await visit(browser, path);
    console.log(`report page: ${(readFileSync(path).length / 1024).toFixed(0)} KiB, loaded in ${loadMs.toFixed(0)} ms (navigation start → load event)`);

    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(path).href]); // self-contained: nothing else is fetched
    for (const id of SECTIONS) {
      await expect.poll(() => page.locator(`section#${id} h2`).isVisible()).toBe(true);
    }

    // The lifecycle diagram, drawn from the machine, with the live count in every box.
    const db = counts(env.engine);
    const states = await page.locator('#diagram svg g.stage').evaluateAll((gs) => gs.map((g) => ({
      id: g.id.replace(/^stage-/, ''),
      texts: [...g.querySelectorAll(':scope > text')].map((t) => t.textContent ?? ''),
    })));
    expect(states.map((s) => s.id).sort()).toEqual(Object.keys(report.stages).sort());
    for (const s of states) {
      const shown = Number(s.texts.map((t) => t.trim()).find((t) => /^\d+$/.test(t)) ?? /\d+$/.exec(s.texts[0] ?? '')?.[0]);
      expect(shown, `count in the diagram for ${s.id}`).toBe(db[s.id] ?? 0);
    }
    const table = await page.locator('#lifecycle tr[data-stage]').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-stage'), Number(tr.querySelector('[data-count]')?.textContent)]));
    expect(Object.fromEntries(table)).toEqual(Object.fromEntries(Object.keys(report.stages).map((s) => [s, db[s] ?? 0])));

    // New MQLs: the page against a query of the event log written here, not the report's own. Machine v2 logs
    // the MQL sub-state a move lands in (a new classification lands in MQL.dossier).
    const week = isoWeekOf(now);
    const { n: newMqls } = env.engine.store.sqlite.prepare(
      `select count(distinct account) as n from events where stage_before in ('PROSPECT', 'ARCHIVED') and stage_after in ('MQL', 'MQL.dossier', 'MQL.nurture') and at >= ? and at <= ?`,
    ).get(week.start, now) as { n: number };
    expect(newMqls).toBeGreaterThan(0); // the demo's last week has classifications: the comparison is not 0 = 0
    expect(await page.locator('[data-metric="new-mqls"]').textContent()).toBe(String(newMqls));
    expect(await page.locator('[data-metric="new-mqls-table"]').textContent()).toBe(String(newMqls));
    const { n: breachesFlagged } = env.engine.store.sqlite.prepare(
      `select count(*) as n from timers where timer_id like '%\\_SLA.%' escape '\\' and status = 'fired' and due_at >= ? and due_at <= ?`,
    ).get(week.start, now) as { n: number };
    expect(await page.locator('#sla tbody tr').filter({ hasText: 'flagged' }).count()).toBe(breachesFlagged);
    expect(await page.locator('li[data-alert]').count()).toBe(4);

    // The diagram zooms on click (the page's only script).
    await page.locator('#diagram').click();
    expect(await page.locator('#diagram.zoomed').count()).toBe(1);
    await page.locator('#diagram').click();

    const png = join(OUT, 'report.png');
    await page.screenshot({ path: png, fullPage: true });
    const image = decodePng(readFileSync(png));
    expect(image.height).toBeGreaterThan(2000);
    expect(distinctColours(image)).toBeGreaterThan(100); // a blank page has 1
    await page.close();
  });

  it('shows the hand-computed week\'s overrides, breaches, stale SQLs and alerts', async () => {
    const env = tempEngine();
    envs.push(env);
    buildFixtureWeek(env.engine);
    const { path } = await writeReport(env.engine, FIXTURE_NOW, FIXTURE_WEEK, 'report-fixture.html', env.path);
    const { page, errors } = await visit(browser, path);
    expect(errors).toEqual([]);
    expect(await page.locator('[data-metric="new-mqls"]').textContent()).toBe('4');
    expect(await page.locator('[data-metric="override-rate"]').textContent()).toBe('25.0%');
    expect(await page.locator('#overrides tr[data-override]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-override')))).toEqual(['india.com', 'echo.com']);
    expect(await page.locator('#overrides tbody').textContent()).toContain('spun out of a Tier 1 partner, same team');
    expect(await page.locator('li[data-holds="true"]').evaluateAll((lis) => lis.map((l) => l.getAttribute('data-alert')))).toEqual(['override-rate-high', 'mql-volume-low', 'stale-sqls']);
    // hotel's late classification, five dossier SLAs (charlie, delta, echo, hotel from MQL: dossier; foxtrot from
    // SQL: dossier), delta's review: as computed by hand in fixture-week.test.ts.
    expect(await page.locator('#sla tbody tr').filter({ hasText: /flagged|late/ }).count()).toBe(7);
    expect(await page.locator('#stale tbody').textContent()).toContain('golf.com');
    expect(await page.locator('#stage-SQL\\.review > text').allTextContents()).toEqual(['review', '1']);
    expect(await page.locator('#stage-MQL\\.dossier > text').allTextContents()).toEqual(['dossier', '4']);
    expect(await page.locator('#stage-MQL\\.nurture > text').allTextContents()).toEqual(['nurture', '2']);
    await page.screenshot({ path: join(OUT, 'report-fixture.png'), fullPage: true });
    await page.close();
  });
});
