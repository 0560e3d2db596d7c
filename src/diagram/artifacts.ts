// The committed diagrams (diagrams/): generated from the machine, compared byte for byte by the
// staleness check (test/diagrams, `ladder diagram --check`).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyStateMachine } from 'xstate';
import type { RulesConfig } from '../../machines/rules/config.js';
import { toDot } from './dot.js';
import { toMermaid } from './mermaid.js';
import { ladderGraph, type LadderGraph } from './model.js';
import { renderSvg } from './render.js';

export const DIAGRAM_FILES = ['ladder.mmd', 'ladder.svg', 'README.md'] as const;
export type DiagramFile = (typeof DIAGRAM_FILES)[number];
export type DiagramSet = Record<DiagramFile, string>;

export async function generateDiagrams(machine: AnyStateMachine, cfg: RulesConfig): Promise<DiagramSet> {
  const graph = ladderGraph(machine, cfg);
  return {
    'ladder.mmd': toMermaid(graph),
    'ladder.svg': await renderSvg(toDot(graph)),
    'README.md': legend(graph, cfg),
  };
}

/** The files in `dir` that are missing or differ from the generated ones: empty when the diagrams are current. */
export function staleDiagrams(dir: string, generated: DiagramSet): DiagramFile[] {
  return DIAGRAM_FILES.filter((f) => {
    const path = join(dir, f);
    return !existsSync(path) || readFileSync(path, 'utf8') !== generated[f];
  });
}

export function writeDiagrams(dir: string, generated: DiagramSet): string[] {
  mkdirSync(dir, { recursive: true });
  return DIAGRAM_FILES.map((f) => {
    writeFileSync(join(dir, f), generated[f]);
    return join(dir, f);
  });
}

function legend(graph: LadderGraph, cfg: RulesConfig): string {
  const timers = graph.transitions.filter((t) => t.kind === 'timer');
  const cro = [...new Set(graph.transitions.filter((t) => t.croOnly).map((t) => t.event))];
  return `# Diagrams of the ladder

Generated from the machine definition (\`machines/ladder.ts\`, read through \`machines/introspect.ts\`):
never edit these files by hand. ${graph.states.length} states, ${graph.transitions.length} transitions.

| file | what |
|---|---|
| \`ladder.mmd\` | Mermaid \`stateDiagram-v2\`: one line per transition of the machine (GitHub renders it) |
| \`ladder.svg\` | the same graph drawn by Graphviz (WebAssembly, offline): the one to read |

## Legend

- \`EVENT [guard]\`: the event the machine accepts and, in brackets, the guard it checks (\`[else]\`: the
  fallback when the guards before it fail). Guards are tried in the order listed.
- **Timers** (\`timer NAME — duration\` in Mermaid; dashed blue arrows in the SVG): the machine's own
  durable \`after\` transitions, with their durations from configuration (${[...new Set(timers.map((t) => `${t.eventLabel}: ${t.duration}`))].join('; ')}).
- **CRO only** (\`(CRO only)\` in Mermaid; red arrows in the SVG): ${cro.join(', ')}.
- **Stays** (\`/ stays, records\`; \`↺\` inside a box in the SVG): the event is recorded and the account stays.
  \`/ re-enters\`: the state is re-entered and its no-engagement clock restarts (SQL keeps its sub-state).
- **\`from …\`** (SVG): one arrow for the same transition declared on each listed state.
- SQL's sub-states (\`dossier\`, \`review\`, \`confirmed\`) are nested inside SQL, and MQL's (\`dossier\`: a new MQL owes
  its dossier; \`nurture\`) inside MQL; an arrow leaving a box applies to every sub-state inside it.

Durations come from the configuration the generator ran with (\`sqlStaleDays\` ${cfg.timers.sqlStaleDays},
\`mqlStaleDays\` ${cfg.timers.mqlStaleDays}, \`recycleCooldownDays\` ${cfg.timers.recycleCooldownDays}); the committed files and their
staleness test use the default configuration.

## Regenerate

\`\`\`sh
npm run diagrams          # writes diagrams/ladder.mmd, ladder.svg, README.md
npm run diagrams:check    # fails when these files differ from the machine
\`\`\`

One account's path through the ladder: \`ladder history ACCOUNT --diagram out.svg\`.
`;
}
