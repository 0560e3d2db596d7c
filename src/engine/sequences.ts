// Sequences and replies (issue 15, HO 5.2, 5.5, 5.6), built on the engine's internals and its actor runtime. The
// ladder decides: a transition hook hands the account's sequence actor the sequence its new stage calls for, in
// the ladder transition's own transaction. The sequences act: each touch is a durable timer; when it fires the
// touch is planned (a `sends` row with its Message-ID) in the same transaction. The day's plan applies the
// warm-up cap in priority order, the approvals (HO 5.4.3) and suppression; an executor (SMTP, or an external
// sequencer through the export) hands each touch over. The replies move the ladder: each is an event on the
// sequence actor, and hostile / opt-out / hot-positive carry their effect onto the ladder in the same transaction.
import { and, asc, eq, inArray, lte, } from 'drizzle-orm';
import {
  SequenceCommandEvent, SEQUENCE_MACHINE_VERSION, createSequenceMachine, explainSequence, sequenceStateOf,
  type SequenceContext, type StageEvent,
} from '../../machines/sequence.js';
import { SendingResumeEvent, SENDING_MACHINE_VERSION, createSendingMachine, explainSending, type SendingContext } from '../../machines/sending.js';
import { capOn, nextBusinessDate, type SequenceConfig, type SequenceName } from '../../machines/sequence-config.js';
import { isBusinessDay } from '../../machines/rules/business-days.js';
import { normalizeDomain } from '../../machines/rules/domain.js';
import { parseTemplate, type Template } from '../../machines/templates/parse.js';
import { renderTemplate } from '../../machines/templates/render.js';
import type { LadderContext } from '../../machines/context.js';
import type { StageAt } from '../../machines/stage.js';
import { accounts, escalations, machineActors, sends, suppressions, } from '../store/schema.js';
import type { Db } from '../store/open.js';
import { parseMondayConfig, type MondayConfig } from '../monday/config.js';
import { requeueItem } from '../monday/outbox.js';
import { sequenceText } from '../monday/projection.js';
import type { Settings } from '../settings/schema.js';
import { BadInputError, RefusedError } from './errors.js';
import { validateNow } from './validate.js';
import { validateWith } from './templates.js';
import type { ActorApplied, ActorEvent, Actors, KindSpec } from './actors.js';
import type { Applied, EngineCore, Refused, Source, TransitionHook } from './engine.js';

export const MAILBOX = 'email';
export type SendRow = typeof sends.$inferSelect;
export type SequenceMeta = { by: string; role: string; now: string; source: Source; idempotencyKey?: string };

/** The board of the settings, when one is set and enabled (as openLadder reads it). */
const boards = new WeakMap<Settings, MondayConfig | null>();
function mondayOf(s: Settings): MondayConfig | null {
  if (!s.monday) return null;
  if (!boards.has(s)) {
    const cfg = parseMondayConfig(s.monday);
    boards.set(s, cfg.enabled ? cfg : null);
  }
  return boards.get(s) ?? null;
}

export function sequenceConfig(s: Settings): SequenceConfig {
  return { sequences: s.sequences, holidays: s.rules.holidays };
}

/** The sequence a stage calls for (HO 5.2). An MQL back from RECYCLED gets Re-engagement, not Nurture. */
export function sequenceTargetOf(after: StageAt, before: StageAt | null, ctx: Pick<LadderContext, 'briefing'>): SequenceName | null {
  switch (after.stage) {
    case 'MQL': return before?.stage === 'RECYCLED' ? 'Re-engagement' : 'Nurture-MQL';
    case 'SQL': return after.substate === 'confirmed' ? 'Activation-SQL' : null;
    case 'BRIEFING_READY': return ctx.briefing?.completedAt ? 'Post-Briefing' : null;
    default: return null;
  }
}

const label = (s: StageAt) => (s.substate ? `${s.stage}.${s.substate}` : s.stage);
const isEmail = (contact: string) => contact.includes('@') && !contact.startsWith('linkedin.com/');
/** "nurture-mql" → Nurture-MQL's Message-IDs: <ladder.1f.acme.com.2.3@mail.example.com>. */
function messageIdOf(account: string, run: number, step: number, id: number, from: string | undefined): string {
  const host = from?.split('@')[1] ?? 'ladder.invalid';
  return `<ladder.${id}.${account}.${run}.${step}@${host}>`;
}

