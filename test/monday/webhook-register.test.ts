// Issue 13: `ladder monday webhook register URL` asks monday (create_webhook, change_specific_column_value on the
// CRO decision column) and stores the webhook's id and URL; monday first sends the URL a challenge, so nothing is
// registered or stored when the URL does not echo it. An http URL is refused unless it is this machine's; the
// same URL again is a no-op; a new URL replaces the old webhook; delete removes it from the board and the settings.
// And the emulator's side: deliveries retried every minute for 30 minutes on its clock, then given up.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/app.js';
import { EXIT } from '../../src/cli/exits.js';
import type { Ladder } from '../../src/ladder.js';
import { RETRY_FOR_MS, type Emulator } from '../../src/monday/emulator/index.js';
import { setupBoard } from '../../src/monday/setup.js';
import { createTransport, type Transport } from '../../src/monday/transport.js';
import { checkWebhookUrl, deleteWebhook, listWebhooks, registerWebhook } from '../../src/monday/webhook-registration.js';
import { BOARD, OPS, T0, TOKEN, emulators, testClock, type TestClock } from '../helpers/monday.js';
import { openTestLadder, tempDir } from '../helpers/store.js';
import { CUSTOMER_BOARD, DECISION } from './board-fixture.js';

const em = emulators();
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

