// The approval of an email-sequence template version (HO 5.4), one XState machine per version. Pure: no I/O, no
// clock; time arrives on every event, the settings (content rules, SLA, holidays) when the machine is made.
//
//   draft ──TEMPLATE_SUBMIT──▶ cmoReview ──CMO_APPROVE──▶ approved            (simplified: Nurture, Re-engagement;
//     ▲                          │  ╲                                           framework: Post-Briefing)
//     └──────CMO_REJECT──────────┘   ╲──CMO_APPROVE (full)──▶ croReview ──CRO_GO──▶ approved ──TEMPLATE_RETIRE──▶ retired
//     └──────────────────────────────────CRO_NO_GO────────────────┘
//
// Each review step has the SOP's SLA (1 business day: flagged, no move) and its escalation (48 hours: to
// chief.staff), as durable `after` timers the engine persists and the daily sweep fires. The content rules
// (HO 5.3) are checked again by the guard of every approval, under the settings in force: a rule added since the
// template was written refuses its approval, naming the rule and the line. Nobody edits a version: a change is a
// new version, which starts over (HO 5.4.2: the CRO may reject with feedback, never line-edit).
import { assign, setup } from 'xstate';
import { z } from 'zod';
import { addBusinessDays } from './rules/business-days.js';
import { IsoDate, safeText } from './types.js';
import { ROLES } from './events.js';
import type { Template } from './templates/parse.js';
import { checkTemplate, type RuleProblem } from './templates/rules.js';
import type { TemplateSettings } from './templates/config.js';

/** Bumped whenever a stored snapshot of the previous version would not restore as is. */
export const APPROVAL_MACHINE_VERSION = 1;

