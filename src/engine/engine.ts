// The one event path (STYLE "One event path"): every command, signal and fired timer goes
// load → pure transition() → one SQLite transaction (snapshot, event log, history, timers, hooks such as
// the monday outbox) → effects after commit. A refused event writes at most a refusal record.
import { and, eq, sql } from 'drizzle-orm';
import { initialTransition, type AnyMachineSnapshot } from 'xstate';
import { createStepper } from './step.js';
import { LadderCommandEvent, type LadderEvent } from '../../machines/events.js';
import { explainRefusal } from '../../machines/explain.js';
import { MACHINE_VERSION, type LadderMachine, type LadderMachineContext } from '../../machines/ladder.js';
import { stageOf, type StageAt } from '../../machines/stage.js';
import type { RulesConfig } from '../../machines/rules/config.js';
import { IsoDate, type Tier, type AccountFacts } from '../../machines/types.js';
import type { Db, Store } from '../store/open.js';
import { accounts, actors, events, refusals, stageHistory, suppressions, timers } from '../store/schema.js';
import { BadInputError, RefusedError, describeZodIssues } from './errors.js';
import { upgradeSnapshot, SNAPSHOT_MIGRATIONS, type SnapshotMigration } from './upgrade.js';
import { forbidden } from './roles.js';

export type Source = 'cli' | 'intake' | 'import' | 'timer' | 'demo' | 'api';
export const ACCOUNT_ADDED = 'ACCOUNT_ADDED';

export type Submission = {
  account: string;
  event: LadderEvent;
  source: Source;
  /** The command's clock (--now): when the engine records it. */
  now: string;
  idempotencyKey?: string;
  /** Optimistic concurrency: refuse if the actor moved since the caller read it. */
  expectedVersion?: number;
  /** Set by the sweep: the timer row this event fires. */
  timerRowId?: number;
};

export type Applied = {
  status: 'applied' | 'duplicate';
  account: string;
  eventId: number;
  before: StageAt;
  after: StageAt;
  version: number;
  armed: { timerId: string; dueAt: string }[];
  cancelled: string[];
};

export type TransitionInfo = {
  tx: Db; account: string; event: LadderEvent; eventId: number; source: Source; now: string;
  before: StageAt; after: StageAt; prev: LadderMachineContext | null; next: AnyMachineSnapshot;
};
/** Writes that belong to the transition's transaction (the monday outbox registers one). */
export type TransitionHook = (info: TransitionInfo) => void;

export type NewAccount = { domain: string; name: string; hq: string; tier: Tier; icpScore: number; facts?: AccountFacts; extra?: Record<string, unknown> };

export const iso = (s: string) => new Date(Date.parse(s)).toISOString();
const ph = (name: string) => sql.placeholder(name);
/** A placeholder where drizzle's types want an SQL value (update .set()). */
const phv = (name: string) => sql`${sql.placeholder(name)}`;

export function persistSnapshot(s: AnyMachineSnapshot): string {
  return JSON.stringify({ status: s.status, value: s.value, context: s.context });
}

export type EngineOptions = {
  machine: LadderMachine; rules: RulesConfig; hooks?: TransitionHook[];
  /** The version this machine writes; stored snapshots of older versions are upgraded on load. */
  machineVersion?: number;
  migrations?: ReadonlyMap<number, SnapshotMigration>;
};

