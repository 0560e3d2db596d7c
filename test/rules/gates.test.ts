import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, type RulesConfig } from '../../machines/rules/config.js';
import { canOverride, evaluateGates, gatesPassing, manualVerdictProblem, type GateResults } from '../../machines/rules/gates.js';
import type { AccountFacts, Gate, GateVerdict, ManualGateVerdict } from '../../machines/types.js';

const AT = '2026-04-17T12:00:00Z';

function verdictOf(gate: Gate, facts: AccountFacts, at = AT, cfg: RulesConfig = DEFAULT_RULES): GateVerdict {
  return evaluateGates(facts, [], at, cfg)[gate].verdict;
}

type Row = { it: string; facts: AccountFacts; verdict: GateVerdict; at?: string };

describe('G1 company size (LQ 3.1)', () => {
  it.each<Row>([
    { it: 'fails G1 at 99 employees', facts: { employees: 99 }, verdict: 'fail' },
    { it: 'fails G1 at 99 employees even with a compensating signal', facts: { employees: 99, strongEcosystemComplexity: true }, verdict: 'fail' },
    { it: 'leaves G1 unknown at 100 employees with no compensating fact recorded', facts: { employees: 100 }, verdict: 'unknown' },
    { it: 'passes G1 at 100 employees with strong ecosystem complexity', facts: { employees: 100, strongEcosystemComplexity: true }, verdict: 'pass' },
    { it: 'passes G1 at 150 employees with a named exec referral', facts: { employees: 150, namedExecReferral: true }, verdict: 'pass' },
    { it: 'passes G1 at 199 employees with confirmed revenue of $50,000,001', facts: { employees: 199, revenueUsd: 50_000_001, revenueConfirmed: true }, verdict: 'pass' },
    { it: 'fails G1 at 199 employees with confirmed revenue of exactly $50,000,000 (needs more than $50M)', facts: { employees: 199, revenueUsd: 50_000_000, revenueConfirmed: true }, verdict: 'fail' },
    { it: 'fails G1 at 199 employees with confirmed revenue of $49,999,999', facts: { employees: 199, revenueUsd: 49_999_999, revenueConfirmed: true }, verdict: 'fail' },
    { it: 'fails G1 at 199 employees with $60M revenue recorded as unconfirmed', facts: { employees: 199, revenueUsd: 60_000_000, revenueConfirmed: false }, verdict: 'fail' },
    { it: 'leaves G1 unknown at 199 employees with $60M revenue not yet confirmed either way', facts: { employees: 199, revenueUsd: 60_000_000 }, verdict: 'unknown' },
    { it: 'fails G1 at 199 employees when the compensating signal is recorded absent', facts: { employees: 199, strongEcosystemComplexity: false }, verdict: 'fail' },
    { it: 'passes G1 at 200 employees', facts: { employees: 200 }, verdict: 'pass' },
    { it: 'leaves G1 unknown when employees are not recorded', facts: {}, verdict: 'unknown' },
    { it: 'leaves G1 unknown without employees even with a compensating signal', facts: { namedExecReferral: true }, verdict: 'unknown' },
  ])('$it', ({ facts, verdict }) => {
    expect(verdictOf('G1', facts)).toBe(verdict);
  });

  it('says which fact decided G1', () => {
    expect(evaluateGates({ employees: 200 }, [], AT).G1.because).toContain('200 employees');
    expect(evaluateGates({ employees: 150, namedExecReferral: true }, [], AT).G1.because).toContain('namedExecReferral');
  });
});

