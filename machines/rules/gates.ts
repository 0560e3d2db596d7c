// ICP gates G1-G5 (LQ 3.1-3.4, LQ 4 Reject row; DOMAIN "ICP gates and tiers") and the CRO override
// (HO 3.6). Pure: facts, hand-recorded verdicts and the evaluation time in, verdicts with reasons out.
import { GATES } from '../types.js';
import type { AccountFacts, Gate, GateVerdict, ManualGateVerdict } from '../types.js';
import { addCalendarMonths, calendarDaysBetween, parseIsoUtc, startOfUtcDay } from './business-days.js';
import { DEFAULT_RULES, type RulesConfig } from './config.js';

export type GateResult = { verdict: GateVerdict; because: string };
export type GateResults = Record<Gate, GateResult>;

/** One alternative of an any-of gate; 'unrecorded' means the fact is missing, not false. */
type Check = { state: 'yes' | 'no' | 'unrecorded'; says: string };

/**
 * $1,250,000: whole dollars grouped by hand, as toLocaleString('en-US') prints them; its first call loads the ICU
 * locale data (~12 ms of a cold `ladder status`, issue 17). Fractions keep toLocaleString.
 */
const usd = (n: number): string => `$${Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : n.toLocaleString('en-US')}`;

/**
 * An any-of gate (LQ 3.2-3.4, and the G1 compensating signals of LQ 3.1). Any alternative that holds
 * passes. Decision: one alternative recorded as not holding is enough to fail when none holds; the
 * gate is unknown only when nothing was recorded. Requiring every alternative to be recorded false
 * would make G2 and G4 unable to fail at all: a partner program name and a commitment date have no
 * "false" form. The LQ fail modes read the same way ("cold with no path in", "no clear budget signal").
 */
function anyOf(gate: Gate, sop: string, checks: Check[], prefix = ''): GateResult {
  const yes = checks.find((c) => c.state === 'yes');
  if (yes) return { verdict: 'pass', because: `${gate} passes: ${prefix}${yes.says} (${sop})` };
  const no = checks.filter((c) => c.state === 'no').map((c) => c.says);
  const unrecorded = checks.filter((c) => c.state === 'unrecorded').map((c) => c.says);
  const missing = unrecorded.length > 0 ? `; not recorded: ${unrecorded.join(', ')}` : '';
  if (no.length > 0) {
    return { verdict: 'fail', because: `${gate} fails: ${prefix}${no.join('; ')}${missing} (${sop})` };
  }
  return { verdict: 'unknown', because: `${gate} unknown: ${prefix}none of ${unrecorded.join(', ')} recorded (${sop})` };
}

function flag(value: boolean | undefined, name: string): Check {
  if (value === undefined) return { state: 'unrecorded', says: name };
  return { state: value ? 'yes' : 'no', says: `${name} ${value}` };
}

function g1CompensatingRevenue(facts: AccountFacts, cfg: RulesConfig): Check {
  const threshold = cfg.gates.revenueThresholdUsd;
  const { revenueUsd, revenueConfirmed } = facts;
  if (revenueUsd === undefined) return { state: 'unrecorded', says: 'revenueUsd' };
  // LQ 3.1: ">$50M revenue confirmed": strictly more, and confirmed.
  if (revenueUsd <= threshold) return { state: 'no', says: `revenue ${usd(revenueUsd)} is not > ${usd(threshold)}` };
  if (revenueConfirmed === undefined) return { state: 'unrecorded', says: `revenueConfirmed (revenue ${usd(revenueUsd)})` };
  if (!revenueConfirmed) return { state: 'no', says: `revenue ${usd(revenueUsd)} not confirmed` };
  return { state: 'yes', says: `confirmed revenue ${usd(revenueUsd)} > ${usd(threshold)}` };
}

function g1(facts: AccountFacts, cfg: RulesConfig): GateResult {
  const { g1PassEmployees: full, g1ConditionalEmployees: conditional } = cfg.gates;
  const n = facts.employees;
  if (n === undefined) return { verdict: 'unknown', because: 'G1 unknown: employees not recorded (LQ 3.1)' };
  if (n >= full) return { verdict: 'pass', because: `G1 passes: ${n} employees ≥ ${full} (LQ 3.1)` };
  if (n < conditional) return { verdict: 'fail', because: `G1 fails: ${n} employees < ${conditional} (LQ 3.1)` };
  return anyOf('G1', 'LQ 3.1', [
    flag(facts.strongEcosystemComplexity, 'strongEcosystemComplexity'),
    flag(facts.namedExecReferral, 'namedExecReferral'),
    g1CompensatingRevenue(facts, cfg),
  ], `${n} employees (${conditional}-${full - 1}) need a compensating signal: `);
}

