// The model for the model-based walk: the ladder machine wrapped with the durable timers it arms, a
// generator of candidate events per state, and @xstate/graph path generation over it.
//
// Why a wrapper and not the bare machine: an `after` event may only happen while its timer is armed,
// and it happens at the timer's due time. XState's pure `transition()` reports arming and cancelling as
// delayed `xstate.raise` / `xstate.cancel` actions; the wrapper keeps those as pending timers, exactly
// the information the engine keeps in its timers table, and offers the `xstate.after.*` events (listed
// from machineEdges, never by hand) only for an armed timer, dated at its due time. Every decision is
// still the machine's own: the wrapper calls `transition(machine, snapshot, event)` and nothing else.
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from '@xstate/graph';
import {
  fromTransition, initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine,
  type AnyTransitionDefinition,
} from 'xstate';
import type { LadderContext } from '../../machines/context.js';
import type { LadderCommandEvent, LadderEvent } from '../../machines/events.js';
import { gateResults, signalEvaluation } from '../../machines/guards.js';
import { machineEdges, type Edge } from '../../machines/introspect.js';
import { delayOf } from '../../machines/timers.js';
import type { RulesConfig } from '../../machines/rules/config.js';
import { GATES, type AccountFacts, type Tier } from '../../machines/types.js';
import { PASSING_FACTS } from '../helpers/store.js';

/** A Monday, 09:00 UTC: SLA clocks start on a business day. */
export const T0 = '2026-03-02T09:00:00.000Z';
/** Commands along a path are one minute apart: far shorter than the shortest timer (an SLA day). */
export const STEP_MS = 60_000;

export type Profile = {
  name: string; domain: string; hq: string; icpScore: number; tier: Tier; facts: AccountFacts;
  /** Walk only while the account is in one of these stages (the rest is the passing profile's walk). */
  walkWhileIn?: readonly string[];
};

/** Most paths start from an account whose facts pass G1-G5; one profile fails exactly one gate (G1). */
export const PROFILES: readonly Profile[] = [
  { name: 'gates pass', domain: 'acme.com', hq: 'Berlin', icpScore: 82, tier: 'Tier 1', facts: PASSING_FACTS },
  // LQ 3.1: under 100 employees fails G1. The CRO may override it (HO 3.6): one failed gate, not G5.
  // Walked while in PROSPECT or ARCHIVED: the entry rules are where failing gates matter (stays, overrides,
  // facts that make the gates pass later, an archived account re-entering at PROSPECT without climbing);
  // past them, its walk would repeat the passing profile's.
  {
    name: 'G1 fails', domain: 'smallco.io', hq: 'Lisbon', icpScore: 55, tier: 'Tier 2', facts: { ...PASSING_FACTS, employees: 60 },
    walkWhileIn: ['PROSPECT', 'ARCHIVED'],
  },
];

export type PendingTimer = { id: string; dueAt: string };
export type ModelState = {
  profile: Profile;
  snapshot: AnyMachineSnapshot;
  /** The time of the last event: the next command is one step later. */
  now: string;
  /** Armed timers in arming order (the engine's pending rows). */
  timers: PendingTimer[];
  /** Events so far: fresh signal ids and contacts. Not part of the serialized state. */
  n: number;
};
/** A candidate event: the ladder event plus a stable name (the graph's event key). */
export type ModelEvent = LadderEvent & { key: string };

const ctxOf = (s: ModelState) => s.snapshot.context as LadderContext;
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
export const isTimerEvent = (type: string) => type.startsWith('xstate.after.');
export function eventOnly(e: ModelEvent): LadderEvent {
  const { key: _key, ...event } = e;
  return event as LadderEvent;
}

const OPS = { by: 'ana', role: 'sales.ops' } as const;
const CRO = { by: 'marcus', role: 'cro' } as const;
/** The contact whose second engagement within 30 days is a derived E8 (HO 3.2.1, DOMAIN decision). */
export const REPEAT_CONTACT = 'linkedin.com/in/jane';

type Body = { [K in LadderCommandEvent['type']]: Omit<Extract<LadderCommandEvent, { type: K }>, 'at' | 'by' | 'role'> }[LadderCommandEvent['type']];
/**
 * `everywhere`: offered in every state, not only where a guard chooses by payload (see `candidates`):
 * the reason an account was disqualified is read later by guards (suppression, reopening).
 */
type Template = { key: string; who: typeof OPS | typeof CRO; body: (n: number, at: string) => Body; everywhere?: true };

