// Issue 7.4, machine upgrades: every stored snapshot carries the machine version that wrote it. Below, "v1" is
// this build's machine (MACHINE_VERSION) and "v2" a next version built by the test. A v2 machine
// (the ladder with BRIEFING_READY renamed BRIEFING_SCHEDULED) and a registered v1→v2 migration take over a
// database written by v1 (a real file): snapshots upgrade on load, events and timers keep flowing, and the
// whole log still replays (v1 events through v1, the migration, v2 events through v2). Without the
// migration, loading refuses with MachineVersionError instead of guessing; a snapshot newer than the
// engine is refused too, by the engine and by the built CLI, and nothing is written either way. The other kind
// of change, a state added (NURTURE after the recycle cooldown), goes through an identity migration that must
// still be registered; the v1 timer then fires through v2 into the new state.
import { createMachine } from 'xstate';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLadderMachine, MACHINE_VERSION, type LadderMachine } from '../../machines/ladder.js';
import { DEFAULT_RULES } from '../../machines/rules/config.js';
import { sweep } from '../../src/engine/sweep.js';
import { MachineVersionError, SNAPSHOT_MIGRATIONS, type SnapshotMigration } from '../../src/engine/upgrade.js';
import Database from 'better-sqlite3';
import type { LadderEvent } from '../../machines/events.js';
import {
  CRO, OPS, T0, at, checkInvariants, childEnv, contentHash, copyDb, ensureBuilt, fastTempDir, importSettings, openEngine, scalar, sig, spawnLadder, staleBuild,
} from '../helpers/reliability.js';
import { PASSING_FACTS, SYSTEM } from '../helpers/store.js';

const V1 = MACHINE_VERSION;
const V2 = V1 + 1;
const tmp = fastTempDir('ladder-upgrade-');
const V1_DB = join(tmp.dir, 'v1.db');
afterAll(() => tmp.cleanup());

/** A deep copy of a machine config with a state renamed (keys and every `#ladder.FROM…` target); functions kept. */
function renamed(config: unknown, from: string, to: string): unknown {
  if (Array.isArray(config)) return config.map((x) => renamed(x, from, to));
  if (typeof config === 'string') return config === `#ladder.${from}` || config.startsWith(`#ladder.${from}.`) ? config.replace(`#ladder.${from}`, `#ladder.${to}`) : config;
  if (config && typeof config === 'object' && Object.getPrototypeOf(config) === Object.prototype) {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k === from ? to : k, renamed(v, from, to)]));
  }
  return config;
}

/** v2: the same rules, the Briefing stage named for what it is. */
function machineV2(): LadderMachine {
  const v1 = createLadderMachine(DEFAULT_RULES);
  return createMachine(renamed(v1.config, 'BRIEFING_READY', 'BRIEFING_SCHEDULED') as typeof v1.config, v1.implementations as never) as unknown as LadderMachine;
}
/**
 * The other kind of change, a state added: v2 gives recycled accounts their own nurture pool. RECYCLED's 90-day
 * cooldown lands in the new NURTURE state (MQL's rules under a name of its own) instead of MQL. Every v1 state
 * still exists, so the registered migration is the identity, but it must be registered all the same.
 */
function machineWithNurture(): LadderMachine {
  const v1 = createLadderMachine(DEFAULT_RULES);
  const config = copyOf(v1.config) as { states: Record<string, { after?: Record<string, { target: string }> }> };
  config.states.NURTURE = copyOf(config.states.MQL) as (typeof config.states)[string];
  config.states.RECYCLED!.after!.RECYCLE_COOLDOWN!.target = 'NURTURE';
  return createMachine(config as typeof v1.config, v1.implementations as never) as unknown as LadderMachine;
}
/** A deep copy of a machine config (functions kept): a rename of a name no state has. */
const copyOf = (c: unknown): unknown => renamed(c, '\u0000', '\u0000');

