// The machines beside the ladder (issue 14: a template version's approval, a recipient list's), run by the same
// engine: the same IMMEDIATE transaction, the same refusal record (with the actor as its subject), the same role
// check, the same time order, due timers fired first (catch-up), the same timer rows from XState's delayed
// raise/cancel actions (timer-actions.ts), fired by the same daily sweep. Their rows live in machine_actors,
// machine_events and machine_timers, one row per (kind, id): the ladder's tables stay keyed by account.
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { createStepper, initialTransition, type Step } from './step.js';
import { timerWrites } from './timer-actions.js';
import { BadInputError, RefusedError } from './errors.js';
import { validateNow, validateTimerEvent } from './validate.js';
import { machineActors, machineEvents, machineTimers } from '../store/schema.js';
import type { Db } from '../store/open.js';
import type { Settings } from '../settings/schema.js';
import type { EngineCore, RefusalRecord, Refused, Source } from './engine.js';

export type ActorKind = 'template' | 'recipients' | 'sequence' | 'sending';
export type ActorEvent = { type: string; at: string; by: string; role: string; [k: string]: unknown };

/** What makes a kind of actor: its machine for a set of settings, its events' schema, its words for a refusal. */
export type KindSpec = {
  kind: ActorKind;
  /** The machine version this ladder writes. */
  version: number;
  machineFor(settings: Settings): AnyStateMachine;
  /** A command event, validated (zod) and normalized; throws BadInputError naming the field. */
  validate(raw: unknown, now: string, toleranceMinutes: number): ActorEvent;
  /** The state as one label ("cmoReview"). */
  stateOf(snapshot: AnyMachineSnapshot): string;
  /** Why the machine does not take this event in this snapshot, in the SOP's words. */
  explain(snapshot: AnyMachineSnapshot, event: ActorEvent, settings: Settings): string;
  /** A refusal that is a matter of role (403 over HTTP), not of state: e.g. a task that belongs to another role. */
  isRoleRefusal?(snapshot: AnyMachineSnapshot, event: ActorEvent): boolean;
  /** Facts the engine owns, computed in the transaction before the machine sees the event (a list's check). */
  enrich?(event: ActorEvent, actor: { id: string; snapshot: AnyMachineSnapshot }, tx: Db): ActorEvent;
  /** Writes that belong to the transition's transaction (an escalation row). */
  hook?(info: ActorTransition): void;
};

export type ActorTransition = {
  tx: Db; kind: ActorKind; id: string; event: ActorEvent; eventId: number; now: string;
  before: string | null; after: string; prev: unknown; next: unknown;
};

export type ActorApplied = {
  status: 'applied' | 'duplicate';
  kind: ActorKind; id: string; eventId: number; seq: number;
  before: string | null; after: string; version: number;
  armed: { timerId: string; dueAt: string }[]; cancelled: string[];
  caughtUp: { timerId: string; at: string; before: string; after: string }[];
};
export type ActorMeta = { source: Source; now: string; idempotencyKey?: string; expectedVersion?: number };
export type MachineTimerRow = typeof machineTimers.$inferSelect;

const subjectOf = (kind: string, id: string) => `${kind}:${id}`;
const NOUN: Record<ActorKind, string> = {
  template: 'template version (ladder template list)', recipients: 'recipient list (ladder recipients list)',
  sequence: 'sequence for the account (ladder sequence show)', sending: 'mailbox',
};