const signal = (code: 'E1' | 'E3' | 'E4', contact: (n: number) => string, interaction?: 'comment' | 'like') =>
  (n: number, at: string): Body => ({
    type: 'SIGNAL',
    signal: { id: `sig-${n}`, code, contact: contact(n), at, ...(interaction ? { interaction } : {}) },
  });
// Contacts in their canonical key (rules/contact.ts): the engine reduces every contact to it before the
// machine sees it, so the model's machine must see the same.
const fresh = (n: number) => `linkedin.com/in/contact-${n}`;
const likely = (n: 2 | 3) => ({ S1: 'LIKELY', S2: 'LIKELY', S3: n === 3 ? 'LIKELY' : 'UNVERIFIED', S4: 'NOT_PRESENT' } as const);

/**
 * Every command the generator may send, with payloads that take one guard branch or another. The first
 * template of an event type is its representative (see `candidates`).
 */
export const TEMPLATES: readonly Template[] = [
  { key: 'SIGNAL E1 comment', who: OPS, body: signal('E1', fresh, 'comment') },
  // A single like is logged but is not a signal (HO 3.2.1): it never qualifies.
  { key: 'SIGNAL E1 like', who: OPS, body: signal('E1', fresh, 'like') },
  { key: 'SIGNAL E1 comment by jane', who: OPS, body: signal('E1', () => REPEAT_CONTACT, 'comment') },
  { key: 'SIGNAL E3', who: OPS, body: signal('E3', fresh) },
  { key: 'SIGNAL E4', who: OPS, body: signal('E4', fresh) },
  // Changes no gate (decisionMakerProximity feeds the tier, which FACTS does not recompute).
  { key: 'FACTS decisionMakerProximity=direct', who: OPS, body: () => ({ type: 'FACTS', facts: { decisionMakerProximity: 'direct' } }) },
  // Makes G1 pass (LQ 3.1: 200+ employees).
  { key: 'FACTS employees=1200', who: OPS, body: () => ({ type: 'FACTS', facts: { employees: 1200 } }) },
  // A manual verdict on a gate the facts decide (G1 computes pass or fail in both profiles): always refused,
  // so no manual verdict ever clears a computed failure (DOMAIN "ICP gates"; issue 11).
  { key: 'FACTS manual G1 pass', who: OPS, body: () => ({ type: 'FACTS', facts: {}, verdict: { gate: 'G1', pass: true, why: 'trust me' } }) },
  { key: 'DOSSIER 3 LIKELY', who: OPS, body: () => ({ type: 'DOSSIER', scores: likely(3) }) },
  { key: 'DOSSIER 2 LIKELY', who: OPS, body: () => ({ type: 'DOSSIER', scores: likely(2) }) },
  { key: 'CRO_CONFIRM', who: CRO, body: () => ({ type: 'CRO_CONFIRM' }) },
  { key: 'CRO_CONFIRM by sales.ops', who: OPS, body: () => ({ type: 'CRO_CONFIRM' }) },
  { key: 'CRO_DISPUTE', who: CRO, body: () => ({ type: 'CRO_DISPUTE', reason: 'S2 evidence is a rumour' }) },
  { key: 'CRO_DISPUTE by sales.ops', who: OPS, body: () => ({ type: 'CRO_DISPUTE', reason: 'S2 evidence is a rumour' }) },
  { key: 'CRO_FLAG', who: CRO, body: () => ({ type: 'CRO_FLAG', note: 'call this week' }) },
  { key: 'CRO_FLAG by sales.ops', who: OPS, body: () => ({ type: 'CRO_FLAG', note: 'call this week' }) },
  {
    key: 'CRO_OVERRIDE G1', who: CRO,
    body: () => ({ type: 'CRO_OVERRIDE', gate: 'G1', justification: 'fast-growing partner-led team', compensatingSignals: ['named exec referral'] }),
  },
  {
    key: 'CRO_OVERRIDE G1 by sales.ops', who: OPS,
    body: () => ({ type: 'CRO_OVERRIDE', gate: 'G1', justification: 'fast-growing partner-led team', compensatingSignals: ['named exec referral'] }),
  },
  {
    key: 'CRO_OVERRIDE G5', who: CRO,
    body: () => ({ type: 'CRO_OVERRIDE', gate: 'G5', justification: 'we like them', compensatingSignals: ['warm intro'] }),
  },
  { key: 'CRO_REOPEN', who: CRO, body: () => ({ type: 'CRO_REOPEN', reason: 'acquirer kept the partner team' }) },
  { key: 'CRO_REOPEN by sales.ops', who: OPS, body: () => ({ type: 'CRO_REOPEN', reason: 'acquirer kept the partner team' }) },
  { key: 'BRIEFING_SCHEDULED', who: OPS, body: () => ({ type: 'BRIEFING_SCHEDULED' }) },
  { key: 'BRIEFING_COMPLETED', who: OPS, body: () => ({ type: 'BRIEFING_COMPLETED' }) },
  { key: 'ASSESSMENT_QUALIFIED', who: OPS, body: () => ({ type: 'ASSESSMENT_QUALIFIED' }) },
  { key: 'ASSESSMENT_WON', who: OPS, body: () => ({ type: 'ASSESSMENT_WON' }) },
  { key: 'ASSESSMENT_LOST', who: OPS, body: () => ({ type: 'ASSESSMENT_LOST', reason: 'no budget this year' }) },
  { key: 'DISQUALIFY acquired', who: OPS, body: () => ({ type: 'DISQUALIFY', reason: 'acquired' }) },
  { key: 'DISQUALIFY opt-out', who: OPS, body: () => ({ type: 'DISQUALIFY', reason: 'opt-out' }), everywhere: true },
  { key: 'ARCHIVE', who: OPS, body: () => ({ type: 'ARCHIVE' }) },
];

