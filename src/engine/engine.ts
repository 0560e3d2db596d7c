// The one door (STYLE "One event path"; issue 11). Every write to the ladder's tables — a command, a signal,
// a note, an import row, an enrichment, a fired timer, a settings change — goes through this engine, which owns
// the transaction and the refusal record: load → pure transition() → one SQLite transaction (snapshot, event
// log, stage history, timers, hooks such as suppression and the monday outbox) → effects after commit.
// One refusal rule for every path: the refused event's own payload, its source and the reason are recorded,
// nothing else is written (a timer the machine no longer accepts is also closed, so it is not retried forever).
// The sweep (sweep.ts) and the intake writes (intake.ts) are built here from the engine's internals, which are
// not handed out: callers get intent-level operations only.
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import type { AnyMachineSnapshot } from 'xstate';
import { createStepper, initialTransition, type Step } from './step.js';
import type { LadderEvent } from '../../machines/events.js';
import { explainRefusal } from '../../machines/explain.js';
import { createLadderMachine, MACHINE_VERSION, type LadderMachine, type LadderMachineContext } from '../../machines/ladder.js';
import { stageLabel, stageOf, type StageAt } from '../../machines/stage.js';
import { delayOf } from '../../machines/timers.js';
import type { RulesConfig } from '../../machines/rules/config.js';
import type { Db, Store } from '../store/open.js';
import { accounts, actors, events, refusals, settings as settingsTable, stageHistory, timers } from '../store/schema.js';
import { DEFAULT_SETTINGS, type Settings } from '../settings/schema.js';
import { diffSettings, validateSettings, type SettingChange } from '../settings/edit.js';
import { BadInputError, RefusedError, type RefusalKind } from './errors.js';
import { upgradeSnapshot, SNAPSHOT_MIGRATIONS, type SnapshotMigration } from './upgrade.js';
import { forbidden } from './roles.js';
import { timerWrites } from './timer-actions.js';
import { suppressionHook } from './suppression.js';
import { makeSweep } from './sweep.js';
import { makeTemplates } from './templates.js';
import { makeSequences, type Sequences } from './sequences.js';
import type { ActorKind } from './actors.js';
import { makeIntake } from './intake.js';
import { makeUsers } from './users.js';
import { validateCommandEvent, validateNewAccount, validateNow, validateTimerEvent, type NewAccount } from './validate.js';

export type Source = 'cli' | 'intake' | 'import' | 'timer' | 'demo' | 'api' | 'bench';
export const ACCOUNT_ADDED = 'ACCOUNT_ADDED';
/** An import filled fields the stored account lacked (LQ 6.2 "enrich when richer"): logged, so history shows it. */
export const ACCOUNT_ENRICHED = 'ACCOUNT_ENRICHED';
/** Events of the log that are not the machine's: replay passes over them (their effect is on `accounts`). */
export const LEDGER_ONLY_EVENTS: readonly string[] = [ACCOUNT_ADDED, ACCOUNT_ENRICHED];
/** A refused settings change is recorded under this type. */
export const SETTINGS_CHANGED = 'SETTINGS_CHANGED';
/** Settings v1 (the defaults) is in force from the beginning of time: every event is after it. */
export const SETTINGS_EPOCH = '1970-01-01T00:00:00.000Z';

export type Actor = { by: string; role: string };
export type Submission = {
  account: string;
  /** Any JSON: validated before anything reads it. */
  event: LadderEvent;
  source: Source;
  /** The command's clock (--now): when the engine records it. */
  now: string;
  idempotencyKey?: string;
  /** Optimistic concurrency: refuse if the actor moved since the caller read it. */
  expectedVersion?: number;
};

export type CaughtUp = { timerId: string; at: string; before: StageAt; after: StageAt };
export type Applied = {
  status: 'applied' | 'duplicate';
  account: string;
  eventId: number;
  /** The event's number in the account's own history (what `ladder history` shows as #seq). */
  seq: number;
  before: StageAt;
  after: StageAt;
  version: number;
  armed: { timerId: string; dueAt: string }[];
  cancelled: string[];
  /** Timers that had fallen due before this event and were fired first, dated when they fell due. */
  caughtUp: CaughtUp[];
};
export type Refused = { status: 'refused'; account: string | null; type: string; why: string; kind: RefusalKind };

export type TransitionInfo = {
  tx: Db; account: string; event: LadderEvent; eventId: number; source: Source; now: string;
  before: StageAt; after: StageAt; prev: LadderMachineContext | null; next: AnyMachineSnapshot; rules: RulesConfig;
};
/** Writes that belong to the transition's transaction (suppression, the monday outbox). */
export type TransitionHook = (info: TransitionInfo) => void;

export type AccountMeta = { by: string; role: string; at?: string; now: string; source: Source; idempotencyKey?: string };
export type TimerRow = typeof timers.$inferSelect;
/** What a refusal record says, besides the reason. */
export type RefusalRecord = { account: string | null; subject?: string; type: string; payload: unknown; by?: string; role?: string; source: Source; at: string };

export const iso = (s: string) => new Date(Date.parse(s)).toISOString();
const ph = (name: string) => sql.placeholder(name);
/** A placeholder where drizzle's types want an SQL value (update .set()). */
const phv = (name: string) => sql`${sql.placeholder(name)}`;

