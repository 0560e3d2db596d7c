// Deliverability (HO 5.5): one machine for the sending mailbox. A bounce rate over the threshold pauses every
// sequence — the engine measures it when a bounce is recorded and sends BOUNCE_PAUSE with the figures — and only
// an explicit sales.ops resume lets touches go out again. Pure: no I/O, no clock.
//
//   sending ──BOUNCE_PAUSE──▶ paused ──SENDING_RESUME (sales.ops)──▶ sending
import { assign, setup } from 'xstate';
import { z } from 'zod';
import { ROLES } from './events.js';
import { IsoDate, safeText } from './types.js';

export const SENDING_MACHINE_VERSION = 1;
export const SENDING_STATES = ['sending', 'paused'] as const;
export type SendingState = (typeof SENDING_STATES)[number];
export type BounceFigures = { rate: number; bounced: number; sends: number; windowDays: number; maxRate: number };
export type SendingContext = {
  mailbox: string;
  pauses: ({ at: string } & BounceFigures)[];
  resumes: { at: string; by: string; reason: string }[];
};

const meta = { at: IsoDate, by: safeText('by (who acted: a user name)', { max: 64 }), role: z.enum(ROLES) };
export const SendingResumeEvent = z.object({ type: z.literal('SENDING_RESUME'), ...meta, reason: safeText('reason (what was fixed: the list cleaned, the domain checked)', { multiline: true }) }).strict();
export type BouncePauseEvent = { type: 'BOUNCE_PAUSE'; at: string; by: 'system'; role: 'system' } & BounceFigures;
export type SendingEvent = z.infer<typeof SendingResumeEvent> | BouncePauseEvent;
export const SENDING_PERMISSIONS = { SENDING_RESUME: ['sales.ops'], BOUNCE_PAUSE: ['system'], SENDING_OPENED: ['system'] } as const;

export function createSendingMachine() {
  return setup({
    types: {} as { context: SendingContext; events: SendingEvent; input: { mailbox: string } },
    guards: { isOps: ({ event }) => event.role === 'sales.ops' },
    actions: {
      pause: assign(({ context, event }) => event.type !== 'BOUNCE_PAUSE' ? {} : {
        pauses: [...context.pauses, { at: event.at, rate: event.rate, bounced: event.bounced, sends: event.sends, windowDays: event.windowDays, maxRate: event.maxRate }],
      }),
      resume: assign(({ context, event }) => event.type !== 'SENDING_RESUME' ? {} : { resumes: [...context.resumes, { at: event.at, by: event.by, reason: event.reason }] }),
    },
  }).createMachine({
    id: 'sending',
    context: ({ input }) => ({ mailbox: input.mailbox, pauses: [], resumes: [] }),
    initial: 'sending',
    states: {
      sending: { on: { BOUNCE_PAUSE: { target: 'paused', actions: 'pause' } } },
      paused: { on: { SENDING_RESUME: { guard: 'isOps', target: 'sending', actions: 'resume' } } },
    },
  });
}

export function explainSending(state: string, event: { type: string; by: string; role: string }): string {
  if (event.type === 'SENDING_RESUME' && state !== 'paused') return 'cannot resume sending: it is not paused';
  if (event.type === 'SENDING_RESUME') return `cannot resume sending: it is for sales.ops (HO 5.5), and ${event.by} acts as ${event.role}`;
  return `${event.type} is not a sending event`;
}
