// Read-only views of the sequences (issue 15): an account's sequence with its sends, replies and tasks; the sends
// by day or status; the mailbox's state, cap and bounce rate. Reads never write (a read opens the database read-only).
import type { Engine } from './engine/engine.js';
import type { SequenceContext } from '../machines/sequence.js';
import { sequenceStateOf } from '../machines/sequence.js';
import { capOn } from '../machines/sequence-config.js';
import { BadInputError } from './engine/errors.js';
import type { SendRow } from './engine/sequences.js';

const SEND_COLUMNS = `id, account, sequence, run, step, message_id as messageId, due_at as dueAt, planned_for as plannedFor, rank, status, rolls,
  queued_for as queuedFor, contact, template, list, executor, attempts, detail, planned_at as plannedAt, done_at as doneAt, done_by as doneBy, event_id as eventId`;

export function showSequence(engine: Engine, account: string) {
  const row = engine.store.sqlite.prepare(`select snapshot, state from machine_actors where kind = 'sequence' and id = ?`).get(account) as { snapshot: string; state: string } | undefined;
  if (!row) throw new BadInputError(`account: ${account} has never been in a sequence (its stage has not called for one, and no reply was recorded)`, 'account');
  const snap = JSON.parse(row.snapshot) as { value: unknown; context: SequenceContext };
  const c = snap.context;
  const sends = engine.store.sqlite.prepare(`select ${SEND_COLUMNS} from sends where account = ? order by id`).all(account) as SendRow[];
  return {
    account, state: sequenceStateOf(snap.value), stage: c.stage, sequence: c.sequence, run: c.run, contact: c.contact, schedule: c.schedule, planned: c.next,
    pause: c.pause, wakeAt: c.wakeAt, replies: c.replies, tasks: c.tasks, completed: c.completed, sends,
  };
}

export function listSends(engine: Engine, o: { day?: string; status?: string; account?: string }): SendRow[] {
  const where: string[] = [];
  const args: string[] = [];
  if (o.day) { where.push('(queued_for = ? or (queued_for is null and planned_for = ?))'); args.push(o.day, o.day); }
  if (o.status) { where.push('status = ?'); args.push(o.status); }
  if (o.account) { where.push('account = ?'); args.push(o.account); }
  return engine.store.sqlite.prepare(`select ${SEND_COLUMNS} from sends ${where.length ? `where ${where.join(' and ')}` : ''} order by coalesce(queued_for, planned_for), rank, id limit 10000`).all(...args) as SendRow[];
}

export function sendingStatus(engine: Engine, day: string, now: string) {
  const s = engine.settings.sequences;
  const db = engine.store.sqlite;
  const state = (db.prepare(`select state from machine_actors where kind = 'sending' and id = 'email'`).pluck().get() as string | undefined) ?? 'sending';
  const first = db.prepare('select min(queued_for) from sends where queued_for is not null').pluck().get() as string | null;
  const start = s.warmupStart ?? first ?? day;
  const from = new Date(Date.parse(now) - s.bounce.windowDays * 86_400_000).toISOString();
  const w = db.prepare(`select count(*) as n, coalesce(sum(status = 'bounced'), 0) as bounced from sends where status in ('sent', 'bounced') and done_at > ? and done_at <= ?`).get(from, now) as { n: number; bounced: number };
  return {
    state, day, cap: capOn(day, start, s), week: Math.max(1, Math.floor((Date.parse(day) - Date.parse(start)) / (7 * 86_400_000)) + 1),
    used: db.prepare(`select count(*) from sends where queued_for = ? and status in ('queued', 'exported', 'sending', 'sent', 'bounced')`).pluck().get(day) as number,
    done: w.n, bounced: w.bounced, bounceRate: w.n ? w.bounced / w.n : 0, windowDays: s.bounce.windowDays, maxRate: s.bounce.maxRate,
  };
}
