// Issue 13, "the board as a control plane", end to end: `ladder serve` on a free port (buildServer + listen) with
// the monday emulator; the board set up by `ladder monday setup`, its webhook registered by `ladder monday webhook
// register` (the emulator's challenge answered by the server), monday users linked to Ladder users. What a person
// does on the board reaches the ladder through the webhook exactly once, as that person, through the engine.
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/server/app.js';
import { webhookPushesSettled } from '../../src/server/webhook.js';
import { contentHash } from '../helpers/reliability.js';
import { emulators } from '../helpers/monday.js';
import { boardServer, decisionEvent, DECISION, MARCUS, mondayJwt, OLIVIA, SECRET, type BoardServer } from '../monday/board-fixture.js';

const em = emulators();
let f: BoardServer | undefined;
afterEach(async () => { await f?.close(); f = undefined; });

const stageOf = (f: BoardServer, account: string) => {
  const s = f.h.ladder.engine.load(account)!.snapshot.value as Record<string, unknown> | string;
  return typeof s === 'string' ? s : Object.entries(s).map(([k, v]) => (typeof v === 'string' ? `${k}.${v}` : k)).join();
};
const updates = (f: BoardServer, itemId: string) => f.emu.state.updates(itemId).map((u) => u.textBody);
const decisionOn = (f: BoardServer, itemId: string) => f.emu.state.item(itemId)!.columns[DECISION]!.text;
const events = (f: BoardServer, account: string, type: string) => f.h.ladder.store.sqlite.prepare('select by, role, source, idempotency_key as key, reason from events where account = ? and type = ?').all(account, type) as { by: string; role: string; source: string; key: string; reason: string | null }[];

/** Lets the deliveries the board just made be answered, and the pushes they started end (the reset's own delivery included). */
async function settle(f: BoardServer): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await f.emu.webhooks.settled();
    await webhookPushesSettled(f.h.app);
  }
}