export type EdgeKey = string;
export const edgeKey = (e: Pick<Edge, 'source' | 'event' | 'index'>): EdgeKey => `${e.source} ${e.event} #${e.index}`;

/** Which transition of the machine's lists the machine itself selects for this event (guards in order). */
export function selectedTransition(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: LadderEvent): AnyTransitionDefinition | null {
  if (snapshot.status !== 'active') return null;
  const [t] = machine.getTransitionData(snapshot, event) as AnyTransitionDefinition[];
  return t ?? null;
}

/** The edge (machineEdges' source, event and index) that a selected transition is. */
export function edgeOf(t: AnyTransitionDefinition): EdgeKey {
  const list = t.source.transitions.get(t.eventType) ?? [];
  const index = list.indexOf(t);
  if (index < 0) throw new Error(`transition for ${t.eventType} not found in the list of ${t.source.path.join('.')}`);
  return edgeKey({ source: t.source.path.join('.'), event: t.eventType, index });
}

/** The coverage check: every edge of the machine that no path took. */
export function missingEdges(machine: AnyStateMachine, taken: ReadonlySet<EdgeKey>): Edge[] {
  return machineEdges(machine).filter((e) => !taken.has(edgeKey(e)));
}

export function stateKeysOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [k, ...stateKeysOf(v).map((c) => `${k}.${c}`)]);
}

export type Step = { key: string; state: string };
export type ModelPath = { profile: Profile; steps: Step[] };

