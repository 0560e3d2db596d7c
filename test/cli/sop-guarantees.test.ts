// Issue 11, "every SOP guarantee holds on every path": each reproduction of the issue, through the built
// binary where a user meets it. On the old code every one of these either went through (a bypass) or did
// something to the database it should not have.
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { at, BIN, LadderCli, readRows, type RunOptions } from '../helpers/cli.js';

const T0 = '2026-04-13T09:00:00.000Z'; // a Monday
const FIT = ['--fact', 'employees=1200', '--fact', 'revenueUsd=120000000', '--fact', 'partnerProgram=AWS', '--fact', 'namedReferral=true'];
const ops = (now: string): RunOptions => ({ now, as: 'ana' });

let cli: LadderCli;
beforeAll(() => { cli = new LadderCli(); });
afterAll(() => cli?.cleanup());

const add = (domain: string, now: string, tier = 'Tier 1') =>
  cli.ok(['account', 'add', domain, '--name', domain, '--hq', 'Berlin', '--tier', tier, '--icp', '80'], ops(now));
const stage = (account: string) => {
  const r = cli.query<{ stage: string; substate: string | null }>('select stage, substate from actors where account = ?', account)[0];
  return r ? (r.substate ? `${r.stage}.${r.substate}` : r.stage) : null;
};
const count = (sql: string, ...params: unknown[]) => cli.query<{ n: number }>(sql, ...params)[0]!.n;
/** Every table but the refusal record, to prove a refused command changed nothing else. */
const ledger = () => cli.tables(['accounts', 'actors', 'events', 'stage_history', 'timers', 'suppressions', 'settings']);

