// Issue 4, "Done means" 3: 5 000 transitions over 500 accounts, pushed periodically while 20 % of the
// requests fail in every way the emulator can fail them (seeded). Waiting advances the emulator's clock:
// nothing sleeps for real except the client's own 200 ms timeouts. After the drain: the board equals the
// machine, every comment is on its item exactly once, one item per domain, and the only dead letters are
// the permanent errors made on purpose (a tier label the board lacks, for one account from its import and
// for another after a mid-run re-tiering; an item deleted mid-run), each with its reason and fix.
// `ladder monday retry` + push heals the deleted item; a corrected label configuration + verify --repair
// heals the other two.
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/app.js';
import { FAULT_KINDS, type FaultKind } from '../../src/monday/emulator/index.js';
import { parseMondayConfig } from '../../src/monday/config.js';
import { hasWork, type PushResult } from '../../src/monday/pusher.js';
import { stageOf } from '../../machines/stage.js';
import {
  BOARD, FAILS_G4, T0, accountDomains, addAccount, at, boardDiff, commentProblems, deadLetters, emulators, harness, itemIdOf,
  itemsByDomain, send, walk, type Harness,
} from '../helpers/monday.js';

const em = emulators();
let h: Harness | undefined;
afterEach(() => { h?.cleanup(); h = undefined; });

const ACCOUNTS = 500;
const TRANSITIONS = 5000;
/** Six kinds, each drawn independently: 1 - (1 - 0.036)^6 ≈ 20 % of requests fail. */
const P = 0.036;
/** The board has no such label: an account tiered Network cannot be written (ColumnValueException, permanent). */
const BAD_NETWORK_LABEL = 'Network partner';

