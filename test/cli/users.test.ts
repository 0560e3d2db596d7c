// `ladder user add | token | revoke | list` (issue 13): the people who use `ladder serve`. A token is printed once
// and only its SHA-256 hash is kept (the database file never holds it); the role is a setting (who changed it is in
// the settings history); revoking ends every token at once; only sales.ops or the CRO manage users.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/engine/users.js';
import { openTestLadder } from '../helpers/store.js';
import { LadderCli } from '../helpers/cli.js';

const NOW = '2026-04-06T09:00:00.000Z';
let cli: LadderCli;
beforeAll(() => { cli = new LadderCli(); });
afterAll(() => cli?.cleanup());

const token = (stdout: string) => /ldr_[A-Za-z0-9_-]{43}/.exec(stdout)?.[0];

describe('ladder user', () => {
  it('adds a user with a role and prints a token once; the database keeps only its hash', () => {
    const r = cli.ok(['user', 'add', 'marcus.b', '--role', 'cro', '--monday-user', '12345'], { now: NOW, as: 'ana' });
    const t = token(r.stdout);
    expect(t, r.stdout).toBeDefined();
    expect(readFileSync(cli.db).includes(Buffer.from(t!))).toBe(false);
    expect(cli.query('select user, hash, created_by as by from user_tokens where user = ?', 'marcus.b')).toEqual([{ user: 'marcus.b', hash: hashToken(t!), by: 'ana' }]);
    const ladder = openTestLadder(cli.db);
    try {
      expect(ladder.engine.userByToken(t!)).toMatchObject({ name: 'marcus.b', role: 'cro' });
      expect(ladder.settings.mondayUsers).toMatchObject({ 12345: 'marcus.b' });
    } finally { ladder.close(); }
    // Listed with role, monday id and token count; never the token.
    const list = cli.json<{ name: string; role: string; mondayUser: string | null; tokens: number }[]>(['user', 'list']);
    expect(list.find((u) => u.name === 'marcus.b')).toMatchObject({ role: 'cro', mondayUser: '12345', tokens: 1 });
    expect(cli.ok(['user', 'list']).stdout).not.toContain('ldr_');
  });

  it('refuses a role that does not exist, a bad monday id and a bad name, naming the field (exit 2), changing nothing', () => {
    const before = cli.tables(['settings', 'user_tokens']);
    const role = cli.run(['user', 'add', 'zed', '--role', 'admin'], { now: NOW, as: 'ana' });
    expect(role.code).toBe(2);
    expect(role.stderr).toMatch(/--role: expected one of sales.ops, cro, cmo, chief.staff/);
    expect(cli.run(['user', 'add', 'zed', '--role', 'cro', '--monday-user', 'abc'], { now: NOW, as: 'ana' }).stderr).toMatch(/--monday-user: expected a numeric monday user id/);
    expect(cli.run(['user', 'add', 'a b', '--role', 'cro'], { now: NOW, as: 'ana' }).code).toBe(2);
    expect(cli.tables(['settings', 'user_tokens'])).toEqual(before);
  });

  it('lets only sales.ops or the CRO manage users: a cmo is refused (exit 3) and the refusal recorded', () => {
    const before = cli.tables(['settings', 'user_tokens']);
    const r = cli.run(['user', 'add', 'eve', '--role', 'cro'], { now: NOW, as: 'carla' });
    expect(r.code, r.stderr).toBe(3);
    expect(cli.tables(['settings', 'user_tokens'])).toEqual(before);
    expect(cli.query("select by, role from refusals where type = 'USER_ADDED'")).toEqual([{ by: 'carla', role: 'cmo' }]);
  });

  it('issues a second token that works beside the first, and revoke ends both and removes the user', () => {
    const first = token(cli.ok(['user', 'add', 'olga', '--role', 'sales.ops'], { now: NOW, as: 'ana' }).stdout)!;
    const second = token(cli.ok(['user', 'token', 'olga'], { now: NOW, as: 'ana' }).stdout)!;
    expect(second).not.toBe(first);
    let ladder = openTestLadder(cli.db);
    try {
      expect(ladder.engine.userByToken(first)?.name).toBe('olga');
      expect(ladder.engine.userByToken(second)?.name).toBe('olga');
    } finally { ladder.close(); }
    expect(cli.ok(['user', 'revoke', 'olga'], { now: NOW, as: 'ana' }).stdout).toMatch(/2 token\(s\) revoked/);
    ladder = openTestLadder(cli.db);
    try {
      expect(ladder.engine.userByToken(first)).toBeNull();
      expect(ladder.engine.userByToken(second)).toBeNull();
      expect(ladder.settings.users.olga).toBeUndefined();
    } finally { ladder.close(); }
    expect(cli.run(['user', 'token', 'olga'], { now: NOW, as: 'ana' }).code).toBe(2);
  });
});