describe('no bypass of the SOP rules, by any role (issue 11 §3)', () => {
  it('a manual gate verdict cannot clear a computed failure: G1 and G4 stay failed, E4 does not reach SQL (DOMAIN "ICP gates", HO 3.6)', () => {
    add('tiny.io', T0);
    cli.ok(['facts', 'tiny.io', '--fact', 'employees=10', '--fact', 'revenueUsd=1000', '--fact', 'partnerProgram=AWS', '--fact', 'namedReferral=true'], ops(at(T0, 0, 0.1)));
    for (const gate of ['G1', 'G4']) {
      const before = ledger();
      const r = cli.run(['facts', 'tiny.io', '--gate', gate, '--pass', '--why', 'I know them'], ops(at(T0, 0, 0.2)));
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`the recorded facts fail ${gate}`);
      expect(r.stderr).toContain('a manual verdict only decides a gate the facts leave unknown');
      // The message points at new facts and the CRO's one-gate override, never at another manual verdict.
      expect(r.stderr).not.toContain('or a manual verdict');
      expect(ledger()).toEqual(before);
    }
    expect(cli.query("select type, why from refusals where account = 'tiny.io'").map((x) => (x as { type: string }).type)).toEqual(['FACTS', 'FACTS']);
    cli.ok(['signal', 'tiny.io', '--code', 'E4', '--contact', 'https://linkedin.com/in/ceo-tiny'], ops(at(T0, 0, 0.3)));
    expect(stage('tiny.io')).toBe('PROSPECT');
    const gates = cli.json<{ gates: Record<string, { verdict: string }> }>(['status', 'tiny.io'], { now: at(T0, 0, 0.3) }).gates;
    expect([gates.G1!.verdict, gates.G4!.verdict]).toEqual(['fail', 'fail']);
    // The CRO may override one failed gate, never two (HO 3.6): the legitimate path stays closed too.
    const o = cli.run(['cro', 'override', 'tiny.io', '--gate', 'G1', '--justification', 'x', '--compensating', 'y'], { now: at(T0, 0, 0.4), as: 'marcus' });
    expect(o.code).toBe(3);
    expect(o.stderr).toContain('never two');
  });

  it('a manual verdict still decides a gate the facts leave unknown', () => {
    add('unknown.io', T0);
    cli.ok(['facts', 'unknown.io', '--fact', 'employees=1200', '--fact', 'revenueUsd=120000000', '--fact', 'partnerProgram=AWS'], ops(at(T0, 0, 0.1)));
    cli.ok(['facts', 'unknown.io', '--gate', 'G3', '--pass', '--why', 'the CFO is a former colleague of our CRO'], ops(at(T0, 0, 0.2)));
    const g3 = cli.json<{ gates: Record<string, { verdict: string; because: string }> }>(['status', 'unknown.io'], { now: at(T0, 0, 0.2) }).gates.G3!;
    expect(g3).toMatchObject({ verdict: 'pass' });
    expect(g3.because).toContain('manual verdict pass by ana');
  });

  it('suppression cannot be bypassed by spelling a contact differently (HO 3.5, 5.6)', () => {
    for (const d of ['first.io', 'second.io']) { add(d, T0); cli.ok(['facts', d, ...FIT], ops(at(T0, 0, 0.1))); }
    cli.ok(['signal', 'first.io', '--code', 'E1', '--interaction', 'comment', '--contact', 'https://linkedin.com/in/Jane'], ops(at(T0, 0, 0.2)));
    cli.ok(['disqualify', 'first.io', '--reason', 'opt-out'], ops(at(T0, 0, 0.3)));
    expect(cli.query("select kind, value from suppressions where reason = 'opt-out' order by id")).toEqual([
      { kind: 'account', value: 'first.io' }, { kind: 'contact', value: 'linkedin.com/in/jane' },
    ]);
    for (const spelling of ['https://www.linkedin.com/in/jane/', 'http://LinkedIn.com/in/JANE?utm=x', 'www.linkedin.com/in/jane#about', 'de.linkedin.com/in/Jane']) {
      const before = ledger();
      const r = cli.run(['signal', 'second.io', '--code', 'E4', '--contact', spelling], ops(at(T0, 0, 0.4)));
      expect(r.code, `${spelling}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toContain('contact linkedin.com/in/jane is on the suppression list');
      expect(ledger()).toEqual(before);
    }
    expect(stage('second.io')).toBe('PROSPECT');
    // E-mail addresses are one contact whatever their case.
    cli.ok(['signal', 'second.io', '--code', 'E1', '--interaction', 'like', '--contact', 'Bob@Second.IO'], ops(at(T0, 0, 0.5)));
    const contacts = cli.query<{ payload: string }>("select payload from events where account = 'second.io' and type = 'SIGNAL' order by seq desc limit 1");
    expect(JSON.parse(contacts[0]!.payload).signal.contact).toBe('bob@second.io');
  });

  it('a contact that is neither a LinkedIn profile nor an e-mail is refused as bad input', () => {
    const r = cli.run(['signal', 'second.io', '--code', 'E1', '--interaction', 'comment', '--contact', 'jane'], ops(at(T0, 0, 0.6)));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('signal.contact: "jane" is neither a LinkedIn profile URL nor an e-mail address');
  });

  it('the sweep needs an identity allowed to run it, and a --now no further than a day past the real clock', () => {
    const noOne = cli.run(['sweep', '--now', '9999-12-31T23:59:59Z']);
    expect(noOne.code).toBe(2);
    expect(noOne.stderr).toContain('--as: who is acting?');
    const cro = cli.run(['sweep'], { now: at(T0, 1), as: 'marcus' });
    expect(cro.code).toBe(3);
    expect(cro.stderr).toContain('SWEEP is for sales.ops / system');
    const before = ledger();
    const future = cli.run(['sweep'], { now: '9999-12-31T23:59:59Z', as: 'ana' });
    expect(future.code).toBe(3);
    expect(future.stderr).toMatch(/more than 24 hours after the real clock .*--allow-future/);
    expect(ledger()).toEqual(before);
    expect(cli.query("select type, by, role, why from refusals where type = 'SWEEP' order by id").map((x) => (x as { by: string }).by)).toEqual(['marcus', 'ana']);
    // Within the margin it runs; a deliberate simulation says so on the command line (on a database of its own).
    const sim = join(cli.dir, 'simulation.db');
    cli.ok(['init'], { db: sim });
    expect(cli.run(['sweep'], { db: sim, now: new Date(Date.now() + 12 * 3_600_000).toISOString(), as: 'sales.ops' }).code).toBe(0);
    expect(cli.run(['--allow-future', 'sweep'], { db: sim, now: '2030-01-01T00:00:00Z', as: 'sales.ops' }).code).toBe(0);
  });
});

describe('time cannot rewrite history (issue 11 §4)', () => {
  it('an event dated before the account\'s latest event is refused, naming that event\'s time', () => {
    add('late.io', T0);
    cli.ok(['facts', 'late.io', ...FIT], ops(at(T0, 1)));
    const before = ledger();
    const r = cli.run(['dossier', 'late.io', '--s1', 'likely', '--s2', 'likely', '--s3', 'likely', '--s4', 'not_present'], ops('2020-01-01T00:00:00Z'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`before the account's latest event (#2 FACTS at ${at(T0, 1)})`);
    expect(ledger()).toEqual(before);
  });

  it('instants without a UTC offset, and impossible dates, are refused on every command', () => {
    for (const [now, why] of [['2026-04-17T09:00', 'has a time of day but no UTC offset'], ['2026-02-30', '2026-02 has no day 30'], ['2026-04-17T24:00:00Z', 'not a time of day']]) {
      const r = cli.run(['status', 'late.io'], { now, as: 'ana' });
      expect(r.code, now).toBe(2);
      expect(r.stderr).toContain(why);
    }
    // The host's zone changes nothing: 09:00-04:00 is 13:00 UTC on every machine.
    const ny = cli.run(['status', 'late.io', '--json'], { now: '2026-04-17T09:00:00-04:00', as: 'ana' });
    expect(ny.code).toBe(0);
    const r = cli.run(['signal', 'late.io', '--code', 'E1', '--interaction', 'comment', '--contact', 'https://linkedin.com/in/x', '--at', '2026-04-17T09:00'], ops(at(T0, 2)));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--at: "2026-04-17T09:00" has a time of day but no UTC offset');
    const bare = cli.run(['briefing', 'scheduled', 'late.io', '--for', '2026-02-29'], ops(at(T0, 2)));
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('--for: "2026-02-29" is not a date');
  });

  it('a signal dated in the future is refused beyond the clock-skew tolerance', () => {
    const before = ledger();
    const r = cli.run(['signal', 'late.io', '--code', 'E1', '--interaction', 'comment', '--contact', 'https://linkedin.com/in/x', '--at', '2099-01-01T00:00:00Z'], ops(at(T0, 2)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/signal\.at: 2099-01-01T00:00:00\.000Z is \d+ days after now .*up to 5 minutes ahead is tolerated/);
    expect(ledger()).toEqual(before);
    cli.ok(['signal', 'late.io', '--code', 'E1', '--interaction', 'comment', '--contact', 'https://linkedin.com/in/x', '--at', at(T0, 2, 1 / 20)], ops(at(T0, 2)));
  });

  it('timers that fell due before a command are fired first, dated when they fell due', () => {
    cli.ok(['signal', 'late.io', '--code', 'E1', '--interaction', 'comment', '--contact', 'https://linkedin.com/in/x2'], ops(at(T0, 3)));
    expect(stage('late.io')).toBe('MQL.dossier');
    // Its dossier was due the next business day. A week later, without a sweep in between:
    const r = cli.json<{ caughtUp: { timerId: string; at: string }[]; seq: number }>(['signal', 'late.io', '--code', 'E2', '--contact', 'https://linkedin.com/in/y'], ops(at(T0, 10)));
    expect(r.caughtUp).toEqual([expect.objectContaining({ timerId: 'xstate.after.DOSSIER_SLA.ladder.MQL.dossier', at: at(T0, 4) })]);
    expect(cli.json<{ flags: { slaBreach: string[] } }>(['status', 'late.io'], { now: at(T0, 10) }).flags.slaBreach).toEqual(['dossier']);
    const evs = cli.query<{ type: string; at: string }>("select type, at from events where account = 'late.io' order by seq");
    expect(evs.map((e) => e.at)).toEqual([...evs.map((e) => e.at)].sort());
  });
});

describe('the SOP rules the old build got wrong (issue 11 §5)', () => {
  it('HO 4.3: the dossier is due within 1 business day of MQL classification, weekends not counted', () => {
    const friday = '2026-04-17T17:00:00.000Z';
    add('friday.io', friday);
    cli.ok(['facts', 'friday.io', ...FIT], ops(friday));
    cli.ok(['signal', 'friday.io', '--code', 'E1', '--interaction', 'comment', '--contact', 'https://linkedin.com/in/f'], ops(friday));
    expect(stage('friday.io')).toBe('MQL.dossier');
    const due = cli.query<{ due_at: string }>("select due_at from timers where account = 'friday.io' and timer_id like '%DOSSIER_SLA%'")[0]!.due_at;
    expect(due).toBe('2026-04-20T17:00:00.000Z'); // Monday 17:00: Saturday and Sunday do not count
    const sla = () => cli.query<{ status: string }>("select status from timers where account = 'friday.io' and timer_id like '%DOSSIER_SLA%'")[0]!.status;
    cli.ok(['sweep'], { now: '2026-04-20T16:59:00Z', as: 'ana' });
    expect(sla()).toBe('pending');
    cli.ok(['sweep'], { now: '2026-04-20T17:01:00Z', as: 'ana' });
    expect(sla()).toBe('fired');
    expect(cli.json<{ flags: { slaBreach: string[] } }>(['status', 'friday.io'], { now: '2026-04-20T17:01:00Z' }).flags.slaBreach).toEqual(['dossier']);
    const report = cli.json<{ sla: { dossier: { breached: number }; breaches: { account: string; kind: string }[] } }>(['report', '--week', '2026-W17'], { now: '2026-04-24T12:00:00Z' });
    expect(report.sla.breaches).toContainEqual(expect.objectContaining({ account: 'friday.io', kind: 'dossier' }));
    // A dossier meets it: the account leaves MQL.dossier (to SQL review with 3, to MQL nurture with fewer).
    cli.ok(['dossier', 'friday.io', '--s1', 'likely', '--s2', 'unverified', '--s3', 'not_present', '--s4', 'not_present'], ops('2026-04-21T09:00:00Z'));
    expect(stage('friday.io')).toBe('MQL.nurture');
  });

  it('HO 3.6: history shows every field the SOP asks to log — override gate, justification, compensating signals; dossier scores and evidence; dispute and disqualification reasons', () => {
    add('audit.io', T0);
    cli.ok(['facts', 'audit.io', '--fact', 'employees=150', '--fact', 'strongEcosystemComplexity=false', '--fact', 'namedExecReferral=false', '--fact', 'revenueUsd=120000000', '--fact', 'revenueConfirmed=false', '--fact', 'partnerProgram=AWS', '--fact', 'namedReferral=true'], ops(at(T0, 0, 0.1)));
    cli.ok(['signal', 'audit.io', '--code', 'E1', '--interaction', 'comment', '--contact', 'https://linkedin.com/in/a'], ops(at(T0, 0, 0.2)));
    cli.ok(['cro', 'override', 'audit.io', '--gate', 'G1', '--justification', 'partner team of 40 inside 150 staff', '--compensating', 'AWS premier tier', '--compensating', 'two referrals'], { now: at(T0, 0, 0.3), as: 'marcus' });
    cli.ok(['dossier', 'audit.io', '--s1', 'confirmed', '--evidence-s1', '10-K: 35% partner revenue', '--s2', 'likely', '--s3', 'likely', '--s4', 'not_present'], ops(at(T0, 0, 0.4)));
    cli.ok(['cro', 'dispute', 'audit.io', '--reason', 'S3 is one press release'], { now: at(T0, 0, 0.5), as: 'marcus' });
    cli.ok(['disqualify', 'audit.io', '--reason', 'acquired', '--note', 'bought by Globex'], ops(at(T0, 0, 0.6)));
    const text = cli.ok(['history', 'audit.io']).stdout;
    for (const want of ['gate: G1', 'justification: partner team of 40 inside 150 staff', 'compensatingSignals: AWS premier tier; two referrals',
      'scores.S1: CONFIRMED', 'evidence.S1: 10-K: 35% partner revenue', 'reason: S3 is one press release', 'reason: acquired', 'note: bought by Globex']) {
      expect(text).toContain(want);
    }
    const json = cli.json<{ events: { type: string; details: Record<string, unknown> }[] }>(['history', 'audit.io']);
    expect(json.events.find((e) => e.type === 'CRO_OVERRIDE')!.details).toEqual({
      gate: 'G1', justification: 'partner team of 40 inside 150 staff', compensatingSignals: ['AWS premier tier', 'two referrals'],
    });
    expect(json.events.find((e) => e.type === 'DOSSIER')!.details).toEqual({
      scores: { S1: 'CONFIRMED', S2: 'LIKELY', S3: 'LIKELY', S4: 'NOT_PRESENT' }, evidence: { S1: '10-K: 35% partner revenue' },
    });
  });

  it('LQ 4: Tier Reject rows are counted apart from unique, archived, and never reach the board', () => {
    cli.ok(['settings', 'set', 'monday.boardId', '18406915789'], ops(at(T0, 3)));
    const csv = join(cli.dir, 'tiers.csv');
    writeFileSync(csv, 'Name,Domain,HQ Location,Tier,ICP Score\nKeep,keep.io,Berlin,Tier 2,70\nNope,nope-reject.io,Oslo,Reject,5\n');
    const r = cli.json<{ counts: Record<string, number>; unique: unknown[]; tierReject: unknown[] }>(['import', csv], ops(at(T0, 3)));
    expect(r.counts).toMatchObject({ total: 2, unique: 1, tierReject: 1 });
    expect(stage('nope-reject.io')).toBe('ARCHIVED');
    expect(count("select count(*) n from monday_items where account = 'nope-reject.io'")).toBe(0);
    expect(count("select count(*) n from monday_comments where account = 'nope-reject.io'")).toBe(0);
    expect(count("select count(*) n from monday_items where account = 'keep.io'")).toBe(1);
    cli.ok(['settings', 'set', 'monday', 'null'], ops(at(T0, 3)));
  });
});

describe('settings belong to the database, not to the working directory (issue 11 §2)', () => {
  it('a board and rules imported once apply from any folder: the HO 4.4 comment is queued from /', () => {
    const cfg = join(cli.dir, 'team.json');
    writeFileSync(cfg, JSON.stringify({ users: { ana: 'sales.ops', marcus: 'cro' }, rules: { timers: { sqlStaleDays: 45 } }, monday: { boardId: '18406915789' } }));
    cli.ok(['settings', 'import', cfg], ops(at(T0, 4)));
    add('anywhere.io', at(T0, 4));
    cli.ok(['facts', 'anywhere.io', ...FIT], ops(at(T0, 4)));
    const r = cli.run(['signal', 'anywhere.io', '--code', 'E3', '--contact', 'https://linkedin.com/in/z'], { ...ops(at(T0, 4)), cwd: '/' });
    expect(r.code, r.stderr).toBe(0);
    expect(count("select count(*) n from monday_comments where account = 'anywhere.io'")).toBeGreaterThan(0);
    // The rules override too: SQL goes stale after 45 days, not 30.
    expect(cli.query<{ due_at: string }>("select due_at from timers where account = 'anywhere.io' and timer_id like '%SQL_STALE%' and status = 'pending'")[0]!.due_at)
      .toBe(at(T0, 4 + 45));
    const history = cli.json<{ version: number; changes: { path: string; from: unknown; to: unknown }[] }[]>(['settings', 'history']);
    expect(history.at(-1)!.changes).toContainEqual({ path: 'rules.timers.sqlStaleDays', from: 30, to: 45 });
    cli.ok(['settings', 'set', 'monday', 'null'], ops(at(T0, 4)));
  });

  it('--config is refused with the command that imports it; a ladder.config.json in the folder is not read, and a note says so', () => {
    const r = cli.run(['--config', 'ladder.config.json', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ladder settings import ladder.config.json');
    const folder = join(cli.dir, 'with-config');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'ladder.config.json'), JSON.stringify({ rules: { timers: { sqlStaleDays: 5 } } }));
    const fresh = join(folder, 'fresh.db');
    cli.ok(['init'], { db: fresh });
    const list = cli.run(['list'], { db: fresh, cwd: folder });
    expect(list.stderr).toContain('ladder.config.json is not read (settings live in the database now)');
  });

  it('settings set validates the whole document and records who changed what', () => {
    const bad = cli.run(['settings', 'set', 'rules.timers.sqlStaleDays', '"thirty"'], ops(at(T0, 5)));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('rules.timers.sqlStaleDays');
    const nobody = cli.run(['settings', 'set', 'users.eve', 'cro'], { now: at(T0, 5), as: 'cmo' });
    expect(nobody.code).toBe(3);
    expect(nobody.stderr).toContain('SETTINGS is for sales.ops / cro');
    cli.ok(['settings', 'set', 'users.eve', 'cro'], ops(at(T0, 5)));
    expect(cli.json<{ settings: { users: Record<string, string> } }>(['settings', 'show']).settings.users.eve).toBe('cro');
    const past = cli.run(['settings', 'set', 'users.eve', 'cmo'], ops(at(T0, 1)));
    expect(past.code).toBe(3);
    expect(past.stderr).toContain('settings changes are recorded in time order');
  });

  it('every account replays to its stored snapshot after a rules change, each event under the rules of its time', () => {
    const r = cli.json<{ accounts: number; differing: number }>(['replay']);
    expect(r.accounts).toBeGreaterThan(5);
    expect(r.differing).toBe(0);
    // And the check can fail: a snapshot edited behind the engine's back is found.
    const copy = join(cli.dir, 'tampered.db');
    copyFileSync(cli.db, copy);
    for (const s of ['-wal', '-shm']) if (existsSync(cli.db + s)) copyFileSync(cli.db + s, copy + s);
    const db = new Database(copy);
    db.prepare("update actors set snapshot = json_set(snapshot, '$.context.priority', 'high') where account = 'anywhere.io'").run();
    db.close();
    const t = cli.run(['replay', '--json'], { db: copy });
    expect(t.code).toBe(5);
    expect(JSON.parse(t.stdout)).toMatchObject({ differing: 1, results: expect.arrayContaining([expect.objectContaining({ account: 'anywhere.io', differs: ['context.priority'] })]) });
  });
});

describe('a database is identified before it is touched (issue 11 §6)', () => {
  it('read commands on any SQLite file that is not a ladder database are refused and leave it as it was', () => {
    const other = join(cli.dir, 'other.db');
    const db = new Database(other);
    db.exec('create table notes (id integer primary key, body text)');
    db.close();
    for (const args of [['list'], ['status', 'acme.com'], ['report'], ['sweep'], ['account', 'add', 'a.io', '--name', 'A', '--hq', 'B', '--tier', 'Tier 1', '--icp', '5']]) {
      const r = cli.run(args, { db: other, as: 'ana', now: T0 });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('is not a ladder database');
    }
    expect(readRows<{ name: string }>(other, "select name from sqlite_master where type = 'table'")).toEqual([{ name: 'notes' }]);
    expect(readRows<{ journal_mode: string }>(other, 'pragma journal_mode')).toEqual([{ journal_mode: 'delete' }]);
  });

  it('a read on a missing file creates nothing; a CSV passed as --db is refused', () => {
    const missing = join(cli.dir, 'missing.db');
    expect(cli.run(['list'], { db: missing }).code).toBe(2);
    expect(existsSync(missing)).toBe(false);
    const csv = join(cli.dir, 'people.csv');
    writeFileSync(csv, 'a,b\n1,2\n');
    const r = cli.run(['list'], { db: csv });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a SQLite database');
  });

  it('a database migrated by a newer ladder is refused before anything reads it', () => {
    const newer = join(cli.dir, 'newer.db');
    cli.ok(['init'], { db: newer });
    const db = new Database(newer);
    db.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('from-the-future', Date.parse('2030-01-01T00:00:00Z'));
    db.close();
    for (const args of [['list'], ['init'], ['status', 'x.io']]) {
      const r = cli.run(args, { db: newer });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/written by a newer ladder .*upgrade ladder/);
    }
  });
});

describe('the real clock bounds every command, and the demo writes only its own file (issue 11 §3, §6)', () => {
  it('a command dated more than a day past the real clock is refused and recorded; --allow-future is the deliberate way', () => {
    add('clock.io', T0);
    const before = ledger();
    const r = cli.run(['facts', 'clock.io', '--fact', 'employees=1200'], ops('2099-01-01T00:00:00Z'));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--now 2099-01-01T00:00:00\.000Z is more than 24 hours after the real clock .*--allow-future/);
    expect(ledger()).toEqual(before);
    expect(cli.query<{ type: string; by: string }>("select type, by from refusals where account = 'clock.io'")).toEqual([{ type: 'FACTS', by: 'ana' }]);
    const sim = join(cli.dir, 'future.db');
    cli.ok(['init'], { db: sim });
    cli.ok(['account', 'add', 'f.io', '--name', 'F', '--hq', 'B', '--tier', 'Tier 1', '--icp', '5', '--allow-future'], { db: sim, now: '2099-01-01T00:00:00Z', as: 'sales.ops' });
  });

  it('a reserved name cannot become a user', () => {
    const r = cli.run(['settings', 'set', 'users.__proto__', 'cro'], ops(at(T0, 6)));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"__proto__" is reserved');
  });

  it('the demo never replaces a database that is not a demo, nor reads LADDER_DB', () => {
    const before = cli.tables(['accounts', 'events']);
    const r = cli.run(['demo', '--accounts', '5', '--days', '1', '--no-monday', '--out', cli.db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out: .* exists and it holds \d+ events that did not come from a demo; .*Nothing was changed/);
    expect(cli.tables(['accounts', 'events'])).toEqual(before);
    const other = join(cli.dir, 'notes.db');
    const db = new Database(other);
    db.exec('create table notes (x)');
    db.close();
    expect(cli.run(['demo', '--accounts', '5', '--days', '1', '--no-monday', '--out', other]).stderr).toContain('it is not a ladder database');
    // LADDER_DB is for real work in this shell: the demo writes ./ladder-demo.db in the working folder instead.
    const folder = join(cli.dir, 'demo-here');
    mkdirSync(folder, { recursive: true });
    const env = spawnSync(process.execPath, [BIN, 'demo', '--accounts', '5', '--days', '2', '--no-monday'], { cwd: folder, env: { ...process.env, LADDER_DB: cli.db }, encoding: 'utf8' });
    expect(env.status, env.stderr).toBe(0);
    expect(existsSync(join(folder, 'ladder-demo.db'))).toBe(true);
    expect(cli.tables(['accounts', 'events'])).toEqual(before);
    // A demo database is replaced by the next demo.
    expect(spawnSync(process.execPath, [BIN, 'demo', '--accounts', '5', '--days', '2', '--no-monday'], { cwd: folder, encoding: 'utf8' }).status).toBe(0);
  });
});
