// Issue 4, "Done means" 2: fifty accounts walk the ladder through the engine (outbox hook in each
// transition's transaction); each push leaves the emulator's board equal to the machine's projection,
// with the audit comments HO 4.4 asks for, in at most ceil(50/25) + 2 = 4 requests per push.
import { afterEach, describe, expect, it } from 'vitest';
import { sweep } from '../../src/engine/sweep.js';
import { SYSTEM } from '../helpers/store.js';
import { mondayComments } from '../../src/store/schema.js';
import type { PushResult } from '../../src/monday/pusher.js';
import {
  BOARD, CRO, FAILS_G4, OPS, T0, accountDomains, addAccount, at, boardDiff, commentProblems, emulators, harness,
  itemIdOf, itemsByDomain, send, signal, type Harness,
} from '../helpers/monday.js';

const em = emulators();
let h: Harness | undefined;
afterEach(() => { h?.cleanup(); h = undefined; });

/** Ten ways through the ladder; 50 accounts in all. */
const PERSONAS = { mql: 4, won: 5, dispute: 5, flag: 5, weak: 4, override: 4, e3: 5, e4: 5, dq: 4, stale: 5, sla: 4 } as const;
type Persona = keyof typeof PERSONAS;
const accountsOf = (p: Persona) => Array.from({ length: PERSONAS[p] }, (_, i) => `${p}-${i}.example.com`);
const ALL = (Object.keys(PERSONAS) as Persona[]).flatMap(accountsOf);
const contact = (a: string) => `https://linkedin.com/in/${a.split('.')[0]}`;

/** The comments each persona's item must carry at the end, oldest first (HO 4.4, HO 3.6). */
const EXPECTED: Record<Persona, RegExp[]> = {
  // Machine v2: a new MQL owes its dossier within 1 business day (MQL: dossier); the day-3 sweep flags the breach.
  mql: [/^MQL classification/, /^SLA breach: dossier SLA: 1 business day passed at .* while MQL: dossier\./],
  won: [/^MQL classification/, /^SQL dossier/, /^CRO confirmed/, /^SQL: confirmed → BRIEFING_READY/, /^BRIEFING_READY → ASSESSMENT_QUALIFIED/, /^ASSESSMENT_QUALIFIED → WON/],
  dispute: [/^MQL classification/, /^SQL dossier/, /^CRO disputed/],
  flag: [/^MQL classification/, /^SQL dossier/, /^CRO flagged/, /^Timed regression SQL: confirmed → MQL: nurture:/],
  weak: [/^MQL classification/, /^SQL dossier .*: 2 of S1-S4 CONFIRMED\/LIKELY → MQL: nurture\./],
  override: [/^CRO override of failed gate G4[\s\S]*MQL classification/, /^SLA breach: dossier SLA: 1 business day passed at .* while MQL: dossier\./],
  e3: [/^Fast track to SQL: dossier \(strong\)/, /^SQL dossier/, /^CRO confirmed/, /^Timed regression SQL: confirmed → MQL: nurture:/],
  e4: [/^Fast track to SQL: confirmed \(E4\)/, /^SQL: confirmed → BRIEFING_READY/, /^BRIEFING_READY → RECYCLED/],
  dq: [/^MQL classification/, /^Disqualified \(opt-out\)/],
  stale: [/^MQL classification/, /^SQL dossier/, /^CRO confirmed/, /^Timed regression SQL: confirmed → MQL: nurture:/],
  sla: [/^Fast track to SQL: dossier \(strong\)/, /^SLA breach: dossier SLA: 1 business day passed at .* while SQL: dossier\./, /^Timed regression SQL: dossier → MQL: nurture:/],
};

