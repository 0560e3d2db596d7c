// The board as a control plane (issue 13), set up for a test: `ladder serve` (buildServer over a real SQLite file,
// its clock moved by the test) beside the monday emulator on the same clock, the board set up by `ladder monday
// setup`, monday users linked to Ladder users (marcus the CRO, olivia sales.ops), and accounts at SQL review
// pushed to the board. Deliveries are signed as monday signs them; tests can sign their own.
import { SignJWT } from 'jose';
import { PROSPECTS_BOARD, type BoardSeed, type Emulator } from '../../src/monday/emulator/index.js';
import { push, type PushResult } from '../../src/monday/pusher.js';
import { setupBoard } from '../../src/monday/setup.js';
import { createTransport, type Transport } from '../../src/monday/transport.js';
import { registerWebhook } from '../../src/monday/webhook-registration.js';
import type { MondayConfig } from '../../src/monday/config.js';
import { WEBHOOK_PATH } from '../../src/server/webhook.js';
import { PASSING_FACTS } from '../helpers/store.js';
import { BOARD, TOKEN, type Emulators } from '../helpers/monday.js';
import { OPS, serverHarness, type ServerHarness } from '../server/helpers.js';

/** The app's Signing Secret, as MONDAY_SIGNING_SECRET: a string the log checks search for. */
export const SECRET = 'sgn-LADDER-3f9d1c77a0b4-never-logged';
/** monday user ids: marcus (cro) and olivia (sales.ops) act on the board as themselves. */
export const MARCUS = 9001;
export const OLIVIA = 9002;
export const STRANGER = 9999;
export const DECISION = 'status_cro_decision';

/** The customer's board before Ladder: the LQ 6 fields only. */
export const CUSTOMER_BOARD: BoardSeed = {
  id: BOARD, name: 'Prospects', groups: [{ id: 'topics', title: 'Prospects' }], items: [],
  columns: PROSPECTS_BOARD.columns.filter((c) => ['name', 'text_mm218qe9', 'text_mm21caks', 'color_mm217sw4', 'numeric_mm216nk9'].includes(c.id)),
};

export type BoardServer = {
  h: ServerHarness; emu: Emulator; transport: Transport;
  cfg(): MondayConfig;
  /** The server's ISO instant. */
  now(): string;
  /** Moves the one clock of the server and the emulator. */
  advance(ms: number): void;
  /** The public URL of POST /monday/webhook (the audience of every delivery's JWT). */
  url: string;
  push(): Promise<PushResult>;
  itemOf(account: string): string;
  /** An account at SQL review (a dossier with 3 of S1-S4), pushed to the board. */
  atReview(domain: string): Promise<string>;
  close(): Promise<void>;
};

/**
 * A server and an emulator on one clock. `listen`: on a free port of 127.0.0.1, with the webhook registered
 * through create_webhook (the emulator sends the challenge); otherwise the webhook URL is only a setting.
 */
export async function boardServer(em: Emulators, o: { listen?: boolean; env?: NodeJS.ProcessEnv; logger?: Record<string, unknown> } = {}): Promise<BoardServer> {
  const env = o.env ?? { MONDAY_SIGNING_SECRET: SECRET, MONDAY_API_TOKEN: TOKEN };
  const h = await serverHarness({ env, ...(o.logger ? { logger: o.logger } : {}) });
  const emu = await em.start({ clock: () => h.clock.now, signingSecret: SECRET, boards: [CUSTOMER_BOARD] });
  const now = () => new Date(h.clock.now).toISOString();
  const { engine } = h.ladder;
  engine.changeSettings((cur) => ({ ...cur, monday: { boardId: BOARD, endpoint: emu.url } }), { ...OPS, now: now(), change: 'the board', source: 'cli' });
  const cfg = () => h.ladder.monday()!;
  const transport = createTransport({ endpoint: emu.url, token: TOKEN, apiVersion: '2026-10', timeoutMs: 5_000 });
  const setup = await setupBoard(h.ladder, cfg(), transport, { dryRun: false, actor: OPS, now: now() });
  if (setup.problems.length || setup.error) throw new Error(`setup failed: ${JSON.stringify(setup)}`);
  engine.addUser({ name: 'marcus', role: 'cro', mondayUser: String(MARCUS) }, { ...OPS, now: now(), source: 'cli' });
  engine.addUser({ name: 'olivia', role: 'sales.ops', mondayUser: String(OLIVIA) }, { ...OPS, now: now(), source: 'cli' });
  let url = 'http://127.0.0.1:9/monday/webhook';
  if (o.listen) {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${WEBHOOK_PATH}`;
    await registerWebhook(h.ladder, cfg(), transport, url, { actor: OPS, now: now() });
  } else {
    engine.changeSettings((cur) => ({ ...cur, monday: { ...cur.monday, webhook: { id: '1', url } } }), { ...OPS, now: now(), change: 'the webhook', source: 'cli' });
  }
  const items = () => h.ladder.store.sqlite.prepare('select account, item_id from monday_items').all() as { account: string; item_id: string | null }[];
  const f: BoardServer = {
    h, emu, transport, cfg, now, url,
    advance(ms) { h.clock.now += ms; },
    push: () => push(h.ladder.store, cfg(), transport, { now }),
    itemOf(account) {
      const id = items().find((r) => r.account === account)?.item_id;
      if (!id) throw new Error(`${account} has no item`);
      return id;
    },
    async atReview(domain) {
      const at = now();
      engine.addAccount({ domain, name: domain.split('.')[0]!, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, now: at, source: 'cli' });
      engine.submit({ account: domain, source: 'cli', now: at, event: { type: 'SIGNAL', signal: { id: `s:${domain}`, code: 'E1', contact: `jane@${domain}`, at, interaction: 'comment' }, at, ...OPS } as never });
      engine.submit({ account: domain, source: 'cli', now: at, event: { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' }, at, ...OPS } as never });
      const r = await f.push();
      if (r.gaveUp || r.pendingItems || r.pendingComments) throw new Error(`push failed: ${JSON.stringify(r)}`);
      return f.itemOf(domain);
    },
    close: () => h.close(),
  };
  return f;
}

/** A delivery's JWT as monday signs it: HS256 with the Signing Secret, { accountId, userId, aud, iat, exp, shortLivedToken }. */
export async function mondayJwt(o: { secret?: string; aud: string; userId: number; iat: number; ttlS?: number }): Promise<string> {
  return new SignJWT({ accountId: 1, userId: o.userId, shortLivedToken: 'short-lived' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(o.iat).setExpirationTime(o.iat + (o.ttlS ?? 300)).setAudience(o.aud)
    .sign(new TextEncoder().encode(o.secret ?? SECRET));
}

/** monday's `event` body for a status change of the decision column. */
export function decisionEvent(o: { itemId: string; userId: number; label: string | null; triggerUuid: string; columnId?: string; boardId?: string; at: number }) {
  return {
    event: {
      app: 'monday', type: 'update_column_value', triggerTime: new Date(o.at).toISOString(), subscriptionId: 1, userId: o.userId, originalTriggerUuid: null,
      boardId: Number(o.boardId ?? BOARD), groupId: 'topics', pulseId: Number(o.itemId), pulseName: 'x', columnId: o.columnId ?? DECISION, columnType: 'color',
      columnTitle: 'CRO decision', value: o.label === null ? null : { label: { index: 0, text: o.label, style: { color: '#fdab3d', border: '#e99729' } }, post_id: null },
      previousValue: null, changedAt: o.at / 1000, isTopGroup: true, triggerUuid: o.triggerUuid,
    },
  };
}
