// Model-based walk of the machines beside the ladder (issue 14): @xstate/graph generates paths that reach every
// state and take every transition of a template version's approval (for each flow) and of a recipient list's
// approval, timers included; each path runs through the real engine (engine.templates.*, the daily sweep,
// engine.changeSettings) on a fresh SQLite file. After every step the stored actor must be where the model says,
// and its machine_events, replayed from the first, must give the stored snapshot; at the end of every path, each
// command the model refuses is refused by the engine too, recorded with the actor as its subject, changing nothing else.
import { and, asc, count, desc, eq, like } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createMachine, initialTransition, transition, type AnyStateMachine } from 'xstate';
import { createApprovalMachine, explainApproval, type ApprovalCommandEvent, type ApprovalConfig, type ApprovalContext, type ApprovalState } from '../../machines/approval.js';
import { createRecipientsMachine, explainRecipients, type RecipientsCommandEvent, type RecipientsContext, type RecipientState } from '../../machines/recipients.js';
import { machineEdges, statePaths, type Edge } from '../../machines/introspect.js';
import { delayOf } from '../../machines/timers.js';
import { RefusedError } from '../../src/engine/errors.js';
import { forbidden } from '../../src/engine/roles.js';
import { sweep } from '../../src/engine/sweep.js';
import { approvalConfig } from '../../src/engine/templates.js';
import { DEFAULT_SETTINGS } from '../../src/settings/schema.js';
import { escalations, events, machineActors, machineEvents, machineTimers, recipientEntries, refusals, settings } from '../../src/store/schema.js';
import { PASSING_FACTS, SYSTEM, tempEngine } from '../helpers/store.js';
import {
  AUTHOR, CMO, LIST, OPS, createApprovalModel, createRecipientsModel, describePath, eventOnly, isTimerEvent, withAddedDrift,
  type ActorModel, type ListProfile, type ModelPath, type ModelState, type TemplateProfile,
} from './approval-model.js';
import { edgeKey, missingEdges, type EdgeKey } from './ladder-model.js';

type Env = ReturnType<typeof tempEngine>;
type Kind = 'template' | 'recipients';

const models = { template: createApprovalModel(), recipients: createRecipientsModel() };
const generated = { template: models.template.generatePaths(), recipients: models.recipients.generatePaths() };
const machineOf = (kind: Kind) => models[kind].machines.before;

/** Edges the engine took and states it reached, per machine; refusals checked, by why they were refused. */
const taken = { template: new Set<EdgeKey>(), recipients: new Set<EdgeKey>() };
const reached = { template: new Set<string>(), recipients: new Set<string>() };
/** Where the engine took the actor, by machine, flow, state and command: the SOP's table below reads it. */
const observed = new Map<string, Set<string>>();
const flowOf = (p: object) => ('flow' in p ? String(p.flow) : 'list');
const refusalsChecked = new Map<string, 'role' | 'content rules' | 'list check' | 'state'>();
let timerSteps = 0;
let replays = 0;

const norm = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
const stored = (s: ModelState<unknown>) => norm({ status: s.snapshot.status, value: s.snapshot.value, context: s.snapshot.context });

/**
 * The actor rebuilt from its log alone: the first event's input through the machine's initial transition, then
 * every later event through the machine of the settings version it was applied under.
 */
