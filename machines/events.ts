// Every event the ladder machine accepts, as one zod schema each (STYLE 7): the type, the validator,
// the CLI's error message and the fuzzers' seed. Time and actor arrive on the event: the machine never
// reads the clock (STYLE 2-3).
import { z } from 'zod';
import {
  AccountFactsSchema, BUYING_SCORES, DISQUALIFY_REASONS, GATES, IsoDate, SignalEntrySchema, TIERS, safeText,
} from './types.js';

/** HO 2 and 5.1: category.positioning writes the email templates (issue 14). */
export const ROLES = ['sales.ops', 'cro', 'cmo', 'chief.staff', 'category.positioning', 'system'] as const;
export type Role = (typeof ROLES)[number];

const meta = {
  at: IsoDate,
  by: safeText('by (who acted: a user name)', { max: 64 }),
  role: z.enum(ROLES),
};

const text = (what: string) => safeText(what, { multiline: true });

export const SignalEvent = z.object({ type: z.literal('SIGNAL'), ...meta, signal: SignalEntrySchema }).strict();
export const FactsEvent = z.object({
  type: z.literal('FACTS'), ...meta,
  facts: AccountFactsSchema.default({}),
  verdict: z.object({ gate: z.enum(GATES), pass: z.boolean(), why: text('why') }).strict().optional(),
  /** LQ 4: the tier is revisited only on material company change. */
  tier: z.enum(TIERS).optional(),
}).strict();
const scores = z.object({
  S1: z.enum(BUYING_SCORES), S2: z.enum(BUYING_SCORES), S3: z.enum(BUYING_SCORES), S4: z.enum(BUYING_SCORES),
}).strict();
export const DossierEvent = z.object({
  type: z.literal('DOSSIER'), ...meta, scores,
  evidence: z.object({ S1: text('S1 evidence'), S2: text('S2 evidence'), S3: text('S3 evidence'), S4: text('S4 evidence') }).partial().strict().optional(),
}).strict();
export const CroConfirmEvent = z.object({ type: z.literal('CRO_CONFIRM'), ...meta, note: text('note').optional() }).strict();
export const CroDisputeEvent = z.object({ type: z.literal('CRO_DISPUTE'), ...meta, reason: text('reason') }).strict();
export const CroFlagEvent = z.object({ type: z.literal('CRO_FLAG'), ...meta, note: text('note').optional() }).strict();
export const CroOverrideEvent = z.object({
  type: z.literal('CRO_OVERRIDE'), ...meta,
  gate: z.enum(GATES),
  justification: text('justification'),
  compensatingSignals: z.array(text('compensating signal')).min(1, 'name at least one compensating signal (HO 3.6 c)'),
}).strict();
export const CroReopenEvent = z.object({ type: z.literal('CRO_REOPEN'), ...meta, reason: text('reason') }).strict();
export const BriefingScheduledEvent = z.object({
  type: z.literal('BRIEFING_SCHEDULED'), ...meta, scheduledFor: IsoDate.optional(),
}).strict();
export const BriefingCompletedEvent = z.object({ type: z.literal('BRIEFING_COMPLETED'), ...meta }).strict();
export const AssessmentQualifiedEvent = z.object({ type: z.literal('ASSESSMENT_QUALIFIED'), ...meta }).strict();
export const AssessmentWonEvent = z.object({ type: z.literal('ASSESSMENT_WON'), ...meta }).strict();
export const AssessmentLostEvent = z.object({ type: z.literal('ASSESSMENT_LOST'), ...meta, reason: text('reason') }).strict();
export const DisqualifyEvent = z.object({
  type: z.literal('DISQUALIFY'), ...meta, reason: z.enum(DISQUALIFY_REASONS), note: text('note').optional(),
}).strict();
export const ArchiveEvent = z.object({ type: z.literal('ARCHIVE'), ...meta, reason: text('reason').optional() }).strict();

export const LadderCommandEvent = z.discriminatedUnion('type', [
  SignalEvent, FactsEvent, DossierEvent, CroConfirmEvent, CroDisputeEvent, CroFlagEvent, CroOverrideEvent,
  CroReopenEvent, BriefingScheduledEvent, BriefingCompletedEvent, AssessmentQualifiedEvent, AssessmentWonEvent,
  AssessmentLostEvent, DisqualifyEvent, ArchiveEvent,
]);
export type LadderCommandEvent = z.infer<typeof LadderCommandEvent>;

/** A durable timer firing: XState's own `xstate.after.*` event, dated at its due time by the engine. */
export type TimerEvent = { type: `xstate.after.${string}`; at: string; by: 'system'; role: 'system' };
export type LadderEvent = LadderCommandEvent | TimerEvent;

export const CRO_ONLY_EVENTS = ['CRO_CONFIRM', 'CRO_DISPUTE', 'CRO_FLAG', 'CRO_OVERRIDE', 'CRO_REOPEN'] as const;
export type EventType = LadderCommandEvent['type'];
