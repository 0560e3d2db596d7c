// Who may send which event. Enforced in the engine, so no path (CLI, intake, demo) can bypass it; the
// machine's own `isCro` guard backs up the CRO-only commands (HO 3.6, 4.3).
import type { Role } from '../../machines/events.js';
import { APPROVAL_PERMISSIONS } from '../../machines/approval.js';
import { RECIPIENTS_PERMISSIONS } from '../../machines/recipients.js';
import { SEQUENCE_PERMISSIONS } from '../../machines/sequence.js';
import { SENDING_PERMISSIONS } from '../../machines/sending.js';

const OPS: Role[] = ['sales.ops', 'cro'];
export const PERMISSIONS: Record<string, readonly Role[]> = {
  ACCOUNT_ADDED: OPS,
  ACCOUNT_ENRICHED: OPS,
  /** The daily routine: sales.ops runs it, or the server's own routine (system). Its timers fire as system. */
  SWEEP: ['sales.ops', 'system'],
  /** Rules, the board, users: changed by sales.ops or the CRO, each change recorded with who and when. */
  SETTINGS: OPS,
  SIGNAL: ['sales.ops', 'cro', 'cmo'],
  FACTS: OPS,
  DOSSIER: OPS,
  CRO_CONFIRM: ['cro'], CRO_DISPUTE: ['cro'], CRO_FLAG: ['cro'], CRO_OVERRIDE: ['cro'], CRO_REOPEN: ['cro'],
  BRIEFING_SCHEDULED: OPS, BRIEFING_COMPLETED: OPS,
  ASSESSMENT_QUALIFIED: OPS, ASSESSMENT_WON: OPS, ASSESSMENT_LOST: OPS,
  DISQUALIFY: OPS,
  /** The system archives an account whose Re-engagement ended with no response (HO 5.6 #10). */
  ARCHIVE: [...OPS, 'system'],
  /** Email-sequence templates and recipient lists (HO 5.1, 5.4): who writes, who approves what. */
  ...APPROVAL_PERMISSIONS,
  ...RECIPIENTS_PERMISSIONS,
  /** Sequences and replies (HO 5.5, 5.6): sales.ops executes; the CRO handles most replies. */
  ...SEQUENCE_PERMISSIONS,
  ...SENDING_PERMISSIONS,
  /** The day's plan of touches and their hand-over to an executor; recording what an external sequencer did. */
  SENDS_PLAN: ['sales.ops', 'system'], SENDS_RUN: ['sales.ops', 'system'], SEND_RECORDED: ['sales.ops', 'system'],
};

/** null when allowed, else why not. Timer events belong to the system alone. */
export function forbidden(eventType: string, role: string): string | null {
  if (eventType.startsWith('xstate.after.')) return role === 'system' ? null : 'timers fire only from the sweep';
  const allowed = Object.hasOwn(PERMISSIONS, eventType) ? PERMISSIONS[eventType] : undefined;
  if (!allowed) return `unknown event ${eventType}`;
  return allowed.includes(role as Role) ? null : `${eventType} is for ${allowed.join(' / ')}; this user acts as ${role}`;
}
