// Regressions found by the model-based walk.
import { afterEach, describe, expect, it } from 'vitest';
import { tempEngine, PASSING_FACTS, SYSTEM } from './helpers/store.js';
import { sweep } from '../src/engine/sweep.js';
import { accountStatus } from '../src/queries.js';

const ops = { by: 'sales.ops', role: 'sales.ops' as const };
let env: ReturnType<typeof tempEngine>;
afterEach(() => env?.cleanup());
const T = (d: string) => `2026-03-${d}Z`;

function acme() {
  env = tempEngine();
  env.engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...ops, at: T('02T09:00:00'), now: T('02T09:00:00'), source: 'cli' });
  let n = 0;
  return (at: string, code: 'E1' | 'E3', interaction?: 'like' | 'comment') => env.engine.submit({ account: 'acme.com', source: 'cli', now: at, event: { type: 'SIGNAL', ...ops, at, signal: { id: `s${++n}`, code, contact: 'https://www.linkedin.com/in/jane', at, ...(interaction ? { interaction } : {}) } } });
}

describe('SLA breaches', () => {
  it('flags a missed dossier SLA once, however many signals re-enter the sub-state afterwards', () => {
    const signal = acme();
    expect(signal(T('02T09:00:00'), 'E3').after).toEqual({ stage: 'SQL', substate: 'dossier' });
    expect(sweep(env.engine, { now: T('04T09:00:00'), as: SYSTEM }).slaBreaches).toBe(1);
    signal(T('05T09:00:00'), 'E1', 'comment');
    const second = sweep(env.engine, { now: T('05T10:00:00'), as: SYSTEM });
    expect(second).toMatchObject({ slaBreaches: 0, skipped: 1 });
    signal(T('06T09:00:00'), 'E1', 'comment');
    sweep(env.engine, { now: T('06T10:00:00'), as: SYSTEM });
    const ctx = env.engine.load('acme.com')!.snapshot.context as { slaBreaches: unknown[] };
    expect(ctx.slaBreaches).toHaveLength(1);
    expect(accountStatus(env.engine, 'acme.com', T('06T10:00:00')).flags.slaBreach).toEqual(['dossier']);
  });
});

describe('ARCHIVED re-entry', () => {
  it('a lone like is logged and the account stays archived', () => {
    const signal = acme();
    signal(T('02T09:00:00'), 'E1', 'comment');
    env.engine.submit({ account: 'acme.com', source: 'cli', now: T('03T09:00:00'), event: { type: 'ARCHIVE', ...ops, at: T('03T09:00:00') } });
    expect(signal(T('20T09:00:00'), 'E1', 'like').after.stage).toBe('ARCHIVED');
  });

  it('a new engagement signal re-enters at PROSPECT, and old signals do not lift it further', () => {
    const signal = acme();
    signal(T('02T09:00:00'), 'E1', 'comment');
    env.engine.submit({ account: 'acme.com', source: 'cli', now: T('03T09:00:00'), event: { type: 'ARCHIVE', ...ops, at: T('03T09:00:00') } });
    // The new comment alone qualifies (gates pass), so the account climbs to MQL on its own merit.
    expect(signal(T('20T09:00:00'), 'E1', 'comment').after.stage).toBe('MQL');
    const s = accountStatus(env.engine, 'acme.com', T('20T09:00:00'));
    expect(s.signals.counted).toBe(1);
  });
});

describe('status flags', () => {
  it('does not call a dossier-made SQL a fast track', () => {
    const signal = acme();
    signal(T('02T09:00:00'), 'E1', 'comment');
    env.engine.submit({ account: 'acme.com', source: 'cli', now: T('02T10:00:00'), event: { type: 'DOSSIER', ...ops, at: T('02T10:00:00'), scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'CONFIRMED', S4: 'UNVERIFIED' } } });
    expect(accountStatus(env.engine, 'acme.com', T('02T10:00:00')).flags.fastTrack).toBeNull();
  });
});
