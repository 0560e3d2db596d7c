// The shared invariant checker (test/helpers/reliability.ts) is what every reliability suite trusts, so it
// is tested first: it passes on a rich real history (the demo's fleet, with the monday outbox) and it
// catches each kind of damage planted by hand.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseMondayConfig } from '../../src/monday/config.js';
import { checkInvariants, copyDb, ensureBuilt, fastTempDir, spawnLadder, childEnv, buildSweepFixture, importSettings, at, T0 } from '../helpers/reliability.js';

const tmp = fastTempDir('ladder-inv-');
const DEMO = join(tmp.dir, 'demo.db');
const SWEPT = join(tmp.dir, 'swept.db');
const board = parseMondayConfig({ endpoint: 'http://127.0.0.1:9/v2' });

beforeAll(async () => {
  ensureBuilt();
  const r = await spawnLadder(['--db', DEMO, '--json', 'demo', '--accounts', '60', '--days', '90', '--seed', '11'], { cwd: tmp.dir, env: childEnv() });
  expect(r.code, r.stderr).toBe(0);
  buildSweepFixture(SWEPT, 60, 3);
  // The sweep is run by a sales.ops user of the database's settings.
  importSettings(SWEPT);
  const s = await spawnLadder(['--db', SWEPT, '--now', at(T0, 200), '--as', 'ana', 'sweep'], { cwd: tmp.dir, env: childEnv() });
  expect(s.code, s.stderr).toBe(0);
});
afterAll(() => tmp.cleanup());

/** A copy of `from` with `sql` applied to it (the damage), and the checker's verdict on it. */
async function damaged(from: string, sql: string, opts: Parameters<typeof checkInvariants>[1] = {}) {
  const path = join(tmp.dir, `damaged-${Math.random().toString(36).slice(2)}.db`);
  copyDb(from, path);
  const db = new Database(path);
  db.pragma('foreign_keys = OFF');
  db.exec(sql);
  db.close();
  return checkInvariants(path, opts);
}

describe('the invariant checker', () => {
  it('passes on the demo fleet: every log replays to its snapshot, the outbox equals the machine', async () => {
    const events = new Database(DEMO, { readonly: true }).prepare('select count(*) from events').pluck().get() as number;
    expect(events).toBeGreaterThan(300);
    expect(await checkInvariants(DEMO, { monday: board })).toEqual([]);
  });

  it('passes after a sweep, with no due timer left pending', async () => {
    expect(await checkInvariants(SWEPT, { now: at(T0, 200) })).toEqual([]);
  });

  it.each([
    ['a snapshot edited by hand', "update actors set snapshot = replace(snapshot, '\"priority\":\"normal\"', '\"priority\":\"high\"') where rowid = (select min(rowid) from actors where stage = 'MQL')", /stored context differs from the replay in priority/],
    ['a stage moved without an event', "update actors set snapshot = replace(snapshot, '\"value\":{\"MQL\":\"' || substate || '\"}', '\"value\":\"PROSPECT\"'), stage = 'PROSPECT', substate = null where rowid = (select min(rowid) from actors where stage = 'MQL')", /stored value "PROSPECT" but the log replays to \{"MQL":"(dossier|nurture)"\}/],
    ['an event lost from the log', "delete from events where id = (select max(id) from events where seq > 2 and type = 'SIGNAL')", /row version \d+ but \d+ events|seq \d+ where \d+ was expected/],
    ['a transition recorded twice', "drop index events_account_seq; insert into events (account, seq, type, payload, by, role, source, at, stage_before, stage_after, recorded_at) select account, seq, type, payload, by, role, source, at, stage_before, stage_after, recorded_at from events where id = (select max(id) from events)", /transition recorded twice/],
    ['an event nobody did', "update events set by = 'unknown' where id = (select max(id) from events where type = 'DOSSIER')", /does not say who did it/],
    ['a CRO decision by sales.ops', "update events set role = 'sales.ops' where id = (select max(id) from events where type = 'CRO_CONFIRM')", /CRO_CONFIRM accepted from .* \(sales\.ops\)/],
  ])('catches %s', async (_what, sql, want) => {
    const v = await damaged(DEMO, sql);
    expect(v.join('\n')).toMatch(want);
  });

  it.each([
    ['a timer fired twice', "drop index events_idempotency; insert into events (account, seq, type, payload, by, role, source, at, stage_before, stage_after, recorded_at, idempotency_key) select account, seq + 1000, type, payload, by, role, source, at, stage_before, stage_after, recorded_at, idempotency_key from events where id = (select max(id) from events where idempotency_key like 'timer:%')", /fired 2 times|idempotency key recorded twice/],
    ['a due timer left pending', "update timers set status = 'pending', closed_by = null where id = (select min(id) from timers where status = 'fired')", /was due .* and is still pending/],
    ['a pending timer of a state that was left', "insert into timers (account, timer_id, event, due_at, status, armed_by) select account, 'xstate.after.SQL_STALE.ladder.SQL', '{\"type\":\"xstate.after.SQL_STALE.ladder.SQL\"}', '2099-01-01T00:00:00.000Z', 'pending', 1 from actors where stage = 'PROSPECT' limit 1", /pending while PROSPECT/],
    ['a stay missing from stage history', "delete from stage_history where id = (select max(id) from stage_history)", /stays in stage_history/],
  ])('catches %s', async (_what, sql, want) => {
    const v = await damaged(SWEPT, sql, { now: at(T0, 200) });
    expect(v.join('\n')).toMatch(want);
  });

  it('catches a timer closed without an event and without its refusal record, and a refusal of a timer that fired', async () => {
    expect((await damaged(SWEPT, "update timers set status = 'cancelled', closed_by = null where id = (select min(id) from timers where status = 'pending')")).join('\n'))
      .toMatch(/was closed without an event and has 0 refusal records/);
    expect((await damaged(SWEPT, "insert into refusals (account, type, payload, by, role, source, at, why) select account, json_extract(event, '$.type'), json_object('type', json_extract(event, '$.type'), 'timer', id), 'system', 'system', 'timer', due_at, 'planted' from timers where id = (select min(id) from timers where status = 'fired')")).join('\n'))
      .toMatch(/is fired \(closed by \d+\) but was recorded as refused/);
  });

  it('catches an outbox item for an account never off tier Reject (LQ 4: do not add to board)', async () => {
    const sql = "insert into monday_items (account, desired, desired_version, updated_at) select domain, '{}', 1, created_at from accounts where tier = 'Reject' and domain not in (select account from monday_items) limit 1";
    expect((await damaged(DEMO, sql, { monday: board })).join('\n')).toMatch(/a monday_items row for an account that was never off tier Reject/);
  });

  it('catches an outbox that lost a comment or holds stale column values', async () => {
    expect((await damaged(DEMO, 'delete from monday_comments where id = (select max(id) from monday_comments)', { monday: board })).join('\n')).toMatch(/the outbox lacks its comment/);
    expect((await damaged(DEMO, "update monday_items set desired = replace(desired, 'Tier', 'Tear') where rowid = 1", { monday: board })).join('\n')).toMatch(/desired values differ/);
  });
});
