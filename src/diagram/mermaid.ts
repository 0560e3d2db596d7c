// The ladder as a Mermaid stateDiagram-v2: SQL sub-states nested, one line per machine transition
// (event, readable guard, effect, timer duration from configuration, CRO-only mark).
import { transitionLabel, type DiagramState, type DiagramTransition, type LadderGraph } from './model.js';

/** Mermaid ids cannot hold dots: "SQL.review" → "SQL__review" (double underscore: BRIEFING_READY keeps its own). */
export const mermaidId = (path: string) => path.replace(/\./g, '__');

export function toMermaid(graph: LadderGraph, opts: { title?: string } = {}): string {
  const lines: string[] = [];
  if (opts.title) lines.push('---', `title: ${opts.title}`, '---');
  lines.push('stateDiagram-v2');
  const children = (parent: string | null) => graph.states.filter((s) => s.parent === parent);
  const parentOf = (p: string) => graph.states.find((s) => s.path === p)?.parent ?? null;
  /** Between two sub-states of the same composite (the composite itself excluded). */
  const isInner = (t: DiagramTransition, composite: string) => parentOf(t.source) === composite && parentOf(t.target) === composite;
  const inner = (t: DiagramTransition) => graph.states.some((s) => s.kind === 'compound' && isInner(t, s.path));
  const transitionsFrom = (s: DiagramState) => graph.transitions.filter((t) => t.source === s.path && !inner(t));
  const line = (t: DiagramTransition) => `${mermaidId(t.source)} --> ${mermaidId(t.target)} : ${transitionLabel(t)}`;

  const writeState = (s: DiagramState, indent: string) => {
    if (s.kind === 'compound') {
      lines.push(`${indent}state "${s.name}" as ${mermaidId(s.path)} {`);
      if (s.initial) lines.push(`${indent}  [*] --> ${mermaidId(s.initial)}`);
      for (const c of children(s.path)) writeState(c, `${indent}  `);
      // Mermaid lays out a composite's inner transitions only when they are written inside its block.
      for (const t of graph.transitions.filter((x) => isInner(x, s.path))) lines.push(`${indent}  ${line(t)}`);
      lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}state "${s.name}" as ${mermaidId(s.path)}`);
    }
  };
  for (const s of children(null)) writeState(s, '  ');

  lines.push('', `  [*] --> ${mermaidId(graph.initial)}`);
  for (const s of graph.states) {
    const from = transitionsFrom(s);
    if (from.length === 0 && s.kind !== 'final') continue;
    lines.push('', `  %% ${s.path}`);
    for (const t of from) lines.push(`  ${line(t)}`);
    if (s.kind === 'final') lines.push(`  ${mermaidId(s.path)} --> [*]`);
  }
  return `${lines.join('\n')}\n`;
}
