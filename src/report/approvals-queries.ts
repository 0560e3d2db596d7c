// The reads behind the report's "Email approvals" section (HO 5.4): the event log of the approval machines
// (machine_events), the SLA and escalation timers each review step armed (machine_timers), and which template
// version and sequence type each actor is about. Read-only; instants compare as text like the rest of the report.
import { and, asc, lt, sql } from 'drizzle-orm';
import type { Db } from '../store/open.js';
import { machineEvents, machineTimers, recipientLists, templates } from '../store/schema.js';

export type ApprovalActorKind = 'template' | 'recipients';

/** One accepted event of a template's approval or of a recipient list (timer firings included). */
export type ActorEventRow = {
  id: number; kind: ApprovalActorKind; actorId: string; seq: number; type: string; at: string;
  before: string | null; after: string; by: string; role: string;
};
/** A step timer (`STEP_SLA`, `STEP_ESCALATION`), with the event that armed it: the step's entry. */
export type StepTimerRow = { kind: ApprovalActorKind; actorId: string; timerId: string; dueAt: string; armedBy: number };
export type ApprovalRows = {
  events: ActorEventRow[];
  timers: StepTimerRow[];
  /** Template versions added before the cutoff, with their sequence type. */
  templates: { id: string; sequence: string; addedAt: string }[];
  /** Recipient lists proposed before the cutoff, with their template version. */
  lists: { id: string; template: string }[];
};

export function loadApprovalRows(db: Db, until: string): ApprovalRows {
  return {
    events: db.select({
      id: machineEvents.id, kind: sql<ApprovalActorKind>`${machineEvents.kind}`, actorId: machineEvents.actorId, seq: machineEvents.seq,
      type: machineEvents.type, at: machineEvents.at, before: machineEvents.stateBefore, after: machineEvents.stateAfter, by: machineEvents.by, role: machineEvents.role,
    }).from(machineEvents).where(and(lt(machineEvents.at, until), sql`${machineEvents.kind} in ('template', 'recipients')`))
      .orderBy(asc(machineEvents.kind), asc(machineEvents.actorId), asc(machineEvents.seq)).all(),
    timers: db.select({
      kind: sql<ApprovalActorKind>`${machineTimers.kind}`, actorId: machineTimers.actorId, timerId: machineTimers.timerId, dueAt: machineTimers.dueAt, armedBy: machineTimers.armedBy,
    }).from(machineTimers).where(sql`${machineTimers.timerId} like 'xstate.after.STEP\\_%' escape '\\'`).orderBy(asc(machineTimers.id)).all(),
    templates: db.select({ id: templates.id, sequence: templates.sequence, addedAt: templates.addedAt }).from(templates)
      .where(lt(templates.addedAt, until)).orderBy(asc(templates.id)).all(),
    lists: db.select({ id: recipientLists.id, template: recipientLists.template }).from(recipientLists)
      .where(lt(recipientLists.proposedAt, until)).orderBy(asc(recipientLists.id)).all(),
  };
}
