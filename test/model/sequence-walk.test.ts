// Model-based walk of an account's email sequence (issue 15) and of the sending mailbox: @xstate/graph generates
// paths that reach every state and take every transition of the sequence machine (its replies, tasks and timers
// included) and each path runs through the real engine on a fresh SQLite file: the ladder moved with
// engine.submit (the ladder hook enrols the account), replies through engine.sequences.reply, tasks, resumes and
// new contacts through engine.sequences.command, timers through the daily sweep on a moved --now. After every step
// the stored actor, its pending timers, its sends and the account's stage must be the model's, the step must have
// written the machine events the model says, and replaying machine_events must rebuild the stored snapshot; at the
// end of every path each command the model refuses is refused by the engine too, recorded, changing nothing else.
import { and, asc, count, desc, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { machineEdges, statePaths, type Edge } from '../../machines/introspect.js';
import { explainSequence, type SequenceCommandEvent } from '../../machines/sequence.js';
import { createSendingMachine } from '../../machines/sending.js';
import type { LadderContext } from '../../machines/context.js';
import { rootEdges } from '../../src/diagram/sequences.js';
import { RefusedError } from '../../src/engine/errors.js';
import { replayActor } from '../../src/engine/replay.js';
import { forbidden } from '../../src/engine/roles.js';
import { sweep } from '../../src/engine/sweep.js';
import { escalations, machineActors, machineEvents, machineTimers, refusals, sends } from '../../src/store/schema.js';
import { PASSING_FACTS, SYSTEM, TEST_SETTINGS_AT, tempEngine } from '../helpers/store.js';
import { edgeKey, stateKeysOf, type EdgeKey } from './ladder-model.js';
import {
  ACCOUNT, CRO, OPS, T0, WALK_RULES, WALK_SEQUENCES, createSequenceModel, ctxOf, describePath, eventOnly, isTimerEvent, stateOf,
  type LadderAt, type ModelEvent, type ModelPath, type ModelState,
} from './sequence-model.js';

type Env = ReturnType<typeof tempEngine>;
const model = createSequenceModel();
const generated = model.generatePaths();

/** Every transition of the machine: its states' (introspect.ts) and its root's (the replies, a task done, a task's SLA). */
const allEdges = (m: AnyStateMachine): Edge[] => [...machineEdges(m), ...rootEdges(m).map((e) => ({ ...e, source: '' }))];
/**
 * Transitions no engine path can take, and why. The ladder hook (src/engine/sequences.ts) hands the sequence a STAGE
 * only when the stage moves (stage, sub-state or a Briefing held), with the sequence sequenceTargetOf names for it.
 * Post-Briefing is named only once BRIEFING_COMPLETED holds the Briefing on BRIEFING_READY, which the ladder enters
 * only from SQL.confirmed (BRIEFING_SCHEDULED) with a STAGE naming no sequence; and a sequence whose target is none is
 * idle, stopped, awaitingContact or suppressed: active, complete and paused run the target's sequence (any STAGE
 * that changes the target leaves them: stageRules), cooldown follows a Nurture-MQL run, croTask an Activation-SQL run
 * or a Post-Briefing STAGE.
 */
const NO_POST_BRIEFING = 'a Post-Briefing STAGE always follows the STAGE with no target of entering BRIEFING_READY (from SQL.confirmed, BRIEFING_SCHEDULED), '
  + 'which takes this state to idle (stageRules): a sequence with no target is only ever idle, stopped, awaitingContact or suppressed';
const UNREACHABLE: Record<EdgeKey, string> = {
  'active STAGE #2': NO_POST_BRIEFING,
  'complete STAGE #2': NO_POST_BRIEFING,
  'cooldown STAGE #2': NO_POST_BRIEFING,
  'paused STAGE #2': NO_POST_BRIEFING,
  'croTask STAGE #2': NO_POST_BRIEFING,
  'croTask STAGE #0': 'croTask holds the target Activation-SQL (its run ended on SQL.confirmed) or Post-Briefing (the Briefing held on BRIEFING_READY); '
    + 'the ladder leaves SQL.confirmed only for BRIEFING_READY (no sequence), MQL (SQL_STALE: Nurture-MQL), DISQUALIFIED or ARCHIVED, and a held '
    + 'BRIEFING_READY only for ASSESSMENT_QUALIFIED, RECYCLED, DISQUALIFIED or ARCHIVED (no sequence); a SIGNAL re-enters SQL through history, '
    + 'the same sub-state, so no STAGE: no STAGE ever names the same target in croTask',
};

const taken = new Set<EdgeKey>();
const reached = new Set<string>();
const refusalsChecked = new Map<string, 'role' | 'state'>();
let timerSteps = 0;
let replays = 0;
let sendsChecked = 0;
/** The most reply SLA timers pending at once on one path (each task's own timer id, task-<n>). */
let taskTimersAtOnce = 0;
/** Refusals of note: a reply to a suppressed sequence (never acted on), a refused first reply (no actor is left behind). */
const refusedOf = { suppressedReply: 0, firstReply: 0 };

const norm = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
const meta = (e: { by: string; role: string; at: string }) => ({ by: e.by, role: e.role, now: e.at, source: 'cli' as const });

function ladderAtOf(env: Env): LadderAt {
  const snap = env.engine.load(ACCOUNT)!.snapshot;
  const v = snap.value as string | Record<string, string>;
  const label = typeof v === 'string' ? v : Object.entries(v).map(([k, s]) => `${k}.${s}`)[0]!;
  if (label === 'BRIEFING_READY') return (snap.context as LadderContext).briefing?.completedAt ? 'BRIEFING_HELD' : 'BRIEFING_READY';
  return label as LadderAt;
}

const LADDER_EVENTS: Record<string, (at: string) => Record<string, unknown>> = {
  'ladder: SIGNAL E1 comment': (at) => ({ type: 'SIGNAL', signal: { id: 'sig-1', code: 'E1', interaction: 'comment', contact: 'linkedin.com/in/jane-doe', at } }),
  'ladder: DOSSIER 3 LIKELY': () => ({ type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'LIKELY', S4: 'NOT_PRESENT' } }),
  'ladder: DOSSIER 2 LIKELY': () => ({ type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'NOT_PRESENT', S4: 'NOT_PRESENT' } }),
  'ladder: SIGNAL E4 briefing request': (at) => ({ type: 'SIGNAL', signal: { id: `sig-e4-${at}`, code: 'E4', contact: 'linkedin.com/in/jane-doe', at } }),
  'ladder: CRO_CONFIRM': () => ({ type: 'CRO_CONFIRM' }),
  'ladder: BRIEFING_SCHEDULED': () => ({ type: 'BRIEFING_SCHEDULED' }),
  'ladder: BRIEFING_COMPLETED': () => ({ type: 'BRIEFING_COMPLETED' }),
  'ladder: DISQUALIFY acquired': () => ({ type: 'DISQUALIFY', reason: 'acquired' }),
};

