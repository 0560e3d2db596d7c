// Issue 12, "a command line that never hurts its user": each reproduction of the issue through the built binary.
// Expected everywhere: a clear message naming what is wrong and what would work, exit 2, nothing half-done, no
// stack trace.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, BIN, LadderCli, type RunOptions } from '../helpers/cli.js';

const T0 = '2026-04-13T09:00:00.000Z';
const ops = (now = T0): RunOptions => ({ now, as: 'ana' });
let cli: LadderCli;
beforeAll(() => {
  cli = new LadderCli();
  cli.ok(['account', 'add', 'acme.com', '--name', 'Acme', '--hq', 'Berlin', '--tier', 'Tier 1', '--icp', '80'], ops());
});
afterAll(() => cli?.cleanup());

const count = (sql: string) => cli.query<{ n: number }>(sql)[0]!.n;
/** A failure a person can act on: exit 2, one line naming the problem, no stack trace. */
function bad(r: { code: number | null; stderr: string }, want: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(want);
  expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
}

describe('never destroy what it did not create; nothing half-done', () => {
  it('import --report into a folder that does not exist fails before a row is imported, and leaves no spill files', () => {
    const csv = join(cli.dir, 'p.csv');
    writeFileSync(csv, 'Name,Domain,HQ Location,Tier,ICP Score\nOne,one.io,Oslo,Tier 1,80\nTwo,two.io,Oslo,Tier 2,70\n');
    const spills = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`ladder-import-`)).length;
    const before = spills();
    bad(cli.run(['import', csv, '--report', '/nonexistent/r.json'], ops()), /--report: the folder \/nonexistent does not exist/);
    expect(count("select count(*) n from accounts where domain in ('one.io', 'two.io')")).toBe(0);
    expect(spills()).toBe(before);
  });

  it('spill files a killed import left behind are swept by the next import; a report is written private', () => {
    const stale = join(tmpdir(), 'ladder-import-2147480000-deadbeef');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'unique.jsonl'), '{"row":1}\n');
    const csv = join(cli.dir, 'q.csv');
    writeFileSync(csv, 'Name,Domain,HQ Location,Tier,ICP Score\nThree,three.io,Oslo,Tier 1,80\n');
    const report = join(cli.dir, 'q-report.json');
    cli.ok(['import', csv, '--report', report], ops());
    expect(existsSync(stale)).toBe(false);
    expect(statSync(report).mode & 0o777).toBe(0o600);
  });

  it('signal good.md missing.md records nothing and names the missing file', () => {
    const good = join(cli.dir, 'good.md');
    writeFileSync(good, ['---', 'source: comment', 'prospect_name: Jo', 'prospect_linkedin_url: https://www.linkedin.com/in/jo', 'company_name: Acme',
      'company_domain: acme.com', 'signal_type: engagement', 'signal_summary: commented', 'icp_match_score: 80', 'captured_at: 2026-04-13T08:00:00Z',
      'captured_by: mining.mind', '---', ''].join('\n'));
    const events = count('select count(*) n from events');
    bad(cli.run(['signal', good, join(cli.dir, 'missing.md')], ops(at(T0, 0, 1))), /nothing was recorded: 1 of 2 notes cannot be read:\n\s+\S+missing\.md: no such file/);
    expect(count('select count(*) n from events')).toBe(events);
  });
});

