// One push at a time (src/monday/lease.ts): a live holder makes the next push wait and, past its wait, give
// up with the holder named and nothing sent; a holder that died (its pid gone from this host) or went silent
// (a stale heartbeat, e.g. on another host) is taken over at once; a push leaves no lease behind, even when it
// stops on an error; a push whose lease was taken over stops before its next write.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { leases } from '../../src/store/schema.js';
import { EXIT, exitOf } from '../../src/cli/exits.js';
import { LeaseLostError, PUSH_LEASE, PushBusyError, STALE_MS } from '../../src/monday/lease.js';
import { acquireLease } from '../../src/store/lease.js';
import { addAccount, emulators, harness, type Harness } from '../helpers/monday.js';

const em = emulators();
let h: Harness | undefined;
afterEach(() => { h?.cleanup(); h = undefined; });

/** How this process names its place (host, boot, pid namespace) in a lease row: read off a lease it takes. */
async function thisPlace(h: Harness): Promise<string> {
  const probe = await acquireLease(h.store, 'probe');
  const host = h.store.db.select().from(leases).where(eq(leases.name, 'probe')).get()!.host;
  probe.release();
  return host;
}
const holder = async (h: Harness, o: { pid: number; host?: string; heartbeatAt?: string }) => {
  const at = o.heartbeatAt ?? new Date().toISOString();
  h.store.db.insert(leases).values({ name: PUSH_LEASE, token: 'someone-else', pid: o.pid, host: o.host ?? await thisPlace(h), acquiredAt: at, heartbeatAt: at }).run();
};
const leaseRows = (h: Harness) => h.store.db.select().from(leases).all();

/** A pid that is certainly not running: a child that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

describe('the push lease', () => {
  it('is taken and released by every push, leaving no row behind', async () => {
    h = await harness(em);
    addAccount(h, 'a.com');
    expect((await h.push()).created).toBe(1);
    expect(leaseRows(h)).toEqual([]);
  });

  it('makes a push wait for a live holder and, past its wait, refuse with the holder named; nothing is sent', async () => {
    h = await harness(em);
    addAccount(h, 'a.com');
    await holder(h, { pid: process.pid }); // alive: this very process, under another token
    const started = Date.now();
    const err = await h.push({ leaseWaitMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushBusyError);
    expect(exitOf(err).code).toBe(EXIT.push); // the CLI's mapping: src/monday sets no exit codes
    expect((err as Error).message).toMatch(new RegExp(`^monday push: another push is delivering the outbox \\(pid ${process.pid} on .+, since .+\\); waited \\d+ s for it\\. Nothing is lost: run ladder monday push again when it has ended$`));
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(h.transport.stats.requests).toBe(0);
    expect(h.emu.state.items(h.cfg.boardId)).toHaveLength(0);
    expect(leaseRows(h).map((r) => r.token)).toEqual(['someone-else']); // the holder's lease is untouched
  });

  it('goes to the waiting push as soon as the holder releases it', async () => {
    h = await harness(em);
    addAccount(h, 'a.com');
    await holder(h, { pid: process.pid });
    setTimeout(() => h!.store.db.delete(leases).where(eq(leases.token, 'someone-else')).run(), 150);
    expect((await h.push({ leaseWaitMs: 10_000 })).created).toBe(1);
    expect(leaseRows(h)).toEqual([]);
  });

  it('is taken over at once from a holder whose process is gone (a SIGKILLed push)', async () => {
    h = await harness(em);
    addAccount(h, 'a.com');
    await holder(h, { pid: await deadPid() });
    expect((await h.push({ leaseWaitMs: 0 })).created).toBe(1);
  });

  it('is taken over from a holder on another host once its heartbeat is older than STALE_MS, not before', async () => {
    h = await harness(em);
    addAccount(h, 'a.com');
    await holder(h, { pid: process.pid, host: 'elsewhere', heartbeatAt: new Date(Date.now() - STALE_MS + 60_000).toISOString() });
    await expect(h.push({ leaseWaitMs: 0 })).rejects.toBeInstanceOf(PushBusyError);
    h.store.db.update(leases).set({ heartbeatAt: new Date(Date.now() - STALE_MS - 1000).toISOString() }).run();
    expect((await h.push({ leaseWaitMs: 0 })).created).toBe(1);
  });

  it('stops a push whose lease was taken over before its next write; the next push finishes the job without a duplicate item', async () => {
    h = await harness(em, { monday: { batch: { itemsPerRequest: 1 } } });
    for (const d of ['a.com', 'b.com', 'c.com']) addAccount(h, d);
    // The first item's creation is answered after another push took the lease over (this one looked dead).
    const transport = { ...h.transport, request: async (q: string, v?: Record<string, unknown>) => {
      if (q.includes('create_item')) h!.store.db.update(leases).set({ token: 'usurper' }).run();
      return h!.transport.request(q, v);
    } };
    const err = await h.push({ transport }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseLostError);
    expect(exitOf(err).code).toBe(EXIT.push);
    expect((err as Error).message).toBe('monday push: another push took the lease over (this one was silent too long); stopping here, nothing is lost');
    expect(leaseRows(h).map((r) => r.token)).toEqual(['usurper']); // not released by the push that lost it
    expect(h.emu.state.items(h.cfg.boardId)).toHaveLength(1); // created on the board, not recorded by the push
    h.store.db.delete(leases).run();
    const r = await h.push();
    expect(r.matched).toBe(1); // the item the stopped push created, found by Domain instead of created twice
    expect(r.pendingItems + r.deadItems).toBe(0);
    expect(h.emu.state.items(h.cfg.boardId)).toHaveLength(3);
  });

  it('is renewed while a push waits out a long Retry-After, and a push that lost it while waiting sends nothing more', async () => {
    h = await harness(em);
    addAccount(h, 'a.com');
    let calls = 0;
    // monday asks for a long pause once; then answers normally.
    const transport = { ...h.transport, request: async (q: string, v?: Record<string, unknown>) => (++calls === 1 ? { kind: 'retry' as const, reason: 'HTTP 429 rate limited', waitMs: 3 * STALE_MS, ambiguous: false } : h!.transport.request(q, v)) };
    const beats: string[] = [];
    const sleep = async () => { beats.push(leaseRows(h!)[0]!.heartbeatAt); };
    expect((await h.push({ transport, sleep })).created).toBe(1);
    expect(beats.length).toBeGreaterThanOrEqual(12); // 3 × STALE_MS in slices of STALE_MS / 4, the lease renewed before each
    // The same pause, but another push takes the lease over meanwhile (this one looked dead): nothing more is sent.
    addAccount(h, 'b.com');
    calls = 0;
    const usurp = async () => { h!.store.db.update(leases).set({ token: 'usurper' }).run(); };
    const err = await h.push({ transport, sleep: usurp }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseLostError);
    expect(calls).toBe(1);
    expect(h.emu.state.items(h.cfg.boardId)).toHaveLength(1);
  });

  it('is dated in real time, not by --now: a push dated years ahead does not make a live holder look stale', async () => {
    h = await harness(em);
    addAccount(h, 'a.com');
    await holder(h, { pid: process.pid, host: 'elsewhere' });
    await expect(h.push({ leaseWaitMs: 0, now: () => '2031-01-01T00:00:00.000Z' })).rejects.toBeInstanceOf(PushBusyError);
  });
});
