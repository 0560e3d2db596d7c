// The email side of an account (HO 5.2, 5.5, 5.6): which sequence it is in, when each touch falls due, and what
// each reply does. One XState machine per account, driven by the ladder: the engine hands it the sequence the
// account's stage calls for (STAGE) whenever that changes, in the ladder transition's own transaction. Pure: no
// I/O, no clock; time arrives on every event, the settings (cadences, SLAs, holidays) when the machine is made.
//
//   idle ──STAGE (a sent sequence)──▶ active ──NEXT_TOUCH (more)──▶ active ── … ──NEXT_TOUCH (last)──▶ complete
//   complete ──RUN_COMPLETE──▶ cooldown (Nurture) ──COOLDOWN──▶ active (Re-engagement)
//                            ╲─▶ croTask (Activation: CRO direct outreach)   ╲─▶ idle + archive (Re-engagement)
//   any ──REPLY hot/not-now/referral/objection──▶ stopped    ──REPLY ooo / warm──▶ paused.ooo / paused.warm
//   any ──REPLY wrong-person──▶ awaitingContact ──SEQUENCE_CONTACT──▶ active (fresh run, new contact)
//   any ──REPLY hostile / opt-out──▶ suppressed (the engine disqualifies the account and suppresses the contact)
//
// Every touch is a durable `after` timer the engine persists and the sweep fires; when it fires, the engine
// plans the send (the sends table) in the same transaction. Each reply opens a task for its handler with the
// SOP's SLA: a delayed TASK_DUE the engine persists the same way; it flags a breach, never moves anything.
import { and, assign, raise, setup } from 'xstate';
import { z } from 'zod';
import { ROLES } from './events.js';
import { IsoDate, safeText } from './types.js';
import { contactKey } from './rules/contact.js';
import { parseInstant } from './rules/instant.js';
import { addBusinessDays } from './rules/business-days.js';
import {
  REPLY_CATEGORIES, SENT_SEQUENCES, oooResume, slaDue, touchSchedule,
  type ReplyCategory, type SentSequence, type SequenceConfig, type SequenceName,
} from './sequence-config.js';

/** Bumped whenever a stored snapshot of the previous version would not restore as is. */
export const SEQUENCE_MACHINE_VERSION = 1;
export const SEQUENCE_STATES = ['idle', 'active', 'complete', 'cooldown', 'paused', 'stopped', 'awaitingContact', 'croTask', 'suppressed'] as const;
export type SequenceState = (typeof SEQUENCE_STATES)[number];

export type TaskKind = 'engage' | 'one-pager' | 'follow-up' | 'acknowledge' | 'reach-out' | 'warm-intro' | 'research' | 'respond' | 'remove' | 'direct-outreach' | 'post-briefing';
export type Task = {
  id: number; kind: TaskKind; role: 'cro' | 'sales.ops'; category: ReplyCategory | null; what: string;
  openedAt: string; dueAt: string; doneAt: string | null; doneBy: string | null; breachedAt: string | null;
};
export type Reply = {
  category: ReplyCategory; contact: string; at: string; by: string; sequence: SentSequence | null; step: number;
  returnDate?: string; timeline?: string; referral?: string; objection?: string; note?: string;
};
export type SequenceContext = {
  account: string;
  /** The sequence the account's stage calls for (HO 5.2), as the ladder last said. */
  target: SequenceName | null;
  stage: string;
  /** The run in progress (active, complete or paused), or null. */
  sequence: SentSequence | null;
  /** Runs so far: a run's touches are numbered within it (each send's Message-ID names both). */
  run: number;
  /** Who the run writes to: a new contact after a wrong-person reply; null: the recipient list's. */
  contact: string | null;
  schedule: string[];
  /** Touches of the run planned so far (the next touch is schedule[next]). */
  next: number;
  pause: { reason: 'ooo' | 'warm-positive'; at: string; resumeAt: string | null } | null;
  /** A not-now reply's trigger (HO 5.6 #3). */
  wakeAt: string | null;
  replies: Reply[];
  tasks: Task[];
  completed: { sequence: SentSequence; run: number; at: string; how: 'no-response' | 'reply' }[];
  /** Set when a Re-engagement ends with no response: the engine archives the account (HO 5.6 #10). */
  outcome: { archive: string; at: string } | null;
  /** A hostile or opt-out reply: never re-engaged, no reply acted on again (HO 5.6 #7-8). */
  suppressedAt: string | null;
};
export type SequenceInput = { account: string; at: string };