/** A receiver that echoes monday's challenge (or not), counting what it got; `deliveryStatus`: its answer to a delivery. */
async function receiver(o: { echo?: boolean; status?: number; deliveryStatus?: number } = {}): Promise<{ url: string; bodies: unknown[]; auth: (string | undefined)[] }> {
  const bodies: unknown[] = [];
  const auth: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => { raw += c.toString(); });
    req.on('end', () => {
      const body = JSON.parse(raw) as { challenge?: string };
      bodies.push(body);
      auth.push(req.headers.authorization);
      res.writeHead(body.challenge ? (o.status ?? 200) : (o.deliveryStatus ?? o.status ?? 200), { 'content-type': 'application/json' });
      res.end(JSON.stringify(o.echo === false ? { challenge: 'something else' } : body.challenge ? { challenge: body.challenge } : {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/monday/webhook`, bodies, auth };
}

type Fixture = { emu: Emulator; ladder: Ladder; path: string; transport: Transport; clock: TestClock };

async function fixture(): Promise<Fixture> {
  const clock = testClock();
  const emu = await em.start({ clock: clock.now, boards: [CUSTOMER_BOARD], signingSecret: 'sgn-test' });
  const t = tempDir('ladder-webhook-');
  const path = join(t.dir, 'ladder.db');
  const ladder = openTestLadder(path, { monday: { boardId: BOARD, endpoint: emu.url } });
  cleanup.push(() => { ladder.close(); t.cleanup(); });
  const transport = createTransport({ endpoint: emu.url, token: TOKEN, apiVersion: '2026-10', timeoutMs: 5_000 });
  await setupBoard(ladder, ladder.monday()!, transport, { dryRun: false, actor: OPS, now: T0 });
  return { emu, ladder, path, transport, clock };
}
const opts = { actor: OPS, now: T0 };

describe('ladder monday webhook register', () => {
  it.each([
    ['https://ladder.example.com/monday/webhook', true], ['http://127.0.0.1:8080/monday/webhook', true], ['http://localhost:8080/monday/webhook', true],
    ['http://ladder.example.com/monday/webhook', false], ['ftp://ladder.example.com/x', false], ['not a url', false], ['https://user:pw@ladder.example.com/monday/webhook', false],
  ])('takes %s: %s', (url, ok) => {
    if (ok) expect(checkWebhookUrl(url)).toBe(new URL(url).href);
    else expect(() => checkWebhookUrl(url)).toThrow(/^URL: /);
  });

  it('registers a webhook for the CRO decision column after the URL answered monday\'s challenge, and stores its id and URL', async () => {
    const f = await fixture();
    const rx = await receiver();
    const r = await registerWebhook(f.ladder, f.ladder.monday()!, f.transport, rx.url, opts);
    expect(r).toMatchObject({ created: true, replaced: null, url: rx.url, columnId: DECISION });
    expect(f.emu.webhooks.list(BOARD)).toEqual([{ id: r.id, boardId: BOARD, event: 'change_specific_column_value', config: JSON.stringify({ columnId: DECISION }), url: rx.url }]);
    // The challenge came first, signed.
    expect(rx.bodies).toEqual([{ challenge: expect.any(String) }]);
    expect(rx.auth[0]).toMatch(/^ey/);
    expect(f.ladder.settings.monday!.webhook).toEqual({ id: r.id, url: rx.url });
    expect(f.ladder.store.sqlite.prepare('select by, change from settings order by version desc limit 1').get()).toEqual({ by: 'ana', change: `monday webhook ${r.id} → ${rx.url}` });

    // The same URL again: nothing new on the board or in the settings.
    const versions = f.ladder.engine.settingsVersion;
    const again = await registerWebhook(f.ladder, f.ladder.monday()!, f.transport, rx.url, opts);
    expect(again).toMatchObject({ id: r.id, created: false, settings: null });
    expect(f.emu.webhooks.list(BOARD)).toHaveLength(1);
    expect(f.ladder.engine.settingsVersion).toBe(versions);

    // A new URL: a new webhook, the old one deleted.
    const rx2 = await receiver();
    const moved = await registerWebhook(f.ladder, f.ladder.monday()!, f.transport, rx2.url, opts);
    expect(moved).toMatchObject({ created: true, replaced: r.id });
    expect(f.emu.webhooks.list(BOARD).map((w) => [w.id, w.url])).toEqual([[moved.id, rx2.url]]);

    // list, then delete: off the board and out of the settings.
    expect((await listWebhooks(f.ladder, f.ladder.monday()!, f.transport, opts)).map((w) => w.id)).toEqual([moved.id]);
    const d = await deleteWebhook(f.ladder, f.ladder.monday()!, f.transport, undefined, opts);
    expect(d).toMatchObject({ id: moved.id, wasOnBoard: true });
    expect(f.emu.webhooks.list(BOARD)).toEqual([]);
    expect(f.ladder.settings.monday!.webhook).toBeUndefined();
  });

  it('registers nothing and stores nothing when the URL does not answer the challenge', async () => {
    const f = await fixture();
    const versions = f.ladder.engine.settingsVersion;
    for (const rx of [await receiver({ echo: false }), await receiver({ status: 401 })]) {
      await expect(registerWebhook(f.ladder, f.ladder.monday()!, f.transport, rx.url, opts)).rejects.toThrow(/Failed to communicate with URL provided.*is ladder serve running and reachable there/);
    }
    await expect(registerWebhook(f.ladder, f.ladder.monday()!, f.transport, 'http://127.0.0.1:9/monday/webhook', opts)).rejects.toThrow(/Failed to communicate/);
    expect(f.emu.webhooks.list(BOARD)).toEqual([]);
    expect(f.ladder.engine.settingsVersion).toBe(versions);
  });

  it('as a command: refuses a public http URL (exit 2) before asking monday; registers an https-less localhost one', async () => {
    const f = await fixture();
    f.ladder.close();
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s), isTTY: false, env: { MONDAY_API_TOKEN: TOKEN } };
    const sent = f.emu.requests.length;
    expect(await runCli(['--db', f.path, '--as', 'sales.ops', '--now', T0, 'monday', 'webhook', 'register', 'http://ladder.example.com/monday/webhook'], io)).toBe(EXIT.input);
    expect(err.join('\n')).toContain('URL: http is allowed only for localhost or 127.0.0.1 (got ladder.example.com)');
    expect(f.emu.requests.length).toBe(sent);
    const rx = await receiver();
    expect(await runCli(['--db', f.path, '--as', 'sales.ops', '--now', T0, 'monday', 'webhook', 'register', rx.url], io)).toBe(0);
    expect(out.join('\n')).toMatch(new RegExp(`registered webhook \\d+ on board ${BOARD}: changes of column ${DECISION} are sent to ${rx.url.replace(/[.]/g, '\\.')}`));
    out.length = 0;
    expect(await runCli(['--db', f.path, 'monday', 'webhook', 'list'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/change_specific_column_value .* ← Ladder's/);
    expect(await runCli(['--db', f.path, '--as', 'cmo', '--now', T0, 'monday', 'webhook', 'delete'], io)).toBe(EXIT.refused);
    expect(await runCli(['--db', f.path, '--as', 'sales.ops', '--now', T0, 'monday', 'webhook', 'delete'], io)).toBe(0);
    expect(f.emu.webhooks.list(BOARD)).toEqual([]);
  });
});

describe('the emulator\'s webhook deliveries', () => {
  it('retry a failing receiver every minute on the emulator\'s clock, and give up after 30 minutes', async () => {
    const f = await fixture();
    const down = await receiver({ deliveryStatus: 500 });
    await registerWebhook(f.ladder, f.ladder.monday()!, f.transport, down.url, opts);
    const item = f.emu.state.createItem(BOARD, 'Acme', { text_mm218qe9: 'acme.com' });
    const [d] = await f.emu.changeColumn(item.id, DECISION, 'Confirm', { userId: 42 });
    expect(d!.attempts.map((a) => a.status)).toEqual([500]);
    for (let minute = 1; minute <= 31; minute++) {
      f.clock.ms += 60_000;
      await f.emu.webhooks.deliverDue();
    }
    expect(d!.attempts).toHaveLength(31); // the first, then one a minute for 30 minutes
    expect(d!.attempts.at(-1)!.at - d!.attempts[0]!.at).toBe(RETRY_FOR_MS);
    expect(d!.state).toBe('failed');
    const bodies = down.bodies.slice(1); // after the challenge
    expect(bodies[0]).toMatchObject({ event: { type: 'update_column_value', userId: 42, boardId: Number(BOARD), pulseId: Number(item.id), columnId: DECISION, value: { label: { text: 'Confirm' } }, triggerUuid: d!.triggerUuid } });
    expect(bodies).toHaveLength(31);
    expect(new Set(bodies.map((b) => (b as { event: { triggerUuid: string } }).event.triggerUuid)).size).toBe(1);
  });
});
