import { describe, expect, it } from 'vitest';
import { evaluateSignals } from '../../machines/rules/signals.js';
import type { E1Interaction, SignalCode, SignalEntry } from '../../machines/types.js';

const NOW = '2026-06-30T12:00:00.000Z';
const DAY = 86_400_000;
const ago = (days: number, hours = 0): string => new Date(Date.parse(NOW) - days * DAY - hours * 3_600_000).toISOString();

function sig(id: string, code: SignalCode, daysAgo: number, contact = 'ann', interaction?: E1Interaction): SignalEntry {
  return { id, code, at: ago(daysAgo), contact, ...(interaction ? { interaction } : {}) };
}
const like = (id: string, daysAgo: number, contact = 'ann') => sig(id, 'E1', daysAgo, contact, 'like');
const codes = (entries: SignalEntry[]) => evaluateSignals(entries, NOW).counted.map((s) => s.code);

describe('the trailing window and credit (HO 3.2)', () => {
  it.each([
    { age: 0, credit: 1 },
    { age: 90, credit: 1 },
    { age: 91, credit: 0.5 },
    { age: 120, credit: 0.5 },
    { age: 180, credit: 0.5 },
    { age: 181, credit: null },
  ])('a $age-day-old signal counts with credit $credit', ({ age, credit }) => {
    const ev = evaluateSignals([sig('a', 'E2', age)], NOW);
    expect(ev.counted[0]?.credit ?? null).toBe(credit);
    expect(ev.qualifies).toBe(credit !== null);
    expect(ev.credit).toBe(credit ?? 0);
  });

  it('measures age in whole days: 90 days and 23 hours still earns full credit', () => {
    expect(evaluateSignals([{ ...sig('a', 'E2', 0), at: ago(90, 23) }], NOW).counted[0]?.credit).toBe(1);
  });

  it('measures age in whole days: 180 days and 23 hours still counts half', () => {
    expect(evaluateSignals([{ ...sig('a', 'E2', 0), at: ago(180, 23) }], NOW).counted[0]?.credit).toBe(0.5);
  });

  it('does not count a signal dated after the evaluation time', () => {
    expect(evaluateSignals([{ ...sig('a', 'E3', 0), at: '2026-06-30T12:00:00.001Z' }], NOW).qualifies).toBe(false);
  });

  it('counts a signal dated exactly at the evaluation time', () => {
    expect(evaluateSignals([{ ...sig('a', 'E3', 0), at: NOW }], NOW).qualifies).toBe(true);
  });

  it('sums credit across signals', () => {
    expect(evaluateSignals([sig('a', 'E2', 10, 'ann'), sig('b', 'E5', 120, 'bob')], NOW).credit).toBe(1.5);
  });
});

describe('E1 LinkedIn interaction (HO 3.2.1)', () => {
  it.each(['comment', 'share', 'save', undefined] as const)('counts an E1 %s as one signal', (interaction) => {
    const ev = evaluateSignals([sig('a', 'E1', 5, 'ann', interaction)], NOW);
    expect(ev.counted).toEqual([{ code: 'E1', at: ago(5), contact: 'ann', credit: 1, entryIds: ['a'] }]);
  });

  it.each([
    { it: 'a single like does not qualify', likes: [like('l1', 5)], signals: 0 },
    { it: 'two likes in 30 days do not qualify', likes: [like('l1', 20), like('l2', 5)], signals: 0 },
    { it: '3 likes in 30 days qualify', likes: [like('l1', 40), like('l2', 25), like('l3', 10)], signals: 1 },
    { it: '3 likes over 40 days do not qualify', likes: [like('l1', 50), like('l2', 30), like('l3', 10)], signals: 0 },
    { it: '3 likes spanning 31 days do not qualify', likes: [like('l1', 41), like('l2', 25), like('l3', 10)], signals: 0 },
    { it: '3 likes by three different contacts do not qualify', likes: [like('l1', 20, 'ann'), like('l2', 15, 'bob'), like('l3', 10, 'cy')], signals: 0 },
    { it: '6 likes in 30 days are one signal', likes: [1, 2, 3, 4, 5, 6].map((n) => like(`l${n}`, 30 - n)), signals: 1 },
    { it: '3 likes and 3 more two months later are two signals', likes: [like('a1', 100), like('a2', 95), like('a3', 90), like('b1', 30), like('b2', 25), like('b3', 20)], signals: 2 },
  ])('$it', ({ likes, signals }) => {
    const ev = evaluateSignals(likes, NOW);
    expect(ev.counted.filter((s) => s.code === 'E1')).toHaveLength(signals);
    expect(ev.qualifies).toBe(signals > 0);
  });

  it('dates the 3-likes signal at the third like and lists the likes', () => {
    const ev = evaluateSignals([like('l1', 40), like('l2', 25), like('l3', 10)], NOW);
    expect(ev.counted).toEqual([{ code: 'E1', at: ago(10), contact: 'ann', credit: 1, entryIds: ['l1', 'l2', 'l3'] }]);
  });

  it('finds 3 likes in any 30-day span, not only from the first like', () => {
    const ev = evaluateSignals([like('l1', 100), like('l2', 70), like('l3', 50), like('l4', 45)], NOW);
    expect(ev.counted).toEqual([{ code: 'E1', at: ago(45), contact: 'ann', credit: 1, entryIds: ['l2', 'l3', 'l4'] }]);
  });

  it('gives the 3-likes signal the credit of its third like', () => {
    expect(evaluateSignals([like('l1', 100), like('l2', 95), like('l3', 85)], NOW).counted[0]?.credit).toBe(1);
  });

  it('does not count likes that fell out of the 180-day window toward the three', () => {
    expect(evaluateSignals([like('l1', 185), like('l2', 175), like('l3', 170)], NOW).qualifies).toBe(false);
  });
});

