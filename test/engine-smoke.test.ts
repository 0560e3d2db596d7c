import { afterEach, describe, expect, it } from 'vitest';
import { tempEngine, PASSING_FACTS, SYSTEM, day } from './helpers/store.js';
import { MACHINE_VERSION } from '../machines/ladder.js';
import { sweep } from '../src/engine/sweep.js';
import { stageHistory, events, timers } from '../src/store/schema.js';
import { eq } from 'drizzle-orm';

const T0 = '2026-03-02T10:00:00.000Z';
let env: ReturnType<typeof tempEngine>;
afterEach(() => env?.cleanup());

describe('the core scenario through the engine', () => {
  it('reverts an SQL with no engagement for 30 days to MQL, dated at day 30', () => {
    env = tempEngine();
    const { engine } = env;
    const ops = { by: 'ana', role: 'sales.ops' as const };
    engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80 }, { ...ops, at: T0, source: 'cli', now: T0 });
    engine.submit({ account: 'acme.com', source: 'cli', now: T0, event: { type: 'FACTS', ...ops, at: T0, facts: PASSING_FACTS } });
    const mql = engine.submit({ account: 'acme.com', source: 'cli', now: T0, event: { type: 'SIGNAL', ...ops, at: T0, signal: { id: 's1', code: 'E1', interaction: 'comment', contact: 'https://www.linkedin.com/in/jane', at: T0 } } });
    expect(mql.after.stage).toBe('MQL');
    const review = engine.submit({ account: 'acme.com', source: 'cli', now: T0, event: { type: 'DOSSIER', ...ops, at: T0, scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'LIKELY', S4: 'NOT_PRESENT' } } });
    expect(review.after).toEqual({ stage: 'SQL', substate: 'review' });
    const confirmed = engine.submit({ account: 'acme.com', source: 'cli', now: T0, event: { type: 'CRO_CONFIRM', by: 'marcus', role: 'cro', at: T0 } });
    expect(confirmed.after).toEqual({ stage: 'SQL', substate: 'confirmed' });
    sweep(engine, { now: day(T0, 29), as: SYSTEM });
    expect(engine.load('acme.com')!.snapshot.value).toEqual({ SQL: 'confirmed' });
    const s31 = sweep(engine, { now: day(T0, 31), as: SYSTEM });
    expect(s31.transitions).toEqual({ 'SQL→MQL': 1 });
    // HO 3.5: SQL → MQL (nurture): not a new MQL, so no dossier is owed again.
    expect(engine.load('acme.com')!.snapshot.value).toEqual({ MQL: 'nurture' });
    const hist = env.store.db.select().from(stageHistory).where(eq(stageHistory.account, 'acme.com')).all();
    expect(hist.at(-1)).toMatchObject({ stage: 'MQL', substate: 'nurture', enteredAt: day(T0, 30) });
    expect(env.store.db.select().from(events).all().at(-1)).toMatchObject({ type: 'xstate.after.SQL_STALE.ladder.SQL', at: day(T0, 30), stageAfter: 'MQL.nurture' });
    expect(env.store.db.select().from(timers).where(eq(timers.status, 'pending')).all().map((t) => t.timerId)).toEqual(['xstate.after.MQL_STALE.ladder.MQL']);
    const again = sweep(engine, { now: day(T0, 31), as: SYSTEM });
    expect(again.fired).toBe(0);
  });
});

describe('stored snapshots carry the machine version', () => {
  it('stamps the machine version, not the row version, on every write', () => {
    env = tempEngine();
    const { engine } = env;
    const ops = { by: 'ana', role: 'sales.ops' as const };
    engine.addAccount({ domain: 'v.com', name: 'V', hq: 'Oslo', tier: 'Tier 2', icpScore: 50 }, { ...ops, at: T0, source: 'cli', now: T0 });
    for (let i = 0; i < 3; i++) engine.submit({ account: 'v.com', source: 'cli', now: T0, event: { type: 'FACTS', ...ops, at: T0, facts: { employees: 300 + i } } });
    const row = env.store.sqlite.prepare('select machine_version, version from actors where account = ?').get('v.com') as { machine_version: number; version: number };
    expect(row).toEqual({ machine_version: MACHINE_VERSION, version: 4 });
  });
});