function replayActor(env: Env, kind: Kind, id: string): unknown {
  const rows = env.store.db.select().from(machineEvents).where(and(eq(machineEvents.kind, kind), eq(machineEvents.actorId, id))).orderBy(asc(machineEvents.seq)).all();
  expect(rows.map((r) => r.seq), `${kind} ${id}: event seqs`).toEqual(rows.map((_, i) => i + 1));
  const machines = new Map<number, AnyStateMachine>();
  const machineAt = (version: number) => {
    if (!machines.has(version)) {
      const cfg = approvalConfig(env.engine.settingsAt(version).settings);
      machines.set(version, (kind === 'template' ? createApprovalMachine(cfg) : createRecipientsMachine(cfg)) as unknown as AnyStateMachine);
    }
    return machines.get(version)!;
  };
  const first = rows[0]!;
  let [snapshot] = initialTransition(machineAt(first.settingsVersion), (JSON.parse(first.payload) as { input: unknown }).input);
  expect(String(snapshot.value), `${kind} ${id}: event 1`).toBe(first.stateAfter);
  for (const row of rows.slice(1)) {
    const machine = machineAt(row.settingsVersion);
    const restored = machine.resolveState(norm({ status: snapshot.status, value: snapshot.value, context: snapshot.context }) as never);
    [snapshot] = transition(machine, restored, JSON.parse(row.payload));
    expect(String(snapshot.value), `${kind} ${id}: event ${row.seq} ${row.type}`).toBe(row.stateAfter);
  }
  replays++;
  return norm({ status: snapshot.status, value: snapshot.value, context: snapshot.context });
}

const escalationRows = (env: Env, kind: Kind, id: string) =>
  env.store.db.select({ n: count() }).from(escalations).where(like(escalations.subject, `${kind}:${id}:%`)).get()!.n;

const DAY = 86_400_000;
const weekend = (ms: number) => [0, 6].includes(new Date(ms).getUTCDay());
/**
 * HO 5.4.4, written out again here: a step escalates 48 hours after it started, and misses its SLA one business
 * day after it (a step started at a weekend counts from the start of the next business day; the defaults have
 * no holidays).
 */
function sopDueAt(timer: string, enteredAt: string): string {
  if (delayOf(timer) === 'STEP_ESCALATION') return new Date(Date.parse(enteredAt) + 48 * 3_600_000).toISOString();
  let at = Date.parse(enteredAt);
  if (weekend(at)) at -= at % DAY;
  while (weekend(at)) at += DAY;
  at += DAY;
  while (weekend(at)) at += DAY;
  return new Date(at).toISOString();
}

/** Everything the engine stores about the actor, next to what the model says. */
function expectStoredAsModel<P extends { name: string; start: string }>(env: Env, m: ActorModel<P>, s: ModelState<P>, id: string, where: string) {
  const { db } = env.store;
  const row = db.select().from(machineActors).where(and(eq(machineActors.kind, m.kind), eq(machineActors.id, id))).get();
  expect(row?.state, `${where}: machine_actors state`).toBe(String(s.snapshot.value));
  const loaded = env.engine.templates.load(m.kind, id)!;
  expect(norm({ status: loaded.snapshot.status, value: loaded.snapshot.value, context: loaded.snapshot.context }), `${where}: engine.templates.load`).toEqual(stored(s));
  const pending = db.select({ id: machineTimers.timerId, dueAt: machineTimers.dueAt }).from(machineTimers)
    .where(and(eq(machineTimers.kind, m.kind), eq(machineTimers.actorId, id), eq(machineTimers.status, 'pending')))
    .orderBy(asc(machineTimers.dueAt), asc(machineTimers.id)).all();
  expect(pending, `${where}: pending timers`).toEqual(m.inDueOrder(s.timers));
  // HO 5.4.4: each escalation the machine records is an escalation row for chief.staff.
  expect(escalationRows(env, m.kind, id), `${where}: escalation rows`).toBe((s.snapshot.context as { escalations: unknown[] }).escalations.length);
  expect(replayActor(env, m.kind, id), `${where}: replay of machine_events`).toEqual(norm(JSON.parse(row!.snapshot)));
}

