// A recipient list (HO 5.4.1-5.4.3): which contacts a template version may be sent to, approved by the CRO ("are
// these the right recipients? does the list match our ICP definition?"). One XState machine per list. Pure: the
// engine checks the list against the database when the CRO decides (none suppressed, each account still at the
// sequence's target stage, the template where its flow allows a list approval) and hands the result in on the
// event; the machine refuses an approval whose check found anything, and the log keeps the check.
//
//   proposed ──RECIPIENTS_APPROVE (check clean)──▶ approved ──RECIPIENTS_WITHDRAW──▶ withdrawn
//      │ ╲──RECIPIENTS_REJECT──▶ rejected
//      ╰──RECIPIENTS_WITHDRAW──▶ withdrawn
import { assign, setup } from 'xstate';
import { z } from 'zod';
import { ROLES } from './events.js';
import { IsoDate, safeText } from './types.js';
import { stepDeadlines, type ApprovalConfig, type StepMiss } from './approval.js';

export const RECIPIENTS_MACHINE_VERSION = 1;
export const RECIPIENT_STATES = ['proposed', 'approved', 'rejected', 'withdrawn'] as const;
export type RecipientState = (typeof RECIPIENT_STATES)[number];

export type RecipientsContext = {
  list: string;
  template: string;
  entries: number;
  proposed: { by: string; at: string };
  stepEnteredAt: string;
  decision: { by: string; at: string; feedback?: string } | null;
  withdrawn: { by: string; at: string; reason: string } | null;
  slaBreaches: StepMiss[];
  escalations: StepMiss[];
};
export type RecipientsInput = { list: string; template: string; entries: number; by: string; at: string };

const meta = { at: IsoDate, by: safeText('by (who acted: a user name)', { max: 64 }), role: z.enum(ROLES) };
/** What the engine found when the CRO decided: each problem names the entry and what is wrong. */
export const ListCheck = z.object({ problems: z.array(z.string().max(1_000)).max(10_000), templateState: z.string().max(40) }).strict();
export type ListCheck = z.infer<typeof ListCheck>;
export const RecipientsApproveEvent = z.object({ type: z.literal('RECIPIENTS_APPROVE'), ...meta, check: ListCheck }).strict();
export const RecipientsRejectEvent = z.object({ type: z.literal('RECIPIENTS_REJECT'), ...meta, feedback: safeText('feedback (why these are not the right recipients)', { multiline: true }) }).strict();
export const RecipientsWithdrawEvent = z.object({ type: z.literal('RECIPIENTS_WITHDRAW'), ...meta, reason: safeText('reason', { multiline: true }) }).strict();
export const RecipientsCommandEvent = z.discriminatedUnion('type', [RecipientsApproveEvent, RecipientsRejectEvent, RecipientsWithdrawEvent]);
export type RecipientsCommandEvent = z.infer<typeof RecipientsCommandEvent>;
export type RecipientsEvent = RecipientsCommandEvent | { type: `xstate.after.${string}`; at: string; by: 'system'; role: 'system' };
export const RECIPIENTS_PERMISSIONS = {
  RECIPIENTS_PROPOSED: ['sales.ops'], RECIPIENTS_APPROVE: ['cro'], RECIPIENTS_REJECT: ['cro'], RECIPIENTS_WITHDRAW: ['sales.ops', 'cro'],
} as const;

const ms = (iso: string) => Date.parse(iso);
const until = (dueMs: number, atIso: string) => Math.max(1, dueMs - ms(atIso));

