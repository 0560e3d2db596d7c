// The sweep as every door runs it (src/engine/recorded-sweep.ts): under the `sweep` lease, recorded in runs, and
// stopping when its lease was taken over (it was presumed dead) instead of sweeping beside the new holder.
import { afterEach, describe, expect, it } from 'vitest';
import { recordedSweep } from '../../src/engine/recorded-sweep.js';
import { LeaseBusyError, LeaseTakenOverError, SWEEP_LEASE, acquireLease } from '../../src/store/lease.js';
import { tempEngine } from '../helpers/store.js';

const NOW = '2026-04-06T09:00:00.000Z';
const OPS = { by: 'sales.ops', role: 'sales.ops' } as const;
let env: ReturnType<typeof tempEngine>;
afterEach(() => env?.cleanup());
const runs = () => env.store.sqlite.prepare('select command, outcome, as_of as asOf, detail from runs order by id').all();

describe('recordedSweep', () => {
  it('records the run with the instant it swept as of, and releases the lease', async () => {
    env = tempEngine();
    const r = await recordedSweep(env.engine, { now: NOW, as: OPS, command: 'ladder sweep --now x', waitMs: 0 });
    expect(r).toMatchObject({ status: 'done', result: { fired: 0 } });
    expect(runs()).toEqual([{ command: 'ladder sweep --now x', outcome: 'done', asOf: NOW, detail: expect.stringMatching(/^0 timers fired/) }]);
    expect(env.store.sqlite.prepare('select count(*) from leases').pluck().get()).toBe(0);
  });

  it('refuses a role that may not sweep before it takes the lease or records a run', async () => {
    env = tempEngine();
    await expect(recordedSweep(env.engine, { now: NOW, as: { by: 'carla', role: 'cmo' }, command: 'c', waitMs: 0 })).rejects.toThrow(/cannot sweep/);
    expect(runs()).toEqual([]);
    expect(env.store.sqlite.prepare('select count(*) from leases').pluck().get()).toBe(0);
  });

  it('throws LeaseBusyError naming the holder while another sweep holds the lease; nothing recorded', async () => {
    env = tempEngine();
    const held = await acquireLease(env.store, SWEEP_LEASE, { waitMs: 0 });
    await expect(recordedSweep(env.engine, { now: NOW, as: OPS, command: 'c', waitMs: 0 })).rejects.toBeInstanceOf(LeaseBusyError);
    expect(runs()).toEqual([]);
    held.release();
  });

  it('stops after a committed batch when its lease was taken over, and records the run failed', async () => {
    env = tempEngine();
    const sweepWith = async (o: { onProgress?: (p: { fired: number; due: number }) => void }) => {
      // Another process found this one silent too long and took the lease over.
      env.store.sqlite.prepare("update leases set token = 'someone-else'").run();
      o.onProgress?.({ fired: 500, due: 1000 });
      throw new Error('not reached: the sweep goes on after losing its lease');
    };
    await expect(recordedSweep(env.engine, { now: NOW, as: OPS, command: 'c', waitMs: 0, sweepWith: sweepWith as never })).rejects.toBeInstanceOf(LeaseTakenOverError);
    expect(runs()).toEqual([{ command: 'c', outcome: 'failed', asOf: NOW, detail: expect.stringMatching(/taken over.*stopped after 500 timers/) }]);
  });
});