/** What a refusal must leave as it was: everything but the refusals table. */
function counts(env: Env, kind: Kind, id: string) {
  const { db } = env.store;
  const actor = db.select().from(machineActors).where(and(eq(machineActors.kind, kind), eq(machineActors.id, id))).get();
  return {
    machineEvents: db.select({ n: count() }).from(machineEvents).get()!.n,
    ladderEvents: db.select({ n: count() }).from(events).get()!.n,
    actor: actor && { version: actor.version, state: actor.state, snapshot: actor.snapshot },
    timers: db.select({ id: machineTimers.id, status: machineTimers.status }).from(machineTimers).orderBy(asc(machineTimers.id)).all(),
    escalations: db.select({ n: count() }).from(escalations).get()!.n,
    settings: db.select({ n: count() }).from(settings).get()!.n,
    refusals: db.select({ n: count() }).from(refusals).get()!.n,
  };
}

/** How a path's steps reach the engine, for one kind of actor. */
type Door<P> = {
  /** A fresh database with the actor created (its event seq 1); returns its id. */
  create(env: Env, profile: P): string;
  command(env: Env, id: string, event: ReturnType<typeof eventOnly>): { before: string | null; after: string };
  world(env: Env, event: ReturnType<typeof eventOnly>): void;
  /** Why the engine must refuse a command the model refuses, in the machine's words, and of which kind. */
  refusal(env: Env, id: string, s: ModelState<P>, event: ReturnType<typeof eventOnly>): { why: string; kind: 'content rules' | 'list check' | 'state' };
  /** More that a refusal of this kind must say. */
  mustSay?(profile: P, kind: string): string[];
};

const meta = (e: { by: string; role: string; at: string }) => ({ by: e.by, role: e.role, now: e.at, source: 'cli' as const });
const commandOf = (e: ReturnType<typeof eventOnly>) => {
  const { by: _by, role: _role, check: _check, ...body } = e;
  return body;
};

const TEMPLATES: Door<TemplateProfile> = {
  create(env, p) {
    const added = env.engine.templates.add({ name: p.file, text: p.text }, { ...AUTHOR, now: p.start, source: 'cli' });
    expect({ template: added.template, after: added.after, seq: added.seq }).toEqual({ template: p.id, after: 'draft', seq: 1 });
    return p.id;
  },
  command: (env, id, e) => env.engine.templates.decide(id, commandOf(e), meta(e)),
  world(env, e) {
    env.engine.changeSettings((s) => ({ ...s, templates: withAddedDrift(s.templates) }), { ...meta(e), change: 'drift phrases: "second axis", "the second one"' });
  },
  refusal(env, _id, s, e) {
    const why = explainApproval(String(s.snapshot.value) as ApprovalState, s.snapshot.context as ApprovalContext, e as ApprovalCommandEvent, approvalConfig(env.engine.settings));
    return { why, kind: / content rules? \(HO 5\.3\)/.test(why) ? 'content rules' : 'state' };
  },
  // The approval of a version whose content breaks a rule added since names the rule, the line and the phrase.
  mustSay: (p, kind) => (kind === 'content rules' ? [`line ${p.drift.line}: drift: "${p.drift.phrase}" frames ERI as a successor of RevOps (HO 5.3`] : []),
};

