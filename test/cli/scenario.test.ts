// The scripted scenario, end to end through the built binary: one account climbs PROSPECT → MQL → SQL
// review → SQL confirmed, then falls back to MQL after 30 days without engagement (HO 3.5), the
// regression dated when it fell due, not when the sweep ran.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, LadderCli } from '../helpers/cli.js';

const T0 = '2026-03-02T09:00:00.000Z'; // a Monday
const SQL_ENTERED = at(T0, 0, 1);
const DUE = at(SQL_ENTERED, 30);

type Status = {
  account: string; stage: string; substate: string | null; tier: string; since: string;
  gates: Record<string, { verdict: string; because: string; overridden: boolean }>;
  timers: { timer: string; dueAt: string }[];
  flags: { priority: string; suppressed: boolean; slaBreach: string[]; fastTrack: string | null; override: unknown };
};
type History = {
  account: string;
  events: { seq: number; at: string; recordedAt: string; type: string; by: string; role: string; source: string; from: string | null; to: string; reason: string | null; details: Record<string, unknown> }[];
  stages: { stage: string; substate: string | null; enteredAt: string; exitedAt: string | null }[];
};

let cli: LadderCli;
beforeAll(() => { cli = new LadderCli(); });
afterAll(() => cli.cleanup());

const status = (now: string) => cli.json<Status>(['status', 'acme.com'], { now });
const stageRow = () => cli.query("select stage, substate from actors where account = 'acme.com'")[0];

