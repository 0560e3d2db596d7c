// The ladder as Graphviz DOT, from the same graph model as the Mermaid text. Transitions between the
// same two states with the same marks are drawn as one arrow with one line per transition; transitions
// that leave the account where it is are listed inside the state's box; SLA timers are dashed loops.
// Decorations add live counts (the weekly report) or one account's dated path (history --diagram).
import { effectOf, type DiagramState, type DiagramTransition, type LadderGraph } from './model.js';

export type PathMarks = {
  /** Every state the account stood in → captions printed in its box (may be empty). */
  states: Record<string, string[]>;
  /** Transition id → step captions ("2 · 2026-03-05"), for the transitions it took. */
  transitions: Record<string, string[]>;
  /** The state it is in now. */
  current: string | null;
  /** Moves the machine no longer has a transition for (an older machine version): drawn as extra arrows. */
  extra: { source: string; target: string; caption: string }[];
};

export type Decorations = {
  /** The graph's name (the SVG's <title>); the ladder's by default. */
  name?: string;
  title?: string;
  /** Where the CRO-only marks come from, in the key under the graph; the ladder's by default. */
  croNote?: string;
  /** Live count of accounts per state path (a compound state's count is the sum of its sub-states). */
  counts?: Record<string, number>;
  path?: PathMarks;
  /** Event names only (no guards, no stays): for a page where the counts are the point. */
  compact?: boolean;
};

const COLORS = {
  ink: '#1f2937', muted: '#6b7280', faint: '#c7ccd4', state: '#eef2f7', final: '#e3f4e8', cluster: '#f7f9fc',
  timer: '#1d4ed8', cro: '#b91c1c', path: '#d97706', pathFill: '#fff4d6', current: '#fde68a', count: '#0f766e',
} as const;

export const dotId = (path: string) => `"${path}"`;
const clusterId = (path: string) => `"cluster_${path}"`;
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Self transitions shown inside the state's box rather than as loops. */
const isInside = (t: DiagramTransition) => t.source === t.target && t.kind === 'event';

/** The key of the initial arrow in PathMarks.transitions: the account was added. */
export const START = '__start';

/**
 * One drawn arrow: transitions with the same ends and marks. A transition the machine declares alike on
 * several states (DISQUALIFY from every live stage) is drawn once, from a small "from …" tag (`hub`).
 */
export type DotEdge = {
  key: string; source: string; target: string; kind: 'event' | 'timer' | 'cro'; members: DiagramTransition[];
  hub: { id: string; sources: string[] } | null;
};

/** Sources at or above this many share one arrow from a "from …" tag. */
const HUB_MIN_SOURCES = 3;

const kindOf = (t: DiagramTransition): DotEdge['kind'] => (t.kind === 'timer' ? 'timer' : t.croOnly ? 'cro' : 'event');

export function dotEdges(graph: LadderGraph): DotEdge[] {
  const drawn = graph.transitions.filter((t) => !isInside(t));
  const bySignature = new Map<string, DiagramTransition[]>();
  for (const t of drawn) {
    const sig = `${t.target}|${edgeLine(t)}|${kindOf(t)}`;
    bySignature.set(sig, [...(bySignature.get(sig) ?? []), t]);
  }
  const out: DotEdge[] = [];
  const hubbed = new Set<DiagramTransition>();
  let hubs = 0;
  for (const members of bySignature.values()) {
    const sources = [...new Set(members.map((t) => t.source))];
    if (sources.length < HUB_MIN_SOURCES) continue;
    const id = `__from_${++hubs}`;
    out.push({ key: `${id}->${members[0]!.target}`, source: id, target: members[0]!.target, kind: kindOf(members[0]!), members, hub: { id, sources } });
    for (const t of members) hubbed.add(t);
  }
  const groups = new Map<string, DotEdge>();
  for (const t of drawn.filter((x) => !hubbed.has(x))) {
    const kind = kindOf(t);
    const key = `${t.source}->${t.target}:${kind}`;
    const g = groups.get(key) ?? { key, source: t.source, target: t.target, kind, members: [], hub: null };
    g.members.push(t);
    groups.set(key, g);
  }
  return [...groups.values(), ...out];
}

/** The transition's label without the marks the arrow's style already carries. */
function edgeLine(t: DiagramTransition): string {
  if (t.kind === 'timer') return `${t.eventLabel}: ${t.duration}${t.stays ? ` → ${t.effect?.short ?? 'flag breach'}` : ''}`;
  const effect = effectOf(t);
  return `${t.eventLabel}${t.guard ? ` [${t.guard}]` : ''}${effect ? ` / ${effect}` : ''}`;
}

