// Read-side queries for templates, their approvals and recipient lists (issue 14): the CLI, the report and the
// server's pages read them. They read rows; they never write.
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { stepDeadlines, type ApprovalContext } from '../machines/approval.js';
import type { RecipientsContext } from '../machines/recipients.js';
import type { Engine } from './engine/engine.js';
import { approvalConfig } from './engine/templates.js';
import { BadInputError } from './engine/errors.js';
import { machineActors, machineEvents, machineTimers, recipientEntries, recipientLists, refusals, templates } from './store/schema.js';

export type TemplateRow = { id: string; key: string; sequence: string; step: number; version: number; subject: string; state: string; addedAt: string; addedBy: string; file: string };

/** Who a pending step waits for: the CMO or the CRO. */
export type Pending = {
  kind: 'template' | 'recipients'; id: string; what: string; waitsFor: 'cmo' | 'cro'; since: string; slaDueAt: string; escalateAt: string;
  slaBreached: boolean; escalated: boolean;
};

export function listTemplates(engine: Engine, f: { sequence?: string; state?: string } = {}): TemplateRow[] {
  const { db } = engine.store;
  return db.select({
    id: templates.id, key: templates.key, sequence: templates.sequence, step: templates.step, version: templates.version, subject: templates.subject,
    state: machineActors.state, addedAt: templates.addedAt, addedBy: templates.addedBy, file: templates.file,
  }).from(templates).innerJoin(machineActors, and(eq(machineActors.kind, 'template'), eq(machineActors.id, templates.id)))
    .where(and(f.sequence ? eq(templates.sequence, f.sequence) : undefined, f.state ? eq(machineActors.state, f.state) : undefined))
    .orderBy(asc(templates.key), asc(templates.version)).all();
}

function actorEvents(engine: Engine, kind: string, id: string) {
  return engine.store.db.select().from(machineEvents).where(and(eq(machineEvents.kind, kind), eq(machineEvents.actorId, id))).orderBy(asc(machineEvents.seq)).all()
    .map((e) => ({ seq: e.seq, at: e.at, type: e.type, by: e.by, role: e.role, from: e.stateBefore, to: e.stateAfter, reason: e.reason }));
}

function actorTimers(engine: Engine, kind: string, id: string) {
  return engine.store.db.select().from(machineTimers).where(and(eq(machineTimers.kind, kind), eq(machineTimers.actorId, id), eq(machineTimers.status, 'pending')))
    .orderBy(asc(machineTimers.dueAt)).all().map((t) => ({ timer: t.timerId.includes('STEP_ESCALATION') ? 'escalation (48 h)' : 'SLA (1 business day)', dueAt: t.dueAt }));
}

function refusalsOf(engine: Engine, subject: string) {
  return engine.store.db.select().from(refusals).where(eq(refusals.subject, subject)).orderBy(asc(refusals.id)).all()
    .map((r) => ({ at: r.at, type: r.type, by: r.by, role: r.role, why: r.why }));
}

export function showTemplate(engine: Engine, id: string) {
  const { db } = engine.store;
  const row = db.select().from(templates).where(eq(templates.id, id)).get();
  const actor = engine.templates.load('template', id);
  if (!row || !actor) throw new BadInputError(`template: no template version ${id} (ladder template list)`, 'template');
  const ctx = actor.snapshot.context as ApprovalContext;
  const lists = db.select({ id: recipientLists.id, state: machineActors.state, proposedAt: recipientLists.proposedAt })
    .from(recipientLists).innerJoin(machineActors, and(eq(machineActors.kind, 'recipients'), eq(machineActors.id, recipientLists.id)))
    .where(eq(recipientLists.template, id)).orderBy(asc(recipientLists.proposedAt)).all();
  return {
    id, key: row.key, sequence: row.sequence, step: row.step, version: row.version, hash: row.hash, file: row.file, addedAt: row.addedAt, addedBy: row.addedBy,
    subject: row.subject, text: row.text, state: actor.state, flow: ctx.flow, round: ctx.round, waitingSince: ctx.stepEnteredAt, step_: ctx.step,
    submitted: ctx.submitted, cmo: ctx.cmo, cro: ctx.cro, feedback: ctx.feedback, slaBreaches: ctx.slaBreaches, escalations: ctx.escalations, retired: ctx.retired,
    timers: actorTimers(engine, 'template', id), events: actorEvents(engine, 'template', id), refusals: refusalsOf(engine, `template:${id}`), recipientLists: lists,
    version_: actor.version,
  };
}