describe('G2 ecosystem complexity (LQ 3.2)', () => {
  it.each<Row>([
    { it: 'passes G2 with a named partner program', facts: { partnerProgram: 'AWS' }, verdict: 'pass' },
    { it: 'passes G2 with a partnerships function', facts: { partnershipsFunction: true }, verdict: 'pass' },
    { it: 'passes G2 with a public partner reference', facts: { publicPartnerReference: true }, verdict: 'pass' },
    { it: 'fails G2 at 20% partner revenue share (needs more than 20%)', facts: { partnerRevenueShare: 0.2 }, verdict: 'fail' },
    { it: 'passes G2 at 20.01% partner revenue share', facts: { partnerRevenueShare: 0.2001 }, verdict: 'pass' },
    { it: 'fails G2 when the only recorded fact is no partnerships function', facts: { partnershipsFunction: false }, verdict: 'fail' },
    { it: 'fails G2 when every recorded fact is negative', facts: { partnershipsFunction: false, publicPartnerReference: false, partnerRevenueShare: 0.05 }, verdict: 'fail' },
    { it: 'passes G2 when one fact passes and others are negative', facts: { partnershipsFunction: false, partnerRevenueShare: 0.1, partnerProgram: 'Snowflake' }, verdict: 'pass' },
    { it: 'leaves G2 unknown when no G2 fact is recorded', facts: { employees: 500 }, verdict: 'unknown' },
  ])('$it', ({ facts, verdict }) => {
    expect(verdictOf('G2', facts)).toBe(verdict);
  });

  it('names the partner program that passed G2', () => {
    expect(evaluateGates({ partnerProgram: 'AWS' }, [], AT).G2.because).toContain('AWS');
  });
});

describe('G3 decision-maker accessibility (LQ 3.3)', () => {
  it.each<Row>([
    { it: 'passes G3 with a second-degree VP+ connection', facts: { secondDegreeVpConnection: true }, verdict: 'pass' },
    { it: 'passes G3 with a named referral', facts: { namedReferral: true }, verdict: 'pass' },
    { it: 'passes G3 with an exec content appearance', facts: { execContentAppearance: true }, verdict: 'pass' },
    { it: 'passes G3 with an inbound signal', facts: { inboundSignal: true }, verdict: 'pass' },
    { it: 'fails G3 when the account is recorded cold', facts: { secondDegreeVpConnection: false, inboundSignal: false }, verdict: 'fail' },
    { it: 'leaves G3 unknown when no G3 fact is recorded', facts: {}, verdict: 'unknown' },
  ])('$it', ({ facts, verdict }) => {
    expect(verdictOf('G3', facts)).toBe(verdict);
  });
});