const LISTS: Door<ListProfile> = {
  create(env, p) {
    const { engine } = env;
    const before = (n: number) => new Date(Date.parse(p.start) - n * 60_000).toISOString();
    // The approved Nurture-MQL version the list is for, and its one recipient's account in MQL.
    engine.templates.add({ name: p.template.file, text: p.template.text }, { ...AUTHOR, now: before(30), source: 'cli' });
    engine.templates.decide(p.template.id, { type: 'TEMPLATE_SUBMIT', at: before(29) }, { ...AUTHOR, now: before(29), source: 'cli' });
    engine.templates.decide(p.template.id, { type: 'CMO_APPROVE', at: before(28) }, { ...CMO, now: before(28), source: 'cli' });
    engine.addAccount({ domain: p.account, name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 82, facts: PASSING_FACTS }, { ...OPS, at: before(27), now: before(27), source: 'cli' });
    engine.submit({ account: p.account, source: 'cli', now: before(26), event: { type: 'SIGNAL', signal: { id: 'sig-1', code: 'E1', interaction: 'comment', contact: p.contact, at: before(26) }, ...OPS, at: before(26) } });
    const proposed = engine.templates.proposeRecipients({ template: p.template.id, entries: [{ account: p.account, contact: p.contact }] }, { ...OPS, now: p.start, source: 'cli' });
    expect({ list: proposed.list, after: proposed.after, seq: proposed.seq }).toEqual({ list: p.id, after: 'proposed', seq: 1 });
    return p.id;
  },
  command: (env, id, e) => env.engine.templates.decideRecipients(id, commandOf(e), meta(e)),
  world(env, e) {
    env.engine.submit({ account: LIST.account, source: 'cli', now: e.at, event: { type: 'DISQUALIFY', reason: 'opt-out', by: e.by, role: e.role, at: e.at } as never });
  },
  refusal(env, id, s, e) {
    const ctx = s.snapshot.context as RecipientsContext;
    // The check the engine makes when the CRO decides, on the list's stored entries.
    const entries = env.store.db.select({ account: recipientEntries.account, contact: recipientEntries.contact }).from(recipientEntries).where(eq(recipientEntries.list, id)).all();
    const check = env.engine.templates.check(ctx.template, entries, e.at);
    const event = { ...e, ...(e.type === 'RECIPIENTS_APPROVE' ? { check: { problems: check.problems, templateState: check.templateState } } : {}) };
    const why = explainRecipients(String(s.snapshot.value) as RecipientState, ctx, event as RecipientsCommandEvent);
    return { why, kind: e.type === 'RECIPIENTS_APPROVE' && s.snapshot.value === 'proposed' && check.problems.length ? 'list check' : 'state' };
  },
  mustSay: (p, kind) => (kind === 'list check' ? [`entry 1 (${p.account}, linkedin.com/in/jane-doe): suppressed (opt-out)`, 'the account is DISQUALIFIED, not MQL'] : []),
};