const meta = { at: IsoDate, by: safeText('by (who acted: a user name)', { max: 64 }), role: z.enum(ROLES) };
const contact = (what: string) => z.string({ error: `${what}: expected a LinkedIn profile URL or an e-mail address` }).transform((raw, ctx) => {
  const k = contactKey(raw);
  if (!k.ok) { ctx.addIssue({ code: 'custom', message: `${what}: ${k.error}` }); return z.NEVER; }
  return k.key;
});
const date = (what: string) => z.string({ error: `${what}: expected a date (YYYY-MM-DD)` }).superRefine((s, ctx) => {
  const r = parseInstant(s);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: `${what}: ${r.error}` });
});

export const ReplyEvent = z.object({
  type: z.literal('REPLY'), ...meta,
  category: z.enum(REPLY_CATEGORIES, { error: `category: expected one of ${REPLY_CATEGORIES.join(', ')}` }),
  contact: contact('contact'),
  returnDate: date('returnDate (--return-date)').optional(),
  timeline: date('timeline (--timeline)').optional(),
  referral: contact('referral (--referral)').optional(),
  objection: safeText('objection (--objection: the kind of pushback, e.g. "already covered")', { max: 100 }).optional(),
  note: safeText('note', { multiline: true }).optional(),
}).strict().superRefine((e, ctx) => {
  const need = (field: 'returnDate' | 'timeline' | 'referral' | 'objection', flag: string, why: string) => {
    if (e[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${field}: a ${e.category} reply needs ${flag} (${why})` });
  };
  if (e.category === 'ooo') need('returnDate', '--return-date YYYY-MM-DD', 'HO 5.6 #9: resume 2 business days after it');
  if (e.category === 'not-now') need('timeline', '--timeline YYYY-MM-DD', 'HO 5.6 #3: the trigger falls 6 weeks before it');
  if (e.category === 'wrong-person-referral') need('referral', '--referral URL-or-email', 'HO 5.6 #4: the person they named');
  if (e.category === 'objection') need('objection', '--objection TYPE', 'HO 5.6 #6: logged for pattern analysis');
});
export const TaskDoneEvent = z.object({ type: z.literal('TASK_DONE'), ...meta, task: z.number({ error: 'task: expected a task number (ladder sequence show ACCOUNT)' }).int().min(1), note: safeText('note', { multiline: true }).optional() }).strict();
export const SequenceResumeEvent = z.object({ type: z.literal('SEQUENCE_RESUME'), ...meta, reason: safeText('reason', { multiline: true }), delivered: z.number().int().min(0).optional() }).strict();
export const SequenceContactEvent = z.object({ type: z.literal('SEQUENCE_CONTACT'), ...meta, contact: contact('contact') }).strict();
export const SequenceCommandEvent = z.discriminatedUnion('type', [ReplyEvent, TaskDoneEvent, SequenceResumeEvent, SequenceContactEvent]);
export type SequenceCommandEvent = z.infer<typeof SequenceCommandEvent>;

/** The engine's own events: the stage's sequence (from the ladder), a task's SLA, the machine's timers. */
export type StageEvent = { type: 'STAGE'; at: string; by: string; role: string; target: SequenceName | null; stage: string };
export type TaskDueEvent = { type: 'TASK_DUE'; at: string; by: 'system'; role: 'system'; task: number };
export type SequenceTimerEvent = { type: `xstate.after.${string}`; at: string; by: 'system'; role: 'system'; delivered?: number };
export type SequenceEvent = SequenceCommandEvent | StageEvent | TaskDueEvent | SequenceTimerEvent;

export const SEQUENCE_PERMISSIONS = {
  REPLY: ['sales.ops', 'cro'], TASK_DONE: ['sales.ops', 'cro'], SEQUENCE_RESUME: ['sales.ops', 'cro'], SEQUENCE_CONTACT: ['sales.ops'],
  STAGE: ['system'], TASK_DUE: ['system'], SEQUENCE_OPENED: ['system'],
} as const;

const DAY = 86_400_000;
const ms = (iso: string) => Date.parse(iso);
const iso = (n: number) => new Date(n).toISOString();
const until = (dueMs: number, atIso: string) => Math.max(1, dueMs - ms(atIso));
const isSent = (t: SequenceName | null): t is SentSequence => t !== null && (SENT_SEQUENCES as readonly string[]).includes(t);

/** HO 5.6: each category's handler and what the task asks of them. */
const HANDLER: Record<Exclude<ReplyCategory, 'ooo' | 'no-response'>, { kind: TaskKind; role: 'cro' | 'sales.ops'; what: string }> = {
  'hot-positive': { kind: 'engage', role: 'cro', what: 'engage: "let\'s talk" — move to the Briefing (HO 5.6 #1)' },
  'warm-positive': { kind: 'one-pager', role: 'cro', what: 'send the Assessment one-pager and a calendar link (HO 5.6 #2)' },
  'not-now': { kind: 'acknowledge', role: 'cro', what: 'acknowledge; one value piece in the interim (HO 5.6 #3)' },
  'wrong-person-referral': { kind: 'warm-intro', role: 'cro', what: 'thank them; warm intro to the referral with them as reference (HO 5.6 #4)' },
  'wrong-person': { kind: 'research', role: 'sales.ops', what: 'thank them; research the org for the right contact, then ladder sequence contact (HO 5.6 #5)' },
  objection: { kind: 'respond', role: 'cro', what: 'respond personally with a tailored acknowledgment; never auto-continue (HO 5.6 #6)' },
  hostile: { kind: 'remove', role: 'sales.ops', what: 'removed, suppressed and disqualified by Ladder at once (HO 5.6 #7)' },
  'opt-out': { kind: 'remove', role: 'sales.ops', what: 'removed from all sales sequences, suppressed, flagged on the board by Ladder at once (HO 5.6 #8)' },
};

export function createSequenceMachine(cfg: SequenceConfig) {
  const s = cfg.sequences;
  const openTask = (c: SequenceContext, t: Omit<Task, 'id' | 'openedAt' | 'dueAt' | 'doneAt' | 'doneBy' | 'breachedAt'>, at: string, dueAt: string, done = false): Task[] =>
    [...c.tasks, { ...t, id: c.tasks.length + 1, openedAt: at, dueAt, doneAt: done ? at : null, doneBy: done ? 'ladder' : null, breachedAt: null }];
  const replyOf = (c: SequenceContext, e: z.infer<typeof ReplyEvent>): Reply => ({
    category: e.category, contact: e.contact, at: e.at, by: e.by, sequence: c.sequence, step: c.next,
    ...(e.returnDate ? { returnDate: e.returnDate } : {}), ...(e.timeline ? { timeline: e.timeline } : {}),
    ...(e.referral ? { referral: e.referral } : {}), ...(e.objection ? { objection: e.objection } : {}), ...(e.note ? { note: e.note } : {}),
  });
  const run = (c: SequenceContext, sequence: SentSequence, at: string, contactKey: string | null) =>
    ({ sequence, run: c.run + 1, schedule: touchSchedule(at, s.cadences[sequence], cfg), next: 0, pause: null, contact: contactKey, wakeAt: null, outcome: null });
  const ended = { sequence: null, schedule: [], next: 0, pause: null };
  const lastTouchAt = (c: SequenceContext) => c.schedule[c.next - 1] ?? c.schedule.at(-1) ?? null;
  const r = (e: SequenceEvent) => e as z.infer<typeof ReplyEvent>;
  const cat = (...cats: ReplyCategory[]) => ({ context, event }: { context: SequenceContext; event: SequenceEvent }) =>
    context.suppressedAt === null && event.type === 'REPLY' && cats.includes(event.category);

  return setup({
    types: {} as { context: SequenceContext; events: SequenceEvent; input: SequenceInput },
    guards: {
      suppressing: cat('hostile', 'opt-out'),
      hot: cat('hot-positive'),
      warm: cat('warm-positive'),
      notNow: cat('not-now'),
      referral: cat('wrong-person-referral'),
      wrongPerson: cat('wrong-person'),
      objection: cat('objection'),
      ooo: cat('ooo'),
      noResponse: cat('no-response'),
      /** A run is in progress (active, complete, paused): there is something to pause or complete. */
      running: ({ context }) => context.sequence !== null,
      moreTouches: ({ context }) => context.next + 1 < context.schedule.length,
      leftToSend: ({ context, event }) => deliveredOf(event, context) < (context.sequence ? s.cadences[context.sequence].length : 0),
      wasNurture: ({ context }) => context.sequence === 'Nurture-MQL',
      wasActivation: ({ context }) => context.sequence === 'Activation-SQL',
      sameTarget: ({ context, event }) => event.type === 'STAGE' && event.target === context.target,
      toSent: ({ event }) => event.type === 'STAGE' && isSent(event.target),
      toPostBriefing: ({ event }) => event.type === 'STAGE' && event.target === 'Post-Briefing',
      toNone: ({ event }) => event.type === 'STAGE' && event.target === null,
      targetSent: ({ context }) => isSent(context.target),
      taskOpen: ({ context, event }) => event.type === 'TASK_DUE' && context.tasks.some((t) => t.id === event.task && !t.doneAt && !t.breachedAt),
      canClose: ({ context, event }) => event.type === 'TASK_DONE' && context.tasks.some((t) => t.id === event.task && !t.doneAt && t.role === event.role),
      taskTimer: ({ event }) => event.type === 'TASK_DUE',
    },
    delays: {
      NEXT_TOUCH: ({ context, event }) => until(ms(context.schedule[context.next] ?? event.at), event.at),
      RUN_COMPLETE: ({ context, event }) => until(ms(lastTouchAt(context) ?? event.at) + s.completeAfterDays * DAY, event.at),
      COOLDOWN: () => s.cooldownDays * DAY,
      OOO_RESUME: ({ context, event }) => until(ms(context.pause?.resumeAt ?? event.at), event.at),
      WARM_FOLLOW_UP: () => s.warmFollowUpDays * DAY,
      NOT_NOW_WAKE: ({ context, event }) => until(ms(context.wakeAt ?? event.at), event.at),
    },
    actions: {
      noteStage: assign(({ event }) => event.type === 'STAGE' ? { target: event.target, stage: event.stage } : {}),
      enrol: assign(({ context, event }) => {
        const target = event.type === 'STAGE' ? event.target : context.target;
        return isSent(target) ? run(context, target, event.at, event.type === 'SEQUENCE_CONTACT' ? event.contact : null) : {};
      }),
      enrolReengagement: assign(({ context, event }) => run(context, 'Re-engagement', event.at, context.contact)),
      planTouch: assign(({ context }) => ({ next: context.next + 1 })),
      end: assign(() => ended),
      suppress: assign(({ event }) => ({ suppressedAt: event.at })),
      finish: assign(({ context, event }) => ({
        completed: context.sequence ? [...context.completed, { sequence: context.sequence, run: context.run, at: event.at, how: event.type === 'REPLY' ? 'reply' as const : 'no-response' as const }] : context.completed,
      })),
      archive: assign(({ event }) => ({ outcome: { archive: 'Re-engagement complete with no response (HO 5.6 #10)', at: event.at } })),
      croOutreach: assign(({ context, event }) => ({
        tasks: openTask(context, { kind: 'direct-outreach', role: 'cro', category: null, what: 'Activation complete: CRO direct outreach (HO 5.2)' }, event.at, addBusinessDays(event.at, s.croTaskBusinessDays, cfg.holidays)),
      })),
      postBriefing: assign(({ context, event }) => ({
        tasks: openTask(context, { kind: 'post-briefing', role: 'cro', category: null, what: 'Briefing held: personalize the Post-Briefing framework template and send it yourself (HO 5.2)' }, event.at, addBusinessDays(event.at, s.croTaskBusinessDays, cfg.holidays)),
      })),
      logReply: assign(({ context, event }) => ({ replies: [...context.replies, replyOf(context, r(event))] })),
      handle: assign(({ context, event }) => {
        const e = r(event);
        if (e.category === 'ooo' || e.category === 'no-response') return {};
        const h = HANDLER[e.category];
        const sla = s.replySla[e.category];
        const immediate = e.category === 'hostile' || e.category === 'opt-out';
        return { tasks: openTask(context, { ...h, category: e.category }, e.at, slaDue(e.at, sla, cfg.holidays), immediate) };
      }),
      /** The newest task's SLA — every task has one (HO 5.6): a delayed TASK_DUE the engine persists (no `after`: tasks outlive states). */
      armTask: raise(({ context }) => ({ type: 'TASK_DUE' as const, at: '', by: 'system' as const, role: 'system' as const, task: context.tasks.at(-1)!.id }),
        { id: 'task', delay: ({ context, event }) => until(ms(context.tasks.at(-1)!.dueAt), event.at) }),
      pauseOoo: assign(({ context, event }) => ({ pause: { reason: 'ooo' as const, at: event.at, resumeAt: oooResume(r(event).returnDate!, cfg) }, next: deliveredOf(event, context) })),
      pauseWarm: assign(({ context, event }) => ({ pause: { reason: 'warm-positive' as const, at: event.at, resumeAt: null }, next: deliveredOf(event, context) })),
      followUp: assign(({ context, event }) => ({
        tasks: openTask(context, { kind: 'follow-up', role: 'cro', category: 'warm-positive', what: `no Briefing booked ${s.warmFollowUpDays} days after a warm reply: follow up (HO 5.6 #2)` }, event.at, slaDue(event.at, s.replySla['warm-positive'], cfg.holidays)),
      })),
      resume: assign(({ context, event }) => {
        // The touches not yet handed over start again from the resume day, keeping their spacing.
        const done = deliveredOf(event, context);
        const cadence = context.sequence ? s.cadences[context.sequence] : [];
        const rest = cadence.slice(done);
        const shifted = rest.map((d) => d - (rest[0] ?? 1) + 1);
        return { schedule: [...context.schedule.slice(0, done), ...touchSchedule(event.at, shifted, cfg)], next: done, pause: null };
      }),
      setWake: assign(({ event }) => ({ wakeAt: iso(Math.max(ms(event.at) + 1, ms(r(event).timeline!) - s.notNowLeadWeeks * 7 * DAY)) })),
      wake: assign(({ context, event }) => ({
        wakeAt: null,
        tasks: openTask(context, { kind: 'reach-out', role: 'cro', category: 'not-now', what: `their timeline is ${s.notNowLeadWeeks} weeks away: reach out (HO 5.6 #3)` }, event.at, addBusinessDays(event.at, s.croTaskBusinessDays, cfg.holidays)),
      })),
      closeResearch: assign(({ context, event }) => ({
        tasks: context.tasks.map((t) => t.kind === 'research' && !t.doneAt ? { ...t, doneAt: event.at, doneBy: event.by } : t),
      })),
      closeTask: assign(({ context, event }) => ({
        tasks: context.tasks.map((t) => event.type === 'TASK_DONE' && t.id === event.task ? { ...t, doneAt: event.at, doneBy: event.by } : t),
      })),
      /** A task done before its SLA: its timer is recorded, nothing changes. */
      onTime: assign(() => ({})),
      breach: assign(({ context, event }) => ({
        tasks: context.tasks.map((t) => event.type === 'TASK_DUE' && t.id === event.task ? { ...t, breachedAt: event.at } : t),
      })),
    },
  }).createMachine({
    id: 'sequence',
    context: ({ input }) => ({
      account: input.account, target: null, stage: 'PROSPECT', sequence: null, run: 0, contact: null, schedule: [], next: 0,
      pause: null, wakeAt: null, replies: [], tasks: [], completed: [], outcome: null, suppressedAt: null,
    }),
    initial: 'idle',
    on: {
      REPLY: [
        { guard: 'suppressing', target: '.suppressed', actions: ['logReply', 'end', 'handle', 'suppress'] },
        { guard: 'hot', target: '.stopped', actions: ['logReply', 'end', 'handle', 'armTask'] },
        { guard: and(['warm', 'running']), target: '.paused.warm', actions: ['logReply', 'pauseWarm', 'handle', 'armTask'] },
        { guard: 'warm', actions: ['logReply', 'handle', 'armTask'] },
        { guard: 'notNow', target: '.stopped.notNow', actions: ['logReply', 'end', 'handle', 'armTask', 'setWake'] },
        { guard: 'referral', target: '.stopped', actions: ['logReply', 'end', 'handle', 'armTask'] },
        { guard: 'wrongPerson', target: '.awaitingContact', actions: ['logReply', 'end', 'handle', 'armTask'] },
        { guard: 'objection', target: '.stopped', actions: ['logReply', 'end', 'handle', 'armTask'] },
        { guard: and(['ooo', 'running']), target: '.paused.ooo', actions: ['logReply', 'pauseOoo'] },
        // An OOO auto-reply while no run is in progress pauses nothing: it is logged.
        { guard: 'ooo', actions: 'logReply' },
        { guard: and(['noResponse', 'running', 'wasNurture']), target: '.cooldown', actions: ['logReply', 'finish', 'end'] },
        { guard: and(['noResponse', 'running', 'wasActivation']), target: '.croTask', actions: ['logReply', 'finish', 'end', 'croOutreach', 'armTask'] },
        { guard: and(['noResponse', 'running']), target: '.idle', actions: ['logReply', 'finish', 'archive', 'end'] },
      ],
      TASK_DONE: { guard: 'canClose', actions: 'closeTask' },
      // A task's SLA passing: flagged on the task, nothing else moves. A task done in time ignores it.
      TASK_DUE: [{ guard: 'taskOpen', actions: 'breach' }, { guard: 'taskTimer', actions: 'onTime' }],
    },
    states: {
      idle: { on: { STAGE: stageRules() } },
      active: {
        after: {
          NEXT_TOUCH: [
            { guard: 'moreTouches', target: 'active', reenter: true, actions: 'planTouch' },
            { target: 'complete', actions: 'planTouch' },
          ],
        },
        on: { STAGE: stageRules() },
      },
      complete: {
        after: {
          RUN_COMPLETE: [
            { guard: 'wasNurture', target: 'cooldown', actions: ['finish', 'end'] },
            { guard: 'wasActivation', target: 'croTask', actions: ['finish', 'end', 'croOutreach', 'armTask'] },
            { target: 'idle', actions: ['finish', 'archive', 'end'] },
          ],
        },
        on: { STAGE: stageRules() },
      },
      cooldown: {
        // A stage that calls for another sequence ends the cooldown first (STAGE), so when it passes the account is
        // still an MQL: Re-engagement (HO 5.6 #10).
        after: { COOLDOWN: { target: 'active', actions: 'enrolReengagement' } },
        on: { STAGE: stageRules() },
      },
      paused: {
        initial: 'ooo',
        on: { STAGE: stageRules() },
        states: {
          ooo: { after: { OOO_RESUME: resumeRules() } },
          warm: {
            after: { WARM_FOLLOW_UP: { actions: ['followUp', 'armTask'] } },
            on: { SEQUENCE_RESUME: resumeRules() },
          },
        },
      },
      // Pulled from every sequence by a reply: never auto-continued (HO 5.6 #1, #3, #4, #6). The account leaving
      // the stages Ladder writes to ends the hold; a person (SEQUENCE_RESUME) may restart the stage's sequence.
      stopped: {
        initial: 'held',
        on: {
          STAGE: [{ guard: 'toNone', target: 'idle', actions: 'noteStage' }, { actions: 'noteStage' }],
          SEQUENCE_RESUME: { guard: 'targetSent', target: 'active', actions: 'enrol' },
        },
        states: {
          held: {},
          notNow: { after: { NOT_NOW_WAKE: { target: 'held', actions: ['wake', 'armTask'] } } },
        },
      },
      awaitingContact: {
        on: {
          STAGE: [{ guard: 'toNone', target: 'idle', actions: 'noteStage' }, { actions: 'noteStage' }],
          SEQUENCE_CONTACT: { guard: 'targetSent', target: 'active', actions: ['enrol', 'closeResearch'] },
        },
      },
      croTask: { on: { STAGE: stageRules() } },
      // HO 5.6 #7-8: never re-engaged. The stage is still noted (history), nothing else.
      suppressed: { on: { STAGE: { actions: 'noteStage' } } },
    },
  });
}
export type SequenceMachine = ReturnType<typeof createSequenceMachine>;