describe('E8 repeat engagement, derived (HO 3.2.1; DOMAIN decision)', () => {
  it('derives E8 from two engagements by one contact in 30 days', () => {
    const ev = evaluateSignals([sig('c', 'E1', 20, 'ann', 'comment'), sig('s', 'E2', 10, 'ann')], NOW);
    expect(codes([sig('c', 'E1', 20, 'ann', 'comment'), sig('s', 'E2', 10, 'ann')])).toEqual(['E1', 'E2', 'E8']);
    expect(ev.repeatEngagement).toEqual({ contact: 'ann', at: ago(10), entryIds: ['c', 's'] });
  });

  it('derives E8 from a like plus a Substack subscription (the SOP example)', () => {
    const ev = evaluateSignals([like('l', 12), sig('s', 'E2', 3)], NOW);
    expect(ev.counted.map((s) => s.code)).toEqual(['E2', 'E8']);
    expect(ev.repeatEngagement?.entryIds).toEqual(['l', 's']);
  });

  it('derives E8 from a subscription followed by a like', () => {
    expect(evaluateSignals([sig('s', 'E2', 12), like('l', 3)], NOW).repeatEngagement?.at).toBe(ago(3));
  });

  it.each([
    { it: 'two likes by one contact are not E8', entries: [like('l1', 20), like('l2', 10)] },
    { it: 'two engagements 31 days apart are not E8', entries: [sig('a', 'E2', 41), sig('b', 'E5', 10)] },
    { it: 'two engagements by different contacts are not E8', entries: [sig('a', 'E2', 20, 'ann'), sig('b', 'E5', 10, 'bob')] },
    { it: 'one engagement is not E8', entries: [sig('a', 'E3', 10)] },
  ])('$it', ({ entries }) => {
    expect(evaluateSignals(entries, NOW).repeatEngagement).toBeNull();
  });

  it('derives E8 from two engagements exactly 30 days apart', () => {
    expect(evaluateSignals([sig('a', 'E2', 40), sig('b', 'E5', 10)], NOW).repeatEngagement?.entryIds).toEqual(['a', 'b']);
  });

  it('makes three engagements within 30 days one E8', () => {
    const ev = evaluateSignals([sig('a', 'E2', 30), sig('b', 'E5', 20), sig('c', 'E1', 10, 'ann', 'save')], NOW);
    expect(ev.counted.filter((s) => s.code === 'E8')).toEqual([
      { code: 'E8', at: ago(20), contact: 'ann', credit: 1, entryIds: ['a', 'b', 'c'] },
    ]);
  });

  it('counts an entry reported as E8 as E8', () => {
    const ev = evaluateSignals([sig('r', 'E8', 5)], NOW);
    expect(ev.counted.map((s) => s.code)).toEqual(['E8']);
    expect(ev.repeatEngagement).toEqual({ contact: 'ann', at: ago(5), entryIds: ['r'] });
  });

  it('reports the newest repeat engagement', () => {
    const ev = evaluateSignals([
      sig('a1', 'E2', 100, 'ann'), sig('a2', 'E5', 95, 'ann'),
      sig('b1', 'E2', 20, 'bob'), sig('b2', 'E1', 15, 'bob', 'comment'),
    ], NOW);
    expect(ev.counted.filter((s) => s.code === 'E8')).toHaveLength(2);
    expect(ev.repeatEngagement).toEqual({ contact: 'bob', at: ago(15), entryIds: ['b1', 'b2'] });
  });
});