describe('the core scenario through the CLI', () => {
  it('init creates the database with its migrations', () => {
    expect(cli.json(['init'])).toEqual({ db: cli.db, ok: true });
    expect(cli.query('select count(*) as n from accounts')).toEqual([{ n: 0 }]);
  });

  it('adds acme.com at PROSPECT under its normalized domain (LQ 6)', () => {
    const r = cli.ok(['account', 'add', 'https://www.Acme.com/about', '--name', 'Acme', '--hq', 'Berlin', '--tier', 'Tier 1', '--icp', '82'], { now: T0, as: 'ana' });
    expect(r.stdout).toMatchInlineSnapshot(`
      "acme.com: added at PROSPECT (#1 in its history)
      "
    `);
    expect(cli.query('select domain, name, hq, tier, icp_score, created_by from accounts')).toEqual([
      { domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icp_score: 82, created_by: 'ana' },
    ]);
    expect(status(T0)).toMatchObject({ account: 'acme.com', stage: 'PROSPECT', substate: null, tier: 'Tier 1', since: T0, timers: [] });
  });

  it('records facts that pass G1-G5; without a signal the account stays PROSPECT (HO 3.2)', () => {
    cli.ok(['facts', 'acme.com', '--fact', 'employees=1200', '--fact', 'partnerProgram=AWS', '--fact', 'namedReferral=true',
      '--fact', 'revenueUsd=120000000', '--fact', 'nonEnglishMarket=false', '--fact', 'sanctioned=false', '--fact', 'competitor=false'],
    { now: at(T0, 0, 0.05), as: 'ana' });
    const s = status(at(T0, 0, 0.05));
    expect(s.stage).toBe('PROSPECT');
    expect(Object.fromEntries(Object.entries(s.gates).map(([g, r]) => [g, r.verdict]))).toEqual({ G1: 'pass', G2: 'pass', G3: 'pass', G4: 'pass', G5: 'pass' });
  });

  it('a LinkedIn comment (E1) makes it an MQL and arms the 90-day no-engagement timer', () => {
    const r = cli.ok(['signal', 'acme.com', '--code', 'E1', '--interaction', 'comment', '--contact', 'https://linkedin.com/in/jane'], { now: at(T0, 0, 1 / 6), as: 'ana' });
    expect(r.stdout).toMatchInlineSnapshot(`
      "acme.com: PROSPECT → MQL: dossier (#3 in its history); timers: MQL_STALE due 2026-05-31T09:10:00.000Z, DOSSIER_SLA due 2026-03-03T09:10:00.000Z
      "
    `);
    // HO 4.3: a new MQL owes its dossier within 1 business day of classification.
    expect(stageRow()).toEqual({ stage: 'MQL', substate: 'dossier' });
    expect(cli.query("select timer_id, due_at from timers where status = 'pending' order by due_at desc")).toEqual([
      { timer_id: 'xstate.after.MQL_STALE.ladder.MQL', due_at: '2026-05-31T09:10:00.000Z' },
      { timer_id: 'xstate.after.DOSSIER_SLA.ladder.MQL.dossier', due_at: '2026-03-03T09:10:00.000Z' },
    ]);
  });

  it('a dossier with three LIKELY buying signals puts it in SQL review (HO 4.3)', () => {
    const r = cli.ok(['dossier', 'acme.com', '--s1', 'likely', '--s2', 'likely', '--s3', 'likely', '--s4', 'not_present'], { now: SQL_ENTERED, as: 'ana' });
    expect(r.stdout).toMatchInlineSnapshot(`
      "acme.com: MQL: dossier → SQL: review (#4 in its history); timers: SQL_STALE due 2026-04-01T10:00:00.000Z, REVIEW_SLA due 2026-03-03T10:00:00.000Z
      "
    `);
    expect(stageRow()).toEqual({ stage: 'SQL', substate: 'review' });
  });

  it('the CRO confirms: SQL confirmed, the review SLA timer is cancelled', () => {
    cli.ok(['cro', 'confirm', 'acme.com'], { now: at(T0, 0, 2), as: 'marcus' });
    expect(stageRow()).toEqual({ stage: 'SQL', substate: 'confirmed' });
    expect(cli.query("select timer_id, due_at, status from timers where account = 'acme.com' order by id")).toEqual([
      { timer_id: 'xstate.after.MQL_STALE.ladder.MQL', due_at: '2026-05-31T09:10:00.000Z', status: 'cancelled' },
      { timer_id: 'xstate.after.DOSSIER_SLA.ladder.MQL.dossier', due_at: '2026-03-03T09:10:00.000Z', status: 'cancelled' },
      { timer_id: 'xstate.after.SQL_STALE.ladder.SQL', due_at: DUE, status: 'pending' },
      { timer_id: 'xstate.after.REVIEW_SLA.ladder.SQL.review', due_at: '2026-03-03T10:00:00.000Z', status: 'cancelled' },
    ]);
  });

  it('status shows the stage, gates, tier, timers and flags', () => {
    const s = status(at(T0, 1));
    expect(s).toEqual(expect.objectContaining({
      account: 'acme.com', stage: 'SQL', substate: 'confirmed', tier: 'Tier 1', since: at(T0, 0, 2),
      timers: [{ timer: 'SQL_STALE', dueAt: DUE, overdue: false }],
      flags: expect.objectContaining({ priority: 'normal', suppressed: false, slaBreach: [], override: null }),
    }));
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['account', 'stage', 'substate', 'tier', 'gates', 'since', 'timers', 'flags']));
    expect(Object.keys(s.gates)).toEqual(['G1', 'G2', 'G3', 'G4', 'G5']);
    expect(s.gates.G1).toEqual({ verdict: 'pass', because: 'G1 passes: 1200 employees ≥ 200 (LQ 3.1)', overridden: false });
    const text = cli.ok(['status', 'acme.com'], { now: at(T0, 1) }).stdout;
    expect(text).toMatchInlineSnapshot(`
      "acme.com (Acme, Berlin) — SQL: confirmed since 2026-03-02T11:00:00.000Z
      tier Tier 1; ICP score 82; priority normal
      gates:
        G1 pass: G1 passes: 1200 employees ≥ 200 (LQ 3.1)
        G2 pass: G2 passes: partner program "AWS" (LQ 3.2)
        G3 pass: G3 passes: namedReferral true (LQ 3.3)
        G4 pass: G4 passes: revenue $120,000,000 ≥ $50,000,000 (LQ 3.4)
        G5 pass: G5 passes: nonEnglishMarket, sanctioned, competitor all recorded false (LQ 4 Reject row)
      timers: SQL_STALE due 2026-04-01T10:00:00.000Z
      "
    `);
  });

  it('a sweep 29 days later changes nothing: still SQL', () => {
    const before = cli.tables();
    const r = cli.json<{ fired: number; transitions: Record<string, number> }>(['sweep'], { now: at(SQL_ENTERED, 29), as: 'ana' });
    expect(r).toMatchObject({ fired: 0, transitions: {} });
    expect(cli.tables()).toEqual(before);
    expect(stageRow()).toEqual({ stage: 'SQL', substate: 'confirmed' });
  });

  it('reverts an SQL with no engagement for 30 days to MQL, dated at day 30, when swept on day 31 (HO 3.5)', () => {
    const sweptAt = at(SQL_ENTERED, 31);
    const r = cli.ok(['sweep'], { now: sweptAt, as: 'ana' });
    expect(r.stdout).toMatchInlineSnapshot(`
      "sweep at 2026-04-02T10:00:00.000Z: 1 timers fired (0 SLA breaches flagged, 0 no longer accepted by the machine, each with a refusal record)
        SQL→MQL: 1
      "
    `);
    const h = cli.json<History>(['history', 'acme.com'], { now: sweptAt });
    expect(h.events.at(-1)).toEqual({
      seq: 6, at: DUE, recordedAt: sweptAt, type: 'xstate.after.SQL_STALE.ladder.SQL', by: 'system', role: 'system', source: 'timer',
      from: 'SQL.confirmed', to: 'MQL.nurture', reason: null, details: {},
    });
    expect(h.stages.slice(-2)).toEqual([
      { stage: 'SQL', substate: 'confirmed', enteredAt: at(T0, 0, 2), exitedAt: DUE },
      { stage: 'MQL', substate: 'nurture', enteredAt: DUE, exitedAt: null },
    ]);
    expect(h.stages.map((s) => (s.substate ? `${s.stage}.${s.substate}` : s.stage))).toEqual(['PROSPECT', 'MQL.dossier', 'SQL.review', 'SQL.confirmed', 'MQL.nurture']);
    // Back in the MQL pool (nurture: no dossier owed again), its 90-day clock runs from the regression (HO 3.5).
    expect(status(sweptAt)).toMatchObject({ stage: 'MQL', substate: 'nurture', since: DUE, timers: [{ timer: 'MQL_STALE', dueAt: at(DUE, 90), overdue: false }] });
    expect(cli.query("select status from timers where timer_id like '%SQL_STALE%'")).toEqual([{ status: 'fired' }]);
    expect(cli.ok(['history', 'acme.com'], { now: sweptAt }).stdout).toMatchInlineSnapshot(`
      "2026-03-02T09:00:00.000Z  #1  ACCOUNT_ADDED                      ana (sales.ops)  — → PROSPECT
            input.account: acme.com
            input.tier: Tier 1
            input.at: 2026-03-02T09:00:00.000Z
            name: Acme
            hq: Berlin
            icpScore: 82
      2026-03-02T09:03:00.000Z  #2  FACTS                              ana (sales.ops)  PROSPECT → PROSPECT
            facts.employees: 1200
            facts.revenueUsd: 120000000
            facts.partnerProgram: AWS
            facts.namedReferral: true
            facts.nonEnglishMarket: false
            facts.sanctioned: false
            facts.competitor: false
      2026-03-02T09:10:00.000Z  #3  SIGNAL                             ana (sales.ops)  PROSPECT → MQL.dossier
            signal.id: cli:34f2b22a360a508a
            signal.code: E1
            signal.at: 2026-03-02T09:10:00.000Z
            signal.contact: linkedin.com/in/jane
            signal.interaction: comment
      2026-03-02T10:00:00.000Z  #4  DOSSIER                            ana (sales.ops)  MQL.dossier → SQL.review
            scores.S1: LIKELY
            scores.S2: LIKELY
            scores.S3: LIKELY
            scores.S4: NOT_PRESENT
      2026-03-02T11:00:00.000Z  #5  CRO_CONFIRM                        marcus (cro)     SQL.review → SQL.confirmed
      2026-04-01T10:00:00.000Z  #6  timer: 30 days without engagement  system (system)  SQL.confirmed → MQL.nurture
      "
    `);
  });
});
