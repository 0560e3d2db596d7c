// The sweep, end to end: durable timers fire exactly once, dated when they fell due, in due order, even
// when a week of sweeps was missed (DOMAIN "Timers").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, LadderCli, LEDGER_TABLES, type Seeder } from '../helpers/cli.js';
import { delayOf } from '../../machines/timers.js';

const T0 = '2026-03-02T09:00:00.000Z'; // a Monday
const FIT = { employees: 1200, partnerProgram: 'AWS', namedReferral: true, revenueUsd: 120_000_000 };
const LAST_DAILY_SWEEP = at(T0, 89);
const MISSED_WEEK_SWEEP = at(T0, 96);

type Sweep = { now: string; fired: number; transitions: Record<string, number>; slaBreaches: number; skipped: number };
type TimerRow = { account: string; timer_id: string; due_at: string; status: string };

let cli: LadderCli;

/**
 * An account that becomes an MQL at `day` (an E1 comment), or also a confirmed SQL (dossier an hour later,
 * CRO confirmation two hours later), or a fast-tracked SQL dossier (an E3 direct message, HO 3.2.1).
 * Set up in-process through the engine: the sweep is what the tests are about.
 */
function climb(s: Seeder, domain: string, day: number, to: 'MQL' | 'SQL' | 'SQL dossier') {
  const t = at(T0, day);
  s.add(domain, t, { facts: FIT });
  if (to === 'SQL dossier') {
    s.signal(domain, t, 'E3', `https://linkedin.com/in/cro-${domain.replace('.', '-')}`);
    return;
  }
  s.signal(domain, t, 'E1', `https://linkedin.com/in/vp-${domain.replace('.', '-')}`, 'comment');
  if (to === 'MQL') {
    // Its dossier found two buying signals: MQL nurture (HO 4.3), so no dossier SLA is owed any more.
    s.send(domain, at(T0, day, 1), { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'UNVERIFIED', S4: 'NOT_PRESENT' } });
    return;
  }
  s.send(domain, at(T0, day, 1), { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'LIKELY', S4: 'NOT_PRESENT' } });
  s.send(domain, at(T0, day, 2), { type: 'CRO_CONFIRM' }, { by: 'marcus', role: 'cro' });
}

const pendingTimers = () => cli.query<TimerRow>("select account, timer_id, due_at, status from timers where status = 'pending' order by due_at, id");
const stages = () => Object.fromEntries(cli.query<{ account: string; stage: string; substate: string | null }>('select account, stage, substate from actors')
  .map((r) => [r.account, r.substate ? `${r.stage}.${r.substate}` : r.stage]));

beforeAll(() => {
  cli = new LadderCli();
  cli.seed((s) => {
    // Armed in an order unlike their due order: late.com's 90-day MQL clock is the first armed and the last due.
    climb(s, 'late.com', 5, 'MQL'); //             MQL_STALE due day 95
    climb(s, 'early.com', 61, 'SQL'); //           SQL_STALE due day 91 (+1 h: the dossier)
    climb(s, 'middle.com', 63, 'SQL'); //          SQL_STALE due day 93 (+1 h)
    climb(s, 'notyet.com', 67, 'SQL'); //          SQL_STALE due day 97 (+1 h): after the missed week
    climb(s, 'fast.com', 88, 'SQL dossier'); //    dossier SLA due the next business day
  });
});
afterAll(() => cli?.cleanup());

