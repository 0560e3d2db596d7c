// Issue 7.6, secrets and roles.
// - The monday token never appears in any output, error, database row (or the database files' bytes),
//   snapshot or the emulator's request log: a flow of the built CLI with a known token, including failures
//   (a wrong board id, a 401 from a wrong token, a malformed token, server errors, dropped connections, an
//   endpoint that is down).
// - CRO-only commands are refused for sales.ops, cmo and chief.staff; chief.staff cannot change anything;
//   every accepted event names who did it.
// - Crafted input changes only the intended row: SQL in names, reasons, contacts and files is stored verbatim.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/app.js';
import { startEmulator, type Emulator } from '../../src/monday/emulator/index.js';
import { parseMondayConfig } from '../../src/monday/config.js';
import {
  SECRET_TOKEN, T0, USERS, at, allCells, checkInvariants, childEnv, contentHash, ensureBuilt, fastTempDir, importSettings, openEngine, OPS, type CRO, sig,
  spawnLadder, staleBuild, type Spawned,
} from '../helpers/reliability.js';
import { PASSING_FACTS } from '../helpers/store.js';

const tmp = fastTempDir('ladder-sec-');
const WRONG_TOKEN = 'tok-WRONG-RELIABILITY-55e0c2d9a817';
afterAll(() => tmp.cleanup());
beforeAll(() => {
  ensureBuilt();
  expect(staleBuild(), 'sources newer than dist/: run npm run build').toEqual([]);
});

function io() {
  const out: string[] = []; const err: string[] = [];
  return { out: (s: string) => { out.push(s); }, err: (s: string) => { err.push(s); }, isTTY: false, env: {} as NodeJS.ProcessEnv, stdout: () => out.join('\n'), stderr: () => err.join('\n') };
}