function g2(facts: AccountFacts, cfg: RulesConfig): GateResult {
  const above = cfg.gates.partnerRevenueShareAbove;
  const share = facts.partnerRevenueShare;
  return anyOf('G2', 'LQ 3.2', [
    facts.partnerProgram === undefined
      ? { state: 'unrecorded', says: 'partnerProgram' }
      : { state: 'yes', says: `partner program "${facts.partnerProgram}"` },
    flag(facts.partnershipsFunction, 'partnershipsFunction'),
    flag(facts.publicPartnerReference, 'publicPartnerReference'),
    share === undefined
      ? { state: 'unrecorded', says: 'partnerRevenueShare' }
      : share > above
        ? { state: 'yes', says: `partner revenue share ${share} > ${above}` }
        : { state: 'no', says: `partner revenue share ${share} is not > ${above}` },
  ]);
}

function g3(facts: AccountFacts): GateResult {
  return anyOf('G3', 'LQ 3.3', [
    flag(facts.secondDegreeVpConnection, 'secondDegreeVpConnection'),
    flag(facts.namedReferral, 'namedReferral'),
    flag(facts.execContentAppearance, 'execContentAppearance'),
    flag(facts.inboundSignal, 'inboundSignal'),
  ]);
}

/**
 * LQ 3.4 "funding event <18 months old", in UTC calendar dates: a round dated D counts on every day
 * before D + 18 calendar months (clamped to the month's last day) and not from that day on. Funded
 * 2024-09-10: counts through 2026-03-09, not on 2026-03-10. A date after `at` has not happened yet.
 */
function g4Funding(facts: AccountFacts, atMs: number, cfg: RulesConfig): Check {
  const { fundingRound: round, fundingDate: date } = facts;
  const { fundingRounds, fundingMaxAgeMonths: months } = cfg.gates;
  if (round === undefined) return { state: 'unrecorded', says: 'fundingRound' };
  if (!fundingRounds.includes(round)) return { state: 'no', says: `funding round ${round} is not one of ${fundingRounds.join('/')}` };
  if (date === undefined) return { state: 'unrecorded', says: `fundingDate (round ${round})` };
  const fundedMs = parseIsoUtc(date);
  if (startOfUtcDay(fundedMs) > startOfUtcDay(atMs)) return { state: 'no', says: `${round} funding dated ${date} is after the evaluation date` };
  if (startOfUtcDay(atMs) < addCalendarMonths(fundedMs, months)) {
    return { state: 'yes', says: `${round} funding on ${date} is less than ${months} months old` };
  }
  return { state: 'no', says: `${round} funding on ${date} is ${months} months old or more` };
}

function g4Commitment(facts: AccountFacts, atMs: number, cfg: RulesConfig): Check {
  const date = facts.partnerExpansionCommitmentDate;
  const maxAge = cfg.gates.partnerExpansionMaxAgeDays;
  if (date === undefined) return { state: 'unrecorded', says: 'partnerExpansionCommitmentDate' };
  const age = calendarDaysBetween(parseIsoUtc(date), atMs);
  if (age < 0) return { state: 'no', says: `partner expansion commitment dated ${date} is after the evaluation date` };
  if (age <= maxAge) return { state: 'yes', says: `partner expansion commitment ${age} days ago (≤ ${maxAge})` };
  return { state: 'no', says: `partner expansion commitment ${age} days ago (> ${maxAge})` };
}

function g4(facts: AccountFacts, atMs: number, cfg: RulesConfig): GateResult {
  const threshold = cfg.gates.revenueThresholdUsd;
  const revenue = facts.revenueUsd;
  return anyOf('G4', 'LQ 3.4', [
    revenue === undefined
      ? { state: 'unrecorded', says: 'revenueUsd' }
      : revenue >= threshold
        ? { state: 'yes', says: `revenue ${usd(revenue)} ≥ ${usd(threshold)}` }
        : { state: 'no', says: `revenue ${usd(revenue)} < ${usd(threshold)}` },
    flag(facts.namedPartnerExec, 'namedPartnerExec'),
    g4Funding(facts, atMs, cfg),
    g4Commitment(facts, atMs, cfg),
  ]);
}