const toV2: SnapshotMigration = (s) => ({ ...s, value: s.value === 'BRIEFING_READY' ? 'BRIEFING_SCHEDULED' : s.value });
const MIGRATIONS = new Map([[V1, toV2]]);

const A = {
  briefing: 'briefing.example.com', held: 'held.example.com', confirmed: 'confirmed.example.com', mql: 'mql.example.com', dossier: 'dossier.example.com', prospect: 'prospect.example.com',
};
let lastV1Event = 0;

beforeAll(() => {
  ensureBuilt();
  expect(staleBuild(), 'sources newer than dist/: run npm run build').toEqual([]);
  const { store, engine } = openEngine(V1_DB);
  const send = (d: string, body: Record<string, unknown>, who: typeof OPS | typeof CRO = OPS) => engine.submit({ account: d, source: 'cli', now: T0, event: { ...body, at: T0, ...who } as LadderEvent });
  for (const d of Object.values(A)) engine.addAccount({ domain: d, name: d, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, at: T0, now: T0, source: 'cli' });
  for (const d of [A.briefing, A.held, A.confirmed, A.mql]) send(d, sig(`s-${d}`, 'E1', 'https://www.linkedin.com/in/jane', T0));
  send(A.dossier, sig('s-dossier', 'E3', 'https://www.linkedin.com/in/joe', T0));
  for (const d of [A.briefing, A.held, A.confirmed]) { send(d, { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'CONFIRMED', S4: 'NOT_PRESENT' } }); send(d, { type: 'CRO_CONFIRM' }, CRO); }
  send(A.briefing, { type: 'BRIEFING_SCHEDULED' });
  send(A.held, { type: 'BRIEFING_SCHEDULED' });
  expect(engine.load(A.briefing)!.snapshot.value).toBe('BRIEFING_READY');
  lastV1Event = scalar(V1_DB, 'select max(id) from events');
  store.close();
});

