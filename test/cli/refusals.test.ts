// What the ladder refuses, end to end: exit 3 when the rules refuse (the message says why and what would
// be accepted), exit 2 for bad input (the message names the field). A refused command changes nothing
// but a refusal record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountFacts } from '../../machines/types.js';
import { at, LadderCli, type CliResult, type RunOptions } from '../helpers/cli.js';

const T0 = '2026-03-02T09:00:00.000Z';
const NOW = at(T0, 1);
const FIT: AccountFacts = { employees: 1200, partnerProgram: 'AWS', namedReferral: true, revenueUsd: 120_000_000 };
/** G1 fails (LQ 3.1: under 100 employees); G2-G5 pass. */
const G1_FAILS = { ...FIT, employees: 60 };
/** G1 and G4 fail (LQ 3.4: revenue under $50M and no other budget signal); G2, G3, G5 pass. */
const G1_G4_FAIL = { ...G1_FAILS, revenueUsd: 1_000_000, namedPartnerExec: false };
/** A competitor: G5 fails (LQ 4 Reject row). */
const COMPETITOR = { ...FIT, competitor: true };

const ops: RunOptions = { now: NOW, as: 'ana' };
const cro: RunOptions = { now: NOW, as: 'marcus' };
const OVERRIDE = ['--justification', 'fast-growing partner team', '--compensating', 'named exec referral'];

let cli: LadderCli;

const stageOf = (account: string) => cli.query<{ stage: string; substate: string | null }>('select stage, substate from actors where account = ?', account)[0] ?? null;
const refusalCount = () => cli.query<{ n: number }>('select count(*) as n from refusals')[0]!.n;

/**
 * Runs a command that must fail with `code` and checks the database: nothing changed, except one refusal
 * record when the rules refused (exit 3); malformed input (exit 2) never reaches the rules.
 */
function refused(args: string[], o: RunOptions, code: 2 | 3): CliResult {
  const before = cli.tables();
  const refusals = refusalCount();
  const r = cli.run(args, o);
  expect(r.code, `${r.args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(code);
  expect(cli.tables()).toEqual(before);
  expect(refusalCount() - refusals).toBe(code === 3 ? 1 : 0);
  return r;
}

beforeAll(() => {
  cli = new LadderCli();
  // The setup is not what these tests are about: it goes through the engine in-process.
  cli.seed((s) => {
    const vp = (domain: string) => `https://linkedin.com/in/vp-${domain.replace('.', '-')}`;
    const climb = (domain: string, facts: AccountFacts, signal: boolean) => {
      s.add(domain, T0, { facts });
      if (signal) s.signal(domain, T0, 'E1', vp(domain), 'comment');
    };
    climb('acme.com', FIT, true);
    s.send('acme.com', T0, { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'UNVERIFIED' } });
    climb('small.io', G1_FAILS, true);
    climb('pair.io', G1_G4_FAIL, true);
    climb('quiet.io', G1_FAILS, false);
    climb('rival.io', COMPETITOR, true);
    climb('optout.io', FIT, true);
  });
});
afterAll(() => cli?.cleanup());

describe('CRO decisions are the CRO’s (HO 3.6, 4.3)', () => {
  it('refuses a confirmation by sales.ops: only the CRO may', () => {
    expect(stageOf('acme.com')).toEqual({ stage: 'SQL', substate: 'review' });
    const r = refused(['cro', 'confirm', 'acme.com'], ops, 3);
    expect(r.stderr).toMatchInlineSnapshot(`
      "ladder: cannot cro confirm acme.com: only the CRO may (HO 3.6, 4.3); ana acts as sales.ops.
      "
    `);
    expect(cli.query('select type, by, role, why from refusals order by id desc limit 1')).toEqual([
      { type: 'CRO_CONFIRM', by: 'ana', role: 'sales.ops', why: r.stderr.trim().replace(/^ladder: /, '') },
    ]);
  });

  it('refuses a dispute without --reason as bad input naming the field `reason`', () => {
    const r = refused(['cro', 'dispute', 'acme.com'], cro, 2);
    expect(r.stderr).toMatch(/^ladder: reason: .*required/);
    const json = refused(['cro', 'dispute', 'acme.com'], { ...cro, json: true }, 2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { kind: 'BadInputError', field: 'reason' } });
    expect(stageOf('acme.com')).toEqual({ stage: 'SQL', substate: 'review' });
  });

  it('takes a dispute with a reason: back to MQL, the reason kept for signal calibration (HO 4.3)', () => {
    cli.ok(['cro', 'dispute', 'acme.com', '--reason', 'S2 evidence is hearsay'], cro);
    expect(stageOf('acme.com')).toEqual({ stage: 'MQL', substate: 'nurture' });
    expect(cli.json<{ lastDispute: unknown }>(['status', 'acme.com'], cro).lastDispute)
      .toEqual({ reason: 'S2 evidence is hearsay', by: 'marcus', at: NOW });
  });
});