describe('the monday token', () => {
  let emu: Emulator;
  afterAll(async () => { await emu?.close(); });

  it('never appears in outputs, errors, rows, snapshots, database files or the request log, failures included', async () => {
    emu = await startEmulator({ port: 0, tokens: [SECRET_TOKEN], seed: 5 });
    const dir = tmp.dir;
    const runs: Spawned[] = [];
    const config = (name: string, monday: Record<string, unknown>) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify({ users: USERS, monday: { endpoint: emu.url, retry: { maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 3000 }, ...monday } }));
      return path;
    };
    const good = config('good.json', {});
    const wrongBoard = config('wrong-board.json', { boardId: '4242' });
    const down = config('down.json', { endpoint: 'http://127.0.0.1:9/v2' });
    const tokenFile = join(dir, 'token.txt');
    writeFileSync(tokenFile, `${SECRET_TOKEN}\n`);
    const fromFile = config('token-file.json', { tokenFile });
    const db = join(dir, 'secrets.db');
    const ladder = async (args: string[], token: string | null = SECRET_TOKEN) => {
      const r = await spawnLadder(['--db', db, ...args], { cwd: dir, env: childEnv(token === null ? {} : { MONDAY_API_TOKEN: token }) });
      runs.push(r);
      return r;
    };
    const now = (d: number, h = 0) => ['--now', at(T0, d, h)];
    // The board is a setting of the database: each configuration file is imported (`ladder settings import`),
    // as an operator would, at a clock after the previous one (settings changes are recorded in time order).
    let changes = 0;
    const use = async (cfg: string) => {
      const r = await ladder(['--as', 'ana', ...now(2, ++changes), 'settings', 'import', cfg]);
      expect(r.code, r.stderr).toBe(0);
    };

    expect((await ladder(['init'])).code).toBe(0);
    // The built-in sales.ops user imports the first file (its users: ana, marcus…).
    const first = await ladder(['--as', 'sales.ops', ...now(0), 'settings', 'import', good]);
    expect(first.code, first.stderr).toBe(0);
    for (const [d, name] of [['acme.com', 'Acme'], ['globex.io', `Globex ${SECRET_TOKEN.slice(0, 8)}`]] as const) {
      expect((await ladder(['--as', 'ana', ...now(0), 'account', 'add', d, '--name', name, '--hq', 'Berlin', '--tier', 'Tier 1', '--icp', '80'])).code).toBe(0);
      expect((await ladder(['--as', 'ana', ...now(0), 'facts', d, '--fact', 'employees=1200', '--fact', 'partnerProgram=AWS', '--fact', 'namedReferral=true', '--fact', 'revenueUsd=120000000'])).code).toBe(0);
      expect((await ladder(['--as', 'ana', ...now(1), 'signal', d, '--code', 'E1', '--interaction', 'comment', '--contact', 'https://www.linkedin.com/in/jane'])).code).toBe(0);
    }
    // Failures first, with work waiting: a wrong board, a wrong token (401), a malformed token, no token, the
    // endpoint down, then server errors and dropped connections on the way to success.
    await use(wrongBoard);
    expect((await ladder(['monday', 'push'])).code).toBe(4);
    expect((await ladder(['--json', 'monday', 'verify'])).code).toBe(4);
    await use(good);
    const unauthorized = await ladder(['monday', 'push'], WRONG_TOKEN);
    expect(unauthorized.code).toBe(4);
    expect(unauthorized.stderr).toContain('monday refused the token');
    expect((await ladder(['--json', 'monday', 'push'], WRONG_TOKEN)).code).toBe(4);
    expect((await ladder(['monday', 'push'], `${SECRET_TOKEN}\u0001`)).code).not.toBe(0);
    expect((await ladder(['monday', 'push'], null)).code).toBe(2);
    await use(down);
    expect((await ladder(['monday', 'push'])).code).toBe(4);
    await use(good);
    emu.faults.queue('serverError', 2);
    emu.faults.queue('dropConnection', 1);
    emu.faults.queue('lostResponse', 1);
    const pushed = await ladder(['monday', 'push']);
    expect(pushed.code, pushed.stderr).toBe(0);
    await use(fromFile);
    expect((await ladder(['monday', 'push'], null)).code).toBe(0);
    await use(good);
    expect((await ladder(['--json', 'monday', 'status'])).code).toBe(0);
    expect((await ladder(['monday', 'verify'])).code).toBe(0);
    expect((await ladder(['history', 'acme.com', '--refusals'])).code).toBe(0);
    expect((await ladder(['--json', 'status', 'globex.io'])).code).toBe(0);
    expect((await ladder(['--json', 'settings', 'history'])).code).toBe(0);
    expect((await ladder(['settings', 'show'])).code).toBe(0);
    expect(await checkInvariants(db, { monday: parseMondayConfig({ endpoint: emu.url }), emulator: { emu, cfg: parseMondayConfig({ endpoint: emu.url }), token: SECRET_TOKEN } })).toEqual([]);

    const leaks: string[] = [];
    const search = (where: string, text: string) => {
      for (const [name, secret] of [['the token', SECRET_TOKEN], ['the wrong token', WRONG_TOKEN]] as const) if (text.includes(secret)) leaks.push(`${where} contains ${name}`);
    };
    for (const r of runs) { search(`stdout of ladder ${r.args.slice(2).join(' ')}`, r.stdout); search(`stderr of ladder ${r.args.slice(2).join(' ')}`, r.stderr); }
    for (const cell of allCells(db)) search('a database row', cell);
    for (const f of readdirSync(dir).filter((f) => f.startsWith('secrets.db'))) search(`the bytes of ${f}`, readFileSync(join(dir, f)).toString('latin1'));
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) search(`config ${f}`, readFileSync(join(dir, f), 'utf8'));
    search('the emulator request log', JSON.stringify(emu.requests));
    expect(leaks).toEqual([]);
    // The token did travel, where it must: as the Authorization of requests the emulator accepted.
    expect(emu.requests.filter((q) => q.status === 200).length).toBeGreaterThan(3);
    expect(emu.requests.some((q) => q.status === 401)).toBe(true);
  }, 180_000);
});

