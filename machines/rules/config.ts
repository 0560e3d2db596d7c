// Every number and list the rules use (DOMAIN.md: "keep each decision configurable where it is a
// number or a list"). Pure data and a zod schema: no I/O.
import { z } from 'zod';

const FUNDING_ROUNDS = ['seed', 'series-a', 'series-b', 'series-c+', 'pe', 'secondary'] as const;
const days = z.number().int().nonnegative();

export const RulesConfigSchema = z.object({
  gates: z.object({
    // LQ 3.1: 200+ pass; 100-199 need a compensating signal; under 100 fail.
    g1PassEmployees: z.number().int().positive(),
    g1ConditionalEmployees: z.number().int().positive(),
    // LQ 3.1 (">$50M confirmed", strictly greater) and LQ 3.4 ("$50M+", at least).
    revenueThresholdUsd: z.number().positive(),
    // LQ 3.2: "> 20%" of revenue partner-attributed; strictly greater.
    partnerRevenueShareAbove: z.number().min(0).max(1),
    // LQ 3.4: "Recent funding event <18 months old (Series B+, PE investment, secondary liquidity)".
    fundingMaxAgeMonths: z.number().int().positive(),
    fundingRounds: z.array(z.enum(FUNDING_ROUNDS)).min(1),
    // LQ 3.4: partner-program expansion commitment "in the last 90 days".
    partnerExpansionMaxAgeDays: days,
    // Decision (gates.ts, G5): a G5 fact nobody recorded counts as "no disqualifying signal known".
    g5WhenUnrecorded: z.enum(['pass', 'unknown']),
  }).strict(),
  signals: z.object({
    // HO 3.2: trailing 180 days, full credit 0-90, half credit 91-180.
    windowDays: days,
    fullCreditDays: days,
    // HO 3.2.1 E1: 3+ likes within 30 days = 1 signal.
    likesNeeded: z.number().int().positive(),
    likesWindowDays: days,
    // HO 3.2.1 E8: same contact engages 2+ times within 30 days.
    repeatEngagementsNeeded: z.number().int().min(2),
    repeatEngagementWindowDays: days,
  }).strict().refine((s) => s.fullCreditDays <= s.windowDays, {
    message: 'signals.fullCreditDays must not exceed signals.windowDays (HO 3.2: full credit 0-90 of 180 days)',
  }),
  /** UTC calendar dates (YYYY-MM-DD) that are not business days (DOMAIN "Timers": configured holidays). */
  holidays: z.array(z.iso.date()),
  // HO 3.5
  timers: z.object({
    sqlStaleDays: days,
    mqlStaleDays: days,
    recycleCooldownDays: days,
  }).strict(),
  // HO 4.2-4.3, in business days
  sla: z.object({
    classificationBusinessDays: days,
    dossierBusinessDays: days,
    reviewBusinessDays: days,
  }).strict(),
}).strict();

export type RulesConfig = z.infer<typeof RulesConfigSchema>;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export const DEFAULT_RULES: RulesConfig = deepFreeze({
  gates: {
    g1PassEmployees: 200,
    g1ConditionalEmployees: 100,
    revenueThresholdUsd: 50_000_000,
    partnerRevenueShareAbove: 0.2,
    fundingMaxAgeMonths: 18,
    fundingRounds: ['series-b', 'series-c+', 'pe', 'secondary'],
    partnerExpansionMaxAgeDays: 90,
    g5WhenUnrecorded: 'pass',
  },
  signals: {
    windowDays: 180,
    fullCreditDays: 90,
    likesNeeded: 3,
    likesWindowDays: 30,
    repeatEngagementsNeeded: 2,
    repeatEngagementWindowDays: 30,
  },
  holidays: [],
  timers: {
    sqlStaleDays: 30,
    mqlStaleDays: 90,
    recycleCooldownDays: 90,
  },
  sla: {
    classificationBusinessDays: 1,
    dossierBusinessDays: 1,
    reviewBusinessDays: 1,
  },
});