function runOnEngine<P extends { name: string; start: string }>(m: ActorModel<P>, door: Door<P>, path: ModelPath<P>) {
  const env = tempEngine();
  try {
    const { store } = env;
    const id = door.create(env, path.profile);
    let state = m.init(path.profile);
    expectStoredAsModel(env, m, state, id, `${describePath(path)}, initial`);
    reached[m.kind].add(String(state.snapshot.value));

    for (const step of m.replay(path)) {
      const where = `${describePath(path)}, step ${step.index + 1} (${step.event.key})`;
      const event = eventOnly(step.event);
      expect(Date.parse(event.at), `${where}: dates advance along the path`).toBeGreaterThanOrEqual(Date.parse(state.now));
      const before = counts(env, m.kind, id);
      if (step.event.world) {
        door.world(env, event);
        const after = counts(env, m.kind, id);
        expect({ machineEvents: after.machineEvents, actor: after.actor }, `${where}: the actor is untouched`).toEqual({ machineEvents: before.machineEvents, actor: before.actor });
      } else {
        if (isTimerEvent(event.type)) {
          timerSteps++;
          // The due time comes from the engine's own timer row, and must be the model's.
          const row = store.db.select().from(machineTimers)
            .where(and(eq(machineTimers.kind, m.kind), eq(machineTimers.actorId, id), eq(machineTimers.timerId, event.type), eq(machineTimers.status, 'pending'))).get();
          expect(row?.dueAt, `${where}: due time of the stored timer`).toBe(event.at);
          const entered = (step.before.snapshot.context as { stepEnteredAt: string }).stepEnteredAt;
          expect(row?.dueAt, `${where}: due as the SOP says, from the step's start at ${entered}`).toBe(sopDueAt(event.type, entered));
          const escalatedBefore = escalationRows(env, m.kind, id);
          const swept = sweep(env.engine, { now: row!.dueAt, as: SYSTEM });
          const sla = delayOf(event.type) === 'STEP_SLA';
          expect(swept.approvals, `${where}: approval timers fired by the sweep`).toEqual({ slaBreaches: sla ? 1 : 0, escalated: sla ? 0 : 1 });
          const misses = (x: ModelState<P>) => (x.snapshot.context as { slaBreaches: unknown[] }).slaBreaches.length;
          expect({ breaches: misses(step.after) - misses(step.before), escalationRows: escalationRows(env, m.kind, id) - escalatedBefore }, `${where}: flagged`)
            .toEqual({ breaches: sla ? 1 : 0, escalationRows: sla ? 0 : 1 });
        } else {
          const applied = door.command(env, id, event);
          expect([applied.before, applied.after], `${where}: applied`).toEqual([String(step.before.snapshot.value), String(step.after.snapshot.value)]);
        }
        const last = store.db.select().from(machineEvents).orderBy(desc(machineEvents.id)).get();
        expect({ n: counts(env, m.kind, id).machineEvents - before.machineEvents, actor: `${last?.kind}:${last?.actorId}`, type: last?.type, at: last?.at, source: last?.source }, `${where}: event log`)
          .toEqual({ n: 1, actor: `${m.kind}:${id}`, type: event.type, at: event.at, source: isTimerEvent(event.type) ? 'timer' : 'cli' });
        taken[m.kind].add(step.edge!);
        const move = `${m.kind}|${flowOf(path.profile)}|${String(step.before.snapshot.value)}|${step.event.key}`;
        observed.set(move, new Set([...(observed.get(move) ?? []), String(step.after.snapshot.value)]));
      }
      expectStoredAsModel(env, m, step.after, id, where);
      reached[m.kind].add(String(step.after.snapshot.value));
      state = step.after;
    }

    // What the model refuses at the end of the path, the engine refuses too, recording it with the actor as its
    // subject and changing nothing else. Checked once per machine, flow, state, command and reason.
    for (const candidate of m.candidates(state)) {
      if (candidate.world || isTimerEvent(candidate.type) || m.selected(state, candidate)) continue;
      const event = eventOnly(candidate);
      const denied = forbidden(event.type, event.role);
      const expected = denied ? { why: `cannot ${event.type} ${id}: ${denied}`, kind: 'role' as const } : door.refusal(env, id, state, event);
      const seen = `${m.kind}|${path.profile.name}|${JSON.stringify(state.snapshot.value)}|${candidate.key}|${expected.why}`;
      if (refusalsChecked.has(seen)) continue;
      refusalsChecked.set(seen, expected.kind);
      const where = `${describePath(path)}, then refused ${candidate.key}`;
      const before = counts(env, m.kind, id);
      let error: unknown;
      try {
        door.command(env, id, event);
      } catch (err) {
        error = err;
      }
      expect(error, where).toBeInstanceOf(RefusedError);
      expect((error as Error).message, `${where}: why`).toBe(expected.why);
      for (const words of door.mustSay?.(path.profile, expected.kind) ?? []) expect(expected.why, `${where}: names`).toContain(words);
      expect(counts(env, m.kind, id), `${where}: nothing but a refusal record`).toEqual({ ...before, refusals: before.refusals + 1 });
      const recorded = store.db.select({ account: refusals.account, subject: refusals.subject, type: refusals.type, why: refusals.why, by: refusals.by, role: refusals.role })
        .from(refusals).orderBy(desc(refusals.id)).get();
      expect(recorded, `${where}: refusal record`).toEqual({ account: null, subject: `${m.kind}:${id}`, type: event.type, why: expected.why, by: event.by, role: event.role });
    }
    expectStoredAsModel(env, m, state, id, `${describePath(path)}, after the refusals`);
  } finally {
    env.cleanup();
  }
}

const describeEdge = (e: Edge) => `${edgeKey(e)}${e.guard ? ` [${e.guard}]` : ''} → ${e.targets.join(', ') || '(stays)'}`;

