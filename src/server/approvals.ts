// The email approvals page (issue 14, HO 5.1 and 5.4): what waits for the signed-in user, most urgent first. The CMO
// sees the messaging approvals, the CRO the GO / NO-GO on Activation versions and the recipient lists, category.positioning
// the drafts sent back to them with feedback; sales.ops and chief.staff see everything, read-only. Each item shows the
// template's subject and body (as text), the content rules' result under the settings in force, the recipient list with
// why each recipient is on it, and the step's SLA and escalation. The decisions go through the engine with the session's
// identity and the version the page showed, after a 303 (post/redirect/get), the engine's own words on a refusal.
// Session, anti-forgery token and flash message are the review page's (review.ts pageKit).
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApprovalContext } from '../../machines/approval.js';
import type { RecipientsContext } from '../../machines/recipients.js';
import { checkTemplate } from '../../machines/templates/rules.js';
import type { ActorApplied } from '../engine/actors.js';
import type { Engine, Refused } from '../engine/engine.js';
import { BadInputError, RefusedError } from '../engine/errors.js';
import type { Ladder } from '../ladder.js';
import { listTemplates, pendingApprovals, showRecipientList, showTemplate, type Pending } from '../template-queries.js';
import type { Caller } from './app.js';
import { APPROVALS_CSS, renderApprovals, type ApprovalItem, type ApprovalsUser, type TemplateView } from './approvals-html.js';
import { renderMessage, type Flash } from './review-html.js';
import { NONCE, field, pageKit, type ReviewOptions } from './review.js';

const PAGE_ROLES: readonly string[] = ['cmo', 'cro', 'category.positioning', 'sales.ops', 'chief.staff'];
/** Who only reads (HO 5.1: sales.ops executes, chief.staff audits and is escalated to). */
const READERS: readonly string[] = ['sales.ops', 'chief.staff'];
const FLASH = { name: 'ladder_approvals_flash', path: '/approvals' };

/** The page's decisions: the route's action, the engine's event, whether it carries feedback, and whose it is. */
export const TEMPLATE_ACTIONS = {
  approve: { type: 'CMO_APPROVE', feedback: false, role: 'cmo', label: 'Approve the messaging' },
  reject: { type: 'CMO_REJECT', feedback: true, role: 'cmo', label: 'Reject with feedback' },
  go: { type: 'CRO_GO', feedback: false, role: 'cro', label: 'GO' },
  nogo: { type: 'CRO_NO_GO', feedback: true, role: 'cro', label: 'NO-GO with feedback' },
} as const;
export const LIST_ACTIONS = {
  approve: { type: 'RECIPIENTS_APPROVE', feedback: false, role: 'cro', label: 'Approve the list' },
  reject: { type: 'RECIPIENTS_REJECT', feedback: true, role: 'cro', label: 'Reject the list with feedback' },
} as const;
type TemplateAction = keyof typeof TEMPLATE_ACTIONS;
type ListAction = keyof typeof LIST_ACTIONS;

// ---- what the page shows ----

function templateView(engine: Engine, id: string): TemplateView {
  const t = showTemplate(engine, id);
  const ctx = engine.templates.load('template', id)!.snapshot.context as ApprovalContext;
  return {
    id, sequence: t.sequence, step: t.step, flow: t.flow, state: t.state, version: t.version_, addedBy: t.addedBy, addedAt: t.addedAt,
    subject: ctx.content.subject, body: ctx.content.body, description: ctx.content.description ?? null,
    problems: checkTemplate(ctx.content, engine.settings.templates), feedback: t.feedback,
    lists: t.recipientLists.map((l) => ({ id: l.id, state: l.state })),
  };
}

function pendingItem(engine: Engine, p: Pending, role: string, now: string): ApprovalItem {
  const timing = { since: p.since, slaDueAt: p.slaDueAt, escalateAt: p.escalateAt, slaBreached: p.slaBreached, escalated: p.escalated };
  if (p.kind === 'template') {
    const template = templateView(engine, p.id);
    const actions = (Object.keys(TEMPLATE_ACTIONS) as TemplateAction[])
      .filter((a) => TEMPLATE_ACTIONS[a].role === role && (p.waitsFor === 'cmo' ? a === 'approve' || a === 'reject' : a === 'go' || a === 'nogo'));
    return { kind: 'template', id: p.id, version: template.version, waitsFor: p.waitsFor, what: p.what, template, list: null, actions, ...timing };
  }
  const l = showRecipientList(engine, p.id);
  const ctx = engine.templates.load('recipients', p.id)!.snapshot.context as RecipientsContext;
  // The check the CRO's approval will make (suppression, stage, the template's approval), made now so the page says it first.
  const check = engine.templates.check(ctx.template, l.entries.map((e) => ({ account: e.account, contact: e.contact })), now);
  return {
    kind: 'recipients', id: p.id, version: l.version, waitsFor: p.waitsFor, what: p.what, template: templateView(engine, l.template),
    list: { proposedBy: l.proposedBy, proposedAt: l.proposedAt, note: l.note, entries: l.entries, problems: check.problems },
    actions: role === 'cro' ? ['approve', 'reject'] : [], ...timing,
  };
}

