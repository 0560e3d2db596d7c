// POST /monday/webhook (issue 13), request by request: the JWT is checked (signature, expiry, audience = the URL
// the webhook was registered with, the body's user = the token's) before anything is read; a URL challenge is
// echoed and never acts; only the CRO decision column of the configured board is acted on; every decision is
// the engine's, as the Ladder user the monday user is linked to; monday's at-least-once delivery records nothing
// twice; monday unreachable for the re-read is a 503 (monday delivers again) with nothing written; and neither the
// signing secret nor a delivery's token ever reaches a log line.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookPushesSettled } from '../../src/server/webhook.js';
import { contentHash } from '../helpers/reliability.js';
import { emulators, TOKEN } from '../helpers/monday.js';
import { boardServer, decisionEvent, DECISION, MARCUS, mondayJwt, OLIVIA, SECRET, STRANGER, type BoardServer } from '../monday/board-fixture.js';

const em = emulators();
let f: BoardServer | undefined;
afterEach(async () => { await f?.close(); f = undefined; });

let seq = 0;
const uuid = () => `trigger-${++seq}`;
const iatOf = (f: BoardServer) => Math.floor(f.h.clock.now / 1000);
const everything = (f: BoardServer) => contentHash(f.h.ladder.store.sqlite, []);
const deliveries = (f: BoardServer) => f.h.ladder.store.sqlite.prepare('select trigger_uuid, outcome, detail, user, role, account, reply, reply_status, reset_status from monday_deliveries order by rowid').all() as Record<string, string | null>[];

async function post(f: BoardServer, body: unknown, o: { userId?: number; authorization?: string | null } = {}) {
  const authorization = o.authorization === undefined ? await mondayJwt({ aud: f.url, userId: o.userId ?? MARCUS, iat: iatOf(f) }) : o.authorization;
  const res = await f.h.app.inject({ method: 'POST', url: '/monday/webhook', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, payload: JSON.stringify(body) });
  await webhookPushesSettled(f.h.app);
  return res;
}

