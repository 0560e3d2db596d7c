// The pusher's edges: what stops a push (and what does not dead-letter), the marker check beyond monday's
// first page of updates, a push that cannot progress, and each push counting its own requests.
import { afterEach, describe, expect, it } from 'vitest';
import {
  BOARD, T0, addAccount, at, boardDiff, commentProblems, deadLetters, emulators, harness, itemIdOf, send, signal, type Harness,
} from '../helpers/monday.js';

const em = emulators();
let h: Harness | undefined;
afterEach(() => { h?.cleanup(); h = undefined; });

const t1 = at(T0, 0, 1);

describe('monday push, at the edges', () => {
  it('pushes three accounts: items created with their values, classification comments posted', async () => {
    h = await harness(em);
    for (const d of ['a.com', 'b.com', 'c.co.uk']) {
      addAccount(h, d, { name: d.toUpperCase() });
      send(h, d, signal(`s-${d}`, 'E1', 'https://www.linkedin.com/in/jane', t1), t1);
    }
    const r = await h.push();
    expect(r).toMatchObject({ requests: 3, created: 3, commentsPosted: 3, columnWrites: 0, pendingItems: 0, pendingComments: 0, deadItems: 0, deadComments: 0, gaveUp: null });
    expect(['a.com', 'b.com', 'c.co.uk'].flatMap((d) => boardDiff(h!, d))).toEqual([]);
    expect(commentProblems(h)).toEqual([]);
  });

  it('counts each push\'s own requests when one transport serves several pushes', async () => {
    h = await harness(em);
    addAccount(h, 'a.com');
    expect((await h.push()).requests).toBe(2); // lookup + create
    send(h, 'a.com', signal('s1', 'E1', 'https://www.linkedin.com/in/jane', t1), t1);
    expect((await h.push()).requests).toBe(1);
    expect((await h.push()).requests).toBe(0);
  });

  it('stops at a column id the board lacks, with the fix, and parks nothing (it is the configuration, not the items)', async () => {
    h = await harness(em, { monday: { columns: { firstTouch: 'text_no_such_column' } } });
    for (const d of ['a.com', 'b.com']) addAccount(h, d);
    const r = await h.push();
    expect(r.gaveUp).toBe('creating items failed: InvalidColumnIdException: This column ID doesn\'t exist for the board; fix: the column id is not on the board: fix it with ladder settings set monday.columns.… ID, then run ladder monday push');
    expect(r).toMatchObject({ deadItems: 0, pendingItems: 2, created: 0 });
    expect(h.emu.state.items(BOARD)).toHaveLength(0);
  });

  it('stops at a refused token without dead-lettering the queue', async () => {
    h = await harness(em, { emulator: { tokens: ['someone-else'] } });
    addAccount(h, 'a.com');
    const r = await h.push();
    expect(r.gaveUp).toMatch(/^matching items by Domain failed: Unauthorized: Not Authenticated; fix: monday refused the token/);
    expect(r).toMatchObject({ requests: 1, deadItems: 0, deadComments: 0, pendingItems: 1 });
  });

  it('ends a push that cannot progress (no item matches and createItems is off) instead of looping', async () => {
    h = await harness(em, { monday: { createItems: false } });
    addAccount(h, 'unmatched.com');
    const r = await h.push();
    expect(r).toMatchObject({ requests: 1, gaveUp: null, pendingItems: 1, created: 0, matched: 0 });
    // Once someone creates the item by hand, the next push matches it by Domain and writes its values.
    h.emu.state.createItem(BOARD, 'by hand', { text_mm218qe9: 'unmatched.com' });
    expect(await h.push()).toMatchObject({ matched: 1, columnWrites: 1, pendingItems: 0 });
    expect(boardDiff(h, 'unmatched.com')).toEqual([]);
  });

  it('finds a comment whose answer was lost even when 150 newer updates sit on the item (pages past the first 100)', async () => {
    h = await harness(em);
    addAccount(h, 'busy.com');
    await h.push();
    const itemId = itemIdOf(h, 'busy.com')!;
    send(h, 'busy.com', signal('s1', 'E1', 'https://www.linkedin.com/in/jane', t1), t1);
    h.emu.faults.queue('lostResponse');
    const lost = await h.push({ maxRounds: 1 });
    expect(lost).toMatchObject({ commentsPosted: 0, pendingComments: 1, retries: 1 });
    // Colleagues chat on the item before the next push.
    for (let i = 0; i < 150; i++) await h.transport.request('mutation ($i: ID!, $b: String!) { create_update(item_id: $i, body: $b) { id } }', { i: itemId, b: `note ${i}` });
    const r = await h.push();
    expect(r).toMatchObject({ commentsFoundPosted: 1, commentsPosted: 0, pendingComments: 0 });
    expect(h.emu.state.updates(itemId)).toHaveLength(151);
    expect(commentProblems(h)).toEqual([]);
  });

  it('parks a comment whose item is gone with the reason and fix, and keeps the other items going', async () => {
    h = await harness(em);
    for (const d of ['gone.com', 'fine.com']) addAccount(h, d);
    await h.push();
    h.emu.state.deleteItem(itemIdOf(h, 'gone.com')!);
    for (const d of ['gone.com', 'fine.com']) send(h, d, signal(`s-${d}`, 'E1', 'https://www.linkedin.com/in/jane', t1), t1);
    const r = await h.push();
    expect(r).toMatchObject({ deadItems: 1, deadComments: 1, columnWrites: 1, commentsPosted: 1, pendingItems: 0, pendingComments: 0 });
    const dead = deadLetters(h);
    expect(dead.items[0]).toMatchObject({ account: 'gone.com', deadReason: 'ResourceNotFoundException: Item not found in board', deadFix: expect.stringContaining('ladder monday retry') });
    expect(dead.comments[0]).toMatchObject({ account: 'gone.com', lastError: 'ResourceNotFoundException: Item not found in board', deadFix: expect.stringContaining('ladder monday retry') });
    expect(boardDiff(h, 'fine.com')).toEqual([]);
  });
});
