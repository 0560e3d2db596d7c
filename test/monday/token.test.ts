// Issue 4, "Done means" 6: the monday token never leaves the process in text. The built CLI runs a whole
// flow against the emulator (push, status, verify, repair, and the error cases: wrong board, wrong token,
// no token, a token file), and every stdout/stderr, every row of every table (the settings included), the
// database files' bytes, the imported settings files and the emulator's request log are searched for it.
// The board is a setting of the database (`ladder settings import` / `settings set`); the token never is: it
// comes from MONDAY_API_TOKEN or the file monday.tokenFile names. Needs `npm run build`.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOARD, T0, TOKEN, at, emulators } from '../helpers/monday.js';
import { tempDir } from '../helpers/store.js';

const em = emulators();
const CLI = resolve('dist/src/cli/index.js');
const WRONG_TOKEN = 'tok-WRONG-0b8d6e55c3a1-not-ours';
let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => { tmp?.cleanup(); tmp = undefined; });

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/src/cli/index.js is missing: run npm run build first');
  // A stale build would test yesterday's code: the monday sources must not be newer than their build.
  const sources = [...readdirSync('src/monday').filter((f) => f.endsWith('.ts')).map((f) => join('src/monday', f)), 'src/cli/commands/monday.ts'];
  const stale = sources.filter((src) => {
    const built = join('dist', src.replace(/\.ts$/, '.js'));
    return !existsSync(built) || statSync(built).mtimeMs + 1000 < statSync(src).mtimeMs;
  });
  if (stale.length) throw new Error(`dist is older than ${stale.join(', ')}: run npm run build first`);
});

type Run = { args: string[]; code: number; stdout: string; stderr: string };

