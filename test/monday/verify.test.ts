// Issue 4, "Done means" 5: `verify` finds what someone changed by hand on the board (account, column,
// board value, machine value), and `verify --repair` + push puts the machine's values back; a deleted item
// is an account without item, re-created with its comments; an item the ladder does not know is reported.
import { afterEach, describe, expect, it } from 'vitest';
import {
  BOARD, CRO, T0, accountDomains, addAccount, at, boardDiff, commentProblems, emulators, harness, itemIdOf, itemsByDomain, send, signal,
  type Harness,
} from '../helpers/monday.js';

const em = emulators();
let h: Harness | undefined;
afterEach(() => { h?.cleanup(); h = undefined; });

const DOMAINS = ['alpha.example.com', 'beta.example.com', 'gamma.example.co.uk', 'delta.example.com'];

/** Four accounts on the board: alpha MQL, beta SQL review, gamma SQL confirmed (high priority), delta PROSPECT. */
async function boardInSync(): Promise<Harness> {
  const hh = await harness(em);
  const t = at(T0, 0, 1);
  for (const d of DOMAINS) addAccount(hh, d, { name: d.split('.')[0]!.toUpperCase() });
  for (const d of DOMAINS.slice(0, 3)) send(hh, d, signal(`s-${d}`, 'E1', 'https://www.linkedin.com/in/jane', t), t);
  for (const d of DOMAINS.slice(1, 3)) send(hh, d, { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'LIKELY', S4: 'NOT_PRESENT' } }, t);
  send(hh, 'gamma.example.co.uk', { type: 'CRO_FLAG' }, t, CRO);
  const r = await hh.push();
  expect(r).toMatchObject({ created: 4, pendingItems: 0, pendingComments: 0 });
  const v = await hh.verify();
  expect(v).toMatchObject({ items: 4, accounts: 4, equal: 4, drift: [], accountsWithoutItem: [], itemsWithoutAccount: [] });
  return hh;
}

