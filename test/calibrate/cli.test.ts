// `ladder calibrate` and `ladder verify --replay` as their users run them: the built binary on a real database.
// The worker threads give the same numbers as one thread; the database is never written; a bad rules file is
// refused naming the field and what it accepts (exit 2, never a stack trace); a database whose stored state no
// longer follows from its log fails verify with exit 5, naming the account and the first differing event.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/simulate.js';
import { openTestLadder } from '../helpers/store.js';
import { LadderCli } from '../helpers/cli.js';

const START = '2026-01-05T00:00:00.000Z';
const NOW = '2026-04-01T00:00:00.000Z';

describe('ladder calibrate and ladder verify --replay (built CLI)', () => {
  let cli: LadderCli;
  let alt: string;

  beforeAll(async () => {
    cli = new LadderCli();
    const ladder = openTestLadder(cli.db);
    try {
      await runDemo(ladder.engine, { accounts: 120, days: 60, seed: 21, start: START });
    } finally {
      ladder.close();
    }
    alt = join(cli.dir, 'alt.json');
    writeFileSync(alt, JSON.stringify({ gates: { g1PassEmployees: 150 }, timers: { mqlStaleDays: 30 } }));
  }, 120_000);
  afterAll(() => cli?.cleanup());

  it('gives the same numbers on worker threads as in one thread, and writes nothing', () => {
    const before = cli.tables();
    const mtime = statSync(cli.db).mtimeMs;
    type Out = { accounts: number; events: number; selfCheck: { equal: number; mismatches: number }; summary: unknown; differing: { total: number; list: unknown[] }; refused: unknown; ms?: number };
    const one = cli.json<Out>(['calibrate', '--rules', alt, '--workers', '0', '--limit', '1000', '--check'], { now: NOW });
    const two = cli.json<Out>(['calibrate', '--rules', alt, '--workers', '2', '--limit', '1000', '--check'], { now: NOW });
    const fast = cli.json<Out>(['calibrate', '--rules', alt, '--workers', '2', '--limit', '1000'], { now: NOW });
    expect(one.accounts).toBe(120);
    expect(one.selfCheck).toMatchObject({ equal: 120, mismatches: 0 });
    // A 30-day MQL clock (not 90) moves some account.
    expect(one.differing.total).toBeGreaterThan(0);
    const { ms: _a, ...x } = one;
    const { ms: _b, ...y } = two;
    expect(y).toEqual(x);
    // Without --check the rules in force are read from the recorded history: the same comparison.
    expect(fast.selfCheck).toMatchObject({ accounts: 0 });
    expect([fast.summary, fast.differing, fast.refused]).toEqual([one.summary, one.differing, one.refused]);
    expect(cli.tables()).toEqual(before);
    expect(statSync(cli.db).mtimeMs).toBe(mtime);
  });

  it('prints the comparison as text by default', () => {
    const r = cli.ok(['calibrate', '--rules', alt, '--limit', '3', '--check'], { now: NOW });
    expect(r.stdout).toMatch(/^calibration: 120 accounts, \d+ recorded events from 2026-01-05T00:00:00.000Z to 2026-04-01T00:00:00.000Z: the rules in force against .*alt\.json/);
    expect(r.stdout).toContain('alternative rules: gates.g1PassEmployees: 200 → 150; timers.mqlStaleDays: 90 → 30');
    expect(r.stdout).toContain('self-check: the rules in force re-derive all 120 recorded logs');
    expect(r.stdout).toMatch(/per week \(current → alternative\):\n\s+week\s+new MQLs/);
    expect(r.stdout).toMatch(/\d+ accounts take another path \(the first 3 listed; --limit N lists more\):/);
    expect(r.stdout).toContain('HO 6.3 — accounts first classified in the window, by first-touch signal');
  });

  it.each([
    [{ gates: { g1PassEmploye: 150 } }, /gates\.g1PassEmploye: not a rules setting; gates has g1PassEmployees, g1ConditionalEmployees/, 'gates.g1PassEmploye'],
    [{ gates: { g1PassEmployees: -5 } }, /gates\.g1PassEmployees: .*(>0|positive|too small)/i, 'gates.g1PassEmployees'],
    [{ signals: { fullCreditDays: 400 } }, /signals.*fullCreditDays must not exceed signals\.windowDays/, 'signals'],
    [{ timer: { sqlStaleDays: 10 } }, /timer: not a rules setting; the rules have gates, signals, holidays, timers, sla/, 'timer'],
    [[1, 2], /expected a JSON object of rules settings/, 'rules'],
  ])('refuses the rules file %j naming the field (exit 2, no stack trace)', (doc, message, field) => {
    const file = join(cli.dir, 'bad.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = cli.run(['calibrate', '--rules', file], { now: NOW });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const j = cli.run(['calibrate', '--rules', file], { now: NOW, json: true });
    expect(JSON.parse(j.stdout).error.field).toBe(field);
  });

  it('refuses a rules file that is not JSON, and a missing one', () => {
    const file = join(cli.dir, 'broken.json');
    writeFileSync(file, '{"gates": ');
    expect(cli.run(['calibrate', '--rules', file], { now: NOW })).toMatchObject({ code: 2, stderr: expect.stringMatching(/--rules: .*broken\.json: not valid JSON/) });
    expect(cli.run(['calibrate', '--rules', join(cli.dir, 'nope.json')], { now: NOW })).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot read it \(ENOENT\)/) });
    expect(cli.run(['calibrate', '--rules', alt, '--from', '2026-05-01', '--to', '2026-02-01'], { now: NOW })).toMatchObject({ code: 2, stderr: expect.stringMatching(/--from: .* is not before --to/) });
    expect(cli.run(['calibrate', '--rules', alt], { now: '2025-06-01T00:00:00Z' })).toMatchObject({ code: 2, stderr: expect.stringMatching(/--to: nothing was recorded before 2025-06-01T00:00:00.000Z \(the first event is at 2026-01-05/) });
  });

  it('verify --replay passes on an intact database and fails with exit 5 naming the account and the first differing event', () => {
    const ok = cli.run(['verify', '--replay', '--workers', '2']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^120 of 120 accounts replay from their recorded inputs, timers re-derived in simulated time, to their stored log, snapshot and stage history/);
    const db = new Database(cli.db);
    const row = db.prepare(`select account, seq from events where type like 'xstate.after.%' order by account, seq limit 1`).get() as { account: string; seq: number };
    db.prepare(`update events set at = '2025-12-31T00:00:00.000Z' where account = ? and seq = ?`).run(row.account, row.seq);
    db.close();
    const bad = cli.run(['verify', '--replay']);
    expect(bad.code).toBe(5);
    expect(bad.stdout).toContain(`${row.account}: log differs at event #${row.seq}: event #${row.seq}: recorded xstate.after.`);
    expect(bad.stdout).toMatch(/119 of 120 accounts replay/);
    const j = cli.run(['verify', '--replay'], { json: true });
    expect(j.code).toBe(5);
    expect(JSON.parse(j.stdout)).toMatchObject({ accounts: 120, equal: 119, mismatches: 1, list: [{ account: row.account, what: 'log', seq: row.seq }] });
    expect(cli.run(['verify'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--replay') });
  });
});
