// Email-sequence templates and recipient lists (issue 14, HO 5.1-5.4), built on the engine's internals and its
// actor runtime (actors.ts): a template version is stored once (immutable, by content hash) with its approval
// actor; a recipient list is stored with the stage and signal of each recipient and its own approval actor.
// Every write here is one transaction with the event it records; every refusal is recorded.
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import {
  ApprovalCommandEvent, APPROVAL_MACHINE_VERSION, createApprovalMachine, explainApproval,
  type ApprovalConfig, type ApprovalContext, type ApprovalState,
} from '../../machines/approval.js';
import {
  RecipientsCommandEvent, RECIPIENTS_MACHINE_VERSION, createRecipientsMachine, explainRecipients,
  type ListCheck, type RecipientState, type RecipientsContext,
} from '../../machines/recipients.js';
import { parseTemplate } from '../../machines/templates/parse.js';
import { checkTemplate } from '../../machines/templates/rules.js';
import { contactKey } from '../../machines/rules/contact.js';
import { normalizeDomain } from '../../machines/rules/domain.js';
import type { LadderContext } from '../../machines/context.js';
import { actors as ladderActors, escalations, machineActors, recipientEntries, recipientLists, suppressions, templates } from '../store/schema.js';
import type { Db } from '../store/open.js';
import type { Settings } from '../settings/schema.js';
import { BadInputError, RefusedError, describeZodIssues } from './errors.js';
import { instantOf, validateNow } from './validate.js';
import { makeActors, type ActorApplied, type ActorEvent, type ActorKind, type KindSpec } from './actors.js';
import type { EngineCore, Source } from './engine.js';

export type TemplateMeta = { by: string; role: string; now: string; source: Source; idempotencyKey?: string; expectedVersion?: number };
export type RecipientInput = { account: string; contact: string };

const DAY = 86_400_000;
/** "Nurture-MQL" → "nurture-mql". */
export const slugOf = (sequence: string) => sequence.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export function approvalConfig(s: Settings): ApprovalConfig {
  return { templates: s.templates, approvals: s.approvals, holidays: s.rules.holidays };
}