/** Drafts sent back with feedback (CMO reject, CRO NO-GO) and not yet followed by a newer version of the same step. */
function sentBack(engine: Engine, author: string | null): ApprovalItem[] {
  const all = listTemplates(engine);
  const latest = new Map<string, number>();
  for (const t of all) latest.set(t.key, Math.max(latest.get(t.key) ?? 0, t.version));
  const out: ApprovalItem[] = [];
  for (const t of all) {
    if (t.state !== 'draft' || latest.get(t.key) !== t.version) continue;
    const template = templateView(engine, t.id);
    const ctx = engine.templates.load('template', t.id)!.snapshot.context as ApprovalContext;
    const last = template.feedback.at(-1);
    if (!last || (author !== null && t.addedBy !== author && ctx.submitted?.by !== author)) continue;
    out.push({
      kind: 'template', id: t.id, version: template.version, waitsFor: 'category.positioning',
      what: `sent back by the ${last.step === 'cmo' ? 'CMO' : 'CRO'} with feedback: a change is a new version (the approvers never line-edit, HO 5.4.2)`,
      template, list: null, actions: [], since: last.at, slaDueAt: null, escalateAt: null, slaBreached: false, escalated: false,
    });
  }
  return out.sort((a, b) => a.since.localeCompare(b.since) || a.id.localeCompare(b.id));
}

/** What waits for this user, most urgent first (the SLA deadline of each step; drafts sent back, oldest first). */
export function approvalItems(engine: Engine, c: Pick<Caller, 'name' | 'role'>, now: string): ApprovalItem[] {
  const pending = pendingApprovals(engine, now);
  switch (c.role) {
    case 'cmo':
    case 'cro':
      return pending.filter((p) => p.waitsFor === c.role).map((p) => pendingItem(engine, p, c.role, now));
    case 'category.positioning':
      return sentBack(engine, c.name);
    default:
      return [...pending.map((p) => pendingItem(engine, p, c.role, now)), ...sentBack(engine, null)];
  }
}

// ---- the decisions ----

const STATE_WORDS: Record<string, string> = {
  draft: 'draft (back to category.positioning)', cmoReview: 'waiting for the CMO', croReview: 'waiting for the CRO (GO / NO-GO, HO 5.4.2)',
  approved: 'approved', retired: 'retired', proposed: 'waiting for the CRO', rejected: 'rejected', withdrawn: 'withdrawn',
};
const words = (s: string | null) => (s ? STATE_WORDS[s] ?? s : 'new');

function describe(type: string, r: ActorApplied): string {
  if (r.status === 'duplicate') return `${r.id}: this decision was already recorded (the form was sent twice); nothing changed.`;
  const first = r.caughtUp.length
    ? ` First, what had fallen due was recorded: ${r.caughtUp.map((t) => `${t.timerId.includes('ESCALATION') ? 'the 48-hour escalation to chief.staff' : 'the missed 1-business-day SLA'} (${t.at})`).join(', ')}.`
    : '';
  const move = `${words(r.before)} → ${words(r.after)}`;
  const said: Record<string, string> = {
    CMO_APPROVE: `Approved the messaging of ${r.id}: ${move}.`,
    CMO_REJECT: `Sent ${r.id} back with your feedback: ${move}. category.positioning writes a new version.`,
    CRO_GO: `GO on ${r.id}: ${move}; sales.ops may load it (HO 5.4.2).`,
    CRO_NO_GO: `NO-GO on ${r.id}: ${move}; category.positioning sees your feedback on the sales narrative.`,
    RECIPIENTS_APPROVE: `Approved ${r.id}: ${move}.`,
    RECIPIENTS_REJECT: `Rejected ${r.id}: ${move}; sales.ops sees your feedback.`,
  };
  return `${said[type] ?? `${type} on ${r.id}: ${move}.`}${first}`;
}

function versionOf(body: unknown, what: string): number {
  const raw = field(body, 'version');
  if (raw === undefined || !/^\d{1,12}$/.test(raw)) {
    throw new BadInputError(`version: the form did not say which version of ${what} it showed; reload the approvals page and decide again`, 'version');
  }
  return Number(raw);
}

// ---- the routes ----