export function persistSnapshot(s: AnyMachineSnapshot): string {
  return JSON.stringify({ status: s.status, value: s.value, context: s.context });
}

/** An object of values made on first read (each getter replaces itself with its value). */
function lazily<T extends Record<string, () => unknown>>(make: T): { [K in keyof T]: ReturnType<T[K]> } {
  const out = {} as { [K in keyof T]: ReturnType<T[K]> };
  for (const key of Object.keys(make) as (keyof T)[]) {
    Object.defineProperty(out, key, {
      configurable: true, enumerable: true,
      get() {
        const value = make[key]!();
        Object.defineProperty(out, key, { value, enumerable: true });
        return value;
      },
    });
  }
  return out;
}

export type EngineOptions = {
  /** The machine for a set of rules (default: the ladder). Upgrade tests build other versions. */
  machineFor?: (rules: RulesConfig) => LadderMachine;
  /** Hooks besides suppression (always on), for a set of settings: openLadder adds the outbox when a board is set. */
  hooksFor?: (settings: Settings) => TransitionHook[];
  /** The version this machine writes; stored snapshots of older versions are upgraded on load. */
  machineVersion?: number;
  migrations?: ReadonlyMap<number, SnapshotMigration>;
  /** The real clock (ms), for what must not run ahead of it (a command's --now). Never used for event time. */
  clock?: () => number;
  /**
   * Allow a --now more than clock.maxAheadHours past the real clock: a simulation (the demo, the bench, tests
   * that move the clock) or `--allow-future` on purpose. Otherwise such a command is refused.
   */
  allowFuture?: boolean;
};

type Current = { version: number; settings: Settings; machine: LadderMachine; step: Step; hooks: TransitionHook[] };

