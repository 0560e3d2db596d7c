import { describe, expect, it } from 'vitest';
import {
  addBusinessDays, addCalendarMonths, businessDaysBetween, endOfBusinessDay, isBusinessDay,
} from '../../machines/rules/business-days.js';

// April 2026: Mon 13, Tue 14, Wed 15, Thu 16, Fri 17, Sat 18, Sun 19, Mon 20, Tue 21, Wed 22.
const MONDAY_HOLIDAY = ['2026-04-20'];
const FRIDAY_HOLIDAY = ['2026-04-17'];

describe('business days (DOMAIN "Timers": weekends and configured holidays excluded, UTC)', () => {
  it.each([
    { day: '2026-04-13', holidays: [], business: true, it: 'a Monday is a business day' },
    { day: '2026-04-17T23:59:59.999Z', holidays: [], business: true, it: 'a Friday is a business day to its last millisecond' },
    { day: '2026-04-18T00:00:00Z', holidays: [], business: false, it: 'a Saturday is not a business day' },
    { day: '2026-04-19T12:00:00Z', holidays: [], business: false, it: 'a Sunday is not a business day' },
    { day: '2026-04-20T09:00:00Z', holidays: MONDAY_HOLIDAY, business: false, it: 'a configured holiday is not a business day' },
    { day: '2026-04-21', holidays: MONDAY_HOLIDAY, business: true, it: 'the day after a holiday is a business day' },
    { day: '2026-04-17T23:30:00-05:00', holidays: [], business: false, it: 'a Friday evening in New York is Saturday in UTC' },
  ])('$it', ({ day, holidays, business }) => {
    expect(isBusinessDay(day, holidays)).toBe(business);
  });
});

describe('SLA deadlines: within n business days (HO 4.2-4.3)', () => {
  it.each([
    { it: 'gives a Monday signal until Tuesday at the same time', start: '2026-04-13T10:00:00Z', n: 1, holidays: [], due: '2026-04-14T10:00:00.000Z' },
    { it: 'carries a Friday signal across the weekend to Monday', start: '2026-04-17T14:00:00Z', n: 1, holidays: [], due: '2026-04-20T14:00:00.000Z' },
    { it: 'carries a Friday signal across the weekend and a Monday holiday to Tuesday', start: '2026-04-17T14:00:00Z', n: 1, holidays: MONDAY_HOLIDAY, due: '2026-04-21T14:00:00.000Z' },
    { it: 'carries a Thursday signal across a Friday holiday and the weekend to Monday', start: '2026-04-16T09:30:00Z', n: 1, holidays: FRIDAY_HOLIDAY, due: '2026-04-20T09:30:00.000Z' },
    { it: 'starts a Saturday signal at Monday 00:00, due Tuesday 00:00', start: '2026-04-18T10:00:00Z', n: 1, holidays: [], due: '2026-04-21T00:00:00.000Z' },
    { it: 'starts a signal on a Monday holiday at Tuesday 00:00, due Wednesday 00:00', start: '2026-04-20T09:00:00Z', n: 1, holidays: MONDAY_HOLIDAY, due: '2026-04-22T00:00:00.000Z' },
    { it: 'moves a Sunday start to Monday 00:00 for zero days', start: '2026-04-19T22:00:00Z', n: 0, holidays: [], due: '2026-04-20T00:00:00.000Z' },
    { it: 'keeps a business-day start for zero days', start: '2026-04-15T08:15:00Z', n: 0, holidays: [], due: '2026-04-15T08:15:00.000Z' },
    { it: 'counts five business days from Monday to the next Monday', start: '2026-04-13T10:00:00Z', n: 5, holidays: [], due: '2026-04-20T10:00:00.000Z' },
    { it: 'reads a timestamp without an offset as UTC', start: '2026-04-17T14:00:00', n: 1, holidays: [], due: '2026-04-20T14:00:00.000Z' },
  ])('$it', ({ start, n, holidays, due }) => {
    expect(addBusinessDays(start, n, holidays)).toBe(due);
  });

  it.each([-1, 1.5, Number.NaN])('refuses %s business days', (n) => {
    expect(() => addBusinessDays('2026-04-13T10:00:00Z', n, [])).toThrow(/whole number/);
  });

  it('refuses a holiday that is not a date', () => {
    expect(() => addBusinessDays('2026-04-13T10:00:00Z', 1, ['Easter'])).toThrow(/ISO 8601/);
  });
});

describe('same-day SLA: end of the business day (HO 4.3, E8 fast track)', () => {
  it.each([
    { it: 'ends a Wednesday review at Wednesday 23:59:59.999Z', start: '2026-04-15T08:00:00Z', holidays: [], due: '2026-04-15T23:59:59.999Z' },
    { it: 'ends a Friday-evening review at Friday midnight', start: '2026-04-17T23:00:00Z', holidays: [], due: '2026-04-17T23:59:59.999Z' },
    { it: 'ends a Saturday review on Monday', start: '2026-04-18T10:00:00Z', holidays: [], due: '2026-04-20T23:59:59.999Z' },
    { it: 'ends a review on a Friday holiday on Monday', start: '2026-04-17T10:00:00Z', holidays: FRIDAY_HOLIDAY, due: '2026-04-20T23:59:59.999Z' },
    { it: 'ends a Sunday review on Tuesday when Monday is a holiday', start: '2026-04-19T10:00:00Z', holidays: MONDAY_HOLIDAY, due: '2026-04-21T23:59:59.999Z' },
  ])('$it', ({ start, holidays, due }) => {
    expect(endOfBusinessDay(start, holidays)).toBe(due);
  });
});

describe('business days between two dates (reports)', () => {
  it.each([
    { it: 'counts the same day as 0', a: '2026-04-15T08:00:00Z', b: '2026-04-15T20:00:00Z', holidays: [], days: 0 },
    { it: 'counts Friday to Monday as 1', a: '2026-04-17T16:00:00Z', b: '2026-04-20T09:00:00Z', holidays: [], days: 1 },
    { it: 'counts Friday to Saturday as 0', a: '2026-04-17T16:00:00Z', b: '2026-04-18T09:00:00Z', holidays: [], days: 0 },
    { it: 'counts Monday to the next Monday as 5', a: '2026-04-13', b: '2026-04-20', holidays: [], days: 5 },
    { it: 'does not count a holiday', a: '2026-04-13', b: '2026-04-20', holidays: FRIDAY_HOLIDAY, days: 4 },
    { it: 'counts backwards as negative', a: '2026-04-20', b: '2026-04-17', holidays: [], days: -1 },
  ])('$it', ({ a, b, holidays, days }) => {
    expect(businessDaysBetween(a, b, holidays)).toBe(days);
  });
});

describe('calendar months (LQ 3.4 funding age)', () => {
  it.each([
    { from: '2024-10-17', months: 18, to: '2026-04-17' },
    { from: '2024-08-31', months: 18, to: '2026-02-28' },
    { from: '2022-08-31', months: 18, to: '2024-02-29' },
    { from: '2025-01-31T15:00:00Z', months: 1, to: '2025-02-28' },
  ])('$from plus $months months is $to', ({ from, months, to }) => {
    expect(new Date(addCalendarMonths(Date.parse(from), months)).toISOString().slice(0, 10)).toBe(to);
  });
});
