// Read-side queries shared by the CLI, the report and tests. They read rows; they never write.
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Engine } from './engine/engine.js';
import { accounts, actors, events, refusals, stageHistory, timers } from './store/schema.js';
import { gateResults, signalEvaluation } from '../machines/guards.js';
import type { LadderMachineContext } from '../machines/ladder.js';
import { stageOf } from '../machines/stage.js';
import { currentSlaBreaches } from '../machines/context.js';
import { BadInputError } from './engine/errors.js';
import { normalizeDomain } from '../machines/rules/domain.js';
import { delayOf } from '../machines/timers.js';

export function accountKey(input: string): string {
  const n = normalizeDomain(input);
  if (!n.ok) throw new BadInputError(`account: ${n.error}`, 'account');
  return n.domain;
}

export function accountStatus(engine: Engine, account: string, now: string) {
  const { db } = engine.store;
  const acct = db.select().from(accounts).where(eq(accounts.domain, account)).get();
  const loaded = engine.load(account);
  if (!acct || !loaded) throw new BadInputError(`account: no account ${account} on the ladder (ladder list shows them)`, 'account');
  const ctx = loaded.snapshot.context as LadderMachineContext;
  const { stage, substate } = stageOf(loaded.snapshot.value);
  const open = db.select().from(stageHistory).where(and(eq(stageHistory.account, account), isNull(stageHistory.exitedAt)))
    .orderBy(desc(stageHistory.id)).get();
  const pending = db.select().from(timers).where(and(eq(timers.account, account), eq(timers.status, 'pending'))).orderBy(asc(timers.dueAt)).all();
  const gates = gateResults(ctx, now, engine.rules);
  const signals = signalEvaluation(ctx, now, engine.rules);
  const sla = currentSlaBreaches(ctx, substate);
  return {
    account, name: acct.name, hq: acct.hq, stage, substate, tier: ctx.tier, icpScore: acct.icpScore,
    gates: Object.fromEntries(Object.entries(gates).map(([g, r]) => [g, { ...r, overridden: ctx.override?.gate === g }])),
    since: open?.enteredAt ?? null,
    timers: pending.map((t) => ({ timer: delayOf(t.timerId) ?? t.timerId, dueAt: t.dueAt, overdue: t.dueAt <= now })),
    flags: {
      priority: ctx.priority, slaBreach: sla, suppressed: ctx.suppressed,
      croWeight: signals.croWeight, fastTrack: ctx.sqlEntry && ctx.sqlEntry.via !== 'dossier' ? ctx.sqlEntry.via : null, override: ctx.override,
    },
    signals: { credit: signals.credit, counted: signals.counted.length, firstTouch: ctx.firstTouch, lastEngagementAt: ctx.lastEngagementAt },
    dossier: ctx.dossier, briefing: ctx.briefing, disqualification: ctx.disqualification, lastDispute: ctx.lastDispute,
    version: loaded.version,
  };
}

export function accountHistory(engine: Engine, account: string, opts: { refusals?: boolean } = {}) {
  const { db } = engine.store;
  const rows = db.select().from(events).where(eq(events.account, account)).orderBy(asc(events.seq)).all();
  if (rows.length === 0) throw new BadInputError(`account: no account ${account} on the ladder`, 'account');
  const refused = opts.refusals ? db.select().from(refusals).where(eq(refusals.account, account)).orderBy(asc(refusals.id)).all() : [];
  return {
    account,
    events: rows.map((r) => ({
      seq: r.seq, at: r.at, recordedAt: r.recordedAt, type: r.type, by: r.by, role: r.role, source: r.source, from: r.stageBefore, to: r.stageAfter, reason: r.reason,
      details: detailsOf(JSON.parse(r.payload) as Record<string, unknown>),
    })),
    stages: db.select().from(stageHistory).where(eq(stageHistory.account, account)).orderBy(asc(stageHistory.id)).all()
      .map((h) => ({ stage: h.stage, substate: h.substate, enteredAt: h.enteredAt, exitedAt: h.exitedAt })),
    refusals: refused.map((r) => ({ at: r.at, type: r.type, by: r.by, role: r.role, why: r.why })),
  };
}

/**
 * Every field of an event's payload beyond who, when and what (issue 11, HO 3.6 and 4.4 audit): an override's
 * gate, justification and compensating signals; a dossier's scores and evidence; a dispute's or a
 * disqualification's reason; a signal's code, contact and time; facts and manual verdicts. Nothing is dropped.
 */
export function detailsOf(payload: Record<string, unknown>): Record<string, unknown> {
  const { type: _t, at: _a, by: _b, role: _r, ...rest } = payload;
  return rest;
}

/** Details as indented text lines: nested fields by path, lists joined with "; ". */
export function detailLines(details: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(details).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v === null || v === undefined) return [];
    if (Array.isArray(v)) return [`${key}: ${v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join('; ')}`];
    if (typeof v === 'object') return Object.keys(v).length ? detailLines(v as Record<string, unknown>, key) : [];
    return [`${key}: ${String(v)}`];
  });
}

export function listAccounts(engine: Engine, filter: { stage?: string; substate?: string; limit?: number; offset?: number }) {
  const { db } = engine.store;
  const conds = [filter.stage ? eq(actors.stage, filter.stage) : undefined, filter.substate ? eq(actors.substate, filter.substate) : undefined].filter(Boolean);
  return db.select({ account: actors.account, name: accounts.name, stage: actors.stage, substate: actors.substate, tier: accounts.tier, updatedAt: actors.updatedAt })
    .from(actors).innerJoin(accounts, eq(accounts.domain, actors.account))
    .where(conds.length ? and(...conds) : undefined).orderBy(asc(actors.account)).limit(filter.limit ?? 1_000_000).offset(filter.offset ?? 0).all();
}

export function stageCounts(engine: Engine): Record<string, number> {
  const rows = engine.store.db.select({ stage: actors.stage, substate: actors.substate, n: sql<number>`count(*)` })
    .from(actors).groupBy(actors.stage, actors.substate).all();
  const out: Record<string, number> = {};
  for (const r of rows) out[r.substate ? `${r.stage}.${r.substate}` : r.stage] = r.n;
  return out;
}

export { stageOf };