describe('POST /monday/webhook', () => {
  it('echoes a URL challenge with or without a token, and acts on nothing; a forged token on a challenge is 401', async () => {
    f = await boardServer(em);
    const before = everything(f);
    for (const authorization of [null, await mondayJwt({ aud: 'https://not-yet-registered.example.com/monday/webhook', userId: 0, iat: iatOf(f) })]) {
      const res = await post(f, { challenge: 'c-123' }, { authorization });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ challenge: 'c-123' });
    }
    const forged = await post(f, { challenge: 'c-123' }, { authorization: await mondayJwt({ aud: f.url, userId: 0, iat: iatOf(f), secret: 'wrong' }) });
    expect(forged.statusCode).toBe(401);
    expect(everything(f)).toBe(before);
  });

  it.each([
    ['no token', async (_f: BoardServer) => null],
    ['a token signed with another secret', async (b: BoardServer) => mondayJwt({ aud: b.url, userId: MARCUS, iat: iatOf(b), secret: 'an-attacker-guess' })],
    ['an expired token', async (b: BoardServer) => mondayJwt({ aud: b.url, userId: MARCUS, iat: iatOf(b) - 600, ttlS: 300 })],
    ['a token for another endpoint', async (b: BoardServer) => mondayJwt({ aud: 'https://other.example.com/monday/webhook', userId: MARCUS, iat: iatOf(b) })],
    ['a token of another monday user than the body\'s', async (b: BoardServer) => mondayJwt({ aud: b.url, userId: OLIVIA, iat: iatOf(b) })],
    ['a token without exp', async (b: BoardServer) => {
      const { SignJWT } = await import('jose');
      return new SignJWT({ userId: MARCUS }).setProtectedHeader({ alg: 'HS256' }).setAudience(b.url).sign(new TextEncoder().encode(SECRET));
    }],
    ['a token naming no monday user (the body alone would say who acts)', async (b: BoardServer) => {
      const { SignJWT } = await import('jose');
      return new SignJWT({ accountId: 1 }).setProtectedHeader({ alg: 'HS256' }).setAudience(b.url).setIssuedAt(iatOf(b)).setExpirationTime(iatOf(b) + 300).sign(new TextEncoder().encode(SECRET));
    }],
    ['an unsigned token (alg none)', async (b: BoardServer) => {
      const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${part({ alg: 'none', typ: 'JWT' })}.${part({ userId: MARCUS, aud: b.url, exp: iatOf(b) + 300 })}.`;
    }],
  ])('answers a delivery with %s by 401, and nothing changes', async (_what, token) => {
    f = await boardServer(em);
    const item = await f.atReview('acme.com');
    const before = everything(f);
    const res = await post(f, decisionEvent({ itemId: item, userId: MARCUS, label: 'Confirm', triggerUuid: uuid(), at: f.h.clock.now }), { authorization: await token(f) });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.kind).toBe('Unauthenticated');
    expect(everything(f)).toBe(before);
  });

  it('answers 503 while MONDAY_SIGNING_SECRET is not set (monday retries for 30 minutes), and acts on nothing', async () => {
    f = await boardServer(em, { env: { MONDAY_API_TOKEN: TOKEN } });
    const item = await f.atReview('acme.com');
    const before = everything(f);
    const res = await post(f, decisionEvent({ itemId: item, userId: MARCUS, label: 'Confirm', triggerUuid: uuid(), at: f.h.clock.now }));
    expect(res.statusCode).toBe(503);
    expect(everything(f)).toBe(before);
  });

  it('acknowledges and ignores other columns, other boards, a cleared decision and other events, writing nothing', async () => {
    f = await boardServer(em);
    const item = await f.atReview('acme.com');
    const before = everything(f);
    const at = f.h.clock.now;
    for (const body of [
      decisionEvent({ itemId: item, userId: MARCUS, label: 'Confirm', triggerUuid: uuid(), at, columnId: 'status_priority' }),
      decisionEvent({ itemId: item, userId: MARCUS, label: 'Confirm', triggerUuid: uuid(), at, boardId: '123' }),
      decisionEvent({ itemId: item, userId: MARCUS, label: null, triggerUuid: uuid(), at }),
      { event: { ...decisionEvent({ itemId: item, userId: MARCUS, label: 'Confirm', triggerUuid: uuid(), at }).event, type: 'create_pulse' } },
    ]) {
      const res = await post(f, body);
      expect(res.statusCode).toBe(200);
      expect(res.json().outcome).toBe('ignored');
    }
    expect(everything(f)).toBe(before);
  });

  it('acts on the board as it is now: a delivery whose decision the item no longer shows is recorded as ignored; emptied, the CRO is told', async () => {
    f = await boardServer(em);
    const item = await f.atReview('acme.com');
    // The column shows nothing (Ladder's reset after an earlier decision came first): "Confirm" is not applied, and
    // nothing else would act on it, so the item says so (no reset: it is empty already).
    const res = await post(f, decisionEvent({ itemId: item, userId: MARCUS, label: 'Confirm', triggerUuid: uuid(), at: f.h.clock.now }));
    expect(res.json()).toMatchObject({ outcome: 'ignored', detail: 'the decision column was emptied before "Confirm" was read' });
    expect(f.h.ladder.store.sqlite.prepare("select count(*) from events where type like 'CRO_%'").pluck().get()).toBe(0);
    expect(deliveries(f)).toEqual([expect.objectContaining({ outcome: 'ignored', reply_status: expect.stringMatching(/pending|posted/), reset_status: 'none' })]);
    expect(String(deliveries(f)[0]!.reply)).toMatch(/did not apply "Confirm" by marcus: the CRO decision column was emptied/);
    // The column shows another decision: that later change is its own delivery; this one is silent.
    f.emu.state.setColumnValue(item, DECISION, { label: 'Flag' });
    const later = await post(f, decisionEvent({ itemId: item, userId: MARCUS, label: 'Confirm', triggerUuid: uuid(), at: f.h.clock.now }));
    expect(later.json()).toMatchObject({ outcome: 'ignored', detail: 'the decision column now shows "Flag", not "Confirm": a later change is its own delivery' });
    expect(deliveries(f)[1]).toMatchObject({ reply_status: 'none', reset_status: 'none' });
  });

  it('applies a decision once however often it is delivered, and answers every repeat 200', async () => {
    f = await boardServer(em);
    const item = await f.atReview('acme.com');
    f.emu.state.setColumnValue(item, DECISION, { label: 'Confirm' });
    const body = decisionEvent({ itemId: item, userId: MARCUS, label: 'Confirm', triggerUuid: uuid(), at: f.h.clock.now });
    const first = await post(f, body);
    expect(first.json()).toMatchObject({ outcome: 'applied', detail: 'CRO_CONFIRM acme.com by marcus: SQL: review → SQL: confirmed' });
    // The push after it answered the board: the column is reset.
    expect(f.emu.state.item(item)!.columns[DECISION]!.text).toBe('');
    const after = everything(f);
    // Concurrent repeats (monday retried while the first was in flight) and late ones alike.
    const repeats = await Promise.all([post(f, body), post(f, body), post(f, body)]);
    for (const r of repeats) expect(r.json()).toMatchObject({ outcome: 'duplicate' });
    expect(everything(f)).toBe(after);
    expect(f.h.ladder.store.sqlite.prepare("select count(*) from events where type = 'CRO_CONFIRM'").pluck().get()).toBe(1);
  });

  it('explains on the item why a monday user not linked to Ladder changed nothing, and resets the column', async () => {
    f = await boardServer(em);
    const item = await f.atReview('acme.com');
    f.emu.state.setColumnValue(item, DECISION, { label: 'Confirm' });
    const res = await post(f, decisionEvent({ itemId: item, userId: STRANGER, label: 'Confirm', triggerUuid: uuid(), at: f.h.clock.now }), { userId: STRANGER });
    expect(res.json()).toMatchObject({ outcome: 'refused', detail: `monday user ${STRANGER} is not a Ladder user` });
    expect(f.h.ladder.store.sqlite.prepare("select count(*) from events where type like 'CRO_%'").pluck().get()).toBe(0);
    expect(f.emu.state.updates(item).at(-1)!.textBody).toContain(`monday user ${STRANGER} is not linked to a Ladder user. Ladder's admin links them with: ladder user add NAME --role cro --monday-user ${STRANGER}`);
    expect(f.emu.state.item(item)!.columns[DECISION]!.text).toBe('');
    expect(deliveries(f)).toEqual([expect.objectContaining({ outcome: 'refused', reply_status: 'posted', reset_status: 'done' })]);
  });

  it('answers 503 and writes nothing when monday cannot be asked about the item (monday delivers again)', async () => {
    f = await boardServer(em);
    const item = await f.atReview('acme.com');
    f.emu.state.setColumnValue(item, DECISION, { label: 'Confirm' });
    const before = everything(f);
    f.emu.faults.queue('serverError', 1, { status: 503 });
    const res = await post(f, decisionEvent({ itemId: item, userId: MARCUS, label: 'Confirm', triggerUuid: uuid(), at: f.h.clock.now }));
    expect(res.statusCode).toBe(503);
    expect(everything(f)).toBe(before);
  });

  it('never writes the signing secret or a delivery\'s token to the log', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write(chunk: Buffer, _e, done) { lines.push(chunk.toString('utf8')); done(); } });
    f = await boardServer(em, { logger: { stream, level: 'trace' } });
    const item = await f.atReview('acme.com');
    f.emu.state.setColumnValue(item, DECISION, { label: 'Confirm' });
    const tokens: string[] = [];
    const sign = async (o: Parameters<typeof mondayJwt>[0]) => { const t = await mondayJwt(o); tokens.push(t); return t; };
    const body = decisionEvent({ itemId: item, userId: MARCUS, label: 'Confirm', triggerUuid: uuid(), at: f.h.clock.now });
    await post(f, body, { authorization: await sign({ aud: f.url, userId: MARCUS, iat: iatOf(f), secret: 'forged' }) });
    await post(f, body, { authorization: await sign({ aud: f.url, userId: MARCUS, iat: iatOf(f) - 900 }) });
    await post(f, body, { authorization: `Bearer ${await sign({ aud: f.url, userId: MARCUS, iat: iatOf(f) })}` });
    await post(f, body, { authorization: await sign({ aud: f.url, userId: MARCUS, iat: iatOf(f) }) });
    expect(lines.join('\n')).toContain('monday webhook: applied');
    const log = lines.join('\n');
    for (const s of [SECRET, TOKEN, ...tokens, ...tokens.map((t) => t.split('.')[2]!)]) expect(log).not.toContain(s);
  });
});