export function createRecipientsMachine(cfg: ApprovalConfig) {
  const missOf = (c: RecipientsContext, at: string, which: 'slaDueAt' | 'escalateAt') =>
    ({ step: 'cro' as const, round: 1, dueAt: stepDeadlines(c.stepEnteredAt, cfg)[which], at });
  return setup({
    types: {} as { context: RecipientsContext; events: RecipientsEvent; input: RecipientsInput },
    guards: {
      croApprovesClean: ({ event }) => event.role === 'cro' && event.type === 'RECIPIENTS_APPROVE' && event.check.problems.length === 0,
      isCro: ({ event }) => event.role === 'cro',
      mayWithdraw: ({ event }) => event.role === 'sales.ops' || event.role === 'cro',
    },
    delays: {
      // Armed by the initial state: the event is XState's init, which has no `at`; the list's proposal time is it.
      STEP_SLA: ({ context, event }) => until(ms(stepDeadlines(context.stepEnteredAt, cfg).slaDueAt), (event as { at?: string }).at ?? context.stepEnteredAt),
      STEP_ESCALATION: ({ context, event }) => until(ms(stepDeadlines(context.stepEnteredAt, cfg).escalateAt), (event as { at?: string }).at ?? context.stepEnteredAt),
    },
    actions: {
      flagSla: assign(({ context, event }) => ({ slaBreaches: [...context.slaBreaches, missOf(context, event.at, 'slaDueAt')] })),
      escalate: assign(({ context, event }) => ({ escalations: [...context.escalations, missOf(context, event.at, 'escalateAt')] })),
      approve: assign(({ event }) => ({ decision: { by: event.by, at: event.at } })),
      reject: assign(({ event }) => ({ decision: { by: event.by, at: event.at, feedback: (event as { feedback?: string }).feedback ?? '' } })),
      withdraw: assign(({ event }) => ({ withdrawn: { by: event.by, at: event.at, reason: (event as { reason?: string }).reason ?? '' } })),
    },
  }).createMachine({
    id: 'recipients',
    context: ({ input }) => ({
      list: input.list, template: input.template, entries: input.entries, proposed: { by: input.by, at: input.at }, stepEnteredAt: input.at,
      decision: null, withdrawn: null, slaBreaches: [], escalations: [],
    }),
    initial: 'proposed',
    states: {
      proposed: {
        after: { STEP_SLA: { actions: 'flagSla' }, STEP_ESCALATION: { actions: 'escalate' } },
        on: {
          RECIPIENTS_APPROVE: { guard: 'croApprovesClean', target: 'approved', actions: 'approve' },
          RECIPIENTS_REJECT: { guard: 'isCro', target: 'rejected', actions: 'reject' },
          RECIPIENTS_WITHDRAW: { guard: 'mayWithdraw', target: 'withdrawn', actions: 'withdraw' },
        },
      },
      approved: { on: { RECIPIENTS_WITHDRAW: { guard: 'mayWithdraw', target: 'withdrawn', actions: 'withdraw' } } },
      rejected: { type: 'final' },
      withdrawn: { type: 'final' },
    },
  });
}
export type RecipientsMachine = ReturnType<typeof createRecipientsMachine>;

export function explainRecipients(state: RecipientState, ctx: RecipientsContext, event: RecipientsCommandEvent): string {
  const id = ctx.list;
  const verb = event.type === 'RECIPIENTS_APPROVE' ? 'approve' : event.type === 'RECIPIENTS_REJECT' ? 'reject' : 'withdraw';
  if (event.type !== 'RECIPIENTS_WITHDRAW' && state !== 'proposed') return `cannot ${verb} ${id}: it is ${state} already`;
  if (event.type === 'RECIPIENTS_WITHDRAW' && (state === 'rejected' || state === 'withdrawn')) return `cannot withdraw ${id}: it is ${state}`;
  const need = event.type === 'RECIPIENTS_WITHDRAW' ? 'sales.ops or the CRO' : 'the CRO';
  const roleOk = event.type === 'RECIPIENTS_WITHDRAW' ? event.role === 'sales.ops' || event.role === 'cro' : event.role === 'cro';
  if (!roleOk) return `cannot ${verb} ${id}: that is for ${need} (HO 5.4.1); ${event.by} acts as ${event.role}`;
  if (event.type === 'RECIPIENTS_APPROVE' && event.check.problems.length) {
    const n = event.check.problems.length;
    return `cannot approve ${id}: ${n} problem${n === 1 ? '' : 's'} with it for ${ctx.template} (HO 5.4.1 "does the recipient list match our ICP definition?"; HO 3.5 suppression): ${event.check.problems.join('; ')}. Propose a list without them (ladder recipients propose)`;
  }
  return `cannot ${verb} ${id}`;
}