const DISQUALIFIERS = ['nonEnglishMarket', 'sanctioned', 'competitor'] as const;

/**
 * G5, no disqualifying signal (LQ 4 Reject row: "non-English-speaking market, known sanctions,
 * competitor"). Any recorded true fails. Decision: a disqualifier nobody recorded does not block G5
 * (cfg.gates.g5WhenUnrecorded = 'pass'). LQ 4 rejects on a signal that is *known* ("known
 * sanctions"); the gate screens for red flags rather than asking sales.ops to prove three negatives
 * for every account, and since G5 may never be overridden (canOverride) an 'unknown' here would
 * block the ladder on paperwork the SOP does not ask for. The `because` says which facts were
 * missing, and 'unknown' is one config switch away.
 */
function g5(facts: AccountFacts, cfg: RulesConfig): GateResult {
  const hit = DISQUALIFIERS.filter((k) => facts[k] === true);
  if (hit.length > 0) return { verdict: 'fail', because: `G5 fails: disqualifying signal ${hit.join(', ')} (LQ 4 Reject row)` };
  const unrecorded = DISQUALIFIERS.filter((k) => facts[k] === undefined);
  if (unrecorded.length === 0) {
    return { verdict: 'pass', because: `G5 passes: ${DISQUALIFIERS.join(', ')} all recorded false (LQ 4 Reject row)` };
  }
  const known = DISQUALIFIERS.filter((k) => facts[k] === false);
  const knownText = known.length > 0 ? `${known.join(', ')} false; ` : '';
  return {
    verdict: cfg.gates.g5WhenUnrecorded,
    because: `G5 ${cfg.gates.g5WhenUnrecorded === 'pass' ? 'passes' : 'unknown'}: no disqualifying signal known (${knownText}not recorded: ${unrecorded.join(', ')}) (LQ 4 Reject row)`,
  };
}

/** The latest manual verdict per gate recorded at or before `atMs`; on equal times the later entry wins. */
function latestManual(manual: readonly ManualGateVerdict[], atMs: number): Map<Gate, ManualGateVerdict> {
  const latest = new Map<Gate, { v: ManualGateVerdict; ms: number }>();
  for (const v of manual) {
    const ms = parseIsoUtc(v.at);
    if (ms > atMs) continue;
    const seen = latest.get(v.gate);
    if (!seen || ms >= seen.ms) latest.set(v.gate, { v, ms });
  }
  return new Map([...latest].map(([gate, { v }]) => [gate, v]));
}

function applyManual(gate: Gate, computed: GateResult, decided: GateResult, manual: ManualGateVerdict): GateResult {
  const verdict: GateVerdict = manual.pass ? 'pass' : 'fail';
  const who = `manual verdict ${verdict} by ${manual.by} at ${manual.at}: ${manual.why}`;
  // DOMAIN "ICP gates": a manual verdict decides only a gate the recorded facts leave unknown. Where the facts
  // decide (a failure above all), they win: a computed failure changes only with new facts or the CRO's
  // override of one gate (HO 3.6). The engine refuses such a verdict; this covers facts recorded after it.
  if (decided.verdict !== 'unknown') {
    return { verdict: computed.verdict, because: `${computed.because}; the ${who} is set aside: the recorded facts decide ${gate}` };
  }
  return { verdict, because: `${gate} ${verdict === 'pass' ? 'passes' : 'fails'} by ${who} (computed: ${computed.because})` };
}

/**
 * Why a manual verdict on `gate` may not be recorded with these facts, or null when it may: only a gate the
 * facts leave unknown is decided by hand (DOMAIN "ICP gates"; HO 3.6 for a failed one).
 */
