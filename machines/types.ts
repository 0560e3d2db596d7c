// Shared vocabulary of the ladder (DOMAIN.md). Pure types and zod schemas: no I/O here.
import { z } from 'zod';
import { parseInstant } from './rules/instant.js';
import { contactKey } from './rules/contact.js';
import { textProblem } from './rules/text.js';

export const STAGES = [
  'PROSPECT', 'MQL', 'SQL', 'BRIEFING_READY', 'ASSESSMENT_QUALIFIED', 'WON',
  'DISQUALIFIED', 'RECYCLED', 'ARCHIVED',
] as const;
export type Stage = (typeof STAGES)[number];
export const SQL_SUBSTATES = ['dossier', 'review', 'confirmed'] as const;
export type SqlSubstate = (typeof SQL_SUBSTATES)[number];
/** HO 4.3: a new MQL owes its dossier; one back from SQL, a dispute, a thin dossier or a cooldown is in nurture. */
export const MQL_SUBSTATES = ['dossier', 'nurture'] as const;
export type MqlSubstate = (typeof MQL_SUBSTATES)[number];
export type Substate = SqlSubstate | MqlSubstate;

// HO 3.2.1
export const SIGNAL_CODES = ['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7', 'E8', 'E9', 'E10'] as const;
export type SignalCode = (typeof SIGNAL_CODES)[number];
export const STRONG_SIGNALS: readonly SignalCode[] = ['E3', 'E4', 'E6', 'E7', 'E8', 'E10'];
export const STANDARD_SIGNALS: readonly SignalCode[] = ['E1', 'E2', 'E5', 'E9'];
/** E1 comes in kinds: a comment/share/save counts; likes count only 3+ within 30 days. */
export const E1_INTERACTIONS = ['comment', 'share', 'save', 'like'] as const;
export type E1Interaction = (typeof E1_INTERACTIONS)[number];

// HO 3.3
export const BUYING_SIGNALS = ['S1', 'S2', 'S3', 'S4'] as const;
export type BuyingSignal = (typeof BUYING_SIGNALS)[number];
export const BUYING_SCORES = ['CONFIRMED', 'LIKELY', 'UNVERIFIED', 'NOT_PRESENT'] as const;
export type BuyingScore = (typeof BUYING_SCORES)[number];

// LQ 3 + DOMAIN decision: G5 = no disqualifying signal
export const GATES = ['G1', 'G2', 'G3', 'G4', 'G5'] as const;
export type Gate = (typeof GATES)[number];
export type GateVerdict = 'pass' | 'fail' | 'unknown';

// LQ 4
export const TIERS = ['Tier 1', 'Tier 2', 'Tier 3', 'Network', 'Reject'] as const;
export type Tier = (typeof TIERS)[number];

// HO 3.5
export const DISQUALIFY_REASONS = [
  'bankruptcy', 'acquired', 'shutdown', 'competitor', 'opt-out', 'hostile', 'no-ecosystem',
] as const;
export type DisqualifyReason = (typeof DISQUALIFY_REASONS)[number];
/** Reasons that put the account on the suppression list (HO 3.5, 5.6). */
export const SUPPRESSING_REASONS: readonly DisqualifyReason[] = ['opt-out', 'hostile'];
/** Reasons a CRO may not reopen (DOMAIN "Suppression and re-entry"). */
export const NON_REOPENABLE_REASONS: readonly DisqualifyReason[] = ['opt-out', 'hostile', 'competitor'];

/** Text limits (issue 12): a name-like field, and a free-text field (a reason, evidence, a note). */
export const SHORT_TEXT = 300;
export const LONG_TEXT = 4000;

/**
 * A text field: trimmed, not empty, within its length, without control characters (no NUL, no terminal
 * escapes; newlines only where `multiline`). The message names what the field is and what it accepts.
 */
export function safeText(what: string, o: { max?: number; multiline?: boolean } = {}) {
  const max = o.max ?? (o.multiline ? LONG_TEXT : SHORT_TEXT);
  return z.string({ error: `${what}: expected text` }).trim().min(1, `${what} is required and cannot be empty`).superRefine((s, ctx) => {
    const p = textProblem(s, { max, multiline: o.multiline });
    if (p) ctx.addIssue({ code: 'custom', message: `${what} ${p}` });
  });
}

/** An instant, read by the one strict parser (rules/instant.ts): a time of day carries Z or an offset; no 30 February. */
const isoDate = z.string().superRefine((s, ctx) => {
  const r = parseInstant(s);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
});
export const IsoDate = isoDate;

/**
 * The facts gates are computed from (LQ 3.1-3.4, LQ 4 Reject row). Every field optional: a missing
 * fact makes its gate 'unknown' unless another fact decides it.
 */
export const AccountFactsSchema = z.object({
  employees: z.number().int().nonnegative().optional(),
  revenueUsd: z.number().nonnegative().optional(),
  revenueConfirmed: z.boolean().optional(),
  // G1 compensating signals for 100-199 employees
  strongEcosystemComplexity: z.boolean().optional(),
  namedExecReferral: z.boolean().optional(),
  // G2
  partnerProgram: safeText('partnerProgram').optional(),
  partnershipsFunction: z.boolean().optional(),
  publicPartnerReference: z.boolean().optional(),
  partnerRevenueShare: z.number().min(0).max(1).optional(),
  // G3
  secondDegreeVpConnection: z.boolean().optional(),
  namedReferral: z.boolean().optional(),
  execContentAppearance: z.boolean().optional(),
  inboundSignal: z.boolean().optional(),
  decisionMakerProximity: z.enum(['direct', 'one-step', 'two-step']).optional(),
  // G4
  namedPartnerExec: z.boolean().optional(),
  fundingRound: z.enum(['seed', 'series-a', 'series-b', 'series-c+', 'pe', 'secondary']).optional(),
  fundingDate: isoDate.optional(),
  partnerExpansionCommitmentDate: isoDate.optional(),
  // G5: disqualifying signals
  nonEnglishMarket: z.boolean().optional(),
  sanctioned: z.boolean().optional(),
  competitor: z.boolean().optional(),
  // LQ 4 Network row: a relevant relationship without current fit
  relationship: z.enum(['alumni', 'advisor', 'partner', 'investor']).optional(),
}).strict();
export type AccountFacts = z.infer<typeof AccountFactsSchema>;

/** A gate verdict recorded by hand where facts are missing (DOMAIN "ICP gates"). */
export const ManualGateVerdictSchema = z.object({
  gate: z.enum(GATES),
  pass: z.boolean(),
  by: safeText('by', { max: 64 }),
  why: safeText('why', { multiline: true }),
  at: isoDate,
});
export type ManualGateVerdict = z.infer<typeof ManualGateVerdictSchema>;

/** One engagement signal as the machine keeps it (HO 3.2.1). */
export const SignalEntrySchema = z.object({
  id: safeText('signal id', { max: 200 }),
  code: z.enum(SIGNAL_CODES),
  at: isoDate,
  /** Reduced to the contact's canonical key on every path (rules/contact.ts; HO 3.5, 5.6). */
  contact: z.string().transform((raw, ctx) => {
    const k = contactKey(raw);
    if (!k.ok) { ctx.addIssue({ code: 'custom', message: k.error }); return z.NEVER; }
    return k.key;
  }),
  interaction: z.enum(E1_INTERACTIONS).optional(),
  source: safeText('signal source', { max: 200 }).optional(),
});
export type SignalEntry = z.infer<typeof SignalEntrySchema>;
