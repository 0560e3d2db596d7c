// The report's "Email sequences" section in a real browser: headless Chromium (Debian's package, driven by
// playwright-core) opens the page built from the handmade week of sequences-fixture.ts. The page must fetch nothing,
// log no error, and show the database's numbers (queried here, not taken from the report). Skipped only when
// Chromium is missing outside CI.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLY_CATEGORIES } from '../../machines/sequence-config.js';
import { lifecycleSvg, renderReportHtml } from '../../src/report/html.js';
import { weeklyReport } from '../../src/report/report.js';
import { parseIsoWeek } from '../../src/report/week.js';
import { chromiumFor, launchChromium, openRecorded } from '../helpers/chromium.js';
import { tempEngine } from '../helpers/store.js';
import { buildSequenceWeek, SEQ_NOW, SEQ_WEEK } from './sequences-fixture.js';

const OUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const executablePath = chromiumFor('test/report/sequences-browser.test.ts');

describe.skipIf(!executablePath)('the email sequences section in headless Chromium', () => {
  let browser: Browser;
  let env: ReturnType<typeof tempEngine>;
  beforeAll(async () => {
    browser = await launchChromium(executablePath!);
    env = tempEngine();
    buildSequenceWeek(env.engine);
  });
  afterAll(async () => {
    await browser?.close();
    env?.cleanup();
  });

  it('shows the week\'s sends against the cap, replies by category and SLAs from the database, offline', async () => {
    const report = weeklyReport(env.engine, { now: SEQ_NOW, week: SEQ_WEEK });
    const html = renderReportHtml(report, await lifecycleSvg(env.engine.machine, env.engine.rules, report), { db: env.path, now: SEQ_NOW });
    mkdirSync(OUT, { recursive: true });
    const path = join(OUT, 'report-sequences.html');
    writeFileSync(path, html);

    const { page, errors, requests } = await openRecorded(browser, path);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(path).href]); // self-contained: nothing else is fetched
    expect(await page.locator('section#sequences h2').isVisible()).toBe(true);
    expect(await page.locator('nav a[href="#sequences"]').count()).toBe(1);

    // Sends per day against the cap: the sends table, queried here.
    const { start, end } = parseIsoWeek(SEQ_WEEK);
    const db = env.store.sqlite;
    const takenByDay = Object.fromEntries((db.prepare(`select queued_for as day, count(*) as n from sends where queued_for >= ? and queued_for < ?
      and status in ('queued', 'exported', 'sending', 'sent', 'bounced') group by queued_for`).all(start.slice(0, 10), end.slice(0, 10)) as { day: string; n: number }[]).map((r) => [r.day, r.n]));
    expect(Object.keys(takenByDay)).toHaveLength(4); // Monday to Thursday: the comparison is not 0 = 0
    const bars = await page.locator('#sequences svg g[data-day]').evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-day'), Number(g.getAttribute('data-taken')), Number(g.getAttribute('data-cap'))]));
    expect(bars.map(([d, n]) => [d, n])).toEqual(report.sequences!.days.map((d) => [d.day, takenByDay[d.day] ?? 0]));
    expect(bars.map(([, , cap]) => cap)).toEqual([2, 2, 3, 3, 3, 0, 0]);
    const { sent, bounced } = db.prepare(`select sum(status = 'sent') as sent, sum(status = 'bounced') as bounced from sends where done_at >= ? and done_at < ?`).get(start, end) as { sent: number; bounced: number };
    expect(await page.locator('[data-metric="touches-sent"]').textContent()).toBe(String(sent));
    expect(await page.locator('[data-touches="bounced"]').textContent()).toBe(String(bounced));

    // Replies by category: the REPLY events of the sequence actors, all ten categories shown.
    const byCategory = Object.fromEntries((db.prepare(`select json_extract(payload, '$.category') as c, count(*) as n from machine_events
      where kind = 'sequence' and type = 'REPLY' and at >= ? and at < ? group by c`).all(start, end) as { c: string; n: number }[]).map((r) => [r.c, r.n]));
    const rows = await page.locator('#sequences tr[data-category]').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-category'), Number(tr.children[1]?.textContent)]));
    expect(rows).toEqual(REPLY_CATEGORIES.map((c) => [c, byCategory[c] ?? 0]));
    expect(await page.locator('#sequences svg g[data-label="hostile"]').getAttribute('data-value')).toBe('0');

    // The reply SLA escalations the engine raised this week are the breaches the page lists.
    const flagged = db.prepare(`select subject from escalations where kind = 'reply-sla' and at >= ? and at < ? order by at`).pluck().all(start, end) as string[];
    expect(await page.locator('#sequences tr[data-breach]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-breach')))).toEqual(flagged.map((s) => s.split(':')[1]));
    expect(await page.locator('#sequences tr[data-sla="all"] td').allTextContents()).toEqual(['all', '', '6', '3', '2', '1', '60.0%']);
    expect(await page.locator('#sequences tr[data-template="nurture-mql-1.v2"] td').allTextContents()).toEqual(['nurture-mql-1.v2', 'Nurture-MQL', '3', '2', '2', '66.7%']);

    // The HO 7 alerts of the section, holding.
    expect(await page.locator('li[data-alert="sequence-sev2-send"]').getAttribute('data-holds')).toBe('true');
    expect(await page.locator('li[data-alert="sequence-bounce-pause"]').getAttribute('data-holds')).toBe('true');
    expect(await page.locator('li[data-alert="reply-sla-breached"]').getAttribute('data-holds')).toBe('true');

    // The numbers are in the page's JSON too.
    const json = JSON.parse(await page.locator('#report-data').textContent() ?? '{}') as typeof report;
    expect(json.sequences?.touches).toEqual(report.sequences!.touches);
    await page.locator('section#sequences').screenshot({ path: join(OUT, 'report-sequences.png') });
    await page.close();
  });
});
