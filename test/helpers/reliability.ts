// The reliability suite's shared tools (issue 7): one invariant checker every suite reuses, a content hash
// of the database, the built CLI as a child process that can be killed, and fixtures big enough that a
// kill lands mid-work. Everything is seeded; nothing here sleeps.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { createLadderMachine, MACHINE_VERSION, type LadderMachine } from '../../machines/ladder.js';
import { DEFAULT_RULES, type RulesConfig } from '../../machines/rules/config.js';
import { stageOf, type StageAt } from '../../machines/stage.js';
import { ROLES, type LadderEvent } from '../../machines/events.js';
import type { LadderContext } from '../../machines/context.js';
import type { SignalCode } from '../../machines/types.js';
import { LEDGER_ONLY_EVENTS, persistSnapshot, type Engine } from '../../src/engine/engine.js';
import { forbidden } from '../../src/engine/roles.js';
import type { SnapshotMigration, StoredSnapshot } from '../../src/engine/upgrade.js';
import type { Store } from '../../src/store/open.js';
import type { MondayConfig } from '../../src/monday/config.js';
import { commentsFor, projectItem, sequenceText } from '../../src/monday/projection.js';
import type { SequenceContext } from '../../machines/sequence.js';
import { commentMarker } from '../../src/monday/pusher.js';
import { createTransport } from '../../src/monday/transport.js';
import { verify } from '../../src/monday/verify.js';
import type { Emulator } from '../../src/monday/emulator/index.js';
import { rng, type Rng } from '../../src/demo/random.js';
import { BIN, ROOT, ensureBuilt } from './cli.js';
import { PASSING_FACTS, TEST_SETTINGS_AT, openTestLadder } from './store.js';
import { diffSettings, importConfigFile } from '../../src/settings/edit.js';

export { BIN, ROOT, ensureBuilt, rng, type Rng };

/** A token nobody writes by accident: the secrets suite greps every output, row and log for it. */
export const SECRET_TOKEN = 'tok-RELIABILITY-7e3c91f04ab2-never-print';
export const T0 = '2026-03-02T10:00:00.000Z';
const DAY = 86_400_000;
export const at = (base: string, days: number, hours = 0) => new Date(Date.parse(base) + days * DAY + hours * 3_600_000).toISOString();
export const OPS = { by: 'ana', role: 'sales.ops' as const };
export const CRO = { by: 'marcus', role: 'cro' as const };
export const USERS = { ana: 'sales.ops', marcus: 'cro', carla: 'cmo', cole: 'chief.staff' } as const;