export function makeSequences(core: EngineCore, runtimeOf: () => Actors) {
  const { db, sqlite } = core;
  const q = {
    suppressedAccount: sqlite.prepare(`select reason from suppressions where kind = 'account' and value = ?`).pluck(),
    suppressedContact: sqlite.prepare(`select reason from suppressions where kind = 'contact' and value = ?`).pluck(),
    ladderRow: sqlite.prepare('select snapshot from actors where account = ?').pluck(),
    seqState: sqlite.prepare(`select state from machine_actors where kind = 'sequence' and id = ?`).pluck(),
    cancelUnsent: sqlite.prepare(`update sends set status = 'cancelled', detail = ?, done_at = ? where account = ? and status in ('planned', 'queued') and (run <> ? or ? = 1)`),
  };

  const suppressedWhy = (account: string, contact: string | null): string | null => {
    const a = q.suppressedAccount.get(account) as string | undefined;
    if (a) return `the account ${account} is suppressed (${a})`;
    const c = contact ? (q.suppressedContact.get(contact) as string | undefined) : undefined;
    return c ? `the contact ${contact} is suppressed (${c})` : null;
  };

  /** HO 5.5 overflow order: flagged high, then Tier 1, then an E8 / fast-track SQL (0 goes first). */
  function rankOf(account: string): number {
    const snap = q.ladderRow.get(account) as string | undefined;
    if (!snap) return 7;
    const c = (JSON.parse(snap) as { context: LadderContext }).context;
    const fast = c.sqlEntry !== null && c.sqlEntry.via !== 'dossier';
    return (c.priority === 'high' ? 0 : 4) + (c.tier === 'Tier 1' ? 0 : 2) + (fast ? 0 : 1);
  }

  function escalate(tx: Db, kind: string, severity: string, subject: string, at: string, detail: string) {
    tx.insert(escalations).values({ kind, severity, subject, at, detail }).onConflictDoNothing().run();
  }

  // ---- the sequence actor ----

  function sequenceSpec(): KindSpec {
    return {
      kind: 'sequence',
      version: SEQUENCE_MACHINE_VERSION,
      machineFor: (s) => createSequenceMachine(sequenceConfig(s)),
      validate: validateWith(SequenceCommandEvent as never),
      stateOf: (snap) => sequenceStateOf(snap.value),
      explain: (snap, event) => explainSequence(sequenceStateOf(snap.value), snap.context as SequenceContext, event as never),
      isRoleRefusal: (snap, event) => event.type === 'TASK_DONE'
        && (snap.context as SequenceContext).tasks.some((t) => t.id === event.task && !t.doneAt && t.role !== event.role),
      // A pause or a resume counts the run's touches already handed to an executor: those are not sent again.
      enrich: (event, actor) => {
        const pausing = event.type === 'REPLY' || event.type === 'SEQUENCE_RESUME' || event.type.includes('OOO_RESUME');
        if (!pausing) return event;
        const c = actor.snapshot.context as SequenceContext;
        const n = sqlite.prepare(`select count(*) from sends where account = ? and run = ? and status in ('exported', 'sending', 'sent', 'bounced')`).pluck().get(actor.id, c.run) as number;
        return { ...event, delivered: n };
      },
      hook: (t) => sequenceHook(t.tx, t.id, t.event, t.eventId, t.now, t.after, t.before ?? undefined, t.prev as SequenceContext | null, t.next as SequenceContext),
    };
  }

  function sequenceHook(tx: Db, account: string, event: ActorEvent, eventId: number, now: string, state: string, stateBefore: string | undefined, p: SequenceContext | null, n: SequenceContext) {
    const settings = core.live().settings;
    // A touch fell due: planned now, with its Message-ID (or refused for good if its contact is suppressed).
    if (p && n.sequence && n.run === p.run && n.next > p.next) {
      for (let step = p.next + 1; step <= n.next && step <= n.schedule.length; step++) {
        const dueAt = n.schedule[step - 1]!;
        const suppressed = suppressedWhy(account, n.contact);
        const row = tx.insert(sends).values({
          account, sequence: n.sequence, run: n.run, step, messageId: `pending:${account}:${n.run}:${step}`, dueAt, plannedFor: dueAt.slice(0, 10),
          rank: rankOf(account), status: suppressed ? 'cancelled' : 'planned', detail: suppressed ? `${suppressed}: never planned (HO 3.5, 5.6)` : null,
          plannedAt: now, eventId,
        }).run();
        const id = Number(row.lastInsertRowid);
        tx.update(sends).set({ messageId: messageIdOf(account, n.run, step, id, settings.sequences.smtp?.from) }).where(eq(sends.id, id)).run();
      }
    }
    // The run ended, paused or was replaced: its touches not yet handed over are cancelled (a resume re-plans them).
    if (p && (p.sequence || p.run !== n.run)) {
      const live = n.sequence !== null && n.pause === null;
      if (!live || n.run !== p.run) {
        const why = event.type === 'REPLY' ? `reply: ${(event as { category?: string }).category}` : event.type === 'STAGE' ? `the stage is now ${(event as unknown as StageEvent).stage}` : `sequence ${state}`;
        q.cancelUnsent.run(`cancelled: ${why}`, event.at, account, n.run, live ? 0 : 1);
      }
    }
    // A reply's SLA passed: reported like the dossier and review SLAs (HO 5.6), nothing moves.
    for (const t of n.tasks) {
      const before = p?.tasks.find((x) => x.id === t.id);
      if (t.breachedAt && !before?.breachedAt) {
        escalate(tx, 'reply-sla', 'flag', `sequence:${account}:task-${t.id}`, t.breachedAt,
          `${account}: task ${t.id} (${t.kind}${t.category ? `, ${t.category} reply` : ''}) for ${t.role === 'cro' ? 'the CRO' : 'sales.ops'} was not done by ${t.dueAt}: ${t.what}`);
      }
    }
    // The board's sequence column follows the sequence (a touch planned, a pause), through the outbox.
    const board = mondayOf(settings);
    if (board && (p === null || sequenceText(state, n) !== sequenceText(p ? stateBefore : undefined, p))) requeueItem(tx, account, board, now);
    // HO 5.6 #10: a Re-engagement with no response archives the account, through the ladder.
    if (n.outcome && !p?.outcome) {
      core.submitInTx({ account, event: { type: 'ARCHIVE', at: n.outcome.at, by: 'ladder', role: 'system', reason: n.outcome.archive }, source: 'timer', now });
    }
  }

  function sendingSpec(): KindSpec {
    return {
      kind: 'sending',
      version: SENDING_MACHINE_VERSION,
      machineFor: () => createSendingMachine(),
      validate: validateWith(SendingResumeEvent as never),
      stateOf: (snap) => String(snap.value),
      explain: (snap, event) => explainSending(String(snap.value), event),
      hook: ({ tx, id, prev, next }) => {
        const p = prev as SendingContext | null;
        const n = next as SendingContext;
        if (n.pauses.length > (p?.pauses.length ?? 0)) {
          const x = n.pauses.at(-1)!;
          escalate(tx, 'bounce-rate', 'pause', `${id}:pause-${n.pauses.length}`, x.at,
            `bounce rate ${(x.rate * 100).toFixed(1)} % (${x.bounced} of ${x.sends} in ${x.windowDays} days) is over ${(x.maxRate * 100).toFixed(0)} %: every sequence is paused until sales.ops resumes sending (HO 5.5; ladder sends resume --reason …)`);
        }
      },
    };
  }

  const specs = { sequence: sequenceSpec(), sending: sendingSpec() };
  const rt = () => runtimeOf();

  /** Creates the account's sequence actor (idle) when it has none: in the current transaction. */
  function ensureActor(account: string, at: string, meta: { source: Source; now: string }): ActorApplied | Refused | null {
    if (q.seqState.get(account) !== undefined) return null;
    const event: ActorEvent = { type: 'SEQUENCE_OPENED', at, by: 'system', role: 'system' };
    return core.attempt(() => rt().createInTx('sequence', account, { account, at }, event, meta, () => {}),
      () => ({ account, subject: `sequence:${account}`, type: 'SEQUENCE_OPENED', payload: event, by: 'system', role: 'system', source: meta.source, at }));
  }

  /** The ladder's transition hook: a change of the sequence the stage calls for reaches the sequence actor. */
  const ladderHook: TransitionHook = ({ account, event, source, now, before, after, prev, next }) => {
    if (prev === null || !core.live().settings.sequences.enabled) return;
    const ctx = next.context as LadderContext;
    const moved = before.stage !== after.stage || before.substate !== after.substate || !!prev.briefing?.completedAt !== !!ctx.briefing?.completedAt;
    if (!moved) return;
    const target = sequenceTargetOf(after, before, ctx);
    const state = q.seqState.get(account) as string | undefined;
    if (state === undefined && target === null) return;
    const opened = ensureActor(account, event.at, { source, now });
    if (opened?.status === 'refused') return;
    const stage: ActorEvent = { type: 'STAGE', at: event.at, by: 'system', role: 'system', target, stage: label(after) };
    rt().systemInTx('sequence', account, stage, { source, now });
  };

  // ---- replies and the sequence's commands ----

  function accountOf(raw: string): string {
    const d = normalizeDomain(raw);
    if (!d.ok) throw new BadInputError(`account: ${d.error}`, 'account');
    if (!db.select({ d: accounts.domain }).from(accounts).where(eq(accounts.domain, d.domain)).get()) {
      throw new BadInputError(`account: no account ${d.domain} on the ladder`, 'account');
    }
    return d.domain;
  }

  /**
   * A reply (HO 5.6), one transaction: the sequence actor takes it (pause, stop, suppress, tasks with their SLA);
   * then its effect on the ladder — hostile and opt-out disqualify with that reason and suppress the contact; a
   * hot-positive reply is a Briefing request (E4) from that contact, which fast-tracks the account when its gates pass.
   */
  function reply(rawAccount: string, raw: Record<string, unknown>, meta: SequenceMeta): ActorApplied & { ladder: Applied | Refused | null } {
    type Out = ActorApplied & { ladder: Applied | Refused | null };
    const now = validateNow(meta.now);
    const account = accountOf(rawAccount);
    return core.standalone((): Out | Refused => {
      const event = { at: now, ...raw, type: 'REPLY', by: meta.by, role: meta.role };
      // The account's sequence actor is opened with the reply, in the reply's savepoint: a refused first reply
      // leaves nothing but its refusal record.
      let refused: Refused | null = null;
      const out = core.attempt((): Out => {
        if (q.seqState.get(account) === undefined && !core.authorize('REPLY', meta.role, now)) {
          rt().createInTx('sequence', account, { account, at: now }, { type: 'SEQUENCE_OPENED', at: now, by: 'system', role: 'system' }, meta, () => {});
        }
        const r = rt().submitInTx('sequence', account, event, meta);
        if (r.status === 'refused') { refused = r; throw new RefusedError(r.why, account, r.type, r.kind); }
        if (r.status === 'duplicate') return { ...(r as ActorApplied), ladder: null };
        return { ...(r as ActorApplied), ladder: replyEffects(account, r as ActorApplied, event, meta, now) };
      }, () => ({ account, subject: `sequence:${account}`, type: 'REPLY', payload: event, by: meta.by, role: meta.role, source: meta.source, at: now }));
      return out.status === 'refused' && refused ? refused : out;
    });
  }

  /** A reply's effect on the ladder and on suppression, in the reply's transaction. */
  function replyEffects(account: string, r: ActorApplied, event: Record<string, unknown>, meta: SequenceMeta, now: string): Applied | Refused | null {
    const e = SequenceCommandEvent.parse(event) as { category: string; contact: string; at: string; note?: string };
    let ladder: Applied | Refused | null = null;
    if (e.category === 'hostile' || e.category === 'opt-out') {
      for (const [kind, value] of [['contact', e.contact], ['account', account]] as const) {
        db.insert(suppressions).values({ kind, value, reason: e.category, at: r.eventId ? String(event.at) : now, by: meta.by, eventId: null }).onConflictDoNothing().run();
      }
      ladder = core.submitInTx({ account, event: { type: 'DISQUALIFY', at: String(event.at), by: meta.by, role: meta.role, reason: e.category, ...(e.note ? { note: e.note } : {}) } as never, source: meta.source, now });
    } else if (e.category === 'hot-positive') {
      ladder = core.submitInTx({
        account, source: meta.source, now,
        event: { type: 'SIGNAL', at: String(event.at), by: meta.by, role: meta.role, signal: { id: `reply-${r.eventId}`, code: 'E4', at: String(event.at), contact: e.contact, source: 'reply: hot-positive (HO 5.6 #1)' } } as never,
      });
    }
    return ladder;
  }

  /** A task done, a warm pause or a reply's hold resumed, a new contact after a wrong-person reply. */
  function command(rawAccount: string, raw: Record<string, unknown> & { type: string }, meta: SequenceMeta): ActorApplied {
    const now = validateNow(meta.now);
    const account = accountOf(rawAccount);
    return core.standalone(() => {
      if (q.seqState.get(account) === undefined) {
        const denied = core.authorize(raw.type, meta.role, now);
        if (denied) return core.attempt(() => { throw new RefusedError(`cannot ${raw.type} ${account}: ${denied.why}`, null, raw.type, denied.kind); },
          () => ({ account, subject: `sequence:${account}`, type: raw.type, payload: raw, by: meta.by, role: meta.role, source: meta.source, at: now }));
        throw new BadInputError(`account: ${account} has never been in a sequence (its stage has not called for one, and no reply was recorded)`, 'account');
      }
      return rt().submitInTx('sequence', account, { at: now, ...raw, by: meta.by, role: meta.role }, meta);
    });
  }

  // ---- the day's plan (HO 5.5): the cap, the priority order, the approvals, suppression ----

  type Candidate = SendRow;
  type Plan = {
    /** off: sequences.enabled is false — turning them off stops the hand-over of touches already planned too. */
    day: string; off: boolean; paused: boolean; businessDay: boolean; cap: number; used: number;
    queued: number; rolled: number; cancelled: number; blocked: { id: number; account: string; why: string }[];
  };

  function sendingState(): string {
    return (sqlite.prepare(`select state from machine_actors where kind = 'sending' and id = ?`).pluck().get(MAILBOX) as string | undefined) ?? 'sending';
  }

  const approvedTemplate = sqlite.prepare(`select t.id, t.text from templates t join machine_actors a on a.kind = 'template' and a.id = t.id
    where t.sequence = ? and t.step = ? and a.state = 'approved' order by t.version desc limit 1`);
  const approvedEntries = sqlite.prepare(`select e.contact, e.list from recipient_entries e join recipient_lists l on l.id = e.list
    join templates t on t.id = l.template join machine_actors a on a.kind = 'recipients' and a.id = l.id
    where e.account = ? and t.sequence = ? and a.state = 'approved' order by l.proposed_at desc, l.id desc`);

  /** What a touch would be sent as, or why it cannot be (a missing approval, a missing value, suppression). */
  function prepare(row: Candidate, settings: Settings, cache = new Map<string, Template | null>()):
    { ok: true; contact: string; list: string; template: string; subject: string; body: string } | { ok: false; why: string; cancel?: boolean } {
    const suppressed = suppressedWhy(row.account, row.contact);
    if (suppressed) return { ok: false, why: `${suppressed}: never sent (HO 3.5, 5.6)`, cancel: true };
    const tpl = approvedTemplate.get(row.sequence, row.step) as { id: string; text: string } | undefined;
    if (!tpl) return { ok: false, why: `no approved template version for ${row.sequence} step ${row.step} (HO 5.4.3: only approved templates are sent; ladder template list)` };
    let content = cache.get(tpl.id);
    if (content === undefined) {
      const parsed = parseTemplate(tpl.text, Object.keys(settings.templates.types));
      content = parsed.ok ? parsed.template : null;
      cache.set(tpl.id, content);
    }
    if (!content) return { ok: false, why: `${tpl.id} no longer parses under the settings in force` };
    const seq = db.select({ snapshot: machineActors.snapshot }).from(machineActors).where(and(eq(machineActors.kind, 'sequence'), eq(machineActors.id, row.account))).get();
    const wanted = seq ? (JSON.parse(seq.snapshot) as { context: SequenceContext }).context.contact : null;
    const entries = approvedEntries.all(row.account, row.sequence) as { contact: string; list: string }[];
    const entry = wanted ? entries.find((e) => e.contact === wanted) : entries[0];
    if (!entry) return { ok: false, why: `${wanted ? `${wanted} of ${row.account}` : row.account} is on no CRO-approved recipient list for ${row.sequence} (HO 5.4.3)` };
    const contactSuppressed = suppressedWhy(row.account, entry.contact);
    if (contactSuppressed) return { ok: false, why: `${contactSuppressed}: never sent (HO 3.5, 5.6)`, cancel: true };
    const acct = db.select().from(accounts).where(eq(accounts.domain, row.account)).get()!;
    const extra = JSON.parse(acct.extra) as Record<string, unknown>;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(extra)) if (typeof v === 'string' || typeof v === 'number') values[k] = String(v);
    const unsubscribe = settings.sequences.unsubscribeUrl.replaceAll('{{message_id}}', encodeURIComponent(row.messageId));
    Object.assign(values, { company_name: acct.name, unsubscribe_link: unsubscribe, opt_out_link: unsubscribe, ...(settings.sequences.smtp?.fromName ? { sender_name: settings.sequences.smtp.fromName } : {}) });
    try {
      const out = renderTemplate(content, values);
      return { ok: true, contact: entry.contact, list: entry.list, template: tpl.id, ...out };
    } catch (err) {
      return { ok: false, why: (err as Error).message };
    }
  }

  function planInTx(day: string, settings: Settings, now: string): Plan {
    const s = settings.sequences;
    const holidays = settings.rules.holidays;
    const plan: Plan = { day, off: !s.enabled, paused: false, businessDay: isBusinessDay(day, holidays), cap: 0, used: 0, queued: 0, rolled: 0, cancelled: 0, blocked: [] };
    if (plan.off) return plan;
    if (sendingState() === 'paused') { plan.paused = true; return plan; }
    if (!plan.businessDay) return plan;
    const first = sqlite.prepare(`select min(queued_for) from sends where queued_for is not null`).pluck().get() as string | null;
    plan.cap = capOn(day, s.warmupStart ?? first ?? day, s);
    plan.used = sqlite.prepare(`select count(*) from sends where queued_for = ? and status in ('queued', 'exported', 'sending', 'sent', 'bounced')`).pluck().get(day) as number;
    const today = new Set(sqlite.prepare(`select account from sends where queued_for = ? and status <> 'cancelled'`).pluck().all(day) as string[]);
    const candidates = db.select().from(sends).where(and(eq(sends.status, 'planned'), lte(sends.plannedFor, day)))
      .orderBy(asc(sends.rank), asc(sends.dueAt), asc(sends.id)).all();
    const next = nextBusinessDate(day, holidays);
    const cache = new Map<string, Template | null>();
    const roll = sqlite.prepare(`update sends set planned_for = ?, rolls = rolls + 1, detail = ? where id = ?`);
    for (const c of candidates) {
      if (plan.used >= plan.cap) {
        // The day is full: every touch still waiting rolls to the next business day in one statement (a backlog of
        // 100 000 is not prepared one by one for a day that takes none of them). A touch a plan found blocked keeps
        // its reason and is looked at again on the next plan.
        plan.rolled += sqlite.prepare(`update sends set planned_for = ?, rolls = rolls + 1, detail = ? where status = 'planned' and planned_for <= ? and (detail is null or detail not like 'blocked:%')`)
          .run(next, `over the ${plan.cap}-a-day cap on ${day} (HO 5.5): rolled to ${next}`, day).changes;
        break;
      }
      if (today.has(c.account)) { roll.run(next, `one touch per account a day: ${c.account} has one on ${day}`, c.id); plan.rolled++; continue; }
      const p = prepare(c, settings, cache);
      if (!p.ok) {
        if (p.cancel) {
          db.update(sends).set({ status: 'cancelled', detail: p.why, doneAt: now }).where(eq(sends.id, c.id)).run();
          plan.cancelled++;
        } else {
          db.update(sends).set({ detail: `blocked: ${p.why}` }).where(eq(sends.id, c.id)).run();
          plan.blocked.push({ id: c.id, account: c.account, why: p.why });
        }
        continue;
      }
      db.update(sends).set({ status: 'queued', queuedFor: day, contact: p.contact, template: p.template, list: p.list, detail: null }).where(eq(sends.id, c.id)).run();
      today.add(c.account);
      plan.used++;
      plan.queued++;
    }
    return plan;
  }

  function authorizeOrRecord(type: string, what: string, meta: SequenceMeta, payload: unknown): string {
    const now = validateNow(meta.now);
    core.current();
    const denied = core.authorize(type, meta.role, now);
    if (denied) core.deny({ account: null, subject: `sending:${MAILBOX}`, type, payload, by: meta.by, role: meta.role, source: meta.source, at: now }, `cannot ${what}: ${denied.why}`, denied.kind);
    return now;
  }

  function dayOf(raw: string): string {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) || new Date(`${raw}T00:00:00Z`).toISOString().slice(0, 10) !== raw) {
      throw new BadInputError(`date: expected a calendar date YYYY-MM-DD; got ${JSON.stringify(raw)}`, 'date');
    }
    return raw;
  }

  /** The day's plan (idempotent: a second call takes only what the first left). */
  function plan(rawDay: string, meta: SequenceMeta): Plan {
    const day = dayOf(rawDay);
    const now = authorizeOrRecord('SENDS_PLAN', `plan the sends of ${day}`, meta, { type: 'SENDS_PLAN', day });
    return core.write(() => planInTx(day, core.live().settings, now));
  }

  type Handed = SendRow & { subject: string; body: string };

  /**
   * The day's touches for an external executor (ladder sends due): planned, then each rendered and — unless a
   * preview — handed over (status exported), checked against suppression at that very moment.
   */
  function due(rawDay: string, meta: SequenceMeta & { preview?: boolean }): { plan: Plan; sends: Handed[] } {
    const day = dayOf(rawDay);
    const now = authorizeOrRecord('SENDS_PLAN', `plan the sends of ${day}`, meta, { type: 'SENDS_PLAN', day });
    return core.write(() => {
      const settings = core.live().settings;
      const p = planInTx(day, settings, now);
      if (p.off) return { plan: p, sends: [] };
      const rows = db.select().from(sends).where(and(eq(sends.queuedFor, day), inArray(sends.status, meta.preview ? ['queued', 'exported'] : ['queued']))).orderBy(asc(sends.rank), asc(sends.id)).all();
      const out: Handed[] = [];
      for (const row of rows) {
        const r = prepare(row, settings);
        if (!r.ok) {
          if (r.cancel) { db.update(sends).set({ status: 'cancelled', detail: r.why, doneAt: now }).where(eq(sends.id, row.id)).run(); p.cancelled++; }
          else p.blocked.push({ id: row.id, account: row.account, why: r.why });
          continue;
        }
        if (!meta.preview) {
          db.update(sends).set({ status: 'exported', executor: 'export', attempts: row.attempts + 1, detail: null }).where(and(eq(sends.id, row.id), eq(sends.status, 'queued'))).run();
        }
        out.push({ ...row, status: meta.preview ? row.status : 'exported', subject: r.subject, body: r.body });
      }
      return { plan: p, sends: out };
    });
  }

  /** Bounce rate over the window; over the threshold (with enough sends to judge) every sequence pauses (HO 5.5). */
  function checkBounces(at: string, now: string, source: Source): void {
    const b = core.live().settings.sequences.bounce;
    const from = new Date(Date.parse(at) - b.windowDays * 86_400_000).toISOString();
    const row = sqlite.prepare(`select count(*) as n, sum(status = 'bounced') as bounced from sends where status in ('sent', 'bounced') and done_at > ? and done_at <= ?`).get(from, at) as { n: number; bounced: number | null };
    const bounced = row.bounced ?? 0;
    if (row.n < b.minSends || bounced / row.n <= b.maxRate || sendingState() === 'paused') return;
    const event: ActorEvent = { type: 'BOUNCE_PAUSE', at, by: 'system', role: 'system', rate: Math.round((bounced / row.n) * 10_000) / 10_000, bounced, sends: row.n, windowDays: b.windowDays, maxRate: b.maxRate };
    if (!sqlite.prepare(`select 1 from machine_actors where kind = 'sending' and id = ?`).get(MAILBOX)) {
      const opened: ActorEvent = { type: 'SENDING_OPENED', at, by: 'system', role: 'system' };
      rt().createInTx('sending', MAILBOX, { mailbox: MAILBOX }, opened, { source, now }, () => {});
    }
    rt().systemInTx('sending', MAILBOX, event, { source, now });
  }

  /**
   * What happened to a handed-over touch (an external sequencer, or the SMTP executor): sent or bounced. A send
   * to a suppressed contact is recorded as it happened — and is a SEV2 incident (HO 7).
   */
  function recordInTx(row: SendRow, outcome: 'sent' | 'bounced', detail: string | null, meta: { by: string; now: string; at: string; source: Source }): SendRow {
    if (!['exported', 'sending', 'queued'].includes(row.status)) {
      throw new RefusedError(`cannot record send ${row.id} as ${outcome}: it is ${row.status}${row.doneAt ? ` (since ${row.doneAt})` : ''}; a touch is recorded once`, row.account, 'SEND_RECORDED', 'rule');
    }
    db.update(sends).set({ status: outcome, doneAt: meta.at, doneBy: meta.by, detail }).where(eq(sends.id, row.id)).run();
    if (outcome === 'sent') {
      const why = suppressedWhy(row.account, row.contact);
      if (why) {
        escalate(db, 'sev2-suppressed-send', 'SEV2', `send:${row.messageId}`, meta.at,
          `a touch was sent although ${why}: ${row.sequence} step ${row.step} to ${row.contact} (${row.messageId}). SEV2 incident: immediate investigation, CAN-SPAM review by legal.exec (HO 7)`);
      }
    } else {
      checkBounces(meta.at, meta.now, meta.source);
    }
    return { ...row, status: outcome, doneAt: meta.at, doneBy: meta.by, detail };
  }

  function sendById(id: number): SendRow {
    const row = db.select().from(sends).where(eq(sends.id, id)).get();
    if (!row) throw new BadInputError(`send: no send ${id} (ladder sends list)`, 'send');
    return row;
  }

  function record(id: number, outcome: 'sent' | 'bounced', meta: SequenceMeta & { reason?: string }): SendRow {
    const now = authorizeOrRecord('SEND_RECORDED', `record send ${id}`, meta, { type: 'SEND_RECORDED', id, outcome });
    const row = sendById(id);
    return core.standalone(() => core.attempt(() => recordInTx(row, outcome, meta.reason ?? null, { by: meta.by, now, at: now, source: meta.source }),
      () => ({ account: row.account, subject: `send:${id}`, type: 'SEND_RECORDED', payload: { type: 'SEND_RECORDED', id, outcome, reason: meta.reason ?? null }, by: meta.by, role: meta.role, source: meta.source, at: now })));
  }

  // ---- the SMTP executor's two writes around its network call ----

  /**
   * Claims a touch for the SMTP executor (committed before the network call): queued → sending, or a touch
   * already `sending` (a run that died mid-send) claimed again with the same Message-ID. Checks suppression and
   * renders at that moment. null: not sendable (cancelled, or left queued with the reason).
   */
  function claim(id: number, meta: SequenceMeta): { row: SendRow; to: string; subject: string; body: string } | { skipped: string } {
    const now = validateNow(meta.now);
    return core.write(() => {
      const settings = core.live().settings;
      const row = sendById(id);
      if (row.status !== 'queued' && row.status !== 'sending') return { skipped: `it is ${row.status}` };
      const p = prepare(row, settings);
      if (!p.ok) {
        if (p.cancel) db.update(sends).set({ status: 'cancelled', detail: p.why, doneAt: now }).where(eq(sends.id, id)).run();
        else db.update(sends).set({ detail: `blocked: ${p.why}` }).where(eq(sends.id, id)).run();
        return { skipped: p.why };
      }
      if (!isEmail(p.contact)) {
        db.update(sends).set({ detail: `${p.contact} is not an e-mail address: hand it over with ladder sends due --csv` }).where(eq(sends.id, id)).run();
        return { skipped: `${p.contact} is not an e-mail address` };
      }
      db.update(sends).set({ status: 'sending', executor: 'smtp', attempts: row.attempts + 1, contact: p.contact, template: p.template, list: p.list }).where(eq(sends.id, id)).run();
      return { row: { ...row, status: 'sending' as const, contact: p.contact }, to: p.contact, subject: p.subject, body: p.body };
    });
  }

  /** The SMTP server's answer, recorded: accepted (sent), refused for good (bounced), or refused for now (queued again). */
  function settle(id: number, outcome: 'sent' | 'bounced' | 'retry', detail: string | null, meta: SequenceMeta): SendRow {
    const now = validateNow(meta.now);
    return core.write(() => {
      const row = sendById(id);
      if (outcome === 'retry') {
        db.update(sends).set({ status: 'queued', detail }).where(and(eq(sends.id, id), eq(sends.status, 'sending'))).run();
        return { ...row, status: 'queued' as const, detail };
      }
      return recordInTx(row, outcome, detail, { by: meta.by, now, at: now, source: meta.source });
    });
  }

  function resumeSending(reason: string, meta: SequenceMeta): ActorApplied {
    const now = validateNow(meta.now);
    return core.standalone(() => {
      if (!sqlite.prepare(`select 1 from machine_actors where kind = 'sending' and id = ?`).get(MAILBOX)) {
        return core.attempt(() => { throw new RefusedError('cannot resume sending: it was never paused', null, 'SENDING_RESUME', 'rule'); },
          () => ({ account: null, subject: `sending:${MAILBOX}`, type: 'SENDING_RESUME', payload: { reason }, by: meta.by, role: meta.role, source: meta.source, at: now }));
      }
      return rt().submitInTx('sending', MAILBOX, { type: 'SENDING_RESUME', at: now, by: meta.by, role: meta.role, reason }, meta);
    });
  }

  return {
    specs, ladderHook, reply, command, plan, due, record, claim, settle, resumeSending, sendingState, sendById,
    /** Touches the SMTP executor should hand over on `day`: queued for it or before, and any left `sending` by a crash. */
    sendable(day: string): number[] {
      if (!core.current().settings.sequences.enabled) return [];
      return sqlite.prepare(`select id from sends where (status = 'queued' and queued_for <= ?) or status = 'sending' order by status = 'sending' desc, queued_for, rank, id`).pluck().all(dayOf(day)) as number[];
    },
  };
}
export type Sequences = ReturnType<typeof makeSequences>;