export function makeActors(core: EngineCore, specs: Record<ActorKind, KindSpec>) {
  const { db } = core;
  const ph = (n: string) => sql.placeholder(n);
  const q = {
    actor: db.select().from(machineActors).where(and(eq(machineActors.kind, ph('kind')), eq(machineActors.id, ph('id')))).prepare(),
    byKey: db.select({ id: machineEvents.id, kind: machineEvents.kind, actorId: machineEvents.actorId, seq: machineEvents.seq })
      .from(machineEvents).where(eq(machineEvents.idempotencyKey, ph('key'))).prepare(),
    lastEvent: db.select({ at: machineEvents.at, type: machineEvents.type }).from(machineEvents)
      .where(and(eq(machineEvents.kind, ph('kind')), eq(machineEvents.actorId, ph('id')), eq(machineEvents.seq, ph('seq')))).prepare(),
    dueForActor: db.select().from(machineTimers)
      .where(and(eq(machineTimers.kind, ph('kind')), eq(machineTimers.actorId, ph('id')), eq(machineTimers.status, 'pending'), lte(machineTimers.dueAt, ph('until'))))
      .orderBy(asc(machineTimers.dueAt), asc(machineTimers.id)).limit(1).prepare(),
    due: db.select().from(machineTimers).where(and(eq(machineTimers.status, 'pending'), lte(machineTimers.dueAt, ph('now'))))
      .orderBy(asc(machineTimers.dueAt), asc(machineTimers.id)).limit(ph('limit')).prepare(),
    countDue: db.select({ n: sql<number>`count(*)` }).from(machineTimers).where(and(eq(machineTimers.status, 'pending'), lte(machineTimers.dueAt, ph('now')))).prepare(),
  };

  /** Each kind's machine and stepper for a settings version, made once. */
  const machines = new Map<string, { machine: AnyStateMachine; step: Step }>();
  function machineOf(spec: KindSpec, version: number, settings: Settings) {
    const key = `${spec.kind}@${version}`;
    let m = machines.get(key);
    if (!m) {
      const machine = spec.machineFor(settings);
      m = { machine, step: createStepper(machine) };
      machines.set(key, m);
    }
    return m;
  }
  const liveMachine = (spec: KindSpec) => {
    const { version, settings } = core.live();
    return { ...machineOf(spec, version, settings), settings, settingsVersion: version };
  };
  const specOf = (kind: string): KindSpec => {
    const spec = Object.hasOwn(specs, kind) ? specs[kind as ActorKind] : undefined;
    if (!spec) throw new BadInputError(`kind: no machine kind ${JSON.stringify(kind)}`, 'kind');
    return spec;
  };

  function restore(row: { snapshot: string }, machine: AnyStateMachine): AnyMachineSnapshot {
    return machine.resolveState(JSON.parse(row.snapshot) as Parameters<AnyStateMachine['resolveState']>[0]);
  }
  const persist = (s: AnyMachineSnapshot) => JSON.stringify({ status: s.status, value: s.value, context: s.context });

  function writeEvent(spec: KindSpec, id: string, seq: number, event: ActorEvent, source: Source, now: string, before: string | null, after: string, idempotencyKey: string | null, settingsVersion: number): number {
    const reason = (event.feedback ?? event.reason ?? null) as string | null;
    return Number(db.insert(machineEvents).values({
      kind: spec.kind, actorId: id, seq, type: event.type, payload: JSON.stringify(event), by: event.by, role: event.role, source, at: event.at, recordedAt: now,
      stateBefore: before, stateAfter: after, reason, idempotencyKey, settingsVersion, machineVersion: spec.version,
    }).run().lastInsertRowid);
  }

  function writeTimers(spec: KindSpec, id: string, actions: { type: string; params?: unknown }[], at: string, firing: string | null, eventId: number) {
    const armed: ActorApplied['armed'] = [];
    const cancelled: string[] = [];
    for (const w of timerWrites(actions, at, firing)) {
      if (w.op === 'cancel') {
        const r = db.update(machineTimers).set({ status: 'cancelled', closedBy: eventId })
          .where(and(eq(machineTimers.kind, spec.kind), eq(machineTimers.actorId, id), eq(machineTimers.timerId, w.timerId), eq(machineTimers.status, 'pending'))).run();
        if (r.changes) cancelled.push(w.timerId);
      } else {
        db.insert(machineTimers).values({ kind: spec.kind, actorId: id, timerId: w.timerId, event: JSON.stringify(w.event), dueAt: w.dueAt, status: 'pending', armedBy: eventId }).run();
        armed.push({ timerId: w.timerId, dueAt: w.dueAt });
      }
    }
    return { armed, cancelled };
  }

  function refuse(type: string, why: string, kind: 'role' | 'stale' | 'clock' | 'rule' = 'rule'): never {
    throw new RefusedError(why, null, type, kind);
  }

  /**
   * Creates an actor through its machine's initial transition (event seq 1 of type `type`), with `ledger` writing
   * the kind's own rows (a template version, a recipient list) in the same savepoint. Throws RefusedError.
   */
  function createInTx(kind: ActorKind, id: string, input: unknown, event: ActorEvent, meta: ActorMeta, ledger: () => void): ActorApplied {
    const spec = specOf(kind);
    const now = validateNow(meta.now);
    const denied = core.authorize(event.type, event.role, now);
    if (denied) refuse(event.type, `cannot ${event.type} ${id}: ${denied.why}`, denied.kind);
    if (meta.idempotencyKey) {
      const seen = q.byKey.get({ key: meta.idempotencyKey });
      if (seen) return unchanged(spec, seen.actorId, seen.id, seen.seq);
    }
    if (q.actor.get({ kind, id })) refuse(event.type, `${kind} ${id} exists already`);
    const { machine, settingsVersion } = liveMachine(spec);
    const [snap, actions] = initialTransition(machine, input);
    const after = spec.stateOf(snap);
    ledger();
    db.insert(machineActors).values({ kind, id, machineVersion: spec.version, snapshot: persist(snap), state: after, version: 1, updatedAt: now }).run();
    const eventId = writeEvent(spec, id, 1, { ...event, input }, meta.source, now, null, after, meta.idempotencyKey ?? null, settingsVersion);
    const { armed, cancelled } = writeTimers(spec, id, actions as { type: string; params?: unknown }[], event.at, null, eventId);
    spec.hook?.({ tx: db, kind, id, event, eventId, now, before: null, after, prev: null, next: snap.context });
    return { status: 'applied', kind, id, eventId, seq: 1, before: null, after, version: 1, armed, cancelled, caughtUp: [] };
  }

  function unchanged(spec: KindSpec, id: string, eventId: number, seq: number): ActorApplied {
    const row = q.actor.get({ kind: spec.kind, id })!;
    return { status: 'duplicate', kind: spec.kind, id, eventId, seq, before: row.state, after: row.state, version: row.version, armed: [], cancelled: [], caughtUp: [] };
  }

  /** One validated event on one actor, inside the current transaction. Throws RefusedError or BadInputError. */
  function applyEvent(spec: KindSpec, id: string, event: ActorEvent, meta: ActorMeta & { timer?: MachineTimerRow; caughtUp?: ActorApplied['caughtUp']; onEnriched?: (e: ActorEvent) => void }): ActorApplied {
    const { machine, step, settings, settingsVersion } = liveMachine(spec);
    const row = q.actor.get({ kind: spec.kind, id });
    if (!row) throw new BadInputError(`${spec.kind}: no ${spec.kind} ${id}`, spec.kind);
    const last = q.lastEvent.get({ kind: spec.kind, id, seq: row.version });
    if (last && event.at < last.at) {
      refuse(event.type, `${id}: this ${event.type} is dated ${event.at}, before its latest event (#${row.version} ${last.type} at ${last.at}); events are recorded in time order`);
    }
    const snapshot = restore(row, machine);
    const e = spec.enrich ? spec.enrich(event, { id, snapshot }, db) : event;
    meta.onEnriched?.(e);
    if (!snapshot.can(e)) refuse(e.type, spec.explain(snapshot, e, settings), spec.isRoleRefusal?.(snapshot, e) ? 'role' : 'rule');
    const [next, actions] = step(snapshot, e);
    const before = row.state;
    const after = spec.stateOf(next);
    const version = row.version + 1;
    const updated = db.update(machineActors).set({ snapshot: persist(next), machineVersion: spec.version, state: after, version, updatedAt: meta.now })
      .where(and(eq(machineActors.kind, spec.kind), eq(machineActors.id, id), eq(machineActors.version, row.version))).run();
    if (updated.changes !== 1) refuse(e.type, `stale version for ${id}: it moved while this event was applied; retry`, 'stale');
    const eventId = writeEvent(spec, id, version, e, meta.source, meta.now, before, after, meta.idempotencyKey ?? null, settingsVersion);
    if (meta.timer) {
      const fired = db.update(machineTimers).set({ status: 'fired', closedBy: eventId }).where(and(eq(machineTimers.id, meta.timer.id), eq(machineTimers.status, 'pending'))).run();
      if (fired.changes !== 1) refuse(e.type, `timer ${meta.timer.id} is no longer pending (fired or cancelled already)`);
    }
    const { armed, cancelled } = writeTimers(spec, id, actions as { type: string; params?: unknown }[], e.at, meta.timer ? e.type : null, eventId);
    spec.hook?.({ tx: db, kind: spec.kind, id, event: e, eventId, now: meta.now, before, after, prev: snapshot.context, next: next.context });
    return { status: 'applied', kind: spec.kind, id, eventId, seq: version, before, after, version, armed, cancelled, caughtUp: meta.caughtUp ?? [] };
  }

  /** A stored timer row fired through its machine (its own savepoint); refused: closed and recorded. */
  function fireTimerRow(row: MachineTimerRow, now: string): ActorApplied | Refused {
    const spec = specOf(row.kind);
    const event = validateTimerEvent({ ...JSON.parse(row.event), at: row.dueAt }) as unknown as ActorEvent;
    const e = { ...event, by: 'system', role: 'system' };
    return core.attempt(
      () => applyEvent(spec, row.actorId, e, { source: 'timer', now, timer: row, idempotencyKey: `mtimer:${row.id}` }),
      () => ({ account: null, subject: subjectOf(row.kind, row.actorId), type: e.type, payload: { ...e, timer: row.id }, by: 'system', role: 'system', source: 'timer', at: row.dueAt }),
      () => { db.update(machineTimers).set({ status: 'cancelled' }).where(and(eq(machineTimers.id, row.id), eq(machineTimers.status, 'pending'))).run(); },
    );
  }

  function catchUp(spec: KindSpec, id: string, until: string, now: string): ActorApplied['caughtUp'] {
    const out: ActorApplied['caughtUp'] = [];
    for (let row = q.dueForActor.get({ kind: spec.kind, id, until }); row; row = q.dueForActor.get({ kind: spec.kind, id, until })) {
      const r = fireTimerRow(row, now);
      if (r.status === 'applied') out.push({ timerId: row.timerId, at: row.dueAt, before: r.before ?? '', after: r.after });
    }
    return out;
  }

  /**
   * One command event on one actor, in the current transaction: role, idempotency, optimistic version, the
   * actor's due timers fired first (dated when they fell due), then the machine. Refused: recorded, returned.
   */
  function submitInTx(kind: ActorKind, id: string, raw: unknown, meta: ActorMeta): ActorApplied | Refused {
    const spec = specOf(kind);
    const now = validateNow(meta.now);
    const event = spec.validate(raw, now, core.live().settings.clock.futureToleranceMinutes);
    // The refusal records the event as the machine judged it: with the facts the engine added (a list's check).
    let judged = event;
    const refusal = (): RefusalRecord => ({ account: null, subject: subjectOf(kind, id), type: judged.type, payload: judged, by: judged.by, role: judged.role, source: meta.source, at: judged.at });
    const denied = core.authorize(event.type, event.role, now);
    if (denied) return core.attempt(() => refuse(event.type, `cannot ${event.type} ${id}: ${denied.why}`, denied.kind), refusal);
    if (meta.idempotencyKey) {
      const seen = q.byKey.get({ key: meta.idempotencyKey });
      if (seen) return unchanged(spec, seen.actorId, seen.id, seen.seq);
    }
    return core.attempt(() => {
      const row = q.actor.get({ kind, id });
      if (!row) throw new BadInputError(`${kind}: no ${NOUN[kind]} ${id}`, kind);
      if (meta.expectedVersion !== undefined && row.version !== meta.expectedVersion) {
        refuse(event.type, `stale version for ${id}: expected ${meta.expectedVersion}, it is at ${row.version} (someone acted first); read it again and retry`, 'stale');
      }
      const caughtUp = catchUp(spec, id, event.at, now);
      return applyEvent(spec, id, event, { ...meta, now, caughtUp, onEnriched: (e) => { judged = e; } });
    }, refusal);
  }

  /**
   * The engine's own event on an actor (a stage's sequence from the ladder, a bounce pause), in the current
   * transaction: the actor's due timers first, then the machine. Refused: recorded, returned.
   */
  function systemInTx(kind: ActorKind, id: string, event: ActorEvent, meta: ActorMeta): ActorApplied | Refused {
    const spec = specOf(kind);
    const now = validateNow(meta.now);
    return core.attempt(() => {
      const caughtUp = catchUp(spec, id, event.at, now);
      return applyEvent(spec, id, event, { ...meta, now, caughtUp });
    }, () => ({ account: null, subject: subjectOf(kind, id), type: event.type, payload: event, by: event.by, role: event.role, source: meta.source, at: event.at }));
  }

  return {
    createInTx, submitInTx, systemInTx, fireTimerRow,
    /** Due timers of every kind, oldest first (the sweep fires them after the ladder's). */
    due: (now: string, limit: number) => q.due.all({ now, limit }),
    countDue: (now: string) => q.countDue.get({ now })?.n ?? 0,
    load(kind: ActorKind, id: string): { snapshot: AnyMachineSnapshot; version: number; state: string } | null {
      const spec = specOf(kind);
      const row = q.actor.get({ kind, id });
      if (!row) return null;
      return { snapshot: restore(row, liveMachine(spec).machine), version: row.version, state: row.state };
    },
    /** The machine of a kind under a settings version (replay, diagrams). */
    machineAt(kind: ActorKind, settingsVersion: number, settings: Settings): AnyStateMachine {
      return machineOf(specOf(kind), settingsVersion, settings).machine;
    },
    specs,
  };
}
export type Actors = ReturnType<typeof makeActors>;