describe('G4 budget authority (LQ 3.4)', () => {
  it.each<Row>([
    { it: 'fails G4 at $49,999,999 revenue', facts: { revenueUsd: 49_999_999 }, verdict: 'fail' },
    { it: 'passes G4 at $50,000,000 revenue, confirmed or not', facts: { revenueUsd: 50_000_000 }, verdict: 'pass' },
    { it: 'passes G4 with a named partner exec', facts: { namedPartnerExec: true }, verdict: 'pass' },
    { it: 'passes G4 with a Series B 18 months minus a day old', facts: { fundingRound: 'series-b', fundingDate: '2024-10-18' }, verdict: 'pass' },
    { it: 'fails G4 with a Series B exactly 18 months old', facts: { fundingRound: 'series-b', fundingDate: '2024-10-17' }, verdict: 'fail' },
    { it: 'fails G4 with a Series B 18 months plus a day old', facts: { fundingRound: 'series-b', fundingDate: '2024-10-16' }, verdict: 'fail' },
    { it: 'passes G4 with a Series C+ round last month', facts: { fundingRound: 'series-c+', fundingDate: '2026-03-01' }, verdict: 'pass' },
    { it: 'passes G4 with a PE investment last month', facts: { fundingRound: 'pe', fundingDate: '2026-03-01' }, verdict: 'pass' },
    { it: 'passes G4 with a secondary last month', facts: { fundingRound: 'secondary', fundingDate: '2026-03-01' }, verdict: 'pass' },
    { it: 'fails G4 with a Series A last month', facts: { fundingRound: 'series-a', fundingDate: '2026-03-01' }, verdict: 'fail' },
    { it: 'fails G4 with a seed round last month', facts: { fundingRound: 'seed', fundingDate: '2026-03-01' }, verdict: 'fail' },
    { it: 'fails G4 with a funding round dated after the evaluation', facts: { fundingRound: 'series-b', fundingDate: '2026-05-01' }, verdict: 'fail' },
    { it: 'leaves G4 unknown with a Series B of unknown date', facts: { fundingRound: 'series-b' }, verdict: 'unknown' },
    { it: 'passes G4 with a partner-program expansion commitment today', facts: { partnerExpansionCommitmentDate: '2026-04-17' }, verdict: 'pass' },
    { it: 'passes G4 with a partner-program expansion commitment 90 days ago', facts: { partnerExpansionCommitmentDate: '2026-01-17' }, verdict: 'pass' },
    { it: 'fails G4 with a partner-program expansion commitment 91 days ago', facts: { partnerExpansionCommitmentDate: '2026-01-16' }, verdict: 'fail' },
    { it: 'fails G4 with a commitment dated after the evaluation', facts: { partnerExpansionCommitmentDate: '2026-04-18' }, verdict: 'fail' },
    { it: 'leaves G4 unknown when no G4 fact is recorded', facts: {}, verdict: 'unknown' },
  ])('$it', ({ facts, verdict }) => {
    expect(verdictOf('G4', facts)).toBe(verdict);
  });

  it.each([
    { it: 'counts funding from 2024-08-31 through 2026-02-27 (18 months lands on Feb 28)', at: '2026-02-27T23:59:59Z', verdict: 'pass' },
    { it: 'stops counting funding from 2024-08-31 on 2026-02-28', at: '2026-02-28T00:00:00Z', verdict: 'fail' },
  ] as const)('$it', ({ at, verdict }) => {
    expect(verdictOf('G4', { fundingRound: 'series-b', fundingDate: '2024-08-31' }, at)).toBe(verdict);
  });

  it('measures funding age in calendar dates, whatever the time of day', () => {
    const facts: AccountFacts = { fundingRound: 'pe', fundingDate: '2024-10-17T18:00:00Z' };
    expect(verdictOf('G4', facts, '2026-04-16T23:59:59Z')).toBe('pass');
    expect(verdictOf('G4', facts, '2026-04-17T00:00:00Z')).toBe('fail');
  });

  it('uses the configured funding age', () => {
    const cfg: RulesConfig = { ...DEFAULT_RULES, gates: { ...DEFAULT_RULES.gates, fundingMaxAgeMonths: 24 } };
    expect(verdictOf('G4', { fundingRound: 'series-b', fundingDate: '2024-10-16' }, AT, cfg)).toBe('pass');
  });
});

describe('G5 no disqualifying signal (LQ 4 Reject row)', () => {
  it.each<Row>([
    { it: 'fails G5 for a non-English-speaking market', facts: { nonEnglishMarket: true }, verdict: 'fail' },
    { it: 'fails G5 for known sanctions', facts: { sanctioned: true }, verdict: 'fail' },
    { it: 'fails G5 for a competitor', facts: { competitor: true, nonEnglishMarket: false, sanctioned: false }, verdict: 'fail' },
    { it: 'passes G5 when all three disqualifiers are recorded false', facts: { nonEnglishMarket: false, sanctioned: false, competitor: false }, verdict: 'pass' },
    { it: 'passes G5 when no disqualifying signal is known', facts: {}, verdict: 'pass' },
    { it: 'passes G5 when one disqualifier is recorded false and none is known', facts: { competitor: false }, verdict: 'pass' },
  ])('$it', ({ facts, verdict }) => {
    expect(verdictOf('G5', facts)).toBe(verdict);
  });

  it('says which disqualifiers were not recorded when it passes G5 on no known signal', () => {
    expect(evaluateGates({ competitor: false }, [], AT).G5.because).toMatch(/not recorded: nonEnglishMarket, sanctioned/);
  });

  it('leaves G5 unknown for unrecorded disqualifiers when configured so', () => {
    const cfg: RulesConfig = { ...DEFAULT_RULES, gates: { ...DEFAULT_RULES.gates, g5WhenUnrecorded: 'unknown' } };
    expect(verdictOf('G5', {}, AT, cfg)).toBe('unknown');
    expect(verdictOf('G5', { nonEnglishMarket: false, sanctioned: false, competitor: false }, AT, cfg)).toBe('pass');
  });
});

