// Issue 4, "Done means" 1: every document the pusher and verify send validates against monday's real
// schema (test/fixtures/monday/schema.graphql), checked here with graphql's own validate(), independently
// of the emulator (which validates every request too; the suite hook asserts none failed).
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate, type GraphQLSchema } from 'graphql';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findSchemaFile, startEmulator } from '../../src/monday/emulator/index.js';
import {
  BOARD, DOCUMENT_ERRORS, T0, addAccount, at, deadLetters, emulators, harness, invalidRequests, itemIdOf, recording, send, signal, type Harness,
} from '../helpers/monday.js';

const em = emulators();
let h: Harness | undefined;
afterEach(() => { h?.cleanup(); h = undefined; });

let schema: GraphQLSchema;
beforeAll(() => { schema = buildSchema(readFileSync(findSchemaFile(), 'utf8')); });

describe('the GraphQL documents Ladder sends', () => {
  it('every distinct document (lookup, create, push, updates check, board paging) validates against the real schema', async () => {
    h = await harness(em);
    const rec = recording(h.transport);
    // 520 items nobody on the ladder knows: verify must page past monday's 500-item page.
    for (let i = 0; i < 520; i++) h.emu.state.createItem(BOARD, `Stranger ${i}`, { text_mm218qe9: `stranger${i}.example.org` });
    // An item already on the board for a ladder account: matched by Domain, not created.
    h.emu.state.createItem(BOARD, 'Known Co', { text_mm218qe9: 'known.example.com' });

    const t1 = at(T0, 0, 1);
    for (const a of ['known.example.com', 'new-1.example.com', 'new-2.example.com']) {
      addAccount(h, a);
      send(h, a, signal(`s-${a}`, 'E1', 'https://www.linkedin.com/in/jane', t1), t1);
    }
    // Push 1: Lookup, Create, then a Push with column writes (the matched item) and comments.
    expect(await h.push({ transport: rec.transport })).toMatchObject({ matched: 1, created: 2, commentsPosted: 3, pendingComments: 0 });
    // Push 2: a comment-only Push (a dossier with two signals leaves the stage as is), answered but lost:
    // the next round asks for the item's updates (Updates) before re-posting anything.
    send(h, 'new-1.example.com', { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'UNVERIFIED', S4: 'NOT_PRESENT' } }, at(T0, 0, 2));
    h.emu.faults.queue('lostResponse');
    expect(await h.push({ transport: rec.transport })).toMatchObject({ commentsFoundPosted: 1, commentsPosted: 0, pendingComments: 0 });
    // verify: the first board page (Board) and the next one (Next).
    const v = await h.verify({ transport: rec.transport });
    expect(v).toMatchObject({ items: 523, accounts: 3, equal: 3, error: null });
    expect(v.itemsWithoutAccount).toHaveLength(520);

    expect([...rec.documents.keys()].sort()).toEqual(['Board', 'Create', 'Lookup', 'Next', 'Push', 'Updates']);
    const docs = [...rec.documents.values()].flatMap((s) => [...s]);
    expect(docs.length).toBeGreaterThanOrEqual(7); // Push comes with and without column writes
    for (const doc of docs) expect(validate(schema, parse(doc)).map((e) => e.message), doc).toEqual([]);

    // And the emulator saw the same: no request refused as a document.
    expect(h.emu.requests.filter((q) => q.errorCodes.some((c) => DOCUMENT_ERRORS.includes(c)))).toEqual([]);
    expect(invalidRequests(h.emu)).toEqual([]);
    expect(deadLetters(h)).toEqual({ items: [], comments: [] });
    expect(h.emu.state.updates(itemIdOf(h, 'new-1.example.com')!)).toHaveLength(2);
  });

  it('the emulator check catches a document that does not validate (the suite hook relies on it)', async () => {
    // Started outside the suite's tracking: this deliberate failure must not fail the suite's own check.
    const emu = await startEmulator({ port: 0 });
    try {
      const bad = await fetch(emu.url, {
        method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'x', 'API-Version': '2026-10' },
        body: JSON.stringify({ query: 'query { items(ids: [1]) { no_such_field } }' }),
      });
      expect(bad.status).toBe(200);
      expect(invalidRequests(emu).map((q) => q.errorCodes)).toEqual([['GRAPHQL_VALIDATION_FAILED']]);
    } finally {
      await emu.close();
    }
  });
});