describe('a database written by machine v1', () => {
  it('records the machine version with every snapshot, and replays', async () => {
    expect(scalar(V1_DB, 'select count(*) from actors where machine_version != ?', V1)).toBe(0);
    expect(await checkInvariants(V1_DB)).toEqual([]);
  });

  it('is refused by a v2 engine without a migration, with a message that says why, and nothing is written', () => {
    const db = join(tmp.dir, 'no-migration.db');
    copyDb(V1_DB, db);
    const before = contentHash(db, ['runs']);
    const { store, engine } = openEngine(db, { machine: machineV2(), machineVersion: V2, migrations: new Map() });
    try {
      expect(() => engine.load(A.briefing)).toThrow(MachineVersionError);
      expect(() => engine.load(A.briefing)).toThrow(`${A.briefing} is stored by machine v${V1} and no migration from v${V1} to v${V2} is registered; refusing to guess`);
      expect(() => engine.submit({ account: A.briefing, source: 'cli', now: T0, event: { type: 'BRIEFING_COMPLETED', at: T0, ...OPS } })).toThrow(MachineVersionError);
      expect(() => sweep(engine, { now: at(T0, 200), as: SYSTEM })).toThrow(MachineVersionError);
    } finally { store.close(); }
    expect(contentHash(db, ['runs'])).toBe(before);
  });

  it('is upgraded on load by a v2 engine with the migration; events and timers keep flowing; the log replays across versions', async () => {
    const db = join(tmp.dir, 'upgraded.db');
    copyDb(V1_DB, db);
    const { store, engine } = openEngine(db, { machine: machineV2(), machineVersion: V2, migrations: MIGRATIONS });
    const now = at(T0, 1);
    const send = (d: string, type: string) => engine.submit({ account: d, source: 'cli', now, event: { type, at: now, ...OPS } as LadderEvent });
    try {
      // Loading upgrades: the v1 BRIEFING_READY is the v2 BRIEFING_SCHEDULED; the stored row is untouched until an event.
      expect(engine.load(A.briefing)!.snapshot.value).toBe('BRIEFING_SCHEDULED');
      expect(scalar(db, 'select machine_version from actors where account = ?', A.briefing)).toBe(V1);
      expect(send(A.briefing, 'BRIEFING_COMPLETED').after).toEqual({ stage: 'BRIEFING_SCHEDULED', substate: null });
      expect(send(A.briefing, 'ASSESSMENT_QUALIFIED').after.stage).toBe('ASSESSMENT_QUALIFIED');
      expect(send(A.confirmed, 'BRIEFING_SCHEDULED').after.stage).toBe('BRIEFING_SCHEDULED');
      // Held under v2 without a stage move: its stay in stage_history was opened by v1, under the old name.
      expect(send(A.held, 'BRIEFING_COMPLETED').after.stage).toBe('BRIEFING_SCHEDULED');
      // Timers armed by v1 fire through v2 (MQL_STALE, DOSSIER_SLA, SQL_STALE: the states they belong to kept their names).
      const s = sweep(engine, { now: at(T0, 200), as: SYSTEM });
      expect(s.fired).toBeGreaterThanOrEqual(3);
      expect(s.skipped).toBe(0);
      expect(engine.load(A.mql)!.snapshot.value).toBe('PROSPECT');
      // A new account is written by v2 from its first event.
      engine.addAccount({ domain: 'new.example.com', name: 'New', hq: 'Oslo', tier: 'Tier 2', icpScore: 60 }, { ...OPS, at: now, now, source: 'cli' });
    } finally { store.close(); }
    expect(scalar(db, 'select machine_version from actors where account = ?', A.briefing)).toBe(V2);
    expect(scalar(db, 'select machine_version from actors where account = ?', 'new.example.com')).toBe(V2);
    expect(scalar(db, 'select machine_version from actors where account = ?', A.prospect)).toBe(V1); // never touched
    // Snapshot migrations do not rewrite stage_history: a stay opened under v1 keeps the v1 name (the checker
    // compares it through the migration). Reports that group stays by name see both names across an upgrade.
    expect(scalar<string>(db, 'select stage from stage_history where account = ? and exited_at is null', A.held)).toBe('BRIEFING_READY');
    expect(scalar<string>(db, 'select stage from actors where account = ?', A.held)).toBe('BRIEFING_SCHEDULED');
    expect(await checkInvariants(db, {
      machines: new Map([[V1, createLadderMachine(DEFAULT_RULES)], [V2, machineV2()]]), migrations: MIGRATIONS,
      writtenBy: (eventId) => (eventId <= lastV1Event ? V1 : V2), now: at(T0, 200),
    })).toEqual([]);
  });

  it('takes a state added by v2 through an identity migration: v1 accounts keep their state, the new state is entered, the log replays', async () => {
    const db = join(tmp.dir, 'added-state.db');
    copyDb(V1_DB, db);
    const recycled = 'recycled.example.com';
    const v1 = openEngine(db);
    try {
      const send = (body: Record<string, unknown>, who: typeof OPS | typeof CRO = OPS) => v1.engine.submit({ account: recycled, source: 'cli', now: T0, event: { ...body, at: T0, ...who } as LadderEvent });
      v1.engine.addAccount({ domain: recycled, name: 'Recycled', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, at: T0, now: T0, source: 'cli' });
      send(sig('s-recycled', 'E1', 'https://www.linkedin.com/in/jane', T0));
      send({ type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'CONFIRMED', S4: 'NOT_PRESENT' } });
      send({ type: 'CRO_CONFIRM' }, CRO);
      send({ type: 'BRIEFING_SCHEDULED' });
      send({ type: 'BRIEFING_COMPLETED' });
      expect(send({ type: 'ASSESSMENT_LOST', reason: 'budget frozen' }).after.stage).toBe('RECYCLED');
    } finally { v1.store.close(); }
    const lastV1 = scalar(db, 'select max(id) from events');

    const identity: SnapshotMigration = (s) => s;
    const withoutMigration = openEngine(db, { machine: machineWithNurture(), machineVersion: V2, migrations: new Map() });
    try {
      expect(() => withoutMigration.engine.load(recycled)).toThrow(MachineVersionError);
    } finally { withoutMigration.store.close(); }

    const migrations = new Map([[V1, identity]]);
    const { store, engine } = openEngine(db, { machine: machineWithNurture(), machineVersion: V2, migrations });
    try {
      expect(engine.load(recycled)!.snapshot.value).toBe('RECYCLED');
      // The cooldown timer armed by v1 fires through v2 into the state v1 did not have (day 90; NURTURE's own
      // 30-day clock has not run out by day 95).
      const s = sweep(engine, { now: at(T0, 95), as: SYSTEM });
      expect(s.skipped).toBe(0);
      // NURTURE is a copy of MQL (machine v2: compound, entered by a plain target into its nurture sub-state).
      expect(engine.load(recycled)!.snapshot.value).toEqual({ NURTURE: 'nurture' });
      expect(scalar<string>(db, 'select stage from actors where account = ?', recycled)).toBe('NURTURE');
      expect(engine.load(A.briefing)!.snapshot.value).toBe('BRIEFING_READY'); // v1 states are untouched
      // NURTURE keeps MQL's rules: three buying signals in a dossier make it an SQL.
      const now = at(T0, 96);
      const dossier = engine.submit({ account: recycled, source: 'cli', now, event: { type: 'DOSSIER', at: now, ...OPS, scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'CONFIRMED', S4: 'NOT_PRESENT' } } as LadderEvent });
      expect(dossier.after).toEqual({ stage: 'SQL', substate: 'review' });
    } finally { store.close(); }
    expect(scalar(db, 'select machine_version from actors where account = ?', recycled)).toBe(V2);
    expect(await checkInvariants(db, {
      machines: new Map([[V1, createLadderMachine(DEFAULT_RULES)], [V2, machineWithNurture()]]), migrations,
      writtenBy: (eventId) => (eventId <= lastV1 ? V1 : V2), now: at(T0, 96),
    })).toEqual([]);
  });

  it('written by v2 is refused by this ladder (v1), engine and CLI alike, instead of guessing; nothing is written', async () => {
    const db = join(tmp.dir, 'newer.db');
    copyDb(V1_DB, db);
    const v2 = openEngine(db, { machine: machineV2(), machineVersion: V2, migrations: MIGRATIONS });
    v2.engine.submit({ account: A.briefing, source: 'cli', now: T0, event: { type: 'BRIEFING_COMPLETED', at: T0, ...OPS } });
    v2.engine.submit({ account: A.dossier, source: 'cli', now: T0, event: { type: 'FACTS', at: T0, ...OPS, facts: { employees: 900 } } });
    v2.store.close();
    importSettings(db); // the CLI's users (ana) are settings of the database
    const before = contentHash(db, ['runs']);

    const v1 = openEngine(db);
    try {
      const newer = `${A.briefing} was written by machine v${V2}, newer than this ladder (v${V1}); upgrade ladder before touching it`;
      expect(() => v1.engine.load(A.briefing)).toThrow(newer);
      expect(() => v1.engine.submit({ account: A.briefing, source: 'cli', now: T0, event: { type: 'ASSESSMENT_QUALIFIED', at: T0, ...OPS } })).toThrow(MachineVersionError);
      expect(v1.engine.load(A.prospect)!.snapshot.value).toBe('PROSPECT'); // accounts still at v1 work as before
    } finally { v1.store.close(); }

    const run = (args: string[]) => spawnLadder(['--db', db, '--now', at(T0, 200), ...args], { cwd: tmp.dir, env: childEnv() });
    const status = await run(['status', A.briefing]);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain(`written by machine v${V2}, newer than this ladder (v${V1})`);
    const acted = await run(['--as', 'ana', 'assessment', 'qualified', A.briefing]);
    expect(acted.code).toBe(2);
    // The sweep meets the v2 snapshot of the account whose timers fall due: the whole batch is refused.
    const swept = await run(['--as', 'ana', 'sweep']);
    expect(swept.code, swept.stdout).toBe(2);
    expect(swept.stderr).toContain(`${A.dossier} was written by machine v${V2}`);
    expect(contentHash(db, ['runs'])).toBe(before);
  });
});

