// The diagrams of the machines beside the ladder (issue 14): a template version's approval and a recipient list's,
// generated with the ladder's into diagrams/ and checked for staleness the same way.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toDirectedGraph } from '@xstate/graph';
import { createMachine, type AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createApprovalMachine, type ApprovalConfig } from '../../machines/approval.js';
import { createRecipientsMachine } from '../../machines/recipients.js';
import { createLadderMachine } from '../../machines/ladder.js';
import { DEFAULT_RULES } from '../../machines/rules/config.js';
import { machineEdges, statePaths } from '../../machines/introspect.js';
import { delayOf } from '../../machines/timers.js';
import { WORDED_GUARDS, defaultApprovalConfig } from '../../src/diagram/approvals.js';
import { DIAGRAM_FILES, generateDiagrams, staleDiagrams, type ApprovalMachines } from '../../src/diagram/artifacts.js';
import { runCli } from '../../src/cli/app.js';
import { openTestLadder, tempDir } from '../helpers/store.js';
import { parseMermaid, tally } from './mermaid-text.js';

const COMMITTED = fileURLToPath(new URL('../../diagrams', import.meta.url));
const CONFIG = defaultApprovalConfig(DEFAULT_RULES);
const generate = (others: ApprovalMachines = { config: CONFIG }) => generateDiagrams(createLadderMachine(DEFAULT_RULES), DEFAULT_RULES, others);

const MACHINES = [
  { file: 'approval', id: 'approval', make: (cfg: ApprovalConfig) => createApprovalMachine(cfg) as unknown as AnyStateMachine },
  { file: 'recipients', id: 'recipients', make: (cfg: ApprovalConfig) => createRecipientsMachine(cfg) as unknown as AnyStateMachine },
] as const;

/** States and transitions as @xstate/graph sees them: a second reading of the machine, not the generator's. */
function graphOf(machine: AnyStateMachine, id: string) {
  type Node = ReturnType<typeof toDirectedGraph>;
  const nodes: Node[] = [];
  const walk = (n: Node) => { nodes.push(n); n.children.forEach(walk); };
  walk(toDirectedGraph(machine));
  const strip = (s: string) => s.replace(new RegExp(`^${id}\\.?`), '');
  const real = nodes.filter((n) => n.id !== id);
  const edges = real.flatMap((n) => n.edges.map((e) => ({
    source: strip(e.source.id), target: strip(e.target.id),
    event: delayOf(e.label.text) ?? e.label.text, timer: delayOf(e.label.text) !== null, guarded: Boolean(e.transition.guard),
  })));
  return { states: real.map((n) => strip(n.id)), edges };
}