export type ApprovalFlow = 'simplified' | 'full' | 'framework';
export type ReviewStep = 'cmo' | 'cro';
export const APPROVAL_STATES = ['draft', 'cmoReview', 'croReview', 'approved', 'retired'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** The approval SLAs (HO 5.4.4), a section of the settings. */
export const ApprovalSettingsSchema = z.object({
  /** Each approval step: this many business days, then flagged. */
  stepBusinessDays: z.number().int().min(1).max(30).default(1),
  /** Past this many hours a step escalates to chief.staff. */
  escalateAfterHours: z.number().int().min(1).max(24 * 30).default(48),
  /** Misses within `capacityWindowDays` that put a role on the capacity review (HO 5.4.4 "repeated SLA misses"). */
  capacityMisses: z.number().int().min(1).max(100).default(3),
  capacityWindowDays: z.number().int().min(1).max(365).default(28),
  /** Re-engagement targets MQLs silent this long (HO 5.2: "no engagement in 60+ days"). */
  reengageSilentDays: z.number().int().min(1).max(3650).default(60),
}).strict();
export type ApprovalSettings = z.infer<typeof ApprovalSettingsSchema>;
export const DEFAULT_APPROVAL_SETTINGS: ApprovalSettings = ApprovalSettingsSchema.parse({});

export type ApprovalConfig = { templates: TemplateSettings; approvals: ApprovalSettings; holidays: readonly string[] };

export type Decision = { by: string; at: string };
export type Feedback = { step: ReviewStep; by: string; at: string; text: string; round: number };
export type StepMiss = { step: ReviewStep; round: number; dueAt: string; at: string };
export type ApprovalContext = {
  template: string;
  flow: ApprovalFlow;
  content: Template;
  /** Submissions so far: each review round starts with one. */
  round: number;
  step: ReviewStep | null;
  stepEnteredAt: string | null;
  submitted: Decision | null;
  cmo: Decision | null;
  cro: Decision | null;
  feedback: Feedback[];
  slaBreaches: StepMiss[];
  escalations: StepMiss[];
  retired: (Decision & { reason: string }) | null;
};
export type ApprovalInput = { template: string; flow: ApprovalFlow; content: Template; at: string };

const meta = { at: IsoDate, by: safeText('by (who acted: a user name)', { max: 64 }), role: z.enum(ROLES) };
const feedback = safeText('feedback (what the copy or the sales narrative needs)', { multiline: true });
export const TemplateSubmitEvent = z.object({ type: z.literal('TEMPLATE_SUBMIT'), ...meta }).strict();
export const CmoApproveEvent = z.object({ type: z.literal('CMO_APPROVE'), ...meta }).strict();
export const CmoRejectEvent = z.object({ type: z.literal('CMO_REJECT'), ...meta, feedback }).strict();
export const CroGoEvent = z.object({ type: z.literal('CRO_GO'), ...meta }).strict();
export const CroNoGoEvent = z.object({ type: z.literal('CRO_NO_GO'), ...meta, feedback }).strict();
export const TemplateRetireEvent = z.object({ type: z.literal('TEMPLATE_RETIRE'), ...meta, reason: safeText('reason', { multiline: true }) }).strict();
export const ApprovalCommandEvent = z.discriminatedUnion('type', [
  TemplateSubmitEvent, CmoApproveEvent, CmoRejectEvent, CroGoEvent, CroNoGoEvent, TemplateRetireEvent,
]);
export type ApprovalCommandEvent = z.infer<typeof ApprovalCommandEvent>;
export type ApprovalTimerEvent = { type: `xstate.after.${string}`; at: string; by: 'system'; role: 'system' };
export type ApprovalEvent = ApprovalCommandEvent | ApprovalTimerEvent;
/** Who may send each event (enforced by the engine and by the machine's own guards). */
export const APPROVAL_PERMISSIONS = {
  TEMPLATE_ADDED: ['category.positioning'], TEMPLATE_SUBMIT: ['category.positioning'],
  CMO_APPROVE: ['cmo'], CMO_REJECT: ['cmo'], TEMPLATE_RETIRE: ['cmo'],
  CRO_GO: ['cro'], CRO_NO_GO: ['cro'],
} as const;

const ms = (iso: string) => Date.parse(iso);
const until = (dueMs: number, atIso: string) => Math.max(1, dueMs - ms(atIso));
const HOUR = 3_600_000;

/** The content rules under these settings (HO 5.3): none when the version may be approved. */
export function contentProblems(c: Pick<ApprovalContext, 'content'>, cfg: ApprovalConfig): RuleProblem[] {
  return checkTemplate(c.content, cfg.templates);
}

/** When the step's SLA falls due (1 business day) and when it escalates (48 hours), from the step's start. */
export function stepDeadlines(enteredAt: string, cfg: ApprovalConfig): { slaDueAt: string; escalateAt: string } {
  return {
    slaDueAt: addBusinessDays(enteredAt, cfg.approvals.stepBusinessDays, cfg.holidays),
    escalateAt: new Date(ms(enteredAt) + cfg.approvals.escalateAfterHours * HOUR).toISOString(),
  };
}

export function createApprovalMachine(cfg: ApprovalConfig) {
  const passes = (c: ApprovalContext) => contentProblems(c, cfg).length === 0;
  const missOf = (c: ApprovalContext, at: string, which: 'slaDueAt' | 'escalateAt'): StepMiss =>
    ({ step: c.step ?? 'cmo', round: c.round, dueAt: stepDeadlines(c.stepEnteredAt ?? at, cfg)[which], at });
  return setup({
    types: {} as { context: ApprovalContext; events: ApprovalEvent; input: ApprovalInput },
    guards: {
      canSubmit: ({ context, event }) => event.role === 'category.positioning' && passes(context),
      cmoApprovesToCro: ({ context, event }) => event.role === 'cmo' && context.flow === 'full' && passes(context),
      cmoApproves: ({ context, event }) => event.role === 'cmo' && passes(context),
      croGoes: ({ context, event }) => event.role === 'cro' && passes(context),
      isCmo: ({ event }) => event.role === 'cmo',
      isCro: ({ event }) => event.role === 'cro',
    },
    delays: {
      STEP_SLA: ({ context, event }) => until(ms(stepDeadlines(context.stepEnteredAt ?? event.at, cfg).slaDueAt), event.at),
      STEP_ESCALATION: ({ context, event }) => until(ms(stepDeadlines(context.stepEnteredAt ?? event.at, cfg).escalateAt), event.at),
    },
    actions: {
      submit: assign(({ context, event }) => ({ round: context.round + 1, submitted: { by: event.by, at: event.at } })),
      enterCmo: assign(({ event }) => ({ step: 'cmo' as const, stepEnteredAt: event.at })),
      enterCro: assign(({ event }) => ({ step: 'cro' as const, stepEnteredAt: event.at })),
      leaveStep: assign({ step: null, stepEnteredAt: null }),
      flagSla: assign(({ context, event }) => ({ slaBreaches: [...context.slaBreaches, missOf(context, event.at, 'slaDueAt')] })),
      escalate: assign(({ context, event }) => ({ escalations: [...context.escalations, missOf(context, event.at, 'escalateAt')] })),
      cmoDecides: assign(({ event }) => ({ cmo: { by: event.by, at: event.at } })),
      croDecides: assign(({ event }) => ({ cro: { by: event.by, at: event.at } })),
      giveBack: assign(({ context, event }) => ({
        feedback: [...context.feedback, { step: context.step ?? 'cmo', by: event.by, at: event.at, text: (event as { feedback?: string }).feedback ?? '', round: context.round }],
        step: null, stepEnteredAt: null, cmo: null, cro: null,
      })),
      retire: assign(({ event }) => ({ retired: { by: event.by, at: event.at, reason: (event as { reason?: string }).reason ?? '' } })),
    },
  }).createMachine({
    id: 'approval',
    context: ({ input }) => ({
      template: input.template, flow: input.flow, content: input.content, round: 0, step: null, stepEnteredAt: null,
      submitted: null, cmo: null, cro: null, feedback: [], slaBreaches: [], escalations: [], retired: null,
    }),
    initial: 'draft',
    states: {
      draft: {
        on: { TEMPLATE_SUBMIT: { guard: 'canSubmit', target: 'cmoReview', actions: 'submit' } },
      },
      cmoReview: {
        entry: 'enterCmo',
        after: { STEP_SLA: { actions: 'flagSla' }, STEP_ESCALATION: { actions: 'escalate' } },
        on: {
          CMO_APPROVE: [
            { guard: 'cmoApprovesToCro', target: 'croReview', actions: 'cmoDecides' },
            { guard: 'cmoApproves', target: 'approved', actions: 'cmoDecides' },
          ],
          CMO_REJECT: { guard: 'isCmo', target: 'draft', actions: 'giveBack' },
        },
      },
      croReview: {
        entry: 'enterCro',
        after: { STEP_SLA: { actions: 'flagSla' }, STEP_ESCALATION: { actions: 'escalate' } },
        on: {
          CRO_GO: { guard: 'croGoes', target: 'approved', actions: 'croDecides' },
          CRO_NO_GO: { guard: 'isCro', target: 'draft', actions: 'giveBack' },
        },
      },
      approved: {
        entry: 'leaveStep',
        on: { TEMPLATE_RETIRE: { guard: 'isCmo', target: 'retired', actions: 'retire' } },
      },
      retired: { type: 'final' },
    },
  });
}
export type ApprovalMachine = ReturnType<typeof createApprovalMachine>;

/** Why an approval event is refused in a state, in the SOP's words (the engine records it). */
export function explainApproval(state: ApprovalState, ctx: ApprovalContext, event: ApprovalCommandEvent, cfg: ApprovalConfig): string {
  const id = ctx.template;
  const problems = contentProblems(ctx, cfg);
  const rules = problems.length ? `; it breaks ${problems.length} content rule${problems.length === 1 ? '' : 's'} (HO 5.3): ${problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}` : '';
  const where: Record<ApprovalState, string> = {
    draft: 'a draft (category.positioning submits it)',
    cmoReview: 'waiting for the CMO\'s approval of its messaging',
    croReview: 'waiting for the CRO\'s GO / NO-GO on its sales narrative',
    approved: 'approved',
    retired: 'retired',
  };
  const role = (need: string) => (event.role !== need ? `; ${event.type} is for the ${need === 'cmo' ? 'CMO' : need === 'cro' ? 'CRO' : need}, and ${event.by} acts as ${event.role}` : '');
  switch (event.type) {
    case 'TEMPLATE_SUBMIT':
      if (state !== 'draft') return `cannot submit ${id}: it is ${where[state]}, not a draft`;
      return `cannot submit ${id}${role('category.positioning')}${rules}${rules ? '. Fix them in a new version (ladder template add FILE)' : ''}`;
    case 'CMO_APPROVE':
    case 'CMO_REJECT':
      if (state !== 'cmoReview') return `cannot ${event.type === 'CMO_APPROVE' ? 'approve' : 'reject'} ${id}: it is ${where[state]}${state === 'croReview' ? ' (the CMO approved it already; a change is a new version)' : ''}`;
      return `cannot ${event.type === 'CMO_APPROVE' ? 'approve' : 'reject'} ${id}${role('cmo')}${event.type === 'CMO_APPROVE' ? rules : ''}`;
    case 'CRO_GO':
    case 'CRO_NO_GO':
      if (ctx.flow === 'framework') return `cannot give ${event.type === 'CRO_GO' ? 'GO' : 'NO-GO'} on ${id}: a ${ctx.content.sequence} template is a framework the CRO personalizes for each account (HO 5.2); the CMO's approval is its only one`;
      if (ctx.flow !== 'full') return `cannot give ${event.type === 'CRO_GO' ? 'GO' : 'NO-GO'} on ${id}: a ${ctx.content.sequence} template needs no CRO narrative approval (HO 5.4.1: the CRO reviews its recipient lists)`;
      if (state !== 'croReview') return `cannot give ${event.type === 'CRO_GO' ? 'GO' : 'NO-GO'} on ${id}: it is ${where[state]}${state === 'cmoReview' ? ' (the CMO approves the messaging first, HO 5.4.2)' : ''}`;
      return `cannot give ${event.type === 'CRO_GO' ? 'GO' : 'NO-GO'} on ${id}${role('cro')}${event.type === 'CRO_GO' ? rules : ''}`;
    case 'TEMPLATE_RETIRE':
      if (state !== 'approved') return `cannot retire ${id}: it is ${where[state]}; only an approved version is retired`;
      return `cannot retire ${id}${role('cmo')}`;
    default:
      return `${(event as { type: string }).type} is not an approval event`;
  }
}
