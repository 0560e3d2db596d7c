// The machines beside the ladder (issue 14) as drawable graphs: a template version's approval and a recipient
// list's, read from their definitions like the ladder's, with their guards and timers in the SOP's words.
import type { AnyStateMachine } from 'xstate';
import { APPROVAL_PERMISSIONS, DEFAULT_APPROVAL_SETTINGS, type ApprovalConfig } from '../../machines/approval.js';
import { RECIPIENTS_PERMISSIONS } from '../../machines/recipients.js';
import { DEFAULT_TEMPLATE_SETTINGS } from '../../machines/templates/config.js';
import type { RulesConfig } from '../../machines/rules/config.js';
import type { Edge } from '../../machines/introspect.js';
import { machineGraph, readableGuard, type GraphLabels, type LadderGraph } from './model.js';

/** The SOP's approval settings with the ladder's holidays: what the committed diagrams are drawn with. */
export function defaultApprovalConfig(rules: RulesConfig): ApprovalConfig {
  return { templates: DEFAULT_TEMPLATE_SETTINGS, approvals: DEFAULT_APPROVAL_SETTINGS, holidays: rules.holidays };
}

const RULES_PASS = 'content rules pass (HO 5.3)';

/** The sequence types whose templates take the full flow (CMO, then the CRO's GO), from the settings. */
export function fullFlowLabel(cfg: ApprovalConfig): string {
  const types = Object.entries(cfg.templates.types).filter(([, t]) => t.flow === 'full').map(([name]) => name);
  return types.length ? `full flow (${types.join(', ')})` : 'full flow';
}

/** Each guard of the two machines in words: who must send the event, and what must hold. */
function guardWords(cfg: ApprovalConfig): Record<string, string> {
  return {
    canSubmit: `category.positioning, ${RULES_PASS}`,
    cmoApprovesToCro: `CMO, ${fullFlowLabel(cfg)}, ${RULES_PASS}`,
    cmoApproves: `CMO, ${RULES_PASS}`,
    croGoes: `CRO, ${RULES_PASS}`,
    isCmo: 'CMO',
    isCro: 'CRO',
    croApprovesClean: 'CRO, list check clean (HO 5.4.1)',
    mayWithdraw: 'sales.ops or CRO',
  };
}

/** Words for a guard; one the machines gain later is still printed, from its name. */
export function approvalGuardLabel(name: string, cfg: ApprovalConfig): string {
  const words = guardWords(cfg);
  return Object.hasOwn(words, name) ? words[name]! : readableGuard(name);
}

/** The guards these words cover (the diagram test checks that every guard of both machines has its own). */
export const WORDED_GUARDS = Object.keys(guardWords({ templates: DEFAULT_TEMPLATE_SETTINGS, approvals: DEFAULT_APPROVAL_SETTINGS, holidays: [] }));

export function approvalTimerLabel(delay: string, cfg: ApprovalConfig): string {
  const { stepBusinessDays: days, escalateAfterHours: hours } = cfg.approvals;
  switch (delay) {
    case 'STEP_SLA': return `SLA: ${days} business day${days === 1 ? '' : 's'}`;
    case 'STEP_ESCALATION': return `escalate to chief.staff: ${hours} hour${hours === 1 ? '' : 's'}`;
    default: return delay;
  }
}

/** Events only the CRO may send, from the machines' own permission tables (HO 5.4.1-5.4.2). */
const PERMISSIONS: Record<string, readonly string[]> = { ...APPROVAL_PERMISSIONS, ...RECIPIENTS_PERMISSIONS };
const croOnly = (e: Edge) => {
  const roles = Object.hasOwn(PERMISSIONS, e.event) ? PERMISSIONS[e.event]! : [];
  return roles.length === 1 && roles[0] === 'cro';
};

function labels(cfg: ApprovalConfig): GraphLabels {
  return {
    guard: (name) => approvalGuardLabel(name, cfg),
    timer: (delay) => approvalTimerLabel(delay, cfg),
    croOnly,
    effect: (e) => (e.delay === 'STEP_ESCALATION' ? { text: 'records an escalation', short: 'escalation' } : undefined),
  };
}

/** A template version's approval (machines/approval.ts) or a recipient list's (machines/recipients.ts). */
export function approvalMachineGraph(machine: AnyStateMachine, cfg: ApprovalConfig): LadderGraph {
  return machineGraph(machine, labels(cfg));
}

export const APPROVAL_TITLE = 'Approval of a template version (HO 5.4)';
export const RECIPIENTS_TITLE = 'Approval of a recipient list (HO 5.4.1-5.4.3)';
export const APPROVAL_CRO_NOTE = 'CRO only (HO 5.4.1-5.4.2)';