export function validateWith<T extends { type: string; at: string }>(schema: { safeParse(x: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }) {
  return (raw: unknown, now: string, toleranceMinutes: number): ActorEvent => {
    const type = (raw as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type.startsWith('xstate.')) throw new BadInputError('type: timer events are fired by the sweep from a stored timer, never sent directly', 'type');
    const r = schema.safeParse(raw);
    if (!r.success) throw new BadInputError(describeZodIssues(r.error.issues), String(r.error.issues[0]?.path.join('.') ?? ''));
    const at = instantOf('at', r.data.at);
    if (Date.parse(at) - Date.parse(now) > toleranceMinutes * 60_000) throw new BadInputError(`at: ${at} is after now (${now}); nothing can be recorded before it happens`, 'at');
    return { ...(r.data as unknown as ActorEvent), at };
  };
}

/** An escalation row for a step that passed its 48 hours (HO 5.4.4), written in the transition's transaction. */
function escalate(tx: Db, subject: string, prev: { escalations: unknown[] } | null, next: { escalations: { step: string; round: number; dueAt: string; at: string }[] }, what: string) {
  if (!prev || next.escalations.length <= prev.escalations.length) return;
  const e = next.escalations.at(-1)!;
  tx.insert(escalations).values({
    kind: 'approval-48h', severity: 'escalation', subject: `${subject}:${e.step}:${e.round}`, at: e.at,
    detail: `${what} was still waiting for the ${e.step === 'cmo' ? 'CMO' : 'CRO'} at its escalation time (${e.dueAt}): escalate to chief.staff (HO 5.4.4)`,
  }).onConflictDoNothing().run();
}

export function templateSpec(): KindSpec {
  return {
    kind: 'template',
    version: APPROVAL_MACHINE_VERSION,
    machineFor: (s) => createApprovalMachine(approvalConfig(s)),
    validate: validateWith(ApprovalCommandEvent),
    stateOf: (snap) => String(snap.value),
    explain: (snap, event, s) => explainApproval(String(snap.value) as ApprovalState, snap.context as ApprovalContext, event as never, approvalConfig(s)),
    hook: ({ tx, id, prev, next }) => escalate(tx, `template:${id}`, prev as ApprovalContext | null, next as ApprovalContext, `template ${id}`),
  };
}

export function makeTemplates(core: EngineCore, others: Partial<Record<ActorKind, KindSpec>> = {}) {
  const { db } = core;

  /** The check of a recipient list against the database now (HO 5.4.1): each problem names the entry. */
  function checkEntries(templateId: string, entries: readonly RecipientInput[], now: string): { problems: string[]; rows: { account: string; contact: string; stage: string; why: string }[]; templateState: string } {
    const tpl = db.select().from(templates).where(eq(templates.id, templateId)).get();
    if (!tpl) throw new BadInputError(`template: no template version ${templateId} (ladder template list)`, 'template');
    const settings = core.live().settings;
    const type = settings.templates.types[tpl.sequence];
    const state = db.select({ state: machineActors.state }).from(machineActors).where(and(eq(machineActors.kind, 'template'), eq(machineActors.id, templateId))).get()?.state ?? 'missing';
    const problems: string[] = [];
    if (!type) problems.push(`the sequence type ${tpl.sequence} is no longer in the settings (templates.types)`);
    else if (!type.automatedSend) problems.push(`${tpl.sequence} is not sent by Ladder (the CRO personalizes it, HO 5.2): it has no recipient lists`);
    if (state === 'retired') problems.push(`${templateId} is retired`);
    if (type?.flow === 'full' && state !== 'approved' && state !== 'retired') problems.push(`${templateId} is ${state}: an ${tpl.sequence} list is approved after the CRO's GO on the template (HO 5.4.2)`);
    if (type?.flow === 'simplified' && state === 'draft') problems.push(`${templateId} is a draft: its lists are approved alongside the CMO's review of it or after (HO 5.4.1); submit it first`);
    const seen = new Set<string>();
    const rows: { account: string; contact: string; stage: string; why: string }[] = [];
    for (const [i, e] of entries.entries()) {
      const where = `entry ${i + 1} (${e.account}, ${e.contact})`;
      const d = normalizeDomain(e.account);
      const c = contactKey(e.contact);
      if (!d.ok) { problems.push(`${where}: ${d.error}`); continue; }
      if (!c.ok) { problems.push(`${where}: ${c.error}`); continue; }
      const key = `${d.domain} ${c.key}`;
      if (seen.has(key)) { problems.push(`${where}: listed twice`); continue; }
      seen.add(key);
      const actor = db.select().from(ladderActors).where(eq(ladderActors.account, d.domain)).get();
      if (!actor) { problems.push(`${where}: no account ${d.domain} on the ladder`); continue; }
      const ctx = (JSON.parse(actor.snapshot) as { context: LadderContext }).context;
      const stage = actor.substate ? `${actor.stage}.${actor.substate}` : actor.stage;
      const suppressed = db.select({ reason: suppressions.reason }).from(suppressions)
        .where(sql`(${suppressions.kind} = 'contact' and ${suppressions.value} = ${c.key}) or (${suppressions.kind} = 'account' and ${suppressions.value} = ${d.domain})`).get();
      if (suppressed) problems.push(`${where}: suppressed (${suppressed.reason}); never re-engaged (HO 3.5, 5.6)`);
      if (type) {
        const silentDays = ctx.lastEngagementAt ? (Date.parse(now) - Date.parse(ctx.lastEngagementAt)) / DAY : (Date.parse(now) - Date.parse(ctx.clockFrom)) / DAY;
        const fits = type.target === 'MQL' ? actor.stage === 'MQL'
          : type.target === 'SQL.confirmed' ? actor.stage === 'SQL' && actor.substate === 'confirmed'
            : type.target === 'stale-or-recycled' ? actor.stage === 'MQL' && silentDays >= settings.approvals.reengageSilentDays
              : false;
        if (!fits) {
          const want = type.target === 'MQL' ? 'MQL' : type.target === 'SQL.confirmed' ? 'SQL confirmed' : type.target === 'stale-or-recycled' ? `MQL silent for ${settings.approvals.reengageSilentDays}+ days` : 'a stage Ladder sends to';
          problems.push(`${where}: the account is ${stage}${type.target === 'stale-or-recycled' && actor.stage === 'MQL' ? ` (last engagement ${Math.floor(silentDays)} days ago)` : ''}, not ${want}: ${tpl.sequence} targets ${want} (HO 5.2)`);
        }
      }
      const signal = [...ctx.signals].reverse().find((s) => s.contact === c.key);
      rows.push({ account: d.domain, contact: c.key, stage, why: `${stage}; ${signal ? `latest signal ${signal.code} on ${signal.at.slice(0, 10)}` : 'no signal from this contact in the window'}` });
    }
    return { problems, rows, templateState: state };
  }

  function recipientsSpec(): KindSpec {
    return {
      kind: 'recipients',
      version: RECIPIENTS_MACHINE_VERSION,
      machineFor: (s) => createRecipientsMachine(approvalConfig(s)),
      // The CRO's approval carries the check the engine makes: a caller's own `check` is replaced (enrich).
      validate: (raw, now, tol) => validateWith(RecipientsCommandEvent)(
        (raw as { type?: string } | null)?.type === 'RECIPIENTS_APPROVE' ? { ...(raw as object), check: { problems: [], templateState: '' } } : raw, now, tol),
      stateOf: (snap) => String(snap.value),
      explain: (snap, event) => explainRecipients(String(snap.value) as RecipientState, snap.context as RecipientsContext, event as never),
      enrich: (event, actor) => {
        if (event.type !== 'RECIPIENTS_APPROVE') return event;
        const ctx = actor.snapshot.context as RecipientsContext;
        const entries = db.select({ account: recipientEntries.account, contact: recipientEntries.contact }).from(recipientEntries).where(eq(recipientEntries.list, actor.id)).all();
        const c = checkEntries(ctx.template, entries, event.at);
        return { ...event, check: { problems: c.problems, templateState: c.templateState } satisfies ListCheck };
      },
      hook: ({ tx, id, prev, next }) => escalate(tx, `recipients:${id}`, prev as RecipientsContext | null, next as RecipientsContext, `recipient list ${id}`),
    };
  }

  const runtime = makeActors(core, { template: templateSpec(), recipients: recipientsSpec(), ...others } as Record<ActorKind, KindSpec>);

  /** Stores a template file as a new version with its approval (a draft), or names the version it already is. */
  function addTemplate(file: { name: string; text: string }, meta: TemplateMeta): ActorApplied & { template: string; versionOf: number; duplicate: boolean } {
    const now = validateNow(meta.now);
    const settings = core.live().settings;
    const parsed = parseTemplate(file.text, Object.keys(settings.templates.types));
    if (!parsed.ok) {
      throw new BadInputError(`${file.name}: ${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}:\n  ${parsed.problems.map((p) => `line ${p.line}: ${p.message}`).join('\n  ')}`, parsed.problems[0]?.field ?? 'template');
    }
    const t = parsed.template;
    const hash = createHash('sha256').update(file.text).digest('hex');
    const key = `${slugOf(t.sequence)}-${t.step}`;
    const event: ActorEvent = { type: 'TEMPLATE_ADDED', at: now, by: meta.by, role: meta.role, file: file.name, hash };
    const out = core.standalone(() => core.attempt(() => {
      const same = db.select().from(templates).where(eq(templates.hash, hash)).get();
      if (same) {
        const row = db.select().from(machineActors).where(and(eq(machineActors.kind, 'template'), eq(machineActors.id, same.id))).get()!;
        return { status: 'duplicate' as const, kind: 'template' as const, id: same.id, eventId: 0, seq: row.version, before: row.state, after: row.state, version: row.version, armed: [], cancelled: [], caughtUp: [], template: same.id, versionOf: same.version, duplicate: true };
      }
      const problems = checkTemplate(t, core.live().settings.templates);
      if (problems.length) {
        throw new RefusedError(`${file.name} breaks ${problems.length} content rule${problems.length === 1 ? '' : 's'} (HO 5.3); nothing was stored:\n  ${problems.map((p) => `line ${p.line}: ${p.message}`).join('\n  ')}`, null, 'TEMPLATE_ADDED', 'rule');
      }
      const version = (db.select({ v: sql<number>`max(${templates.version})` }).from(templates).where(eq(templates.key, key)).get()?.v ?? 0) + 1;
      const id = `${key}.v${version}`;
      const flow = settings.templates.types[t.sequence]!.flow;
      const r = runtime.createInTx('template', id, { template: id, flow, content: t, at: now }, event, meta, () => {
        db.insert(templates).values({ id, key, sequence: t.sequence, step: t.step, version, hash, subject: t.subject, text: file.text, file: file.name, addedAt: now, addedBy: meta.by }).run();
      });
      return { ...r, template: id, versionOf: version, duplicate: false };
    }, () => ({ account: null, subject: `template:${key}`, type: 'TEMPLATE_ADDED', payload: { ...event, template: key }, by: meta.by, role: meta.role, source: meta.source, at: now })));
    return out;
  }

  /** A decision on a template version's approval: submit, approve / reject (CMO), go / no-go (CRO), retire. */
  function decideTemplate(id: string, event: Record<string, unknown> & { type: string }, meta: TemplateMeta): ActorApplied {
    const now = validateNow(meta.now);
    return core.standalone(() => runtime.submitInTx('template', id, { at: now, ...event, by: meta.by, role: meta.role }, meta));
  }

  /** Proposes a recipient list for a template version (sales.ops): refused whole, naming every entry, when any may not receive it. */
  function proposeRecipients(p: { template: string; entries: readonly RecipientInput[]; note?: string }, meta: TemplateMeta): ActorApplied & { list: string } {
    const now = validateNow(meta.now);
    if (p.entries.length === 0) throw new BadInputError('entries: a recipient list needs at least one recipient (--entry ACCOUNT=CONTACT or --file LIST.csv)', 'entries');
    if (p.entries.length > 5_000) throw new BadInputError(`entries: ${p.entries.length} recipients; a list holds at most 5000 (split it: each batch is approved on its own, HO 5.4.3)`, 'entries');
    const event: ActorEvent = { type: 'RECIPIENTS_PROPOSED', at: now, by: meta.by, role: meta.role, template: p.template, entries: p.entries.length, ...(p.note ? { note: p.note } : {}) };
    return core.standalone(() => core.attempt(() => {
      const denied = core.authorize('RECIPIENTS_PROPOSED', meta.role, now);
      if (denied) throw new RefusedError(`cannot propose recipients for ${p.template}: ${denied.why}`, null, 'RECIPIENTS_PROPOSED', denied.kind);
      const c = checkEntries(p.template, p.entries, now);
      if (c.problems.length) {
        throw new RefusedError(`cannot propose this list for ${p.template}: ${c.problems.length} problem${c.problems.length === 1 ? '' : 's'} (HO 5.4.1, 3.5); nothing was stored:\n  ${c.problems.join('\n  ')}`, null, 'RECIPIENTS_PROPOSED', 'rule');
      }
      const n = (db.select({ n: sql<number>`count(*)` }).from(recipientLists).get()?.n ?? 0) + 1;
      const list = `list-${n}`;
      const r = runtime.createInTx('recipients', list, { list, template: p.template, entries: c.rows.length, by: meta.by, at: now }, event, meta, () => {
        db.insert(recipientLists).values({ id: list, template: p.template, proposedAt: now, proposedBy: meta.by, note: p.note ?? null }).run();
        for (const row of c.rows) db.insert(recipientEntries).values({ list, ...row }).run();
      });
      return { ...r, list };
    }, () => ({ account: null, subject: `template:${p.template}`, type: 'RECIPIENTS_PROPOSED', payload: { ...event, recipients: p.entries }, by: meta.by, role: meta.role, source: meta.source, at: now })));
  }

  /** The CRO's approval or rejection of a list, or its withdrawal. */
  function decideRecipients(list: string, event: Record<string, unknown> & { type: string }, meta: TemplateMeta): ActorApplied {
    const now = validateNow(meta.now);
    return core.standalone(() => runtime.submitInTx('recipients', list, { at: now, ...event, by: meta.by, role: meta.role }, meta));
  }

  return {
    addTemplate, decideTemplate, proposeRecipients, decideRecipients, checkEntries,
    loadActor: runtime.load,
    /** For the sweep: due timers of the approvals, and firing one. */
    actorRuntime: runtime,
  };
}
export type Templates = ReturnType<typeof makeTemplates>;
