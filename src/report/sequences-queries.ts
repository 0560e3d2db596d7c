// The reads behind the report's "Email sequences" section (HO 5.5, 5.6, 6.1, 7): the touches of the `sends` table
// around the week, the replies and tasks each account's sequence actor holds in its snapshot (read with SQLite's
// JSON functions, so only the week's rows leave the database), the mailbox's bounce pauses and the SEV2
// escalations. Read-only; instants compare as text like the rest of the report.
import type Database from 'better-sqlite3';

/** One touch (a `sends` row); its status is today's, so the section dates everything by its own columns. */
export type TouchRow = {
  id: number; account: string; sequence: string; step: number; status: string; rolls: number;
  dueAt: string; plannedFor: string; queuedFor: string | null; template: string | null; plannedAt: string; doneAt: string | null;
};
/** A reply the sequence machine logged; `template`: the version of the touch it answers (see the query). */
export type ReplyRow = {
  account: string; category: string; contact: string; at: string; sequence: string | null; step: number;
  objection: string | null; template: string | null;
};
/** A handler's task with its SLA (HO 5.6), from the account's sequence snapshot. */
export type TaskRow = {
  account: string; task: number; kind: string; role: string; category: string | null;
  openedAt: string; dueAt: string; doneAt: string | null; breachedAt: string | null;
};
export type PauseRow = { at: string; rate: number; bounced: number; sends: number; windowDays: number; maxRate: number };
export type ResumeRow = { at: string; by: string; reason: string };
export type EscalationRow = { subject: string; detail: string; at: string };

export type SequenceRows = {
  /** A touch taken by a day's plan by the cutoff, or a reply recorded: email the team actually runs. */
  started: boolean;
  /** The first day a day's plan took a touch: the warm-up's start unless the settings name one (HO 5.5). */
  firstQueued: string | null;
  touches: TouchRow[];
  replies: ReplyRow[];
  tasks: TaskRow[];
  pauses: PauseRow[];
  resumes: ResumeRow[];
  sev2: EscalationRow[];
};

const TOUCH = `id, account, sequence, step, status, rolls, due_at as dueAt, planned_for as plannedFor, queued_for as queuedFor,
  template, planned_at as plannedAt, done_at as doneAt`;

/**
 * Rows for the week [start, until): `from` is the earlier of the week's start and the bounce window's start, so
 * the window's sends are read too; `lastDay` is the last day (YYYY-MM-DD) before the cutoff.
 */
export function loadSequenceRows(sqlite: Database.Database, w: { start: string; until: string; from: string; lastDay: string }): SequenceRows {
  const one = (q: string, ...args: unknown[]) => sqlite.prepare(q).pluck().get(...args);
  const started = one(`select 1 from sends where queued_for is not null and queued_for <= ? limit 1`, w.lastDay) !== undefined
    || one(`select 1 from machine_events where kind = 'sequence' and type = 'REPLY' and at < ? limit 1`, w.until) !== undefined;
  const touches = sqlite.prepare(`select ${TOUCH} from sends where planned_at < @until
    and (due_at >= @from or done_at >= @from or queued_for >= substr(@from, 1, 10) or status = 'planned') order by id`).all(w) as TouchRow[];
  // The touch a reply answers: the newest touch of its sequence delivered to the account before it.
  const replies = sqlite.prepare(`select a.id as account, json_extract(r.value, '$.category') as category, json_extract(r.value, '$.contact') as contact,
      json_extract(r.value, '$.at') as at, json_extract(r.value, '$.sequence') as sequence, json_extract(r.value, '$.step') as step,
      json_extract(r.value, '$.objection') as objection,
      (select s.template from sends s where s.account = a.id and s.sequence = json_extract(r.value, '$.sequence') and s.status = 'sent'
        and s.done_at <= json_extract(r.value, '$.at') order by s.done_at desc, s.id desc limit 1) as template
    from machine_actors a, json_each(a.snapshot, '$.context.replies') r
    where a.kind = 'sequence' and json_extract(r.value, '$.at') >= @start and json_extract(r.value, '$.at') < @until
    order by at, account`).all(w) as ReplyRow[];
  const tasks = sqlite.prepare(`select a.id as account, json_extract(t.value, '$.id') as task, json_extract(t.value, '$.kind') as kind,
      json_extract(t.value, '$.role') as role, json_extract(t.value, '$.category') as category, json_extract(t.value, '$.openedAt') as openedAt,
      json_extract(t.value, '$.dueAt') as dueAt, json_extract(t.value, '$.doneAt') as doneAt, json_extract(t.value, '$.breachedAt') as breachedAt
    from machine_actors a, json_each(a.snapshot, '$.context.tasks') t
    where a.kind = 'sequence' and json_extract(t.value, '$.openedAt') < @until
      and (json_extract(t.value, '$.openedAt') >= @start or json_extract(t.value, '$.dueAt') >= @start)
    order by openedAt, account, task`).all(w) as TaskRow[];
  const mailbox = one(`select snapshot from machine_actors where kind = 'sending' limit 1`) as string | undefined;
  const ctx = mailbox ? (JSON.parse(mailbox) as { context: { pauses: PauseRow[]; resumes: ResumeRow[] } }).context : { pauses: [], resumes: [] };
  return {
    started,
    firstQueued: (one(`select min(queued_for) from sends where queued_for is not null`) as string | null) ?? null,
    touches, replies, tasks,
    pauses: ctx.pauses.filter((p) => p.at < w.until),
    resumes: ctx.resumes.filter((r) => r.at < w.until),
    sev2: sqlite.prepare(`select subject, detail, at from escalations where kind = 'sev2-suppressed-send' and at >= ? and at < ? order by at, id`).all(w.start, w.until) as EscalationRow[],
  };
}
