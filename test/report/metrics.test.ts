// The report's math on rows written by hand (no database): the pure functions of src/report/metrics.ts.
import { describe, expect, it } from 'vitest';
import { alerts, median, percentile, slaCompliance, stageCountsAt, timeInStage, type WeeklyReport } from '../../src/report/metrics.js';
import type { ReportRows, StayRow, TimerRow } from '../../src/report/queries.js';
import { parseIsoWeek } from '../../src/report/week.js';

const W = parseIsoWeek('2026-W16'); // 2026-04-13 .. 2026-04-20
const rows = (over: Partial<ReportRows>): ReportRows => ({
  moves: [], stays: [], overrides: [], slaTimers: [], staleTimers: [], firstTouch: {}, firstStandardSignal: {}, names: {}, ...over,
});
let id = 0;
const stay = (account: string, state: string, enteredAt: string, exitedAt: string | null): StayRow => ({ id: ++id, account, state, enteredAt, exitedAt, exitedBy: null });
const timer = (t: Partial<TimerRow> & Pick<TimerRow, 'account' | 'dueAt' | 'status'>): TimerRow => ({ id: ++id, delay: 'REVIEW_SLA', armedAt: '2026-04-13T09:00:00.000Z', closedAt: null, ...t });

describe('median and p90 (nearest rank)', () => {
  it.each([
    { values: [], median: null, p90: null },
    { values: [5], median: 5, p90: 5 },
    { values: [3, 13], median: 8, p90: 13 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], median: 5.5, p90: 9 },
    { values: [10, 1, 7], median: 7, p90: 10 },
  ])('of $values: median $median, p90 $p90', ({ values, median: m, p90 }) => {
    expect(median(values)).toBe(m);
    expect(percentile(values, 90)).toBe(p90);
  });
});

describe('accounts per stage at an instant', () => {
  it('counts the stays covering it, sub-states also under their stage, and no event at the instant itself', () => {
    const stays = [
      stay('a', 'MQL', '2026-04-01T00:00:00.000Z', '2026-04-14T00:00:00.000Z'),
      stay('a', 'SQL.review', '2026-04-14T00:00:00.000Z', null),
      stay('b', 'SQL.dossier', '2026-04-10T00:00:00.000Z', null),
      stay('c', 'PROSPECT', '2026-04-20T00:00:00.000Z', null),
    ];
    const states = ['PROSPECT', 'MQL', 'SQL', 'SQL.review', 'SQL.dossier'];
    // At 14 April 00:00 exactly, a's move into SQL: review has not happened yet ("before any event at t").
    expect(stageCountsAt(stays, '2026-04-14T00:00:00.000Z', states)).toEqual({ PROSPECT: 0, MQL: 1, SQL: 1, 'SQL.review': 0, 'SQL.dossier': 1 });
    expect(stageCountsAt(stays, '2026-04-14T00:00:00.001Z', states)).toEqual({ PROSPECT: 0, MQL: 0, SQL: 2, 'SQL.review': 1, 'SQL.dossier': 1 });
  });
});

describe('time in stage', () => {
  it('joins consecutive SQL sub-states into one SQL stay and counts only stays that ended in the week', () => {
    const stays = [
      stay('a', 'SQL.dossier', '2026-04-10T00:00:00.000Z', '2026-04-14T00:00:00.000Z'),
      stay('a', 'SQL.review', '2026-04-14T00:00:00.000Z', '2026-04-15T12:00:00.000Z'),
      stay('a', 'MQL', '2026-04-15T12:00:00.000Z', null),
      stay('b', 'SQL.review', '2026-04-01T00:00:00.000Z', '2026-04-02T00:00:00.000Z'),
    ];
    expect(timeInStage(stays, W, W.end)).toEqual({
      SQL: { n: 1, medianDays: 5.5, p90Days: 5.5 },
      'SQL.dossier': { n: 1, medianDays: 4, p90Days: 4 },
      'SQL.review': { n: 1, medianDays: 1.5, p90Days: 1.5 },
    });
  });
});

