// The model for the model-based walk of an account's email sequence (issue 15): the sequence machine wrapped with
// the durable timers it arms (its `after` timers and each task's delayed TASK_DUE), the account's place on the
// ladder as the world that drives it, and @xstate/graph path generation over both.
//
// The ladder is not the machine under test here: the model keeps it as the few stages a sequence cares about
// (HO 5.2) and moves it with the commands that reach them. What the sequence machine sees is what the engine hands
// it: STAGE {target, stage} when the stage changes (a suppressed sequence only notes it), a reply with the count
// of touches already handed over, the timers at their due time. Every decision is still the machine's own: the
// wrapper calls `transition(machine, snapshot, event)` and nothing else.
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from '@xstate/graph';
import { fromTransition, initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { createSequenceMachine, sequenceStateOf, type SequenceContext } from '../../machines/sequence.js';
import { DEFAULT_SEQUENCE_SETTINGS, type SequenceConfig, type SequenceName, type SequenceSettings } from '../../machines/sequence-config.js';
import { DEFAULT_RULES, type RulesConfig } from '../../machines/rules/config.js';
import { edgeOf, selectedTransition, type EdgeKey } from './ladder-model.js';

/** A Monday, 08:00 UTC: the first touch falls due at the send time, an hour later. */
export const T0 = '2026-03-02T08:00:00.000Z';
export const STEP_MS = 60_000;
export const ACCOUNT = 'acme.com';
export const CONTACT = 'jane@acme.com';
export const REFERRAL = 'bob@acme.com';
export const NEW_CONTACT = 'joe@acme.com';
/** Replies along one path: enough for a reply in every state a reply leads to, bounded so the graph is finite. */
export const MAX_REPLIES = 2;

/** The ladder's stage timers far away: the walk moves the ladder itself, the sweep must never do it behind the model. */
export const WALK_RULES: RulesConfig = { ...DEFAULT_RULES, timers: { ...DEFAULT_RULES.timers, sqlStaleDays: 3650, mqlStaleDays: 3650, recycleCooldownDays: 3650 } };
/** Two touches a run: every guard of the cadence (more touches, the last one, touches left after a pause) with short paths. */
export const WALK_SEQUENCES: SequenceSettings = {
  ...DEFAULT_SEQUENCE_SETTINGS,
  enabled: true,
  cadences: { 'Nurture-MQL': [1, 3], 'Activation-SQL': [1, 4], 'Re-engagement': [1, 3] },
};
export const WALK_CONFIG: SequenceConfig = { sequences: WALK_SEQUENCES, holidays: WALK_RULES.holidays };

export const CRO = { by: 'marcus', role: 'cro' } as const;
export const OPS = { by: 'ana', role: 'sales.ops' } as const;
export const CMO = { by: 'carla', role: 'cmo' } as const;
type Who = { by: string; role: string };

/** Where the account stands on the ladder, as far as its sequence is concerned (HO 5.2). */
export type LadderAt = 'PROSPECT' | 'MQL.dossier' | 'MQL.nurture' | 'SQL.review' | 'SQL.confirmed' | 'BRIEFING_READY' | 'BRIEFING_HELD' | 'DISQUALIFIED' | 'ARCHIVED';
/** The sequence each stage calls for, and the stage's label on the STAGE event. */
export const STAGES: Record<LadderAt, { target: SequenceName | null; label: string }> = {
  PROSPECT: { target: null, label: 'PROSPECT' },
  'MQL.dossier': { target: 'Nurture-MQL', label: 'MQL.dossier' },
  'MQL.nurture': { target: 'Nurture-MQL', label: 'MQL.nurture' },
  'SQL.review': { target: null, label: 'SQL.review' },
  'SQL.confirmed': { target: 'Activation-SQL', label: 'SQL.confirmed' },
  BRIEFING_READY: { target: null, label: 'BRIEFING_READY' },
  BRIEFING_HELD: { target: 'Post-Briefing', label: 'BRIEFING_READY' },
  DISQUALIFIED: { target: null, label: 'DISQUALIFIED' },
  ARCHIVED: { target: null, label: 'ARCHIVED' },
};
const LIVE: readonly LadderAt[] = ['MQL.dossier', 'MQL.nurture', 'SQL.review', 'SQL.confirmed', 'BRIEFING_READY', 'BRIEFING_HELD'];
/** A hot-positive reply is a Briefing request (E4): it fast-tracks an account from these stages to SQL.confirmed. */
const FAST_TRACKED: readonly LadderAt[] = ['PROSPECT', 'MQL.dossier', 'MQL.nurture', 'ARCHIVED'];
/**
 * The ladder commands the walk makes (engine.submit), each from the stages it applies in; and the SQL going stale,
 * the ladder's own timer (SQL_STALE) fired by the sweep: the one way from a stage that calls for Activation-SQL to
 * one that calls for another sent sequence (SQL.confirmed → MQL.nurture: Nurture-MQL).
 */
export const LADDER_MOVES = [
  { key: 'ladder: SIGNAL E1 comment', from: ['PROSPECT'], to: 'MQL.dossier', who: OPS },
  { key: 'ladder: DOSSIER 3 LIKELY', from: ['MQL.dossier', 'MQL.nurture'], to: 'SQL.review', who: OPS },
  // HO 4.3: fewer than three buying signals: still an MQL, now in nurture (the same sequence, a new stage label).
  { key: 'ladder: DOSSIER 2 LIKELY', from: ['MQL.dossier'], to: 'MQL.nurture', who: OPS, detour: true },
  // A Briefing request (E4) fast-tracks an MQL: Nurture-MQL → Activation-SQL.
  { key: 'ladder: SIGNAL E4 briefing request', from: ['MQL.dossier', 'MQL.nurture'], to: 'SQL.confirmed', who: OPS, detour: true },
  { key: 'ladder: SQL_STALE', from: ['SQL.confirmed'], to: 'MQL.nurture', who: { by: 'system', role: 'system' }, detour: true },
  { key: 'ladder: CRO_CONFIRM', from: ['SQL.review'], to: 'SQL.confirmed', who: CRO },
  { key: 'ladder: BRIEFING_SCHEDULED', from: ['SQL.confirmed'], to: 'BRIEFING_READY', who: OPS },
  { key: 'ladder: BRIEFING_COMPLETED', from: ['BRIEFING_READY'], to: 'BRIEFING_HELD', who: OPS },
  { key: 'ladder: DISQUALIFY acquired', from: LIVE, to: 'DISQUALIFIED', who: OPS },
] as const satisfies readonly { key: string; from: readonly LadderAt[]; to: LadderAt; who: Who; detour?: true }[];

export type PendingTimer = { id: string; dueAt: string; event: Record<string, unknown> };
export type SendRow = { run: number; step: number; status: 'planned' | 'cancelled' | 'sent' };
export type ModelState = {
  ladder: LadderAt;
  /** The engine creates the sequence actor when the stage first calls for a sequence, or at the first reply. */
  opened: boolean;
  snapshot: AnyMachineSnapshot;
  now: string;
  timers: PendingTimer[];
  /** The sends rows the engine must hold, in planning order. */
  sends: SendRow[];
  replies: number;
  /**
   * Sideways ladder moves taken (a dossier short of SQL, a fast track, an SQL gone stale). A detour ends its path: the
   * STAGE it hands the sequence is the edge it is for, and the state it reaches is walked from its other paths (the
   * graph would otherwise be walked again after each: three times the states).
   */
  detours: number;
  /** The machine events the last step wrote, in order (their types), and the machine's transitions they took. */
  wrote: string[];
  took: EdgeKey[];
};
export type World = 'ladder' | 'handover';
export type ModelEvent = { type: string; at: string; by: string; role: string; key: string; world?: World; [k: string]: unknown };
export type Command = { key: string; who: Who; body: (s: ModelState, at: string) => Record<string, unknown> | null };

export const isTimerEvent = (type: string) => type.startsWith('xstate.after.') || type === 'TASK_DUE';
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const dateAfter = (iso: string, days: number) => plus(iso, days * 86_400_000).slice(0, 10);
export const ctxOf = (s: ModelState) => s.snapshot.context as SequenceContext;
export const stateOf = (s: ModelState) => sequenceStateOf(s.snapshot.value);

export function eventOnly(e: ModelEvent): { type: string; at: string; by: string; role: string; [k: string]: unknown } {
  const { key: _key, world: _world, ...event } = e;
  return event as ReturnType<typeof eventOnly>;
}

const reply = (category: string, extra: (at: string) => Record<string, unknown> = () => ({})): Command => ({
  key: `REPLY ${category}`, who: CRO,
  body: (s, at) => (s.replies < MAX_REPLIES ? { type: 'REPLY', category, contact: CONTACT, ...extra(at) } : null),
});
const firstOpen = (s: ModelState) => ctxOf(s).tasks.find((t) => !t.doneAt);

/** Every command the generator may send: the ten replies, a task closed, a resume, a new contact; and refusals by role. */
export const COMMANDS: readonly Command[] = [
  reply('hot-positive'), reply('warm-positive'),
  reply('not-now', (at) => ({ timeline: dateAfter(at, 70) })),
  reply('wrong-person-referral', () => ({ referral: REFERRAL })),
  reply('wrong-person'),
  reply('objection', () => ({ objection: 'already covered' })),
  reply('hostile'), reply('opt-out'),
  reply('ooo', (at) => ({ returnDate: dateAfter(at, 7) })),
  reply('no-response'),
  // Refused for the role, with or without a sequence actor (a refused first reply opens none).
  { key: 'REPLY hot-positive by cmo', who: CMO, body: () => ({ type: 'REPLY', category: 'hot-positive', contact: CONTACT }) },
  // The first open task, closed by the role it is for; then by the other role (refused: HO 5.6 names the handler).
  { key: 'TASK_DONE', who: CRO, body: (s) => (firstOpen(s) ? { type: 'TASK_DONE', task: firstOpen(s)!.id } : s.opened ? { type: 'TASK_DONE', task: 9 } : null) },
  { key: 'SEQUENCE_RESUME', who: OPS, body: (s) => (s.opened ? { type: 'SEQUENCE_RESUME', reason: 'booked nothing; back to the cadence' } : null) },
  { key: 'SEQUENCE_CONTACT', who: OPS, body: (s) => (s.opened ? { type: 'SEQUENCE_CONTACT', contact: NEW_CONTACT } : null) },
  { key: 'SEQUENCE_CONTACT by cro', who: CRO, body: (s) => (s.opened ? { type: 'SEQUENCE_CONTACT', contact: NEW_CONTACT } : null) },
];
/** Who closes a task: the role it is for (TASK_DONE's `who` is only its default). */
export function taskCloser(s: ModelState, other = false): Who {
  const t = firstOpen(s);
  const role = t ? (other ? (t.role === 'cro' ? 'sales.ops' : 'cro') : t.role) : 'cro';
  return role === 'cro' ? CRO : OPS;
}

export function createSequenceModel(make: (cfg: SequenceConfig) => AnyStateMachine = (cfg) => createSequenceMachine(cfg) as unknown as AnyStateMachine) {
  const machine = make(WALK_CONFIG);

  function applyTimerActions(timers: PendingTimer[], actions: readonly unknown[], at: string): PendingTimer[] {
    let out = timers;
    for (const a of actions as { type: string; params?: Record<string, unknown> }[]) {
      const params = a.params ?? {};
      if (a.type === 'xstate.cancel') out = out.filter((t) => t.id !== String(params.sendId));
      else if (a.type === 'xstate.raise' && typeof params.delay === 'number') {
        // A task's SLA timer is one of many: its id names the task (task-3), so several can be pending at once.
        const event = params.event as Record<string, unknown>;
        const id = event.type === 'TASK_DUE' ? `${String(params.id)}-${String(event.task)}` : String(params.id);
        out = [...out, { id, dueAt: plus(at, params.delay), event }];
      }
    }
    return out;
  }
  const inDueOrder = (timers: readonly PendingTimer[]) =>
    timers.map((t, i) => ({ t, i })).sort((a, b) => Date.parse(a.t.dueAt) - Date.parse(b.t.dueAt) || a.i - b.i).map(({ t }) => t);

  const init: ModelState = (() => {
    const [snapshot] = initialTransition(machine, { account: ACCOUNT, at: T0 });
    return { ladder: 'PROSPECT', opened: false, snapshot, now: T0, timers: [], sends: [], replies: 0, detours: 0, wrote: [], took: [] };
  })();

  /** Touches of the current run handed to an executor (the engine counts them onto a pause or a resume). */
  const delivered = (s: ModelState) => s.sends.filter((r) => r.run === ctxOf(s).run && r.status === 'sent').length;
  const enriched = (s: ModelState, e: ReturnType<typeof eventOnly>) =>
    (e.type === 'REPLY' || e.type === 'SEQUENCE_RESUME' || e.type.includes('OOO_RESUME') ? { ...e, delivered: delivered(s) } : e);

  /** One event through the machine, as the engine applies it: timers, and the sends the touches plan and a run's end cancels. */
  function apply(s: ModelState, e: ReturnType<typeof eventOnly>, fired?: PendingTimer): ModelState {
    const event = enriched(s, e);
    const t = selectedTransition(machine, s.snapshot, event as never);
    const [snapshot, actions] = transition(machine, s.snapshot, event as never);
    const p = ctxOf(s);
    const n = snapshot.context as SequenceContext;
    let sends = s.sends;
    // HO 5.5: a touch falls due → its send is planned, in that very transaction.
    if (n.sequence && n.run === p.run && n.next > p.next) {
      sends = [...sends, ...Array.from({ length: n.next - p.next }, (_, i) => ({ run: n.run, step: p.next + i + 1, status: 'planned' as const }))];
    }
    // A run that ended, paused or was replaced keeps no planned touch.
    const live = n.sequence !== null && n.pause === null;
    sends = sends.map((r) => (r.status === 'planned' && (!live || r.run !== n.run) ? { ...r, status: 'cancelled' as const } : r));
    const left = fired ? s.timers.filter((t) => t !== fired) : s.timers;
    const next = { ...s, snapshot, now: e.at, sends, timers: applyTimerActions(left, actions, e.at), wrote: [...s.wrote, e.type], took: t ? [...s.took, edgeOf(t)] : s.took };
    // HO 5.6 #10: a Re-engagement with no response (its last timer, or a no-response reply) archives the account, through the ladder.
    return n.outcome && !p.outcome ? ladderTo(next, 'ARCHIVED', e.at) : next;
  }
  const open = (s: ModelState, at: string): ModelState => (s.opened ? s : { ...s, opened: true, now: at, wrote: [...s.wrote, 'SEQUENCE_OPENED'] });
  /** The ladder moved: the sequence hears the stage's sequence (HO 5.2); a suppressed one only notes the stage. */
  function ladderTo(s: ModelState, to: LadderAt, at: string): ModelState {
    if (to === s.ladder) return s;
    const { target, label } = STAGES[to];
    let next: ModelState = { ...s, ladder: to };
    if (!next.opened && target === null) return next;
    next = open(next, at);
    return apply(next, { type: 'STAGE', at, by: 'system', role: 'system', target, stage: label });
  }

  const memo = <V>(fn: (k: ModelState) => V) => {
    const cache = new WeakMap<ModelState, V>();
    return (k: ModelState): V => {
      if (!cache.has(k)) cache.set(k, fn(k));
      return cache.get(k)!;
    };
  };

  const candidates = memo((s: ModelState): ModelEvent[] => {
    const next = inDueOrder(s.timers)[0];
    const at = plus(s.now, STEP_MS);
    const out: ModelEvent[] = [];
    if (!next || Date.parse(next.dueAt) > Date.parse(at)) {
      for (const m of LADDER_MOVES) if ((m.from as readonly string[]).includes(s.ladder)) out.push({ type: m.key, at, ...m.who, key: m.key, world: 'ladder' });
      for (const c of COMMANDS) {
        const body = c.body(s, at);
        if (!body) continue;
        const who = c.key === 'TASK_DONE' ? taskCloser(s) : c.who;
        out.push({ ...body, type: String(body.type), at, ...who, key: c.key });
        if (c.key === 'TASK_DONE' && firstOpen(s)) out.push({ ...body, type: 'TASK_DONE', at, ...taskCloser(s, true), key: 'TASK_DONE by the other role' });
      }
      if (s.sends.some((r) => r.status === 'planned')) out.push({ type: 'HAND_OVER', at, ...OPS, key: 'executor: the planned touches sent', world: 'handover' });
    }
    if (next) out.push({ ...next.event, type: String(next.event.type), at: next.dueAt, by: 'system', role: 'system', key: String(next.event.type).replace(/^xstate\.after\.(\w+)\..*$/, '$1') });
    return out;
  });

  /** The machine's transition for a command or timer, or null when it refuses it (a world step is no machine event). */
  const selected = (s: ModelState, e: ModelEvent) =>
    (e.world ? null : selectedTransition(machine, s.snapshot, enriched(s, eventOnly(e)) as never));

  const steps = new WeakMap<ModelState, Map<string, ModelState>>();
  function step(s: ModelState, e: ModelEvent): ModelState {
    const known = steps.get(s)?.get(e.key);
    if (known) return known;
    const base: ModelState = { ...s, wrote: [], took: [] };
    let next = s;
    if (e.world === 'ladder') {
      const move = LADDER_MOVES.find((m) => m.key === e.key)!;
      next = ladderTo(base, move.to, e.at);
      next = { ...next, now: e.at, detours: s.detours + ('detour' in move ? 1 : 0) };
    } else if (e.world === 'handover') {
      next = { ...base, now: e.at, sends: s.sends.map((r) => (r.status === 'planned' ? { ...r, status: 'sent' as const } : r)) };
    } else if (isTimerEvent(e.type)) {
      const fired = inDueOrder(s.timers)[0]!;
      next = apply(base, eventOnly(e), fired);
    } else if (e.type === 'REPLY' && e.role !== 'cmo' && (!s.opened || selected(s, e))) {
      // The engine opens the actor for a first reply (idle), then the machine takes the reply.
      const opened = open(base, e.at);
      if (selected(opened, e)) {
        next = { ...apply(opened, eventOnly(e)), replies: s.replies + 1 };
        const cat = e.category as string;
        // Hostile and opt-out disqualify the account (HO 3.5); a hot reply is a Briefing request (E4) that fast-tracks it.
        // (Every stage of the model but DISQUALIFIED takes a DISQUALIFY; the suppressed sequence notes the stage.)
        if ((cat === 'hostile' || cat === 'opt-out') && next.ladder !== 'DISQUALIFIED') next = ladderTo(next, 'DISQUALIFIED', e.at);
        if (cat === 'hot-positive' && FAST_TRACKED.includes(next.ladder)) next = ladderTo(next, 'SQL.confirmed', e.at);
      }
    } else if (selected(s, e) && !(e.type === 'REPLY' && e.role === 'cmo') && !(e.key === 'SEQUENCE_CONTACT by cro')) {
      next = apply(base, eventOnly(e));
    }
    if (!steps.has(s)) steps.set(s, new Map());
    steps.get(s)!.set(e.key, next);
    return next;
  }

  /**
   * What the guards can see, without timestamps or counters: the ladder, the state, the run's sequence and the
   * stage's, how far the run is, the pause, each task's state, the pending timers in due order (and whether one falls
   * due before the next command), whether touches wait for an executor, the replies so far.
   */
  const serialize = memo((s: ModelState): string => {
    const c = ctxOf(s);
    const due = inDueOrder(s.timers);
    return JSON.stringify([
      s.ladder, s.opened, s.snapshot.value, c.target, c.sequence, c.next, c.schedule.length, c.pause?.reason ?? null, c.outcome !== null,
      c.tasks.map((t) => `${t.role}:${t.doneAt ? 'done' : t.breachedAt ? 'breached' : 'open'}`),
      due.map((t) => t.id), due[0] ? Date.parse(due[0].dueAt) <= Date.parse(s.now) + STEP_MS : false,
      s.sends.some((r) => r.status === 'planned'), delivered(s), s.replies, s.detours,
    ]);
  });

  const logic = fromTransition((s: ModelState, e: ModelEvent) => step(s, e), () => init);
  type Snap = ReturnType<typeof logic.getInitialSnapshot>;
  const options = {
    events: (snap: Snap) => (snap.context.detours > 0 ? [] : candidates(snap.context)),
    serializeState: (snap: Snap) => serialize(snap.context),
    serializeEvent: (e: ModelEvent) => e.key,
  };

  /** An edge as the coverage counts it: the machine's transition, or the world step. */
  const edgeFor = (s: ModelState, e: ModelEvent): EdgeKey | null => {
    if (e.world) return null;
    const t = selected(e.type === 'REPLY' && !s.opened ? open(s, e.at) : s, e);
    return t ? edgeOf(t) : null;
  };

  /**
   * Paths from @xstate/graph: the shortest path to every state value of the machine, then, for every (state,
   * machine edge) pair, the shortest path to a graph state where some candidate takes it, plus that step. A path
   * that is a prefix of another is dropped (the longer one checks every step of it).
   */
  function generatePaths(): { paths: ModelPath[]; states: number; transitions: number } {
    const toState = new Map<string, ModelPath>();
    const byValue = new Map<string, ModelPath>();
    for (const p of getShortestPaths(logic, options)) {
      const path = { steps: p.steps.slice(1).map((st) => ({ key: st.event.key, state: serialize(st.state.context) })) };
      toState.set(serialize(p.state.context), path);
      const v = stateOf(p.state.context);
      if (!byValue.has(v) || byValue.get(v)!.steps.length > path.steps.length) byValue.set(v, path);
    }
    const adjacency = getAdjacencyMap(logic, options);
    const extensions = new Map<string, ModelPath>();
    let transitions = 0;
    const out = adjacencyMapToArray(adjacency)
      .map((a) => ({ ...a, head: toState.get(serialize(a.state.context)) }))
      .sort((a, b) => (a.head?.steps.length ?? 0) - (b.head?.steps.length ?? 0));
    for (const { state, event, nextState: next, head } of out) {
      if (next.context === state.context) continue;
      transitions++;
      const edge = edgeFor(state.context, event);
      const key = `${stateOf(state.context)} ${edge ?? event.key}`;
      if (!head || extensions.has(key)) continue;
      extensions.set(key, { steps: [...head.steps, { key: event.key, state: serialize(next.context) }] });
    }
    const all = [...byValue.values(), ...extensions.values()];
    const ids = all.map((p) => p.steps.map((s) => s.key).join(' > '));
    const paths = all.filter((_, i) => !ids.some((other, j) => (other === ids[i] ? j < i : other.startsWith(`${ids[i]} > `))));
    return { paths, states: Object.keys(adjacency).length, transitions };
  }

  /** Replays a path on the model: each event generated again from the state reached, found by its key. */
  function replay(path: ModelPath): ReplayedStep[] {
    let state = init;
    return path.steps.map((s, index) => {
      const where = `${describePath(path)}, step ${index + 1}`;
      const event = candidates(state).find((e) => e.key === s.key);
      if (!event) throw new Error(`${where}: "${s.key}" is not a candidate in ${serialize(state)}`);
      const edge = edgeFor(state, event);
      const after = step(state, event);
      if (serialize(after) !== s.state) throw new Error(`${where}: reached ${serialize(after)}, the graph predicted ${s.state}`);
      const replayed = { index, event, before: state, after, edge };
      state = after;
      return replayed;
    });
  }

  return { machine, init, step, candidates, selected, serialize, inDueOrder, generatePaths, replay, delivered, enriched };
}

export type SequenceModel = ReturnType<typeof createSequenceModel>;
export type ModelPath = { steps: { key: string; state: string }[] };
export type ReplayedStep = { index: number; event: ModelEvent; before: ModelState; after: ModelState; edge: EdgeKey | null };
export const describePath = (path: ModelPath) => path.steps.map((s) => s.key).join(' → ') || '(initial state)';
