// Issue 13: what the board is owed after a decision set on it (src/server/webhook.ts queues it with the delivery):
// an update explaining a refusal and the reset of the decision column, delivered by the push exactly once. An
// answer lost on the way back is found on the item by its marker, never posted twice; a crash before sending
// leaves it pending; an item deleted meanwhile parks it with the reason. Every document validates against the
// real schema (graphql's own validate, beside the emulator's check of every request).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { buildSchema, parse, validate } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { findSchemaFile } from '../../src/monday/emulator/index.js';
import { counts } from '../../src/monday/backlog.js';
import { parseMondayConfig } from '../../src/monday/config.js';
import { setupBoard } from '../../src/monday/setup.js';
import { deleteWebhook, listWebhooks, registerWebhook } from '../../src/monday/webhook-registration.js';
import { mondayDeliveries } from '../../src/store/schema.js';
import { BOARD, OPS, T0, crashingAt, emulators, harness, recording, SimulatedCrash, type Harness } from '../helpers/monday.js';
import { CUSTOMER_BOARD, DECISION } from './board-fixture.js';

const em = emulators();
let h: Harness | undefined;
afterEach(() => { h?.cleanup(); h = undefined; });

async function withDecisionColumn(): Promise<Harness> {
  const hh = await harness(em, { emulator: { boards: [CUSTOMER_BOARD] } });
  const r = await setupBoard({ engine: hh.engine, store: hh.store }, hh.cfg, hh.transport, { dryRun: false, actor: OPS, now: T0 });
  expect(r.problems).toEqual([]);
  return hh;
}

/** A delivery as the webhook records it: a refusal to explain on the item, and the column to reset. */
function owed(hh: Harness, itemId: string, uuid: string, o: { reply?: string | null } = {}) {
  hh.emu.state.setColumnValue(itemId, DECISION, { label: 'Confirm' });
  const reply = o.reply === undefined ? `Ladder refused "Confirm" by olivia (sales.ops): CRO_CONFIRM is for cro (${uuid})` : o.reply;
  hh.store.db.insert(mondayDeliveries).values({
    triggerUuid: uuid, receivedAt: T0, boardId: BOARD, itemId, columnId: DECISION, mondayUser: '9002', user: 'olivia', role: 'sales.ops', account: null,
    decision: 'Confirm', outcome: 'refused', detail: 'refused', reply, replyStatus: reply ? 'pending' : 'none', resetStatus: 'pending',
  }).run();
}
const row = (hh: Harness, uuid: string) => hh.store.db.select().from(mondayDeliveries).all().find((r) => r.triggerUuid === uuid)!;
const bodies = (hh: Harness, itemId: string) => hh.emu.state.updates(itemId).map((u) => u.body);