describe('roles', () => {
  const db = join(tmp.dir, 'roles.db');
  const D = { review: 'review.example.com', prospect: 'g4fail.example.com', dq: 'acquired.example.com', mql: 'mql.example.com' };

  beforeAll(() => {
    importSettings(db); // the users (ana, marcus, carla, cole) are settings of the database
    const { store, engine } = openEngine(db);
    const send = (d: string, body: Record<string, unknown>, who: typeof OPS | typeof CRO = OPS) => engine.submit({ account: d, source: 'cli', now: T0, event: { ...body, at: T0, ...who } as never });
    for (const d of Object.values(D)) engine.addAccount({ domain: d, name: d, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: d === D.prospect ? { ...PASSING_FACTS, revenueUsd: 1_000_000, namedPartnerExec: false } : PASSING_FACTS }, { ...OPS, at: T0, now: T0, source: 'cli' });
    send(D.review, sig('r1', 'E1', 'https://www.linkedin.com/in/r', T0)); send(D.review, { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'LIKELY', S4: 'NOT_PRESENT' } });
    send(D.mql, sig('m1', 'E1', 'https://www.linkedin.com/in/m', T0));
    send(D.prospect, sig('p1', 'E1', 'https://www.linkedin.com/in/p', T0));
    send(D.dq, { type: 'DISQUALIFY', reason: 'acquired' });
    store.close();
  });

  const cli = async (as: string, args: string[]) => {
    const o = io();
    const code = await runCli(['--db', db, '--as', as, '--now', at(T0, 1), ...args], o);
    return { code, out: o.stdout(), err: o.stderr() };
  };
  const CRO_COMMANDS: [string, string[]][] = [
    ['confirm', ['cro', 'confirm', D.review]], ['dispute', ['cro', 'dispute', D.review, '--reason', 'weak S3']], ['flag', ['cro', 'flag', D.review]],
    ['override', ['cro', 'override', D.prospect, '--gate', 'G4', '--justification', 'sponsor', '--compensating', 'referral']],
    ['reopen', ['cro', 'reopen', D.dq, '--reason', 'new leadership']],
  ];

  for (const [user, role] of [['ana', 'sales.ops'], ['carla', 'cmo'], ['cole', 'chief.staff']] as const) {
    it.each(CRO_COMMANDS)(`refuses cro %s for ${role}, recording who tried, changing nothing else`, async (_name, args) => {
      const before = contentHash(db);
      const refusals = new Database(db, { readonly: true }).prepare('select count(*) from refusals').pluck().get() as number;
      const r = await cli(user, args);
      expect(r.code, r.err).toBe(3);
      expect(r.err).toMatch(new RegExp(`only the CRO may|is for cro; this user acts as ${role.replace('.', '\\.')}`));
      expect(contentHash(db)).toBe(before);
      const last = new Database(db, { readonly: true }).prepare('select * from refusals order by id desc limit 1').get() as { by: string; role: string; type: string };
      expect(last).toMatchObject({ by: user, role, type: `CRO_${args[1]!.toUpperCase()}` });
      expect(new Database(db, { readonly: true }).prepare('select count(*) from refusals').pluck().get()).toBe(refusals + 1);
    });
  }

  it('lets the CRO do the same, naming the CRO on the event', async () => {
    const r = await cli('marcus', ['cro', 'confirm', D.review]);
    expect(r.code, r.err).toBe(0);
    const e = new Database(db, { readonly: true }).prepare("select by, role from events where type = 'CRO_CONFIRM'").get();
    expect(e).toEqual({ by: 'marcus', role: 'cro' });
  });

  it('chief.staff can read everything and change nothing', async () => {
    const note = join(tmp.dir, 'note.md');
    writeFileSync(note, `---\nsource: dm\nprospect_name: Jane\nprospect_linkedin_url: https://linkedin.com/in/jane\ncompany_name: MQL\ncompany_domain: ${D.mql}\nsignal_type: inbound\nsignal_summary: asked for a call\nicp_match_score: 80\ncaptured_at: ${at(T0, 1)}\ncaptured_by: mining.mind\n---\nbody\n`);
    const csv = join(tmp.dir, 'import.csv');
    writeFileSync(csv, 'Name,Domain,HQ Location,Tier,ICP Score\nNew,new.example.com,Oslo,Tier 1,80\n');
    const writes: string[][] = [
      ['account', 'add', 'new.example.com', '--name', 'New', '--hq', 'Oslo', '--tier', 'Tier 1', '--icp', '80'],
      ['signal', D.mql, '--code', 'E3', '--contact', 'https://www.linkedin.com/in/x'], ['signal', note],
      ['facts', D.mql, '--fact', 'employees=5000'], ['facts', D.prospect, '--gate', 'G4', '--pass', '--why', 'budget seen'],
      ['dossier', D.mql, '--s1', 'likely', '--s2', 'likely', '--s3', 'likely', '--s4', 'likely'],
      ['briefing', 'scheduled', D.review], ['briefing', 'completed', D.review], ['assessment', 'qualified', D.review], ['assessment', 'won', D.review], ['assessment', 'lost', D.review, '--reason', 'x'],
      ['disqualify', D.mql, '--reason', 'acquired'], ['archive', D.mql], ['import', csv],
      ...CRO_COMMANDS.map(([, a]) => a),
    ];
    for (const args of writes) {
      const before = contentHash(db);
      const r = await cli('cole', args);
      expect(r.code, `${args.join(' ')}: ${r.out}${r.err}`).toBe(3);
      expect(contentHash(db), args.join(' ')).toBe(before);
    }
    for (const args of [['status', D.mql], ['history', D.review, '--refusals'], ['list']]) expect((await cli('cole', args)).code).toBe(0);
  });

  it('cmo may record signals and nothing else', async () => {
    expect((await cli('carla', ['signal', D.prospect, '--code', 'E5', '--contact', 'https://www.linkedin.com/in/p'])).code).toBe(0);
    const before = contentHash(db);
    expect((await cli('carla', ['dossier', D.mql, '--s1', 'likely', '--s2', 'likely', '--s3', 'likely', '--s4', 'likely'])).code).toBe(3);
    expect((await cli('carla', ['facts', D.mql, '--fact', 'employees=10'])).code).toBe(3);
    expect(contentHash(db)).toBe(before);
  });

  it('every accepted event names who did it, with a role allowed to do it', async () => {
    const events = new Database(db, { readonly: true }).prepare('select by, role, type from events').all() as { by: string; role: string; type: string }[];
    expect(events.length).toBeGreaterThan(8);
    for (const e of events) expect(e.by === 'unknown' || e.by.trim() === '' || e.role === 'unknown', JSON.stringify(e)).toBe(false);
    expect(await checkInvariants(db)).toEqual([]);
  });
});

