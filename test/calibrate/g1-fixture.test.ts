// Issue 16, hand-computed: "200 or 150 employees?" (the lead-qualification SOP's draft question). Eight companies
// that pass every gate but G1, one engagement signal each; under the SOP's 200 only the two with 200+ employees
// become MQLs. Lowering G1 to 150 changes exactly the three with 150-199 employees (and no compensating signal).
// And an input the alternative would refuse is reported as "would not have happened", never forced.
import { afterEach, describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrate.js';
import type { Engine } from '../../src/engine/engine.js';
import type { LadderCommandEvent } from '../../machines/events.js';
import { tempEngine } from '../helpers/store.js';

const T0 = '2026-03-02T09:00:00.000Z'; // a Monday
const at = (hours: number) => new Date(Date.parse(T0) + hours * 3_600_000).toISOString();
const ops = { by: 'sales.ops', role: 'sales.ops' as const };
const cro = { by: 'cro', role: 'cro' as const };
/** G2-G5 pass; G1 has no compensating signal (revenue $40M is not > $50M; the two flags are recorded false). */
const facts = (employees: number) => ({
  employees, revenueUsd: 40_000_000, revenueConfirmed: true, strongEcosystemComplexity: false, namedExecReferral: false,
  partnerProgram: 'AWS', namedReferral: true, namedPartnerExec: true, nonEnglishMarket: false, sanctioned: false, competitor: false,
});
const SIZES = [99, 120, 149, 150, 175, 199, 200, 500];
const domain = (n: number) => `size${n}.com`;

function add(engine: Engine, d: string, f: object, h: number) {
  engine.addAccount({ domain: d, name: d, hq: 'Berlin', tier: 'Tier 2', icpScore: 70, facts: f }, { ...ops, at: at(h), now: at(h), source: 'cli' });
}
function send(engine: Engine, d: string, body: Record<string, unknown>, h: number, who: typeof ops | typeof cro = ops) {
  return engine.submit({ account: d, source: 'cli', now: at(h), event: { ...body, at: at(h), ...who } as LadderCommandEvent });
}

describe('calibrate: lowering G1 to 150 employees (hand-computed)', () => {
  let env: ReturnType<typeof tempEngine> | undefined;
  afterEach(() => env?.cleanup());

  it('changes exactly the accounts with 150-199 employees, from PROSPECT to MQL', async () => {
    env = tempEngine();
    SIZES.forEach((n, i) => {
      add(env!.engine, domain(n), facts(n), i);
      send(env!.engine, domain(n), { type: 'SIGNAL', signal: { id: `s${n}`, code: 'E1', interaction: 'comment', contact: `ceo@${domain(n)}`, at: at(10 + i) } }, 10 + i);
    });
    const stored = Object.fromEntries((env.store.sqlite.prepare('select account, stage from actors').all() as { account: string; stage: string }[]).map((r) => [r.account, r.stage]));
    expect(Object.entries(stored).filter(([, s]) => s === 'MQL').map(([a]) => a).sort()).toEqual(['size200.com', 'size500.com']);

    // Two weeks later: every new MQL's dossier SLA (1 business day) has fallen due, no 90-day clock yet.
    const r = await calibrate(env.engine, { override: { gates: { g1PassEmployees: 150 } }, rulesFile: 'g1-150.json', now: at(24 * 14), workers: 0, check: true });
    expect(r.changes).toEqual(['gates.g1PassEmployees: 200 → 150']);
    expect(r.selfCheck).toMatchObject({ accounts: 8, equal: 8, mismatches: 0 });
    expect(r.differing.total).toBe(3);
    expect(r.differing.list.map((d) => d.account)).toEqual(['size150.com', 'size175.com', 'size199.com']);
    for (const d of r.differing.list) {
      const n = Number(/size(\d+)/.exec(d.account)![1]);
      expect(d).toMatchObject({ event: 'SIGNAL', seq: 2, at: at(10 + SIZES.indexOf(n)), current: 'PROSPECT', alt: 'MQL.dossier', endCurrent: 'PROSPECT', endAlt: 'MQL.dossier' });
    }
    expect(r.differing.kinds).toEqual({ 'PROSPECT → MQL.dossier': 3 });
    expect(r.refused.total).toBe(0);
    const t = r.summary.totals;
    expect(t.newMqls).toEqual({ current: 2, alt: 5 });
    // Each new MQL's dossier SLA fires (no dossier was compiled): 2 under the SOP, 5 under the alternative.
    expect(t.slaBreaches).toEqual({ current: 2, alt: 5 });
    expect(r.summary.endStages.current).toEqual({ 'MQL.dossier': 2, PROSPECT: 6 });
    expect(r.summary.endStages.alt).toEqual({ 'MQL.dossier': 5, PROSPECT: 3 });
    // HO 6.3: all classified by an E1 first touch.
    expect(r.summary.ho63.firstTouch).toEqual([{ code: 'E1', current: { n: 2, mql: 2, sql: 0, won: 0, sqlRate: 0, wonRate: 0 }, alt: { n: 5, mql: 5, sql: 0, won: 0, sqlRate: 0, wonRate: 0 } }]);
    // The week of the signals (2026-W10) carries the difference.
    const w10 = r.summary.weeks.find((w) => w.week === '2026-W10')!;
    expect(w10.newMqls).toEqual({ current: 2, alt: 5 });
  });

  it('reports the inputs an alternative refuses as "would not have happened", and never forces them', async () => {
    env = tempEngine();
    // 175 employees with a compensating signal (confirmed revenue over $50M): G1 passes under the SOP.
    add(env.engine, 'acme.com', { ...facts(175), revenueUsd: 60_000_000 }, 0);
    send(env.engine, 'acme.com', { type: 'SIGNAL', signal: { id: 'a1', code: 'E1', interaction: 'comment', contact: 'ceo@acme.com', at: at(1) } }, 1);
    send(env.engine, 'acme.com', { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' } }, 5);
    send(env.engine, 'acme.com', { type: 'CRO_CONFIRM' }, 6, cro);
    const last = send(env.engine, 'acme.com', { type: 'BRIEFING_SCHEDULED' }, 7);
    expect(last.after.stage).toBe('BRIEFING_READY');

    // Raising the conditional floor to 180 makes G1 fail: the signal leaves acme.com a PROSPECT.
    const r = await calibrate(env.engine, { override: { gates: { g1ConditionalEmployees: 180 } }, rulesFile: 'strict.json', now: at(24 * 3), workers: 0 });
    expect(r.refused.total).toBe(3);
    expect(r.refused.byType).toEqual({ DOSSIER: 1, CRO_CONFIRM: 1, BRIEFING_SCHEDULED: 1 });
    expect(r.refused.list.map((x) => [x.seq, x.type, x.state])).toEqual([[3, 'DOSSIER', 'PROSPECT'], [4, 'CRO_CONFIRM', 'PROSPECT'], [5, 'BRIEFING_SCHEDULED', 'PROSPECT']]);
    expect(r.refused.list[1]!.why).toMatch(/cro confirm|confirm/i);
    expect(r.differing.list).toEqual([expect.objectContaining({ account: 'acme.com', seq: 2, event: 'SIGNAL', current: 'MQL.dossier', alt: 'PROSPECT', endCurrent: 'BRIEFING_READY', endAlt: 'PROSPECT' })]);
    // Not forced: under the alternative the account never reached SQL, so no SQL is counted.
    expect(r.summary.totals.sqls.current.total).toBe(1);
    expect(r.summary.totals.sqls.alt.total).toBe(0);
    // And the database was not written: the stored account is where the engine left it.
    expect(env.store.sqlite.prepare(`select stage from actors where account = 'acme.com'`).pluck().get()).toBe('BRIEFING_READY');
  });
});

describe('calibrate on an empty ladder', () => {
  it('compares an empty week: nothing differs, nothing is refused', async () => {
    const env = tempEngine();
    try {
      const r = await calibrate(env.engine, { override: { gates: { g1PassEmployees: 150 } }, rulesFile: 'g1.json', now: '2026-03-02T00:00:00.000Z', workers: 0 });
      expect(r).toMatchObject({ accounts: 0, events: 0, differing: { total: 0 }, refused: { total: 0 } });
      expect(r.summary.weeks.length).toBeGreaterThan(0);
    } finally {
      env.cleanup();
    }
  });
});