describe('the sweep', () => {
  it('the last daily sweep before the gap fires nothing: nothing is due', () => {
    const before = cli.tables([...LEDGER_TABLES, 'refusals']);
    expect(cli.json<Sweep>(['sweep'], { now: LAST_DAILY_SWEEP, as: 'ana' })).toMatchObject({ fired: 0, transitions: {}, slaBreaches: 0 });
    expect(cli.tables([...LEDGER_TABLES, 'refusals'])).toEqual(before);
  });

  it('after a missed week, fires every timer that fell due, each dated at its due time, in due order', () => {
    const due = pendingTimers().filter((t) => t.due_at <= MISSED_WEEK_SWEEP);
    expect(due.map((t) => [t.account, delayOf(t.timer_id)])).toEqual([
      ['fast.com', 'DOSSIER_SLA'],
      ['early.com', 'SQL_STALE'],
      ['middle.com', 'SQL_STALE'],
      ['late.com', 'MQL_STALE'],
    ]);
    expect(due.slice(1).map((t) => t.due_at)).toEqual([at(T0, 91, 1), at(T0, 93, 1), at(T0, 95)]);

    const r = cli.json<Sweep>(['sweep'], { now: MISSED_WEEK_SWEEP, as: 'ana' });
    expect(r).toMatchObject({ now: MISSED_WEEK_SWEEP, fired: 4, slaBreaches: 1, skipped: 0, transitions: { 'SQL→MQL': 2, 'MQL→PROSPECT': 1 } });

    const fired = cli.query<{ account: string; type: string; at: string; recorded_at: string; stage_before: string; stage_after: string }>(
      "select account, type, at, recorded_at, stage_before, stage_after from events where source = 'timer' order by id");
    expect(fired).toEqual(due.map((t) => expect.objectContaining({ account: t.account, type: t.timer_id, at: t.due_at, recorded_at: MISSED_WEEK_SWEEP })));
    expect(fired.map((e) => `${e.account}: ${e.stage_before} → ${e.stage_after}`)).toEqual([
      'fast.com: SQL.dossier → SQL.dossier',
      'early.com: SQL.confirmed → MQL.nurture',
      'middle.com: SQL.confirmed → MQL.nurture',
      'late.com: MQL.nurture → PROSPECT',
    ]);
    // Each regression entered its new stage when it fell due, not when the sweep ran.
    const entered = cli.query<{ account: string; stage: string; entered_at: string }>(
      "select account, stage, entered_at from stage_history where exited_at is null and account in ('early.com', 'middle.com', 'late.com') order by entered_at");
    expect(entered).toEqual([
      { account: 'early.com', stage: 'MQL', entered_at: at(T0, 91, 1) },
      { account: 'middle.com', stage: 'MQL', entered_at: at(T0, 93, 1) },
      { account: 'late.com', stage: 'PROSPECT', entered_at: at(T0, 95) },
    ]);
    expect(stages()).toEqual({ 'late.com': 'PROSPECT', 'early.com': 'MQL.nurture', 'middle.com': 'MQL.nurture', 'notyet.com': 'SQL.confirmed', 'fast.com': 'SQL.dossier' });
    // The breach is flagged on the account, not a move (HO 4.2-4.3).
    expect(cli.json<{ flags: { slaBreach: string[] } }>(['status', 'fast.com'], { now: MISSED_WEEK_SWEEP }).flags.slaBreach).toEqual(['dossier']);
  });

  it('a second sweep with the same --now changes nothing', () => {
    const tables = [...LEDGER_TABLES, 'refusals'];
    const before = cli.tables(tables);
    const r = cli.run(['sweep'], { now: MISSED_WEEK_SWEEP, as: 'ana' });
    expect({ code: r.code, stdout: r.stdout }).toEqual({
      code: 0, stdout: `sweep at ${MISSED_WEEK_SWEEP}: 0 timers fired (0 SLA breaches flagged, 0 no longer accepted by the machine, each with a refusal record)\n`,
    });
    expect(cli.tables(tables)).toEqual(before);
  });

  it('the timer that was not yet due fires on the next sweep, once', () => {
    const next = at(T0, 98);
    expect(cli.json<Sweep>(['sweep'], { now: next, as: 'ana' })).toMatchObject({ fired: 1, transitions: { 'SQL→MQL': 1 } });
    expect(cli.query("select at from events where account = 'notyet.com' and source = 'timer'")).toEqual([{ at: at(T0, 97, 1) }]);
    expect(cli.json<Sweep>(['sweep'], { now: next, as: 'ana' })).toMatchObject({ fired: 0 });
    expect(cli.query<{ n: number }>("select count(*) as n from events where source = 'timer'")[0]!.n).toBe(5);
  });
});