function create(): Env {
  const env = tempEngine({ rules: WALK_RULES });
  env.engine.changeSettings((s) => ({ ...s, sequences: structuredClone(WALK_SEQUENCES) }), { ...OPS, now: TEST_SETTINGS_AT, change: 'two touches a run', source: 'cli' });
  env.engine.addAccount({ domain: ACCOUNT, name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 82, facts: PASSING_FACTS }, { ...OPS, at: T0, now: T0, source: 'cli' });
  return env;
}

/** One step of a path through the engine's doors. */
function drive(env: Env, e: ModelEvent): void {
  const event = eventOnly(e);
  if (e.key === 'ladder: SQL_STALE') {
    // The SQL went stale: its SQL_STALE timer (sqlStaleDays of no engagement, far away in WALK_RULES) brought forward
    // to this step, then fired by the sweep through the one engine, as on the day it falls due.
    const moved = env.store.sqlite.prepare(`update timers set due_at = ? where account = ? and status = 'pending' and timer_id like '%SQL_STALE%'`).run(e.at, ACCOUNT);
    expect(moved.changes, `${e.key}: the SQL's pending SQL_STALE timer`).toBe(1);
    const swept = sweep(env.engine, { now: e.at, as: SYSTEM });
    expect(swept.transitions, `${e.key}: the sweep moved the account`).toEqual({ 'SQL→MQL': 1 });
  } else if (e.world === 'ladder') {
    env.engine.submit({ account: ACCOUNT, source: 'cli', now: e.at, event: { ...LADDER_EVENTS[e.key]!(e.at), at: e.at, by: e.by, role: e.role } as never });
  } else if (e.world === 'handover') {
    // An external sequencer took the day's touches (ladder sends due hands them over as `exported`), then reports them sent.
    const planned = env.store.db.select({ id: sends.id }).from(sends).where(and(eq(sends.account, ACCOUNT), eq(sends.status, 'planned'))).all();
    for (const { id } of planned) {
      env.store.sqlite.prepare(`update sends set status = 'exported', executor = 'export' where id = ?`).run(id);
      env.engine.sequences.record(id, 'sent', meta(e));
    }
  } else if (isTimerEvent(e.type)) {
    timerSteps++;
    const swept = sweep(env.engine, { now: e.at, as: SYSTEM });
    expect(swept.skipped, `${e.key}: no timer refused by the sweep`).toBe(0);
  } else if (event.type === 'REPLY') {
    const { type: _t, by: _b, role: _r, ...raw } = event;
    env.engine.sequences.reply(ACCOUNT, raw, meta(e));
  } else {
    const { by: _b, role: _r, ...raw } = event;
    env.engine.sequences.command(ACCOUNT, raw as never, meta(e));
  }
}