function sum(into: Record<string, number>, from: Record<string, number>) {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

describe('pushing through faults', () => {
  it('drains 5 000 transitions over 500 accounts through 20 % failing requests without loss, duplication or stray dead letters', async () => {
    const monday = { labels: { tier: { Network: BAD_NETWORK_LABEL } }, retry: { timeoutMs: 200, maxAttempts: 10 } };
    h = await harness(em, { monday, emulator: { seed: 11 } });
    const hh = h;
    hh.emu.faults.set({ rateLimit: P, complexityExhausted: P, serverError: P, timeout: P, dropConnection: P, lostResponse: P, seed: 2026, timeoutMs: 5_000, retryAfterSeconds: 30 });

    const domains = Array.from({ length: ACCOUNTS }, (_, i) => `acct${String(i).padStart(3, '0')}.example.${i % 7 === 0 ? 'co.uk' : 'com'}`);
    // One account is imported as Network: its item can never be created with the configured labels.
    const networkFromStart = domains[5]!;
    domains.forEach((d, i) => { addAccount(hh, d, { facts: i % 10 === 3 ? FAILS_G4 : undefined, tier: d === networkFromStart ? 'Network' : 'Tier 1' }); });

    const pushes: PushResult[] = [];
    let pushWallMs = 0;
    let networkLater: string | null = null;
    let deleted: string | null = null;
    const movable = (d: string, stages: string[]) => d !== networkFromStart && itemIdOf(hh, d) !== null && stages.includes(stageOf(hh.engine.load(d)!.snapshot.value).stage);
    const walked = await walk(hh, domains, {
      seed: 99, transitions: TRANSITIONS, start: at(T0, 0, 1), hoursPerEvent: 0.4, pushEvery: 250,
      every: async (done) => {
        if (done >= TRANSITIONS) return; // the tail is left for the drain below
        const t = performance.now();
        pushes.push(await hh.push());
        pushWallMs += performance.now() - t;
        if (!networkLater && done >= TRANSITIONS / 3) {
          // Re-tiered on a material change (LQ 4): its next column write names a label the board lacks.
          networkLater = domains.find((d) => movable(d, ['PROSPECT', 'MQL', 'SQL', 'RECYCLED']))!;
          send(hh, networkLater, { type: 'FACTS', facts: {}, tier: 'Network' }, at(T0, 30));
        }
        if (!deleted && done >= TRANSITIONS / 2) {
          // Someone deletes an item on the board; the account then moves (archived), so the pusher writes to
          // an item that is gone: ResourceNotFoundException.
          deleted = domains.find((d) => d !== networkLater && movable(d, ['PROSPECT', 'MQL', 'SQL', 'RECYCLED']))!;
          hh.emu.state.deleteItem(itemIdOf(hh, deleted)!);
          send(hh, deleted, { type: 'ARCHIVE', reason: 'closed without response' }, at(T0, 40));
        }
      },
    });
    expect(walked.applied + walked.fired).toBeGreaterThanOrEqual(TRANSITIONS);
    expect(networkLater).not.toBeNull();
    expect(deleted).not.toBeNull();
    const broken = [networkFromStart, networkLater!, deleted!];

    // Drain: push until no work is left.
    expect(hasWork(hh.store)).toBe(true);
    const drainStart = performance.now();
    const drained = await hh.drain(30);
    const drainMs = performance.now() - drainStart;
    expect(drained.at(-1)).toMatchObject({ pendingItems: 0, pendingComments: 0 });

    // Faults really happened, of every kind, at about the rate asked for.
    const faulted = hh.emu.requests.filter((q) => q.fault);
    const byKind = Object.fromEntries(FAULT_KINDS.map((k) => [k, faulted.filter((q) => q.fault === k).length])) as Record<FaultKind, number>;
    for (const k of FAULT_KINDS) expect(byKind[k], `${k} faults injected`).toBeGreaterThan(0);
    const rate = faulted.length / hh.emu.requests.length;
    expect(rate).toBeGreaterThan(0.12);
    expect(rate).toBeLessThan(0.3);

    // Dead letters: only the permanent errors made on purpose, each with a reason and a fix.
    const dead = deadLetters(hh);
    const byAccount = Object.fromEntries(dead.items.map((x) => [x.account, x]));
    expect(Object.keys(byAccount).sort()).toEqual([...broken].sort());
    expect(byAccount[networkFromStart]).toMatchObject({ itemId: null, deadReason: expect.stringMatching(/^ColumnValueException: invalid value - label does not exist/), deadFix: expect.stringContaining('ladder monday verify --repair') });
    expect(byAccount[networkLater!]).toMatchObject({ itemId: expect.any(String), deadReason: expect.stringMatching(/^ColumnValueException: /), deadFix: expect.stringContaining('monday.labels') });
    expect(byAccount[deleted!]).toMatchObject({ deadReason: 'ResourceNotFoundException: Item not found in board', deadFix: expect.stringContaining('ladder monday retry') });
    for (const c of dead.comments) expect(c).toMatchObject({ account: deleted, lastError: expect.stringMatching(/^ResourceNotFoundException: /), deadFix: expect.stringContaining('ladder monday retry') });
    expect(dead.comments.length).toBeGreaterThan(0);
    // The never-created item's comments wait for it (blocked), neither lost nor counted as pending work.
    expect(drained.at(-1)!.blockedComments).toBe(hh.store.sqlite.prepare("select count(*) from monday_comments where account = ? and status = 'pending'").pluck().get(networkFromStart));
    const deadReasons: Record<string, number> = {};
    for (const x of [...dead.items.map((i) => `item ${i.deadReason!.split(':')[0]}`), ...dead.comments.map((c) => `comment ${c.lastError!.split(':')[0]}`)]) deadReasons[x] = (deadReasons[x] ?? 0) + 1;

    // Everything else: board == machine, every comment exactly once, one item per domain.
    expect(accountDomains(hh).filter((d) => !broken.includes(d)).flatMap((d) => boardDiff(hh, d))).toEqual([]);
    expect(commentProblems(hh, { only: (d) => d !== networkFromStart && d !== deleted })).toEqual([]);
    expect([...itemsByDomain(hh).values()].filter((ids) => ids.length > 1)).toEqual([]);

    // `ladder monday retry` + push heals the deleted item: re-created, with its comments posted again. The board
    // (endpoint, labels, retry) is the database's settings, as the harness recorded them: no config file.
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s), isTTY: false, env: {} };
    expect(await runCli(['--db', hh.path, 'monday', 'retry'], io), out.join('\n')).toBe(0);
    expect(out.join('\n')).toContain('requeued 3 items (1 to match again)');
    const healed = await hh.drain(30);
    expect(healed.at(-1)).toMatchObject({ pendingItems: 0, pendingComments: 0 });
    expect(boardDiff(hh, deleted!)).toEqual([]);
    expect(commentProblems(hh, { only: (d) => d === deleted })).toEqual([]);
    // The Network items are dead again (the board still lacks the label). Their fix: correct the labels,
    // then verify --repair re-projects them and push delivers.
    expect(deadLetters(hh).items.map((x) => x.account).sort()).toEqual([networkFromStart, networkLater!].sort());
    const fixed = parseMondayConfig({ endpoint: hh.emu.url, retry: monday.retry });
    const repaired = await hh.verify({ repair: true, cfg: fixed });
    expect(repaired).toMatchObject({ error: null, accountsWithoutItem: [networkFromStart], itemsWithoutAccount: [] });
    expect(repaired.drift.map((d) => [d.account, d.column])).toContainEqual([networkLater, 'color_mm217sw4']);
    const final = await hh.drain(30, { cfg: fixed });
    expect(final.at(-1)).toMatchObject({ pendingItems: 0, pendingComments: 0, deadItems: 0, deadComments: 0, blockedComments: 0 });

    // The end state, for every account: board == machine (on the emulator directly, and by verify).
    expect(accountDomains(hh).flatMap((d) => boardDiff(hh, d, fixed))).toEqual([]);
    expect(commentProblems(hh)).toEqual([]);
    expect(hh.emu.state.items(BOARD)).toHaveLength(ACCOUNTS);
    expect([...itemsByDomain(hh).values()].every((ids) => ids.length === 1)).toBe(true);
    hh.emu.faults.clear();
    const v = await hh.verify({ cfg: fixed });
    expect(v).toMatchObject({ items: ACCOUNTS, accounts: ACCOUNTS, equal: ACCOUNTS, drift: [], accountsWithoutItem: [], itemsWithoutAccount: [], error: null });

    // The figures for the closing note.
    const all = [...pushes, ...drained, ...healed, ...final];
    const retries: Record<string, number> = {};
    for (const r of all) sum(retries, r.retryReasons);
    expect(Object.keys(retries).length).toBeGreaterThanOrEqual(5);
    const requests = [...pushes, ...drained].map((r) => r.requests).sort((a, b) => a - b);
    const comments = hh.store.sqlite.prepare('select count(*) from monday_comments').pluck().get() as number;
    console.log([
      `fault run: ${ACCOUNTS} accounts, ${walked.applied + walked.fired} transitions (${walked.applied} commands, ${walked.fired} timers, ${walked.moves} stage moves; ${walked.refused} refused, not counted), ${comments} comments`,
      `emulator: ${hh.emu.requests.length} requests, ${faulted.length} faulted (${(rate * 100).toFixed(1)} %): ${JSON.stringify(byKind)}`,
      `pushes (periodic + drain): ${requests.length}, requests per push min ${requests[0]} / median ${requests[Math.floor(requests.length / 2)]} / max ${requests.at(-1)} (total ${requests.reduce((a, b) => a + b, 0)})`,
      `wall time: periodic pushes ${Math.round(pushWallMs)} ms, final drain ${Math.round(drainMs)} ms (${drained.length} push(es), ${drained.reduce((a, r) => a + r.requests, 0)} requests); waits advanced the emulator clock ${Math.round(hh.clock.slept / 1000)} s (no real sleeping)`,
      `retries by reason: ${JSON.stringify(retries)}`,
      `dead letters: ${JSON.stringify(deadReasons)}; healed: deleted item by ladder monday retry + push, Network items by corrected labels + verify --repair + push`,
    ].join('\n'));
  });
});
