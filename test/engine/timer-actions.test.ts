// The pure step from xstate's delayed raise/cancel actions to timer row writes (xstate#5331: v5 does not
// persist `after` timers; the engine does).
import { describe, expect, it } from 'vitest';
import { timerWrites } from '../../src/engine/timer-actions.js';

const AT = '2026-03-02T09:00:00.000Z';
const raise = (id: string, delay?: number) => ({ type: 'xstate.raise', params: { id, delay, event: { type: id } } });
const cancel = (id: string) => ({ type: 'xstate.cancel', params: { sendId: id } });

describe('timerWrites', () => {
  it('arms a delayed raise at the event time plus its delay, and cancels by id, in the order xstate emitted them', () => {
    expect(timerWrites([cancel('xstate.after.SQL_STALE.ladder.SQL'), raise('xstate.after.SQL_STALE.ladder.SQL', 30 * 86_400_000)], AT)).toEqual([
      { op: 'cancel', timerId: 'xstate.after.SQL_STALE.ladder.SQL' },
      { op: 'arm', timerId: 'xstate.after.SQL_STALE.ladder.SQL', event: { type: 'xstate.after.SQL_STALE.ladder.SQL' }, dueAt: '2026-04-01T09:00:00.000Z' },
    ]);
  });

  it('drops the cancel of the timer the event itself fires (its row is closed as fired)', () => {
    expect(timerWrites([cancel('T1'), cancel('T2')], AT, 'T1')).toEqual([{ op: 'cancel', timerId: 'T2' }]);
  });

  it('ignores a raise without a numeric delay (delivered at once by xstate) and other actions', () => {
    expect(timerWrites([raise('now'), { type: 'xstate.assign' }, { type: 'fold', params: { delay: 5 } }], AT)).toEqual([]);
  });
});