export function createLadderModel(machine: AnyStateMachine, rules: RulesConfig) {
  const edges = machineEdges(machine);
  /** Timer events of the machine, from its own `after` edges. */
  const timerEvents = [...new Set(edges.filter((e) => e.delay !== null).map((e) => e.event))];
  /** Per state path: the event types for which a guard chooses between transitions (or refuses). */
  const guardedTypes = new Map<string, Set<string>>();
  for (const e of edges) {
    if (e.guard === null) continue;
    if (!guardedTypes.has(e.source)) guardedTypes.set(e.source, new Set());
    guardedTypes.get(e.source)!.add(e.event);
  }
  const representative = new Map<string, Template>();
  for (const t of TEMPLATES) {
    const type = t.body(0, T0).type;
    if (!representative.has(type)) representative.set(type, t);
  }

  // The graph explores the same states twice (shortest paths, then the adjacency map) and the walk
  // replays them: every function of a state is memoized on the state object, and states are shared.
  const memo = <K extends object, V>(fn: (k: K) => V) => {
    const cache = new WeakMap<K, V>();
    return (k: K): V => {
      if (!cache.has(k)) cache.set(k, fn(k));
      return cache.get(k)!;
    };
  };

  const initial = new Map<Profile, ModelState>();
  function init(profile: Profile): ModelState {
    let s = initial.get(profile);
    if (!s) {
      const [snapshot, actions] = initialTransition(machine, { account: profile.domain, tier: profile.tier, facts: profile.facts, at: T0 });
      s = { profile, snapshot, now: T0, timers: applyTimerActions([], actions, T0), n: 0 };
      initial.set(profile, s);
    }
    return s;
  }

  /** What the engine does with the actions of a transition: cancel and arm timer rows. */
  function applyTimerActions(timers: PendingTimer[], actions: readonly unknown[], at: string): PendingTimer[] {
    let out = timers;
    for (const a of actions as { type: string; params?: Record<string, unknown> }[]) {
      const params = a.params ?? {};
      if (a.type === 'xstate.cancel') out = out.filter((t) => t.id !== String(params.sendId));
      else if (a.type === 'xstate.raise' && typeof params.delay === 'number') {
        out = [...out, { id: String(params.id), dueAt: plus(at, params.delay) }];
      }
    }
    return out;
  }

  /** Pending timers in the order the sweep fires them: due time, then arming order. */
  const inDueOrder = (timers: readonly PendingTimer[]) =>
    timers.map((t, i) => ({ ...t, i })).sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.i - b.i).map(({ i: _i, ...t }) => t);

  /**
   * The candidate events in a state. A command comes one step after the last event, and only while no
   * timer falls due before it (dates advance monotonically along a path); the timer the sweep would
   * fire first is offered at its due time.
   *
   * Payload variants of an event type (E1/E3/E4 signals, 2 or 3 LIKELY, CRO or sales.ops, …) are offered
   * where a guard of the active states chooses on that event type; elsewhere the representative alone
   * (every transition for that type there is unguarded, so the payload cannot change which one is
   * taken). Read from machineEdges, so a new guard brings its variants in by itself; without this the
   * signal mix of every later stage multiplies the state space for nothing.
   */
  const candidates = memo((s: ModelState): ModelEvent[] => {
    const next = inDueOrder(s.timers)[0];
    const at = plus(s.now, STEP_MS);
    const out: ModelEvent[] = [];
    if (!next || Date.parse(next.dueAt) > Date.parse(at)) {
      const guarded = new Set(stateKeysOf(s.snapshot.value).flatMap((p) => [...(guardedTypes.get(p) ?? [])]));
      for (const t of TEMPLATES) {
        const body = t.body(s.n, at);
        if (!t.everywhere && !guarded.has(body.type) && representative.get(body.type) !== t) continue;
        out.push({ ...body, at, ...t.who, key: t.key } as ModelEvent);
      }
    }
    if (next) {
      const type = timerEvents.find((e) => e === next.id);
      if (!type) throw new Error(`timer ${next.id} armed but the machine has no such after edge`);
      out.push({ type, at: next.dueAt, by: 'system', role: 'system', key: type } as ModelEvent);
    }
    return out;
  });

  const steps = new WeakMap<ModelState, Map<string, ModelState>>();
  /** One step: the machine decides; a refused event leaves the state as it is (the same object). */
  function step(s: ModelState, e: ModelEvent): ModelState {
    const known = steps.get(s)?.get(e.key);
    if (known) return known;
    const event = eventOnly(e);
    let next = s;
    if (selectedTransition(machine, s.snapshot, event)) {
      const [snapshot, actions] = transition(machine, s.snapshot, event);
      const fired = isTimerEvent(event.type) ? s.timers.filter((t) => t.id !== event.type) : s.timers;
      next = { profile: s.profile, snapshot, now: event.at, timers: applyTimerActions(fired, actions, event.at), n: s.n + 1 };
    }
    if (!steps.has(s)) steps.set(s, new Map());
    steps.get(s)!.set(e.key, next);
    return next;
  }

  /**
   * What the guards can see, without timestamps: stage, failing gates and override, which signals count
   * (briefing request, strong, repeat, any) and whether jane's next engagement is a repeat, pending
   * timers in due order (and whether one falls due before the next command), suppression, the
   * disqualification reason, the Briefing and the tier. The walk checks that replaying a path gives the
   * same serialized states, so a flag missing here shows up as a failing walk, not as a silent gap.
   */
  const serialize = memo((s: ModelState): string => {
    const c = ctxOf(s);
    const gates = gateResults(c, s.now, rules);
    const ev = signalEvaluation(c, s.now, rules);
    const since = c.signalsSince ? Date.parse(c.signalsSince) : -Infinity;
    const janeLive = c.signals.some((x) => x.contact === REPEAT_CONTACT && Date.parse(x.at) > since
      && Date.parse(s.now) - Date.parse(x.at) <= rules.signals.repeatEngagementWindowDays * 86_400_000);
    const due = inDueOrder(s.timers);
    return JSON.stringify([
      s.profile.name, s.snapshot.status, s.snapshot.value,
      GATES.filter((g) => gates[g].verdict !== 'pass'), c.override?.gate ?? null,
      [Boolean(ev.briefingRequest), Boolean(ev.strong), Boolean(ev.repeatEngagement), ev.qualifies, janeLive],
      due.map((t) => delayOf(t.id)), due[0] ? Date.parse(due[0].dueAt) <= Date.parse(s.now) + STEP_MS : false,
      c.suppressed, c.disqualification?.reason ?? null,
      c.briefing ? (c.briefing.completedAt ? 'held' : 'scheduled') : null, c.tier,
    ]);
  });

  const logic = fromTransition((s: ModelState, e: ModelEvent) => step(s, e), ({ input }: { input: Profile }) => init(input));
  type Snap = ReturnType<typeof logic.getInitialSnapshot>;
  const options = (profile: Profile) => ({
    input: profile,
    events: (snap: Snap) => candidates(snap.context),
    serializeState: (snap: Snap) => serialize(snap.context),
    serializeEvent: (e: ModelEvent) => e.key,
    stopWhen: profile.walkWhileIn
      ? (snap: Snap) => !stateKeysOf(snap.context.snapshot.value).some((k) => profile.walkWhileIn!.includes(k))
      : undefined,
  });

  /**
   * Paths from @xstate/graph: the shortest path to every (serialized) state, then, for every machine
   * edge, the shortest path to a state where some candidate takes that edge, plus that step. A path that
   * is a prefix of another is dropped (the longer one checks every step of it).
   */
  function generatePaths(): { paths: ModelPath[]; states: number; transitions: number } {
    const found: ModelPath[] = [];
    const extensions = new Map<EdgeKey, ModelPath>();
    let states = 0;
    let transitions = 0;
    for (const profile of PROFILES) {
      const opts = options(profile);
      const toState = new Map<string, ModelPath>();
      for (const p of getShortestPaths(logic, opts)) {
        const path = { profile, steps: p.steps.slice(1).map((st) => ({ key: st.event.key, state: serialize(st.state.context) })) };
        toState.set(serialize(p.state.context), path);
        found.push(path);
      }
      const adjacency = getAdjacencyMap(logic, opts);
      states += Object.keys(adjacency).length;
      const out = adjacencyMapToArray(adjacency)
        .map((a) => ({ ...a, head: toState.get(serialize(a.state.context)) }))
        .sort((a, b) => (a.head?.steps.length ?? 0) - (b.head?.steps.length ?? 0));
      for (const { state, event, nextState: next, head } of out) {
        if (next.context === state.context) continue; // refused: no transition of the machine takes it
        transitions++;
        const t = selectedTransition(machine, state.context.snapshot, eventOnly(event));
        const key = t ? edgeOf(t) : null;
        if (!key || !head || extensions.has(key)) continue;
        extensions.set(key, { profile, steps: [...head.steps, { key: event.key, state: serialize(next.context) }] });
      }
    }
    const all = [...found, ...extensions.values()];
    const ids = all.map((p) => [p.profile.name, ...p.steps.map((s) => s.key)].join(' > '));
    const paths = all.filter((_, i) => {
      const me = ids[i]!;
      return !ids.some((other, j) => (other === me ? j < i : other.startsWith(`${me} > `)));
    });
    return { paths, states, transitions };
  }

  return { machine, rules, init, step, candidates, serialize, logic, generatePaths, timerEvents, inDueOrder };
}
export type LadderModel = ReturnType<typeof createLadderModel>;