describe('the board as a control plane (ladder serve + the monday emulator)', () => {
  it('a CRO sets Confirm on an item at SQL review: the account is SQL confirmed; the stage column and an update say so; the decision column is reset; a replay changes nothing', async () => {
    f = await boardServer(em, { listen: true });
    const item = await f.atReview('acme.com');
    f.advance(60_000);
    const [delivery] = await f.emu.changeColumn(item, DECISION, 'Confirm', { userId: MARCUS });
    expect(delivery!.attempts.map((a) => a.status)).toEqual([200]);
    await settle(f);

    expect(stageOf(f, 'acme.com')).toBe('SQL.confirmed');
    expect(events(f, 'acme.com', 'CRO_CONFIRM')).toEqual([{ by: 'marcus', role: 'cro', source: 'api', key: `monday:${delivery!.triggerUuid}`, reason: null }]);
    expect(f.emu.state.item(item)!.columns.status_stage!.text).toBe('SQL: confirmed');
    expect(updates(f, item).at(-1)).toMatch(/^CRO confirmed the SQL — marcus \(cro\), \d{4}-\d{2}-\d{2}\./);
    expect(decisionOn(f, item)).toBe('');
    // The reset was itself a change of the column: delivered, and ignored.
    expect(f.emu.webhooks.deliveries.map((d) => [d.body.event.value === null ? 'cleared' : 'set', d.state])).toEqual([['set', 'delivered'], ['cleared', 'delivered']]);

    // monday delivers at least once: the same trigger again (freshly signed) answers 200 and changes nothing.
    const before = contentHash(f.h.ladder.store.sqlite, []);
    const res = await fetch(f.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: await mondayJwt({ aud: f.url, userId: MARCUS, iat: Math.floor(f.h.clock.now / 1000) }) },
      body: JSON.stringify(delivery!.body),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: 'duplicate' });
    expect(contentHash(f.h.ladder.store.sqlite, [])).toBe(before);
    expect((await f.push()).requests).toBe(0);
  });

  it('a delivery with a bad signature, an expired one, or none at all: 401, and nothing changes', async () => {
    f = await boardServer(em, { listen: true });
    const item = await f.atReview('acme.com');
    const body = JSON.stringify(decisionEvent({ itemId: item, userId: MARCUS, label: 'Confirm', triggerUuid: 'forged-1', at: f.h.clock.now }));
    const iat = Math.floor(f.h.clock.now / 1000);
    const before = contentHash(f.h.ladder.store.sqlite, []);
    for (const authorization of [
      await mondayJwt({ aud: f.url, userId: MARCUS, iat, secret: 'not-the-signing-secret' }),
      await mondayJwt({ aud: f.url, userId: MARCUS, iat: iat - 3_600, ttlS: 300 }),
      await mondayJwt({ aud: 'https://elsewhere.example.com/monday/webhook', userId: MARCUS, iat }),
      undefined,
    ]) {
      const res = await fetch(f.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body });
      expect(res.status).toBe(401);
    }
    expect(contentHash(f.h.ladder.store.sqlite, [])).toBe(before);
    expect(stageOf(f, 'acme.com')).toBe('SQL.review');
  });

  it('a monday user linked to sales.ops sets Confirm: refused by the engine as olivia (sales.ops), recorded, explained on the item, the decision reset', async () => {
    f = await boardServer(em, { listen: true });
    const item = await f.atReview('initech.com');
    f.advance(60_000);
    await f.emu.changeColumn(item, DECISION, 'Confirm', { userId: OLIVIA });
    await settle(f);
    expect(stageOf(f, 'initech.com')).toBe('SQL.review');
    expect(events(f, 'initech.com', 'CRO_CONFIRM')).toEqual([]);
    const refusal = f.h.ladder.store.sqlite.prepare('select account, type, by, role, source, why from refusals where account = ?').all('initech.com') as Record<string, string>[];
    expect(refusal).toEqual([expect.objectContaining({ account: 'initech.com', type: 'CRO_CONFIRM', by: 'olivia', role: 'sales.ops', source: 'api' })]);
    const explained = updates(f, item).at(-1)!;
    expect(explained).toContain('Ladder refused "Confirm" by olivia (sales.ops): ');
    expect(explained).toContain(refusal[0]!.why);
    expect(decisionOn(f, item)).toBe('');
  });

  it('a Dispute without an update is refused, asking for a reason; with the CRO\'s update it disputes with that reason', async () => {
    f = await boardServer(em, { listen: true });
    const item = await f.atReview('globex.com');
    // Someone else's update is not the CRO's reason.
    f.emu.postUpdate(item, 'Olivia: chasing their partner lead', { userId: OLIVIA });
    f.advance(60_000);
    await f.emu.changeColumn(item, DECISION, 'Dispute', { userId: MARCUS });
    await settle(f);
    expect(stageOf(f, 'globex.com')).toBe('SQL.review');
    expect(updates(f, item).at(-1)).toContain('Ladder did not apply "Dispute" by marcus: a dispute needs a reason');
    expect(decisionOn(f, item)).toBe('');

    f.advance(60_000);
    f.emu.postUpdate(item, 'Budget frozen until Q3; the partner motion is a pilot only.', { userId: MARCUS });
    await f.emu.changeColumn(item, DECISION, 'Dispute', { userId: MARCUS });
    await settle(f);
    expect(stageOf(f, 'globex.com')).toBe('MQL.nurture');
    expect(events(f, 'globex.com', 'CRO_DISPUTE')).toEqual([expect.objectContaining({ by: 'marcus', role: 'cro', reason: 'Budget frozen until Q3; the partner motion is a pilot only.' })]);
    expect(updates(f, item).at(-1)).toContain('CRO disputed the SQL → MQL — marcus (cro)');
    expect(updates(f, item).at(-1)).toContain('Reason (kept for signal calibration): Budget frozen until Q3; the partner motion is a pilot only.');
    expect(decisionOn(f, item)).toBe('');
  });

  it('a Dispute does not take its reason from an update older than the account\'s coming to this review', async () => {
    f = await boardServer(em, { listen: true });
    const item = await f.atReview('initech.com');
    // The CRO's update dated before the account entered this review (a reason given at an earlier review).
    f.advance(-3_600_000);
    f.emu.postUpdate(item, 'Old reason: no budget this year.', { userId: MARCUS });
    f.advance(3_600_000 + 60_000);
    await f.emu.changeColumn(item, DECISION, 'Dispute', { userId: MARCUS });
    await settle(f);
    expect(stageOf(f, 'initech.com')).toBe('SQL.review');
    expect(events(f, 'initech.com', 'CRO_DISPUTE')).toEqual([]);
    expect(updates(f, item).at(-1)).toContain('written since the account came to this review');
  });

  it('a delivery made while the server is down is retried by monday every minute and applied once when the server is back', async () => {
    f = await boardServer(em, { listen: true });
    const item = await f.atReview('umbrella.com');
    const port = Number(new URL(f.url).port);
    await f.h.app.close(); // the server is down (the database stays)
    f.advance(60_000);
    const [delivery] = await f.emu.changeColumn(item, DECISION, 'Flag', { userId: MARCUS });
    expect(delivery!.attempts.map((a) => a.status)).toEqual([null]);
    expect(delivery!.state).toBe('pending');
    f.advance(30_000);
    expect(await f.emu.webhooks.deliverDue()).toEqual([]); // not a minute yet
    const app = await buildServer({ ladder: f.h.ladder, clock: () => f!.h.clock.now, env: { MONDAY_SIGNING_SECRET: SECRET, MONDAY_API_TOKEN: 'x' }, logger: false, routine: false });
    try {
      await app.listen({ port, host: '127.0.0.1' });
      f.advance(30_000);
      expect(await f.emu.webhooks.deliverDue()).toHaveLength(1);
      expect(delivery!.attempts.map((a) => a.status)).toEqual([null, 200]);
      await f.emu.webhooks.settled();
      await webhookPushesSettled(app);
      f.advance(60_000);
      expect(await f.emu.webhooks.deliverDue()).toEqual([]); // delivered: never again
      expect(stageOf(f, 'umbrella.com')).toBe('SQL.confirmed');
      expect(events(f, 'umbrella.com', 'CRO_FLAG')).toHaveLength(1);
      expect(f.emu.state.item(item)!.columns.status_priority!.text).toBe('high');
      expect(decisionOn(f, item)).toBe('');
    } finally {
      await app.close();
    }
  });
});