export function createEngine(store: Store, opts: EngineOptions = {}) {
  const { db, sqlite } = store;
  const machineFor = opts.machineFor ?? createLadderMachine;
  const hooksFor = opts.hooksFor ?? (() => []);
  const machineVersion = opts.machineVersion ?? MACHINE_VERSION;
  const migrations = opts.migrations ?? SNAPSHOT_MIGRATIONS;
  const clock = opts.clock ?? Date.now;

  // Prepared on first use: a command needs a few of them, and preparing all (drizzle builds each one's SQL) was
  // ~8 ms of every cold start (issue 17).
  const q = lazily({
    actor: () => db.select().from(actors).where(eq(actors.account, ph('account'))).prepare(),
    byKey: () => db.select({ id: events.id, account: events.account, seq: events.seq }).from(events).where(eq(events.idempotencyKey, ph('key'))).prepare(),
    lastEvent: () => db.select({ at: events.at, type: events.type }).from(events).where(and(eq(events.account, ph('account')), eq(events.seq, ph('seq')))).prepare(),
    suppressed: () => sqlite.prepare(`select 1 from suppressions where kind = 'contact' and value = ?`),
    settingsVersion: () => sqlite.prepare('select max(version) from settings').pluck(),
    settingsRow: () => db.select().from(settingsTable).where(eq(settingsTable.version, ph('version'))).prepare(),
    accountExists: () => db.select({ d: accounts.domain }).from(accounts).where(eq(accounts.domain, ph('domain'))).prepare(),
    accountExtra: () => db.select({ extra: accounts.extra }).from(accounts).where(eq(accounts.domain, ph('domain'))).prepare(),
    // The writes of every transition, prepared once (building SQL per call dominated the profile).
    updateActor: () => db.update(actors).set({
      snapshot: phv('snapshot'), machineVersion: phv('machineVersion'), stage: phv('stage'), substate: phv('substate'), version: phv('version'), updatedAt: phv('updatedAt'),
    }).where(and(eq(actors.account, ph('account')), eq(actors.version, ph('expected')))).prepare(),
    bumpActor: () => db.update(actors).set({ version: phv('version'), updatedAt: phv('updatedAt') })
      .where(and(eq(actors.account, ph('account')), eq(actors.version, ph('expected')))).prepare(),
    insertActor: () => db.insert(actors).values({
      account: ph('account'), machineVersion: ph('machineVersion'), snapshot: ph('snapshot'), stage: ph('stage'), substate: ph('substate'), version: ph('version'), updatedAt: ph('updatedAt'),
    }).prepare(),
    insertEvent: () => db.insert(events).values({
      account: ph('account'), seq: ph('seq'), type: ph('type'), payload: ph('payload'), by: ph('by'), role: ph('role'), source: ph('source'),
      at: ph('at'), recordedAt: ph('recordedAt'), stageBefore: ph('stageBefore'), stageAfter: ph('stageAfter'), reason: ph('reason'),
      idempotencyKey: ph('idempotencyKey'), settingsVersion: ph('settingsVersion'), machineVersion: ph('machineVersion'),
    }).prepare(),
    closeStay: () => db.update(stageHistory).set({ exitedAt: phv('at'), exitedBy: phv('eventId') })
      .where(and(eq(stageHistory.account, ph('account')), sql`${stageHistory.exitedAt} is null`)).prepare(),
    openStay: () => db.insert(stageHistory).values({ account: ph('account'), stage: ph('stage'), substate: ph('substate'), enteredAt: ph('at'), enteredBy: ph('eventId') }).prepare(),
    fireTimer: () => db.update(timers).set({ status: 'fired', closedBy: phv('eventId') }).where(and(eq(timers.id, ph('id')), eq(timers.status, 'pending'))).prepare(),
    closeRefusedTimer: () => db.update(timers).set({ status: 'cancelled' }).where(and(eq(timers.id, ph('id')), eq(timers.status, 'pending'))).prepare(),
    cancelTimer: () => db.update(timers).set({ status: 'cancelled', closedBy: phv('eventId') })
      .where(and(eq(timers.account, ph('account')), eq(timers.timerId, ph('timerId')), eq(timers.status, 'pending'))).prepare(),
    armTimer: () => db.insert(timers).values({ account: ph('account'), timerId: ph('timerId'), event: ph('event'), dueAt: ph('dueAt'), status: 'pending', armedBy: ph('eventId') }).prepare(),
    timerById: () => db.select().from(timers).where(eq(timers.id, ph('id'))).prepare(),
    dueForAccount: () => db.select().from(timers)
      .where(and(eq(timers.account, ph('account')), eq(timers.status, 'pending'), lte(timers.dueAt, ph('until'))))
      .orderBy(asc(timers.dueAt), asc(timers.id)).limit(1).prepare(),
    insertAccount: () => db.insert(accounts).values({
      domain: ph('domain'), name: ph('name'), hq: ph('hq'), tier: ph('tier'), icpScore: ph('icpScore'), extra: ph('extra'), createdAt: ph('createdAt'), createdBy: ph('createdBy'),
    }).prepare(),
    updateExtra: () => db.update(accounts).set({ extra: phv('extra') }).where(eq(accounts.domain, ph('domain'))).prepare(),
    insertRefusal: () => db.insert(refusals).values({
      account: ph('account'), subject: ph('subject'), type: ph('type'), payload: ph('payload'), by: ph('by'), role: ph('role'), source: ph('source'), at: ph('at'), why: ph('why'),
    }).prepare(),
  });

  // The sequences follow the ladder (issue 15): always on, like suppression, after it (a suppressed account is
  // never enrolled). Built below from the engine's internals.
  let seqs: Sequences | null = null;
  const sequenceHook: TransitionHook = (info) => seqs?.ladderHook(info);

  // ---- settings: the rules in force are the newest settings row; a change made by another process is seen
  // at the next transaction (a long-running server never applies stale rules).
  let cur: Current | null = null;
  const versions = new Map<number, Current>();
  function load(version: number): Current {
    const known = versions.get(version);
    if (known) return known;
    const row = q.settingsRow.get({ version });
    const settings = row ? validateSettings(JSON.parse(row.body), `settings v${version}`) : DEFAULT_SETTINGS;
    const machine = machineFor(settings.rules);
    const c = { version, settings, machine, step: createStepper(machine), hooks: [suppressionHook, sequenceHook, ...hooksFor(settings)] };
    versions.set(version, c);
    return c;
  }
  function current(): Current {
    const version = (q.settingsVersion.get() as number | null) ?? 1;
    if (!cur || cur.version !== version) cur = load(version);
    return cur;
  }
  /** Inside a transaction: the settings read when it began (write() refreshes them once per transaction). */
  const live = (): Current => cur ?? current();
  /** The settings of a version (a replay under the rules of its time). */
  function settingsAt(version: number): { settings: Settings; machine: LadderMachine } {
    const c = load(version);
    return { settings: c.settings, machine: c.machine };
  }

  function restore(row: { snapshot: string; machineVersion: number; account: string }, machine = current().machine): AnyMachineSnapshot {
    const stored = upgradeSnapshot(JSON.parse(row.snapshot), row.machineVersion, row.account, machineVersion, migrations);
    return machine.resolveState(stored as Parameters<typeof machine.resolveState>[0]);
  }

  // ---- transactions and the one refusal rule ----

  /** One IMMEDIATE transaction (nested calls become SAVEPOINTs), the settings in force read at its start. */
  function write<T>(fn: () => T): T {
    if (sqlite.inTransaction) return inSavepoint(fn) as T;
    return inImmediate.immediate(fn) as T;
  }
  // Made once: better-sqlite3's transaction() builds five wrapper functions per call, ~2.6 KB of garbage for each
  // event of an import or a sweep (issue 17). Nested, they run as SAVEPOINTs.
  const inSavepoint = sqlite.transaction((fn: () => unknown) => fn());
  const inImmediate = sqlite.transaction((fn: () => unknown) => { current(); return fn(); });

  function recordRefusal(r: RefusalRecord & { why: string }): void {
    q.insertRefusal.run({
      account: r.account, subject: r.subject ?? null, type: r.type, payload: JSON.stringify(r.payload), by: r.by || 'unknown', role: r.role || 'unknown', source: r.source, at: r.at, why: r.why,
    });
  }

  /**
   * Runs `op` in a SAVEPOINT of the current transaction. Refused: its writes are undone, the refusal is recorded
   * (the refused event's own payload, source and reason) and `onRefused` may close what must not be retried.
   */
  function attempt<T>(op: () => T, refusal: () => RefusalRecord, onRefused?: () => void): T | Refused {
    try {
      return inSavepoint(op) as T;
    } catch (err) {
      if (!(err instanceof RefusedError)) throw err;
      const r = refusal();
      recordRefusal({ ...r, why: err.message });
      onRefused?.();
      return { status: 'refused', account: r.account, type: r.type, why: err.message, kind: err.kind };
    }
  }

  /** A standalone operation: its own transaction; a refusal is committed as a record and rethrown. */
  function standalone<T>(fn: () => T | Refused): T {
    const out = write(fn);
    if (out && typeof out === 'object' && (out as Refused).status === 'refused') {
      const r = out as Refused;
      throw new RefusedError(r.why, r.account, r.type, r.kind);
    }
    return out as T;
  }

  function refuse(account: string | null, type: string, why: string, kind: RefusalKind = 'rule'): never {
    throw new RefusedError(why, account, type, kind);
  }

  /**
   * The checks of every write before it reads anything: the role may do it, and --now is not ahead of the
   * real clock by more than clock.maxAheadHours (a command's timers would fire for good, dated in the future).
   */
  function authorize(type: string, role: string, now: string): { why: string; kind: RefusalKind } | null {
    const denied = forbidden(type, role);
    if (denied) return { why: denied, kind: 'role' };
    const margin = live().settings.clock.maxAheadHours;
    const real = clock();
    if (!opts.allowFuture && Date.parse(now) > real + margin * 3_600_000) {
      return { kind: 'clock', why: `--now ${now} is more than ${margin} hours after the real clock (${new Date(real).toISOString()}); what it records, and the timers that fall due `
        + 'before it, would be for good. Pass --allow-future to simulate on purpose (settings: clock.maxAheadHours)' };
    }
    return null;
  }

  /** A whole command refused before it starts (a role that may not import, a --now too far ahead): recorded. */
  function deny(record: RefusalRecord, why: string, kind: RefusalKind = 'rule'): never {
    write(() => recordRefusal({ ...record, why }));
    throw new RefusedError(why, record.account, record.type, kind);
  }

  // ---- the event path ----

  function stageLabelOf(s: StageAt) { return s.substate ? `${s.stage}.${s.substate}` : s.stage; }
  const unchanged = (account: string, eventId: number, seq: number, version: number, s: StageAt): Applied =>
    ({ status: 'duplicate', account, eventId, seq, before: s, after: s, version, armed: [], cancelled: [], caughtUp: [] });

  function writeEvent(account: string, seq: number, event: { type: string; at: string; by: string; role: string; [k: string]: unknown }, source: Source, now: string,
    before: StageAt | null, after: StageAt, reason: string | null, idempotencyKey: string | null): number {
    return Number(q.insertEvent.run({
      account, seq, type: event.type, payload: JSON.stringify(event), by: event.by, role: event.role, source, at: event.at, recordedAt: now,
      stageBefore: before ? stageLabelOf(before) : null, stageAfter: stageLabelOf(after), reason, idempotencyKey, settingsVersion: live().version, machineVersion,
    }).lastInsertRowid);
  }

  /** Refuses an event dated before the account's latest one: history is recorded in time order. */
  function inTimeOrder(account: string, version: number, type: string, at: string): void {
    const last = q.lastEvent.get({ account, seq: version });
    if (last && at < last.at) {
      refuse(account, type, `${account}: this ${type} is dated ${at}, before the account's latest event (#${version} ${last.type} at ${last.at}); `
        + `events are recorded in time order, so history cannot be rewritten (use a --now at or after ${last.at})`);
    }
  }

  /**
   * Applies one validated event to its account inside the current transaction. Throws RefusedError or
   * BadInputError; the caller's savepoint undoes anything written before the throw.
   */
  function applyEvent(account: string, event: LadderEvent, meta: { source: Source; now: string; idempotencyKey?: string; timer?: TimerRow; caughtUp?: CaughtUp[] }): Applied {
    const { machine, step, hooks, settings } = live();
    const caughtUp = meta.caughtUp ?? [];
    const row = q.actor.get({ account });
    if (!row) throw new BadInputError(`account: no account ${account} on the ladder; add it first (ladder account add ${account} --name … --hq … --tier … --icp …)`, 'account');
    inTimeOrder(account, row.version, event.type, event.at);
    if (event.type === 'SIGNAL' && q.suppressed.get(event.signal.contact)) {
      refuse(account, event.type, `signal for ${account} ignored: contact ${event.signal.contact} is on the suppression list; signals are logged, never acted on (HO 3.5, 5.6).`);
    }
    const snapshot = restore(row, machine);
    const prev = snapshot.context as LadderMachineContext;
    // A CRO decision by anyone else is the machine's own refusal (its isCro guard) and a matter of role.
    if (!snapshot.can(event)) refuse(account, event.type, explainRefusal(machine, snapshot, event, settings.rules), event.type.startsWith('CRO_') && event.role !== 'cro' ? 'role' : 'rule');
    const [next, actions] = step(snapshot, event);
    const before = stageOf(snapshot.value);
    const after = stageOf(next.value);
    const version = row.version + 1;

    const updated = q.updateActor.run({
      snapshot: persistSnapshot(next), machineVersion, stage: after.stage, substate: after.substate, version, updatedAt: meta.now, account, expected: row.version,
    });
    if (updated.changes !== 1) refuse(account, event.type, `stale version for ${account}: it moved while this event was applied; retry`, 'stale');
    const eventId = writeEvent(account, version, event, meta.source, meta.now, before, after, reasonOf(event), meta.idempotencyKey ?? null);

    if (before.stage !== after.stage || before.substate !== after.substate) {
      q.closeStay.run({ at: event.at, eventId, account });
      q.openStay.run({ account, stage: after.stage, substate: after.substate, at: event.at, eventId });
    }
    if (meta.timer && q.fireTimer.run({ eventId, id: meta.timer.id }).changes !== 1) {
      refuse(account, event.type, `timer ${meta.timer.id} is no longer pending (fired or cancelled already)`);
    }
    const armed: Applied['armed'] = [];
    const cancelled: string[] = [];
    for (const w of timerWrites(actions as { type: string; params?: unknown }[], event.at, meta.timer ? event.type : null)) {
      if (w.op === 'cancel') {
        if (q.cancelTimer.run({ eventId, account, timerId: w.timerId }).changes) cancelled.push(w.timerId);
      } else {
        q.armTimer.run({ account, timerId: w.timerId, event: JSON.stringify(w.event), dueAt: w.dueAt, eventId });
        armed.push({ timerId: w.timerId, dueAt: w.dueAt });
      }
    }
    for (const hook of hooks) hook({ tx: db, account, event, eventId, source: meta.source, now: meta.now, before, after, prev, next, rules: settings.rules });
    return { status: 'applied', account, eventId, seq: version, before, after, version, armed, cancelled, caughtUp };
  }

  /** A stored timer row fired through the machine (in its own savepoint); refused: closed and recorded. */
  function fireTimerRow(row: TimerRow, now: string): Applied | Refused {
    const event = validateTimerEvent({ ...JSON.parse(row.event), at: row.dueAt, by: 'system', role: 'system' });
    return attempt(
      () => applyEvent(row.account, event, { source: 'timer', now, timer: row, idempotencyKey: `timer:${row.id}` }),
      () => ({ account: row.account, type: event.type, payload: { ...event, timer: row.id }, by: 'system', role: 'system', source: 'timer', at: row.dueAt }),
      // A timer the machine no longer accepts (an SLA already flagged in this stay, or one left behind by an
      // upgrade) is closed without effect, never retried forever.
      () => { q.closeRefusedTimer.run({ id: row.id }); },
    );
  }

  /**
   * Fires the account's timers due at or before `until`, in due order, each dated when it fell due: whatever
   * then happens to the account meets it where the rules had put it (DOMAIN "Timers"), in time order.
   */
  function catchUp(account: string, until: string, now: string): CaughtUp[] {
    const out: CaughtUp[] = [];
    for (let row = q.dueForAccount.get({ account, until }); row; row = q.dueForAccount.get({ account, until })) {
      // Each firing closes its row, and a timer is armed at least 1 ms after the event that arms it: this ends.
      const r = fireTimerRow(row, now);
      if (r.status === 'applied') out.push({ timerId: row.timerId, at: row.dueAt, before: r.before, after: r.after });
    }
    return out;
  }

  /**
   * One event inside the current transaction: refused → recorded, returned as Refused. The account's timers
   * that fell due at or before the event are fired first (catchUp). A refused event undoes them too (a refused
   * command changes nothing but its refusal record); its explanation names them, and the next sweep fires them.
   */
  function submitInTx(sub: Submission): Applied | Refused {
    const now = validateNow(sub.now);
    const event = validateCommandEvent(sub.event, now, live().settings.clock.futureToleranceMinutes);
    const refusal = (): RefusalRecord => ({ account: sub.account, type: event.type, payload: event, by: event.by, role: event.role, source: sub.source, at: event.at });
    // A CRO decision by anyone else is refused by the machine's own guard, with its explanation (HO 3.6, 4.3),
    // whatever the account's state: no timer needs to fire first.
    const byNonCro = event.type.startsWith('CRO_') && event.role !== 'cro';
    const denied = byNonCro ? authorize(event.type, 'cro', now) : authorize(event.type, event.role, now);
    if (denied) return attempt(() => refuse(sub.account, event.type, `cannot ${event.type} ${sub.account}: ${denied.why}`, denied.kind), refusal);
    if (sub.idempotencyKey) {
      const seen = q.byKey.get({ key: sub.idempotencyKey });
      if (seen) {
        const row = q.actor.get({ account: seen.account })!;
        return unchanged(seen.account, seen.id, seen.seq, row.version, stageOf(JSON.parse(row.snapshot).value));
      }
    }
    return attempt(() => {
      // The version the caller read is compared before the account's due timers fire: time passing (a read never
      // fires them) is not someone acting first, and a 409 the caller could never get past would follow.
      if (sub.expectedVersion !== undefined) {
        const row = q.actor.get({ account: sub.account });
        if (row && row.version !== sub.expectedVersion) refuse(sub.account, event.type, `stale version for ${sub.account}: expected ${sub.expectedVersion}, it is at ${row.version} (someone acted first); read it again and retry`, 'stale');
      }
      const caughtUp = byNonCro ? [] : catchUp(sub.account, event.at, now);
      try {
        return applyEvent(sub.account, event, { source: sub.source, now, idempotencyKey: sub.idempotencyKey, caughtUp });
      } catch (err) {
        if (!(err instanceof RefusedError) || caughtUp.length === 0) throw err;
        const fell = caughtUp.map((t) => `${delayOf(t.timerId) ?? t.timerId} at ${t.at}: ${stageLabel(t.before)} → ${stageLabel(t.after)}`).join('; ');
        throw new RefusedError(`${err.message} (before this event, timers of ${sub.account} had fallen due: ${fell}; the next sweep records them)`, sub.account, event.type, err.kind);
      }
    }, refusal);
  }

  // ---- accounts ----

  function accountPayload(acct: NewAccount, at: string, meta: AccountMeta) {
    return { type: ACCOUNT_ADDED, at, by: meta.by, role: meta.role, input: { account: acct.domain, tier: acct.tier, facts: acct.facts ?? {}, at }, name: acct.name, hq: acct.hq, icpScore: acct.icpScore };
  }

  /**
   * Creates an account at PROSPECT through the machine's initial transition (event seq 1). `archive`: LQ 4 Tier
   * Reject, archived with its intake record in the same savepoint, so it is never left half-way.
   */
  function addAccountInTx(input: NewAccount, meta: AccountMeta, o: { archive?: string } = {}): Applied | Refused {
    const acct = validateNewAccount(input);
    const now = validateNow(meta.now);
    const at = meta.at ? validateNow(meta.at) : now;
    const payload = accountPayload(acct, at, meta);
    return attempt(() => {
      const denied = authorize(ACCOUNT_ADDED, meta.role, now);
      if (denied) refuse(acct.domain, ACCOUNT_ADDED, `cannot add ${acct.domain}: ${denied.why}`, denied.kind);
      if (meta.idempotencyKey) {
        const seen = q.byKey.get({ key: meta.idempotencyKey });
        if (seen) return unchanged(seen.account, seen.id, seen.seq, 1, stageOf(JSON.parse(q.actor.get({ account: seen.account })!.snapshot).value));
      }
      if (q.accountExists.get({ domain: acct.domain })) refuse(acct.domain, ACCOUNT_ADDED, `${acct.domain} is already on the ladder (ladder status ${acct.domain})`);
      const { machine, hooks, settings } = live();
      const [snap] = initialTransition(machine, { account: acct.domain, tier: acct.tier, facts: acct.facts ?? {}, at });
      const after = stageOf(snap.value);
      q.insertAccount.run({ domain: acct.domain, name: acct.name, hq: acct.hq, tier: acct.tier, icpScore: acct.icpScore, extra: JSON.stringify(acct.extra ?? {}), createdAt: at, createdBy: meta.by });
      q.insertActor.run({ account: acct.domain, machineVersion, snapshot: persistSnapshot(snap), stage: after.stage, substate: after.substate, version: 1, updatedAt: now });
      const eventId = writeEvent(acct.domain, 1, payload, meta.source, now, null, after, null, meta.idempotencyKey ?? null);
      q.openStay.run({ account: acct.domain, stage: after.stage, substate: after.substate, at, eventId });
      for (const hook of hooks) {
        hook({ tx: db, account: acct.domain, event: payload as unknown as LadderEvent, eventId, source: meta.source, now, before: after, after, prev: null, next: snap, rules: settings.rules });
      }
      const added: Applied = { status: 'applied', account: acct.domain, eventId, seq: 1, before: after, after, version: 1, armed: [], cancelled: [], caughtUp: [] };
      if (o.archive === undefined) return added;
      const archive = validateCommandEvent({ type: 'ARCHIVE', at, by: meta.by, role: meta.role, reason: o.archive }, now, live().settings.clock.futureToleranceMinutes);
      return applyEvent(acct.domain, archive, { source: meta.source, now });
    }, () => ({ account: acct.domain, type: ACCOUNT_ADDED, payload, by: meta.by, role: meta.role, source: meta.source, at }));
  }

  /**
   * LQ 6.2 "enrich when richer": fields the stored account lacks are filled, never overwritten, and the change
   * is an ACCOUNT_ENRICHED event in the account's history (its stage is unchanged; replay passes over it).
   */
  function enrichInTx(account: string, fields: Record<string, string>, meta: AccountMeta): Applied | Refused {
    const now = validateNow(meta.now);
    const at = meta.at ? validateNow(meta.at) : now;
    const payload = { type: ACCOUNT_ENRICHED, at, by: meta.by, role: meta.role, fields };
    return attempt(() => {
      const denied = authorize(ACCOUNT_ENRICHED, meta.role, now);
      if (denied) refuse(account, ACCOUNT_ENRICHED, `cannot enrich ${account}: ${denied.why}`, denied.kind);
      const stored = q.accountExtra.get({ domain: account });
      if (!stored) throw new BadInputError(`account: no account ${account} on the ladder`, 'account');
      const extra = JSON.parse(stored.extra) as Record<string, unknown>;
      const added = Object.fromEntries(Object.entries(fields).filter(([k]) => !Object.hasOwn(extra, k)));
      if (Object.keys(added).length === 0) {
        const row = q.actor.get({ account })!;
        return unchanged(account, 0, row.version, row.version, stageOf(JSON.parse(row.snapshot).value));
      }
      const caughtUp = catchUp(account, at, now);
      const row = q.actor.get({ account })!;
      inTimeOrder(account, row.version, ACCOUNT_ENRICHED, at);
      const s = stageOf(JSON.parse(row.snapshot).value);
      const version = row.version + 1;
      if (q.bumpActor.run({ version, updatedAt: now, account, expected: row.version }).changes !== 1) refuse(account, ACCOUNT_ENRICHED, `stale version for ${account}; retry`, 'stale');
      q.updateExtra.run({ extra: JSON.stringify({ ...extra, ...added }), domain: account });
      const eventId = writeEvent(account, version, { ...payload, fields: added }, meta.source, now, s, s, null, meta.idempotencyKey ?? null);
      return { status: 'applied', account, eventId, seq: version, before: s, after: s, version, armed: [], cancelled: [], caughtUp } satisfies Applied;
    }, () => ({ account, type: ACCOUNT_ENRICHED, payload, by: meta.by, role: meta.role, source: meta.source, at }));
  }

  // ---- settings ----

  /** The SOP defaults as settings v1, written once on a database that has none: every event names its version. */
  function ensureSettings(): void {
    if (q.settingsVersion.get() !== null) return;
    write(() => {
      db.insert(settingsTable).values({ version: 1, body: JSON.stringify(DEFAULT_SETTINGS), at: SETTINGS_EPOCH, by: 'ladder', role: 'system', change: 'the defaults (SOP values)' })
        .onConflictDoNothing().run();
    });
    cur = null;
  }

  /**
   * A new settings version inside the current transaction, made from the settings in force in it (two changes at
   * once never undo each other), validated whole; in force from then on. Throws RefusedError.
   */
  function settingsInTx(change: (current: Settings) => Settings, meta: { by: string; role: string; change: string }, now: string, out: { doc?: Settings } = {}): { version: number; changes: SettingChange[] } {
    const denied = authorize('SETTINGS', meta.role, now);
    if (denied) refuse(null, SETTINGS_CHANGED, `cannot change the settings: ${denied.why}`, denied.kind);
    const { version, settings } = live();
    const doc = validateSettings(change(structuredClone(settings)));
    out.doc = doc;
    const latest = q.settingsRow.get({ version });
    if (latest && now < latest.at) refuse(null, SETTINGS_CHANGED, `settings changes are recorded in time order: v${version} took effect at ${latest.at}, after ${now} (use a --now at or after it)`);
    const changes = diffSettings(settings, doc);
    if (changes.length === 0) return { version, changes };
    db.insert(settingsTable).values({ version: version + 1, body: JSON.stringify(doc), at: now, by: meta.by, role: meta.role, change: meta.change }).run();
    cur = null; // the new version is in force for the rest of this transaction too
    return { version: version + 1, changes };
  }

  /** A settings change in its own transaction. Refused: recorded, nothing changed. */
  function changeSettings(change: (current: Settings) => Settings, meta: { by: string; role: string; now: string; change: string; source: Source }): { version: number; changes: SettingChange[] } {
    const now = validateNow(meta.now);
    const out: { doc?: Settings } = {};
    try {
      return standalone(() => attempt(() => settingsInTx(change, meta, now, out), () => ({
        account: null, type: SETTINGS_CHANGED, payload: { type: SETTINGS_CHANGED, at: now, by: meta.by, role: meta.role, change: meta.change, settings: out.doc ?? null },
        by: meta.by, role: meta.role, source: meta.source, at: now,
      })));
    } finally {
      cur = null;
    }
  }

  // ---- the engine's parts built on these internals (not handed out) ----

  const core = { db, sqlite, write, attempt, standalone, refuse, recordRefusal, deny, authorize, fireTimerRow, submitInTx, settingsInTx, live, current, clock };
  seqs = makeSequences(core, () => tpl.actorRuntime);
  const tpl = makeTemplates(core, seqs.specs);
  const sequences = seqs;
  const sweeps = makeSweep(core, tpl.actorRuntime);
  const intake = makeIntake(core);
  const users = makeUsers(core);

  /** Operations inside one batch transaction (an import chunk): each in its own savepoint, refusals recorded. */
  const inBatch = { submit: submitInTx, addAccount: addAccountInTx, enrich: enrichInTx };
  type BatchOps = typeof inBatch;

  return {
    /** One event, one IMMEDIATE transaction; refused: the refusal is recorded (and nothing else) and thrown. */
    submit: (sub: Submission): Applied => standalone(() => submitInTx(sub)),
    /** Creates an account at PROSPECT through the machine's initial transition, logged as event seq 1. */
    addAccount: (acct: NewAccount, meta: AccountMeta): Applied => standalone(() => addAccountInTx(acct, meta)),
    enrich: (account: string, fields: Record<string, string>, meta: AccountMeta): Applied => standalone(() => enrichInTx(account, fields, meta)),
    /** Many operations, one transaction: an import chunk. A refused operation is recorded and undone alone. */
    batch: <T>(fn: (ops: BatchOps) => T): T => write(() => fn(inBatch)),
    /** The daily sweep: fires every timer due by --now (sweep.ts). */
    sweep: sweeps.sweep,
    /** The sweep, yielding to the event loop between batches (the server's routine and POST /api/sweep). */
    sweepAsync: sweeps.sweepAsync,
    /**
     * Fires the given timer rows, due by --now, in one transaction (each in its own savepoint), as the sweep
     * would: for a scheduler of its own (the benchmark's full-scan baseline). Who fires them must be allowed to
     * sweep. A row no longer pending, or not yet due, is left as it is and reported so.
     */
    fireTimers(ids: readonly number[], o: { now: string; as: Actor; source?: Source }): (Applied | Refused | { status: 'not pending' | 'not due'; id: number })[] {
      const now = validateNow(o.now);
      current();
      const denied = authorize('SWEEP', o.as.role, now);
      if (denied) deny({ account: null, type: 'SWEEP', payload: { type: 'SWEEP', now, timers: ids }, by: o.as.by, role: o.as.role, source: o.source ?? 'cli', at: now }, `cannot fire timers: ${denied.why}`, denied.kind);
      return write(() => ids.map((id) => {
        const row = q.timerById.get({ id });
        if (row?.status !== 'pending') return { status: 'not pending' as const, id };
        if (row.dueAt > now) return { status: 'not due' as const, id };
        return fireTimerRow(row, now);
      }));
    },
    /** Signal notes and import batches (intake.ts). */
    ...intake,
    /** Users, their roles and API tokens (users.ts). */
    ...users,
    /** Email-sequence templates, their approval and recipient lists (templates.ts, issue 14). */
    templates: {
      add: tpl.addTemplate, decide: tpl.decideTemplate, proposeRecipients: tpl.proposeRecipients, decideRecipients: tpl.decideRecipients,
      check: tpl.checkEntries, load: tpl.loadActor,
      /** The machine of a kind under the rules of a settings version (replay). */
      machineAt: (kind: ActorKind, version: number) => tpl.actorRuntime.machineAt(kind, version, settingsAt(version).settings),
    },
    /** Sequences, replies and sends (sequences.ts, issue 15). */
    sequences: {
      reply: sequences.reply, command: sequences.command, plan: sequences.plan, due: sequences.due, record: sequences.record,
      claim: sequences.claim, settle: sequences.settle, resumeSending: sequences.resumeSending, sendingState: sequences.sendingState,
      sendable: sequences.sendable, send: sequences.sendById,
      load: (account: string) => tpl.actorRuntime.load('sequence', account),
    },
    /** Refuses (and records) a whole command before it starts when the role may not, or --now runs ahead. */
    authorizeCommand(type: string, what: string, actor: Actor, now: string, record: Omit<RefusalRecord, 'by' | 'role' | 'at'>): void {
      const at = validateNow(now);
      current();
      const denied = authorize(type, actor.role, at);
      if (denied) deny({ ...record, by: actor.by, role: actor.role, at }, `cannot ${what}: ${denied.why}`, denied.kind);
    },
    ensureSettings, changeSettings,
    load(account: string): { snapshot: AnyMachineSnapshot; version: number } | null {
      const row = q.actor.get({ account });
      return row ? { snapshot: restore(row), version: row.version } : null;
    },
    restore, settingsAt,
    get rules(): RulesConfig { return current().settings.rules; },
    get settings(): Settings { return current().settings; },
    get settingsVersion(): number { return current().version; },
    get machine(): LadderMachine { return current().machine; },
    clock, store, machineVersion,
  };
}
export type Engine = ReturnType<typeof createEngine>;
/** The engine's internals, for the parts built on them (sweep.ts, intake.ts). */
export type EngineCore = {
  db: Db; sqlite: Store['sqlite'];
  write: <T>(fn: () => T) => T;
  attempt: <T>(op: () => T, refusal: () => RefusalRecord, onRefused?: () => void) => T | Refused;
  standalone: <T>(fn: () => T | Refused) => T;
  refuse: (account: string | null, type: string, why: string, kind?: RefusalKind) => never;
  recordRefusal: (r: RefusalRecord & { why: string }) => void;
  deny: (record: RefusalRecord, why: string, kind?: RefusalKind) => never;
  authorize: (type: string, role: string, now: string) => { why: string; kind: RefusalKind } | null;
  fireTimerRow: (row: TimerRow, now: string) => Applied | Refused;
  submitInTx: (sub: Submission) => Applied | Refused;
  settingsInTx: (change: (current: Settings) => Settings, meta: { by: string; role: string; change: string }, now: string) => { version: number; changes: SettingChange[] };
  live: () => { version: number; settings: Settings };
  /** The settings in force, read again from the database. */
  current: () => { version: number; settings: Settings };
  clock: () => number;
};

function reasonOf(event: LadderEvent): string | null {
  const e = event as { reason?: string; justification?: string; note?: string };
  return e.reason ?? e.justification ?? e.note ?? null;
}
