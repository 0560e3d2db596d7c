import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/monday/emulator/index.js';
import { tempEngine, PASSING_FACTS } from '../helpers/store.js';
import { createEngine } from '../../src/engine/engine.js';
import { createLadderMachine } from '../../machines/ladder.js';
import { DEFAULT_RULES } from '../../machines/rules/config.js';
import { parseMondayConfig } from '../../src/monday/config.js';
import { outboxHook } from '../../src/monday/outbox.js';
import { push } from '../../src/monday/pusher.js';
import { createTransport } from '../../src/monday/transport.js';

let emu: Emulator; let env: ReturnType<typeof tempEngine>;
afterEach(async () => { await emu?.close(); env?.cleanup(); });

describe('push smoke', () => {
  it('pushes 3 accounts', async () => {
    emu = await startEmulator({ port: 0 });
    env = tempEngine();
    const cfg = parseMondayConfig({ endpoint: emu.url });
    const engine = createEngine(env.store, { machine: createLadderMachine(), rules: DEFAULT_RULES, hooks: [outboxHook(cfg, DEFAULT_RULES)] });
    const T = '2026-03-02T10:00:00.000Z';
    const ops = { by: 'ana', role: 'sales.ops' as const };
    for (const d of ['a.com', 'b.com', 'c.co.uk']) {
      engine.addAccount({ domain: d, name: d.toUpperCase(), hq: 'Berlin', tier: 'Tier 1', icpScore: 70, facts: PASSING_FACTS }, { ...ops, at: T, now: T, source: 'cli' });
      engine.submit({ account: d, source: 'cli', now: T, event: { type: 'SIGNAL', ...ops, at: T, signal: { id: `s-${d}`, code: 'E1', interaction: 'comment', contact: 'jane', at: T } } });
    }
    const transport = createTransport({ endpoint: emu.url, token: 'tok-secret-123', apiVersion: '2026-10', timeoutMs: 2000 });
    const r = await push(env.store, cfg, transport, { now: () => T });
    console.log(r);
    console.log(env.store.sqlite.prepare('select key, status, last_error, dead_fix from monday_comments').all(), emu.requests.map((q) => [q.status, q.errorCodes, q.query.slice(0, 300)]));
    expect(r).toMatchObject({ pendingItems: 0, pendingComments: 0, deadItems: 0, deadComments: 0, created: 3, commentsPosted: 3 });
  });
});
