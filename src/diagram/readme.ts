// diagrams/README.md: what each generated file shows and how to read its marks, with the figures and durations
// of the machines the files were generated from.
import type { ApprovalConfig } from '../../machines/approval.js';
import type { RulesConfig } from '../../machines/rules/config.js';
import type { SequenceConfig } from '../../machines/sequence-config.js';
import { fullFlowLabel } from './approvals.js';
import type { LadderGraph } from './model.js';
import { ANY_STATE, slaWords } from './sequences.js';

export type Graphs = { ladder: LadderGraph; approval: LadderGraph; recipients: LadderGraph; sequence: LadderGraph; sending: LadderGraph };

const size = (g: LadderGraph) => `${g.states.length} states, ${g.transitions.length} transitions`;
const timersOf = (g: LadderGraph) => [...new Set(g.transitions.filter((t) => t.kind === 'timer').map((t) => `${t.eventLabel}: ${t.duration}`))].join('; ');
const croOf = (...gs: LadderGraph[]) => [...new Set(gs.flatMap((g) => g.transitions.filter((t) => t.croOnly).map((t) => t.event)))].join(', ');

export function readme(graphs: Graphs, cfg: RulesConfig, approvals: ApprovalConfig, email: SequenceConfig): string {
  const { ladder: graph, approval, recipients, sequence, sending } = graphs;
  const s = email.sequences;
  // The pseudo-state \`any\` is no state of the machine: counted apart.
  const sequenceSize = `${sequence.states.length - 1} states and \`${ANY_STATE}\`, ${sequence.transitions.length} transitions`;
  return `# Diagrams of the ladder

Generated from the machine definitions (\`machines/ladder.ts\`, \`machines/approval.ts\`, \`machines/recipients.ts\`,
\`machines/sequence.ts\`, \`machines/sending.ts\`, read through \`machines/introspect.ts\`): never edit these files by hand.
The ladder: ${size(graph)}; a template version's approval: ${size(approval)}; a recipient list's approval:
${size(recipients)}; an account's sequence: ${sequenceSize}; the sending mailbox: ${size(sending)}.

| file | what |
|---|---|
| \`ladder.mmd\` | Mermaid \`stateDiagram-v2\`: one line per transition of the machine (GitHub renders it) |
| \`ladder.svg\` | the same graph drawn by Graphviz (WebAssembly, offline): the one to read |
| \`approval.mmd\` | a template version's approval (HO 5.4), Mermaid: one line per transition |
| \`approval.svg\` | the same, drawn by Graphviz |
| \`recipients.mmd\` | a recipient list's approval (HO 5.4.1-5.4.3), Mermaid: one line per transition |
| \`recipients.svg\` | the same, drawn by Graphviz |
| \`sequence.mmd\` | an account's email sequence and its replies (HO 5.2, 5.6), Mermaid: one line per transition |
| \`sequence.svg\` | the same, drawn by Graphviz |
| \`sending.mmd\` | the sending mailbox: paused by the bounce rate, resumed by sales.ops (HO 5.5), Mermaid |
| \`sending.svg\` | the same, drawn by Graphviz |

## Legend

- \`EVENT [guard]\`: the event the machine accepts and, in brackets, the guard it checks (\`[else]\`: the
  fallback when the guards before it fail). Guards are tried in the order listed.
- **Timers** (\`timer NAME — duration\` in Mermaid; dashed blue arrows in the SVG): the machine's own
  durable \`after\` transitions, with their durations from configuration (${timersOf(graph)}).
- **CRO only** (\`(CRO only)\` in Mermaid; red arrows in the SVG): ${croOf(graph)}.
- **Stays** (\`/ stays, records\`; \`↺\` inside a box in the SVG): the event is recorded and the account stays.
  \`/ re-enters\`: the state is re-entered and its no-engagement clock restarts (SQL keeps its sub-state).
- **\`from …\`** (SVG): one arrow for the same transition declared on each listed state.
- SQL's sub-states (\`dossier\`, \`review\`, \`confirmed\`) are nested inside SQL, and MQL's (\`dossier\`: a new MQL owes
  its dossier; \`nurture\`) inside MQL; an arrow leaving a box applies to every sub-state inside it.

Durations come from the configuration the generator ran with (\`sqlStaleDays\` ${cfg.timers.sqlStaleDays},
\`mqlStaleDays\` ${cfg.timers.mqlStaleDays}, \`recycleCooldownDays\` ${cfg.timers.recycleCooldownDays}); the committed files and their
staleness test use the default configuration.

## The approval machines

- \`approval\`: one per template version. \`draft\` → \`cmoReview\` → \`approved\`, with \`croReview\` between them for the
  ${fullFlowLabel(approvals)}; \`CMO_REJECT\` and \`CRO_NO_GO\` give it back to \`draft\` with feedback, and a new
  submission starts a new round. An approved version is retired (\`retired\`), never edited: a change is a new version.
- \`recipients\`: one per recipient list. \`proposed\` → \`approved\`, \`rejected\` or \`withdrawn\`; an approved list can
  still be withdrawn.
- Guards name who must send the event (\`CMO\`, \`CRO\`, \`category.positioning\`, \`sales.ops or CRO\`; the engine
  refuses any other role before the machine sees the event) and what must hold: \`content rules pass (HO 5.3)\`
  (the version's content breaks no content rule under the settings in force, so a rule added since refuses its
  approval), \`${fullFlowLabel(approvals)}\` (the sequence types whose narrative the CRO approves, HO 5.4.2),
  \`list check clean (HO 5.4.1)\` (the engine's check of every recipient when the CRO decides).
- **Timers** in each review step: ${timersOf(approval)}. The SLA flags a breach and the escalation records an
  escalation for chief.staff (HO 5.4.4); neither moves the version or the list.
- **CRO only** (\`(CRO only)\` in Mermaid; red arrows in the SVG): ${croOf(approval, recipients)}.

Durations come from the configuration the generator ran with (\`approvals.stepBusinessDays\` ${approvals.approvals.stepBusinessDays},
\`approvals.escalateAfterHours\` ${approvals.approvals.escalateAfterHours}); the committed files use the default configuration.

## The email side

- \`sequence\`: one per account, driven by the ladder. Each change of the account's stage reaches it as \`STAGE\` with the
  sequence the new stage calls for (HO 5.2: an MQL Nurture-MQL, an MQL back from RECYCLED Re-engagement, a confirmed SQL
  Activation-SQL, a held Briefing Post-Briefing, a CRO task); leaving the stage ends the run. \`active\` plans one touch each
  time \`NEXT_TOUCH\` fires (the engine writes the \`sends\` row with its Message-ID in that transaction); after the last,
  \`complete\` waits for a reply, then Nurture-MQL cools down into Re-engagement, Activation-SQL opens the CRO's direct
  outreach (\`croTask\`) and Re-engagement archives the account through the ladder (HO 5.6 #10).
- \`${ANY_STATE}\`: the transitions the machine takes in whichever state the sequence is: the ten reply categories of HO 5.6
  (guards tried in order), a task closed by its role (\`TASK_DONE\`), and a task's SLA (\`TASK_DUE\`, a timer the engine
  persists like the \`after\` ones: it flags a breach and moves nothing). Replies stop (\`stopped\`, \`stopped.notNow\`), pause
  (\`paused.warm\`, \`paused.ooo\`), wait for a new contact (\`awaitingContact\`) or suppress (\`suppressed\`: the engine
  disqualifies the account and suppresses the contact); each opens its handler's task with the SOP's SLA.
- **Timers** (from the sequence settings): ${timersOf(sequence)}.
- \`sending\`: one for the mailbox. A bounce rate over ${(s.bounce.maxRate * 100).toFixed(0)} % in ${s.bounce.windowDays} days (with at least
  ${s.bounce.minSends} sends to judge) pauses every sequence (\`BOUNCE_PAUSE\`, sent by the engine with the figures) and raises an
  escalation; only sales.ops resumes (\`SENDING_RESUME\`).

Durations come from the configuration the generator ran with (\`sequences.cadences\`, \`sendTime\` ${s.sendTime} UTC,
\`completeAfterDays\` ${s.completeAfterDays}, \`cooldownDays\` ${s.cooldownDays}, \`oooResumeBusinessDays\` ${s.oooResumeBusinessDays},
\`warmFollowUpDays\` ${s.warmFollowUpDays}, \`notNowLeadWeeks\` ${s.notNowLeadWeeks}, \`replySla\` hot-positive ${slaWords(s.replySla['hot-positive'])}); the
committed files use the default configuration.

## Regenerate

\`\`\`sh
npm run diagrams          # writes diagrams/*.mmd, *.svg and README.md
npm run diagrams:check    # fails when these files differ from the machines
\`\`\`

One account's path through the ladder: \`ladder history ACCOUNT --diagram out.svg\`.
`;
}