describe('manual gate verdicts (DOMAIN "ICP gates")', () => {
  const verdict = (over: Partial<ManualGateVerdict>): ManualGateVerdict => ({
    gate: 'G1', pass: true, by: 'sales.ops', why: 'LinkedIn shows 240 staff', at: '2026-04-10T09:00:00Z', ...over,
  });

  // Issue 11: a manual verdict decides only a gate the facts leave unknown; a computed failure changes only
  // with new facts or the CRO's override of one gate (HO 3.6). A manual "pass" never clears it.
  it('never lets a manual pass clear a computed G1 fail (HO 3.6: only the CRO override may), and says why', () => {
    const g1 = evaluateGates({ employees: 99 }, [verdict({})], AT).G1;
    expect(g1.verdict).toBe('fail');
    expect(g1.because).toContain('99 employees');
    expect(g1.because).toContain('set aside: the recorded facts decide G1');
    expect(manualVerdictProblem({ employees: 99 }, 'G1', AT)).toMatch(/the recorded facts fail G1 .*only decides a gate the facts leave unknown/);
  });

  it('never lets a manual fail turn a computed G2 pass', () => {
    const g2 = evaluateGates({ partnerProgram: 'AWS' }, [verdict({ gate: 'G2', pass: false, why: 'program lapsed' })], AT).G2;
    expect(g2).toMatchObject({ verdict: 'pass' });
    expect(manualVerdictProblem({ partnerProgram: 'AWS' }, 'G2', AT)).toMatch(/already pass G2/);
  });

  it('sets a manual verdict aside once facts recorded later decide the gate', () => {
    const manualFirst = verdict({ gate: 'G1', pass: true, at: '2026-04-10T09:00:00Z' });
    expect(evaluateGates({}, [manualFirst], AT).G1.verdict).toBe('pass');
    expect(evaluateGates({ employees: 40 }, [manualFirst], AT).G1.verdict).toBe('fail');
  });

  it('allows a manual verdict exactly where the facts leave the gate unknown', () => {
    expect(manualVerdictProblem({}, 'G3', AT)).toBeNull();
    expect(manualVerdictProblem({ employees: 150 }, 'G1', AT)).toBeNull(); // 100-199 with no compensating signal recorded
    expect(manualVerdictProblem({ employees: 150, namedExecReferral: false, strongEcosystemComplexity: false, revenueUsd: 10 }, 'G1', AT)).not.toBeNull();
  });

  it('decides an unknown gate by the manual verdict', () => {
    expect(evaluateGates({}, [verdict({ gate: 'G3' })], AT).G3.verdict).toBe('pass');
  });

  it('takes the latest manual verdict by time, not by list order', () => {
    const later = verdict({ pass: false, why: 'headcount fell', at: '2026-04-12T09:00:00Z' });
    const earlier = verdict({ pass: true, at: '2026-04-11T09:00:00Z' });
    expect(evaluateGates({}, [later, earlier], AT).G1.verdict).toBe('fail');
  });

  it('takes the later-listed verdict when two are recorded at the same time', () => {
    const a = verdict({ pass: false });
    const b = verdict({ pass: true });
    expect(evaluateGates({}, [a, b], AT).G1.verdict).toBe('pass');
    expect(evaluateGates({}, [b, a], AT).G1.verdict).toBe('fail');
  });

  it('ignores a manual verdict recorded after the evaluation time', () => {
    expect(evaluateGates({}, [verdict({ at: '2026-04-18T00:00:00Z' })], AT).G1.verdict).toBe('unknown');
  });

  it('does not let a manual pass clear a recorded disqualifying signal on G5', () => {
    const g5 = evaluateGates({ sanctioned: true }, [verdict({ gate: 'G5', pass: true })], AT).G5;
    expect(g5.verdict).toBe('fail');
    expect(g5.because).toContain('set aside');
  });

  it('lets a manual fail on G5 record a disqualifier the facts do not show', () => {
    expect(evaluateGates({}, [verdict({ gate: 'G5', pass: false, why: 'parent company is sanctioned' })], AT).G5.verdict).toBe('fail');
  });

  it('applies a manual G5 pass when no disqualifier is recorded', () => {
    const cfg: RulesConfig = { ...DEFAULT_RULES, gates: { ...DEFAULT_RULES.gates, g5WhenUnrecorded: 'unknown' } };
    expect(evaluateGates({}, [verdict({ gate: 'G5', pass: true })], AT, cfg).G5.verdict).toBe('pass');
  });
});