/** What a STAGE does outside a reply's hold: the stage's sequence starts; leaving it ends the run. */
function stageRules() {
  return [
    { guard: 'sameTarget', actions: 'noteStage' },
    { guard: 'toSent', target: '#sequence.active', actions: ['noteStage', 'end', 'enrol'] },
    { guard: 'toPostBriefing', target: '#sequence.croTask', actions: ['noteStage', 'end', 'postBriefing', 'armTask'] },
    { target: '#sequence.idle', actions: ['noteStage', 'end'] },
  ] as const;
}

/** A resumed run goes on with its touches not yet handed over, or straight to waiting for a reply. */
function resumeRules() {
  return [
    { guard: 'leftToSend', target: '#sequence.active', actions: 'resume' },
    { target: '#sequence.complete', actions: 'resume' },
  ] as const;
}

/** Touches of the run already handed to an executor (the engine counts them onto a pause or resume event). */
function deliveredOf(event: SequenceEvent, c: SequenceContext): number {
  const d = (event as { delivered?: number }).delivered;
  return typeof d === 'number' ? Math.min(d, c.next) : c.next;
}

/** The state as one label: "paused.ooo", "stopped.notNow", "active". */
export function sequenceStateOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const [k, v] = Object.entries(value as Record<string, unknown>)[0]!;
  return v === 'held' ? k : `${k}.${sequenceStateOf(v)}`;
}

