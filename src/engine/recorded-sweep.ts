// A sweep as every door runs it (`ladder sweep`, the server's routine, POST /api/sweep): one at a time under the
// `sweep` lease, whichever process or host runs it, and recorded in `runs` with the instant it swept as of (so the
// routine knows whether a scheduled sweep was missed, and `ladder runs` shows who swept when).
import { acquireLease, LeaseTakenOverError, SWEEP_LEASE } from '../store/lease.js';
import { startRun } from '../store/runs.js';
import type { Engine } from './engine.js';
import type { SweepOptions, SweepResult } from './sweep.js';

export type RecordedSweepOptions = SweepOptions & {
  /** How the run is listed in `runs` (`ladder sweep --now …`, `routine sweep`, `api sweep by NAME`). */
  command: string;
  /** How long to wait for another sweep to end before LeaseBusyError (0: not at all). */
  waitMs: number;
  /** What the busy message tells the user to do. */
  advice?: string;
  /** Checked under the lease: a reason not to sweep after all (the routine: this slot was swept already). */
  skipIf?: () => string | null;
  /** The sweep itself (default: the engine's, yielding between batches); tests pass a slow or failing one. */
  sweepWith?: (o: SweepOptions) => SweepResult | Promise<SweepResult>;
};

export type RecordedSweep = { status: 'done'; result: SweepResult; detail: string } | { status: 'skipped'; why: string };

export function describeSweep(r: SweepResult): string {
  const moves = Object.entries(r.transitions).map(([k, v]) => `${k} ${v}`).join(', ');
  return `${r.fired} timers fired (${r.slaBreaches} SLA breaches flagged, ${r.skipped} no longer accepted)${moves ? `; ${moves}` : ''}`;
}

/** Throws LeaseBusyError when another sweep holds the lease past `waitMs`, RefusedError when the role may not sweep. */
export async function recordedSweep(engine: Engine, o: RecordedSweepOptions): Promise<RecordedSweep> {
  // Refused before anything is taken or recorded: who may sweep, and a --now the clock allows.
  engine.authorizeCommand('SWEEP', 'sweep', o.as, o.now, { account: null, type: 'SWEEP', payload: { type: 'SWEEP', now: o.now }, source: o.source ?? 'cli' });
  const lease = await acquireLease(engine.store, SWEEP_LEASE, { waitMs: o.waitMs, advice: o.advice });
  try {
    const why = o.skipIf?.() ?? null;
    if (why) return { status: 'skipped', why };
    const run = startRun(engine.store, o.command, { asOf: o.now });
    try {
      const result = await (o.sweepWith ?? engine.sweepAsync)({ now: o.now, as: o.as, batchSize: o.batchSize, source: o.source, onProgress: (p) => {
        // Presumed dead and taken over: stop after the committed batch; the new holder sweeps the rest.
        if (!lease.beat()) throw new LeaseTakenOverError(SWEEP_LEASE, `this sweep stopped after ${p.fired} timers; the other one fires the rest`);
        o.onProgress?.(p);
      } });
      const detail = describeSweep(result);
      run.end('done', detail);
      return { status: 'done', result, detail };
    } catch (err) {
      run.end('failed', (err as Error).message);
      throw err;
    }
  } finally {
    lease.release();
  }
}