export type ReplayedStep = { index: number; event: ModelEvent; before: ModelState; after: ModelState; edge: EdgeKey };

/**
 * Replays a path on the model from its profile's initial state: each step's event is generated again
 * from the state actually reached (so its dates follow the path), found by its key, and must lead to
 * the serialized state the graph predicted.
 */
export function replayPath(model: LadderModel, path: ModelPath): ReplayedStep[] {
  let state = model.init(path.profile);
  return path.steps.map((s, index) => {
    const event = model.candidates(state).find((e) => e.key === s.key);
    const where = `${describePath(path)}, step ${index + 1}`;
    if (!event) throw new Error(`${where}: "${s.key}" is not a candidate in ${model.serialize(state)}`);
    const t = selectedTransition(model.machine, state.snapshot, eventOnly(event));
    if (!t) throw new Error(`${where}: the machine refuses "${s.key}" in ${model.serialize(state)}`);
    const after = model.step(state, event);
    if (model.serialize(after) !== s.state) {
      throw new Error(`${where}: reached ${model.serialize(after)}, the graph predicted ${s.state}; the serialized state misses something a guard reads`);
    }
    const replayed = { index, event, before: state, after, edge: edgeOf(t) };
    state = after;
    return replayed;
  });
}

export function describePath(path: ModelPath): string {
  return `[${path.profile.name}] ${path.steps.map((s) => s.key).join(' → ') || '(initial state)'}`;
}
