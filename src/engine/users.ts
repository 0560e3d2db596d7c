// Users (issue 13): a user's role is a setting (users.NAME); an API token proves who calls the server. A token is
// printed once and only its SHA-256 hash is kept: 32 random bytes cannot be guessed, so a slow password hash would
// add nothing (those stretch low-entropy passwords). Adding, re-issuing and revoking go through the engine.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { userTokens } from '../store/schema.js';
import { BadInputError } from './errors.js';
import type { EngineCore, Source } from './engine.js';
import { roleOf, UserName, UserRole, type Settings } from '../settings/schema.js';
import { validateNow } from './validate.js';

export const TOKEN_PREFIX = 'ldr_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new token: recognisable by its prefix (secret scanners), 32 random bytes, URL-safe. */
export function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export type UserMeta = { by: string; role: string; now: string; source: Source };
export type UserView = { name: string; role: string; mondayUser: string | null; tokens: number; since: string | null };

export function makeUsers(core: EngineCore) {
  const { db } = core;
  const insertToken = (user: string, now: string, by: string) => {
    const token = newToken();
    db.insert(userTokens).values({ user, hash: hashToken(token), createdAt: now, createdBy: by }).run();
    return token;
  };
  const record = (type: string, meta: UserMeta, now: string, payload: unknown) => ({ account: null, type, payload, by: meta.by, role: meta.role, source: meta.source, at: now });

  /** Adds (or re-roles) a user and issues a token, printed once. */
  function addUser(u: { name: string; role: string; mondayUser?: string }, meta: UserMeta): { token: string; version: number } {
    const now = validateNow(meta.now);
    const name = UserName.safeParse(u.name);
    if (!name.success) throw new BadInputError(`name: ${name.error.issues[0]?.message}`, 'name');
    const role = UserRole.safeParse(u.role);
    if (!role.success) throw new BadInputError(`--role: expected one of sales.ops, cro, cmo, chief.staff, category.positioning; got ${JSON.stringify(u.role)}`, 'role');
    if (u.mondayUser !== undefined && !/^\d{1,20}$/.test(u.mondayUser)) throw new BadInputError(`--monday-user: expected a numeric monday user id; got ${JSON.stringify(u.mondayUser)}`, 'monday-user');
    return core.standalone(() => core.attempt(() => {
      const { version } = core.settingsInTx((s) => ({
        ...s,
        users: { ...s.users, [name.data]: role.data },
        mondayUsers: u.mondayUser ? { ...Object.fromEntries(Object.entries(s.mondayUsers).filter(([, who]) => who !== name.data)), [u.mondayUser]: name.data } : s.mondayUsers,
      }), { ...meta, change: `user ${name.data}: ${role.data}${u.mondayUser ? `, monday user ${u.mondayUser}` : ''}` }, now);
      return { token: insertToken(name.data, now, meta.by), version };
    }, () => record('USER_ADDED', meta, now, { type: 'USER_ADDED', user: u.name, role: u.role, mondayUser: u.mondayUser ?? null })));
  }

  /** A new token for an existing user (the old ones stay valid until revoked). */
  function issueToken(name: string, meta: UserMeta): string {
    const now = validateNow(meta.now);
    return core.standalone(() => core.attempt(() => {
      const denied = core.authorize('SETTINGS', meta.role, now);
      if (denied) core.refuse(null, 'USER_TOKEN', `cannot issue a token: ${denied.why}`, denied.kind);
      if (!roleOf(core.live().settings, name)) throw new BadInputError(`user: no user ${JSON.stringify(name)} (ladder user list)`, 'user');
      return insertToken(name, now, meta.by);
    }, () => record('USER_TOKEN', meta, now, { type: 'USER_TOKEN', user: name })));
  }

  /** Revokes every token of the user and removes the user (its role, its monday id). */
  function revokeUser(name: string, meta: UserMeta): { tokens: number } {
    const now = validateNow(meta.now);
    return core.standalone(() => core.attempt(() => {
      if (!roleOf(core.live().settings, name)) throw new BadInputError(`user: no user ${JSON.stringify(name)} (ladder user list)`, 'user');
      core.settingsInTx((s) => {
        const users = { ...s.users };
        delete users[name];
        return { ...s, users, mondayUsers: Object.fromEntries(Object.entries(s.mondayUsers).filter(([, who]) => who !== name)) };
      }, { ...meta, change: `revoke user ${name}` }, now);
      const tokens = db.update(userTokens).set({ revokedAt: now }).where(and(eq(userTokens.user, name), isNull(userTokens.revokedAt))).run().changes;
      return { tokens };
    }, () => record('USER_REVOKED', meta, now, { type: 'USER_REVOKED', user: name })));
  }

  /** Who a token belongs to, with the role the settings give them now; null for an unknown or revoked token. */
  function userByToken(token: string): { name: string; role: UserRole; tokenId: number; sessionGeneration: number } | null {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
    const hash = hashToken(token);
    const row = db.select().from(userTokens).where(and(eq(userTokens.hash, hash), isNull(userTokens.revokedAt))).get();
    // The index found it by hash; compared again in constant time all the same.
    if (!row || !timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
    return withRole(row.user, row.id, row.sessionGeneration);
  }

  /**
   * The same for a session that remembers which token opened it, in which generation: null once that token is
   * revoked, or once its sessions were ended (signing out starts a new generation).
   */
  function userByTokenId(id: number, name: string, generation: number): { name: string; role: UserRole; tokenId: number; sessionGeneration: number } | null {
    const row = db.select().from(userTokens).where(and(eq(userTokens.id, id), isNull(userTokens.revokedAt))).get();
    if (!row || row.user !== name || row.sessionGeneration !== generation) return null;
    return withRole(row.user, row.id, row.sessionGeneration);
  }

  /** Signing out: every session opened with this token so far is over (the token itself stays valid). */
  function endSessions(tokenId: number): void {
    core.write(() => { db.update(userTokens).set({ sessionGeneration: sql`${userTokens.sessionGeneration} + 1` }).where(eq(userTokens.id, tokenId)).run(); });
  }

  function withRole(name: string, tokenId: number, sessionGeneration: number) {
    const settings: Settings = core.current().settings;
    const role = roleOf(settings, name);
    return role ? { name, role, tokenId, sessionGeneration } : null;
  }

  function listUsers(): UserView[] {
    const settings = core.current().settings;
    const byUser = new Map<string, { n: number; since: string | null }>();
    for (const t of db.select().from(userTokens).where(isNull(userTokens.revokedAt)).all()) {
      const seen = byUser.get(t.user) ?? { n: 0, since: null };
      byUser.set(t.user, { n: seen.n + 1, since: seen.since && seen.since < t.createdAt ? seen.since : t.createdAt });
    }
    const mondayOf = new Map(Object.entries(settings.mondayUsers).map(([id, who]) => [who, id]));
    return Object.entries(settings.users).sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, role]) => ({ name, role, mondayUser: mondayOf.get(name) ?? null, tokens: byUser.get(name)?.n ?? 0, since: byUser.get(name)?.since ?? null }));
  }

  return { addUser, issueToken, revokeUser, userByToken, userByTokenId, endSessions, listUsers };
}
