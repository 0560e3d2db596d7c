// Replaying the log (issue 11): an account's stored snapshot must be what its events give when each is run
// through the machine under the rules that were in force when it was applied (its settings version). This is
// what makes a rules change auditable, and what the calibration lab replays under other rules (HO 6.3).
// Reads only.
import { and, asc, eq } from 'drizzle-orm';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { LadderEvent } from '../../machines/events.js';
import type { LadderInput } from '../../machines/context.js';
import { actors, events, machineActors, machineEvents } from '../store/schema.js';
import type { ActorKind } from './actors.js';
import { LEDGER_ONLY_EVENTS, persistSnapshot, type Engine } from './engine.js';
import { upgradeSnapshot } from './upgrade.js';

export type ReplayResult = {
  account: string;
  events: number;
  /** The settings versions the log was applied under. */
  settingsVersions: number[];
  /**
   * `equal` or `differs`; `older machine` when part of the log was applied by an older machine version (a
   * database from before an upgrade): this ladder has only its own machine, so that log is not replayed.
   */
  status: 'equal' | 'differs' | 'older machine';
  equal: boolean;
  /** What differs: `value`, `status`, or a context field; or which older machine versions wrote the log. */
  differs: string[];
};

const norm = (x: unknown) => JSON.parse(JSON.stringify(x)) as Record<string, unknown>;

/** Replays one account's log, each event by the machine of its settings version's rules. */
export function replayAccount(engine: Engine, account: string): ReplayResult {
  const { db } = engine.store;
  const rows = db.select().from(events).where(eq(events.account, account)).orderBy(asc(events.seq)).all();
  const actor = db.select().from(actors).where(eq(actors.account, account)).get();
  if (!actor || rows.length === 0 || rows[0]!.type !== 'ACCOUNT_ADDED') {
    return { account, events: rows.length, settingsVersions: [], status: 'differs', equal: false, differs: ['log: it does not start with ACCOUNT_ADDED'] };
  }
  const older = [...new Set(rows.filter((r) => r.machineVersion < engine.machineVersion).map((r) => r.machineVersion))];
  if (older.length) {
    return { account, events: rows.length, settingsVersions: [...new Set(rows.map((r) => r.settingsVersion))], status: 'older machine', equal: false, differs: older.map((v) => `machine v${v}`) };
  }
  const versions = new Set<number>();
  let snap: AnyMachineSnapshot | null = null;
  for (const row of rows) {
    versions.add(row.settingsVersion);
    const { machine } = engine.settingsAt(row.settingsVersion);
    if (row.type === 'ACCOUNT_ADDED') {
      [snap] = initialTransition(machine, (JSON.parse(row.payload) as { input: LadderInput }).input);
      continue;
    }
    if (LEDGER_ONLY_EVENTS.includes(row.type)) continue;
    // A snapshot carries no machine reference of its own: it is resolved by the machine of this event's rules.
    const current = machine.resolveState(JSON.parse(persistSnapshot(snap!)));
    [snap] = transition(machine, current, JSON.parse(row.payload) as LadderEvent);
  }
  const stored = upgradeSnapshot(JSON.parse(actor.snapshot), actor.machineVersion, account, engine.machineVersion);
  const replayed = norm(JSON.parse(persistSnapshot(snap!)));
  const differs: string[] = [];
  if (JSON.stringify(norm(stored.value)) !== JSON.stringify(replayed.value)) differs.push('value');
  if ((stored.status ?? 'active') !== replayed.status) differs.push('status');
  const a = norm(stored.context);
  const b = replayed.context as Record<string, unknown>;
  for (const k of Object.keys({ ...a, ...b })) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) differs.push(`context.${k}`);
  return { account, events: rows.length, settingsVersions: [...versions].sort((x, y) => x - y), status: differs.length ? 'differs' : 'equal', equal: differs.length === 0, differs };
}

/** Every account, in domain order. */
export function replayAll(engine: Engine): ReplayResult[] {
  const accounts = engine.store.db.select({ account: actors.account }).from(actors).orderBy(asc(actors.account)).all();
  return accounts.map((a) => replayAccount(engine, a.account));
}

/**
 * The same for an actor of another machine (a template version's approval, a recipient list, issue 14): its first
 * event carries the machine's input; each event is run by the machine of its settings version.
 */
export function replayActor(engine: Engine, kind: ActorKind, id: string): ReplayResult {
  const { db } = engine.store;
  const name = `${kind}:${id}`;
  const rows = db.select().from(machineEvents).where(and(eq(machineEvents.kind, kind), eq(machineEvents.actorId, id))).orderBy(asc(machineEvents.seq)).all();
  const actor = db.select().from(machineActors).where(and(eq(machineActors.kind, kind), eq(machineActors.id, id))).get();
  const first = rows[0] ? (JSON.parse(rows[0].payload) as { input?: unknown }) : null;
  if (!actor || !first?.input) return { account: name, events: rows.length, settingsVersions: [], status: 'differs', equal: false, differs: ['log: its first event carries no input'] };
  const versions = new Set<number>();
  let snap: AnyMachineSnapshot | null = null;
  for (const row of rows) {
    versions.add(row.settingsVersion);
    const machine = engine.templates.machineAt(kind, row.settingsVersion);
    if (row.seq === 1) { [snap] = initialTransition(machine, first.input); continue; }
    const current = machine.resolveState(JSON.parse(persistSnapshot(snap!)));
    [snap] = transition(machine, current, JSON.parse(row.payload) as { type: string });
  }
  const stored = JSON.parse(actor.snapshot) as { value: unknown; status?: string; context: unknown };
  const replayed = norm(JSON.parse(persistSnapshot(snap!)));
  const differs: string[] = [];
  if (JSON.stringify(norm(stored.value)) !== JSON.stringify(replayed.value)) differs.push('value');
  if ((stored.status ?? 'active') !== replayed.status) differs.push('status');
  const a = norm(stored.context);
  const b = replayed.context as Record<string, unknown>;
  for (const k of Object.keys({ ...a, ...b })) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) differs.push(`context.${k}`);
  return { account: name, events: rows.length, settingsVersions: [...versions].sort((x, y) => x - y), status: differs.length ? 'differs' : 'equal', equal: differs.length === 0, differs };
}

/** Every actor of the other machines, in kind and id order. */
export function replayActors(engine: Engine): ReplayResult[] {
  return engine.store.db.select({ kind: machineActors.kind, id: machineActors.id }).from(machineActors).orderBy(asc(machineActors.kind), asc(machineActors.id)).all()
    .map((a) => replayActor(engine, a.kind as ActorKind, a.id));
}