describe('the CRO overrides one failed gate, never two, never G5 (HO 3.6)', () => {
  it('a signal on an account whose gates fail is logged and the account stays PROSPECT', () => {
    expect(stageOf('small.io')).toEqual({ stage: 'PROSPECT', substate: null });
    expect(cli.query("select type, stage_after from events where account = 'small.io' and type = 'SIGNAL'")).toEqual([{ type: 'SIGNAL', stage_after: 'PROSPECT' }]);
  });

  it('refuses an override of G5 (a competitor is a hard reject)', () => {
    const r = refused(['cro', 'override', 'rival.io', '--gate', 'G5', ...OVERRIDE], cro, 3);
    expect(r.stderr).toMatchInlineSnapshot(`
      "ladder: cannot override G5 for rival.io: G5 cannot be overridden: a non-English market, known sanctions or a competitor is a hard reject (LQ 4 Reject row); correct the fact if it is wrong
      "
    `);
    expect(stageOf('rival.io')).toEqual({ stage: 'PROSPECT', substate: null });
  });

  it('refuses an override when two gates fail', () => {
    const r = refused(['cro', 'override', 'pair.io', '--gate', 'G1', ...OVERRIDE], cro, 3);
    expect(r.stderr).toContain('G1, G4 are not passing');
    expect(r.stderr).toContain('never two');
  });

  it('overrides the one failed gate of an account with a signal: it becomes an MQL, the override logged', () => {
    const r = cli.ok(['cro', 'override', 'small.io', '--gate', 'G1', ...OVERRIDE], cro);
    expect(r.stdout).toMatch(/^small\.io: PROSPECT → MQL: dossier \(#\d+ in its history\); timers: MQL_STALE due .*, DOSSIER_SLA due /);
    expect(stageOf('small.io')).toEqual({ stage: 'MQL', substate: 'dossier' });
    const s = cli.json<{ gates: Record<string, { verdict: string; overridden: boolean }>; flags: { override: unknown } }>(['status', 'small.io'], cro);
    expect(s.gates.G1).toMatchObject({ verdict: 'fail', overridden: true });
    expect(s.flags.override).toEqual({ gate: 'G1', justification: 'fast-growing partner team', compensatingSignals: ['named exec referral'], by: 'marcus', at: NOW });
    expect(cli.query("select type, by, reason from events where account = 'small.io' order by seq desc limit 1"))
      .toEqual([{ type: 'CRO_OVERRIDE', by: 'marcus', reason: 'fast-growing partner team' }]);
  });

  it('refuses a second override once one gate is overridden', () => {
    // quiet.io has no signal: the override is recorded and it stays PROSPECT.
    cli.ok(['cro', 'override', 'quiet.io', '--gate', 'G1', ...OVERRIDE], cro);
    expect(stageOf('quiet.io')).toEqual({ stage: 'PROSPECT', substate: null });
    // Then G4 fails too: the override of G1 no longer carries the account, and G4 cannot be overridden.
    cli.ok(['facts', 'quiet.io', '--fact', 'revenueUsd=1000000', '--fact', 'namedPartnerExec=false'], ops);
    expect(cli.json<{ gates: Record<string, { verdict: string }> }>(['status', 'quiet.io'], ops).gates.G4?.verdict).toBe('fail');
    const r = refused(['cro', 'override', 'quiet.io', '--gate', 'G4', ...OVERRIDE], cro, 3);
    expect(r.stderr).toContain('G1 is already overridden');
    expect(r.stderr).toContain('never two');
  });

  it('refuses an override asked for by sales.ops', () => {
    const r = refused(['cro', 'override', 'pair.io', '--gate', 'G4', ...OVERRIDE], ops, 3);
    expect(r.stderr).toContain('only the CRO may');
  });
});

describe('suppression (HO 3.5, 5.6)', () => {
  it('an opt-out disqualifies and suppresses; a later signal changes nothing and says why', () => {
    cli.ok(['disqualify', 'optout.io', '--reason', 'opt-out'], ops);
    expect(stageOf('optout.io')).toEqual({ stage: 'DISQUALIFIED', substate: null });
    expect(cli.query("select kind, value, reason from suppressions order by id")).toEqual([
      { kind: 'account', value: 'optout.io', reason: 'opt-out' },
      { kind: 'contact', value: 'linkedin.com/in/vp-optout-io', reason: 'opt-out' },
    ]);
    const fresh = refused(['signal', 'optout.io', '--code', 'E4', '--contact', 'https://linkedin.com/in/new-cfo'], { ...ops, now: at(NOW, 2) }, 3);
    expect(fresh.stderr).toMatchInlineSnapshot(`
      "ladder: signal for optout.io ignored: the account is on the suppression list (opt-out); signals are logged, never acted on, and the account is never re-engaged (HO 3.5, 5.6).
      "
    `);
    const known = refused(['signal', 'optout.io', '--code', 'E3', '--contact', 'https://linkedin.com/in/vp-optout-io'], { ...ops, now: at(NOW, 3) }, 3);
    expect(known.stderr).toContain('contact linkedin.com/in/vp-optout-io is on the suppression list');
    // Opt-out is never reopened (DOMAIN "Suppression and re-entry").
    const reopen = refused(['cro', 'reopen', 'optout.io', '--reason', 'they came back'], cro, 3);
    expect(reopen.stderr).toContain('opt-out');
  });
});

describe('bad input says which field and what is accepted (exit 2)', () => {
  it('an unknown account', () => {
    const r = refused(['signal', 'nope.com', '--code', 'E1', '--interaction', 'comment', '--contact', 'https://linkedin.com/in/x'], ops, 2);
    expect(r.stderr).toMatchInlineSnapshot(`
      "ladder: account: no account nope.com on the ladder; add it first (ladder account add nope.com --name … --hq … --tier … --icp …)
      "
    `);
    const s = refused(['status', 'nope.com'], ops, 2);
    expect(s.stderr).toMatch(/^ladder: account: no account nope\.com on the ladder/);
  });

  it('a --now that is not a date', () => {
    const r = refused(['status', 'small.io'], { now: 'yesterday' }, 2);
    expect(r.stderr).toMatchInlineSnapshot(`
      "ladder: --now: "yesterday" is not an ISO 8601 date or timestamp; expected an ISO 8601 instant such as 2026-04-17T09:00:00Z, 2026-04-17T09:00:00-04:00 or 2026-04-17 (00:00 UTC)
      "
    `);
  });

  it('a --tier that is not one of the LQ 4 tiers', () => {
    const r = refused(['account', 'add', 'newco.com', '--name', 'NewCo', '--hq', 'Oslo', '--tier', 'Tier 9', '--icp', '50'], ops, 2);
    expect(r.stderr).toMatchInlineSnapshot(`
      "ladder: --tier: expected one of Tier 1, Tier 2, Tier 3, Network, Reject (any case; 1-3 or T1-T3 for the numbered tiers); got "Tier 9"
      "
    `);
    expect(stageOf('newco.com')).toBeNull();
  });

  it('a count flag that is not a whole number in range: --batch, --chunk', () => {
    // --batch 1.5 used to reach SQLite's LIMIT and end as an unexpected error (exit 1) with a stack trace.
    for (const [args, want] of [
      [['sweep', '--batch', '1.5'], 'ladder: --batch: expected a whole number from 1 to 100000; got "1.5"'],
      [['sweep', '--batch', ' '], 'ladder: --batch: expected a whole number from 1 to 100000; got " "'],
      [['import', 'missing.csv', '--chunk', '0'], 'ladder: --chunk: expected a whole number from 1 to 100000; got "0"'],
    ] as const) expect(refused([...args], ops, 2).stderr.trim()).toBe(want);
  });

  it('an --as user the configuration does not know', () => {
    const r = refused(['signal', 'small.io', '--code', 'E3', '--contact', 'https://linkedin.com/in/cto'], { now: NOW, as: 'bob' }, 2);
    expect(r.stderr).toMatch(/^ladder: --as: unknown user "bob"; known users: .*ana.*marcus/);
  });
});