describe('crafted input', () => {
  const db = join(tmp.dir, 'crafted.db');
  const NAME = `Robert'); DROP TABLE accounts;--`;
  const counts = () => {
    const c = new Database(db, { readonly: true });
    try {
      const tables = c.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").pluck().all() as string[];
      return Object.fromEntries(tables.map((t) => [t, c.prepare(`select count(*) from "${t}"`).pluck().get() as number]));
    } finally { c.close(); }
  };
  const cli = async (args: string[], as = 'ana') => {
    const o = io();
    const code = await runCli(['--db', db, '--as', as, '--now', at(T0, 2), ...args], o);
    return { code, out: o.stdout(), err: o.stderr() };
  };
  beforeAll(async () => {
    expect((await cli(['init'])).code).toBe(0);
    importSettings(db);
  });

  it(`stores an account named ${JSON.stringify(NAME)} verbatim, and only that account`, async () => {
    const before = counts();
    const r = await cli(['account', 'add', 'bobby.example.com', '--name', NAME, '--hq', `x'; DELETE FROM events; --`, '--tier', 'Tier 2', '--icp', '50']);
    expect(r.code, r.err).toBe(0);
    const after = counts();
    expect(after).toEqual({ ...before, accounts: before.accounts! + 1, actors: before.actors! + 1, events: before.events! + 1, stage_history: before.stage_history! + 1 });
    const status = await cli(['--json', 'status', 'bobby.example.com']);
    expect(JSON.parse(status.out)).toMatchObject({ name: NAME, hq: `x'; DELETE FROM events; --` });
  });

  it('keeps SQL in a contact, a dispute reason and a note verbatim, as data', async () => {
    // A contact is a LinkedIn profile or an e-mail address (issue 11): SQL that is no contact is refused as bad
    // input, naming the field, and writes nothing; SQL quoting that a valid e-mail address may hold is data.
    const notAContact = `'); UPDATE actors SET stage = 'WON'; --`;
    expect((await cli(['facts', 'bobby.example.com', '--fact', 'employees=1200', '--fact', 'partnerProgram=AWS', '--fact', 'namedReferral=true', '--fact', 'revenueUsd=120000000'])).code).toBe(0);
    const untouched = contentHash(db, []);
    const bad = await cli(['signal', 'bobby.example.com', '--code', 'E1', '--interaction', 'comment', '--contact', notAContact]);
    expect(bad.code, bad.err).toBe(2);
    expect(bad.err).toMatch(/contact/);
    expect(contentHash(db, [])).toBe(untouched);
    const contact = `'OR'1'='1'--@Evil.example.com`;
    expect((await cli(['signal', 'bobby.example.com', '--code', 'E1', '--interaction', 'comment', '--contact', contact])).code).toBe(0);
    expect((await cli(['dossier', 'bobby.example.com', '--s1', 'likely', '--s2', 'likely', '--s3', 'likely', '--s4', 'likely', '--evidence-s1', `" OR 1=1 --`])).code).toBe(0);
    const reason = `weak'); DROP TABLE events; --`;
    const r = await cli(['cro', 'dispute', 'bobby.example.com', '--reason', reason], 'marcus');
    expect(r.code, r.err).toBe(0);
    const c = new Database(db, { readonly: true });
    try {
      expect(c.prepare("select reason from events where type = 'CRO_DISPUTE'").pluck().get()).toBe(reason);
      const snap = JSON.parse(c.prepare('select snapshot from actors where account = ?').pluck().get('bobby.example.com') as string) as { value: unknown; context: { signals: { contact: string }[]; dossier: { evidence: { S1: string } } } };
      // Disputed: back to MQL, in nurture (machine v2). The contact is stored as its canonical key (lower case).
      expect(snap.value).toEqual({ MQL: 'nurture' });
      expect(snap.context.signals.map((s) => s.contact)).toEqual([contact.toLowerCase()]);
      expect(snap.context.dossier.evidence.S1).toBe(`" OR 1=1 --`);
      expect(c.prepare("select count(*) from actors where stage = 'WON'").pluck().get()).toBe(0);
    } finally { c.close(); }
    expect(await checkInvariants(db)).toEqual([]);
  });

  it('refuses a domain that is SQL, naming the field, and writes nothing', async () => {
    const before = contentHash(db, []);
    const r = await cli(['account', 'add', `x.com'; DROP TABLE accounts; --`, '--name', 'X', '--hq', 'Y', '--tier', 'Tier 1', '--icp', '5']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ladder: account: "x\.com'; DROP TABLE accounts; --" is not a company domain/);
    expect(contentHash(db, [])).toBe(before);
  });

  it('imports a file whose fields are SQL as data', async () => {
    const csv = join(tmp.dir, 'sql.csv');
    writeFileSync(csv, `Name,Domain,HQ Location,Tier,ICP Score,Notes\n"${NAME.replace(/"/g, '""')}",sql-import.example.com,"'; DROP TABLE actors;--",Tier 1,70,"1); DELETE FROM accounts WHERE (1"\n`);
    const before = counts();
    const r = await cli(['--json', 'import', csv]);
    expect(r.code, r.err).toBe(0);
    expect(counts().accounts).toBe(before.accounts! + 1);
    const row = new Database(db, { readonly: true }).prepare('select name, hq, extra from accounts where domain = ?').get('sql-import.example.com');
    expect(row).toEqual({ name: NAME, hq: "'; DROP TABLE actors;--", extra: JSON.stringify({ notes: '1); DELETE FROM accounts WHERE (1' }) });
    expect(await checkInvariants(db)).toEqual([]);
  });
});
