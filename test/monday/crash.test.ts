// Issue 4, "Done means" 4: a push interrupted at any point resumes without loss or duplication. The
// process "dies" at its n-th request, for every n a push makes, either before the request leaves or after
// monday applied it but before the answer was read; the database is reopened (as a new process would) and
// a fresh push completes. Nothing is lost, nothing is posted or created twice.
import { afterEach, describe, expect, it } from 'vitest';
import type { PushResult } from '../../src/monday/pusher.js';
import {
  BOARD, CRO, SimulatedCrash, T0, accountDomains, addAccount, at, boardDiff, commentProblems, crashingAt, deadLetters, emulators, harness,
  itemsByDomain, send, signal, type Harness,
} from '../helpers/monday.js';

const em = emulators();
let h: Harness | undefined;
afterEach(() => { h?.cleanup(); h = undefined; });

// Small batches, so one push makes many requests and there are many points to die at.
const SMALL = { batch: { itemsPerRequest: 5, mutationsPerRequest: 8, lookupValuesPerRequest: 6 } };
const ACCOUNTS = Array.from({ length: 12 }, (_, i) => `crash${i}.example.com`);
const THREE = { S1: 'LIKELY', S2: 'LIKELY', S3: 'CONFIRMED', S4: 'UNVERIFIED' };

/** Phase A: the accounts arrive and qualify before the board has ever seen them (lookup, create, comments). */
function phaseA(hh: Harness) {
  const t = at(T0, 0, 1);
  for (const a of ACCOUNTS) {
    addAccount(hh, a);
    send(hh, a, signal(`a-${a}`, 'E1', 'https://www.linkedin.com/in/jane', t), t);
  }
}
/** Phase B: the items exist; dossiers and CRO decisions (column writes and comments on existing items). */
function phaseB(hh: Harness) {
  const t = at(T0, 0, 3);
  ACCOUNTS.forEach((a, i) => {
    send(hh, a, { type: 'DOSSIER', scores: THREE }, t);
    if (i % 3 === 0) send(hh, a, { type: 'CRO_CONFIRM' }, t, CRO);
    if (i % 3 === 1) send(hh, a, { type: 'CRO_DISPUTE', reason: 'weak S3' }, t, CRO);
  });
}

function expectWhole(hh: Harness) {
  expect(accountDomains(hh).flatMap((a) => boardDiff(hh, a))).toEqual([]);
  expect(commentProblems(hh)).toEqual([]);
  expect(hh.emu.state.items(BOARD)).toHaveLength(ACCOUNTS.length);
  expect([...itemsByDomain(hh).values()].every((ids) => ids.length === 1)).toBe(true);
  expect(deadLetters(hh)).toEqual({ items: [], comments: [] });
}

/** How many requests an uninterrupted push of each phase makes. */
async function referenceRequests(): Promise<{ a: number; b: number }> {
  const hh = await harness(em, { monday: SMALL });
  try {
    phaseA(hh);
    const a = (await hh.push()).requests;
    phaseB(hh);
    const b = (await hh.push()).requests;
    expectWhole(hh);
    return { a, b };
  } finally { hh.cleanup(); }
}

async function crashAndResume(phase: 'A' | 'B', n: number, when: 'before' | 'after'): Promise<PushResult[]> {
  h = await harness(em, { monday: SMALL });
  const hh = h;
  phaseA(hh);
  if (phase === 'B') { await hh.push(); phaseB(hh); }
  await expect(hh.push({ transport: crashingAt(hh.transport, n, when) })).rejects.toBeInstanceOf(SimulatedCrash);
  hh.reopen(); // a new process on the same database
  if (phase === 'A') phaseB(hh);
  const resumed = await hh.drain(5);
  expectWhole(hh);
  hh.cleanup(); h = undefined;
  return resumed;
}

describe('a push interrupted at any point', () => {
  it('resumes without loss or duplication, whichever request the crash hits, before or after monday applied it', async () => {
    const ref = await referenceRequests();
    expect(ref.a).toBeGreaterThanOrEqual(6); // lookups, creates, pushes
    expect(ref.b).toBeGreaterThanOrEqual(4);
    let foundPosted = 0;
    let matched = 0;
    for (const [phase, count] of [['A', ref.a], ['B', ref.b]] as const) {
      for (let n = 1; n <= count; n++) {
        for (const when of ['before', 'after'] as const) {
          const resumed = await crashAndResume(phase, n, when);
          foundPosted += resumed.reduce((s, r) => s + r.commentsFoundPosted, 0);
          matched += resumed.reduce((s, r) => s + r.matched, 0);
        }
      }
    }
    // The 'after' crashes did hit applied writes: the resumed pushes found those comments by their marker
    // and matched those items by Domain instead of posting or creating them again.
    expect(foundPosted).toBeGreaterThan(0);
    expect(matched).toBeGreaterThan(0);
    console.log(`crash/resume: ${2 * (ref.a + ref.b)} crash points (phase A ${ref.a} requests, phase B ${ref.b}); ${foundPosted} comments found already posted, ${matched} items matched by Domain after a crash`);
  });

  it('survives crashing again inside the resumed push, during the marker check and the re-post', async () => {
    h = await harness(em, { monday: SMALL });
    const hh = h;
    phaseA(hh);
    await hh.push();
    phaseB(hh);
    const lastQuery = () => hh.emu.requests.at(-1)!.query!;
    // The first Push of phase B reaches monday and is applied; the answer dies with the process.
    await expect(hh.push({ transport: crashingAt(hh.transport, 1, 'after') })).rejects.toBeInstanceOf(SimulatedCrash);
    expect(lastQuery()).toMatch(/^mutation Push/);
    hh.reopen();
    // The resumed push begins by asking for the updates of the items with uncertain comments: it dies there too.
    await expect(hh.push({ transport: crashingAt(hh.transport, 1, 'after') })).rejects.toBeInstanceOf(SimulatedCrash);
    expect(lastQuery()).toMatch(/^query Updates/);
    hh.reopen();
    // And once more, right before its next Push leaves.
    await expect(hh.push({ transport: crashingAt(hh.transport, 2, 'before') })).rejects.toBeInstanceOf(SimulatedCrash);
    expect(lastQuery()).toMatch(/^query Updates/);
    hh.reopen();
    await hh.drain(5);
    expectWhole(hh);
  });
});
