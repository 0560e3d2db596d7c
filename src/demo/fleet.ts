// A synthetic fleet of companies with facts drawn from a seed (demo and bench).
import type { AccountFacts, Tier } from '../../machines/types.js';
import { computeTier } from '../../machines/rules/tier.js';
import { evaluateGates } from '../../machines/rules/gates.js';
import { DEFAULT_RULES, type RulesConfig } from '../../machines/rules/config.js';
import type { Rng } from './random.js';

const A = ['north', 'blue', 'acme', 'vertex', 'cobalt', 'lumen', 'orbit', 'quarry', 'harbor', 'summit', 'signal', 'atlas', 'ember', 'prism', 'delta', 'kite'];
const B = ['cloud', 'data', 'works', 'labs', 'stack', 'grid', 'logic', 'metrics', 'scale', 'flow', 'ops', 'sync'];
const TLD = ['com', 'com', 'com', 'io', 'co.uk', 'de', 'ai'];
const HQ = ['Berlin', 'London', 'New York', 'Austin', 'Toronto', 'Amsterdam', 'Sydney', 'Dublin', 'Boston', 'Seattle'];
const PROGRAMS = ['AWS', 'Azure', 'GCP', 'Salesforce AppExchange', 'Snowflake', 'ServiceNow Partners', 'HubSpot'];

export type FleetAccount = { domain: string; name: string; hq: string; tier: Tier; icpScore: number; facts: AccountFacts; contacts: string[] };

export function makeCompany(r: Rng, i: number, at: string, cfg: RulesConfig = DEFAULT_RULES): FleetAccount {
  const a = r.pick(A), b = r.pick(B);
  const domain = `${a}${b}${i}.${r.pick(TLD)}`;
  const employees = Math.round(Math.exp(r.next() * 4.5 + 3.9)); // ~50 .. ~4,500
  const facts: AccountFacts = {
    employees,
    revenueUsd: Math.round(employees * (80_000 + r.next() * 220_000)),
    revenueConfirmed: r.chance(0.6),
    ...(r.chance(0.7) ? { partnerProgram: r.pick(PROGRAMS) } : { partnershipsFunction: r.chance(0.3) }),
    namedReferral: r.chance(0.3), secondDegreeVpConnection: r.chance(0.5), inboundSignal: r.chance(0.3),
    namedPartnerExec: r.chance(0.4),
    decisionMakerProximity: r.pick(['direct', 'one-step', 'two-step'] as const),
    nonEnglishMarket: r.chance(0.02), sanctioned: false, competitor: r.chance(0.01),
  };
  const tier = computeTier(facts, evaluateGates(facts, [], at, cfg), cfg).tier;
  const name = `${a[0]!.toUpperCase()}${a.slice(1)} ${b[0]!.toUpperCase()}${b.slice(1)}`;
  const contacts = Array.from({ length: r.int(1, 3) }, (_, k) => `https://linkedin.com/in/${a}${b}${i}-${k}`);
  return { domain, name, hq: r.pick(HQ), tier, icpScore: r.int(20, 98), facts, contacts };
}