function stateLabel(s: DiagramState, graph: LadderGraph, deco: Decorations): string {
  const rows: string[] = [`<b>${esc(s.name)}</b>`];
  const count = deco.counts?.[s.path];
  if (deco.counts) rows.push(`<font point-size="18" color="${COLORS.count}"><b>${count ?? 0}</b></font>`);
  const inside = deco.compact ? [] : graph.transitions.filter((t) => t.source === s.path && isInside(t));
  for (const t of inside) {
    const color = t.croOnly ? COLORS.cro : COLORS.muted;
    rows.push(`<font point-size="9" color="${color}">↺ ${esc(edgeLine(t))}${t.croOnly ? ' (CRO only)' : ''}</font>`);
  }
  for (const step of deco.path?.states[s.path] ?? []) rows.push(`<font point-size="10" color="${COLORS.path}"><b>${esc(step)}</b></font>`);
  return `<${rows.join('<br/>')}>`;
}

function clusterLabel(s: DiagramState, graph: LadderGraph, deco: Decorations): string {
  const count = deco.counts?.[s.path];
  const head = `<b>${esc(s.name)}</b>${deco.counts ? ` <font color="${COLORS.count}"><b>${count ?? 0}</b></font>` : ''}`;
  const rows = [head, ...graph.transitions.filter((t) => !deco.compact && t.source === s.path && isInside(t))
    .map((t) => `<font point-size="9" color="${COLORS.muted}">↺ ${esc(edgeLine(t))} (any sub-state)</font>`)];
  return `<${rows.join('<br/>')}>`;
}