function expectStoredAsModel(env: Env, s: ModelState, where: string) {
  const { db } = env.store;
  expect(ladderAtOf(env), `${where}: the account's stage`).toBe(s.ladder);
  const row = db.select().from(machineActors).where(and(eq(machineActors.kind, 'sequence'), eq(machineActors.id, ACCOUNT))).get();
  if (!s.opened) {
    expect(row, `${where}: no sequence actor yet`).toBeUndefined();
    return;
  }
  expect(row?.state, `${where}: machine_actors state`).toBe(stateOf(s));
  const { status, value, context } = s.snapshot;
  expect(norm(JSON.parse(row!.snapshot)), `${where}: stored snapshot`).toEqual(norm({ status, value, context }));
  const pending = db.select({ id: machineTimers.timerId, dueAt: machineTimers.dueAt }).from(machineTimers)
    .where(and(eq(machineTimers.kind, 'sequence'), eq(machineTimers.actorId, ACCOUNT), eq(machineTimers.status, 'pending')))
    .orderBy(asc(machineTimers.dueAt), asc(machineTimers.id)).all();
  expect(pending, `${where}: pending timers`).toEqual(model.inDueOrder(s.timers).map((t) => ({ id: t.id, dueAt: t.dueAt })));
  taskTimersAtOnce = Math.max(taskTimersAtOnce, pending.filter((t) => t.id.startsWith('task-')).length);
  // HO 5.5: a send is planned exactly when a touch falls due, and cancelled when its run ends, pauses or is replaced.
  const rows = db.select({ run: sends.run, step: sends.step, status: sends.status }).from(sends).where(eq(sends.account, ACCOUNT)).orderBy(asc(sends.id)).all();
  expect(rows, `${where}: sends`).toEqual(s.sends);
  sendsChecked++;
  // A reply's SLA passing is an escalation row (reported like the dossier and review SLAs).
  const breached = ctxOf(s).tasks.filter((t) => t.breachedAt).length;
  expect(db.select({ n: count() }).from(escalations).where(eq(escalations.kind, 'reply-sla')).get()!.n, `${where}: reply-SLA escalations`).toBe(breached);
  const replayed = replayActor(env.engine, 'sequence', ACCOUNT);
  expect(replayed.differs, `${where}: replay of machine_events`).toEqual([]);
  replays++;
}

const eventCount = (env: Env) => env.store.db.select({ n: count() }).from(machineEvents).where(eq(machineEvents.kind, 'sequence')).get()!.n;
function snapshotOfStore(env: Env) {
  const { db, sqlite } = env.store;
  return {
    actor: db.select().from(machineActors).where(eq(machineActors.kind, 'sequence')).all(),
    events: eventCount(env),
    ladderEvents: sqlite.prepare('select count(*) from events').pluck().get(),
    timers: db.select({ id: machineTimers.id, status: machineTimers.status }).from(machineTimers).orderBy(asc(machineTimers.id)).all(),
    sends: db.select({ id: sends.id, status: sends.status }).from(sends).orderBy(asc(sends.id)).all(),
    suppressions: sqlite.prepare('select count(*) from suppressions').pluck().get(),
    refusals: db.select({ n: count() }).from(refusals).get()!.n,
  };
}