/** One machine's walk: every generated path through the engine, then the coverage of its states and transitions. */
function walk<P extends { name: string; start: string }>(kind: Kind, title: string, paths: ModelPath<P>[], run: (path: ModelPath<P>) => void) {
  describe(title, () => {
    it.each(paths.map((p) => [describePath(p), p] as const))('%s', (_name, path) => run(path));

    it('reaches every state of the machine', () => {
      expect([...reached[kind]].sort()).toEqual(statePaths(machineOf(kind)).sort());
    });

    it('takes every transition of the machine, guarded branches and timers included', () => {
      expect(taken[kind].size).toBeGreaterThan(0);
      expect(missingEdges(machineOf(kind), taken[kind]).map(describeEdge)).toEqual([]);
    });
  });
}

describe('model-based walk of the approval machines through the engine', () => {
  afterAll(() => {
    const figures = (kind: Kind) => {
      const edges = machineEdges(machineOf(kind));
      const g = generated[kind];
      return `${kind === 'template' ? 'approval' : 'recipients'} machine: ${statePaths(machineOf(kind)).length} states, ${edges.length} transitions `
        + `(${edges.filter((e) => e.delay).length} of them timers), ${g.paths.length} paths (${g.paths.reduce((n, p) => n + p.steps.length, 0)} steps; `
        + `graph of ${g.states} serialized states, ${g.transitions} accepted transitions)`;
    };
    const by = (k: string) => [...refusalsChecked.values()].filter((v) => v === k).length;
    console.log(`approval walk: ${figures('template')}; ${figures('recipients')}; ${timerSteps} timers fired by the sweep, `
      + `${replays} replays of machine_events; ${refusalsChecked.size} refusals checked (${by('role')} role, ${by('content rules')} content rules, `
      + `${by('list check')} list check, ${by('state')} state)`);
  });

  walk('template', 'a template version\'s approval', generated.template.paths, (p) => runOnEngine(models.template, TEMPLATES, p));
  walk('recipients', 'a recipient list\'s approval', generated.recipients.paths, (p) => runOnEngine(models.recipients, LISTS, p));

  // HO 5.4.1-5.4.4, as the engine did it along the walk.
  it.each([
    ['template', 'simplified', 'draft', 'TEMPLATE_SUBMIT', 'cmoReview'],
    ['template', 'simplified', 'cmoReview', 'CMO_APPROVE', 'approved'],
    ['template', 'framework', 'cmoReview', 'CMO_APPROVE', 'approved'],
    ['template', 'full', 'cmoReview', 'CMO_APPROVE', 'croReview'],
    ['template', 'full', 'croReview', 'CRO_GO', 'approved'],
    ['template', 'full', 'croReview', 'CRO_NO_GO', 'draft'],
    ['template', 'simplified', 'cmoReview', 'CMO_REJECT', 'draft'],
    ['template', 'full', 'cmoReview', 'CMO_REJECT', 'draft'],
    ['template', 'framework', 'approved', 'TEMPLATE_RETIRE', 'retired'],
    ['template', 'full', 'cmoReview', 'STEP_SLA', 'cmoReview'],
    ['template', 'full', 'croReview', 'STEP_ESCALATION', 'croReview'],
    ['recipients', 'list', 'proposed', 'RECIPIENTS_APPROVE', 'approved'],
    ['recipients', 'list', 'proposed', 'RECIPIENTS_REJECT', 'rejected'],
    ['recipients', 'list', 'proposed', 'RECIPIENTS_WITHDRAW', 'withdrawn'],
    ['recipients', 'list', 'approved', 'RECIPIENTS_WITHDRAW', 'withdrawn'],
    ['recipients', 'list', 'proposed', 'STEP_ESCALATION', 'proposed'],
  ])('%s (%s flow) in %s: %s leads to %s', (kind, flow, from, key, to) => {
    expect(observed.get(`${kind}|${flow}|${from}|${key}`)).toEqual(new Set([to]));
  });

  it('walks the orders of time the SOP makes: a second round\'s escalation, the weekend putting the escalation before the SLA', () => {
    const walked = generated.template.paths.map((p) => `${p.profile.name}: ${p.steps.map((s) => s.key).join(' → ')}`);
    expect(walked.some((w) => /TEMPLATE_SUBMIT → .*(CMO_REJECT|CRO_NO_GO) → TEMPLATE_SUBMIT → (STEP_SLA → )?STEP_ESCALATION/.test(w))).toBe(true);
    expect(walked.some((w) => w.startsWith('Activation-SQL (full), added on a Friday: TEMPLATE_SUBMIT → STEP_ESCALATION → STEP_SLA'))).toBe(true);
    expect(walked.some((w) => /added on a Friday: .*CMO_APPROVE → STEP_ESCALATION → STEP_SLA/.test(w))).toBe(true);
  });

  it('checks refusals of every kind: a role that may not, a state that does not take it, content rules, a list check', () => {
    const kinds = new Set(refusalsChecked.values());
    expect([...kinds].sort()).toEqual(['content rules', 'list check', 'role', 'state']);
    const keys = [...refusalsChecked.keys()];
    // The refusals the SOP names: a non-CMO approving, the CRO's GO on a simplified-flow version, an approval under a rule added since.
    expect(keys.some((k) => k.includes('|CMO_APPROVE by cro|'))).toBe(true);
    expect(keys.some((k) => k.startsWith('template|Nurture-MQL (simplified)|"cmoReview"|CRO_GO|') && k.includes('needs no CRO narrative approval'))).toBe(true);
    expect(keys.some((k) => /\|"cmoReview"\|CMO_APPROVE\|.*content rule/.test(k))).toBe(true);
    expect(keys.some((k) => k.startsWith('recipients|') && k.includes('|RECIPIENTS_APPROVE|') && k.includes('suppressed (opt-out)'))).toBe(true);
  });
});

