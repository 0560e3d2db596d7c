// A server over a real SQLite file in a temporary folder, with users and their tokens, for the HTTP tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openLadder, type Ladder } from '../../src/ladder.js';
import { buildServer, type ServerOptions } from '../../src/server/app.js';

export const T0 = '2026-04-06T09:00:00.000Z';
export const OPS = { by: 'sales.ops', role: 'sales.ops' } as const;

export type ServerHarness = {
  dir: string; path: string; ladder: Ladder; app: FastifyInstance;
  tokens: Record<'ops' | 'cro' | 'cmo' | 'chief', string>;
  /** The server's clock (ms): tests move it, never sleep. */
  clock: { now: number };
  close(): Promise<void>;
};

export async function serverHarness(o: Partial<ServerOptions> = {}): Promise<ServerHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'ladder-server-'));
  const path = join(dir, 'ladder.db');
  const clock = { now: Date.parse(T0) };
  const ladder = openLadder(path, { mode: 'create', allowFuture: true, clock: () => clock.now });
  const at = new Date(clock.now).toISOString();
  const token = (name: string, role: 'sales.ops' | 'cro' | 'cmo' | 'chief.staff') => {
    return ladder.engine.addUser({ name, role }, { ...OPS, now: at, source: 'cli' }).token;
  };
  const tokens = { ops: token('olivia', 'sales.ops'), cro: token('marcus', 'cro'), cmo: token('carla', 'cmo'), chief: token('sam', 'chief.staff') };
  const app = await buildServer({ ladder, clock: () => clock.now, logger: false, routine: false, ...o });
  return {
    dir, path, ladder, app, tokens, clock,
    async close() { await app.close(); ladder.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