export function createEngine(store: Store, opts: EngineOptions) {
  const { db, sqlite } = store;
  const { machine, rules } = opts;
  const hooks = opts.hooks ?? [];
  const machineVersion = opts.machineVersion ?? MACHINE_VERSION;
  const migrations = opts.migrations ?? SNAPSHOT_MIGRATIONS;
  const step = createStepper(machine);

  const q = {
    actor: db.select().from(actors).where(eq(actors.account, sql.placeholder('account'))).prepare(),
    byKey: db.select({ id: events.id, account: events.account }).from(events).where(eq(events.idempotencyKey, sql.placeholder('key'))).prepare(),
    suppressed: db.select().from(suppressions).where(and(eq(suppressions.kind, 'contact'), eq(suppressions.value, sql.placeholder('value')))).prepare(),
    // The writes of every transition, prepared once (building SQL per call dominated the profile).
    updateActor: db.update(actors).set({
      snapshot: phv('snapshot'), machineVersion: phv('machineVersion'), stage: phv('stage'), substate: phv('substate'), version: phv('version'), updatedAt: phv('updatedAt'),
    }).where(and(eq(actors.account, ph('account')), eq(actors.version, ph('expected')))).prepare(),
    insertActor: db.insert(actors).values({
      account: ph('account'), machineVersion: ph('machineVersion'), snapshot: ph('snapshot'), stage: ph('stage'), substate: ph('substate'), version: ph('version'), updatedAt: ph('updatedAt'),
    }).prepare(),
    insertEvent: db.insert(events).values({
      account: ph('account'), seq: ph('seq'), type: ph('type'), payload: ph('payload'), by: ph('by'), role: ph('role'), source: ph('source'),
      at: ph('at'), recordedAt: ph('recordedAt'), stageBefore: ph('stageBefore'), stageAfter: ph('stageAfter'), reason: ph('reason'), idempotencyKey: ph('idempotencyKey'),
    }).prepare(),
    closeStay: db.update(stageHistory).set({ exitedAt: phv('at'), exitedBy: phv('eventId') })
      .where(and(eq(stageHistory.account, ph('account')), sql`${stageHistory.exitedAt} is null`)).prepare(),
    openStay: db.insert(stageHistory).values({ account: ph('account'), stage: ph('stage'), substate: ph('substate'), enteredAt: ph('at'), enteredBy: ph('eventId') }).prepare(),
    fireTimer: db.update(timers).set({ status: 'fired', closedBy: phv('eventId') }).where(and(eq(timers.id, ph('id')), eq(timers.status, 'pending'))).prepare(),
    cancelTimer: db.update(timers).set({ status: 'cancelled', closedBy: phv('eventId') })
      .where(and(eq(timers.account, ph('account')), eq(timers.timerId, ph('timerId')), eq(timers.status, 'pending'))).prepare(),
    armTimer: db.insert(timers).values({ account: ph('account'), timerId: ph('timerId'), event: ph('event'), dueAt: ph('dueAt'), status: 'pending', armedBy: ph('eventId') }).prepare(),
    insertAccount: db.insert(accounts).values({
      domain: ph('domain'), name: ph('name'), hq: ph('hq'), tier: ph('tier'), icpScore: ph('icpScore'), extra: ph('extra'), createdAt: ph('createdAt'), createdBy: ph('createdBy'),
    }).prepare(),
  };

  function restore(row: { snapshot: string; machineVersion: number; account: string }): AnyMachineSnapshot {
    const stored = upgradeSnapshot(JSON.parse(row.snapshot), row.machineVersion, row.account, machineVersion, migrations);
    return machine.resolveState(stored as Parameters<typeof machine.resolveState>[0]);
  }

  function refuse(account: string | null, event: { type: string }, why: string): never {
    throw new RefusedError(why, account, event.type);
  }

  function validate(event: LadderEvent): LadderEvent {
    // Checked before anything reads it: a caller of the API may send any JSON (null, a number as type, a bad date).
    const type = (event as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type.startsWith('xstate.after.')) {
      if (!IsoDate.safeParse(event.at).success) throw new BadInputError(`at: a timer event is dated at its due time, an ISO 8601 timestamp; got ${JSON.stringify(event.at)}`, 'at');
      return { ...event, at: iso(event.at) };
    }
    const parsed = LadderCommandEvent.safeParse(event);
    if (!parsed.success) throw new BadInputError(describeZodIssues(parsed.error.issues), String(parsed.error.issues[0]?.path.join('.') ?? ''));
    const e = { ...parsed.data, at: iso(parsed.data.at) } as LadderEvent;
    // Every instant the machine compares is stored as UTC ISO (string order = time order).
    if (e.type === 'SIGNAL') return { ...e, signal: { ...e.signal, at: iso(e.signal.at) } };
    if (e.type === 'BRIEFING_SCHEDULED' && e.scheduledFor) return { ...e, scheduledFor: iso(e.scheduledFor) };
    return e;
  }

  /** Applies one event inside the caller's transaction. Throws RefusedError / BadInputError, writing nothing. */
  function applyInTx(sub: Submission): Applied {
    const event = validate(sub.event);
    if (!IsoDate.safeParse(sub.now).success) throw new BadInputError(`now: the command's clock must be an ISO 8601 timestamp; got ${JSON.stringify(sub.now)}`, 'now');
    const now = iso(sub.now);
    if (event.type.startsWith('xstate.after.') && sub.timerRowId === undefined) {
      throw new BadInputError('type: timer events are fired by the sweep from a stored timer, never sent directly', 'type');
    }
    const denied = forbidden(event.type, event.role);
    if (denied && !(event.type.startsWith('CRO_') && event.role !== 'cro')) refuse(sub.account, event, `cannot ${event.type} ${sub.account}: ${denied}`);
    // A fired timer is guarded by its row (pending → fired in this transaction), not by a key lookup.
    if (sub.idempotencyKey && sub.timerRowId === undefined) {
      const seen = q.byKey.get({ key: sub.idempotencyKey });
      if (seen) {
        const row = q.actor.get({ account: seen.account })!;
        const s = stageOf(JSON.parse(row.snapshot).value);
        return { status: 'duplicate', account: seen.account, eventId: seen.id, before: s, after: s, version: row.version, armed: [], cancelled: [] };
      }
    }
    const row = q.actor.get({ account: sub.account });
    if (!row) {
      throw new BadInputError(`account: no account ${sub.account} on the ladder; add it first (ladder account add ${sub.account} --name … --hq … --tier … --icp …)`, 'account');
    }
    if (sub.expectedVersion !== undefined && sub.expectedVersion !== row.version) {
      refuse(sub.account, event, `stale version for ${sub.account}: expected ${sub.expectedVersion}, it is at ${row.version} (someone acted first); read it again and retry`);
    }
    if (event.type === 'SIGNAL' && q.suppressed.get({ value: event.signal.contact })) {
      refuse(sub.account, event, `signal for ${sub.account} ignored: contact ${event.signal.contact} is on the suppression list; signals are logged, never acted on (HO 3.5, 5.6).`);
    }
    const snapshot = restore(row);
    const prev = snapshot.context as LadderMachineContext;
    if (!snapshot.can(event)) refuse(sub.account, event, explainRefusal(machine, snapshot, event, rules));
    const [next, actions] = step(snapshot, event);
    const before = stageOf(snapshot.value);
    const after = stageOf(next.value);
    const version = row.version + 1;

    const updated = q.updateActor.run({
      snapshot: persistSnapshot(next), machineVersion, stage: after.stage, substate: after.substate, version, updatedAt: now, account: sub.account, expected: row.version,
    });
    if (updated.changes !== 1) refuse(sub.account, event, `stale version for ${sub.account}: it moved while this event was applied; retry`);

    const eventId = Number(q.insertEvent.run({
      account: sub.account, seq: version, type: event.type, payload: JSON.stringify(event), by: event.by, role: event.role,
      source: sub.source, at: event.at, recordedAt: now, stageBefore: stageLabelOf(before), stageAfter: stageLabelOf(after),
      reason: reasonOf(event), idempotencyKey: sub.idempotencyKey ?? null,
    }).lastInsertRowid);

    if (before.stage !== after.stage || before.substate !== after.substate) {
      q.closeStay.run({ at: event.at, eventId, account: sub.account });
      q.openStay.run({ account: sub.account, stage: after.stage, substate: after.substate, at: event.at, eventId });
    }

    if (sub.timerRowId !== undefined) {
      const fired = q.fireTimer.run({ eventId, id: sub.timerRowId });
      if (fired.changes !== 1) refuse(sub.account, event, `timer ${sub.timerRowId} is no longer pending (fired or cancelled already)`);
    }
    const firedTimerId = sub.timerRowId !== undefined ? event.type : null;
    const armed: Applied['armed'] = [];
    const cancelled: string[] = [];
    for (const action of actions as { type: string; params?: unknown }[]) {
      const params = (action as { params?: Record<string, unknown> }).params ?? {};
      if (action.type === 'xstate.cancel') {
        const timerId = String(params.sendId);
        if (timerId === firedTimerId) continue; // the timer that fires this event: already closed above
        const r = q.cancelTimer.run({ eventId, account: sub.account, timerId });
        if (r.changes) cancelled.push(timerId);
      } else if (action.type === 'xstate.raise' && typeof params.delay === 'number') {
        const timerId = String(params.id);
        const dueAt = new Date(Date.parse(event.at) + params.delay).toISOString();
        q.armTimer.run({ account: sub.account, timerId, event: JSON.stringify(params.event), dueAt, eventId });
        armed.push({ timerId, dueAt });
      }
    }

    const nextCtx = next.context as LadderMachineContext;
    if (nextCtx.suppressed && !prev.suppressed) {
      const reason = nextCtx.disqualification?.reason ?? 'suppressed';
      const contacts = [...new Set(nextCtx.signals.map((s) => s.contact))];
      for (const [kind, value] of [['account', sub.account] as const, ...contacts.map((c) => ['contact', c] as const)]) {
        db.insert(suppressions).values({ kind, value, reason, at: event.at, by: event.by, eventId }).onConflictDoNothing().run();
      }
    }
    for (const hook of hooks) hook({ tx: db, account: sub.account, event, eventId, source: sub.source, now, before, after, prev, next });
    return { status: 'applied', account: sub.account, eventId, before, after, version, armed, cancelled };
  }

  /** One event, one IMMEDIATE transaction; a refusal is recorded (and nothing else) and rethrown. */
  function submit(sub: Submission): Applied {
    try {
      return sqlite.transaction(() => applyInTx(sub)).immediate();
    } catch (err) {
      if (err instanceof RefusedError) recordRefusal(sub, err.message);
      throw err;
    }
  }

  function recordRefusal(sub: Submission, why: string) {
    const e = sub.event as { type: string; by?: string; role?: string; at?: string };
    db.insert(refusals).values({
      account: sub.account, type: e.type, payload: JSON.stringify(sub.event), by: e.by ?? 'unknown', role: e.role ?? 'unknown',
      source: sub.source, at: e.at && !Number.isNaN(Date.parse(e.at)) ? iso(e.at) : iso(sub.now), why,
    }).run();
  }

  /** Creates an account at PROSPECT through the machine's initial transition, logged as event seq 1. */
  function addAccountInTx(acct: NewAccount, meta: { by: string; role: string; at: string; source: Source; now: string; idempotencyKey?: string }): Applied {
    const at = iso(meta.at);
    const [snap] = initialTransition(machine, { account: acct.domain, tier: acct.tier, facts: acct.facts ?? {}, at });
    const after = stageOf(snap.value);
    q.insertAccount.run({
      domain: acct.domain, name: acct.name, hq: acct.hq, tier: acct.tier, icpScore: acct.icpScore,
      extra: JSON.stringify(acct.extra ?? {}), createdAt: at, createdBy: meta.by,
    });
    q.insertActor.run({ account: acct.domain, machineVersion, snapshot: persistSnapshot(snap), stage: after.stage, substate: after.substate, version: 1, updatedAt: iso(meta.now) });
    const payload = { type: ACCOUNT_ADDED, at, by: meta.by, role: meta.role, input: { account: acct.domain, tier: acct.tier, facts: acct.facts ?? {}, at }, name: acct.name, hq: acct.hq, icpScore: acct.icpScore };
    const eventId = Number(q.insertEvent.run({
      account: acct.domain, seq: 1, type: ACCOUNT_ADDED, payload: JSON.stringify(payload), by: meta.by, role: meta.role, source: meta.source,
      at, recordedAt: iso(meta.now), stageBefore: null, stageAfter: after.stage, reason: null, idempotencyKey: meta.idempotencyKey ?? null,
    }).lastInsertRowid);
    q.openStay.run({ account: acct.domain, stage: after.stage, substate: null, at, eventId });
    for (const hook of hooks) {
      hook({ tx: db, account: acct.domain, event: payload as unknown as LadderEvent, eventId, source: meta.source, now: iso(meta.now), before: after, after, prev: null, next: snap });
    }
    return { status: 'applied', account: acct.domain, eventId, before: after, after, version: 1, armed: [], cancelled: [] };
  }

  function addAccount(acct: NewAccount, meta: Parameters<typeof addAccountInTx>[1]): Applied {
    const denied = forbidden(ACCOUNT_ADDED, meta.role);
    if (denied) throw new RefusedError(`cannot add ${acct.domain}: ${denied}`, acct.domain, ACCOUNT_ADDED);
    return sqlite.transaction(() => {
      const exists = db.select({ d: accounts.domain }).from(accounts).where(eq(accounts.domain, acct.domain)).get();
      if (exists) throw new RefusedError(`${acct.domain} is already on the ladder (ladder status ${acct.domain})`, acct.domain, ACCOUNT_ADDED);
      return addAccountInTx(acct, meta);
    }).immediate();
  }

  function load(account: string): { snapshot: AnyMachineSnapshot; version: number } | null {
    const row = q.actor.get({ account });
    return row ? { snapshot: restore(row), version: row.version } : null;
  }

  return { submit, applyInTx, addAccount, addAccountInTx, load, restore, recordRefusal, machine, rules, store, machineVersion };
}
export type Engine = ReturnType<typeof createEngine>;

function stageLabelOf(s: StageAt) { return s.substate ? `${s.stage}.${s.substate}` : s.stage; }

function reasonOf(event: LadderEvent): string | null {
  const e = event as { reason?: string; justification?: string; note?: string };
  return e.reason ?? e.justification ?? e.note ?? null;
}
