import { describe, expect, it } from 'vitest';
import { isoWeekOf, monthOf, parseIsoWeek, shiftWeek, thursdayOf, weeksInYear } from '../../src/report/week.js';

describe('ISO weeks (Monday 00:00Z to Monday, the year of their Thursday)', () => {
  it.each([
    { text: '2026-W14', start: '2026-03-30T00:00:00.000Z', end: '2026-04-06T00:00:00.000Z' },
    { text: '2026-W01', start: '2025-12-29T00:00:00.000Z', end: '2026-01-05T00:00:00.000Z' },
    { text: '2026-W53', start: '2026-12-28T00:00:00.000Z', end: '2027-01-04T00:00:00.000Z' },
    { text: '2020-w53', start: '2020-12-28T00:00:00.000Z', end: '2021-01-04T00:00:00.000Z' },
  ])('reads $text as $start to $end', ({ text, start, end }) => {
    expect(parseIsoWeek(text)).toMatchObject({ start, end, label: text.toUpperCase() });
  });

  it.each(['2021-W53', '2026-W00', '2026-14', 'W14', '2026-W1'])('refuses %s with the form it accepts', (text) => {
    expect(() => parseIsoWeek(text)).toThrow(/--week: /);
  });

  it.each([
    { at: '2026-04-17T12:00:00Z', week: '2026-W16' },
    { at: '2026-04-19T23:59:59.999Z', week: '2026-W16' },
    { at: '2026-04-20T00:00:00Z', week: '2026-W17' },
    { at: '2027-01-01T08:00:00Z', week: '2026-W53' },
    { at: '2024-12-30T08:00:00Z', week: '2025-W01' },
  ])('puts $at in $week (the default week is the one containing --now)', ({ at, week }) => {
    expect(isoWeekOf(at).label).toBe(week);
  });

  it('counts 52 or 53 weeks a year and steps across the year end', () => {
    expect([2020, 2021, 2025, 2026, 2027].map(weeksInYear)).toEqual([53, 52, 52, 53, 52]);
    expect(shiftWeek(parseIsoWeek('2027-W01'), -1).label).toBe('2026-W53');
    expect(shiftWeek(parseIsoWeek('2026-W16'), -7).label).toBe('2026-W09');
  });

  it("gives a week straddling two months to the month of its Thursday", () => {
    const w = parseIsoWeek('2026-W14'); // Mon 30 March .. Sun 5 April; Thursday 2 April
    expect(monthOf(thursdayOf(w))).toEqual({ label: '2026-04', start: '2026-04-01T00:00:00.000Z', end: '2026-05-01T00:00:00.000Z' });
  });
});