describe('the coverage check of the approval walk', () => {
  /** The approval machine with transitions no path can take: one behind a guard that never holds there, one for an event nobody sends. */
  const withUnreachableTransitions = (cfg: ApprovalConfig): AnyStateMachine => {
    const base = createApprovalMachine(cfg) as unknown as AnyStateMachine;
    const config = base.config as unknown as { states: Record<string, { on?: Record<string, unknown> }> };
    const states = { ...config.states };
    // Only the CMO rejects: a CMO_REJECT guarded by isCro never passes.
    states.draft = { ...states.draft, on: { ...states.draft!.on, CMO_REJECT: { guard: 'isCro', target: 'retired' } } };
    states.approved = { ...states.approved, on: { ...states.approved!.on, TEMPLATE_PAUSE: { target: 'draft' } } };
    return createMachine({ ...config, states } as never, base.implementations as never) as unknown as AnyStateMachine;
  };
  const expected = ['draft CMO_REJECT #0 [isCro] → retired', 'approved TEMPLATE_PAUSE #0 → draft'];

  it('reports a transition that the machine gained and no generated path takes', () => {
    const m = createApprovalModel(withUnreachableTransitions);
    const walked = new Set<EdgeKey>();
    for (const path of m.generatePaths().paths) for (const step of m.replay(path)) if (step.edge) walked.add(step.edge);
    expect(missingEdges(m.machines.before, walked).map(describeEdge)).toEqual(expected);
    // The edges of the unmodified machine are all still taken: only the additions are reported.
    expect(missingEdges(machineOf('template'), walked)).toEqual([]);
  });

  it('reports the additions against the transitions the engine walk took, too', () => {
    const modified = withUnreachableTransitions(approvalConfig(DEFAULT_SETTINGS));
    expect(missingEdges(modified, taken.template).map(describeEdge)).toEqual(expected);
  });
});
