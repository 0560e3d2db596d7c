// The committed diagrams are generated from the machine (STYLE: "diagrams/ … a test fails when they are
// stale"). `npm run diagrams:check` runs this folder.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toDirectedGraph } from '@xstate/graph';
import { createMachine, type AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createLadderMachine } from '../../machines/ladder.js';
import { DEFAULT_RULES } from '../../machines/rules/config.js';
import { CRO_ONLY_EVENTS } from '../../machines/events.js';
import { statePaths } from '../../machines/introspect.js';
import { delayOf } from '../../machines/timers.js';
import { generateDiagrams, staleDiagrams } from '../../src/diagram/artifacts.js';
import { runCli } from '../../src/cli/app.js';
import { tempDir } from '../helpers/store.js';
import { parseMermaid } from './mermaid-text.js';

const COMMITTED = fileURLToPath(new URL('../../diagrams', import.meta.url));

type GraphNode = ReturnType<typeof toDirectedGraph>;
function graphOf(machine: AnyStateMachine) {
  const nodes: GraphNode[] = [];
  const walk = (n: GraphNode) => { nodes.push(n); n.children.forEach(walk); };
  walk(toDirectedGraph(machine));
  const strip = (id: string) => id.replace(/^ladder\.?/, '');
  const history = new Set(nodes.filter((n) => n.stateNode.type === 'history').map((n) => strip(n.id)));
  const real = nodes.filter((n) => n.id !== 'ladder' && !history.has(strip(n.id)));
  const edges = real.flatMap((n) => n.edges.map((e) => {
    const target = strip(e.target.id);
    return {
      source: strip(e.source.id),
      // A history target is drawn as its compound state ("SQL.hist" → "SQL").
      target: history.has(target) ? target.split('.').slice(0, -1).join('.') : target,
      event: delayOf(e.label.text) ?? e.label.text,
      timer: delayOf(e.label.text) !== null,
      guarded: Boolean(e.transition.guard),
    };
  }));
  return { states: real.map((n) => strip(n.id)), edges };
}