export function toDot(graph: LadderGraph, deco: Decorations = {}): string {
  const path = deco.path;
  const onPath = (p: string) => Boolean(path && (p in path.states || path.current === p));
  const out: string[] = [
    `digraph ${deco.name ?? 'ladder'} {`,
    '  graph [rankdir=TB, compound=true, newrank=true, nodesep=0.35, ranksep=0.6, fontname="Helvetica", fontsize=12, bgcolor="white"'
      + `${deco.title ? `, label=<<b>${esc(deco.title)}</b>>, labelloc=t` : ''}];`,
    `  node [shape=box, style="rounded,filled", fillcolor="${COLORS.state}", color="${COLORS.ink}", fontname="Helvetica", fontsize=12, margin="0.15,0.08"];`,
    `  edge [fontname="Helvetica", fontsize=9, color="${COLORS.ink}", fontcolor="${COLORS.ink}", arrowsize=0.7];`,
    `  "__start" [shape=point, width=0.15, label="", fillcolor="${COLORS.ink}"];`,
  ];
  const children = (parent: string | null) => graph.states.filter((s) => s.parent === parent);
  const nodeLine = (s: DiagramState, indent: string) => {
    const fill = path?.current === s.path ? COLORS.current : onPath(s.path) ? COLORS.pathFill : s.kind === 'final' ? COLORS.final : COLORS.state;
    const attrs = [
      `id="stage-${s.path}"`, `class="stage"`, `label=${stateLabel(s, graph, deco)}`, `fillcolor="${fill}"`,
      ...(s.kind === 'final' ? ['peripheries=2'] : []),
      ...(onPath(s.path) ? [`color="${COLORS.path}"`, 'penwidth=2'] : path ? [`color="${COLORS.muted}"`] : []),
    ];
    out.push(`${indent}${dotId(s.path)} [${attrs.join(', ')}];`);
  };
  const writeState = (s: DiagramState, indent: string) => {
    if (s.kind !== 'compound') return nodeLine(s, indent);
    out.push(`${indent}subgraph ${clusterId(s.path)} {`);
    out.push(`${indent}  id="stage-${s.path}"; class="stage"; label=${clusterLabel(s, graph, deco)};`);
    out.push(`${indent}  style="rounded,filled"; fillcolor="${COLORS.cluster}"; color="${onPath(s.path) ? COLORS.path : COLORS.ink}"; penwidth=${onPath(s.path) ? 2 : 1};`);
    if (s.initial) {
      out.push(`${indent}  ${dotId(`${s.path}.__start`)} [shape=point, width=0.1, label=""];`);
    }
    for (const c of children(s.path)) writeState(c, `${indent}  `);
    out.push(`${indent}}`);
  };
  for (const s of children(null)) writeState(s, '  ');

  const compound = new Set(graph.states.filter((s) => s.kind === 'compound').map((s) => s.path));
  // An arrow to or from a compound state is clipped at its box (lhead/ltail): it leaves from its last
  // sub-state and enters at its initial one, which keeps it clear of the sub-states' own arrows.
  const lastChild = (p: string) => graph.states.filter((s) => s.parent === p).at(-1)?.path ?? p;
  const tailOf = (p: string) => (compound.has(p) ? lastChild(p) : p);
  const headOf = (p: string) => (compound.has(p) ? graph.states.find((s) => s.path === p)!.initial ?? p : p);
  const startSteps = path?.transitions[START] ?? [];
  const startLabel = startSteps.map((s) => `<font color="${COLORS.path}"><b>${esc(s)}</b></font>`).join('<br/>');
  out.push(`  "__start" -> ${dotId(graph.initial)} [${startSteps.length ? `label=<${startLabel}>, color="${COLORS.path}", penwidth=3` : ''}];`);
  for (const s of graph.states.filter((x) => x.kind === 'compound' && x.initial)) {
    out.push(`  ${dotId(`${s.path}.__start`)} -> ${dotId(s.initial!)} [arrowsize=0.5];`);
  }
  const edges = dotEdges(graph);
  for (const e of edges) {
    if (e.hub) {
      const tag = `from ${e.hub.sources.map((p) => p.replace('.', ': ')).join(', ')}`;
      const hubOnPath = e.members.some((t) => path?.transitions[t.id]?.length);
      out.push(`  "${e.hub.id}" [shape=box, style="rounded,dashed", fillcolor="white", color="${hubOnPath ? COLORS.path : COLORS.faint}", fontcolor="${COLORS.muted}", fontsize=9, margin="0.08,0.03", label="${esc(tag)}"];`);
    }
    // Name the event on a shared arrow (CRO_CONFIRM and CRO_FLAG), and keep the steps in order.
    const named = new Set(e.members.map((t) => t.eventLabel)).size > 1;
    const steps = e.members.flatMap((t) => (path?.transitions[t.id] ?? []).map((c) => (named ? `${c} ${t.eventLabel}` : c)))
      .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
    const dimmed = Boolean(path) && steps.length === 0;
    const ink = dimmed ? COLORS.muted : e.kind === 'cro' ? COLORS.cro : e.kind === 'timer' ? COLORS.timer : COLORS.ink;
    const text = deco.compact ? (t: DiagramTransition) => (t.kind === 'timer' ? `${t.eventLabel}: ${t.duration}` : t.eventLabel) : edgeLine;
    const lines = [...new Set(e.members.map(text))].map((l) => `<font color="${ink}">${esc(l)}</font>`);
    if (e.kind === 'cro') lines.push(`<font color="${ink}"><b>CRO only</b></font>`);
    for (const step of steps) lines.push(`<font point-size="10" color="${COLORS.path}"><b>${esc(step)}</b></font>`);
    const attrs = [`id="edge-${e.key}"`, `label=<${lines.join('<br/>')}>`];
    if (e.kind === 'timer') attrs.push('style=dashed', `color="${COLORS.timer}"`);
    if (e.kind === 'cro') attrs.push(`color="${COLORS.cro}"`, 'penwidth=1.8');
    if (path) {
      if (steps.length) attrs.push(`color="${COLORS.path}"`, 'penwidth=3');
      else attrs.push(`color="${COLORS.faint}"`);
    }
    if (compound.has(e.source)) attrs.push(`ltail=${clusterId(e.source)}`);
    if (compound.has(e.target)) attrs.push(`lhead=${clusterId(e.target)}`);
    out.push(`  ${dotId(tailOf(e.source))} -> ${dotId(headOf(e.target))} [${attrs.join(', ')}];`);
  }
  for (const x of path?.extra ?? []) {
    out.push(`  ${dotId(tailOf(x.source))} -> ${dotId(headOf(x.target))} [style=dashed, color="${COLORS.path}", penwidth=3, label=<<font color="${COLORS.path}"><b>${esc(x.caption)}</b></font>>];`);
  }
  const marks = {
    cro: graph.transitions.some((t) => t.croOnly) ? deco.croNote ?? 'CRO only (HO 3.6, 4.3)' : null,
    inside: !deco.compact && graph.transitions.some(isInside),
    from: edges.some((e) => e.hub),
  };
  out.push(`  "__legend" [shape=plain, fontsize=9, label=<${legendTable(Boolean(deco.compact), marks)}>];`);
  // The key sits under the end of the ladder.
  for (const s of graph.states.filter((x) => x.kind === 'final')) out.push(`  ${dotId(s.path)} -> "__legend" [style=invis];`);
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** A key to the marks, drawn inside the SVG so it reads on its own: the marks the graph has. */
function legendTable(compact: boolean, marks: { cro: string | null; inside: boolean; from: boolean }): string {
  const row = (mark: string, text: string) => `<tr><td align="left">${mark}</td><td align="left">${esc(text)}</td></tr>`;
  return `<table border="0" cellborder="0" cellspacing="2" cellpadding="1">`
    + `<tr><td colspan="2" align="left"><b>Legend</b></td></tr>`
    + row(`<font color="${COLORS.ink}">───▶</font>`, compact ? 'an event (guards: diagrams/ladder.svg)' : 'an event, with [guard] when the machine checks one')
    + row(`<font color="${COLORS.timer}">- - -▶</font>`, 'a durable timer, with its duration from configuration')
    + (marks.cro ? row(`<font color="${COLORS.cro}"><b>───▶</b></font>`, marks.cro) : '')
    + (marks.inside ? row('↺', 'inside a box: the event is recorded and the account stays (or re-enters)') : '')
    + (marks.from ? row('from …', 'the same transition from each listed state') : '')
    + '</table>';
}

