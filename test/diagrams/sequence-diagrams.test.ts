// The diagrams of the email side (issue 15): an account's sequence and the sending mailbox, generated with the
// ladder's into diagrams/ and checked for staleness the same way, their timers labelled from the sequence settings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toDirectedGraph } from '@xstate/graph';
import { createMachine, type AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createLadderMachine } from '../../machines/ladder.js';
import { DEFAULT_RULES } from '../../machines/rules/config.js';
import { machineEdges, statePaths } from '../../machines/introspect.js';
import { createSequenceMachine } from '../../machines/sequence.js';
import { createSendingMachine } from '../../machines/sending.js';
import type { SequenceConfig } from '../../machines/sequence-config.js';
import { delayOf } from '../../machines/timers.js';
import { defaultApprovalConfig } from '../../src/diagram/approvals.js';
import { DIAGRAM_FILES, generateDiagrams, staleDiagrams } from '../../src/diagram/artifacts.js';
import { ANY_STATE, WORDED_SEQUENCE_GUARDS, defaultSequenceConfig, rootEdges } from '../../src/diagram/sequences.js';
import { runCli } from '../../src/cli/app.js';
import { openTestLadder, tempDir } from '../helpers/store.js';
import { parseMermaid, tally } from './mermaid-text.js';

const COMMITTED = fileURLToPath(new URL('../../diagrams', import.meta.url));
const CONFIG = defaultSequenceConfig(DEFAULT_RULES);
const generate = (config: SequenceConfig = CONFIG, machines: { sequence?: AnyStateMachine; sending?: AnyStateMachine } = {}) =>
  generateDiagrams(createLadderMachine(DEFAULT_RULES), DEFAULT_RULES, { config: defaultApprovalConfig(DEFAULT_RULES) }, { config, ...machines });

const MACHINES = [
  { file: 'sequence', id: 'sequence', make: (cfg: SequenceConfig) => createSequenceMachine(cfg) as unknown as AnyStateMachine },
  { file: 'sending', id: 'sending', make: () => createSendingMachine() as unknown as AnyStateMachine },
] as const;

/**
 * States and transitions as @xstate/graph sees them: a second reading of the machine, not the generator's. The
 * root's own transitions (the replies, a task done, a task's SLA) are the diagram's pseudo-state `any`.
 */
function graphOf(machine: AnyStateMachine, id: string) {
  type Node = ReturnType<typeof toDirectedGraph>;
  const nodes: Node[] = [];
  const walk = (n: Node) => { nodes.push(n); n.children.forEach(walk); };
  walk(toDirectedGraph(machine));
  const strip = (s: string) => s.replace(new RegExp(`^${id}\\.?`), '') || ANY_STATE;
  const real = nodes.filter((n) => n.id !== id);
  const edges = nodes.flatMap((n) => n.edges.map((e) => ({
    source: strip(e.source.id), target: strip(e.target.id),
    event: delayOf(e.label.text) ?? e.label.text, timer: delayOf(e.label.text) !== null || e.label.text === 'TASK_DUE', guarded: Boolean(e.transition.guard),
  })));
  const root = nodes.find((n) => n.id === id)!;
  return { states: [...real.map((n) => strip(n.id)), ...(root.edges.length ? [ANY_STATE] : [])], edges };
}

