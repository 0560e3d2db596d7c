// Reads the machine definition itself (never a hand-kept list): states, transitions, guards, timers.
// Used by refusal messages, the diagram generator and the model-based coverage test.
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { CRO_ONLY_EVENTS } from './events.js';

export type Edge = {
  /** Dotted path of the state that declares the transition, e.g. "SQL.review". */
  source: string;
  event: string;
  guard: string | null;
  /** Dotted target paths; empty for a targetless transition (the account stays, data is recorded). */
  targets: string[];
  reenter: boolean;
  /** For `after` transitions: the delay's name in the machine (SQL_STALE …). */
  delay: string | null;
  croOnly: boolean;
  /** Position among the transitions for this event on this state (guards are tried in order). */
  index: number;
};

const pathOf = (node: AnyStateNode) => node.path.join('.');

export function guardName(guard: unknown): string | null {
  if (!guard) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function' && Array.isArray((guard as { guards?: unknown[] }).guards)) {
    return (guard as unknown as { guards: unknown[] }).guards.map(guardName).join(' and ');
  }
  if (typeof guard === 'object' && guard && 'type' in guard) return String((guard as { type: string }).type);
  return (guard as { name?: string }).name || 'inline guard';
}

export function allStateNodes(machine: AnyStateMachine): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  const walk = (node: AnyStateNode) => {
    for (const child of Object.values(node.states) as AnyStateNode[]) { out.push(child); walk(child); }
  };
  walk(machine.root);
  return out;
}

/** Real states (history pseudo-states left out), as dotted paths. */
export function statePaths(machine: AnyStateMachine): string[] {
  return allStateNodes(machine).filter((n) => n.type !== 'history').map(pathOf);
}

export function machineEdges(machine: AnyStateMachine): Edge[] {
  const edges: Edge[] = [];
  for (const node of allStateNodes(machine)) {
    for (const [event, list] of node.transitions) {
      list.forEach((t, index) => {
        edges.push({
          source: pathOf(node),
          event,
          guard: guardName(t.guard),
          targets: (t.target ?? []).map((n: AnyStateNode) => pathOf(n)),
          reenter: Boolean(t.reenter),
          delay: event.startsWith('xstate.after.') ? event.split('.')[2] ?? null : null,
          croOnly: (CRO_ONLY_EVENTS as readonly string[]).includes(event),
          index,
        });
      });
    }
  }
  return edges;
}

/** The dotted paths of every state that has a transition for this event type. */
export function statesAccepting(machine: AnyStateMachine, eventType: string): string[] {
  return [...new Set(machineEdges(machine).filter((e) => e.event === eventType).map((e) => e.source))];
}