/** Why the sequence machine does not take an event, in the SOP's words (the engine records it). */
export function explainSequence(state: string, c: SequenceContext, event: SequenceCommandEvent): string {
  const where = `${c.account} is ${state === 'idle' ? 'in no sequence' : state === 'active' ? `in ${c.sequence} (touch ${c.next} of ${c.schedule.length} planned)` : state}`;
  switch (event.type) {
    case 'REPLY':
      if (state === 'suppressed') return `cannot record a ${event.category} reply for ${c.account}: it is suppressed (HO 3.5, 5.6); a reply is never acted on`;
      if (event.category === 'no-response') return `cannot record no-response for ${c.account}: ${where}; no-response closes a run whose touches are all planned (HO 5.6 #10)`;
      return `cannot record a ${event.category} reply for ${c.account}: ${where}`;
    case 'TASK_DONE': {
      const t = c.tasks.find((x) => x.id === event.task);
      if (!t) return `cannot close task ${event.task} of ${c.account}: it has ${c.tasks.length} task${c.tasks.length === 1 ? '' : 's'} (ladder sequence show ${c.account})`;
      if (t.doneAt) return `cannot close task ${event.task} of ${c.account}: it was done at ${t.doneAt} by ${t.doneBy}`;
      return `cannot close task ${event.task} of ${c.account}: it is for ${t.role === 'cro' ? 'the CRO' : 'sales.ops'} (HO 5.6), and ${event.by} acts as ${event.role}`;
    }
    case 'SEQUENCE_RESUME':
      if (state === 'paused.ooo') return `cannot resume ${c.account}: it is paused for an out-of-office until ${c.pause?.resumeAt} and resumes by itself then (HO 5.6 #9)`;
      if (state.startsWith('stopped') || state === 'paused.warm') return `cannot resume ${c.account}: its stage (${c.stage}) calls for no sequence Ladder sends`;
      return `cannot resume ${c.account}: ${where}; only a paused or stopped sequence is resumed`;
    case 'SEQUENCE_CONTACT':
      if (state !== 'awaitingContact') return `cannot set a new contact for ${c.account}: ${where}; a new contact follows a wrong-person reply (HO 5.6 #5)`;
      return `cannot start a fresh sequence for ${c.account}: its stage (${c.stage}) calls for no sequence Ladder sends`;
    default:
      return `${(event as { type: string }).type} is not a sequence event`;
  }
}