describe('the board\'s answers to decisions set on it', () => {
  it('posts the explanation (with its marker) and resets the column in one request, once; counted as work until then', async () => {
    h = await withDecisionColumn();
    const item = h.emu.state.createItem(BOARD, 'Acme', { text_mm218qe9: 'acme.com' }).id;
    owed(h, item, 'u-1');
    owed(h, item, 'u-2', { reply: null }); // applied: only the reset is owed
    expect(counts(h.store).pendingAnswers).toBe(2);
    const r = await h.push();
    expect(r).toMatchObject({ boardAnswers: 3, requests: 1, pendingAnswers: 0 });
    expect(bodies(h, item)).toEqual([`Ladder refused "Confirm" by olivia (sales.ops): CRO_CONFIRM is for cro (u-1)\n\n[ladder:webhook:u-1]`]);
    expect(h.emu.state.item(item)!.columns[DECISION]!.text).toBe('');
    expect(row(h, 'u-1')).toMatchObject({ replyStatus: 'posted', resetStatus: 'done', replyUpdateId: h.emu.state.updates(item)[0]!.id });
    expect((await h.push()).requests).toBe(0);
  });

  it('after a lost answer, finds the explanation on the item by its marker instead of posting it twice', async () => {
    h = await withDecisionColumn();
    const item = h.emu.state.createItem(BOARD, 'Acme', { text_mm218qe9: 'acme.com' }).id;
    owed(h, item, 'u-lost');
    h.emu.faults.queue('lostResponse'); // the Answer is applied; its answer never comes back
    const rec = recording(h.transport);
    expect(await h.push({ transport: rec.transport })).toMatchObject({ pendingAnswers: 0, gaveUp: null });
    expect(rec.documents.has('AnswerUpdates')).toBe(true);
    expect(bodies(h, item)).toHaveLength(1);
    expect(row(h, 'u-lost')).toMatchObject({ replyStatus: 'posted', resetStatus: 'done' });
  });

  it('a push that dies before its answer is read leaves the reply uncertain; the next one finds it; one that dies before sending leaves it pending', async () => {
    h = await withDecisionColumn();
    const item = h.emu.state.createItem(BOARD, 'Acme', { text_mm218qe9: 'acme.com' }).id;
    owed(h, item, 'u-after');
    await expect(h.push({ transport: crashingAt(h.transport, 1, 'after') })).rejects.toBeInstanceOf(SimulatedCrash);
    expect(row(h, 'u-after').replyStatus).toBe('uncertain');
    h.reopen();
    const rec = recording(h.transport);
    expect(await h.push({ transport: rec.transport })).toMatchObject({ boardAnswers: 2, pendingAnswers: 0 });
    expect([...rec.documents.keys()].sort()).toEqual(['Answer', 'AnswerUpdates']);
    expect(bodies(h, item)).toHaveLength(1);

    owed(h, item, 'u-before');
    await expect(h.push({ transport: crashingAt(h.transport, 1, 'before') })).rejects.toBeInstanceOf(SimulatedCrash);
    h.reopen();
    await h.push();
    expect(bodies(h, item).filter((b) => b.includes('[ladder:webhook:u-before]'))).toHaveLength(1);
  });

  it('parks the answer with the reason when the item was deleted meanwhile, and the push still ends', async () => {
    h = await withDecisionColumn();
    const item = h.emu.state.createItem(BOARD, 'Acme', { text_mm218qe9: 'acme.com' }).id;
    owed(h, item, 'u-gone');
    h.emu.state.deleteItem(item);
    const r = await h.push();
    expect(r).toMatchObject({ gaveUp: null, pendingAnswers: 0 });
    expect(row(h, 'u-gone')).toMatchObject({ replyStatus: 'dead', resetStatus: 'dead', lastError: expect.stringMatching(/^ResourceNotFoundException/) });
  });

  it('every document of setup, the webhook commands and the answers validates against monday\'s schema', async () => {
    const schema = buildSchema(readFileSync(findSchemaFile(), 'utf8'));
    h = await harness(em, { emulator: { boards: [{ ...CUSTOMER_BOARD, columns: [...CUSTOMER_BOARD.columns, { id: 'status_stage', title: 'Stage', type: 'status', labels: ['MQL'] }] }] } });
    const rec = recording(h.transport);
    await setupBoard({ engine: h.engine, store: h.store }, h.cfg, rec.transport, { dryRun: false, actor: OPS, now: T0 });
    // A receiver that echoes monday's challenge.
    const server = http.createServer((req, res) => { let raw = ''; req.on('data', (c: Buffer) => { raw += c; }); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(raw); }); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/monday/webhook`;
      const ladder = { engine: h.engine, store: h.store };
      const cfg = () => parseMondayConfig(h!.engine.settings.monday);
      await registerWebhook(ladder, cfg(), rec.transport, url, { actor: OPS, now: T0 });
      await listWebhooks(ladder, cfg(), rec.transport, { actor: OPS, now: T0 });
      await deleteWebhook(ladder, cfg(), rec.transport, undefined, { actor: OPS, now: T0 });
    } finally {
      server.close();
    }
    const item = h.emu.state.createItem(BOARD, 'Acme', { text_mm218qe9: 'acme.com' }).id;
    owed(h, item, 'u-docs');
    h.emu.faults.queue('lostResponse');
    await h.push({ transport: rec.transport });
    await h.push({ transport: rec.transport });
    expect([...rec.documents.keys()].sort()).toEqual(['AddStatusLabels', 'Answer', 'AnswerUpdates', 'BoardColumns', 'CreateColumn', 'CreateStatusColumn', 'CreateWebhook', 'DeleteWebhook', 'Webhooks']);
    for (const doc of [...rec.documents.values()].flatMap((s) => [...s])) expect(validate(schema, parse(doc)).map((e) => e.message), doc).toEqual([]);
  });
});
