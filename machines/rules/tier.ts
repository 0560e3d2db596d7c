// The tier matrix (LQ 4) and the Assessment-tier test (LQ 3). Pure.
import type { AccountFacts, Gate, Tier } from '../types.js';
import { DEFAULT_RULES, type RulesConfig } from './config.js';
import { canOverride, type GateResults } from './gates.js';

const FIT_GATES = ['G1', 'G2', 'G3', 'G4'] as const satisfies readonly Gate[];

/**
 * LQ 4. Reject on a G5 fail (disqualifying signal) or when none of G1-G4 passes; Tier 1 when G1-G4
 * all pass with 200+ employees, a direct decision-maker path and a strong ecosystem signal; Tier 2
 * when G1-G4 all pass otherwise; Tier 3 when 1-3 of them pass. Network replaces Tier 3 and the
 * zero-gates Reject when a relationship is recorded; never a G5 reject.
 *
 * Decisions:
 * - Only a G5 'fail' rejects; an 'unknown' G5 (configurable, see gates.ts) is not a known
 *   disqualifying signal, so the tier comes from G1-G4 (the account still cannot pass the gates).
 * - `override`: LQ 3.1 routes a failing account to Tier 3 "unless CRO explicitly overrides", and HO 3.6's
 *   example (a 180-person company failing G1) is meant to reach the Assessment. An override that
 *   canOverride allows counts its gate as passing, but caps the tier at Tier 2: an overridden gate
 *   is at best a "just barely" pass (LQ 4 Tier 2 row).
 */
export function computeTier(
  facts: AccountFacts,
  gateResults: GateResults,
  cfg: RulesConfig = DEFAULT_RULES,
  override?: { gate: Gate },
): { tier: Tier; because: string } {
  if (gateResults.G5.verdict === 'fail') return { tier: 'Reject', because: `Reject: ${gateResults.G5.because}` };

  const overridden = override && canOverride(gateResults, override.gate).ok ? override.gate : undefined;
  const passing = FIT_GATES.filter((g) => gateResults[g].verdict === 'pass' || g === overridden);
  const failing = FIT_GATES.filter((g) => !passing.includes(g));
  const overrideNote = overridden ? ` (${overridden} by CRO override)` : '';

  if (passing.length < FIT_GATES.length) {
    const fallback: Tier = passing.length === 0 ? 'Reject' : 'Tier 3';
    const gates = passing.length === 0
      ? `none of G1-G4 pass`
      : `${passing.length} of G1-G4 pass (${passing.join(', ')}${overrideNote}; not ${failing.join(', ')})`;
    if (facts.relationship) {
      return { tier: 'Network', because: `Network: ${gates}, relationship ${facts.relationship} (LQ 4 Network row)` };
    }
    return { tier: fallback, because: `${fallback}: ${gates} (LQ 4)` };
  }

  const { g1PassEmployees } = cfg.gates;
  const misses: string[] = [];
  if (overridden) misses.push(`${overridden} passes only by CRO override`);
  if (facts.employees === undefined || facts.employees < g1PassEmployees) {
    misses.push(`employees ${facts.employees ?? 'not recorded'} (Tier 1 needs ${g1PassEmployees}+)`);
  }
  const directPath = facts.decisionMakerProximity === 'direct' || facts.namedReferral === true;
  if (!directPath) misses.push('no direct decision-maker path (decisionMakerProximity direct or namedReferral)');
  const strongEcosystem = facts.partnerProgram !== undefined && facts.namedPartnerExec === true;
  if (!strongEcosystem) misses.push('no strong ecosystem signal (partner program and named partner exec)');

  if (misses.length === 0) {
    return {
      tier: 'Tier 1',
      because: `Tier 1: G1-G4 pass, ${facts.employees} employees, direct decision-maker path, partner program "${facts.partnerProgram}" with a named partner exec (LQ 4)`,
    };
  }
  return { tier: 'Tier 2', because: `Tier 2: G1-G4 pass${overrideNote}; not Tier 1: ${misses.join('; ')} (LQ 4)` };
}

/** LQ 3: the $2,500 Assessment is for Tier 1 and Tier 2. */
export function assessmentTierQualifies(tier: Tier): boolean {
  return tier === 'Tier 1' || tier === 'Tier 2';
}
