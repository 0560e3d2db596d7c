// Model-based walk: @xstate/graph generates paths that reach every state and take every transition of
// the ladder machine (timers included); each path then runs through the real engine on a real SQLite
// file, and after every step the stored account must be exactly where the model says it is.
import { and, asc, count, desc, eq, isNull } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createMachine, type AnyStateMachine } from 'xstate';
import type { LadderCommandEvent } from '../../machines/events.js';
import { machineEdges, statePaths, type Edge } from '../../machines/introspect.js';
import { explainRefusal } from '../../machines/explain.js';
import { createLadderMachine } from '../../machines/ladder.js';
import { DEFAULT_RULES } from '../../machines/rules/config.js';
import { stageOf } from '../../machines/stage.js';
import { RefusedError } from '../../src/engine/errors.js';
import { sweep } from '../../src/engine/sweep.js';
import { actors, events, refusals, stageHistory, timers } from '../../src/store/schema.js';
import { SYSTEM, tempEngine } from '../helpers/store.js';
import {
  createLadderModel, describePath, edgeKey, eventOnly, isTimerEvent, missingEdges, replayPath, selectedTransition,
  stateKeysOf, T0, type EdgeKey, type LadderModel, type ModelPath, type ModelState,
} from './ladder-model.js';

const machine = createLadderMachine(DEFAULT_RULES);
const model = createLadderModel(machine, DEFAULT_RULES);
const generated = model.generatePaths();

/** Edges the engine actually took (the model's choice, confirmed by the stored result). */
const taken = new Set<EdgeKey>();
const reached = new Set<string>();
const refusalsChecked = new Set<string>();
let timerSteps = 0;

type Env = ReturnType<typeof tempEngine>;

/** Everything the engine stores about the account, next to what the model says. */
function expectStoredAsModel(env: Env, m: LadderModel, s: ModelState, where: string) {
  const { db } = env.store;
  const account = s.profile.domain;
  const expected = stageOf(s.snapshot.value);
  const row = db.select().from(actors).where(eq(actors.account, account)).get();
  expect({ stage: row?.stage, substate: row?.substate }, `${where}: actors row`).toEqual(expected);
  const loaded = env.engine.load(account)!;
  expect(loaded.snapshot.value, `${where}: engine.load value`).toEqual(s.snapshot.value);
  expect(loaded.snapshot.status, `${where}: engine.load status`).toBe(s.snapshot.status);
  expect(loaded.snapshot.context, `${where}: engine.load context`).toEqual(s.snapshot.context);
  const pending = db.select({ id: timers.timerId, dueAt: timers.dueAt }).from(timers)
    .where(and(eq(timers.account, account), eq(timers.status, 'pending'))).orderBy(asc(timers.dueAt), asc(timers.id)).all();
  expect(pending, `${where}: pending timers`).toEqual(m.inDueOrder(s.timers));
  const open = db.select().from(stageHistory).where(and(eq(stageHistory.account, account), isNull(stageHistory.exitedAt))).all();
  expect(open.map((h) => ({ stage: h.stage, substate: h.substate })), `${where}: open stage_history row`).toEqual([expected]);
}

const counts = (env: Env) => {
  const { db } = env.store;
  return {
    events: db.select({ n: count() }).from(events).get()!.n,
    refusals: db.select({ n: count() }).from(refusals).get()!.n,
    version: db.select({ v: actors.version }).from(actors).get()?.v,
    pendingTimers: db.select({ n: count() }).from(timers).where(eq(timers.status, 'pending')).get()!.n,
  };
};

