// The JSON API for sequences, replies and sends (issue 15), over the engine's one door like every other route:
// who acts comes from the token, never from the body; the effects, SLAs and refusals are the engine's.
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import type { Ladder } from '../ladder.js';
import { BadInputError } from '../engine/errors.js';
import { REPLY_CATEGORIES } from '../../machines/sequence-config.js';
import { normalizeDomain } from '../../machines/rules/domain.js';
import { listSends, sendingStatus, showSequence } from '../sequence-queries.js';
import { USER_ROLES } from '../settings/schema.js';
import type { Caller } from './app.js';

const Reply = z.object({
  contact: z.string().min(1).max(500),
  category: z.enum(REPLY_CATEGORIES, { message: `expected one of ${REPLY_CATEGORIES.join(', ')}` }),
  returnDate: z.string().max(40).optional(),
  timeline: z.string().max(40).optional(),
  referral: z.string().max(500).optional(),
  objection: z.string().max(100).optional(),
  note: z.string().max(4_000).optional(),
}).strict();
const TaskDone = z.object({ note: z.string().max(4_000).optional() }).strict();
const Reason = z.object({ reason: z.string().min(1).max(4_000) }).strict();
const Contact = z.object({ contact: z.string().min(1).max(500) }).strict();
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a calendar date YYYY-MM-DD');
const Record_ = z.object({ outcome: z.enum(['sent', 'bounced'], { message: 'expected sent or bounced' }), reason: z.string().max(2_000).optional() }).strict();
const Due = z.object({ day: Day, preview: z.boolean().optional() }).strict();
const SendsQuery = z.object({ day: Day.optional(), status: z.enum(['planned', 'queued', 'exported', 'sending', 'sent', 'bounced', 'cancelled']).optional(), account: z.string().max(300).optional() }).strict();
const DayQuery = z.object({ day: Day.optional() }).strict();

type Parse = <T>(schema: z.ZodType<T>, body: unknown, where: string) => T;
type Guarded = (o?: { roles?: readonly string[]; types?: readonly string[] }) => { onRequest: onRequestAsyncHookHandler[] };

export function registerSequencesApi(app: FastifyInstance, ladder: Ladder, h: { guarded: Guarded; parseBody: Parse; refuseIdentity: (body: Record<string, unknown>, fields: readonly ('by' | 'role' | 'at')[]) => void }): void {
  const engine = ladder.engine;
  const caller = (req: FastifyRequest) => req.caller as Caller;
  const meta = (req: FastifyRequest) => ({ by: caller(req).name, role: caller(req).role, now: req.now, source: 'api' as const });
  const readers = h.guarded({ roles: USER_ROLES });
  const json = { types: ['application/json'] };
  const object = (body: unknown) => {
    if (body === undefined || body === null) return {};
    if (typeof body !== 'object' || Array.isArray(body)) throw new BadInputError('body: expected a JSON object', 'body');
    h.refuseIdentity(body as Record<string, unknown>, ['by', 'role', 'at']);
    return body;
  };
  const account = (raw: string) => {
    const d = normalizeDomain(raw);
    if (!d.ok) throw new BadInputError(`account: ${d.error}`, 'account');
    return d.domain;
  };
  const idem = (req: FastifyRequest, what: string) => {
    const raw = req.headers['idempotency-key'];
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (key === undefined) return {};
    if (!key || key.length > 200 || !/^[\x21-\x7e]+$/.test(key)) throw new BadInputError('Idempotency-Key: 1 to 200 visible ASCII characters', 'Idempotency-Key');
    return { idempotencyKey: `api:${caller(req).name}:${what}:${key}` };
  };

  /** HO 5.6: a reply and its effect (the sequence, the handler's task and SLA, the ladder). */
  app.post<{ Params: { account: string } }>('/api/accounts/:account/replies', h.guarded({ roles: ['sales.ops', 'cro'], ...json }), async (req, reply) => {
    const body = h.parseBody(Reply, object(req.body), 'body');
    const a = account(req.params.account);
    const r = engine.sequences.reply(a, body, { ...meta(req), ...idem(req, `reply:${a}`) });
    return reply.status(r.status === 'applied' ? 201 : 200).send(r);
  });
  app.get<{ Params: { account: string } }>('/api/accounts/:account/sequence', readers, async (req) => showSequence(engine, account(req.params.account)));
  app.post<{ Params: { account: string; task: string } }>('/api/accounts/:account/sequence/tasks/:task/done', h.guarded({ roles: ['sales.ops', 'cro'], ...json }), async (req) => {
    const { note } = h.parseBody(TaskDone, object(req.body), 'body');
    const task = Number(req.params.task);
    if (!Number.isInteger(task) || task < 1) throw new BadInputError(`task: expected a task number; got ${JSON.stringify(req.params.task)}`, 'task');
    return engine.sequences.command(account(req.params.account), { type: 'TASK_DONE', task, ...(note ? { note } : {}) }, meta(req));
  });
  app.post<{ Params: { account: string } }>('/api/accounts/:account/sequence/resume', h.guarded({ roles: ['sales.ops', 'cro'], ...json }), async (req) =>
    engine.sequences.command(account(req.params.account), { type: 'SEQUENCE_RESUME', ...h.parseBody(Reason, object(req.body), 'body') }, meta(req)));
  app.post<{ Params: { account: string } }>('/api/accounts/:account/sequence/contact', h.guarded({ roles: ['sales.ops'], ...json }), async (req) =>
    engine.sequences.command(account(req.params.account), { type: 'SEQUENCE_CONTACT', ...h.parseBody(Contact, object(req.body), 'body') }, meta(req)));

  app.get('/api/sends', readers, async (req) => {
    const q = h.parseBody(SendsQuery, req.query, 'query');
    return listSends(engine, { ...(q.day ? { day: q.day } : {}), ...(q.status ? { status: q.status } : {}), ...(q.account ? { account: account(q.account) } : {}) });
  });
  app.get('/api/sends/status', readers, async (req) => {
    const q = h.parseBody(DayQuery, req.query, 'query');
    return sendingStatus(engine, q.day ?? req.now.slice(0, 10), req.now);
  });
  /** The day's touches for an external sequencer: planned, rendered, handed over (unless a preview). */
  app.post('/api/sends/due', h.guarded({ roles: ['sales.ops'], ...json }), async (req) => {
    const q = h.parseBody(Due, object(req.body), 'body');
    return engine.sequences.due(q.day, { ...meta(req), preview: q.preview });
  });
  app.post<{ Params: { id: string } }>('/api/sends/:id/record', h.guarded({ roles: ['sales.ops'], ...json }), async (req) => {
    const q = h.parseBody(Record_, object(req.body), 'body');
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id < 1) throw new BadInputError(`id: expected a send number; got ${JSON.stringify(req.params.id)}`, 'id');
    return engine.sequences.record(id, q.outcome, { ...meta(req), ...(q.reason ? { reason: q.reason } : {}) });
  });
  app.post('/api/sends/resume', h.guarded({ roles: ['sales.ops'], ...json }), async (req) =>
    engine.sequences.resumeSending(h.parseBody(Reason, object(req.body), 'body').reason, meta(req)));
}
