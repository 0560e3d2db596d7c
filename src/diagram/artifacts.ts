// The committed diagrams (diagrams/): generated from the machines, compared byte for byte by the
// staleness check (test/diagrams, `ladder diagram --check`).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyStateMachine } from 'xstate';
import { createApprovalMachine, type ApprovalConfig } from '../../machines/approval.js';
import { createRecipientsMachine } from '../../machines/recipients.js';
import type { RulesConfig } from '../../machines/rules/config.js';
import { createSequenceMachine } from '../../machines/sequence.js';
import type { SequenceConfig } from '../../machines/sequence-config.js';
import { createSendingMachine } from '../../machines/sending.js';
import { APPROVAL_CRO_NOTE, APPROVAL_TITLE, RECIPIENTS_TITLE, approvalMachineGraph, defaultApprovalConfig } from './approvals.js';
import { toDot } from './dot.js';
import { toMermaid } from './mermaid.js';
import { ladderGraph } from './model.js';
import { readme } from './readme.js';
import { renderSvg } from './render.js';
import { SENDING_TITLE, SEQUENCE_TITLE, defaultSequenceConfig, sendingMachineGraph, sequenceMachineGraph } from './sequences.js';

export const DIAGRAM_FILES = ['ladder.mmd', 'ladder.svg', 'approval.mmd', 'approval.svg', 'recipients.mmd', 'recipients.svg',
  'sequence.mmd', 'sequence.svg', 'sending.mmd', 'sending.svg', 'README.md'] as const;
export type DiagramFile = (typeof DIAGRAM_FILES)[number];
export type DiagramSet = Record<DiagramFile, string>;

/**
 * The machines beside the ladder (issue 14) and the settings they are drawn with: by default built from `config`,
 * itself the SOP's defaults (a copy of a machine may be passed instead, as the staleness tests do).
 */
export type ApprovalMachines = { config: ApprovalConfig; approval?: AnyStateMachine; recipients?: AnyStateMachine };
/** The email side (issue 15): an account's sequence and the mailbox's sending, drawn with the sequence settings. */
export type SequenceMachines = { config: SequenceConfig; sequence?: AnyStateMachine; sending?: AnyStateMachine };

export async function generateDiagrams(
  machine: AnyStateMachine, cfg: RulesConfig, others: ApprovalMachines = { config: defaultApprovalConfig(cfg) },
  email: SequenceMachines = { config: defaultSequenceConfig(cfg) },
): Promise<DiagramSet> {
  const graph = ladderGraph(machine, cfg);
  const approval = approvalMachineGraph(others.approval ?? createApprovalMachine(others.config), others.config);
  const recipients = approvalMachineGraph(others.recipients ?? createRecipientsMachine(others.config), others.config);
  const sequence = sequenceMachineGraph(email.sequence ?? createSequenceMachine(email.config), email.config);
  const sending = sendingMachineGraph(email.sending ?? createSendingMachine(), email.config);
  return {
    'ladder.mmd': toMermaid(graph),
    'ladder.svg': await renderSvg(toDot(graph)),
    'approval.mmd': toMermaid(approval),
    'approval.svg': await renderSvg(toDot(approval, { name: 'approval', title: APPROVAL_TITLE, croNote: APPROVAL_CRO_NOTE })),
    'recipients.mmd': toMermaid(recipients),
    'recipients.svg': await renderSvg(toDot(recipients, { name: 'recipients', title: RECIPIENTS_TITLE, croNote: APPROVAL_CRO_NOTE })),
    'sequence.mmd': toMermaid(sequence),
    'sequence.svg': await renderSvg(toDot(sequence, { name: 'sequence', title: SEQUENCE_TITLE })),
    'sending.mmd': toMermaid(sending),
    'sending.svg': await renderSvg(toDot(sending, { name: 'sending', title: SENDING_TITLE })),
    'README.md': readme({ ladder: graph, approval, recipients, sequence, sending }, cfg, others.config, email.config),
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