/** A temp folder, on tmpfs when the machine has one (these suites commit many thousands of transactions). */
export function fastTempDir(prefix = 'ladder-rel-'): { dir: string; cleanup(): void } {
  const base = existsSync('/dev/shm') ? '/dev/shm' : (process.env.TMPDIR ?? '/tmp');
  const dir = mkdtempSync(join(base, prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies a database nobody is writing to a new path (its WAL folded into the main file first). */
export function copyDb(from: string, to: string): void {
  const db = new Database(from, { fileMustExist: true });
  try { db.pragma('wal_checkpoint(TRUNCATE)'); } finally { db.close(); }
  copyFileSync(from, to);
  for (const suffix of ['-wal', '-shm']) rmSync(to + suffix, { force: true });
}

export function openEngine(path: string, o: { rules?: RulesConfig; monday?: MondayConfig; machine?: LadderMachine; machineVersion?: number; migrations?: ReadonlyMap<number, SnapshotMigration> } = {}): { store: Store; engine: Engine } {
  const machine = o.machine;
  const ladder = openTestLadder(path, {
    rules: o.rules, ...(o.monday ? { monday: o.monday } : {}),
    ...(machine ? { machineFor: () => machine } : {}),
    ...(o.machineVersion === undefined ? {} : { machineVersion: o.machineVersion }),
    ...(o.migrations === undefined ? {} : { migrations: o.migrations }),
  });
  return { store: ladder.store, engine: ladder.engine };
}

// ---- the content hash ----

/**
 * Tables a refused input may write: the records of refusals, and `runs`, the record of which command ran when
 * (process metadata, in real time, like the monday push lease).
 */
export const REFUSAL_TABLES = ['refusals', 'intake_bounces', 'escalations', 'runs'] as const;

/** Every user table's rows (in rowid order) and sqlite_sequence, minus `exclude`, as one sha256. */
export function contentHash(db: Database.Database | string, exclude: readonly string[] = REFUSAL_TABLES): string {
  const conn = typeof db === 'string' ? new Database(db, { readonly: true, fileMustExist: true }) : db;
  try {
    const h = createHash('sha256');
    const tables = conn.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").pluck().all() as string[];
    for (const t of tables) {
      if (exclude.includes(t)) continue;
      h.update(`\u0000${t}\u0000`);
      for (const row of conn.prepare(`select * from "${t}" order by rowid`).raw().iterate()) h.update(JSON.stringify(row));
    }
    if (conn.prepare("select 1 from sqlite_master where name = 'sqlite_sequence'").get()) {
      for (const row of conn.prepare('select name, seq from sqlite_sequence order by name').raw().iterate() as Iterable<[string, number]>) {
        if (!exclude.includes(row[0])) h.update(JSON.stringify(row));
      }
    }
    return h.digest('hex');
  } finally {
    if (typeof db === 'string') conn.close();
  }
}

/** Every cell of every table as text, for scanning (secrets). */
export function allCells(path: string): string[] {
  const conn = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = conn.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[];
    return tables.flatMap((t) => (conn.prepare(`select * from "${t}"`).raw().all() as unknown[][]).flat().map((v) => String(v)));
  } finally { conn.close(); }
}

// ---- the invariant checker ----

export type InvariantOptions = {
  rules?: RulesConfig;
  /** The last sweep's clock: no timer due at or before it may still be pending. */
  now?: string;
  /** The outbox was written with this board configuration: its rows must equal the machine's projection. */
  monday?: MondayConfig;
  /** The board the outbox was drained to: it must equal the machine, every comment on it exactly once. */
  emulator?: { emu: Emulator; cfg: MondayConfig; token: string };
  /** Machines by version (default: this build's machine as MACHINE_VERSION) and the migrations between them. */
  machines?: ReadonlyMap<number, LadderMachine>;
  migrations?: ReadonlyMap<number, SnapshotMigration>;
  /** Which machine version applied an event (default: every event by the newest machine). */
  writtenBy?: (eventId: number) => number;
};

type EventRow = {
  id: number; account: string; seq: number; type: string; payload: string; by: string; role: string; source: string;
  at: string; stage_before: string | null; stage_after: string; idempotency_key: string | null; settings_version: number;
};
type TimerRow = { id: number; account: string; timer_id: string; event: string; due_at: string; status: string; armed_by: number; closed_by: number | null };

const norm = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
const labelOf = (s: StageAt) => (s.substate ? `${s.stage}.${s.substate}` : s.stage);
/** 'ladder', 'ladder.SQL', 'ladder.SQL.review' for {SQL: 'review'}. */
function activePaths(value: unknown, prefix = 'ladder'): string[] {
  if (typeof value === 'string') return [prefix, `${prefix}.${value}`];
  if (value && typeof value === 'object') {
    return [prefix, ...Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => activePaths(v, `${prefix}.${k}`))];
  }
  return [prefix];
}

/**
 * Checks what must hold of a ladder database whatever happened to it (crash, concurrency, bad input,
 * upgrade, backup) and returns every violation found, as text (empty: all is well):
 * - every account's event log starts with ACCOUNT_ADDED (seq 1) and replays through the machine
 *   (initialTransition, then transition per event, each one accepted) to exactly its stored snapshot;
 * - seqs are 1..n without gaps, the row version is n, the stage columns and machine version agree;
 * - no transition recorded twice (unique (account, seq), unique idempotency keys), every accepted event names
 *   who did it with a role allowed to send it (never '' or 'unknown');
 * - stage history is one stay per move, exactly one open, equal to the stage;
 * - timers: each fired at most once by exactly one `timer:<id>` event, pending ones belong to active states,
 *   none due at or before `now` still pending;
 * - the outbox equals the machine (monday) and the board equals the machine, comments once each (emulator);
 * - PRAGMA integrity_check and foreign_key_check.
 */
export async function checkInvariants(dbPath: string, opts: InvariantOptions = {}): Promise<string[]> {
  const v: string[] = [];
  const rules = opts.rules ?? DEFAULT_RULES;
  const machines = opts.machines ?? new Map([[MACHINE_VERSION, createLadderMachine(rules)]]);
  const newest = Math.max(...machines.keys());
  const writtenBy = opts.writtenBy ?? (() => newest);
  const conn = new Database(dbPath, { readonly: true, fileMustExist: true });
  // The rules of each settings version (the database's own), unless the test names machines by version.
  const hasSettings = Boolean(conn.prepare("select 1 from sqlite_master where name = 'settings'").get());
  const rulesOf = new Map<number, RulesConfig>(hasSettings
    ? (conn.prepare('select version, body from settings').all() as { version: number; body: string }[]).map((r) => [r.version, (JSON.parse(r.body) as { rules: RulesConfig }).rules])
    : []);
  const bySettings = new Map<number, LadderMachine>();
  const machineAt = (machineVersion: number, settingsVersion: number): LadderMachine | undefined => {
    if (opts.machines) return machines.get(machineVersion);
    const rules = rulesOf.get(settingsVersion);
    if (!rules) return machines.get(machineVersion);
    return bySettings.get(settingsVersion) ?? bySettings.set(settingsVersion, createLadderMachine(rules)).get(settingsVersion)!;
  };
  try {
    const integrity = conn.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') v.push(`integrity_check: ${String(integrity)}`);
    const fk = conn.pragma('foreign_key_check') as unknown[];
    if (fk.length) v.push(`foreign_key_check: ${JSON.stringify(fk.slice(0, 5))}`);

    const dupSeq = conn.prepare('select account, seq, count(*) n from events group by account, seq having n > 1').all();
    if (dupSeq.length) v.push(`transition recorded twice (account, seq): ${JSON.stringify(dupSeq.slice(0, 5))}`);
    const dupKey = conn.prepare('select idempotency_key k, count(*) n from events where idempotency_key is not null group by k having n > 1').all();
    if (dupKey.length) v.push(`idempotency key recorded twice: ${JSON.stringify(dupKey.slice(0, 5))}`);

    const accounts = new Map((conn.prepare('select * from accounts').all() as { domain: string; name: string; hq: string; icp_score: number }[]).map((a) => [a.domain, a]));
    const actors = new Map((conn.prepare('select * from actors').all() as { account: string; machine_version: number; snapshot: string; stage: string; substate: string | null; version: number }[]).map((a) => [a.account, a]));
    const eventsBy = new Map<string, EventRow[]>();
    for (const e of conn.prepare('select * from events order by account, seq').iterate() as Iterable<EventRow>) {
      (eventsBy.get(e.account) ?? eventsBy.set(e.account, []).get(e.account)!).push(e);
    }
    const staysBy = new Map<string, { stage: string; substate: string | null; entered_by: number; exited_by: number | null; exited_at: string | null }[]>();
    for (const s of conn.prepare('select * from stage_history order by account, id').iterate() as Iterable<{ account: string; stage: string; substate: string | null; entered_by: number; exited_by: number | null; exited_at: string | null }>) {
      (staysBy.get(s.account) ?? staysBy.set(s.account, []).get(s.account)!).push(s);
    }
    const timers = conn.prepare('select * from timers').all() as TimerRow[];
    const pendingBy = new Map<string, TimerRow[]>();
    for (const t of timers) if (t.status === 'pending') (pendingBy.get(t.account) ?? pendingBy.set(t.account, []).get(t.account)!).push(t);
    const hasMonday = Boolean(conn.prepare("select 1 from sqlite_master where name = 'monday_items'").get());
    const comments = new Map<string, { key: string; body: string; account: string }>();
    const items = new Map<string, { desired: string }>();
    if (hasMonday && opts.monday) {
      for (const c of conn.prepare('select account, key, body from monday_comments').all() as { key: string; body: string; account: string }[]) comments.set(c.key, c);
      for (const i of conn.prepare('select account, desired from monday_items').all() as { account: string; desired: string }[]) items.set(i.account, i);
    }
    const expectedComments = new Set<string>();

    for (const domain of accounts.keys()) if (!actors.has(domain)) v.push(`${domain}: an account without an actor`);
    for (const [account, actor] of actors) {
      const evs = eventsBy.get(account) ?? [];
      const where = (e: EventRow) => `${account} #${e.seq} ${e.type}`;
      if (!accounts.has(account)) v.push(`${account}: an actor without an account`);
      if (evs.length === 0 || evs[0]!.type !== 'ACCOUNT_ADDED' || evs[0]!.seq !== 1) { v.push(`${account}: the log does not start with ACCOUNT_ADDED as seq 1`); continue; }
      evs.forEach((e, i) => { if (e.seq !== i + 1) v.push(`${account}: seq ${e.seq} where ${i + 1} was expected (a gap or a duplicate)`); });
      if (actor.version !== evs.length) v.push(`${account}: row version ${actor.version} but ${evs.length} events`);

      // Time cannot rewrite history (issue 11): an account's events are in time order.
      for (let i = 1; i < evs.length; i++) if (evs[i]!.at < evs[i - 1]!.at) v.push(`${account} #${evs[i]!.seq} ${evs[i]!.type} at ${evs[i]!.at} is before #${evs[i - 1]!.seq} at ${evs[i - 1]!.at}`);

      // Replay: the first event's input through initialTransition, then every event through transition(), each
      // under the rules in force when it was applied (its settings version), by the machine version that wrote it.
      const addedPayload = JSON.parse(evs[0]!.payload) as { input: Parameters<typeof initialTransition>[1] };
      let version = writtenBy(evs[0]!.id);
      let machine = machineAt(version, evs[0]!.settings_version);
      if (!machine) { v.push(`${account}: no machine v${version} to replay with`); continue; }
      let [snap] = initialTransition(machine, addedPayload.input) as [AnyMachineSnapshot, unknown];
      // LQ 4 Reject, "do not add to board": an account gets its item (and comments) from its first transition
      // at a tier other than Reject; one re-tiered to Reject afterwards keeps it.
      let onBoard = (snap.context as LadderContext).tier !== 'Reject';
      let broken = false;
      const moves: number[] = [evs[0]!.id];
      for (const e of evs.slice(1)) {
        const wanted = writtenBy(e.id);
        while (version < wanted) {
          const step = opts.migrations?.get(version);
          const to = machineAt(version + 1, e.settings_version);
          if (!step || !to) { v.push(`${account}: cannot replay across v${version} → v${version + 1}`); broken = true; break; }
          snap = to.resolveState(step(JSON.parse(persistSnapshot(snap)) as StoredSnapshot) as Parameters<typeof to.resolveState>[0]);
          machine = to; version++;
        }
        if (broken) break;
        machine = machineAt(version, e.settings_version) ?? machine;
        if (LEDGER_ONLY_EVENTS.includes(e.type)) {
          // Not the machine's (ACCOUNT_ENRICHED): the stage stays.
          const here = labelOf(stageOf(snap.value));
          if (e.stage_before !== here || e.stage_after !== here) v.push(`${where(e)}: logged ${e.stage_before} → ${e.stage_after}, but the account was ${here}`);
          continue;
        }
        const event = JSON.parse(e.payload) as LadderEvent;
        if (!snap.can(event)) { v.push(`${where(e)}: the machine would not accept this recorded event (replayed state ${JSON.stringify(snap.value)})`); broken = true; break; }
        const before = stageOf(snap.value);
        const prev = snap.context as LadderContext;
        const [next] = transition(machine, snap, event) as [AnyMachineSnapshot, unknown];
        const after = stageOf(next.value);
        if ((e.stage_before ?? null) !== labelOf(before) || e.stage_after !== labelOf(after)) {
          v.push(`${where(e)}: logged ${e.stage_before} → ${e.stage_after}, replay says ${labelOf(before)} → ${labelOf(after)}`);
        }
        if (before.stage !== after.stage || before.substate !== after.substate) moves.push(e.id);
        onBoard ||= (next.context as LadderContext).tier !== 'Reject';
        if (opts.monday && onBoard) {
          for (const c of commentsFor({ event, eventId: e.id, before, after, prev, next: next.context as LadderContext, rules })) {
            expectedComments.add(c.key);
            const row = comments.get(c.key);
            if (!row) v.push(`${where(e)}: the outbox lacks its comment ${c.key}`);
            else if (row.body !== c.body || row.account !== account) v.push(`${where(e)}: outbox comment ${c.key} differs from what the transition owes`);
          }
        }
        snap = next;
      }
      if (broken) continue;
      const stored = JSON.parse(actor.snapshot) as { status?: string; value: unknown; context: unknown };
      const last = evs[evs.length - 1]!;
      const storedVersion = writtenBy(last.id);
      if (actor.machine_version !== storedVersion) v.push(`${account}: stored with machine v${actor.machine_version}, last written by v${storedVersion}`);
      if (JSON.stringify(norm(stored.value)) !== JSON.stringify(norm(snap.value))) {
        v.push(`${account}: stored value ${JSON.stringify(stored.value)} but the log replays to ${JSON.stringify(snap.value)}`);
      }
      const a = norm(stored.context) as Record<string, unknown>;
      const b = norm(snap.context) as Record<string, unknown>;
      const diff = Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
      if (diff.length) v.push(`${account}: stored context differs from the replay in ${diff.join(', ')}`);
      if ((stored.status ?? 'active') !== snap.status) v.push(`${account}: stored status ${stored.status} but replay ${snap.status}`);
      const st = stageOf(stored.value);
      if (actor.stage !== st.stage || (actor.substate ?? null) !== st.substate) v.push(`${account}: stage columns ${actor.stage}/${actor.substate} but the snapshot is ${labelOf(st)}`);

      // Stage history: one stay per move, the open one equal to the stage.
      const stays = staysBy.get(account) ?? [];
      if (stays.length !== moves.length) v.push(`${account}: ${stays.length} stays in stage_history for ${moves.length} entries`);
      stays.forEach((s, i) => {
        if (s.entered_by !== moves[i]) v.push(`${account}: stay ${i + 1} (${s.stage}) entered by event ${s.entered_by}, expected ${moves[i]}`);
        const open = s.exited_at === null;
        if (open !== (i === stays.length - 1)) v.push(`${account}: stay ${i + 1} (${s.stage}) is ${open ? 'open' : 'closed'}`);
        if (!open && s.exited_by !== moves[i + 1]) v.push(`${account}: stay ${i + 1} exited by ${s.exited_by}, expected ${moves[i + 1]}`);
      });
      // The open stay was written by the machine of its time: compared through the migrations since (a renamed
      // state keeps its old name in stage_history; snapshot migrations do not rewrite history rows).
      const openStay = stays[stays.length - 1];
      if (openStay) {
        let value: unknown = openStay.substate ? { [openStay.stage]: openStay.substate } : openStay.stage;
        for (let ver = writtenBy(openStay.entered_by); ver < actor.machine_version; ver++) {
          const step = opts.migrations?.get(ver);
          if (step) value = step({ value, context: {} }).value;
        }
        if (labelOf(stageOf(value)) !== labelOf(st)) v.push(`${account}: open stay ${openStay.stage}/${openStay.substate} but the stage is ${labelOf(st)}`);
      }

      // Pending timers belong to states that are active now.
      const paths = new Set(activePaths(stored.value));
      for (const t of pendingBy.get(account) ?? []) {
        const statePath = t.timer_id.split('.').slice(3).join('.');
        if (!paths.has(statePath)) v.push(`${account}: timer ${t.id} (${t.timer_id}) pending while ${labelOf(st)}`);
      }

      if (opts.monday) {
        const acct = accounts.get(account)!;
        const seq = conn.prepare(`select state, snapshot from machine_actors where kind = 'sequence' and id = ?`).get(account) as { state: string; snapshot: string } | undefined;
        const seqText = sequenceText(seq?.state, seq ? (JSON.parse(seq.snapshot) as { context: SequenceContext }).context : undefined);
        const want = JSON.stringify(projectItem({ domain: acct.domain, name: acct.name, hq: acct.hq, icpScore: acct.icp_score }, stored.context as LadderContext, st, opts.monday, seqText));
        const row = items.get(account);
        if (!onBoard) { if (row) v.push(`${account}: a monday_items row for an account that was never off tier Reject (LQ 4: do not add to board)`); }
        else if (!row) v.push(`${account}: no monday_items row (the outbox lost it)`);
        else if (row.desired !== want) v.push(`${account}: the outbox's desired values differ from the machine's projection`);
      }
    }
    for (const account of eventsBy.keys()) if (!actors.has(account)) v.push(`${account}: events without an actor`);
    if (opts.monday) for (const key of comments.keys()) if (!expectedComments.has(key)) v.push(`outbox comment ${key} was owed by no recorded transition`);

    // Who did it.
    const allEvents = [...eventsBy.values()].flat();
    for (const e of allEvents) {
      if (!e.by?.trim() || !e.role?.trim() || e.by === 'unknown' || e.role === 'unknown') v.push(`${e.account} #${e.seq} ${e.type}: does not say who did it (by "${e.by}", role "${e.role}")`);
      else if (!(ROLES as readonly string[]).includes(e.role)) v.push(`${e.account} #${e.seq}: unknown role ${e.role}`);
      else {
        const denied = forbidden(e.type, e.role);
        if (denied) v.push(`${e.account} #${e.seq} ${e.type} accepted from ${e.by} (${e.role}): ${denied}`);
      }
    }

    // Timers: each fired at most once, by exactly one timer:<id> event; none due left pending.
    const timerEvents = new Map<number, EventRow[]>();
    for (const e of allEvents) {
      if (e.type.startsWith('xstate.after.') !== (e.idempotency_key?.startsWith('timer:') ?? false)) v.push(`${e.account} #${e.seq} ${e.type}: timer events and timer:<id> keys must go together (key ${e.idempotency_key})`);
      if (e.idempotency_key?.startsWith('timer:')) {
        const id = Number(e.idempotency_key.slice(6));
        (timerEvents.get(id) ?? timerEvents.set(id, []).get(id)!).push(e);
      }
    }
    const byId = new Map(timers.map((t) => [t.id, t]));
    for (const [id, evs] of timerEvents) {
      const t = byId.get(id);
      if (evs.length > 1) v.push(`timer ${id} fired ${evs.length} times`);
      if (!t) { v.push(`event for timer ${id}, which does not exist`); continue; }
      const e = evs[0]!;
      if (t.status !== 'fired' || t.closed_by !== e.id) v.push(`timer ${id} has event ${e.id} but is ${t.status} (closed by ${t.closed_by})`);
      if ((JSON.parse(t.event) as { type: string }).type !== e.type || t.account !== e.account || e.at !== t.due_at) v.push(`timer ${id} (${t.timer_id} due ${t.due_at}) fired as ${e.type} at ${e.at} on ${e.account}`);
    }
    for (const t of timers) {
      if (t.status === 'fired' && !timerEvents.has(t.id)) v.push(`timer ${t.id} is fired but no event fired it`);
      if (opts.now && t.status === 'pending' && t.due_at <= new Date(Date.parse(opts.now)).toISOString()) v.push(`timer ${t.id} (${t.account} ${t.timer_id}) was due ${t.due_at} and is still pending`);
    }
    const twoPending = conn.prepare("select account, timer_id, count(*) n from timers where status = 'pending' group by 1, 2 having n > 1").all();
    if (twoPending.length) v.push(`timers pending twice: ${JSON.stringify(twoPending.slice(0, 5))}`);
    // A timer the machine refused is closed without an event (cancelled, closed by nothing) and recorded once as
    // a refusal of its own event (issue 11: one refusal rule on every path), never retried.
    const timerRefusals = new Map<number, { type: string; account: string | null }[]>();
    for (const r of conn.prepare("select account, type, payload from refusals where source = 'timer'").all() as { account: string | null; type: string; payload: string }[]) {
      const id = (JSON.parse(r.payload) as { timer?: number }).timer;
      if (typeof id !== 'number') { v.push(`a timer refusal (${r.type} on ${r.account}) names no timer`); continue; }
      (timerRefusals.get(id) ?? timerRefusals.set(id, []).get(id)!).push(r);
    }
    for (const t of timers) {
      const refused = timerRefusals.get(t.id) ?? [];
      const closedUnfired = t.status === 'cancelled' && t.closed_by === null;
      if (closedUnfired && refused.length !== 1) v.push(`timer ${t.id} (${t.account} ${t.timer_id}) was closed without an event and has ${refused.length} refusal records`);
      if (!closedUnfired && refused.length) v.push(`timer ${t.id} (${t.account} ${t.timer_id}) is ${t.status} (closed by ${t.closed_by}) but was recorded as refused`);
      for (const r of refused) if (r.account !== t.account || r.type !== (JSON.parse(t.event) as { type: string }).type) v.push(`timer ${t.id} (${t.account} ${t.timer_id}) refused as ${r.type} on ${r.account}`);
    }
    for (const id of timerRefusals.keys()) if (!byId.has(id)) v.push(`a refusal of timer ${id}, which does not exist`);
  } finally {
    conn.close();
  }
  if (opts.emulator) v.push(...(await boardViolations(dbPath, opts.emulator, rules)));
  return v;
}

/** The outbox is drained and the board equals the machine; every comment is on its item exactly once. */
async function boardViolations(dbPath: string, o: NonNullable<InvariantOptions['emulator']>, rules: RulesConfig): Promise<string[]> {
  const v: string[] = [];
  const { store, engine } = openEngine(dbPath, { rules });
  try {
    const items = store.sqlite.prepare('select * from monday_items').all() as { account: string; item_id: string | null; state: string; desired_version: number; pushed_version: number }[];
    for (const i of items) {
      if (i.state !== 'ok' || !i.item_id || i.pushed_version < i.desired_version) v.push(`outbox item ${i.account} not drained (${i.state}, item ${i.item_id}, v${i.pushed_version}/${i.desired_version})`);
    }
    const rows = store.sqlite.prepare('select c.*, i.item_id from monday_comments c left join monday_items i on i.account = c.account').all() as { key: string; account: string; body: string; status: string; item_id: string | null }[];
    const markers = new Map<string, number>();
    const bodies = new Map<string, string[]>();
    for (const it of o.emu.state.items(o.cfg.boardId)) {
      const ups = o.emu.state.updates(it.id).map((u) => u.body);
      bodies.set(it.id, ups);
      for (const b of ups) for (const m of b.matchAll(/\[ladder:([^\]]+)\]/g)) markers.set(m[1]!, (markers.get(m[1]!) ?? 0) + 1);
    }
    for (const [key, n] of markers) if (n > 1) v.push(`comment ${key} is on the board ${n} times`);
    for (const r of rows) {
      if (r.status !== 'posted') { v.push(`comment ${r.key} on ${r.account} is ${r.status}`); continue; }
      const want = `${r.body}\n\n${commentMarker(r.key)}`;
      const copies = (r.item_id ? bodies.get(r.item_id) ?? [] : []).filter((b) => b === want).length;
      if (copies !== 1) v.push(`comment ${r.key} on ${r.account}: ${copies} copies on item ${r.item_id}`);
    }
    const perDomain = new Map<string, number>();
    for (const it of o.emu.state.items(o.cfg.boardId)) {
      const d = it.columns[o.cfg.columns.domain]?.text ?? '';
      perDomain.set(d, (perDomain.get(d) ?? 0) + 1);
    }
    for (const [d, n] of perDomain) if (n > 1) v.push(`${n} items on the board for ${d}`);
    const transport = createTransport({ endpoint: o.emu.url, token: o.token, apiVersion: o.cfg.apiVersion, timeoutMs: 10_000 });
    const r = await verify(engine, o.cfg, transport, { repair: false, now: new Date().toISOString(), sleep: async () => {} });
    if (r.error) v.push(`verify: ${r.error}`);
    for (const d of r.drift.slice(0, 10)) v.push(`drift ${d.account} ${d.column}: board "${d.board}" ≠ machine "${d.machine}"`);
    if (r.drift.length > 10) v.push(`… ${r.drift.length - 10} more drifted values`);
    for (const a of r.accountsWithoutItem) v.push(`no item on the board for ${a}`);
    for (const i of r.itemsWithoutAccount) v.push(`item ${i.itemId} (${i.domain}) has no account`);
  } finally {
    store.close();
  }
  return v;
}