describe('the registered migration from the first machine (v1 → v2, issue 11: MQL sub-states)', () => {
  it('loads a v1 MQL into MQL.nurture with its contacts as canonical keys; the v1 timer fires through this machine', () => {
    expect(MACHINE_VERSION).toBe(2);
    expect(SNAPSHOT_MIGRATIONS.has(1)).toBe(true);
    const db = join(tmp.dir, 'first-machine.db');
    const legacy = 'legacy-mql.example.com';
    const { store, engine } = openEngine(db);
    try {
      engine.addAccount({ domain: legacy, name: 'Legacy', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, at: T0, now: T0, source: 'cli' });
      engine.submit({ account: legacy, source: 'cli', now: T0, event: { ...sig('s-legacy', 'E1', 'https://www.linkedin.com/in/jane', T0), at: T0, ...OPS } as LadderEvent });
    } finally { store.close(); }
    // What machine v1 stored for the same history: a plain MQL (no sub-state, no dossier SLA timer), contacts as typed.
    const conn = new Database(db);
    try {
      const row = conn.prepare('select snapshot from actors where account = ?').pluck().get(legacy) as string;
      const snap = JSON.parse(row) as { value: unknown; context: { signals: { contact: string }[] } };
      expect(snap.value).toEqual({ MQL: 'dossier' });
      snap.value = 'MQL';
      snap.context.signals = [{ ...snap.context.signals[0]!, contact: 'HTTPS://www.LinkedIn.com/in/Jane/?trk=x' }, { ...snap.context.signals[0]!, contact: 'Jane Doe' }];
      conn.prepare("update actors set snapshot = ?, machine_version = 1, stage = 'MQL', substate = null where account = ?").run(JSON.stringify(snap), legacy);
      conn.prepare("delete from timers where account = ? and timer_id like 'xstate.after.DOSSIER_SLA.%'").run(legacy);
      expect(conn.prepare("select timer_id from timers where account = ? and status = 'pending'").pluck().all(legacy)).toEqual(['xstate.after.MQL_STALE.ladder.MQL']);
    } finally { conn.close(); }

    const v2 = openEngine(db);
    try {
      const loaded = v2.engine.load(legacy)!.snapshot;
      // It cannot say whether its dossier is still owed: nurture, so no SLA is invented after the fact.
      expect(loaded.value).toEqual({ MQL: 'nurture' });
      expect((loaded.context as { signals: { contact: string }[] }).signals.map((x) => x.contact)).toEqual(['linkedin.com/in/jane', 'Jane Doe']);
      expect(scalar(db, 'select machine_version from actors where account = ?', legacy)).toBe(1); // untouched until written
      // The MQL_STALE timer v1 armed fires through this machine (its state kept its name).
      const s = sweep(v2.engine, { now: at(T0, 200), as: SYSTEM });
      expect(s).toMatchObject({ fired: 1, skipped: 0 });
      expect(v2.engine.load(legacy)!.snapshot.value).toBe('PROSPECT');
    } finally { v2.store.close(); }
    expect(scalar(db, 'select machine_version from actors where account = ?', legacy)).toBe(MACHINE_VERSION);
    expect(scalar<string>(db, "select stage_before || ' -> ' || stage_after from events where account = ? and type like 'xstate.after.MQL_STALE.%'", legacy)).toBe('MQL.nurture -> PROSPECT');
  });
});