describe('diagrams generated from the machine', () => {
  it('the committed diagrams/ are exactly what the machine generates, byte for byte, every run', async () => {
    const machine = createLadderMachine(DEFAULT_RULES);
    const first = await generateDiagrams(machine, DEFAULT_RULES);
    const second = await generateDiagrams(createLadderMachine(DEFAULT_RULES), DEFAULT_RULES);
    expect(second).toEqual(first);
    const stale = staleDiagrams(COMMITTED, first);
    expect(stale, `diagrams/ is stale (${stale.join(', ')}): regenerate with npm run diagrams`).toEqual([]);
  });

  it('shows every state and every transition of the machine in the Mermaid text, with guards, timers and CRO marks', async () => {
    const machine = createLadderMachine(DEFAULT_RULES);
    const mmd = (await generateDiagrams(machine, DEFAULT_RULES))['ladder.mmd'];
    const { paths, transitions } = parseMermaid(mmd);
    const graph = graphOf(machine);

    expect(mmd.startsWith('stateDiagram-v2\n')).toBe(true);
    expect([...paths.values()].sort()).toEqual([...graph.states].sort());
    expect([...paths.values()]).toEqual(expect.arrayContaining(['SQL.dossier', 'SQL.review', 'SQL.confirmed'])); // nested in SQL
    expect([...paths.values()]).toEqual(expect.arrayContaining(['MQL.dossier', 'MQL.nurture'])); // nested in MQL (machine v2)
    expect(transitions).toHaveLength(graph.edges.length);

    const eventOf = (label: string) => (label.startsWith('timer ') ? label.split(' ')[1]! : label.split(' ')[0]!);
    const key = (e: { source: string; target: string; event: string }) => `${e.source} -> ${e.target} on ${e.event}`;
    const count = (keys: string[]) => {
      const m: Record<string, number> = {};
      for (const k of keys) m[k] = (m[k] ?? 0) + 1;
      return m;
    };
    expect(count(transitions.map((t) => key({ ...t, event: eventOf(t.label) })))).toEqual(count(graph.edges.map(key)));

    for (const e of graph.edges) {
      const lines = transitions.filter((t) => t.source === e.source && t.target === e.target && eventOf(t.label) === e.event);
      const croOnly = (CRO_ONLY_EVENTS as readonly string[]).includes(e.event);
      expect(lines.some((l) => l.label.endsWith('(CRO only)') === croOnly), `${key(e)}: CRO mark`).toBe(true);
      if (e.guarded) expect(lines.some((l) => /\[(?!else\])[^\]]+\]/.test(l.label)), `${key(e)}: guard`).toBe(true);
      if (e.timer) expect(lines.every((l) => l.label.startsWith(`timer ${e.event} — `)), `${key(e)}: timer`).toBe(true);
    }
    expect(mmd).toContain('SQL --> MQL : timer SQL_STALE — 30 days without engagement');
    expect(mmd).toContain('MQL --> PROSPECT : timer MQL_STALE — 90 days without engagement');
    expect(mmd).toContain('RECYCLED --> MQL : timer RECYCLE_COOLDOWN — 90-day cooldown over');
    expect(mmd).toContain('SQL__review --> SQL__confirmed : CRO_CONFIRM [is CRO] (CRO only)');
    // Machine v2: a new classification lands in MQL: dossier (its SLA runs there); regressions land in MQL: nurture.
    expect(mmd).toContain('PROSPECT --> MQL__dossier : SIGNAL [qualifies for MQL]');
    expect(mmd).toContain('[*] --> MQL__nurture');
    expect(mmd).toContain('MQL__dossier --> MQL__dossier : timer DOSSIER_SLA — dossier SLA — 1 business day [dossier SLA open] / flags an SLA breach');
    expect(mmd).toContain('SQL__review --> MQL : CRO_DISPUTE [is CRO] (CRO only)');
  });

  it('draws every state in the SVG, the MQL and SQL sub-states inside their boxes', async () => {
    const svg = (await generateDiagrams(createLadderMachine(DEFAULT_RULES), DEFAULT_RULES))['ladder.svg'];
    const paths = statePaths(createLadderMachine(DEFAULT_RULES));
    expect(paths).toEqual(expect.arrayContaining(['MQL', 'MQL.dossier', 'MQL.nurture', 'SQL', 'SQL.dossier']));
    for (const path of paths) expect(svg).toContain(`<title>${path === 'SQL' || path === 'MQL' ? `cluster_${path}` : path}</title>`);
    expect(svg).toContain('SQL_STALE: 30 days without engagement');
    expect(svg.startsWith('<?xml')).toBe(true);
  });

  it('fails the staleness check for a copy of the machine with another configuration', async () => {
    const rules = { ...DEFAULT_RULES, timers: { ...DEFAULT_RULES.timers, sqlStaleDays: 45 } };
    const generated = await generateDiagrams(createLadderMachine(rules), rules);
    expect(generated['ladder.mmd']).toContain('timer SQL_STALE — 45 days without engagement');
    expect(staleDiagrams(COMMITTED, generated)).toEqual(['ladder.mmd', 'ladder.svg', 'README.md']);
  });

  it('fails the staleness check for a copy of the machine with an extra state and transition', async () => {
    const original = createLadderMachine(DEFAULT_RULES);
    const config = original.config as { states: Record<string, { on?: Record<string, unknown> }> };
    const copy = createMachine({
      ...original.config,
      states: {
        ...config.states,
        PROSPECT: { ...config.states.PROSPECT, on: { ...config.states.PROSPECT!.on, HOLD: { target: '#ladder.ON_HOLD' } } },
        ON_HOLD: { on: { RESUME: { target: '#ladder.PROSPECT' } } },
      },
    } as typeof original.config, original.implementations) as unknown as AnyStateMachine;
    const generated = await generateDiagrams(copy, DEFAULT_RULES);
    expect(generated['ladder.mmd']).toContain('PROSPECT --> ON_HOLD : HOLD');
    expect(generated['ladder.mmd']).toContain('ON_HOLD --> PROSPECT : RESUME');
    expect(staleDiagrams(COMMITTED, generated)).toEqual(['ladder.mmd', 'ladder.svg', 'README.md']);
    expect(statePaths(original)).not.toContain('ON_HOLD'); // the machine itself is untouched
  });

  it('`ladder diagram --check` exits 5 (a difference found) on a stale folder, and passes once `ladder diagram` wrote it', async () => {
    const tmp = tempDir();
    try {
      const out: string[] = [];
      const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s), isTTY: false, env: {} };
      expect(await runCli(['diagram', '--check', '--out', tmp.dir], io)).toBe(5);
      expect(out.join('\n')).toContain('ladder.mmd, ladder.svg, approval.mmd, approval.svg, recipients.mmd, recipients.svg, sequence.mmd, sequence.svg, sending.mmd, sending.svg, README.md differ from the machine; regenerate them with: npm run diagrams');
      expect(await runCli(['diagram', '--out', tmp.dir], io)).toBe(0);
      expect(await runCli(['diagram', '--check', '--out', tmp.dir], io)).toBe(0);
      expect(readFileSync(`${tmp.dir}/ladder.mmd`, 'utf8')).toBe(readFileSync(`${COMMITTED}/ladder.mmd`, 'utf8'));
    } finally { tmp.cleanup(); }
  });
});