describe('diagrams of the sequence and sending machines', () => {
  it('are committed in diagrams/ exactly as the machines built with the default settings generate them, and listed in its README', async () => {
    const first = await generate();
    expect(await generate()).toEqual(first);
    const stale = staleDiagrams(COMMITTED, first);
    expect(stale, `diagrams/ is stale (${stale.join(', ')}): regenerate with npm run diagrams`).toEqual([]);
    for (const f of ['sequence.mmd', 'sequence.svg', 'sending.mmd', 'sending.svg']) {
      expect(DIAGRAM_FILES).toContain(f);
      expect(readFileSync(join(COMMITTED, 'README.md'), 'utf8'), `README lists ${f}`).toContain(`| \`${f}\` |`);
    }
  });

  it.each(MACHINES)('$file.mmd shows every state and every transition of the machine, guards and timers in words', async ({ file, id, make }) => {
    const machine = make(CONFIG);
    const mmd = (await generate())[`${file}.mmd`];
    const { paths, transitions } = parseMermaid(mmd);
    const graph = graphOf(machine, id);
    expect(mmd.startsWith('stateDiagram-v2\n')).toBe(true);
    expect([...paths.values()].sort()).toEqual([...graph.states].sort());
    const own = [...paths.values()].filter((p) => p !== ANY_STATE);
    expect(own.sort()).toEqual(statePaths(machine).sort());
    const eventOf = (label: string) => (label.startsWith('timer ') ? label.split(' ')[1]! : label.split(' ')[0]!);
    const key = (e: { source: string; target: string; event: string }) => `${e.source} -> ${e.target} on ${e.event}`;
    expect(tally(transitions.map((t) => key({ ...t, event: eventOf(t.label) })))).toEqual(tally(graph.edges.map(key)));
    for (const e of graph.edges) {
      const lines = transitions.filter((t) => t.source === e.source && t.target === e.target && eventOf(t.label) === e.event);
      if (e.guarded) expect(lines.every((l) => /\[[^\]]+\]/.test(l.label)), `${key(e)}: guard`).toBe(true);
      if (e.timer) expect(lines.every((l) => l.label.startsWith(`timer ${e.event} — `)), `${key(e)}: timer`).toBe(true);
    }
    // Every guard has words of its own, not its name in pieces ("warm and running" is two guards, both worded).
    const guards = [...machineEdges(machine), ...rootEdges(machine)].map((e) => e.guard).filter((g): g is string => g !== null).flatMap((g) => g.split(' and '));
    expect([...new Set(guards)].filter((g) => !WORDED_SEQUENCE_GUARDS.includes(g))).toEqual([]);
  });

  it('labels the sequence machine\'s timers from the settings, in the SOP\'s words', async () => {
    const mmd = (await generate())['sequence.mmd'];
    // Mermaid reads a colon as syntax: the send time is written 09h00 there.
    const touch = 'timer NEXT_TOUCH — the next touch day, business days at 09h00 UTC (Nurture-MQL Day 1, 3, 7, 21, 35 · Activation-SQL Day 1, 4, 8, 14, 21 · Re-engagement Day 1, 31)';
    for (const line of [
      'idle --> active : STAGE [the stage calls for Nurture-MQL, Activation-SQL, Re-engagement]',
      `active --> active : ${touch} [more touches to plan] / re-enters, the next touch armed`,
      `active --> complete : ${touch} [else]`,
      'complete --> cooldown : timer RUN_COMPLETE — 14 days without a reply after the last touch [the run was Nurture-MQL]',
      'complete --> croTask : timer RUN_COMPLETE — 14 days without a reply after the last touch [the run was Activation-SQL]',
      'cooldown --> active : timer COOLDOWN — 30-day cooldown',
      'paused__ooo --> active : timer OOO_RESUME — 2 business days after the return date [touches not yet handed over]',
      'paused__warm --> paused__warm : timer WARM_FOLLOW_UP — 5 days without a booking / opens a CRO follow-up task',
      'stopped__notNow --> stopped__held : timer NOT_NOW_WAKE — 6 weeks before their timeline',
      'awaitingContact --> active : SEQUENCE_CONTACT [the stage calls for a sequence Ladder sends]',
      'suppressed --> suppressed : STAGE / stays, records',
      'any --> suppressed : REPLY [hostile or opt-out]',
      'any --> paused__warm : REPLY [warm-positive, a run in progress]',
      'any --> cooldown : REPLY [no-response, a run in progress, the run was Nurture-MQL]',
      'any --> any : TASK_DONE [an open task, by its role] / stays, records',
    ]) expect(mmd).toContain(`  ${line}\n`);
    expect(mmd).toMatch(/ {2}any --> any : timer TASK_DUE — the reply's SLA \(hot-positive 4 hours · .* · wrong-person 2 business days · .*\) \[the task is open\] \/ flags an SLA breach\n/);
    const sending = (await generate())['sending.mmd'];
    expect(sending).toContain('  sending --> paused : BOUNCE_PAUSE\n');
    expect(sending).toContain('  paused --> sending : SENDING_RESUME [sales.ops]\n');
  });

  it.each(MACHINES)('draws every state of the $file machine in its SVG', async ({ file, make }) => {
    const svg = (await generate())[`${file}.svg` as 'sequence.svg'].replace(/&#45;/g, '-');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain(`<title>${file}</title>`);
    const compound = new Set(file === 'sequence' ? ['paused', 'stopped'] : []);
    for (const path of statePaths(make(CONFIG))) expect(svg).toContain(`<title>${compound.has(path) ? `cluster_${path}` : path}</title>`);
    if (file === 'sequence') {
      expect(svg).toContain('COOLDOWN: 30-day cooldown');
      expect(svg).toContain('OOO_RESUME: 2 business days after the return date');
      expect(svg).toContain('RUN_COMPLETE: 14 days without a reply after the last touch');
    }
  });

  it('goes stale when the sequence settings change, the other machines\' files untouched', async () => {
    const config = { ...CONFIG, sequences: { ...CONFIG.sequences, cooldownDays: 45, oooResumeBusinessDays: 3, cadences: { ...CONFIG.sequences.cadences, 'Nurture-MQL': [1, 4, 9] } } };
    const generated = await generate(config);
    expect(generated['sequence.mmd']).toContain('cooldown --> active : timer COOLDOWN — 45-day cooldown');
    expect(generated['sequence.mmd']).toContain('timer OOO_RESUME — 3 business days after the return date');
    expect(generated['sequence.mmd']).toContain('Nurture-MQL Day 1, 4, 9 ·');
    expect(generated['README.md']).toContain('`cooldownDays` 45');
    expect(staleDiagrams(COMMITTED, generated)).toEqual(['sequence.mmd', 'sequence.svg', 'README.md']);
  });

  it('goes stale for a copy of the sequence machine with an extra state, and of the sending machine without a transition', async () => {
    const original = createSequenceMachine(CONFIG) as unknown as AnyStateMachine;
    const config = original.config as { states: Record<string, { on?: Record<string, unknown> }> };
    const copy = createMachine({
      ...original.config,
      states: { ...config.states, croTask: { on: { ...config.states.croTask!.on, TASK_SNOOZE: { target: '#sequence.snoozed' } } }, snoozed: {} },
    } as typeof original.config, original.implementations as never) as unknown as AnyStateMachine;
    const generated = await generate(CONFIG, { sequence: copy });
    expect(generated['sequence.mmd']).toContain('croTask --> snoozed : TASK_SNOOZE');
    expect(staleDiagrams(COMMITTED, generated)).toEqual(['sequence.mmd', 'sequence.svg', 'README.md']);

    const sending = createSendingMachine() as unknown as AnyStateMachine;
    const sc = sending.config as { states: Record<string, unknown> };
    const stuck = createMachine({ ...sending.config, states: { ...sc.states, paused: {} } } as typeof sending.config, sending.implementations as never) as unknown as AnyStateMachine;
    const without = await generate(CONFIG, { sending: stuck });
    expect(without['sending.mmd']).not.toContain('SENDING_RESUME');
    expect(staleDiagrams(COMMITTED, without)).toEqual(['sending.mmd', 'sending.svg', 'README.md']);
  });

  it('`ladder diagram --db` draws the sequence machine with that database\'s settings', async () => {
    const tmp = tempDir();
    try {
      const db = join(tmp.dir, 'ladder.db');
      const ladder = openTestLadder(db);
      ladder.engine.changeSettings((s) => ({ ...s, sequences: { ...s.sequences, completeAfterDays: 21 } }), {
        by: 'ana', role: 'sales.ops', now: '2026-03-02T09:00:00.000Z', change: 'three weeks of silence', source: 'cli',
      });
      ladder.close();
      const out: string[] = [];
      const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s), isTTY: false, env: {} };
      const dir = join(tmp.dir, 'diagrams');
      expect(await runCli(['--db', db, 'diagram', '--out', dir], io), out.join('\n')).toBe(0);
      expect(readFileSync(join(dir, 'sequence.mmd'), 'utf8')).toContain('timer RUN_COMPLETE — 21 days without a reply after the last touch');
      expect(readFileSync(join(dir, 'sending.mmd'), 'utf8')).toBe(readFileSync(join(COMMITTED, 'sending.mmd'), 'utf8'));
    } finally { tmp.cleanup(); }
  });
});