export function listRecipientLists(engine: Engine, f: { template?: string; state?: string } = {}) {
  const { db } = engine.store;
  return db.select({
    id: recipientLists.id, template: recipientLists.template, proposedAt: recipientLists.proposedAt, proposedBy: recipientLists.proposedBy, state: machineActors.state,
    entries: sql<number>`(select count(*) from ${recipientEntries} where ${recipientEntries.list} = ${recipientLists.id})`,
  }).from(recipientLists).innerJoin(machineActors, and(eq(machineActors.kind, 'recipients'), eq(machineActors.id, recipientLists.id)))
    .where(and(f.template ? eq(recipientLists.template, f.template) : undefined, f.state ? eq(machineActors.state, f.state) : undefined))
    .orderBy(desc(recipientLists.proposedAt), desc(recipientLists.id)).all();
}

export function showRecipientList(engine: Engine, list: string) {
  const { db } = engine.store;
  const row = db.select().from(recipientLists).where(eq(recipientLists.id, list)).get();
  const actor = engine.templates.load('recipients', list);
  if (!row || !actor) throw new BadInputError(`list: no recipient list ${list} (ladder recipients list)`, 'list');
  const ctx = actor.snapshot.context as RecipientsContext;
  return {
    id: list, template: row.template, state: actor.state, proposedAt: row.proposedAt, proposedBy: row.proposedBy, note: row.note,
    decision: ctx.decision, withdrawn: ctx.withdrawn, slaBreaches: ctx.slaBreaches, escalations: ctx.escalations,
    entries: db.select().from(recipientEntries).where(eq(recipientEntries.list, list)).orderBy(asc(recipientEntries.account), asc(recipientEntries.contact)).all()
      .map((e) => ({ account: e.account, contact: e.contact, stage: e.stage, why: e.why })),
    timers: actorTimers(engine, 'recipients', list), events: actorEvents(engine, 'recipients', list), refusals: refusalsOf(engine, `recipients:${list}`),
    version: actor.version,
  };
}

/** Every approval step waiting now, most urgent first: the template reviews and the recipient lists (HO 5.4). */
export function pendingApprovals(engine: Engine, now: string): Pending[] {
  const { db } = engine.store;
  const cfg = approvalConfig(engine.settings);
  const out: Pending[] = [];
  for (const a of db.select().from(machineActors).where(sql`(${machineActors.kind} = 'template' and ${machineActors.state} in ('cmoReview', 'croReview')) or (${machineActors.kind} = 'recipients' and ${machineActors.state} = 'proposed')`).all()) {
    const ctx = JSON.parse(a.snapshot).context as ApprovalContext & RecipientsContext;
    const since = a.kind === 'template' ? ctx.stepEnteredAt! : ctx.stepEnteredAt;
    const d = stepDeadlines(since, cfg);
    const waitsFor = a.kind === 'recipients' ? 'cro' : a.state === 'cmoReview' ? 'cmo' : 'cro';
    const round = a.kind === 'template' ? ctx.round : 1;
    const step = a.kind === 'template' ? (a.state === 'cmoReview' ? 'cmo' : 'cro') : 'cro';
    const mine = (l: { step: string; round: number }[]) => l.some((m) => m.step === step && m.round === round);
    out.push({
      kind: a.kind as Pending['kind'], id: a.id, waitsFor,
      what: a.kind === 'template' ? (a.state === 'cmoReview' ? 'messaging approval (HO 5.4)' : 'GO / NO-GO on the sales narrative (HO 5.4.2)') : `recipient list for ${ctx.template} (HO 5.4.1)`,
      since, slaDueAt: d.slaDueAt, escalateAt: d.escalateAt, slaBreached: mine(ctx.slaBreaches) || d.slaDueAt <= now, escalated: mine(ctx.escalations) || d.escalateAt <= now,
    });
  }
  return out.sort((x, y) => x.slaDueAt.localeCompare(y.slaDueAt) || x.id.localeCompare(y.id));
}