function results(verdicts: Partial<Record<Gate, GateVerdict>>): GateResults {
  const one = (g: Gate) => ({ verdict: verdicts[g] ?? 'pass', because: `${g} test` });
  return { G1: one('G1'), G2: one('G2'), G3: one('G3'), G4: one('G4'), G5: one('G5') };
}

describe('gates passing with the CRO override (HO 3.2, 3.6)', () => {
  it.each([
    { it: 'passes when every gate passes', verdicts: {}, override: undefined, want: { pass: true, failing: [] } },
    { it: 'does not pass with one failed gate and no override', verdicts: { G1: 'fail' }, override: undefined, want: { pass: false, failing: ['G1'] } },
    { it: 'passes with one failed gate that the CRO overrode', verdicts: { G1: 'fail' }, override: 'G1', want: { pass: true, failing: ['G1'], overridden: 'G1' } },
    { it: 'passes with one unknown gate that the CRO overrode', verdicts: { G3: 'unknown' }, override: 'G3', want: { pass: true, failing: ['G3'], overridden: 'G3' } },
    { it: 'does not pass when the override names a different gate', verdicts: { G1: 'fail' }, override: 'G2', want: { pass: false, failing: ['G1'] } },
    { it: 'does not pass with two failed gates, one overridden', verdicts: { G1: 'fail', G4: 'unknown' }, override: 'G1', want: { pass: false, failing: ['G1', 'G4'] } },
    { it: 'does not pass with G5 failed, even overridden', verdicts: { G5: 'fail' }, override: 'G5', want: { pass: false, failing: ['G5'] } },
  ] as const)('$it', ({ verdicts, override, want }) => {
    expect(gatesPassing(results(verdicts), override ? { gate: override } : undefined)).toEqual(want);
  });

  it.each([
    { it: 'allows overriding the one failed gate', verdicts: { G1: 'fail' }, gate: 'G1', ok: true, why: '' },
    { it: 'allows overriding the one unknown gate', verdicts: { G4: 'unknown' }, gate: 'G4', ok: true, why: '' },
    { it: 'refuses to override one of two failed gates', verdicts: { G1: 'fail', G2: 'fail' }, gate: 'G1', ok: false, why: 'never two' },
    { it: 'refuses to override G5', verdicts: { G5: 'fail' }, gate: 'G5', ok: false, why: 'hard reject' },
    { it: 'refuses to override a gate that passes', verdicts: { G1: 'fail' }, gate: 'G2', ok: false, why: 'G2 passes' },
    { it: 'refuses to override when every gate passes', verdicts: {}, gate: 'G3', ok: false, why: 'G3 passes' },
  ] as const)('$it', ({ verdicts, gate, ok, why }) => {
    const answer = canOverride(results(verdicts), gate);
    expect(answer.ok).toBe(ok);
    if (!answer.ok) expect(answer.why).toContain(why);
  });
});

describe('evaluateGates end to end', () => {
  it('passes all five gates for a fully qualified account', () => {
    const facts: AccountFacts = {
      employees: 450, partnerProgram: 'AWS', namedReferral: true, revenueUsd: 80_000_000,
      nonEnglishMarket: false, sanctioned: false, competitor: false,
    };
    const r = evaluateGates(facts, [], AT);
    expect(Object.values(r).map((x) => x.verdict)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(gatesPassing(r)).toEqual({ pass: true, failing: [] });
  });

  it('rejects a timestamp that is not ISO 8601', () => {
    expect(() => evaluateGates({}, [], 'yesterday')).toThrow(/ISO 8601/);
  });
});