describe('monday verify', () => {
  it('reports a hand-made drift with account, column, board value and machine value; --repair + push fixes it', async () => {
    h = await boardInSync();
    const alpha = itemIdOf(h, 'alpha.example.com')!;
    const gamma = itemIdOf(h, 'gamma.example.co.uk')!;
    h.emu.state.setColumnValue(alpha, 'status_stage', { label: 'WON' });
    h.emu.state.setColumnValues(gamma, { text_mm21caks: 'Paris', status_priority: { label: 'normal' }, name: 'Gamma (renamed)' });

    const v = await h.verify();
    expect(v.drift).toEqual([
      { account: 'alpha.example.com', itemId: alpha, column: 'status_stage', board: 'WON', machine: 'MQL' },
      { account: 'gamma.example.co.uk', itemId: gamma, column: 'name', board: 'Gamma (renamed)', machine: 'GAMMA' },
      { account: 'gamma.example.co.uk', itemId: gamma, column: 'text_mm21caks', board: 'Paris', machine: 'Berlin' },
      { account: 'gamma.example.co.uk', itemId: gamma, column: 'status_priority', board: 'normal', machine: 'high' },
    ]);
    expect(v).toMatchObject({ equal: 2, repaired: 0, accountsWithoutItem: [], itemsWithoutAccount: [] });
    // Without --repair nothing is queued.
    expect((await h.push()).requests).toBe(0);

    const repaired = await h.verify({ repair: true });
    expect(repaired.repaired).toBe(2);
    const r = await h.push();
    expect(r).toMatchObject({ columnWrites: 2, commentsPosted: 0, created: 0, requests: 1 });
    expect(h.emu.state.item(alpha)!.columns.status_stage!.text).toBe('MQL');
    expect(h.emu.state.item(gamma)).toMatchObject({ name: 'GAMMA', columns: { text_mm21caks: { text: 'Berlin' }, status_priority: { text: 'high' } } });
    expect(await h.verify()).toMatchObject({ equal: 4, drift: [] });
    expect(commentProblems(h)).toEqual([]);
  });

  it('reports a deleted item as an account without item, and repairs it by re-creating it with its comments', async () => {
    h = await boardInSync();
    const old = itemIdOf(h, 'beta.example.com')!;
    const comments = h.emu.state.updates(old).map((u) => u.body);
    expect(comments).toHaveLength(2); // MQL classification, dossier
    h.emu.state.deleteItem(old);

    const v = await h.verify();
    expect(v).toMatchObject({ items: 3, equal: 3, drift: [], accountsWithoutItem: ['beta.example.com'], itemsWithoutAccount: [] });
    await h.verify({ repair: true });
    const r = await h.push();
    expect(r).toMatchObject({ created: 1, matched: 0, commentsPosted: 2, pendingItems: 0, pendingComments: 0, deadItems: 0 });
    const fresh = itemIdOf(h, 'beta.example.com')!;
    expect(fresh).not.toBe(old);
    expect(boardDiff(h, 'beta.example.com')).toEqual([]);
    // The audit trail is on the new item, once each.
    expect(h.emu.state.updates(fresh).map((u) => u.body)).toEqual(comments);
    expect(commentProblems(h)).toEqual([]);
    expect(await h.verify()).toMatchObject({ items: 4, equal: 4, drift: [], accountsWithoutItem: [] });
  });

  it('re-links an item found by Domain when the stored one is gone, without posting its comments twice', async () => {
    h = await boardInSync();
    const old = itemIdOf(h, 'alpha.example.com')!;
    // Someone duplicated the item (updates included) and deleted the original.
    const copy = h.emu.state.createItem(BOARD, 'ALPHA', { text_mm218qe9: 'alpha.example.com', text_mm21caks: 'Berlin', color_mm217sw4: { label: 'Tier 1' }, numeric_mm216nk9: 70, status_stage: { label: 'MQL' }, text_first_touch: 'E1 (2026-03-02)', status_sla: { label: 'OK' }, status_priority: { label: 'normal' }, text_sequence: h.emu.state.item(old)!.columns.text_sequence!.text, status_opt_out: { label: 'ok' } });
    const body = h.emu.state.updates(old)[0]!.body;
    h.emu.state.deleteItem(old);
    // The emulator's state helpers cannot post updates, so the copy carries its comment through the API.
    await h.transport.request('mutation ($i: ID!, $b: String!) { create_update(item_id: $i, body: $b) { id } }', { i: copy.id, b: body });

    const v = await h.verify({ repair: true });
    expect(v).toMatchObject({ equal: 4, drift: [], accountsWithoutItem: [], repaired: 1 });
    const r = await h.push();
    expect(r).toMatchObject({ matched: 1, created: 0, commentsFoundPosted: 1, commentsPosted: 0 });
    expect(itemIdOf(h, 'alpha.example.com')).toBe(copy.id);
    expect(commentProblems(h)).toEqual([]);
  });

  it('reports items the ladder does not know, including a second item for a known domain, and leaves them alone', async () => {
    h = await boardInSync();
    const stranger = h.emu.state.createItem(BOARD, 'Stranger GmbH', { text_mm218qe9: 'stranger.de' });
    const nameless = h.emu.state.createItem(BOARD, 'No domain yet');
    const twin = h.emu.state.createItem(BOARD, 'DELTA (copy)', { text_mm218qe9: 'delta.example.com' });
    const v = await h.verify({ repair: true });
    expect(v.itemsWithoutAccount).toEqual([
      { itemId: stranger.id, domain: 'stranger.de' },
      { itemId: nameless.id, domain: null },
      { itemId: twin.id, domain: 'delta.example.com' },
    ]);
    expect(v).toMatchObject({ items: 7, accounts: 4, equal: 4, drift: [], accountsWithoutItem: [], repaired: 0 });
    expect((await h.push()).requests).toBe(0);
    expect(h.emu.state.items(BOARD)).toHaveLength(7);
  });

  it('retries a board read through rate limits and server errors by advancing the clock, not by sleeping', async () => {
    h = await boardInSync();
    h.emu.faults.queue('rateLimit');
    h.emu.faults.queue('serverError', 1, { status: 502 });
    h.emu.faults.queue('dropConnection');
    const before = h.clock.slept;
    const started = performance.now();
    const v = await h.verify();
    expect(v).toMatchObject({ error: null, equal: 4 });
    expect(h.clock.slept - before).toBeGreaterThanOrEqual(30_000); // the 429's Retry-After
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('says what is wrong when the board id is', async () => {
    h = await boardInSync();
    const v = await h.verify({ cfg: { ...h.cfg, boardId: '999' } });
    expect(v.error).toBe('board 999 not found (or not shared with the token\'s user): check the board id (ladder settings show; ladder settings set monday.boardId ID)');
    expect(accountDomains(h)).toHaveLength(4);
    expect(itemsByDomain(h).size).toBe(4);
  });

  it('leaves a Tier Reject account off the board: verify does not count it missing, --repair does not create it (LQ 4)', async () => {
    h = await boardInSync();
    addAccount(h, 'reject.example.com', { tier: 'Reject' });
    send(h, 'reject.example.com', { type: 'ARCHIVE', reason: 'Tier Reject at intake (LQ 4)' }, at(T0, 0, 2));
    const v = await h.verify({ repair: true });
    expect(v).toMatchObject({ items: 4, accounts: 4, equal: 4, accountsWithoutItem: [], repaired: 0 });
    expect((await h.push()).created).toBe(0);
    expect(itemsByDomain(h).has('reject.example.com')).toBe(false);
  });
});
