// The JSON API for email-sequence templates, their approval and recipient lists (issue 14), over the engine's
// one door like every other route: who acts comes from the token; the decisions, SLAs and refusals are the
// engine's. A template is sent as its file (text/markdown, ?name=FILE.md).
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import type { Ladder } from '../ladder.js';
import { BadInputError } from '../engine/errors.js';
import type { ActorApplied } from '../engine/actors.js';
import { listRecipientLists, listTemplates, pendingApprovals, showRecipientList, showTemplate } from '../template-queries.js';
import { USER_ROLES } from '../settings/schema.js';
import type { Caller } from './app.js';

const TemplateDecision = z.object({
  type: z.enum(['TEMPLATE_SUBMIT', 'CMO_APPROVE', 'CMO_REJECT', 'CRO_GO', 'CRO_NO_GO', 'TEMPLATE_RETIRE'], { message: 'expected one of TEMPLATE_SUBMIT, CMO_APPROVE, CMO_REJECT, CRO_GO, CRO_NO_GO, TEMPLATE_RETIRE' }),
  feedback: z.string().optional(),
  reason: z.string().optional(),
  expectedVersion: z.number().int().min(0).optional(),
}).strict();
const ListDecision = z.object({
  type: z.enum(['RECIPIENTS_APPROVE', 'RECIPIENTS_REJECT', 'RECIPIENTS_WITHDRAW'], { message: 'expected one of RECIPIENTS_APPROVE, RECIPIENTS_REJECT, RECIPIENTS_WITHDRAW' }),
  feedback: z.string().optional(),
  reason: z.string().optional(),
  expectedVersion: z.number().int().min(0).optional(),
}).strict();
const Proposal = z.object({
  template: z.string().min(1).max(100),
  entries: z.array(z.object({ account: z.string().min(1).max(300), contact: z.string().min(1).max(500) }).strict()).min(1).max(5_000),
  note: z.string().max(2_000).optional(),
}).strict();
const TemplateQuery = z.object({ sequence: z.string().max(60).optional(), state: z.enum(['draft', 'cmoReview', 'croReview', 'approved', 'retired']).optional() }).strict();
const ListQuery = z.object({ template: z.string().max(100).optional(), state: z.enum(['proposed', 'approved', 'rejected', 'withdrawn']).optional() }).strict();
const FileQuery = z.object({ name: z.string().min(1).max(100).regex(/^[\w.-]+$/, 'a file name: letters, digits, ".", "_" or "-"').optional() }).strict();

type Parse = <T>(schema: z.ZodType<T>, body: unknown, where: string) => T;
type Guarded = (o?: { roles?: readonly string[]; types?: readonly string[] }) => { onRequest: onRequestAsyncHookHandler[] };

export function registerTemplatesApi(app: FastifyInstance, ladder: Ladder, h: { guarded: Guarded; parseBody: Parse; refuseIdentity: (body: Record<string, unknown>, fields: readonly ('by' | 'role' | 'at')[]) => void }): void {
  const engine = ladder.engine;
  const caller = (req: FastifyRequest) => req.caller as Caller;
  const meta = (req: FastifyRequest, expectedVersion?: number) => ({ by: caller(req).name, role: caller(req).role, now: req.now, source: 'api' as const, expectedVersion });
  const readers = h.guarded({ roles: USER_ROLES });
  const answer = (reply: FastifyReply, r: ActorApplied, created = false) => reply.status(created && r.status === 'applied' ? 201 : 200).header('ETag', `"v${r.version}"`).send(r);
  const object = (body: unknown) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadInputError('body: expected a JSON object', 'body');
    h.refuseIdentity(body as Record<string, unknown>, ['by', 'role', 'at']);
    return body;
  };

  app.get('/api/templates', readers, async (req) => listTemplates(engine, h.parseBody(TemplateQuery, req.query, 'query')));
  app.get<{ Params: { id: string } }>('/api/templates/:id', readers, async (req, reply) => {
    const t = showTemplate(engine, req.params.id);
    return reply.header('ETag', `"v${t.version_}"`).send(t);
  });
  app.post('/api/templates', h.guarded({ roles: ['category.positioning'], types: ['text/markdown'] }), async (req, reply) => {
    const { name } = h.parseBody(FileQuery, req.query, 'query');
    if (typeof req.body !== 'string' || !req.body.trim()) throw new BadInputError('body: the template file (text/markdown): front matter and body', 'body');
    const r = engine.templates.add({ name: name ?? 'template.md', text: req.body }, meta(req));
    return reply.status(r.duplicate ? 200 : 201).send(r);
  });
  app.post<{ Params: { id: string } }>('/api/templates/:id/decisions', h.guarded({ types: ['application/json'] }), async (req, reply) => {
    const { expectedVersion, ...d } = h.parseBody(TemplateDecision, object(req.body), 'body');
    return answer(reply, engine.templates.decide(req.params.id, d, meta(req, expectedVersion)));
  });

  app.get('/api/recipient-lists', readers, async (req) => listRecipientLists(engine, h.parseBody(ListQuery, req.query, 'query')));
  app.get<{ Params: { id: string } }>('/api/recipient-lists/:id', readers, async (req, reply) => {
    const l = showRecipientList(engine, req.params.id);
    return reply.header('ETag', `"v${l.version}"`).send(l);
  });
  app.post('/api/recipient-lists', h.guarded({ roles: ['sales.ops'], types: ['application/json'] }), async (req, reply) => {
    const p = h.parseBody(Proposal, object(req.body), 'body');
    return answer(reply, engine.templates.proposeRecipients(p, meta(req)), true);
  });
  app.post<{ Params: { id: string } }>('/api/recipient-lists/:id/decisions', h.guarded({ types: ['application/json'] }), async (req, reply) => {
    const { expectedVersion, ...d } = h.parseBody(ListDecision, object(req.body), 'body');
    return answer(reply, engine.templates.decideRecipients(req.params.id, d, meta(req, expectedVersion)));
  });

  /** What waits for whom now, most urgent first (HO 5.4.4). */
  app.get('/api/approvals/pending', readers, async (req) => pendingApprovals(engine, req.now));
}