describe('errors a person can act on (exit 2, never a stack trace)', () => {
  it('a --db that is a folder, a CSV, in a missing folder, or read-only', () => {
    bad(cli.run(['list'], { db: cli.dir }), /is a directory, not a ladder database/);
    bad(cli.run(['init'], { db: '/nonexistent/folder/l.db' }), /the folder \/nonexistent\/folder does not exist/);
    const ro = join(cli.dir, 'ro.db');
    cli.ok(['init'], { db: ro });
    chmodSync(ro, 0o444);
    const r = cli.run(['account', 'add', 'x.io', '--name', 'X', '--hq', 'Y', '--tier', 'Tier 1', '--icp', '5'], { db: ro, now: T0, as: 'sales.ops' });
    if (process.getuid?.() === 0) expect(r.code).toBe(0); // root writes through file permissions
    else bad(r, /read-only/);
  });

  it('output files: report --html, history --diagram, backup into places that cannot be written', () => {
    bad(cli.run(['report', '--html', '/nonexistent/w.html'], { now: T0 }), /--html: the folder \/nonexistent does not exist/);
    bad(cli.run(['history', 'acme.com', '--diagram', '/nonexistent/x.svg']), /--diagram: the folder \/nonexistent does not exist/);
    bad(cli.run(['backup', '/nonexistent/b.db']), /backup: the folder \/nonexistent does not exist/);
    bad(cli.run(['backup', cli.dir]), /is a folder; give a file path/);
  });

  it('a busy database says which command holds it and what to do', () => {
    const db = new Database(cli.db);
    try {
      db.prepare("insert into runs (command, pid, host, started_at) values ('ladder import big.csv', ?, ?, ?)").run(process.pid, hostname(), new Date().toISOString());
      db.exec('begin immediate');
      const r = spawnSync(process.execPath, [BIN, '--db', cli.db, '--as', 'ana', '--now', at(T0, 1), 'facts', 'acme.com', '--fact', 'employees=300'],
        { encoding: 'utf8', env: { ...process.env, LADDER_BUSY_TIMEOUT_MS: '200' } });
      bad({ code: r.status, stderr: r.stderr }, /is busy: `ladder import big.csv` \(pid \d+, running for \d+ s\) holds its write lock\. Nothing was changed: run your command again when it has finished/);
    } finally {
      db.exec('rollback');
      db.prepare("update runs set ended_at = 'x' where command = 'ladder import big.csv'").run();
      db.close();
    }
  });

  it('monday emulator --port: a port out of range, or one in use, is exit 2 naming --port', async () => {
    bad(cli.run(['monday', 'emulator', '--port', '99999']), /--port: expected a whole number from 0 to 65535/);
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((resolve) => { taken.listen(0, '127.0.0.1', resolve); });
    const port = (taken.address() as { port: number }).port;
    try {
      // spawnSync would block this process's event loop, which holds the port: run it asynchronously.
      const { execFile } = await import('node:child_process');
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, 'monday', 'emulator', '--port', String(port)], { timeout: 30_000 }, (err, _out, stderr) => {
          resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr });
        });
      });
      bad(r, new RegExp(`--port: 127.0.0.1:${port} is already in use`));
    } finally {
      taken.close();
    }
  });

  it('exit codes are in --help; --version prints the version', () => {
    expect(cli.ok(['--help']).stdout).toMatch(/Exit codes: 0 done; 1 unexpected error .*\n.*2 bad input/);
    expect(cli.ok(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('output that can be trusted', () => {
  it('--json is exactly one JSON document, also for commander\'s own errors', () => {
    for (const args of [['status'], ['nosuchcommand'], ['list', '--stage']]) {
      const r = cli.run([...args, '--json']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({ error: { kind: 'UsageError' } });
      expect(r.stderr).toBe('');
    }
  });

  it('signal --dir with a refused note prints one JSON document of every outcome', () => {
    const dir = join(cli.dir, 'notes');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.md'), ['---', 'source: comment', 'prospect_name: Jo', 'prospect_linkedin_url: https://www.linkedin.com/in/jo2', 'company_name: Nobody',
      'company_domain: nobody.io', 'signal_type: engagement', 'signal_summary: commented', 'icp_match_score: 80', 'captured_at: 2026-04-13T08:00:00Z',
      'captured_by: mining.mind', '---', ''].join('\n'));
    const r = cli.run(['signal', '--dir', dir, '--json'], ops(at(T0, 0, 2)));
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, notes: [{ status: 'refused', account: 'nobody.io' }] });
  });

  it('stored text is printed safely; NUL and overlong text are refused at input', () => {
    const csv = join(cli.dir, 'esc.json');
    writeFileSync(csv, JSON.stringify([{ Name: 'Evil\u001b]0;PWNED\u0007\u001b[2J Co', Domain: 'evil.io', 'HQ Location': 'Oslo', Tier: 'Tier 2', 'ICP Score': '50' }]));
    const imp = cli.json<{ counts: { rejected: number }; rejected: { problems: { message: string }[] }[] }>(['import', csv], ops(at(T0, 0, 3)));
    expect(imp.counts.rejected).toBe(1);
    expect(imp.rejected[0]!.problems[0]!.message).toContain('control character U+001B');
    const nul = join(cli.dir, 'nul.json');
    writeFileSync(nul, JSON.stringify([{ Name: 'Nul\u0000Co', Domain: 'nul.io', 'HQ Location': 'Oslo', Tier: 'Tier 2', 'ICP Score': '50' }]));
    expect(cli.json<{ counts: { rejected: number } }>(['import', nul], ops(at(T0, 0, 3))).counts.rejected).toBe(1);
    bad(cli.run(['account', 'add', 'long.io', '--name', 'x'.repeat(301), '--hq', 'Oslo', '--tier', 'Tier 1', '--icp', '5'], ops(at(T0, 0, 3))), /Name \(LQ 6\) is 301 characters long; at most 300 are accepted/);
    // A name that got in through an older ladder is printed with its escapes shown, never obeyed.
    const db = new Database(cli.db);
    db.prepare("update accounts set name = ? where domain = 'acme.com'").run('Acme\u001b]0;PWNED\u0007\u001b[2J');
    db.close();
    const status = cli.ok(['status', 'acme.com'], { now: at(T0, 0, 3) }).stdout;
    expect(status).not.toContain('\u001b');
    expect(status).toContain('Acme\\u001b]0;PWNED\\u0007\\u001b[2J');
  });

  it('list | head -1 ends quietly; list pages with --limit and --offset', () => {
    for (const d of ['b.io', 'c.io', 'd.io']) cli.ok(['account', 'add', d, '--name', d, '--hq', 'Oslo', '--tier', 'T2', '--icp', '50'], ops(at(T0, 0, 4)));
    const piped = spawnSync('sh', ['-c', `node ${BIN} --db ${cli.db} list | head -1`], { encoding: 'utf8' });
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    const page = cli.json<{ account: string }[]>(['list', '--limit', '2', '--offset', '1']);
    expect(page.map((r) => r.account)).toEqual(['b.io', 'c.io']);
  });

  it('history lines up its columns however long a timer label is', () => {
    const lines = cli.ok(['history', 'acme.com']).stdout.split('\n').filter((l) => /^\d{4}-/.test(l));
    const arrows = lines.map((l) => l.indexOf(' → '));
    expect(new Set(arrows).size).toBe(1);
  });
});

describe('one validation for each kind of value', () => {
  it.each([
    [['account', 'add', 'n1.io', '--name', 'N', '--hq', 'H', '--tier', 'Tier 1', '--icp', '0x10'], /--icp: expected a decimal number from 0 to 100/],
    [['account', 'add', 'n2.io', '--name', 'N', '--hq', 'H', '--tier', 'Tier 1', '--icp', '1e1'], /--icp: expected a decimal number from 0 to 100/],
    [['facts', 'acme.com', '--fact', 'employees=0x10'], /facts\.employees/],
    [['facts', 'acme.com', '--fact', '__proto__=1'], /__proto__/],
    [['account', 'add', 'acme9.com:99999', '--name', 'N', '--hq', 'H', '--tier', 'Tier 1', '--icp', '5'], /"99999" after ":" is not a port number \(1-65535\)/],
    [['status', '../../etc/passwd'], /it is a file path, not a domain/],
  ])('%j is refused, naming the field', (args, want) => {
    const before = count('select count(*) n from events');
    bad(cli.run(args, ops(at(T0, 0, 5))), want);
    expect(count('select count(*) n from events')).toBe(before);
  });

  it('--tier takes the spellings an import takes; --as __proto__ is an unknown user', () => {
    cli.ok(['account', 'add', 't1.io', '--name', 'T', '--hq', 'H', '--tier', 'T1', '--icp', '5'], ops(at(T0, 0, 5)));
    expect(cli.query("select tier from accounts where domain = 't1.io'")).toEqual([{ tier: 'Tier 1' }]);
    bad(cli.run(['facts', 'acme.com', '--fact', 'employees=300'], { now: at(T0, 0, 5), as: '__proto__' }), /--as: unknown user "__proto__"/);
  });

  it('an import JSON giving a field twice is refused, like a CSV with a repeated header; /dev/zero is refused at once', () => {
    const dup = join(cli.dir, 'dup.json');
    writeFileSync(dup, '[{"Name":"A","Domain":"a1.io","HQ Location":"X","Tier":"Tier 1","ICP Score":"5","Name":"B"}]');
    bad(cli.run(['import', dup], ops(at(T0, 0, 6))), /gives the field "Name" twice/);
    const t0 = Date.now();
    bad(cli.run(['import', '/dev/zero'], ops(at(T0, 0, 6))), /the extension \(none\) is not supported/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe('files hold names and LinkedIn profiles: created private (0600)', () => {
  it('the database, its WAL, a backup and a report', () => {
    const db = join(cli.dir, 'private.db');
    cli.ok(['init'], { db });
    cli.ok(['account', 'add', 'p.io', '--name', 'P', '--hq', 'H', '--tier', 'Tier 1', '--icp', '5'], { db, now: T0, as: 'sales.ops' });
    expect(statSync(db).mode & 0o777).toBe(0o600);
    if (existsSync(`${db}-wal`)) expect(statSync(`${db}-wal`).mode & 0o777).toBe(0o600);
    const backup = join(cli.dir, 'b.db');
    cli.ok(['backup', backup], { db });
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const html = join(cli.dir, 'w.html');
    cli.ok(['report', '--html', html], { db, now: T0 });
    expect(statSync(html).mode & 0o777).toBe(0o600);
  });
});
