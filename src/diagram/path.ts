// One account's path through the ladder (`ladder history ACCOUNT --diagram out.svg`): the ladder drawn
// from the machine, with the moves this account made, from its event log, highlighted and dated.
import { writeFileSync } from 'node:fs';
import type { AnyStateMachine } from 'xstate';
import type { RulesConfig } from '../../machines/rules/config.js';
import type { Engine } from '../engine/engine.js';
import { accountHistory } from '../queries.js';
import { START, toDot, type PathMarks } from './dot.js';
import { ancestorsOf, ladderGraph, type LadderGraph } from './model.js';
import { renderSvg } from './render.js';

/** The rows of the event log the path is read from (accountHistory's events). */
export type PathEvent = { seq: number; at: string; type: string; from: string | null; to: string };
export type PathStep = { step: number; at: string; event: string; from: string | null; to: string; transition: string | null };

const day = (iso: string) => iso.slice(0, 10);

/** Where a transition to `target` lands: a compound state (MQL) is entered at its initial child (MQL.nurture). */
function landsIn(graph: LadderGraph, target: string): string {
  let at = target;
  for (let s = graph.states.find((x) => x.path === at); s?.initial; s = graph.states.find((x) => x.path === at)) at = s.initial;
  return at;
}

/** The moves between states, in order: the account's addition, then every event that changed its state. */
export function pathSteps(graph: LadderGraph, events: PathEvent[]): PathStep[] {
  const steps: PathStep[] = [];
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    if (e.from === null) {
      steps.push({ step: steps.length + 1, at: e.at, event: e.type, from: null, to: e.to, transition: START });
      continue;
    }
    if (e.from === e.to) continue;
    const sources = [e.from, ...ancestorsOf(graph, e.from)];
    const taken = graph.transitions.find((t) => t.event === e.type && landsIn(graph, t.target) === e.to && sources.includes(t.source));
    steps.push({ step: steps.length + 1, at: e.at, event: e.type, from: e.from, to: e.to, transition: taken?.id ?? null });
  }
  return steps;
}

export function pathMarks(graph: LadderGraph, steps: PathStep[]): PathMarks {
  const marks: PathMarks = { states: {}, transitions: {}, current: steps.at(-1)?.to ?? null, extra: [] };
  const visit = (p: string) => {
    for (const s of [p, ...ancestorsOf(graph, p)]) marks.states[s] ??= [];
  };
  for (const s of steps) {
    const caption = `${s.step} · ${day(s.at)}${s.from === null ? ' added' : ''}`;
    visit(s.to);
    if (s.transition) {
      marks.transitions[s.transition] ??= [];
      marks.transitions[s.transition]!.push(caption);
    }
    else marks.extra.push({ source: s.from ?? s.to, target: s.to, caption: `${caption} ${s.event}` });
  }
  const last = steps.at(-1);
  if (last) marks.states[last.to]!.push(`now, since ${day(last.at)}`);
  return marks;
}

export function accountPathDot(machine: AnyStateMachine, cfg: RulesConfig, account: string, events: PathEvent[]): { dot: string; steps: PathStep[] } {
  const graph = ladderGraph(machine, cfg);
  const steps = pathSteps(graph, events);
  const last = steps.at(-1);
  const title = `${account}: path through the ladder${last ? ` (last move ${day(last.at)})` : ''}`;
  return { dot: toDot(graph, { title, path: pathMarks(graph, steps) }), steps };
}

export async function accountPathSvg(engine: Engine, account: string): Promise<{ svg: string; steps: PathStep[] }> {
  const history = accountHistory(engine, account);
  const { dot, steps } = accountPathDot(engine.machine, engine.rules, account, history.events);
  return { svg: await renderSvg(dot), steps };
}

/** `ladder history ACCOUNT --diagram out.svg`: writes the SVG and returns what it drew. */
export async function writeAccountPathDiagram(engine: Engine, account: string, out: string): Promise<{ path: string; steps: PathStep[] }> {
  const { svg, steps } = await accountPathSvg(engine, account);
  writeFileSync(out, svg);
  return { path: out, steps };
}