describe('the monday token', () => {
  it('never appears in any output, database row, file or request log of a CLI flow, errors included', async () => {
    const emu = await em.start({ tokens: [TOKEN] });
    tmp = tempDir('ladder-token-');
    const dir = tmp.dir;
    const runs: Run[] = [];
    const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MONDAY_') && !k.startsWith('LADDER_')));
    const config = (name: string, monday: Record<string, unknown>) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify({ users: { ana: 'sales.ops' }, monday: { endpoint: emu.url, ...monday } }, null, 2));
      return path;
    };
    const good = config('ladder.config.json', {});
    const wrongBoard = config('wrong-board.json', { boardId: '999' });
    const tokenFile = join(dir, 'monday.token');
    writeFileSync(tokenFile, `${TOKEN}\n`);

    const ladder = (db: string, args: string[], env: Record<string, string | undefined> = { MONDAY_API_TOKEN: TOKEN }) =>
      new Promise<Run>((done) => {
        const argv = ['--db', join(dir, db), ...args];
        execFile(process.execPath, [CLI, ...argv], { cwd: dir, env: { ...baseEnv, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
          const run = { args, code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr };
          runs.push(run);
          done(run);
        });
      });
    const exits = (r: Run, code: number) => expect(r.code, `ladder ${r.args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(code);
    const ok = async (db: string, args: string[], env?: Record<string, string | undefined>) => {
      const r = await ladder(db, args, env);
      exits(r, 0);
      return r;
    };
    const now = (d: number, hrs = 0) => ['--now', at(T0, d, hrs)];

    // A wrong board id, on its own database, alongside the main flow: push and verify say what is wrong.
    const wrongBoardFlow = (async () => {
      await ok('wrong.db', ['init']);
      await ok('wrong.db', ['--as', 'sales.ops', ...now(0), 'settings', 'import', wrongBoard]);
      await ok('wrong.db', ['--as', 'ana', ...now(0), 'account', 'add', 'other.com', '--name', 'Other', '--hq', 'Oslo', '--tier', 'Tier 2', '--icp', '60']);
      const badBoard = await ladder('wrong.db', ['monday', 'push']);
      exits(badBoard, 4);
      expect(badBoard.stderr).toMatch(/InvalidBoardIdException: Board not found; fix: the board id is wrong/);
      const badBoardJson = await ladder('wrong.db', ['--json', 'monday', 'verify']);
      exits(badBoardJson, 4);
      expect(badBoardJson.stdout).toContain('board 999 not found');
    })();

    // The flow: an account qualifies (MQL), then push, status, verify.
    await ok('ladder.db', ['init']);
    // Before the import the board is not known: no push, and no token is needed to say so.
    const noBoard = await ladder('ladder.db', ['monday', 'push']);
    exits(noBoard, 2);
    expect(noBoard.stderr).toContain('monday: no board configured');
    await ok('ladder.db', ['--as', 'sales.ops', ...now(0), 'settings', 'import', good]);
    await ok('ladder.db', ['--as', 'ana', ...now(0), 'account', 'add', 'acme.com', '--name', 'Acme', '--hq', 'Berlin', '--tier', 'Tier 1', '--icp', '82']);
    await ok('ladder.db', ['--as', 'ana', ...now(0), 'facts', 'acme.com', '--fact', 'employees=1200', '--fact', 'partnerProgram=AWS', '--fact', 'namedReferral=true', '--fact', 'revenueUsd=120000000']);
    await ok('ladder.db', ['--as', 'ana', ...now(0, 1), 'signal', 'acme.com', '--code', 'E1', '--interaction', 'comment', '--contact', 'https://linkedin.com/in/jane']);
    const pushed = await ok('ladder.db', [...now(0, 4), 'monday', 'push']);
    expect(pushed.stdout).toContain('1 created');
    expect(pushed.stdout).toContain('1 comments posted');
    expect(emu.state.items(BOARD)).toHaveLength(1);
    const itemId = emu.state.items(BOARD)[0]!.id;
    const stageOnBoard = () => emu.state.item(itemId)!.columns.status_stage!.text;
    expect(stageOnBoard()).toBe('MQL');
    expect(JSON.parse((await ok('ladder.db', ['--json', 'monday', 'status'])).stdout)).toMatchObject({ posted: 1, deadItems: 0 });
    expect((await ok('ladder.db', ['monday', 'verify'])).stdout).toContain('equal: 1');

    // A hand edit on the board: verify fails (exit 5) naming it; --repair and push fix it.
    emu.state.setColumnValue(itemId, 'status_stage', { label: 'WON' });
    const drift = await ladder('ladder.db', ['monday', 'verify']);
    exits(drift, 5);
    expect(drift.stdout).toContain(`drift acme.com (item ${itemId}) status_stage: board "WON" ≠ machine "MQL"`);
    await ok('ladder.db', ['--json', 'monday', 'verify', '--repair']);
    await ok('ladder.db', ['monday', 'push']);
    expect(stageOnBoard()).toBe('MQL');

    // A command that pushes by itself (monday.pushAfterCommands).
    await ok('ladder.db', ['--as', 'ana', ...now(1), 'settings', 'set', 'monday.pushAfterCommands', 'true']);
    const eagerRun = await ok('ladder.db', ['--as', 'ana', ...now(1), 'dossier', 'acme.com', '--s1', 'likely', '--s2', 'likely', '--s3', 'confirmed', '--s4', 'not_present']);
    expect(eagerRun.stderr).toContain('monday push:');
    expect(stageOnBoard()).toBe('SQL: review');
    await ok('ladder.db', ['--as', 'ana', ...now(1), 'settings', 'set', 'monday.pushAfterCommands', 'false']);

    // Errors: a wrong token (refused: 401) and no token at all, with work waiting (a stage move and its comment).
    await ok('ladder.db', ['--as', 'ana', ...now(1, 3), 'archive', 'acme.com', '--reason', 'went quiet']);
    const refused = await ladder('ladder.db', ['monday', 'push'], { MONDAY_API_TOKEN: WRONG_TOKEN });
    exits(refused, 4);
    expect(refused.stderr).toMatch(/Unauthorized: Not Authenticated; fix: monday refused the token/);
    const missing = await ladder('ladder.db', ['monday', 'push'], {});
    exits(missing, 2);
    expect(missing.stderr).toContain('MONDAY_API_TOKEN: not set');
    // The token from a file (monday.tokenFile) delivers what the refused pushes left: nothing was dead-lettered.
    await ok('ladder.db', ['--as', 'ana', ...now(1, 4), 'settings', 'set', 'monday.tokenFile', tokenFile], {});
    const fromFileRun = await ok('ladder.db', ['monday', 'push'], {});
    expect(fromFileRun.stdout).toMatch(/1 comments posted[\s\S]*dead letters: 0 items, 0 comments/);
    expect(stageOnBoard()).toBe('ARCHIVED');
    await wrongBoardFlow;

    // Now search everything for the tokens.
    const secrets = [TOKEN, WRONG_TOKEN];
    const leaks: string[] = [];
    const search = (where: string, text: string) => { for (const s of secrets) if (text.includes(s)) leaks.push(`${where} contains ${s === TOKEN ? 'the token' : 'the wrong token'}`); };
    for (const r of runs) { search(`stdout of ladder ${r.args.join(' ')}`, r.stdout); search(`stderr of ladder ${r.args.join(' ')}`, r.stderr); }
    for (const db of ['ladder.db', 'wrong.db']) {
      const sqlite = new Database(join(dir, db), { readonly: true });
      const tables = sqlite.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[];
      expect(tables).toEqual(expect.arrayContaining(['accounts', 'events', 'monday_items', 'monday_comments']));
      for (const t of tables) for (const row of sqlite.prepare(`select * from "${t}"`).all()) search(`${db} table ${t}`, JSON.stringify(row));
      sqlite.close();
    }
    for (const f of readdirSync(dir).filter((f) => f !== 'monday.token')) search(`file ${f}`, readFileSync(join(dir, f)).toString('latin1'));
    search('the emulator request log', JSON.stringify(emu.requests));
    expect(leaks).toEqual([]);

    // The token did travel where it must: in the Authorization header of every request.
    expect(emu.requests.length).toBeGreaterThan(5);
    expect(emu.requests.every((q) => q.authorized && q.apiVersion === '2026-10')).toBe(true);
    expect(emu.requests.filter((q) => q.status === 401)).toHaveLength(1);
  });
});