function runOnEngine(path: ModelPath) {
  const env = create();
  try {
    let state = model.init;
    expectStoredAsModel(env, state, `${describePath(path)}, initial`);
    for (const step of model.replay(path)) {
      const where = `${describePath(path)}, step ${step.index + 1} (${step.event.key})`;
      const before = eventCount(env);
      drive(env, step.event);
      const written = env.store.db.select({ type: machineEvents.type }).from(machineEvents).where(eq(machineEvents.kind, 'sequence')).orderBy(asc(machineEvents.id)).all().slice(before).map((r) => r.type);
      expect(written, `${where}: machine events written`).toEqual(step.after.wrote);
      expectStoredAsModel(env, step.after, where);
      for (const edge of step.after.took) taken.add(edge);
      if (step.after.opened) for (const k of stateKeysOf(step.after.snapshot.value)) reached.add(k);
      state = step.after;
    }
    // What the model refuses at the end of the path, the engine refuses too: recorded, nothing else changed.
    for (const candidate of model.candidates(state)) {
      if (candidate.world || isTimerEvent(candidate.type) || model.step(state, candidate) !== state) continue;
      if (!state.opened && candidate.type !== 'REPLY') continue;
      const event = eventOnly(candidate);
      const denied = forbidden(event.type, event.role);
      const why = denied ? `cannot ${event.type} ${ACCOUNT}: ${denied}` : explainSequence(stateOf(state), ctxOf(state), model.enriched(state, event) as SequenceCommandEvent);
      const seen = `${JSON.stringify(state.snapshot.value)}|${candidate.key}|${why}`;
      if (refusalsChecked.has(seen)) continue;
      refusalsChecked.set(seen, denied ? 'role' : 'state');
      if (event.type === 'REPLY' && stateOf(state) === 'suppressed') refusedOf.suppressedReply++;
      if (!state.opened) refusedOf.firstReply++;
      const where = `${describePath(path)}, then refused ${candidate.key}`;
      const before = snapshotOfStore(env);
      let error: unknown;
      try {
        drive(env, candidate);
      } catch (err) {
        error = err;
      }
      expect(error, where).toBeInstanceOf(RefusedError);
      expect((error as Error).message, `${where}: why`).toBe(why);
      expect(snapshotOfStore(env), `${where}: nothing but a refusal record`).toEqual({ ...before, refusals: before.refusals + 1 });
      const recorded = env.store.db.select({ subject: refusals.subject, type: refusals.type, why: refusals.why, by: refusals.by, role: refusals.role })
        .from(refusals).orderBy(desc(refusals.id)).get();
      expect(recorded, `${where}: refusal record`).toEqual({ subject: `sequence:${ACCOUNT}`, type: event.type, why, by: event.by, role: event.role });
    }
    expectStoredAsModel(env, state, `${describePath(path)}, after the refusals`);
  } finally {
    env.cleanup();
  }
}

const describeEdge = (e: Edge) => `${edgeKey(e)}${e.guard ? ` [${e.guard}]` : ''} → ${e.targets.join(', ') || '(stays)'}`;