// ---- the built CLI as a child process ----

export type Spawned = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number; killed: boolean; args: string[] };

/** The test environment of a child: no LADDER_ or MONDAY_ variable leaks in from the caller. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [k, val] of Object.entries(process.env)) if (!k.startsWith('LADDER_') && !k.startsWith('MONDAY_')) env[k] = val;
  return { ...env, ...extra };
}

/**
 * Runs `node dist/src/cli/index.js ARGS`; with killAfterMs, sends SIGKILL after that many milliseconds
 * (the only timing in the suite: the crash harness kills at a random point of a real run).
 */
export function spawnLadder(args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv; killAfterMs?: number; timeoutMs?: number }): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd, env: o.env ?? childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = ''; let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const kill = o.killAfterMs === undefined ? null : setTimeout(() => { killed = child.exitCode === null && child.signalCode === null; if (killed) child.kill('SIGKILL'); }, o.killAfterMs);
    const guard = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (kill) clearTimeout(kill);
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, killed, args });
    });
  });
}

/** A ladder.config.json (users, and rules or a board when given), for `ladder settings import`. */
export function writeConfig(dir: string, o: { monday?: Record<string, unknown>; rules?: Record<string, unknown>; name?: string } = {}): string {
  const path = join(dir, o.name ?? 'ladder.config.json');
  writeFileSync(path, JSON.stringify({ users: USERS, ...(o.rules ? { rules: o.rules } : {}), ...(o.monday ? { monday: o.monday } : {}) }, null, 2));
  return path;
}