export function registerApprovals(app: FastifyInstance, ladder: Ladder, o: ReviewOptions): void {
  const engine = ladder.engine;
  const { sessionCsrf, csrfOk, page, forged, setFlash, takeFlash } = pageKit(o);
  const back = { href: '/approvals', text: 'Back to the approvals page' };
  const userOf = (req: FastifyRequest, c: Caller): ApprovalsUser => {
    const csrf = sessionCsrf(req);
    return { name: c.name, role: c.role, csrf, readOnly: READERS.includes(c.role) || csrf === null };
  };
  const notForRole = (reply: FastifyReply, c: Caller) => page(reply, 403, renderMessage({
    title: 'Not for your role', message: `The approvals page is for ${PAGE_ROLES.join(', ')}; ${c.name} is ${c.role}.`,
  }));

  app.get('/assets/approvals.css', async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(APPROVALS_CSS));

  app.get('/approvals', async (req, reply) => {
    const c = req.caller;
    if (!c) return reply.redirect('/login', 303);
    if (!PAGE_ROLES.includes(c.role)) return notForRole(reply, c);
    const flash = takeFlash(req, reply, FLASH, c.name);
    return page(reply, 200, renderApprovals({
      user: userOf(req, c), now: req.now, flash, idem: randomBytes(12).toString('base64url'), items: approvalItems(engine, c, req.now),
    }));
  });

  const decide = async (req: FastifyRequest, reply: FastifyReply, run: (c: Caller, meta: { expectedVersion: number; idempotencyKey?: string }) => { type: string; r: ActorApplied | Refused }, what: string, key: string) => {
    const c = req.caller;
    if (!c) return reply.redirect('/login', 303);
    if (!csrfOk(req)) return forged(reply, { name: c.name, role: c.role, canDecide: false, csrf: sessionCsrf(req) }, back);
    if (!PAGE_ROLES.includes(c.role)) return notForRole(reply, c);
    let flash: Flash;
    try {
      const expectedVersion = versionOf(req.body, what);
      const idem = field(req.body, 'idem');
      // A form sent twice (a double click) records its decision once.
      const { type, r } = run(c, { expectedVersion, idempotencyKey: idem && NONCE.test(idem) ? `approvals:${c.name}:${key}:${idem}` : undefined });
      flash = r.status === 'refused' ? { kind: 'refused', text: r.why, refusal: r.kind } : { kind: 'ok', text: describe(type, r) };
    } catch (err) {
      if (err instanceof RefusedError) flash = { kind: 'refused', text: err.message, refusal: err.kind };
      else if (err instanceof BadInputError) flash = { kind: 'error', text: err.message };
      else throw err;
    }
    void setFlash(req, reply, FLASH, flash, c.name);
    return reply.redirect('/approvals', 303);
  };
  const noSuch = (req: FastifyRequest, reply: FastifyReply, c: Caller | null, actions: readonly string[], given: string) => {
    if (!c) return reply.redirect('/login', 303);
    if (!csrfOk(req)) return forged(reply, { name: c.name, role: c.role, canDecide: false, csrf: sessionCsrf(req) }, back);
    return page(reply, 404, renderMessage({ title: 'No such decision', message: `This form decides ${actions.join(', ')}; not ${given}.`, link: back }));
  };
  const feedbackOf = (body: unknown, needed: boolean) => (needed ? { feedback: field(body, 'feedback') ?? '' } : {});

  app.post<{ Params: { id: string; action: string } }>('/approvals/templates/:id/:action', async (req, reply) => {
    const { id, action } = req.params;
    if (!Object.hasOwn(TEMPLATE_ACTIONS, action)) return noSuch(req, reply, req.caller, Object.keys(TEMPLATE_ACTIONS), action);
    const a = TEMPLATE_ACTIONS[action as TemplateAction];
    return decide(req, reply, (c, m) => ({
      type: a.type,
      r: engine.templates.decide(id, { type: a.type, ...feedbackOf(req.body, a.feedback) }, { by: c.name, role: c.role, now: req.now, source: 'api', ...m }) as ActorApplied | Refused,
    }), `template version ${id}`, `template:${id}:${action}`);
  });

  app.post<{ Params: { id: string; action: string } }>('/approvals/lists/:id/:action', async (req, reply) => {
    const { id, action } = req.params;
    if (!Object.hasOwn(LIST_ACTIONS, action)) return noSuch(req, reply, req.caller, Object.keys(LIST_ACTIONS), action);
    const a = LIST_ACTIONS[action as ListAction];
    return decide(req, reply, (c, m) => ({
      type: a.type,
      r: engine.templates.decideRecipients(id, { type: a.type, ...feedbackOf(req.body, a.feedback) }, { by: c.name, role: c.role, now: req.now, source: 'api', ...m }) as ActorApplied | Refused,
    }), `recipient list ${id}`, `list:${id}:${action}`);
  });
}