describe('model-based walk of the sequence machine through the engine', () => {
  afterAll(() => {
    const edges = allEdges(model.machine);
    const by = (k: string) => [...refusalsChecked.values()].filter((v) => v === k).length;
    console.log(`sequence walk: ${statePaths(model.machine).length} states, ${edges.length} transitions (${edges.filter((e) => e.delay).length} of them timers; `
      + `${edges.length - Object.keys(UNREACHABLE).length} reachable through the engine, all taken; ${Object.keys(UNREACHABLE).length} unreachable), ${generated.paths.length} paths `
      + `(${generated.paths.reduce((n, p) => n + p.steps.length, 0)} steps; graph of ${generated.states} serialized states, ${generated.transitions} accepted transitions); `
      + `${timerSteps} timers fired by the sweep (up to ${taskTimersAtOnce} task SLA timers pending at once), ${sendsChecked} checks of the sends table, ${replays} replays of machine_events; `
      + `${refusalsChecked.size} refusals checked (${by('role')} role, ${by('state')} state; ${refusedOf.suppressedReply} replies to a suppressed sequence, `
      + `${refusedOf.firstReply} first replies with no actor)`);
  });

  it.each(generated.paths.map((p) => [describePath(p), p] as const))('%s', (_name, path) => runOnEngine(path));

  it('reaches every state of the machine', () => {
    expect([...reached].sort()).toEqual(statePaths(model.machine).sort());
  });

  it('takes every transition of the machine the engine can reach, guarded branches, replies and timers included', () => {
    const missing = allEdges(model.machine).filter((e) => !taken.has(edgeKey(e)) && !Object.hasOwn(UNREACHABLE, edgeKey(e)));
    expect(missing.map(describeEdge)).toEqual([]);
    // The ones listed as unreachable really are: no path of the model's graph takes them.
    expect(Object.keys(UNREACHABLE).filter((k) => taken.has(k))).toEqual([]);
  });

  it('holds several tasks\' SLA timers pending at once, each under its own timer id', () => {
    expect(taskTimersAtOnce).toBeGreaterThanOrEqual(2);
  });

  it('checks refusals of both kinds: a role that may not, a state that does not take it', () => {
    expect(new Set(refusalsChecked.values())).toEqual(new Set(['role', 'state']));
    expect(refusedOf.suppressedReply, 'replies refused by a suppressed sequence').toBeGreaterThan(0);
    expect(refusedOf.firstReply, 'first replies refused on an account with no sequence actor').toBeGreaterThan(0);
  });
});

describe('a reply\'s effect on the ladder through the engine', () => {
  // Found by the walk's path "SIGNAL E1 → DISQUALIFY acquired → REPLY opt-out": the reply's DISQUALIFY used to be
  // refused (DISQUALIFIED took none), leaving the reopenable reason `acquired` unsuppressed, so CRO_REOPEN could put an
  // opted-out account back on the ladder (HO 3.5). DISQUALIFIED now takes a suppressing DISQUALIFY.
  it('an opt-out reply on an account disqualified for a reopenable reason makes it non-reopenable', () => {
    const env = create();
    try {
      const { engine, store } = env;
      const at = (m: number) => new Date(Date.parse(T0) + m * 60_000).toISOString();
      for (const [m, key] of [[1, 'ladder: SIGNAL E1 comment'], [2, 'ladder: DISQUALIFY acquired']] as const) {
        engine.submit({ account: ACCOUNT, source: 'cli', now: at(m), event: { ...LADDER_EVENTS[key]!(at(m)), at: at(m), ...OPS } as never });
      }
      const out = engine.sequences.reply(ACCOUNT, { category: 'opt-out', contact: 'jane@acme.com' }, { by: 'marcus', role: 'cro', now: at(3), source: 'cli' });
      expect(out.ladder?.status, 'the reply\'s disqualification').toBe('applied');
      expect(store.db.select({ n: count() }).from(refusals).get()!.n, 'no refusal for the reply\'s own effect').toBe(0);
      const ctx = engine.load(ACCOUNT)!.snapshot.context as LadderContext;
      expect({ reason: ctx.disqualification?.reason, suppressed: ctx.suppressed }).toEqual({ reason: 'opt-out', suppressed: true });
      expect(() => engine.submit({ account: ACCOUNT, source: 'cli', now: at(4), event: { type: 'CRO_REOPEN', reason: 'new owners', at: at(4), ...CRO } as never })).toThrow(RefusedError);
    } finally {
      env.cleanup();
    }
  });
});

