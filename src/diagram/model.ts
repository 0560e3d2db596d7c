// A machine as a drawable graph, read from the machine definition itself (machines/introspect.ts walks
// its state nodes): never a hand-kept list of states or transitions. Mermaid, DOT, the per-account path
// and the report's live counts are all drawn from this one model; the ladder's words for its guards and
// timers are here, the approval machines' in approvals.ts.
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { allStateNodes, machineEdges, type Edge } from '../../machines/introspect.js';
import { timerLabel } from '../../machines/timers.js';
import type { RulesConfig } from '../../machines/rules/config.js';

export type DiagramState = {
  /** Dotted path, e.g. "SQL.review". */
  path: string;
  /** The last segment: what the diagram prints. */
  name: string;
  /** Dotted path of the compound parent, or null at the top level. */
  parent: string | null;
  kind: 'atomic' | 'compound' | 'final';
  /** For a compound state: the dotted path of its initial child. */
  initial: string | null;
};

export type TransitionKind = 'event' | 'timer';

export type DiagramTransition = {
  /** Stable identity: "SQL.review CRO_CONFIRM #0". */
  id: string;
  source: string;
  /** Where the account ends up: the source itself for a targetless transition; a history target is drawn as its parent. */
  target: string;
  /** The machine's event type, e.g. "CRO_CONFIRM" or "xstate.after.SQL_STALE.ladder.SQL". */
  event: string;
  /** The event as printed: "CRO_CONFIRM", or the timer's delay name "SQL_STALE". */
  eventLabel: string;
  kind: TransitionKind;
  /** Readable guard ("qualifies for MQL"), "else" for the fallback of a guarded list, or null. */
  guard: string | null;
  /** Targetless: the account stays where it is and the event's data is recorded. */
  stays: boolean;
  /** Re-enters its own state (its no-engagement clock restarts); through history for a compound state. */
  reenter: boolean;
  history: boolean;
  croOnly: boolean;
  /** For timers: the duration from configuration ("30 days without engagement"). */
  duration: string | null;
  /**
   * What a targetless timer does, when not the ladder's "flags an SLA breach" (or a re-entry, when not "clock
   * restarts"): `text` in the Mermaid label, `short` on the SVG's arrow ("escalation").
   */
  effect?: { text: string; short: string };
};

export type LadderGraph = { states: DiagramState[]; transitions: DiagramTransition[]; initial: string };

const pathOf = (node: AnyStateNode) => node.path.join('.');

const ACRONYMS: Record<string, string> = { mql: 'MQL', sql: 'SQL', cro: 'CRO', icp: 'ICP', sla: 'SLA' };

/** "qualifiesForMql" → "qualifies for MQL"; "overrideAllowed and briefingRequested" keeps its "and". */
export function readableGuard(name: string): string {
  return name.split(' ').map((word) => word
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(' ')
    .map((w) => ACRONYMS[w] ?? w)
    .join(' ')).join(' ');
}

function guardOf(edge: Edge, siblings: Edge[], labels: GraphLabels): string | null {
  if (edge.guard) return labels.guard(edge.guard);
  // An unguarded transition after guarded ones for the same event is the fallback branch.
  return siblings.some((s) => s.index < edge.index && s.guard) ? 'else' : null;
}

/** The words a graph prints for a machine's guards, timers and marks: each machine has its own. */
export type GraphLabels = {
  guard(name: string): string;
  /** The duration of a timer from configuration, by the delay's name. */
  timer(delay: string): string;
  croOnly(edge: Edge): boolean;
  effect?(edge: Edge): DiagramTransition['effect'];
};

export function ladderGraph(machine: AnyStateMachine, cfg: RulesConfig): LadderGraph {
  return machineGraph(machine, { guard: readableGuard, timer: (delay) => timerLabel(delay, cfg), croOnly: (e) => e.croOnly });
}

export function machineGraph(machine: AnyStateMachine, labels: GraphLabels): LadderGraph {
  const nodes = allStateNodes(machine).filter((n) => n.type !== 'history');
  const byPath = new Map(allStateNodes(machine).map((n) => [pathOf(n), n]));
  const states: DiagramState[] = nodes.map((n) => {
    const parent = n.parent && n.parent !== machine.root ? pathOf(n.parent) : null;
    const initial = n.type === 'compound' ? (n.initial?.target ?? []).map(pathOf)[0] ?? null : null;
    return {
      path: pathOf(n), name: String(n.key), parent,
      kind: n.type === 'final' ? 'final' : n.type === 'compound' ? 'compound' : 'atomic',
      initial,
    };
  });
  const edges = machineEdges(machine);
  const transitions: DiagramTransition[] = edges.map((e) => {
    const siblings = edges.filter((s) => s.source === e.source && s.event === e.event);
    const rawTarget = e.targets[0] ?? null;
    const targetNode = rawTarget ? byPath.get(rawTarget) : undefined;
    const history = targetNode?.type === 'history';
    const target = rawTarget === null ? e.source : history ? pathOf(targetNode!.parent!) : rawTarget;
    const effect = labels.effect?.(e);
    return {
      id: `${e.source} ${e.event} #${e.index}`,
      source: e.source, target, event: e.event,
      eventLabel: e.delay ?? e.event,
      kind: e.delay ? 'timer' : 'event',
      guard: guardOf(e, siblings, labels),
      stays: rawTarget === null,
      reenter: e.reenter || history,
      history,
      croOnly: labels.croOnly(e),
      duration: e.delay ? labels.timer(e.delay) : null,
      ...(effect ? { effect } : {}),
    };
  });
  const initial = (machine.root.initial?.target ?? []).map(pathOf)[0] ?? states[0]!.path;
  return { states, transitions, initial };
}

/** What a transition does to the account, in words ("stays", "re-enters"), for labels and the legend. */
export function effectOf(t: DiagramTransition): string | null {
  if (t.kind === 'timer' && t.stays) return t.effect?.text ?? 'flags an SLA breach';
  if (t.stays) return 'stays, records';
  if (t.history) return 're-enters, keeps sub-state';
  if (t.reenter) return t.effect?.text ?? 're-enters, clock restarts';
  return null;
}

/**
 * One-line label: event, guard, effect and marks, e.g. "CRO_CONFIRM [is CRO] (CRO only)",
 * "timer SQL_STALE — 30 days without engagement". No colons or semicolons: Mermaid reads them as syntax.
 */
export function transitionLabel(t: DiagramTransition): string {
  const head = t.kind === 'timer' ? `timer ${t.eventLabel} — ${t.duration}` : t.eventLabel;
  const guard = t.guard ? ` [${t.guard}]` : '';
  const effect = effectOf(t);
  const text = `${head}${guard}${effect ? ` / ${effect}` : ''}${t.croOnly ? ' (CRO only)' : ''}`;
  return text.replace(/[:;]/g, ' —').replace(/\s+/g, ' ').trim();
}

/** The states a state is inside of, innermost first ("SQL.review" → ["SQL"]). */
export function ancestorsOf(graph: LadderGraph, path: string): string[] {
  const out: string[] = [];
  let at = graph.states.find((s) => s.path === path)?.parent ?? null;
  while (at) { out.push(at); at = graph.states.find((s) => s.path === at)?.parent ?? null; }
  return out;
}