const THREE = { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' };
const EVIDENCE = { S1: '40% of revenue through AWS Marketplace', S2: 'new VP Alliances in January', S3: '7 SI partners named', S4: 'partner-sourced pipeline down 12% QoQ' };

function expectBoardEqualsMachine(hh: Harness) {
  const diffs = accountDomains(hh).flatMap((a) => boardDiff(hh, a));
  expect(diffs).toEqual([]);
}

/** The Push mutations of a push, as item id → number of column writes (from the emulator's request log). */
function columnWritesPerItem(hh: Harness, fromSeq: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const q of hh.emu.requests.filter((x) => x.seq > fromSeq && x.query?.startsWith('mutation Push') && x.status === 200)) {
    for (const match of q.query!.matchAll(/change_multiple_column_values\(board_id: \$board, item_id: \$(i\d+)/g)) {
      const id = String(q.variables![match[1]!]);
      m.set(id, (m.get(id) ?? 0) + 1);
    }
  }
  return m;
}

describe('the happy path: 50 accounts up the ladder, pushed to the board', () => {
  it('keeps the board equal to the machine after every push, with the SOP comments, in ≤ 4 requests per push', async () => {
    h = await harness(em);
    const hh = h;
    const pushes: { label: string; r: PushResult }[] = [];
    const pushNow = async (label: string) => {
      const r = await hh.push();
      pushes.push({ label, r });
      expect(r, label).toMatchObject({ pendingItems: 0, pendingComments: 0, deadItems: 0, deadComments: 0, gaveUp: null, retries: 0 });
      expect(r.requests, `${label}: requests`).toBeLessThanOrEqual(Math.ceil(50 / 25) + 2);
      expectBoardEqualsMachine(hh);
      expect(commentProblems(hh)).toEqual([]);
      return r;
    };

    // Day 0, 10:00: the import through the stage gate (five required fields, LQ 6).
    for (const a of ALL) addAccount(hh, a, { name: `Acme ${a.split('.')[0]}`, facts: a.startsWith('override') ? FAILS_G4 : undefined });
    const first = await pushNow('import');
    expect(first).toMatchObject({ created: 50, matched: 0, commentsPosted: 0 });
    expect(itemsByDomain(hh).size).toBe(50);

    // 11:00: signals. E1 → MQL; E3 → SQL dossier (fast track); E4 → SQL confirmed (auto-SQL); G4 failing → stays.
    const t1 = at(T0, 0, 1);
    for (const a of ALL) {
      const code = /^(e3|sla)-/.test(a) ? 'E3' : a.startsWith('e4') ? 'E4' : 'E1';
      send(hh, a, signal(`sig-${a}`, code, contact(a), t1), t1);
    }
    expect(hh.engine.load('override-0.example.com')!.snapshot.value).toBe('PROSPECT');
    await pushNow('signals');

    // 12:00: dossiers (HO 4.3) and the CRO's override of one failed gate (HO 3.6).
    const t2 = at(T0, 0, 2);
    for (const a of [...accountsOf('won'), ...accountsOf('dispute'), ...accountsOf('flag'), ...accountsOf('stale'), ...accountsOf('e3')]) {
      send(hh, a, { type: 'DOSSIER', scores: THREE, evidence: EVIDENCE }, t2);
    }
    for (const a of accountsOf('weak')) send(hh, a, { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'UNVERIFIED', S3: 'CONFIRMED', S4: 'NOT_PRESENT' } }, t2);
    for (const a of accountsOf('override')) {
      send(hh, a, { type: 'CRO_OVERRIDE', gate: 'G4', justification: 'the CEO sponsors the partner budget', compensatingSignals: ['named exec referral', 'AWS co-sell reference'] }, t2, CRO);
    }
    await pushNow('dossiers');

    // 13:00: the CRO's review.
    const t3 = at(T0, 0, 3);
    for (const a of [...accountsOf('won'), ...accountsOf('e3'), ...accountsOf('stale')]) send(hh, a, { type: 'CRO_CONFIRM', note: 'strong partner motion' }, t3, CRO);
    for (const a of accountsOf('dispute')) send(hh, a, { type: 'CRO_DISPUTE', reason: 'S2 is a reorg rumour, not a GTM restructuring' }, t3, CRO);
    for (const a of accountsOf('flag')) send(hh, a, { type: 'CRO_FLAG', note: 'board meeting next week' }, t3, CRO);
    await pushNow('CRO review');
    const flagItem = hh.emu.state.item(itemIdOf(hh, 'flag-0.example.com')!)!;
    expect([flagItem.columns.status_stage!.text, flagItem.columns.status_priority!.text]).toEqual(['SQL: confirmed', 'high']);

    // Day 1: Briefings and Assessments (several transitions per item between two pushes), a disqualification.
    const t4 = at(T0, 1);
    const before = hh.emu.requests.length;
    for (const a of accountsOf('won')) {
      for (const type of ['BRIEFING_SCHEDULED', 'BRIEFING_COMPLETED', 'ASSESSMENT_QUALIFIED', 'ASSESSMENT_WON']) send(hh, a, { type }, t4);
    }
    for (const a of accountsOf('e4')) {
      for (const body of [{ type: 'BRIEFING_SCHEDULED' }, { type: 'BRIEFING_COMPLETED' }, { type: 'ASSESSMENT_LOST', reason: 'no budget this year' }]) send(hh, a, body, t4);
    }
    for (const a of accountsOf('dq')) send(hh, a, { type: 'DISQUALIFY', reason: 'opt-out', note: 'asked to be removed' }, t4);
    const day1 = await pushNow('briefings');
    // Coalescing: four transitions of a 'won' item between pushes are one column write of the latest values.
    const writes = columnWritesPerItem(hh, before);
    expect([...writes.values()].every((n) => n === 1)).toBe(true);
    expect(writes.size).toBe(PERSONAS.won + PERSONAS.e4 + PERSONAS.dq);
    expect(day1.columnWrites).toBe(writes.size);
    expect(hh.emu.state.item(itemIdOf(hh, 'won-0.example.com')!)!.columns.status_stage!.text).toBe('WON');

    // Day 3: the sweep flags the dossier SLA the 'sla' accounts missed (HO 4.3: 1 business day).
    sweep(hh.engine, { now: at(T0, 3), as: SYSTEM });
    await pushNow('SLA sweep');
    expect(hh.emu.state.item(itemIdOf(hh, 'sla-0.example.com')!)!.columns.status_sla!.text).toBe('BREACH');
    // Machine v2: so did the MQLs still owing their dossier (MQL: dossier), shown on the board as MQL with BREACH.
    const mqlItem = hh.emu.state.item(itemIdOf(hh, 'mql-0.example.com')!)!;
    expect([mqlItem.columns.status_stage!.text, mqlItem.columns.status_sla!.text]).toEqual(['MQL', 'BREACH']);
    const weakItem = hh.emu.state.item(itemIdOf(hh, 'weak-0.example.com')!)!; // MQL: nurture owes no dossier
    expect([weakItem.columns.status_stage!.text, weakItem.columns.status_sla!.text]).toEqual(['MQL', 'OK']);

    // Day 33: SQL with no engagement for 30 days → MQL (HO 3.5), dated when it fell due.
    sweep(hh.engine, { now: at(T0, 33), as: SYSTEM });
    await pushNow('regression sweep');
    const flagged = hh.emu.state.item(itemIdOf(hh, 'flag-0.example.com')!)!;
    expect([flagged.columns.status_stage!.text, flagged.columns.status_priority!.text]).toEqual(['MQL', 'normal']);

    // The comments: how many per account, in order, and what the SOP says they must say.
    const rows = hh.store.db.select().from(mondayComments).all();
    for (const p of Object.keys(PERSONAS) as Persona[]) {
      for (const a of accountsOf(p)) {
        const bodies = hh.emu.state.updates(itemIdOf(hh, a)!).map((u) => u.body);
        expect(bodies.length, `${a}: comments on the board`).toBe(EXPECTED[p].length);
        expect(rows.filter((x) => x.account === a).length, `${a}: comments in the outbox`).toBe(EXPECTED[p].length);
        EXPECTED[p].forEach((re, i) => { expect(bodies[i], `${a} comment ${i + 1}`).toMatch(re); });
      }
    }
    const bodiesOf = (a: string) => hh.emu.state.updates(itemIdOf(hh, a)!).map((u) => u.body.replace(/\n\n\[ladder:[^\]]+\]$/, ''));
    // HO 4.4: who verified, which signals, the first-touch source, the date.
    expect(bodiesOf('mql-0.example.com')[0]).toBe([
      'MQL classification — verified by ana (sales.ops), 2026-03-02.',
      'Signals: E1 (linkedin.com/in/mql-0, 2026-03-02).', // the contact as stored: canonical LinkedIn profile
      'First touch: E1 (2026-03-02).',
    ].join('\n'));
    // The dossier with S1-S4 and their evidence.
    expect(bodiesOf('won-0.example.com')[1]).toBe([
      'SQL dossier by ana (sales.ops), 2026-03-02: 3 of S1-S4 CONFIRMED/LIKELY → SQL: review.',
      'S1: LIKELY — 40% of revenue through AWS Marketplace',
      'S2: CONFIRMED — new VP Alliances in January',
      'S3: LIKELY — 7 SI partners named',
      'S4: NOT_PRESENT — partner-sourced pipeline down 12% QoQ',
    ].join('\n'));
    expect(bodiesOf('won-0.example.com')[2]).toBe('CRO confirmed the SQL — marcus (cro), 2026-03-02. Note: strong partner motion');
    expect(bodiesOf('dispute-0.example.com')[2]).toBe('CRO disputed the SQL → MQL — marcus (cro), 2026-03-02. Reason (kept for signal calibration): S2 is a reorg rumour, not a GTM restructuring');
    expect(bodiesOf('flag-0.example.com')[2]).toBe('CRO flagged for immediate outreach: SQL confirmed, HIGH priority — marcus (cro), 2026-03-02. Note: board meeting next week');
    expect(bodiesOf('override-0.example.com')[0]).toBe([
      'CRO override of failed gate G4 — marcus (cro), 2026-03-02 (HO 3.6).',
      'Why justified: the CEO sponsors the partner budget',
      'Compensating signals: named exec referral; AWS co-sell reference',
      'MQL classification — verified by marcus (cro), 2026-03-02.',
      'Signals: E1 (linkedin.com/in/override-0, 2026-03-02).',
      'First touch: E1 (2026-03-02).',
    ].join('\n'));
    expect(bodiesOf('dq-0.example.com')[1]).toBe('Disqualified (opt-out) — ana (sales.ops), 2026-03-03. asked to be removed Added to the suppression list: never re-engage (HO 5.6).');
    expect(bodiesOf('mql-0.example.com')[1]).toBe('SLA breach: dossier SLA: 1 business day passed at 2026-03-03T11:00:00.000Z while MQL: dossier.');
    expect(bodiesOf('stale-0.example.com')[3]).toBe('Timed regression SQL: confirmed → MQL: nurture: 30 days without engagement (due 2026-04-01T12:00:00.000Z; HO 3.5).');

    // verify agrees with the direct comparison above: nothing drifted, nothing missing, nothing foreign.
    const v = await hh.verify();
    expect(v).toMatchObject({ items: 50, accounts: 50, equal: 50, drift: [], accountsWithoutItem: [], itemsWithoutAccount: [], error: null });

    console.log(`happy path: requests per push ${pushes.map((p) => `${p.label}=${p.r.requests}`).join(', ')}; ` +
      `column writes ${pushes.map((p) => p.r.columnWrites).join('/')}; comments ${pushes.map((p) => p.r.commentsPosted).join('/')}`);
    expect(hh.emu.state.items(BOARD)).toHaveLength(50);
  });

  it('coalesces many transitions of one item between pushes into one column write of the latest values', async () => {
    h = await harness(em);
    const a = 'coalesce.example.com';
    addAccount(h, a);
    expect((await h.push()).created).toBe(1);
    const itemId = itemIdOf(h, a)!;
    const from = h.emu.requests.length;
    const t = at(T0, 0, 1);
    send(h, a, signal('c1', 'E1', 'https://www.linkedin.com/in/jane', t), t);
    send(h, a, signal('c2', 'E2', 'https://www.linkedin.com/in/joe', t), t);
    send(h, a, { type: 'DOSSIER', scores: THREE }, t);
    send(h, a, { type: 'CRO_FLAG' }, t, CRO);
    send(h, a, { type: 'BRIEFING_SCHEDULED' }, t);
    send(h, a, { type: 'BRIEFING_COMPLETED' }, t);
    send(h, a, { type: 'ASSESSMENT_QUALIFIED' }, t, OPS);
    const r = await h.push();
    expect(r).toMatchObject({ requests: 1, columnWrites: 1, commentsPosted: 5 });
    expect(columnWritesPerItem(h, from)).toEqual(new Map([[itemId, 1]]));
    expect(boardDiff(h, a)).toEqual([]);
    expect(h.emu.state.item(itemId)!.columns.status_stage!.text).toBe('ASSESSMENT_QUALIFIED');
    // Nothing changed since: the next push sends nothing at all.
    expect((await h.push()).requests).toBe(0);
  });
});