describe('what the signals add up to', () => {
  it('reports the newest E3/E6/E7/E10 as the strong signal, ignoring E4 and E8', () => {
    const ev = evaluateSignals([
      sig('dm', 'E3', 60, 'ann'), sig('ev', 'E6', 40, 'bob'), sig('ref', 'E10', 30, 'cy'),
      sig('br', 'E4', 5, 'dee'), sig('r8', 'E8', 2, 'eve'),
    ], NOW);
    expect(ev.strong).toMatchObject({ code: 'E10', entryIds: ['ref'] });
  });

  it.each(['E3', 'E6', 'E7', 'E10'] as const)('treats %s as a strong signal', (code) => {
    expect(evaluateSignals([sig('x', code, 1)], NOW).strong?.code).toBe(code);
  });

  it.each(['E1', 'E2', 'E4', 'E5', 'E8', 'E9'] as const)('does not treat %s as a strong dossier signal', (code) => {
    expect(evaluateSignals([sig('x', code, 1)], NOW).strong).toBeNull();
  });

  it('reports the newest E4 as the Briefing request', () => {
    const ev = evaluateSignals([sig('old', 'E4', 50, 'ann'), sig('new', 'E4', 5, 'bob'), sig('x', 'E3', 1, 'cy')], NOW);
    expect(ev.briefingRequest).toMatchObject({ code: 'E4', entryIds: ['new'] });
  });

  it('flags E9 for CRO weight', () => {
    expect(evaluateSignals([sig('x', 'E9', 10)], NOW).croWeight).toBe(true);
    expect(evaluateSignals([sig('x', 'E2', 10)], NOW).croWeight).toBe(false);
  });

  it('does not flag an E9 outside the window', () => {
    expect(evaluateSignals([sig('x', 'E9', 181)], NOW).croWeight).toBe(false);
  });

  it('takes the oldest counted signal as first touch', () => {
    const ev = evaluateSignals([sig('b', 'E3', 10, 'bob'), like('l', 150, 'ann'), sig('a', 'E5', 100, 'ann')], NOW);
    expect(ev.firstTouch).toMatchObject({ code: 'E5', entryIds: ['a'], credit: 0.5 });
  });

  it('prefers the reported signal to the derived E8 as first touch at the same instant', () => {
    const ev = evaluateSignals([like('l', 12, 'ann'), sig('s', 'E2', 3, 'ann')], NOW);
    expect(ev.firstTouch?.code).toBe('E2');
  });

  it('prefers a reported E10 to the E8 it completes as first touch', () => {
    const ev = evaluateSignals([like('l', 12, 'ann'), sig('w', 'E10', 3, 'ann')], NOW);
    expect(ev.counted.map((s) => s.code)).toEqual(['E10', 'E8']);
    expect(ev.firstTouch?.code).toBe('E10');
  });

  it('has nothing to report for an empty log', () => {
    expect(evaluateSignals([], NOW)).toEqual({
      counted: [], repeatEngagement: null, briefingRequest: null, strong: null,
      qualifies: false, credit: 0, croWeight: false, firstTouch: null,
    });
  });
});

describe('signals since the last regression', () => {
  const since = ago(30);

  it('does not count a signal from before the regression', () => {
    expect(evaluateSignals([sig('a', 'E2', 40)], NOW, undefined, { since }).qualifies).toBe(false);
  });

  it('does not count a signal dated exactly at the regression', () => {
    expect(evaluateSignals([sig('a', 'E2', 30)], NOW, undefined, { since }).qualifies).toBe(false);
  });

  it('counts a signal after the regression', () => {
    expect(evaluateSignals([sig('a', 'E2', 29)], NOW, undefined, { since }).qualifies).toBe(true);
  });

  it('does not make an E8 from an engagement before the regression and one after', () => {
    const ev = evaluateSignals([sig('a', 'E2', 35), sig('b', 'E5', 25)], NOW, undefined, { since });
    expect(ev.repeatEngagement).toBeNull();
    expect(ev.counted.map((s) => s.code)).toEqual(['E5']);
  });

  it('does not complete three likes with likes from before the regression', () => {
    expect(evaluateSignals([like('l1', 40), like('l2', 20), like('l3', 10)], NOW, undefined, { since }).qualifies).toBe(false);
  });
});

describe('determinism', () => {
  const log = [
    sig('b', 'E2', 10, 'ann'), like('l1', 40, 'bob'), sig('a', 'E3', 10, 'cy'), like('l2', 30, 'bob'),
    like('l3', 20, 'bob'), sig('c', 'E1', 5, 'ann', 'comment'), sig('d', 'E9', 100, 'dee'),
  ];

  it('gives the same answer whatever the order of the log', () => {
    const reference = evaluateSignals(log, NOW);
    for (let shift = 1; shift < log.length; shift++) {
      const rotated = [...log.slice(shift), ...log.slice(0, shift)];
      expect(evaluateSignals(rotated, NOW)).toEqual(reference);
      expect(evaluateSignals([...rotated].reverse(), NOW)).toEqual(reference);
    }
  });

  it('sorts by time, then reported before derived, then code', () => {
    expect(evaluateSignals(log, NOW).counted.map((s) => `${s.code}:${s.entryIds.join('+')}`)).toEqual([
      'E9:d', 'E1:l1+l2+l3', 'E2:b', 'E3:a', 'E1:c', 'E8:b+c',
    ]);
  });

  it('reads a timestamp without an offset as UTC, whatever the host time zone', () => {
    const saved = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const entry: SignalEntry = { id: 'a', code: 'E2', at: '2026-04-01T12:00:00', contact: 'ann' };
      // 91 days in UTC; read as New York time it would be 90 days and 20 hours.
      expect(evaluateSignals([entry], '2026-07-01T12:00:00Z').counted[0]?.credit).toBe(0.5);
      expect(evaluateSignals([entry], '2026-06-30T12:00:00').counted[0]?.credit).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});