function runOnEngine(path: ModelPath, m: LadderModel) {
  const env = tempEngine();
  try {
    const { engine, store } = env;
    const { profile } = path;
    let state = m.init(profile);
    engine.addAccount(
      { domain: profile.domain, name: profile.name, hq: profile.hq, tier: profile.tier, icpScore: profile.icpScore, facts: profile.facts },
      { by: 'ana', role: 'sales.ops', at: T0, now: T0, source: 'cli' },
    );
    expectStoredAsModel(env, m, state, `${describePath(path)}, initial`);
    for (const k of stateKeysOf(state.snapshot.value)) reached.add(k);

    for (const step of replayPath(m, path)) {
      const where = `${describePath(path)}, step ${step.index + 1} (${step.event.key})`;
      const event = eventOnly(step.event);
      expect(Date.parse(event.at), `${where}: dates advance along the path`).toBeGreaterThanOrEqual(Date.parse(state.now));
      const before = counts(env);
      if (isTimerEvent(event.type)) {
        timerSteps++;
        // The due time comes from the engine's own timer row, and must be the model's.
        const row = store.db.select().from(timers)
          .where(and(eq(timers.account, profile.domain), eq(timers.timerId, event.type), eq(timers.status, 'pending'))).get();
        expect(row?.dueAt, `${where}: due time of the stored timer`).toBe(event.at);
        const swept = sweep(engine, { now: row!.dueAt, as: SYSTEM });
        expect(swept.fired, `${where}: timers fired by the sweep`).toBe(1);
      } else {
        const applied = engine.submit({ account: profile.domain, source: 'cli', now: event.at, event: event as LadderCommandEvent });
        expect([applied.before, applied.after], `${where}: applied`).toEqual([stageOf(step.before.snapshot.value), stageOf(step.after.snapshot.value)]);
      }
      const last = store.db.select().from(events).orderBy(desc(events.id)).get();
      expect({ n: counts(env).events - before.events, type: last?.type, at: last?.at, source: last?.source }, `${where}: event log`)
        .toEqual({ n: 1, type: event.type, at: event.at, source: isTimerEvent(event.type) ? 'timer' : 'cli' });
      expectStoredAsModel(env, m, step.after, where);
      const moved = JSON.stringify(stageOf(step.before.snapshot.value)) !== JSON.stringify(stageOf(step.after.snapshot.value));
      if (moved) {
        const entered = store.db.select().from(stageHistory).orderBy(desc(stageHistory.id)).get();
        expect(entered?.enteredAt, `${where}: stage entered at the event's time`).toBe(event.at);
      }
      taken.add(step.edge);
      for (const k of stateKeysOf(step.after.snapshot.value)) reached.add(k);
      state = step.after;
    }

    // What the model refuses at the end of the path, the engine refuses too, changing nothing but a
    // refusal record. Checked once per stage, command and reason (the machine's own explanation).
    for (const candidate of m.candidates(state)) {
      const event = eventOnly(candidate);
      if (isTimerEvent(event.type) || selectedTransition(m.machine, state.snapshot, event)) continue;
      const why = explainRefusal(m.machine, state.snapshot, event, m.rules);
      const seen = `${profile.name}|${JSON.stringify(state.snapshot.value)}|${candidate.key}|${why}`;
      if (refusalsChecked.has(seen)) continue;
      refusalsChecked.add(seen);
      const before = counts(env);
      const where = `${describePath(path)}, then refused ${candidate.key}`;
      let error: unknown;
      try {
        engine.submit({ account: profile.domain, source: 'cli', now: event.at, event: event as LadderCommandEvent });
      } catch (err) {
        error = err;
      }
      expect(error, where).toBeInstanceOf(RefusedError);
      expect(counts(env), where).toEqual({ ...before, refusals: before.refusals + 1 });
      const recorded = store.db.select({ type: refusals.type, why: refusals.why }).from(refusals).orderBy(desc(refusals.id)).get();
      expect(recorded, where).toEqual({ type: event.type, why: (error as Error).message });
    }
    expectStoredAsModel(env, m, state, `${describePath(path)}, after the refusals`);
  } finally {
    env.cleanup();
  }
}

const describeEdge = (e: Edge) => `${edgeKey(e)}${e.guard ? ` [${e.guard}]` : ''} → ${e.targets.join(', ') || '(stays)'}`;

describe('model-based walk of the ladder machine through the engine', () => {
  afterAll(() => {
    const edges = machineEdges(machine);
    console.log(`model walk: ${statePaths(machine).length} states, ${edges.length} transitions `
      + `(${edges.filter((e) => e.delay).length} of them timers), ${generated.paths.length} generated paths `
      + `(${generated.paths.reduce((n, p) => n + p.steps.length, 0)} steps, ${timerSteps} of them timers fired by the sweep; graph of ${generated.states} serialized states, `
      + `${generated.transitions} accepted transitions; ${refusalsChecked.size} refusals checked)`);
  });

  it.each(generated.paths.map((p) => [describePath(p), p] as const))('%s', (_name, path) => {
    runOnEngine(path, model);
  });

  it('reaches every state of the machine', () => {
    expect([...reached].sort()).toEqual(statePaths(machine).sort());
  });

  it('takes every transition of the machine, guarded branches and timers included', () => {
    expect(taken.size).toBeGreaterThan(0);
    expect(missingEdges(machine, taken).map(describeEdge)).toEqual([]);
  });
});

describe('the coverage check', () => {
  /** The ladder with transitions no path can take: one behind a guard that never holds there, one for an event nobody sends. */
  function ladderWithUnreachableTransitions(): AnyStateMachine {
    const base = createLadderMachine(DEFAULT_RULES);
    type Config = { states: Record<string, { on?: Record<string, unknown> }> };
    const config = base.config as unknown as Config;
    const states = { ...config.states };
    // A disqualification is cleared on reopening, and ARCHIVED is never entered from DISQUALIFIED:
    // reopenAllowed cannot hold in ARCHIVED.
    states.ARCHIVED = { ...states.ARCHIVED, on: { ...states.ARCHIVED!.on, CRO_REOPEN: { guard: 'reopenAllowed', target: 'PROSPECT', actions: ['reopen', 'startClock'] } } };
    states.MQL = { ...states.MQL, on: { ...states.MQL!.on, PAUSE: { target: 'ARCHIVED' } } };
    return createMachine({ ...config, states } as never, base.implementations as never) as unknown as AnyStateMachine;
  }

  it('reports a transition that the machine gained and no generated path takes', () => {
    const modified = ladderWithUnreachableTransitions();
    const m = createLadderModel(modified, DEFAULT_RULES);
    const walked = new Set<EdgeKey>();
    for (const path of m.generatePaths().paths) for (const step of replayPath(m, path)) walked.add(step.edge);
    expect(missingEdges(modified, walked).map(describeEdge)).toEqual([
      'MQL PAUSE #0 → ARCHIVED',
      'ARCHIVED CRO_REOPEN #0 [reopenAllowed] → PROSPECT',
    ]);
    // The edges of the unmodified machine are all still taken: only the additions are reported.
    expect(missingEdges(machine, walked)).toEqual([]);
  });

  it('reports the additions against the transitions the engine walk took, too', () => {
    const reported = missingEdges(ladderWithUnreachableTransitions(), taken).map(edgeKey);
    expect(reported).toEqual(['MQL PAUSE #0', 'ARCHIVED CRO_REOPEN #0']);
  });
});
