// The signal log's rules as the machine applies them (HO 3.2, 3.2.1), through the real engine.
import { afterEach, describe, expect, it } from 'vitest';
import { tempEngine, PASSING_FACTS, day } from '../helpers/store.js';
import { accountStatus } from '../../src/queries.js';
import type { SignalCode, E1Interaction } from '../../machines/types.js';

const T0 = '2026-01-05T09:00:00.000Z';
const ops = { by: 'sales.ops', role: 'sales.ops' as const };
let env: ReturnType<typeof tempEngine>;
afterEach(() => env?.cleanup());

function account() {
  env = tempEngine();
  env.engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...ops, at: T0, now: T0, source: 'cli' });
  let n = 0;
  return (at: string, code: SignalCode, contact: string, interaction?: E1Interaction) =>
    env.engine.submit({ account: 'acme.com', source: 'cli', now: at, event: { type: 'SIGNAL', ...ops, at, signal: { id: `s${++n}`, code, contact: `https://www.linkedin.com/in/${contact}`, at, ...(interaction ? { interaction } : {}) } } }).after;
}

describe('signal rules on the ladder', () => {
  it('a single like is logged but does not make an MQL', () => {
    const signal = account();
    expect(signal(T0, 'E1', 'jane', 'like')).toEqual({ stage: 'PROSPECT', substate: null });
  });

  it('three likes by one contact within 30 days make an MQL', () => {
    const signal = account();
    signal(T0, 'E1', 'jane', 'like');
    signal(day(T0, 10), 'E1', 'jane', 'like');
    expect(signal(day(T0, 29), 'E1', 'jane', 'like')).toEqual({ stage: 'MQL', substate: 'dossier' });
  });

  it('three likes spread over 40 days do not', () => {
    const signal = account();
    signal(T0, 'E1', 'jane', 'like');
    signal(day(T0, 20), 'E1', 'jane', 'like');
    expect(signal(day(T0, 40), 'E1', 'jane', 'like')).toEqual({ stage: 'PROSPECT', substate: null });
  });

  it('two engagements by one contact within 30 days are E8: fast track to the SQL dossier, same-day review SLA', () => {
    const signal = account();
    expect(signal(T0, 'E1', 'jane', 'comment').stage).toBe('MQL');
    expect(signal(day(T0, 12), 'E2', 'jane')).toEqual({ stage: 'SQL', substate: 'dossier' });
    expect(accountStatus(env.engine, 'acme.com', day(T0, 12)).flags.fastTrack).toBe('E8');
  });

  it('the same two engagements by two different contacts are not E8', () => {
    const signal = account();
    signal(T0, 'E1', 'jane', 'comment');
    expect(signal(day(T0, 12), 'E2', 'raj')).toEqual({ stage: 'MQL', substate: 'dossier' });
  });

  it('a 120-day-old signal counts half', () => {
    const signal = account();
    signal(T0, 'E2', 'jane');
    expect(accountStatus(env.engine, 'acme.com', day(T0, 30)).signals.credit).toBe(1);
    expect(accountStatus(env.engine, 'acme.com', day(T0, 120)).signals.credit).toBe(0.5);
    expect(accountStatus(env.engine, 'acme.com', day(T0, 181)).signals.credit).toBe(0);
  });

  it('an E4 Briefing request is auto-SQL: straight to SQL confirmed', () => {
    const signal = account();
    expect(signal(T0, 'E4', 'jane')).toEqual({ stage: 'SQL', substate: 'confirmed' });
  });

  it('a signal on an account whose gates fail is logged and the account stays', () => {
    env = tempEngine();
    env.engine.addAccount({ domain: 'small.com', name: 'Small', hq: 'Oslo', tier: 'Tier 3', icpScore: 40, facts: { ...PASSING_FACTS, employees: 60 } }, { ...ops, at: T0, now: T0, source: 'cli' });
    const a = env.engine.submit({ account: 'small.com', source: 'cli', now: T0, event: { type: 'SIGNAL', ...ops, at: T0, signal: { id: 'x', code: 'E3', contact: 'https://www.linkedin.com/in/k', at: T0 } } });
    expect(a.after.stage).toBe('PROSPECT');
    expect((env.store.sqlite.prepare("select count(*) n from events where type='SIGNAL'").get() as { n: number }).n).toBe(1);
  });

  it('keeps the first-touch signal for attribution', () => {
    const signal = account();
    signal(T0, 'E1', 'jane', 'like');
    signal(day(T0, 3), 'E5', 'raj');
    expect(accountStatus(env.engine, 'acme.com', day(T0, 3)).signals.firstTouch).toEqual({ code: 'E5', at: day(T0, 3) });
  });
});