describe('the sending mailbox through the engine', () => {
  it('pauses every sequence at a bounce rate over the threshold and resumes only for sales.ops, each step replayed', () => {
    const env = create();
    try {
      const { engine, store } = env;
      const at = (m: number) => new Date(Date.parse(T0) + m * 60_000).toISOString();
      // The sends rows below stand for touches an executor took: each names the event that planned it (here, the enrolment).
      engine.submit({ account: ACCOUNT, source: 'cli', now: at(1), event: { ...LADDER_EVENTS['ladder: SIGNAL E1 comment']!(at(1)), at: at(1), ...OPS } as never });
      const eventId = store.sqlite.prepare(`select max(id) from machine_events`).pluck().get() as number;
      expect(() => engine.sequences.resumeSending('nothing to resume', { ...OPS, now: at(1), source: 'cli' })).toThrow('cannot resume sending: it was never paused');
      // The rate is judged when a bounce is recorded: the first two are too few sends to judge (minSends 20); a third
      // bounce after 18 sent is 3 of 21, over the 5 % threshold.
      for (let i = 1; i <= 20; i++) {
        const id = Number(store.sqlite.prepare(`insert into sends (account, sequence, run, step, message_id, due_at, planned_for, rank, status, planned_at, event_id) values (?, 'Nurture-MQL', ?, 1, ?, ?, ?, 0, 'exported', ?, ?)`)
          .run(ACCOUNT, 100 + i, `<walk.${i}@x>`, at(2), at(2).slice(0, 10), at(2), eventId).lastInsertRowid);
        engine.sequences.record(id, i <= 2 ? 'bounced' : 'sent', { ...OPS, now: at(2 + i), source: 'cli' });
        // The first bounce is one in one: too few sends to judge.
        expect(engine.sequences.sendingState(), `after send ${i}`).toBe('sending');
      }
      const last = Number(store.sqlite.prepare(`insert into sends (account, sequence, run, step, message_id, due_at, planned_for, rank, status, planned_at, event_id) values (?, 'Nurture-MQL', 199, 1, '<walk.99@x>', ?, ?, 0, 'exported', ?, ?)`)
        .run(ACCOUNT, at(30), at(30).slice(0, 10), at(30), eventId).lastInsertRowid);
      engine.sequences.record(last, 'bounced', { ...OPS, now: at(31), source: 'cli' });
      expect(engine.sequences.sendingState()).toBe('paused');
      // The rate as recorded: 3 of 21, rounded to 4 decimals (a replay on another platform rebuilds the same snapshot).
      const paused = store.db.select({ payload: machineEvents.payload }).from(machineEvents).where(eq(machineEvents.type, 'BOUNCE_PAUSE')).get()!;
      expect(JSON.parse(paused.payload)).toMatchObject({ rate: 0.1429, bounced: 3, sends: 21 });
      expect(store.db.select({ n: count() }).from(escalations).where(eq(escalations.kind, 'bounce-rate')).get()!.n).toBe(1);
      const refusalsBefore = store.db.select({ n: count() }).from(refusals).get()!.n;
      expect(() => engine.sequences.resumeSending('looks fine', { by: 'marcus', role: 'cro', now: at(32), source: 'cli' })).toThrow(RefusedError);
      expect(store.db.select({ n: count() }).from(refusals).get()!.n).toBe(refusalsBefore + 1);
      expect(engine.sequences.sendingState()).toBe('paused');
      engine.sequences.resumeSending('list cleaned, domain checked', { ...OPS, now: at(33), source: 'cli' });
      expect(engine.sequences.sendingState()).toBe('sending');
      const log = store.db.select({ type: machineEvents.type, before: machineEvents.stateBefore, after: machineEvents.stateAfter }).from(machineEvents).where(eq(machineEvents.kind, 'sending')).orderBy(asc(machineEvents.seq)).all();
      expect(log).toEqual([
        { type: 'SENDING_OPENED', before: null, after: 'sending' },
        { type: 'BOUNCE_PAUSE', before: 'sending', after: 'paused' },
        { type: 'SENDING_RESUME', before: 'paused', after: 'sending' },
      ]);
      expect(replayActor(engine, 'sending', 'email').differs).toEqual([]);
      // Both transitions of the sending machine taken.
      expect(machineEdges(createSendingMachine() as unknown as AnyStateMachine).map((e) => `${e.source} ${e.event}`)).toEqual(['sending BOUNCE_PAUSE', 'paused SENDING_RESUME']);
    } finally {
      env.cleanup();
    }
  });
});