export function manualVerdictProblem(facts: AccountFacts, gate: Gate, at: string, cfg: RulesConfig = DEFAULT_RULES): string | null {
  const computed = factsDecide(gate, facts, parseIsoUtc(at), cfg);
  if (computed.verdict === 'unknown') return null;
  if (computed.verdict === 'pass') return `the recorded facts already pass ${gate} (${computed.because}); a manual verdict only decides a gate the facts leave unknown`;
  return `the recorded facts fail ${gate} (${computed.because}); a manual verdict only decides a gate the facts leave unknown. `
    + `A failed gate changes only with new facts, or by the CRO's override of one failed gate with its justification and compensating signals (HO 3.6)`;
}

/**
 * Every gate's verdict at `at` (ISO). Facts decide where LQ gives a rule; the latest manual verdict
 * for a gate recorded at or before `at` replaces the computed one (verdicts dated after `at` are
 * ignored, so replaying an earlier moment gives the answer it gave then).
 */
export function evaluateGates(
  facts: AccountFacts,
  manual: readonly ManualGateVerdict[],
  at: string,
  cfg: RulesConfig = DEFAULT_RULES,
): GateResults {
  const atMs = parseIsoUtc(at);
  const computed: GateResults = {
    G1: g1(facts, cfg),
    G2: g2(facts, cfg),
    G3: g3(facts),
    G4: g4(facts, atMs, cfg),
    G5: g5(facts, cfg),
  };
  const hand = latestManual(manual, atMs);
  const results = {} as GateResults;
  for (const gate of GATES) {
    const verdict = hand.get(gate);
    results[gate] = verdict ? applyManual(gate, computed[gate], factsDecide(gate, facts, atMs, cfg), verdict) : computed[gate];
  }
  return results;
}

/**
 * What the recorded facts alone say of one gate, before any default: G5 with no disqualifier recorded is
 * "no disqualifying signal known" (it passes by the g5WhenUnrecorded decision), which the facts leave open, so
 * a manual verdict may still record a disqualifier the facts do not show.
 */
function factsDecide(gate: Gate, facts: AccountFacts, atMs: number, cfg: RulesConfig): GateResult {
  const strict = { ...cfg, gates: { ...cfg.gates, g5WhenUnrecorded: 'unknown' as const } };
  switch (gate) {
    case 'G1': return g1(facts, strict);
    case 'G2': return g2(facts, strict);
    case 'G3': return g3(facts);
    case 'G4': return g4(facts, atMs, strict);
    case 'G5': return g5(facts, strict);
  }
}

function notPassing(results: GateResults): Gate[] {
  return GATES.filter((g) => results[g].verdict !== 'pass');
}

/**
 * Whether the CRO may override `gate` (HO 3.6: "a single ICP gate failure", never two). A gate that
 * is 'unknown' counts as not passing and may be overridden like a failed one.
 * Decision: G5 is never overridable: sanctions, competitor and non-English market are hard rejects
 * (LQ 4 Reject row; HO 3.5 disqualifies competitors outright).
 */
export function canOverride(results: GateResults, gate: Gate): { ok: true } | { ok: false; why: string } {
  if (gate === 'G5') {
    return { ok: false, why: 'G5 cannot be overridden: a non-English market, known sanctions or a competitor is a hard reject (LQ 4 Reject row); correct the fact if it is wrong' };
  }
  const failing = notPassing(results);
  if (!failing.includes(gate)) {
    return { ok: false, why: `${gate} passes, there is nothing to override; the CRO overrides one failed gate (HO 3.6)` };
  }
  if (failing.length > 1) {
    const unknown = failing.filter((g) => g !== gate && results[g].verdict === 'unknown');
    const missing = unknown.length ? `; ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} unknown: record the missing facts first` : '';
    return { ok: false, why: `cannot override ${gate}: ${failing.join(', ')} are not passing and the CRO may override one failed gate, never two (HO 3.6)${missing}` };
  }

  return { ok: true };
}

/**
 * HO 3.2 "ICP Gate Pass": every gate passes, or exactly one does not and the CRO overrode that one.
 * `failing` lists every gate not passing, including an overridden one.
 */
export function gatesPassing(
  results: GateResults,
  override?: { gate: Gate },
): { pass: boolean; failing: Gate[]; overridden?: Gate } {
  const failing = notPassing(results);
  if (failing.length === 0) return { pass: true, failing };
  if (override && canOverride(results, override.gate).ok) return { pass: true, failing, overridden: override.gate };
  return { pass: false, failing };
}
