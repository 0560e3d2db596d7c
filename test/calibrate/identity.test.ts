// Issue 16's self-check: replaying every account's recorded inputs under the rules in force, timers re-derived in
// simulated time, gives back every stored log, snapshot and stage history; for the demo fleet, and for a fleet that
// lived through a rules change (the rules history). A stored row changed behind the engine's back is named, with the
// account and the first event that differs.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/simulate.js';
import { calibrate, verifyReplay } from '../../src/calibrate/calibrate.js';
import { SYSTEM, tempEngine } from '../helpers/store.js';
import { sweep } from '../../src/engine/sweep.js';

const START = '2026-01-05T00:00:00.000Z';
const day = (n: number) => new Date(Date.parse(START) + n * 86_400_000).toISOString();

describe('identity replay: the rules in force give back what is stored', () => {
  let demo: ReturnType<typeof tempEngine>;
  let changed: ReturnType<typeof tempEngine>;

  beforeAll(async () => {
    demo = tempEngine();
    await runDemo(demo.engine, { accounts: 80, days: 70, seed: 11, start: START });
    // A fleet that lived through a rules change: 45 days under the SOP defaults, then shorter no-engagement clocks,
    // a lower G1 and a 2-day dossier SLA; timers armed before the change fire after it.
    changed = tempEngine();
    await runDemo(changed.engine, { accounts: 60, days: 45, seed: 12, start: START });
    changed.engine.changeSettings((s) => ({
      ...s, rules: { ...s.rules, gates: { ...s.rules.gates, g1PassEmployees: 150 }, timers: { ...s.rules.timers, mqlStaleDays: 40, sqlStaleDays: 20 }, sla: { ...s.rules.sla, dossierBusinessDays: 2 } },
    }), { by: 'sales.ops', role: 'sales.ops', now: day(46), change: 'calibration: shorter clocks, G1 150', source: 'cli' });
    await runDemo(changed.engine, { accounts: 30, days: 60, seed: 913, start: day(46) });
    sweep(changed.engine, { now: day(130), as: SYSTEM });
  }, 120_000);
  afterAll(() => { demo?.cleanup(); changed?.cleanup(); });

  it('reproduces every stored log, snapshot and stage history of the demo fleet', async () => {
    const r = await verifyReplay(demo.engine, { workers: 0 });
    expect(r.list).toEqual([]);
    expect(r).toMatchObject({ accounts: 80, equal: 80, mismatches: 0 });
  });

  it('reproduces a fleet that lived through a rules change, each event under the rules of its time', async () => {
    const versions = changed.store.sqlite.prepare('select settings_version as v, count(*) as n from events group by 1 order by 1').all() as { v: number; n: number }[];
    expect(versions.length).toBeGreaterThanOrEqual(2);
    // Timers armed under the old rules and fired under the new ones: the history really spans the change.
    const timersAfter = changed.store.sqlite.prepare(`select count(*) from events where type like 'xstate.after.%' and settings_version = ?`).pluck().get(versions.at(-1)!.v) as number;
    expect(timersAfter).toBeGreaterThan(0);
    const r = await verifyReplay(changed.engine, { workers: 0 });
    expect(r.list).toEqual([]);
    expect(r).toMatchObject({ accounts: 90, equal: 90, mismatches: 0 });
  });

  it('under an alternative equal to the rules in force, no account takes another path and no input is refused', async () => {
    const rules = changed.engine.rules;
    const r = await calibrate(changed.engine, { override: { timers: { ...rules.timers } }, rulesFile: 'same.json', now: day(130), workers: 0, check: true });
    expect(r.selfCheck).toMatchObject({ accounts: 90, equal: 90, mismatches: 0 });
    expect(r.differing.total).toBe(0);
    expect(r.refused.total).toBe(0);
    expect(r.summary.totals.newMqls.alt).toBe(r.summary.totals.newMqls.current);
    expect(r.summary.endStages.alt).toEqual(r.summary.endStages.current);
  });

  it.each([
    ['the demo fleet', () => demo, day(70), undefined],
    ['the demo fleet, cut in the middle', () => demo, day(40), day(10)],
    ['the rules-change fleet, long after its last event', () => changed, day(200), undefined],
  ])('reads the rules in force from the recorded history exactly as replaying them gives it: %s', async (_name, env, to, from) => {
    const o = { override: { gates: { g1PassEmployees: 150 }, timers: { mqlStaleDays: 10, sqlStaleDays: 7 } }, rulesFile: 'alt.json', now: to, from, workers: 0, limit: 10_000 };
    const replayed = await calibrate(env().engine, { ...o, check: true });
    const recorded = await calibrate(env().engine, o);
    expect(replayed.selfCheck.mismatches).toBe(0);
    expect(recorded.selfCheck.accounts).toBe(0);
    expect(replayed.differing.total).toBeGreaterThan(0);
    expect(recorded.summary).toEqual(replayed.summary);
    expect(recorded.differing).toEqual(replayed.differing);
    expect(recorded.refused).toEqual(replayed.refused);
    expect(recorded.replayed).toEqual(replayed.replayed);
  });

  it('names the account and the first differing event when a stored stay was changed behind the engine', async () => {
    const sqlite = new Database(demo.path);
    const victim = sqlite.prepare(`select account, id, entered_at from stage_history where stage = 'MQL' order by account, id limit 1`).get() as { account: string; id: number; entered_at: string };
    sqlite.prepare('update stage_history set entered_at = ? where id = ?').run('2026-01-01T00:00:00.000Z', victim.id);
    const snap = sqlite.prepare(`select account from actors where account > ? order by account limit 1`).pluck().get(victim.account) as string;
    sqlite.prepare(`update actors set snapshot = json_set(snapshot, '$.context.priority', 'high') where account = ?`).run(snap);
    sqlite.close();
    const r = await verifyReplay(demo.engine, { workers: 0 });
    expect(r.mismatches).toBe(2);
    expect(r.list.map((m) => [m.account, m.what])).toEqual([[victim.account, 'stage history'], [snap, 'snapshot']]);
    expect(r.list[0]!.detail).toContain('2026-01-01T00:00:00.000Z');
    expect(r.list[1]!.detail).toContain('context.priority');
  });

  it('names the first event a tampered log no longer replays to', async () => {
    const sqlite = new Database(changed.path);
    const row = sqlite.prepare(`select account, seq from events where type = 'SIGNAL' and stage_before = 'PROSPECT' and stage_after like 'MQL%' order by account limit 1`).get() as { account: string; seq: number };
    sqlite.prepare(`update events set stage_after = 'PROSPECT' where account = ? and seq = ?`).run(row.account, row.seq);
    sqlite.close();
    const r = await verifyReplay(changed.engine, { workers: 0 });
    expect(r.mismatches).toBe(1);
    expect(r.list[0]).toMatchObject({ account: row.account, what: 'log', seq: row.seq });
    expect(r.list[0]!.detail).toMatch(new RegExp(`^event #${row.seq}: recorded SIGNAL .* → PROSPECT; replayed SIGNAL .* → MQL`));
  });
});
