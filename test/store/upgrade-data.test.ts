// Issue 11: databases written before the canonical contact key and MQL's sub-states are upgraded when opened
// for writing: suppressed contacts are rewritten to their key (so a respelling cannot slip past them), and a v1
// MQL becomes MQL.nurture (its snapshot when loaded, its stage columns and open stay at once).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLadder } from '../../src/ladder.js';
import { RefusedError } from '../../src/engine/errors.js';
import { replayAccount } from '../../src/engine/replay.js';
import { PASSING_FACTS, tempDir } from '../helpers/store.js';

const ops = { by: 'ana', role: 'sales.ops' as const };
const T0 = '2026-03-02T09:00:00.000Z';
let cleanup = () => {};
afterEach(() => cleanup());

describe('opening a database written before issue 11', () => {
  it('rewrites suppressed contacts to their canonical key and marks v1 MQLs as nurture, once', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const path = join(t.dir, 'old.db');
    const l = openLadder(path, { mode: 'create' });
    for (const d of ['gone.io', 'mql.io', 'other.io']) l.engine.addAccount({ domain: d, name: d, hq: 'Oslo', tier: 'Tier 1', icpScore: 70, facts: PASSING_FACTS }, { ...ops, at: T0, now: T0, source: 'cli' });
    l.engine.submit({ account: 'mql.io', source: 'cli', now: T0, event: { type: 'SIGNAL', ...ops, at: T0, signal: { id: 'm', code: 'E1', interaction: 'comment', contact: 'https://linkedin.com/in/m', at: T0 } } });
    l.close();
    // What a v1 database held: a contact suppressed as the command spelled it, an MQL without sub-state.
    const raw = new Database(path);
    raw.prepare("insert into suppressions (kind, value, reason, at, by) values ('contact', 'https://www.linkedin.com/in/Jane/', 'opt-out', ?, 'ana')").run(T0);
    raw.prepare("insert into suppressions (kind, value, reason, at, by) values ('contact', 'Bob@Gone.IO', 'hostile', ?, 'ana')").run(T0);
    raw.prepare("update actors set machine_version = 1, substate = null, snapshot = json_set(snapshot, '$.value', 'MQL') where account = 'mql.io'").run();
    raw.prepare("update events set machine_version = 1 where account = 'mql.io'").run();
    raw.prepare("update stage_history set substate = null where account = 'mql.io' and exited_at is null").run();
    raw.prepare('delete from data_migrations').run();
    raw.close();

    const up = openLadder(path);
    try {
      expect(up.store.sqlite.prepare("select value from suppressions where kind = 'contact' order by id").pluck().all()).toEqual(['linkedin.com/in/jane', 'bob@gone.io']);
      expect(up.store.sqlite.prepare("select stage, substate from actors where account = 'mql.io'").get()).toEqual({ stage: 'MQL', substate: 'nurture' });
      expect(up.engine.load('mql.io')!.snapshot.value).toEqual({ MQL: 'nurture' });
      expect(up.store.sqlite.prepare('select id from data_migrations order by id').pluck().all()).toEqual(['2026-11-contact-keys', '2026-11-mql-substates']);
      expect(() => up.engine.submit({ account: 'other.io', source: 'cli', now: T0, event: { type: 'SIGNAL', ...ops, at: T0, signal: { id: 'j', code: 'E4', contact: 'linkedin.com/in/JANE', at: T0 } } }))
        .toThrow(RefusedError);
      // Its log was applied by machine v1: this ladder carries only v2, so replay says so instead of a false "differs".
      expect(replayAccount(up.engine, 'mql.io')).toMatchObject({ status: 'older machine', differs: ['machine v1'] });
      expect(replayAccount(up.engine, 'other.io')).toMatchObject({ status: 'equal' });
      // The next event on the v1 MQL is applied by v2 and the stage columns agree with the snapshot.
      up.engine.submit({ account: 'mql.io', source: 'cli', now: T0, event: { type: 'FACTS', ...ops, at: T0, facts: { decisionMakerProximity: 'direct' } } });
      expect(up.store.sqlite.prepare("select machine_version, stage, substate from actors where account = 'mql.io'").get()).toEqual({ machine_version: 2, stage: 'MQL', substate: 'nurture' });
    } finally { up.close(); }
  });
});