describe('SLA compliance (HO 4.2-4.3)', () => {
  const opts = { holidays: [], classificationBusinessDays: 1 };
  it.each([
    { it: 'a flagged timer is a breach', timers: [timer({ account: 'a', dueAt: '2026-04-14T10:00:00.000Z', status: 'fired', closedAt: '2026-04-14T10:00:00.000Z' })], outcome: { met: 0, breached: 1, open: 0 }, how: 'flagged' },
    { it: 'a timer cancelled before its deadline is met', timers: [timer({ account: 'a', dueAt: '2026-04-14T10:00:00.000Z', status: 'cancelled', closedAt: '2026-04-14T09:00:00.000Z' })], outcome: { met: 1, breached: 0, open: 0 }, how: null },
    { it: 'a pending timer past its deadline is an overdue breach (the sweep has not run)', timers: [timer({ account: 'a', dueAt: '2026-04-14T10:00:00.000Z', status: 'pending' })], outcome: { met: 0, breached: 1, open: 0 }, how: 'overdue' },
    { it: 'a timer cancelled after its deadline (a late sweep) is a late breach', timers: [timer({ account: 'a', dueAt: '2026-04-14T10:00:00.000Z', status: 'cancelled', closedAt: '2026-04-15T09:00:00.000Z' })], outcome: { met: 0, breached: 1, open: 0 }, how: 'late' },
    { it: 'a deadline still ahead is open', timers: [timer({ account: 'a', dueAt: '2026-04-19T10:00:00.000Z', status: 'pending' })], outcome: { met: 0, breached: 0, open: 1 }, how: null },
    {
      it: 'a timer re-armed with the same deadline (SQL re-entered) is one case',
      timers: [
        timer({ account: 'a', dueAt: '2026-04-14T10:00:00.000Z', status: 'cancelled', closedAt: '2026-04-14T08:00:00.000Z' }),
        timer({ account: 'a', dueAt: '2026-04-14T10:00:00.000Z', status: 'cancelled', armedAt: '2026-04-14T08:00:00.000Z', closedAt: '2026-04-14T09:30:00.000Z' }),
      ],
      outcome: { met: 1, breached: 0, open: 0 }, how: null,
    },
  ])('$it', ({ timers, outcome, how }) => {
    const sla = slaCompliance(rows({ slaTimers: timers }), W, '2026-04-17T12:00:00.000Z', opts);
    expect(sla.review).toMatchObject({ due: 1, ...outcome });
    expect(sla.breaches.map((b) => b.how)).toEqual(how ? [how] : []);
  });

  it('measures classification in business days from the signal itself (Friday → Monday is on time)', () => {
    const move = (account: string, signalAt: string, at: string) => ({ id: ++id, account, seq: 2, type: 'SIGNAL', at, from: 'PROSPECT', to: 'MQL', signalAt });
    const sla = slaCompliance(rows({
      moves: [move('friday.com', '2026-04-10T15:00:00Z', '2026-04-13T14:00:00.000Z'), move('late.com', '2026-04-10T15:00:00Z', '2026-04-13T16:00:00.000Z')],
    }), W, W.end, opts);
    expect(sla.classification).toEqual({ due: 2, met: 1, breached: 1, open: 0, compliance: 0.5 });
  });
});

describe('HO 7 alerts', () => {
  const week = (rate: number | null, newMqls = 9) => ({ week: 'w', newMqls, mqlToSql: { count: 0, of: 0, rate }, sqlToBriefing: { count: 0, of: 0, rate: null } });
  const base = { overrides: { above: false } as WeeklyReport['overrides'], staleSqls: [] };
  const opts = { sqlConversionFloor: 0.2, sqlConversionWeeks: 4, mqlThreshold: 5, mqlVolumeWeeks: 2, staleWithinDays: 7 };
  const holds = (r: Parameters<typeof alerts>[0]) => Object.fromEntries(alerts(r, opts).map((a) => [a.id, a.holds]));

  it.each([
    { rates: [0.1, 0.1, 0.19, 0.15], holds: true, it: 'four weeks below 20% hold' },
    { rates: [0.3, 0.1, 0.19, 0.15], holds: false, it: 'three weeks below 20% do not' },
    { rates: [0.1, 0.1, 0.2, 0.1], holds: false, it: 'exactly 20% is not below' },
    { rates: [0.1, null, 0.1, 0.1], holds: false, it: 'a week with no MQLs breaks the run' },
  ])('SQL conversion: $it', ({ rates, holds: h }) => {
    expect(holds({ ...base, trend: rates.map((r) => week(r)) })['sql-conversion-low']).toBe(h);
  });

  it.each([
    { volumes: [9, 4, 4], holds: true },
    { volumes: [4, 5, 4], holds: false },
    { volumes: [4, 4, 5], holds: false },
  ])('MQL volume $volumes against 5, two weeks running: $holds', ({ volumes, holds: h }) => {
    expect(holds({ ...base, trend: volumes.map((v) => week(0.5, v)) })['mql-volume-low']).toBe(h);
  });
});
