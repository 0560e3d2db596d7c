import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from '../../machines/rules/config.js';
import { evaluateGates, type GateResults } from '../../machines/rules/gates.js';
import { assessmentTierQualifies, computeTier } from '../../machines/rules/tier.js';
import { TIERS } from '../../machines/types.js';
import type { AccountFacts, Gate, GateVerdict, Tier } from '../../machines/types.js';

function results(verdicts: Partial<Record<Gate, GateVerdict>>): GateResults {
  const one = (g: Gate) => ({ verdict: verdicts[g] ?? 'pass', because: `${g} test` });
  return { G1: one('G1'), G2: one('G2'), G3: one('G3'), G4: one('G4'), G5: one('G5') };
}

/** Facts that meet every Tier 1 extra of LQ 4: 200+ employees, direct path, program + named partner exec. */
const TIER1: AccountFacts = { employees: 250, decisionMakerProximity: 'direct', partnerProgram: 'AWS', namedPartnerExec: true };
const allFail = { G1: 'fail', G2: 'fail', G3: 'fail', G4: 'fail' } as const;

describe('tier matrix (LQ 4)', () => {
  it.each<{ it: string; facts: AccountFacts; verdicts: Partial<Record<Gate, GateVerdict>>; tier: Tier }>([
    { it: 'rejects on a G5 fail even when G1-G4 pass', facts: TIER1, verdicts: { G5: 'fail' }, tier: 'Reject' },
    { it: 'rejects on a G5 fail even with a relationship', facts: { ...TIER1, relationship: 'investor' }, verdicts: { G5: 'fail' }, tier: 'Reject' },
    { it: 'rejects when none of G1-G4 pass', facts: {}, verdicts: allFail, tier: 'Reject' },
    { it: 'rejects when G1-G4 are all unknown', facts: {}, verdicts: { G1: 'unknown', G2: 'unknown', G3: 'unknown', G4: 'unknown' }, tier: 'Reject' },
    { it: 'routes to Network when none of G1-G4 pass but a relationship is recorded', facts: { relationship: 'alumni' }, verdicts: allFail, tier: 'Network' },
    { it: 'puts 1 of G1-G4 passing in Tier 3', facts: {}, verdicts: { G1: 'fail', G2: 'fail', G3: 'fail' }, tier: 'Tier 3' },
    { it: 'puts 3 of G1-G4 passing in Tier 3', facts: TIER1, verdicts: { G4: 'fail' }, tier: 'Tier 3' },
    { it: 'puts 3 of G1-G4 passing and one unknown in Tier 3', facts: TIER1, verdicts: { G2: 'unknown' }, tier: 'Tier 3' },
    { it: 'routes what would be Tier 3 to Network when a relationship is recorded', facts: { relationship: 'advisor' }, verdicts: { G3: 'fail' }, tier: 'Network' },
    { it: 'puts all four gates with every Tier 1 extra in Tier 1', facts: TIER1, verdicts: {}, tier: 'Tier 1' },
    { it: 'accepts a named referral as the direct decision-maker path for Tier 1', facts: { ...TIER1, decisionMakerProximity: 'one-step', namedReferral: true }, verdicts: {}, tier: 'Tier 1' },
    { it: 'keeps Tier 1 with an unknown G5 (no disqualifier known)', facts: TIER1, verdicts: { G5: 'unknown' }, tier: 'Tier 1' },
    { it: 'ignores a relationship once all four gates pass', facts: { ...TIER1, relationship: 'partner' }, verdicts: {}, tier: 'Tier 1' },
    { it: 'puts all four gates at 199 employees in Tier 2', facts: { ...TIER1, employees: 199 }, verdicts: {}, tier: 'Tier 2' },
    { it: 'puts all four gates with employees unrecorded (G1 passed by hand) in Tier 2', facts: { ...TIER1, employees: undefined }, verdicts: {}, tier: 'Tier 2' },
    { it: 'puts all four gates with a one-step path in Tier 2', facts: { ...TIER1, decisionMakerProximity: 'one-step' }, verdicts: {}, tier: 'Tier 2' },
    { it: 'puts all four gates without a named partner exec in Tier 2', facts: { ...TIER1, namedPartnerExec: false }, verdicts: {}, tier: 'Tier 2' },
    { it: 'puts all four gates without a partner program in Tier 2', facts: { ...TIER1, partnerProgram: undefined }, verdicts: {}, tier: 'Tier 2' },
  ])('$it', ({ facts, verdicts, tier }) => {
    expect(computeTier(facts, results(verdicts), DEFAULT_RULES).tier).toBe(tier);
  });

  it('says why an account is Tier 2 rather than Tier 1', () => {
    expect(computeTier({ ...TIER1, employees: 180 }, results({})).because).toContain('employees 180');
  });

  it('says which gate rejected', () => {
    expect(computeTier({}, evaluateGates({ competitor: true }, [], '2026-04-17')).because).toContain('competitor');
  });
});

describe('tier with a CRO override (LQ 3.1, HO 3.6)', () => {
  it('counts the overridden gate as passing but caps the tier at Tier 2', () => {
    const t = computeTier(TIER1, results({ G1: 'fail' }), DEFAULT_RULES, { gate: 'G1' });
    expect(t.tier).toBe('Tier 2');
    expect(t.because).toContain('CRO override');
  });

  it('ignores an override the CRO may not make (two gates failing)', () => {
    expect(computeTier(TIER1, results({ G1: 'fail', G2: 'fail' }), DEFAULT_RULES, { gate: 'G1' }).tier).toBe('Tier 3');
  });

  it('ignores an override of G5', () => {
    expect(computeTier(TIER1, results({ G5: 'fail' }), DEFAULT_RULES, { gate: 'G5' }).tier).toBe('Reject');
  });
});

describe('tier from recorded facts', () => {
  it('puts a 180-person company with a named exec referral, program, referral and budget in Tier 2', () => {
    const facts: AccountFacts = {
      employees: 180, namedExecReferral: true, partnerProgram: 'Salesforce AppExchange', namedReferral: true,
      namedPartnerExec: true, nonEnglishMarket: false, sanctioned: false, competitor: false,
    };
    expect(computeTier(facts, evaluateGates(facts, [], '2026-04-17')).tier).toBe('Tier 2');
  });
});

describe('Assessment tier (LQ 3: the $2,500 Assessment)', () => {
  it.each(TIERS.map((tier) => ({ tier, qualifies: tier === 'Tier 1' || tier === 'Tier 2' })))(
    '$tier qualifies for the Assessment: $qualifies',
    ({ tier, qualifies }) => {
      expect(assessmentTierQualifies(tier)).toBe(qualifies);
    },
  );
});
