// The models for the model-based walk of the machines beside the ladder (issue 14): a template version's approval
// and a recipient list's, each wrapped like the ladder's (ladder-model.ts) with the durable timers it arms, a
// generator of candidate events per state, and @xstate/graph path generation over it.
//
// Besides the machine's own events, each model has one step of the world around it, taken at most once: for a
// template, a settings change that adds drift phrases its stored content uses (every approval is then refused
// under the rules in force); for a list, its one recipient's account disqualified (opt-out), so the check the
// engine makes when the CRO decides finds a problem. Every decision is still the machine's own: the wrapper calls
// `transition(machine, snapshot, event)` and nothing else.
import { readFileSync } from 'node:fs';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from '@xstate/graph';
import { fromTransition, initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { createApprovalMachine, type ApprovalConfig, type ApprovalContext, type ApprovalFlow } from '../../machines/approval.js';
import { createRecipientsMachine } from '../../machines/recipients.js';
import { DEFAULT_RULES } from '../../machines/rules/config.js';
import { delayOf } from '../../machines/timers.js';
import { DEFAULT_TEMPLATE_SETTINGS, type TemplateSettings } from '../../machines/templates/config.js';
import { parseTemplate, type Template } from '../../machines/templates/parse.js';
import { DEFAULT_APPROVAL_SETTINGS } from '../../machines/approval.js';
import { slugOf } from '../../src/engine/templates.js';
import { edgeOf, selectedTransition, stateKeysOf, type EdgeKey } from './ladder-model.js';

/** A Monday, 09:00 UTC: an SLA day starts on a business day. */
export const T0 = '2026-03-02T09:00:00.000Z';
/** A Friday afternoon: the step's business day ends on Monday, after its 48 hours (the escalation fires first). */
export const FRIDAY = '2026-03-06T15:00:00.000Z';
/** Commands along a path are one minute apart: far shorter than the shortest timer (an SLA day). */
export const STEP_MS = 60_000;

export const AUTHOR = { by: 'paula', role: 'category.positioning' } as const;
export const CMO = { by: 'carla', role: 'cmo' } as const;
export const CRO = { by: 'marcus', role: 'cro' } as const;
export const OPS = { by: 'ana', role: 'sales.ops' } as const;
export type Who = typeof AUTHOR | typeof CMO | typeof CRO | typeof OPS;

const fixture = (file: string) => readFileSync(new URL(`../fixtures/templates/${file}`, import.meta.url), 'utf8');

/**
 * Drift phrases a CMO adds later (HO 5.3 "common drift to watch"): each fixture below uses one, so after the
 * change every stored version breaks the drift rule on a line the walk knows.
 */
export const ADDED_DRIFT = ['second axis', 'the second one'] as const;
export const DEFAULT_APPROVAL_CONFIG: ApprovalConfig = { templates: DEFAULT_TEMPLATE_SETTINGS, approvals: DEFAULT_APPROVAL_SETTINGS, holidays: DEFAULT_RULES.holidays };
export const withAddedDrift = (t: TemplateSettings): TemplateSettings => ({ ...t, driftPhrases: [...t.driftPhrases, ...ADDED_DRIFT] });
const DRIFTED_CONFIG: ApprovalConfig = { ...DEFAULT_APPROVAL_CONFIG, templates: withAddedDrift(DEFAULT_TEMPLATE_SETTINGS) };

export type TemplateProfile = {
  name: string; file: string; text: string; content: Template; flow: ApprovalFlow;
  /** When the version is added (the path's first command is a step later). */
  start: string;
  /** The version's id: the engine stores a new key as version 1. */
  id: string;
  /** Where the added drift phrase is: the line the refusal must name. */
  drift: { phrase: string; line: number };
};

function templateProfile(file: string, phrase: (typeof ADDED_DRIFT)[number], start = T0): TemplateProfile {
  const text = fixture(file);
  const parsed = parseTemplate(text, Object.keys(DEFAULT_TEMPLATE_SETTINGS.types));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.problems.map((p) => p.message).join('; ')}`);
  const content = parsed.template;
  const line = text.split('\n').findIndex((l) => l.includes(phrase)) + 1;
  if (line === 0) throw new Error(`${file} does not use "${phrase}"`);
  return {
    name: `${content.sequence} (${DEFAULT_TEMPLATE_SETTINGS.types[content.sequence]!.flow})${start === T0 ? '' : ', added on a Friday'}`, file, text, content, start,
    flow: DEFAULT_TEMPLATE_SETTINGS.types[content.sequence]!.flow, id: `${slugOf(content.sequence)}-${content.step}.v1`, drift: { phrase, line },
  };
}

/**
 * One fixture per approval flow: simplified (CMO only), full (CMO, then the CRO's GO), framework (CMO only); the
 * full flow once more from a Friday, where the weekend puts each step's SLA after its escalation.
 */
export const TEMPLATE_PROFILES: readonly TemplateProfile[] = [
  templateProfile('nurture-mql-1.md', 'second axis'),
  templateProfile('activation-sql-1.md', 'the second one'),
  templateProfile('post-briefing-1.md', 'the second one'),
  templateProfile('activation-sql-1.md', 'the second one', FRIDAY),
];

/** The list of the recipients walk: one MQL contact for the approved Nurture-MQL version. */
export const LIST = {
  name: 'list of one MQL contact', id: 'list-1', template: TEMPLATE_PROFILES[0]!, start: T0,
  account: 'acme.com', contact: 'https://www.linkedin.com/in/jane-doe',
} as const;
export type ListProfile = typeof LIST;

export type PendingTimer = { id: string; dueAt: string };
export type ModelState<P> = {
  profile: P;
  snapshot: AnyMachineSnapshot;
  /** The time of the last event: the next command is one step later. */
  now: string;
  /** Armed timers in arming order (the engine's pending rows). */
  timers: PendingTimer[];
  /** The world step was taken (the drift phrases added; the recipient's account disqualified). */
  changed: boolean;
};
export type Command = { key: string; who: Who; body: (changed: boolean) => { type: string; [k: string]: unknown } };
export type ModelEvent = { type: string; at: string; by: string; role: string; key: string; world?: true; [k: string]: unknown };

export const isTimerEvent = (type: string) => type.startsWith('xstate.after.');
export function eventOnly(e: ModelEvent): { type: string; at: string; by: string; role: string; [k: string]: unknown } {
  const { key: _key, world: _world, ...event } = e;
  return event as ReturnType<typeof eventOnly>;
}
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

const feedback = 'the second paragraph reads like a vendor pitch';
export const APPROVAL_COMMANDS: readonly Command[] = [
  { key: 'TEMPLATE_SUBMIT', who: AUTHOR, body: () => ({ type: 'TEMPLATE_SUBMIT' }) },
  { key: 'TEMPLATE_SUBMIT by sales.ops', who: OPS, body: () => ({ type: 'TEMPLATE_SUBMIT' }) },
  { key: 'CMO_APPROVE', who: CMO, body: () => ({ type: 'CMO_APPROVE' }) },
  // A non-CMO approving: refused by the engine's role check (and by the machine's guard behind it).
  { key: 'CMO_APPROVE by cro', who: CRO, body: () => ({ type: 'CMO_APPROVE' }) },
  { key: 'CMO_REJECT', who: CMO, body: () => ({ type: 'CMO_REJECT', feedback }) },
  { key: 'CRO_GO', who: CRO, body: () => ({ type: 'CRO_GO' }) },
  { key: 'CRO_GO by cmo', who: CMO, body: () => ({ type: 'CRO_GO' }) },
  { key: 'CRO_NO_GO', who: CRO, body: () => ({ type: 'CRO_NO_GO', feedback }) },
  { key: 'TEMPLATE_RETIRE', who: CMO, body: () => ({ type: 'TEMPLATE_RETIRE', reason: 'replaced by step 1 v2' }) },
];

/**
 * The engine computes a list's check when the CRO decides (a caller's own is replaced): the model hands the
 * machine the check's outcome, clean until the recipient's account is disqualified.
 */
export const RECIPIENT_COMMANDS: readonly Command[] = [
  {
    key: 'RECIPIENTS_APPROVE', who: CRO,
    body: (changed) => ({ type: 'RECIPIENTS_APPROVE', check: { problems: changed ? [`${LIST.account} was disqualified`] : [], templateState: 'approved' } }),
  },
  { key: 'RECIPIENTS_APPROVE by sales.ops', who: OPS, body: () => ({ type: 'RECIPIENTS_APPROVE', check: { problems: [], templateState: 'approved' } }) },
  { key: 'RECIPIENTS_REJECT', who: CRO, body: () => ({ type: 'RECIPIENTS_REJECT', feedback: 'half of them are agencies, not our ICP' }) },
  { key: 'RECIPIENTS_REJECT by sales.ops', who: OPS, body: () => ({ type: 'RECIPIENTS_REJECT', feedback: 'wrong list' }) },
  { key: 'RECIPIENTS_WITHDRAW', who: OPS, body: () => ({ type: 'RECIPIENTS_WITHDRAW', reason: 'the campaign moved a quarter' }) },
  { key: 'RECIPIENTS_WITHDRAW by cro', who: CRO, body: () => ({ type: 'RECIPIENTS_WITHDRAW', reason: 'not this quarter' }) },
  { key: 'RECIPIENTS_WITHDRAW by cmo', who: CMO, body: () => ({ type: 'RECIPIENTS_WITHDRAW', reason: 'not this quarter' }) },
];

type Spec<P extends { start: string }> = {
  kind: 'template' | 'recipients';
  profiles: readonly P[];
  /** The machine in force before and after the world step. */
  machines: { before: AnyStateMachine; after: AnyStateMachine };
  input(p: P): unknown;
  commands: readonly Command[];
  world: { key: string; who: Who };
  /** What else a path should tell apart, beyond what the guards read (bounded: the graph must stay finite). */
  distinguish?(snapshot: AnyMachineSnapshot): unknown;
};

export function createActorModel<P extends { name: string; start: string }>(spec: Spec<P>) {
  const { machines } = spec;
  const machineOf = (s: ModelState<P>) => (s.changed ? machines.after : machines.before);

  const memo = <K extends object, V>(fn: (k: K) => V) => {
    const cache = new WeakMap<K, V>();
    return (k: K): V => {
      if (!cache.has(k)) cache.set(k, fn(k));
      return cache.get(k)!;
    };
  };

  /** What the engine does with the actions of a transition: cancel and arm timer rows (timer-actions.ts). */
  function applyTimerActions(timers: PendingTimer[], actions: readonly unknown[], at: string): PendingTimer[] {
    let out = timers;
    for (const a of actions as { type: string; params?: Record<string, unknown> }[]) {
      const params = a.params ?? {};
      if (a.type === 'xstate.cancel') out = out.filter((t) => t.id !== String(params.sendId));
      else if (a.type === 'xstate.raise' && typeof params.delay === 'number') out = [...out, { id: String(params.id), dueAt: plus(at, params.delay) }];
    }
    return out;
  }
  /** Pending timers in the order the sweep fires them: due time, then arming order. */
  const inDueOrder = (timers: readonly PendingTimer[]) =>
    timers.map((t, i) => ({ ...t, i })).sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.i - b.i).map(({ i: _i, ...t }) => t);

  const initial = new Map<P, ModelState<P>>();
  function init(profile: P): ModelState<P> {
    let s = initial.get(profile);
    if (!s) {
      const [snapshot, actions] = initialTransition(machines.before, spec.input(profile));
      s = { profile, snapshot, now: profile.start, timers: applyTimerActions([], actions, profile.start), changed: false };
      initial.set(profile, s);
    }
    return s;
  }

  /**
   * The candidate events in a state: every command (and, once, the world step, while the actor lives) one step
   * after the last event, unless a timer falls due before it; the timer the sweep would fire first, at its due time.
   */
  const candidates = memo((s: ModelState<P>): ModelEvent[] => {
    const next = inDueOrder(s.timers)[0];
    const at = plus(s.now, STEP_MS);
    const out: ModelEvent[] = [];
    if (!next || Date.parse(next.dueAt) > Date.parse(at)) {
      for (const c of spec.commands) out.push({ ...c.body(s.changed), at, ...c.who, key: c.key });
      if (!s.changed && s.snapshot.status === 'active') out.push({ type: spec.world.key, at, ...spec.world.who, key: spec.world.key, world: true });
    }
    if (next) out.push({ type: next.id, at: next.dueAt, by: 'system', role: 'system', key: delayOf(next.id) ?? next.id });
    return out;
  });

  /** The machine's transition for an event, or null when it refuses it (the world step is no machine event). */
  const selected = (s: ModelState<P>, e: ModelEvent) => (e.world ? null : selectedTransition(machineOf(s), s.snapshot, eventOnly(e) as never));

  const steps = new WeakMap<ModelState<P>, Map<string, ModelState<P>>>();
  /** One step: the machine decides; a refused event leaves the state as it is (the same object). */
  function step(s: ModelState<P>, e: ModelEvent): ModelState<P> {
    const known = steps.get(s)?.get(e.key);
    if (known) return known;
    let next = s;
    if (e.world) {
      // The stored snapshot is read by the machine in force: the engine restores it with resolveState.
      const { status, value, context } = s.snapshot;
      next = { ...s, changed: true, now: e.at, snapshot: machines.after.resolveState({ status, value, context } as never) };
    } else if (selected(s, e)) {
      const [snapshot, actions] = transition(machineOf(s), s.snapshot, eventOnly(e) as never);
      const fired = isTimerEvent(e.type) ? s.timers.filter((t) => t.id !== e.type) : s.timers;
      next = { ...s, snapshot, now: e.at, timers: applyTimerActions(fired, actions, e.at) };
    }
    if (!steps.has(s)) steps.set(s, new Map());
    steps.get(s)!.set(e.key, next);
    return next;
  }

  /**
   * What the guards can see, without timestamps or counters (rounds, feedback, breaches): the state, whether the
   * world step was taken, the pending timers in due order and whether one falls due before the next command. The
   * walk replays every path and checks it reaches the same serialized states.
   */
  const serialize = memo((s: ModelState<P>): string => {
    const due = inDueOrder(s.timers);
    return JSON.stringify([
      s.profile.name, s.snapshot.status, s.snapshot.value, s.changed,
      due.map((t) => delayOf(t.id)), due[0] ? Date.parse(due[0].dueAt) <= Date.parse(s.now) + STEP_MS : false,
      spec.distinguish?.(s.snapshot) ?? null,
    ]);
  });

  const logic = fromTransition((s: ModelState<P>, e: ModelEvent) => step(s, e), ({ input }: { input: P }) => init(input));
  type Snap = ReturnType<typeof logic.getInitialSnapshot>;
  const options = (profile: P) => ({
    input: profile,
    events: (snap: Snap) => candidates(snap.context),
    serializeState: (snap: Snap) => serialize(snap.context),
    serializeEvent: (e: ModelEvent) => e.key,
  });

  type Path = ModelPath<P>;
  /**
   * Paths from @xstate/graph: the shortest path to every (serialized) state, then, for every machine edge, the
   * shortest path to a state where some candidate takes it, plus that step. A path that is a prefix of another is
   * dropped (the longer one checks every step of it).
   */
  function generatePaths(): { paths: Path[]; states: number; transitions: number } {
    const found: Path[] = [];
    const extensions = new Map<EdgeKey, Path>();
    let states = 0;
    let transitions = 0;
    for (const profile of spec.profiles) {
      const opts = options(profile);
      const toState = new Map<string, Path>();
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
        const t = selected(state.context, event);
        const key = t ? edgeOf(t) : `world ${event.key}`;
        if (!head || extensions.has(key)) continue;
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

  /**
   * Replays a path on the model from its profile's initial state: each step's event is generated again from the
   * state actually reached, found by its key, and must lead to the serialized state the graph predicted.
   */
  function replay(path: Path): ReplayedStep<P>[] {
    let state = init(path.profile);
    return path.steps.map((s, index) => {
      const where = `${describePath(path)}, step ${index + 1}`;
      const event = candidates(state).find((e) => e.key === s.key);
      if (!event) throw new Error(`${where}: "${s.key}" is not a candidate in ${serialize(state)}`);
      const t = selected(state, event);
      if (!t && !event.world) throw new Error(`${where}: the machine refuses "${s.key}" in ${serialize(state)}`);
      const after = step(state, event);
      if (serialize(after) !== s.state) throw new Error(`${where}: reached ${serialize(after)}, the graph predicted ${s.state}`);
      const replayed = { index, event, before: state, after, edge: t ? edgeOf(t) : null };
      state = after;
      return replayed;
    });
  }

  return { kind: spec.kind, machines, machineOf, init, step, candidates, selected, serialize, inDueOrder, generatePaths, replay, stateKeysOf };
}

export type ModelPath<P> = { profile: P; steps: { key: string; state: string }[] };
export type ReplayedStep<P> = { index: number; event: ModelEvent; before: ModelState<P>; after: ModelState<P>; edge: EdgeKey | null };
export const describePath = <P extends { name: string }>(path: ModelPath<P>) =>
  `[${path.profile.name}] ${path.steps.map((s) => s.key).join(' → ') || '(initial state)'}`;

/** A template version's approval from its addition, for each flow; the world step adds the drift phrases. */
export function createApprovalModel(make: (cfg: ApprovalConfig) => AnyStateMachine = (cfg) => createApprovalMachine(cfg) as unknown as AnyStateMachine) {
  return createActorModel<TemplateProfile>({
    kind: 'template',
    profiles: TEMPLATE_PROFILES,
    machines: { before: make(DEFAULT_APPROVAL_CONFIG), after: make(DRIFTED_CONFIG) },
    input: (p) => ({ template: p.id, flow: p.flow, content: p.content, at: p.start }),
    commands: APPROVAL_COMMANDS,
    world: { key: 'SETTINGS add drift phrases', who: OPS },
    // A second round (resubmitted after a rejection): its timers and its escalation rows are its own.
    distinguish: (snapshot) => Math.min((snapshot.context as ApprovalContext).round, 2),
  });
}

/** A recipient list from its proposal; the world step disqualifies its recipient's account (opt-out). */
export function createRecipientsModel() {
  const machine = createRecipientsMachine(DEFAULT_APPROVAL_CONFIG) as unknown as AnyStateMachine;
  return createActorModel<ListProfile>({
    kind: 'recipients',
    profiles: [LIST],
    machines: { before: machine, after: machine },
    input: (p) => ({ list: p.id, template: p.template.id, entries: 1, by: OPS.by, at: p.start }),
    commands: RECIPIENT_COMMANDS,
    world: { key: `DISQUALIFY ${LIST.account} (opt-out)`, who: OPS },
  });
}
export type ActorModel<P extends { name: string; start: string }> = ReturnType<typeof createActorModel<P>>;
