// The weekly report on a handmade week (test/report/fixture-week.ts), every number computed by hand.
// Week 2026-W16: [2026-04-13T00:00Z, 2026-04-20T00:00Z); --now 2026-04-20T09:00Z is after it, so the
// numbers stop at the week's end. All events are at 10:00Z unless noted.
import { afterEach, describe, expect, it } from 'vitest';
import { weeklyReport } from '../../src/report/report.js';
import { runCli } from '../../src/cli/app.js';
import { tempEngine } from '../helpers/store.js';
import { buildFixtureWeek, FIXTURE_NOW, FIXTURE_WEEK } from './fixture-week.js';

let env: ReturnType<typeof tempEngine> | undefined;
afterEach(() => { env?.cleanup(); env = undefined; });

const none = { count: 0, of: 0, rate: null };

describe('the weekly report on a hand-computed week (HO 6.1, 3.6, 7)', () => {
  it('reports exactly the numbers computed by hand', () => {
    env = tempEngine();
    buildFixtureWeek(env.engine);
    const report = weeklyReport(env.engine, { now: FIXTURE_NOW, week: FIXTURE_WEEK });

    expect(report).toEqual({
      week: '2026-W16', start: '2026-04-13T00:00:00.000Z', end: '2026-04-20T00:00:00.000Z',
      asOf: '2026-04-20T00:00:00.000Z',
      // At the end of the week: juliet PROSPECT; bravo, charlie, echo, foxtrot, hotel, india MQL;
      // delta SQL: review, golf SQL: confirmed; alpha BRIEFING_READY. 10 accounts.
      // MQL (machine v2): bravo, echo, hotel, india still owe their dossier (MQL: dossier); charlie (thin
      // dossier) and foxtrot (disputed) are in MQL: nurture.
      stages: {
        PROSPECT: 1, MQL: 6, 'MQL.dossier': 4, 'MQL.nurture': 2, SQL: 2, 'SQL.dossier': 0, 'SQL.review': 1, 'SQL.confirmed': 1,
        BRIEFING_READY: 1, ASSESSMENT_QUALIFIED: 0, WON: 0, RECYCLED: 0, DISQUALIFIED: 0, ARCHIVED: 0,
      },
      pipeline: {
        week: '2026-W16', start: '2026-04-13T00:00:00.000Z', end: '2026-04-20T00:00:00.000Z',
        // PROSPECT → MQL in the week: charlie, delta (Mon), echo (override), hotel (Tue).
        newMqls: 4,
        newMqlAccounts: ['charlie.com', 'delta.com', 'echo.com', 'hotel.com'],
        // foxtrot skipped MQL on its E3.
        fastTrackSqls: 1,
        // charlie E5, delta E1, echo E2 (logged Monday while its G1 failed), hotel E9.
        firstTouch: { E1: 1, E2: 1, E5: 1, E9: 1 },
        // SQL entries: alpha (E1 before), delta (E1 before), foxtrot (only E3) → 2 of 3.
        marketingInfluenced: { count: 2, of: 3, rate: 0.6667 },
        // MQL at the start: alpha, bravo, india; entered MQL in the week: charlie, delta, echo, hotel,
        // foxtrot (disputed Friday) → 8. MQL → SQL: alpha, delta → 2 of 8.
        mqlToSql: { count: 2, of: 8, rate: 0.25 },
        // SQL at the start: golf; entered SQL: alpha, foxtrot, delta → 4. Briefing: alpha → 1 of 4.
        sqlToBriefing: { count: 1, of: 4, rate: 0.25 },
        // alpha waited 13 days (1 → 14 April), delta 3 days (13 → 16 April): median 8.
        medianDaysMqlToSql: 8,
      },
      sla: {
        // SIGNAL classifications in the week: charlie, delta, foxtrot on time; hotel's signal of Friday
        // 10 April was due Monday 13 April 10:00 (1 business day) and was classified Tuesday.
        classification: { due: 4, met: 3, breached: 1, open: 0, compliance: 0.75 },
        // Dossier SLA (1 business day), since machine v2 owed from MQL: dossier as well as SQL: dossier. Due in
        // the week: charlie and delta (MQL Monday → due Tuesday 10:00; dossiers Wednesday and Thursday, so their
        // timers fired first and flagged them); echo and hotel (MQL Tuesday → due Wednesday 10:00, no dossier:
        // the sweep at 12:00 flagged them); foxtrot (SQL: dossier Tuesday → due Wednesday 10:00, flagged by the
        // same sweep). alpha's, india's and bravo's fell due in W14/W15, outside the week.
        dossier: { due: 5, met: 0, breached: 5, open: 0, compliance: 0 },
        // alpha confirmed 09:00 < 10:00 Wed; foxtrot disputed 09:00 < 10:00 Fri; delta flagged Friday.
        review: { due: 3, met: 2, breached: 1, open: 0, compliance: 0.6667 },
        // 4 + 5 + 3 = 12 due; 3 + 0 + 2 = 5 met; 1 + 5 + 1 = 7 breached: 5 / 12.
        overall: { due: 12, met: 5, breached: 7, open: 0, compliance: 0.4167 },
        breaches: [
          { account: 'hotel.com', kind: 'classification', dueAt: '2026-04-13T10:00:00.000Z', how: 'late' },
          { account: 'charlie.com', kind: 'dossier', dueAt: '2026-04-14T10:00:00.000Z', how: 'flagged' },
          { account: 'delta.com', kind: 'dossier', dueAt: '2026-04-14T10:00:00.000Z', how: 'flagged' },
          { account: 'echo.com', kind: 'dossier', dueAt: '2026-04-15T10:00:00.000Z', how: 'flagged' },
          { account: 'foxtrot.com', kind: 'dossier', dueAt: '2026-04-15T10:00:00.000Z', how: 'flagged' },
          { account: 'hotel.com', kind: 'dossier', dueAt: '2026-04-15T10:00:00.000Z', how: 'flagged' },
          { account: 'delta.com', kind: 'review', dueAt: '2026-04-17T10:00:00.000Z', how: 'flagged' },
        ],
      },
      overrides: {
        // The week's Thursday is 16 April: April to the end of the week. Classifications in April:
        // alpha, india, bravo, charlie, delta, echo, foxtrot, hotel = 8; overrides: india, echo = 2.
        month: '2026-04', from: '2026-04-01T00:00:00.000Z', to: '2026-04-20T00:00:00.000Z',
        overrides: 2, classifications: 8, rate: 0.25, ceiling: 0.1, above: true,
        list: [
          {
            // The state the override led to, as the event log names it (machine v2: MQL: dossier).
            account: 'india.com', at: '2026-04-02T10:00:00.000Z', by: 'marcus', from: 'PROSPECT', to: 'MQL.dossier', gate: 'G1',
            justification: '80 people but the densest partner ecosystem we track', compensatingSignals: ['AWS and Azure co-sell', 'named partner exec'], inWeek: false,
          },
          {
            account: 'echo.com', at: '2026-04-14T10:00:00.000Z', by: 'marcus', from: 'PROSPECT', to: 'MQL.dossier', gate: 'G1',
            justification: 'spun out of a Tier 1 partner, same team', compensatingSignals: ['named exec referral'], inWeek: true,
          },
        ],
      },
      alerts: [
        // W13 had no MQL at all (golf went straight to SQL): no rate, so not four weeks below 20%.
        { id: 'sql-conversion-low', holds: false, title: 'MQL→SQL conversion below 20% for 4 weeks running', detail: '2026-W13 n/a, 2026-W14 0%, 2026-W15 0%, 2026-W16 25%. Action (HO 7): CRO reviews S1-S4 calibration; trigger the quarterly review early if needed.' },
        { id: 'override-rate-high', holds: true, title: "CRO override rate above 10% of the month's classifications", detail: '2026-04 to date: 2 override(s) / 8 classification(s) = 25%. Action (HO 3.6, 7): gate calibration review.' },
        // W15: bravo = 1; W16: 4; both below the default threshold of 5.
        { id: 'mql-volume-low', holds: true, title: 'New MQLs below 5 a week for 2 weeks running', detail: '2026-W15 1, 2026-W16 4. Action (HO 7): joint CMO/CRO review of content engagement and the ICP pool.' },
        { id: 'stale-sqls', holds: true, title: 'SQLs within 7 days of their 30-day regression to MQL', detail: '1 SQL(s) with no engagement whose SQL_STALE timer falls due by then (HO 3.5).' },
      ],
      // golf: SQL since 25 March 10:00, no engagement since → regresses 24 April 10:00, 4 d 10 h after the week.
      staleSqls: [{ account: 'golf.com', name: 'Golf', state: 'SQL.confirmed', dueAt: '2026-04-24T10:00:00.000Z', daysLeft: 4.42 }],
      // Stays that ended in the week (days): PROSPECT charlie 12, delta 12, echo 13, foxtrot 13, hotel 13;
      // MQL alpha 13, delta 3; SQL: review alpha 23 h, foxtrot 23 h; SQL: confirmed alpha 25 h;
      // SQL: dossier foxtrot 2; SQL as a whole alpha 2, foxtrot 2 d 23 h. p90 = nearest rank.
      // MQL: dossier alpha 13, charlie 2 (→ MQL: nurture, still MQL), delta 3; no MQL: nurture stay ended.
      timeInStage: {
        MQL: { n: 2, medianDays: 8, p90Days: 13 },
        'MQL.dossier': { n: 3, medianDays: 3, p90Days: 13 },
        PROSPECT: { n: 5, medianDays: 13, p90Days: 13 },
        SQL: { n: 2, medianDays: 2.48, p90Days: 2.96 },
        'SQL.confirmed': { n: 1, medianDays: 1.04, p90Days: 1.04 },
        'SQL.dossier': { n: 1, medianDays: 2, p90Days: 2 },
        'SQL.review': { n: 2, medianDays: 0.96, p90Days: 0.96 },
      },
      trend: [
        { week: '2026-W09', newMqls: 0, mqlToSql: none, sqlToBriefing: none },
        { week: '2026-W10', newMqls: 0, mqlToSql: none, sqlToBriefing: none },
        { week: '2026-W11', newMqls: 0, mqlToSql: none, sqlToBriefing: none },
        { week: '2026-W12', newMqls: 0, mqlToSql: none, sqlToBriefing: none },
        { week: '2026-W13', newMqls: 0, mqlToSql: none, sqlToBriefing: { count: 0, of: 1, rate: 0 } },
        { week: '2026-W14', newMqls: 2, mqlToSql: { count: 0, of: 2, rate: 0 }, sqlToBriefing: { count: 0, of: 1, rate: 0 } },
        { week: '2026-W15', newMqls: 1, mqlToSql: { count: 0, of: 3, rate: 0 }, sqlToBriefing: { count: 0, of: 1, rate: 0 } },
        { week: '2026-W16', newMqls: 4, mqlToSql: { count: 2, of: 8, rate: 0.25 }, sqlToBriefing: { count: 1, of: 4, rate: 0.25 } },
      ],
      thresholds: { mqlThreshold: 5, mqlVolumeWeeks: 2, sqlConversionFloor: 0.2, sqlConversionWeeks: 4, overrideCeiling: 0.1, staleWithinDays: 7 },
    });
  });

  it('stops at --now while the week is still running (Wednesday noon: alpha is in SQL: review)', () => {
    env = tempEngine();
    buildFixtureWeek(env.engine);
    const report = weeklyReport(env.engine, { now: '2026-04-15T08:00:00.000Z', week: FIXTURE_WEEK });
    expect(report.asOf).toBe('2026-04-15T08:00:00.000Z');
    expect(report.stages).toMatchObject({ PROSPECT: 1, MQL: 6, 'MQL.dossier': 6, 'MQL.nurture': 0, SQL: 3, 'SQL.dossier': 1, 'SQL.review': 1, 'SQL.confirmed': 1, BRIEFING_READY: 0 });
    expect(report.pipeline.newMqls).toBe(4);
    // charlie's and delta's dossier deadlines (Tue 10:00) have passed: breached. echo's, foxtrot's and hotel's
    // (Wed 10:00) are still ahead: open, not breached.
    expect(report.sla.dossier).toEqual({ due: 5, met: 0, breached: 2, open: 3, compliance: 0 });
    expect(report.sla.breaches.filter((b) => b.kind === 'dossier').map((b) => b.account)).toEqual(['charlie.com', 'delta.com']);
  });

  it('prints the same report as JSON through `ladder report --json`', async () => {
    env = tempEngine();
    buildFixtureWeek(env.engine);
    const out: string[] = [];
    const code = await runCli(['--db', env.path, '--now', FIXTURE_NOW, 'report', '--week', FIXTURE_WEEK, '--json'], { out: (s) => out.push(s), err: (s) => out.push(s), isTTY: false, env: {} });
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual(weeklyReport(env.engine, { now: FIXTURE_NOW, week: FIXTURE_WEEK }));
  });

  it('refuses a week that has not begun and a malformed week, naming the accepted form', async () => {
    env = tempEngine();
    const err: string[] = [];
    const io = { out: () => {}, err: (s: string) => err.push(s), isTTY: false, env: {} };
    expect(await runCli(['--db', env.path, '--now', FIXTURE_NOW, 'report', '--week', '2026-W30'], io)).toBe(2);
    expect(await runCli(['--db', env.path, '--now', FIXTURE_NOW, 'report', '--week', '2026-14'], io)).toBe(2);
    expect(err.join('\n')).toMatchInlineSnapshot(`
      "ladder: --week: 2026-W30 starts 2026-07-20, after --now 2026-04-20T09:00:00.000Z; pick a week that has begun
      ladder: --week: expected an ISO week like 2026-W14; got "2026-14""
    `);
  });
});