/**
 * The database's settings as a configuration file would set them (users, and rules or a board when given):
 * what `ladder settings import` does, in-process. Creates the database when it does not exist yet.
 */
export function importSettings(db: string, o: { monday?: Record<string, unknown>; rules?: Record<string, unknown> } = {}): void {
  const ladder = openTestLadder(db);
  try {
    const next = importConfigFile(ladder.engine.settings, { users: USERS, ...(o.rules ? { rules: o.rules } : {}), ...(o.monday ? { monday: o.monday } : {}) }, 'test settings');
    if (diffSettings(ladder.engine.settings, next).length) ladder.engine.changeSettings(() => next, { by: 'test', role: 'sales.ops', now: TEST_SETTINGS_AT, change: 'test settings', source: 'cli' });
  } finally { ladder.close(); }
}

// ---- fixtures ----

const SCORES3 = { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' } as const;
/** A contact's LinkedIn profile (contacts are LinkedIn profiles or e-mail addresses on every path). */
export const contact = (i: number | string) => `https://www.linkedin.com/in/c${i}`;
/** A fixture step that must be applied: a refusal in a fixture is a broken fixture. */
function must<T extends { status: string }>(r: T): T {
  if (r.status === 'refused') throw new Error(`fixture step refused: ${(r as unknown as { why: string }).why}`);
  return r;
}
export const sig = (id: string, code: SignalCode, contact: string, when: string) =>
  ({ type: 'SIGNAL' as const, signal: { id, code, contact, at: when, ...(code === 'E1' ? { interaction: 'comment' as const } : {}) } });

/**
 * Accounts whose timers fall due by `sweepAt` (T0 + 200 days), about two firings per account: a fifth MQLs
 * (MQL_STALE at +90d), half fast-tracked SQLs (DOSSIER_SLA, then SQL_STALE at +30d, whose MQL re-arms
 * MQL_STALE due at +120d: chains across batches), a tenth SQLs at review (REVIEW_SLA, SQL_STALE), a tenth
 * engaged recently (not due) and a tenth without timers.
 * Returns how many accounts; the outbox hook writes the board's rows when `monday` is given.
 */
export function buildSweepFixture(path: string, n: number, seed: number, monday?: MondayConfig): { accounts: number; sweepAt: string } {
  const { store, engine } = openEngine(path, { monday });
  const r = rng(seed);
  try {
    engine.batch((ops) => {
      for (let i = 0; i < n; i++) {
        const d = `sweep${i}.example.com`;
        const when = at(T0, 0, r.int(0, 72));
        must(ops.addAccount({ domain: d, name: `Sweep ${i}`, hq: 'Berlin', tier: 'Tier 1', icpScore: 70, facts: PASSING_FACTS }, { ...OPS, at: when, now: when, source: 'cli' }));
        const kind = i % 10;
        const send = (body: Record<string, unknown>, t: string, who: typeof OPS | typeof CRO = OPS) => must(ops.submit({ account: d, source: 'cli', now: t, event: { ...body, at: t, ...who } as LadderEvent }));
        if (kind <= 1) send(sig(`s${i}`, 'E1', contact(i), when), when);
        else if (kind <= 6) send(sig(`s${i}`, 'E3', contact(i), when), when);
        else if (kind === 7) { send(sig(`s${i}`, 'E3', contact(i), when), when); send({ type: 'DOSSIER', scores: SCORES3 }, when); }
        else if (kind === 8) send(sig(`s${i}`, 'E1', contact(i), at(T0, 150)), at(T0, 150));
      }
    });
  } finally { store.close(); }
  return { accounts: n, sweepAt: at(T0, 200) };
}

/**
 * Accounts with outbox work: each added, classified (MQL comment), with a dossier (SQL review comment) and,
 * for two in three, a CRO decision (another comment): hundreds of items and comments pending.
 */
export function buildPushFixture(path: string, n: number, monday: MondayConfig): { accounts: number; comments: number } {
  const { store, engine } = openEngine(path, { monday });
  try {
    engine.batch((ops) => {
      for (let i = 0; i < n; i++) {
        const d = `push${i}.example.com`;
        const when = at(T0, 0, i % 24);
        must(ops.addAccount({ domain: d, name: `Push Co ${i}`, hq: i % 2 ? 'Berlin' : 'Austin', tier: i % 3 ? 'Tier 1' : 'Tier 2', icpScore: 50 + (i % 50), facts: PASSING_FACTS }, { ...OPS, at: when, now: when, source: 'cli' }));
        const send = (body: Record<string, unknown>, who: typeof OPS | typeof CRO = OPS) => must(ops.submit({ account: d, source: 'cli', now: when, event: { ...body, at: when, ...who } as LadderEvent }));
        send(sig(`p${i}`, 'E1', contact(i), when));
        send({ type: 'DOSSIER', scores: SCORES3, evidence: { S1: `partner revenue ${i}` } });
        if (i % 3 === 0) send({ type: 'CRO_CONFIRM', note: `go ${i}` }, CRO);
        if (i % 3 === 1) send({ type: 'CRO_DISPUTE', reason: `weak S3 ${i}` }, CRO);
      }
    });
    const comments = store.sqlite.prepare('select count(*) from monday_comments').pluck().get() as number;
    return { accounts: n, comments };
  } finally { store.close(); }
}

/**
 * An import file of `n` rows: mostly unique, a tenth duplicates (some within a chunk of 1000, some across
 * chunks, some richer than the first), some rejected (bad domain, missing HQ, score out of range), some Tier Reject.
 */
export function writeImportCsv(path: string, n: number, seed: number): void {
  const r = rng(seed);
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lines = ['Name,Domain,HQ Location,Tier,ICP Score,Industry'];
  for (let i = 0; i < n; i++) {
    const roll = r.next();
    let domain = `imp${i}.example.com`;
    let hq = r.pick(['Berlin', 'Austin', 'São Paulo', 'Zürich']);
    let score = String(r.int(0, 100));
    let tier = r.pick(['Tier 1', 'Tier 2', 'Tier 3', 'Network', 'T1', '2']);
    let industry = '';
    if (roll < 0.05 && i > 10) { domain = `https://www.IMP${i - r.int(1, 10)}.example.com/about`; industry = 'SaaS'; } // duplicate, same chunk
    else if (roll < 0.08 && i > 1500) domain = `imp${r.int(0, i - 1200)}.example.com`; // duplicate, an earlier chunk
    else if (roll < 0.10) domain = r.pick(['not a domain', 'acme', '192.168.0.1', "x'; DROP TABLE accounts;--.com"]);
    else if (roll < 0.11) hq = '';
    else if (roll < 0.12) score = '140';
    else if (roll < 0.14) tier = 'Reject';
    lines.push([q(`Company ${i} "Ltd"`), domain, q(hq), tier, score, industry].join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Rows of `table` as JSON strings without the listed columns, for comparing two databases. */
export function tableRows(path: string, table: string, drop: readonly string[] = []): string[] {
  const conn = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (conn.prepare(`select * from "${table}" order by rowid`).all() as Record<string, unknown>[])
      .map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).filter(([k]) => !drop.includes(k)))));
  } finally { conn.close(); }
}

