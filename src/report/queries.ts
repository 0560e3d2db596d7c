// The report's reads: every number in the weekly report is computed (src/report/metrics.ts) from these
// rows and nothing else. They read the event log, stage_history, timers and the stored snapshots; they
// never write. Instants are the engine's normalized ISO strings (…Z), so they compare as text.
import { and, asc, eq, gte, inArray, isNotNull, isNull, lt, ne, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { STANDARD_SIGNALS } from '../../machines/types.js';
import type { Db } from '../store/open.js';
import { accounts, actors, events, stageHistory, timers } from '../store/schema.js';

/** An event that moved an account from one state to another ("SQL.review" → "MQL"). */
export type MoveRow = {
  id: number; account: string; seq: number; type: string; at: string; from: string; to: string;
  /** For a SIGNAL: when the signal itself happened (captured_at), for the classification SLA. */
  signalAt: string | null;
};
/** One stay in a state (stage_history); `state` is "MQL" or "SQL.review". */
export type StayRow = { id: number; account: string; state: string; enteredAt: string; exitedAt: string | null; exitedBy: number | null };
export type OverrideRow = {
  id: number; account: string; at: string; by: string; from: string; to: string;
  gate: string; justification: string; compensatingSignals: string[];
};
/** A durable timer with the instants it was armed and closed (fired or cancelled). */
export type TimerRow = {
  id: number; account: string; delay: string; dueAt: string; status: 'pending' | 'fired' | 'cancelled';
  armedAt: string; closedAt: string | null;
};
export type ReportRows = {
  moves: MoveRow[];
  stays: StayRow[];
  overrides: OverrideRow[];
  slaTimers: TimerRow[];
  staleTimers: TimerRow[];
  /** account → E-code of its first touch, as the machine recorded it at classification. */
  firstTouch: Record<string, string>;
  /** account → seq of its first logged standard (marketing) engagement signal: E1, E2, E5, E9. */
  firstStandardSignal: Record<string, number>;
  names: Record<string, string>;
};

const stateLabel = sql<string>`case when ${stageHistory.substate} is null then ${stageHistory.stage} else ${stageHistory.stage} || '.' || ${stageHistory.substate} end`;
const delayOf = (col: typeof timers.timerId) => sql<string>`substr(${col}, 14, instr(substr(${col}, 14), '.') - 1)`; // xstate.after.NAME.…

export function moves(db: Db, from: string, until: string): MoveRow[] {
  return db.select({
    id: events.id, account: events.account, seq: events.seq, type: events.type, at: events.at,
    from: sql<string>`${events.stageBefore}`, to: events.stageAfter,
    signalAt: sql<string | null>`case when ${events.type} = 'SIGNAL' then json_extract(${events.payload}, '$.signal.at') end`,
  }).from(events)
    .where(and(isNotNull(events.stageBefore), ne(events.stageBefore, events.stageAfter), gte(events.at, from), lt(events.at, until)))
    .orderBy(asc(events.at), asc(events.id)).all();
}

/** Every stay that began before `until` (open stays have no exit). */
export function stays(db: Db, until: string): StayRow[] {
  return db.select({
    id: stageHistory.id, account: stageHistory.account, state: stateLabel,
    enteredAt: stageHistory.enteredAt, exitedAt: stageHistory.exitedAt, exitedBy: stageHistory.exitedBy,
  }).from(stageHistory).where(lt(stageHistory.enteredAt, until)).orderBy(asc(stageHistory.account), asc(stageHistory.id)).all();
}

/** HO 3.6: every CRO override in the log, with its justification and compensating signals. */
export function overrides(db: Db, from: string, until: string): OverrideRow[] {
  return db.select({
    id: events.id, account: events.account, at: events.at, by: events.by, from: sql<string>`coalesce(${events.stageBefore}, '')`, to: events.stageAfter,
    gate: sql<string>`json_extract(${events.payload}, '$.gate')`,
    justification: sql<string>`json_extract(${events.payload}, '$.justification')`,
    compensating: sql<string>`json_extract(${events.payload}, '$.compensatingSignals')`,
  }).from(events)
    .where(and(eq(events.type, 'CRO_OVERRIDE'), gte(events.at, from), lt(events.at, until)))
    .orderBy(asc(events.at), asc(events.id)).all()
    .map(({ compensating, ...r }) => ({ ...r, compensatingSignals: JSON.parse(compensating ?? '[]') as string[] }));
}

const armed = alias(events, 'armed');
const closed = alias(events, 'closed');

function timerRows(db: Db, where: ReturnType<typeof and>): TimerRow[] {
  return db.select({
    id: timers.id, account: timers.account, delay: delayOf(timers.timerId), dueAt: timers.dueAt, status: timers.status,
    armedAt: armed.at, closedAt: closed.at,
  }).from(timers)
    .innerJoin(armed, eq(armed.id, timers.armedBy))
    .leftJoin(closed, eq(closed.id, timers.closedBy))
    .where(where).orderBy(asc(timers.dueAt), asc(timers.id)).all();
}

/** SLA timers (HO 4.2-4.3: DOSSIER_SLA, REVIEW_SLA) due in [from, until). */
export function slaTimers(db: Db, from: string, until: string): TimerRow[] {
  return timerRows(db, and(sql`${timers.timerId} like 'xstate.after.%\\_SLA.%' escape '\\'`, gte(timers.dueAt, from), lt(timers.dueAt, until)));
}

/** SQL_STALE timers (HO 3.5: 30 days without engagement) still pending at `until`. */
export function pendingStaleTimers(db: Db, until: string): TimerRow[] {
  return timerRows(db, and(
    sql`${timers.timerId} like 'xstate.after.SQL\\_STALE.%' escape '\\'`,
    lt(armed.at, until),
    or(isNull(timers.closedBy), gte(closed.at, until)),
  ));
}

export function firstTouches(db: Db): Record<string, string> {
  const code = sql<string | null>`json_extract(${actors.snapshot}, '$.context.firstTouch.code')`;
  const rows = db.select({ account: actors.account, code }).from(actors).where(isNotNull(code)).all();
  return Object.fromEntries(rows.map((r) => [r.account, r.code!]));
}

export function firstStandardSignals(db: Db, until: string): Record<string, number> {
  const rows = db.select({ account: events.account, seq: sql<number>`min(${events.seq})` }).from(events)
    .where(and(eq(events.type, 'SIGNAL'), lt(events.at, until), inArray(sql`json_extract(${events.payload}, '$.signal.code')`, [...STANDARD_SIGNALS])))
    .groupBy(events.account).all();
  return Object.fromEntries(rows.map((r) => [r.account, r.seq]));
}

export function accountNames(db: Db): Record<string, string> {
  return Object.fromEntries(db.select({ domain: accounts.domain, name: accounts.name }).from(accounts).all().map((r) => [r.domain, r.name]));
}

/** Everything the report needs for the weeks from `from` up to (not including) `until`. */
export function loadReportRows(db: Db, window: { from: string; until: string; slaFrom: string; slaUntil: string }): ReportRows {
  return {
    moves: moves(db, window.from, window.until),
    stays: stays(db, window.until),
    overrides: overrides(db, window.from, window.until),
    slaTimers: slaTimers(db, window.slaFrom, window.slaUntil),
    staleTimers: pendingStaleTimers(db, window.until),
    firstTouch: firstTouches(db),
    firstStandardSignal: firstStandardSignals(db, window.until),
    names: accountNames(db),
  };
}