describe('diagrams of the approval machines', () => {
  it('are committed in diagrams/ exactly as the machines built with the default settings generate them, every run', async () => {
    const first = await generate();
    expect(await generate()).toEqual(first);
    const stale = staleDiagrams(COMMITTED, first);
    expect(stale, `diagrams/ is stale (${stale.join(', ')}): regenerate with npm run diagrams`).toEqual([]);
    for (const f of ['approval.mmd', 'approval.svg', 'recipients.mmd', 'recipients.svg']) {
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
    expect([...paths.values()].sort()).toEqual(statePaths(machine).sort());
    const eventOf = (label: string) => (label.startsWith('timer ') ? label.split(' ')[1]! : label.split(' ')[0]!);
    const key = (e: { source: string; target: string; event: string }) => `${e.source} -> ${e.target} on ${e.event}`;
    expect(tally(transitions.map((t) => key({ ...t, event: eventOf(t.label) })))).toEqual(tally(graph.edges.map(key)));
    for (const e of graph.edges) {
      const lines = transitions.filter((t) => t.source === e.source && t.target === e.target && eventOf(t.label) === e.event);
      if (e.guarded) expect(lines.every((l) => /\[[^\]]+\]/.test(l.label)), `${key(e)}: guard`).toBe(true);
      if (e.timer) expect(lines.every((l) => l.label.startsWith(`timer ${e.event} — `)), `${key(e)}: timer`).toBe(true);
    }
    // Every guard has words of its own, not its name in pieces.
    const guards = [...new Set(machineEdges(machine).map((e) => e.guard).filter((g): g is string => g !== null))];
    expect(guards.filter((g) => !WORDED_GUARDS.includes(g))).toEqual([]);
  });

  it('labels the approval machine in the SOP\'s words', async () => {
    const mmd = (await generate())['approval.mmd'];
    // Mermaid reads a colon as syntax: "SLA: 1 business day" is written "SLA — 1 business day" there (the SVG keeps it).
    for (const line of [
      'draft --> cmoReview : TEMPLATE_SUBMIT [category.positioning, content rules pass (HO 5.3)]',
      'cmoReview --> croReview : CMO_APPROVE [CMO, full flow (Activation-SQL), content rules pass (HO 5.3)]',
      'cmoReview --> approved : CMO_APPROVE [CMO, content rules pass (HO 5.3)]',
      'cmoReview --> draft : CMO_REJECT [CMO]',
      'cmoReview --> cmoReview : timer STEP_SLA — SLA — 1 business day / flags an SLA breach',
      'cmoReview --> cmoReview : timer STEP_ESCALATION — escalate to chief.staff — 48 hours / records an escalation',
      'croReview --> approved : CRO_GO [CRO, content rules pass (HO 5.3)] (CRO only)',
      'croReview --> draft : CRO_NO_GO [CRO] (CRO only)',
      'croReview --> croReview : timer STEP_SLA — SLA — 1 business day / flags an SLA breach',
      'approved --> retired : TEMPLATE_RETIRE [CMO]',
      'retired --> [*]',
    ]) expect(mmd).toContain(`  ${line}\n`);
  });

  it('labels the recipient list machine in the SOP\'s words', async () => {
    const mmd = (await generate())['recipients.mmd'];
    for (const line of [
      'proposed --> approved : RECIPIENTS_APPROVE [CRO, list check clean (HO 5.4.1)] (CRO only)',
      'proposed --> rejected : RECIPIENTS_REJECT [CRO] (CRO only)',
      'proposed --> withdrawn : RECIPIENTS_WITHDRAW [sales.ops or CRO]',
      'approved --> withdrawn : RECIPIENTS_WITHDRAW [sales.ops or CRO]',
      'proposed --> proposed : timer STEP_SLA — SLA — 1 business day / flags an SLA breach',
      'proposed --> proposed : timer STEP_ESCALATION — escalate to chief.staff — 48 hours / records an escalation',
    ]) expect(mmd).toContain(`  ${line}\n`);
  });

  it.each(MACHINES)('draws every state of the $file machine in its SVG, with its timers and guards', async ({ file, make }) => {
    const svg = (await generate())[`${file}.svg` as 'approval.svg'].replace(/&#45;/g, '-');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain(`<title>${file}</title>`);
    for (const path of statePaths(make(CONFIG))) expect(svg).toContain(`<title>${path}</title>`);
    expect(svg).toContain('STEP_SLA: SLA: 1 business day → flag breach');
    expect(svg).toContain('STEP_ESCALATION: escalate to chief.staff: 48 hours → escalation');
    expect(svg).toContain('CRO only (HO 5.4.1-5.4.2)');
    if (file === 'approval') expect(svg).toContain('CMO_APPROVE [CMO, full flow (Activation-SQL), content rules pass (HO 5.3)]');
  });

  it('goes stale when the approval settings change: durations and flows come from configuration', async () => {
    const config = { ...CONFIG, approvals: { ...CONFIG.approvals, stepBusinessDays: 2, escalateAfterHours: 72 } };
    const generated = await generate({ config });
    expect(generated['approval.mmd']).toContain('cmoReview --> cmoReview : timer STEP_SLA — SLA — 2 business days / flags an SLA breach');
    expect(generated['recipients.mmd']).toContain('proposed --> proposed : timer STEP_ESCALATION — escalate to chief.staff — 72 hours / records an escalation');
    expect(generated['README.md']).toContain('`approvals.escalateAfterHours` 72');
    expect(staleDiagrams(COMMITTED, generated)).toEqual(['approval.mmd', 'approval.svg', 'recipients.mmd', 'recipients.svg', 'README.md']);

    const types = { ...CONFIG.templates.types, 'Re-engagement': { ...CONFIG.templates.types['Re-engagement']!, flow: 'full' as const } };
    const fuller = await generate({ config: { ...CONFIG, templates: { ...CONFIG.templates, types } } });
    expect(fuller['approval.mmd']).toContain('CMO_APPROVE [CMO, full flow (Activation-SQL, Re-engagement), content rules pass (HO 5.3)]');
    expect(staleDiagrams(COMMITTED, fuller)).toEqual(['approval.mmd', 'approval.svg', 'README.md']);
  });

  it('goes stale for a copy of the approval machine with an extra state and transition, the ladder\'s files untouched', async () => {
    const original = createApprovalMachine(CONFIG) as unknown as AnyStateMachine;
    const config = original.config as { states: Record<string, { on?: Record<string, unknown> }> };
    const copy = createMachine({
      ...original.config,
      states: {
        ...config.states,
        approved: { ...config.states.approved, on: { ...config.states.approved!.on, TEMPLATE_PAUSE: { guard: 'isCmo', target: '#approval.paused' } } },
        paused: { on: { TEMPLATE_RESUME: { guard: 'isCmo', target: '#approval.approved' } } },
      },
    } as typeof original.config, original.implementations as never) as unknown as AnyStateMachine;
    const generated = await generate({ config: CONFIG, approval: copy });
    expect(generated['approval.mmd']).toContain('approved --> paused : TEMPLATE_PAUSE [CMO]');
    expect(generated['approval.mmd']).toContain('paused --> approved : TEMPLATE_RESUME [CMO]');
    expect(staleDiagrams(COMMITTED, generated)).toEqual(['approval.mmd', 'approval.svg', 'README.md']);
    expect(statePaths(original)).not.toContain('paused'); // the machine itself is untouched
  });

  it('goes stale for a copy of the recipient list machine without a transition', async () => {
    const original = createRecipientsMachine(CONFIG) as unknown as AnyStateMachine;
    const config = original.config as { states: Record<string, { on?: Record<string, unknown> }> };
    const copy = createMachine({ ...original.config, states: { ...config.states, approved: {} } } as typeof original.config, original.implementations as never) as unknown as AnyStateMachine;
    const generated = await generate({ config: CONFIG, recipients: copy });
    expect(generated['recipients.mmd']).not.toContain('approved --> withdrawn');
    expect(staleDiagrams(COMMITTED, generated)).toEqual(['recipients.mmd', 'recipients.svg', 'README.md']);
  });

  it('`ladder diagram --check` exits 5 naming the one stale file; `ladder diagram` rewrites it', async () => {
    const tmp = tempDir();
    try {
      const out: string[] = [];
      const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s), isTTY: false, env: {} };
      expect(await runCli(['diagram', '--out', tmp.dir], io)).toBe(0);
      for (const f of DIAGRAM_FILES) expect(readFileSync(join(tmp.dir, f), 'utf8'), f).toBe(readFileSync(join(COMMITTED, f), 'utf8'));
      writeFileSync(join(tmp.dir, 'recipients.mmd'), readFileSync(join(tmp.dir, 'recipients.mmd'), 'utf8').replace('RECIPIENTS_REJECT', 'RECIPIENTS_DECLINE'));
      out.length = 0;
      expect(await runCli(['diagram', '--check', '--out', tmp.dir], io)).toBe(5);
      expect(out.join('\n')).toContain(': recipients.mmd differ from the machine; regenerate them with: npm run diagrams');
      expect(await runCli(['diagram', '--out', tmp.dir], io)).toBe(0);
      expect(await runCli(['diagram', '--check', '--out', tmp.dir], io)).toBe(0);
    } finally { tmp.cleanup(); }
  });

  it('`ladder diagram --db` draws the approval machines with that database\'s settings', async () => {
    const tmp = tempDir();
    try {
      const db = join(tmp.dir, 'ladder.db');
      const ladder = openTestLadder(db);
      ladder.engine.changeSettings((s) => ({ ...s, approvals: { ...s.approvals, escalateAfterHours: 24 } }), {
        by: 'ana', role: 'sales.ops', now: '2026-03-02T09:00:00.000Z', change: 'escalate after a day', source: 'cli',
      });
      ladder.close();
      const out: string[] = [];
      const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s), isTTY: false, env: {} };
      const dir = join(tmp.dir, 'diagrams');
      expect(await runCli(['--db', db, 'diagram', '--out', dir], io), out.join('\n')).toBe(0);
      expect(readFileSync(join(dir, 'approval.mmd'), 'utf8')).toContain('timer STEP_ESCALATION — escalate to chief.staff — 24 hours');
      expect(readFileSync(join(dir, 'ladder.mmd'), 'utf8')).toBe(readFileSync(join(COMMITTED, 'ladder.mmd'), 'utf8'));
    } finally { tmp.cleanup(); }
  });
});
