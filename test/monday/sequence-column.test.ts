// Issue 15: the board shows each account's sequence and step, and flags an opt-out (HO 5.5 "Monday.com: sequence
// stage logging", HO 5.6 #8 "Flag in Monday.com"), projected through the outbox in the transition's transaction
// like the stage — also when only the sequence moved (a touch planned by the sweep, a reply's pause).
import { afterEach, describe, expect, it } from 'vitest';
import { enableSequences } from '../helpers/sequences.js';
import { OPS, T0, addAccount, at, boardDiff, emulators, harness, itemIdOf, send, signal, type Harness } from '../helpers/monday.js';

const em = emulators();
let h: Harness | undefined;
afterEach(() => { h?.cleanup(); h = undefined; });
const columns = (h: Harness, account: string) => {
  const item = h.emu.state.item(itemIdOf(h, account)!)!;
  return [item.columns.text_sequence?.text, item.columns.status_opt_out?.text];
};

describe('the sequence column and the opt-out flag on the board', () => {
  it('follows the touches, a pause, and an opt-out, with the board equal to the machine after each push', async () => {
    h = await harness(em);
    enableSequences(h.engine);
    addAccount(h, 'acme.example.com');
    send(h, 'acme.example.com', signal('s1', 'E1', 'jane@acme.example.com', T0), T0); // Monday 10:00: MQL, Nurture enrolled
    await h.drain();
    expect(columns(h, 'acme.example.com')).toEqual(['Nurture-MQL 0/5', 'ok']);
    h.engine.sweep({ now: at(T0, 0, 1), as: OPS }); // Day 1's touch is planned (09:00 today, already past)
    await h.drain();
    expect(columns(h, 'acme.example.com')).toEqual(['Nurture-MQL 1/5', 'ok']);
    h.engine.sequences.reply('acme.example.com', { contact: 'jane@acme.example.com', category: 'ooo', returnDate: '2026-03-09' }, { ...OPS, now: at(T0, 0, 2), source: 'cli' });
    await h.drain();
    // Touch 1 was planned but never handed to an executor: the pause cancels it, and the resume plans it again.
    expect(columns(h, 'acme.example.com')).toEqual(['Nurture-MQL 0/5 paused (ooo) until 2026-03-11', 'ok']);
    expect(h.store.sqlite.prepare("select status, detail from sends where account = 'acme.example.com'").all()).toEqual([{ status: 'cancelled', detail: 'cancelled: reply: ooo' }]);
    expect(boardDiff(h, 'acme.example.com')).toEqual([]);
    h.engine.sequences.reply('acme.example.com', { contact: 'jane@acme.example.com', category: 'opt-out' }, { ...OPS, now: at(T0, 0, 3), source: 'cli' });
    await h.drain();
    expect(columns(h, 'acme.example.com')).toEqual(['removed (opt-out)', 'OPTED OUT']);
    expect(boardDiff(h, 'acme.example.com')).toEqual([]);
    expect((await h.verify()).drift).toEqual([]);
  });

  it('a hostile reply shows as HOSTILE', async () => {
    h = await harness(em);
    enableSequences(h.engine);
    addAccount(h, 'rude.example.com');
    send(h, 'rude.example.com', signal('s1', 'E1', 'rob@rude.example.com', T0), T0);
    h.engine.sequences.reply('rude.example.com', { contact: 'rob@rude.example.com', category: 'hostile' }, { ...OPS, now: at(T0, 0, 1), source: 'cli' });
    await h.drain();
    expect(columns(h, 'rude.example.com')).toEqual(['removed (hostile)', 'HOSTILE']);
  });
});