export function scalar<T = number>(path: string, sql: string, ...params: unknown[]): T {
  const conn = new Database(path, { readonly: true, fileMustExist: true });
  try { return conn.prepare(sql).pluck().get(...params) as T; } finally { conn.close(); }
}

/** Where two databases differ, table by table (first rows only), for a failure message. */
export function diffDatabases(a: string, b: string, skip: readonly string[] = []): string[] {
  const ca = new Database(a, { readonly: true, fileMustExist: true });
  const cb = new Database(b, { readonly: true, fileMustExist: true });
  try {
    const tables = ca.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").pluck().all() as string[];
    const out: string[] = [];
    for (const t of tables) {
      if (skip.includes(t)) continue;
      const ra = ca.prepare(`select * from "${t}" order by rowid`).all();
      const rb = cb.prepare(`select * from "${t}" order by rowid`).all();
      if (ra.length !== rb.length) out.push(`${t}: ${ra.length} rows vs ${rb.length}`);
      for (let i = 0, shown = 0; i < Math.min(ra.length, rb.length) && shown < 2; i++) {
        const x = JSON.stringify(ra[i]); const y = JSON.stringify(rb[i]);
        if (x !== y) { shown++; out.push(`${t} row ${i + 1}:\n    ${x.slice(0, 400)}\n    ${y.slice(0, 400)}`); }
      }
    }
    return out;
  } finally { ca.close(); cb.close(); }
}

/**
 * The suites that spawn the CLI test dist/: a build older than the sources would test yesterday's code (or,
 * worse, replay today's machine against logs written by yesterday's). Returns the stale sources.
 */
export function staleBuild(): string[] {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = join(dir, f.name);
      if (f.isDirectory()) walk(rel);
      else if (f.name.endsWith('.ts')) {
        const built = join(ROOT, 'dist', rel.replace(/\.ts$/, '.js'));
        if (!existsSync(built) || statSync(built).mtimeMs + 1000 < statSync(join(ROOT, rel)).mtimeMs) stale.push(rel);
      }
    }
  };
  walk('machines'); walk('src');
  return stale;
}
