// One home for waiting (src/monday/retry.ts): Retry-After in both of its forms, delta-seconds and an
// HTTP-date, within bounds; retry_in_seconds from monday's body; the jittered backoff. And, through the
// emulator, a date is waited out on the test's clock (moved, never slept), counted from monday's own Date.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs, MAX_SERVER_WAIT_MS, retryAfterMs, retryInSecondsMs } from '../../src/monday/retry.js';
import { createTransport } from '../../src/monday/transport.js';
import { TOKEN, addAccount, emulators, harness, type Harness } from '../helpers/monday.js';

const NOW = Date.parse('2026-10-21T07:27:00.000Z');

describe('Retry-After', () => {
  it.each([
    ['delta-seconds', '30', 30_000],
    ['delta-seconds with spaces', ' 7 ', 7_000],
    ['fractional seconds (lenient)', '1.5', 1_500],
    ['zero: no wait asked, so the backoff decides', '0', null],
    ['a negative number is not delta-seconds', '-5', null],
    ['IMF-fixdate a minute ahead', 'Wed, 21 Oct 2026 07:28:00 GMT', 60_000],
    ['RFC 850 date', 'Wednesday, 21-Oct-26 07:28:00 GMT', 60_000],
    ['asctime date (GMT, though it does not say so)', 'Wed Oct 21 07:28:00 2026', 60_000],
    ['a date already past', 'Wed, 21 Oct 2026 07:26:00 GMT', null],
    ['a date now', 'Wed, 21 Oct 2026 07:27:00 GMT', null],
    ['seconds past the bound are clamped', '86400', MAX_SERVER_WAIT_MS],
    ['a date past the bound is clamped', 'Thu, 22 Oct 2026 07:27:00 GMT', MAX_SERVER_WAIT_MS],
    ['garbage', 'soon', null],
    ['something Date.parse would accept but HTTP does not', 'abc 1', null],
    ['empty', '', null],
    ['absent', null, null],
  ])('%s: %j → %j ms', (_, header, ms) => {
    expect(retryAfterMs(header, NOW)).toBe(ms);
  });

  it.each([
    [30, 30_000], ['12', 12_000], [0, null], [-1, null], [null, null], [undefined, null], ['x', null], [99_999, MAX_SERVER_WAIT_MS],
  ])('retry_in_seconds %j → %j ms', (value, ms) => {
    expect(retryInSecondsMs(value)).toBe(ms);
  });
});

describe('the backoff', () => {
  const retry = { baseDelayMs: 500, maxDelayMs: 60_000 };
  it.each([
    // attempt, random, ms: half fixed, half jitter; doubling per attempt up to maxDelayMs
    [1, 0, 250], [1, 1, 500], [2, 0.5, 750], [3, 0, 1_000], [8, 1, 60_000], [20, 0, 30_000],
  ])('attempt %i with random %d waits %i ms', (attempt, random, ms) => {
    expect(backoffMs(attempt, retry, () => random)).toBe(ms);
  });
});

describe('an HTTP-date Retry-After, end to end', () => {
  const em = emulators();
  let h: Harness | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    h?.cleanup(); h = undefined;
    await new Promise((r) => (server ? server.close(r) : r(null))); server = undefined;
  });

  it('is waited out by the push on its clock, counted from monday\'s Date (a local clock far off does not matter)', async () => {
    h = await harness(em);
    addAccount(h, 'a.com');
    h.emu.faults.set({ retryAfterDate: true, retryAfterSeconds: 90 });
    h.emu.faults.queue('rateLimit');
    // The local clock is 1970: were the date counted from it, the wait would be clamped to the maximum.
    const transport = createTransport({ endpoint: h.emu.url, token: TOKEN, apiVersion: h.cfg.apiVersion, timeoutMs: h.cfg.retry.timeoutMs, clock: () => 0 });
    const r = await h.push({ transport });
    expect(h.emu.requests[0]).toMatchObject({ fault: 'rateLimit', status: 429 });
    expect(r).toMatchObject({ created: 1, retries: 1, retryReasons: { 'HTTP 429 RATE_LIMIT_EXCEEDED': 1 }, waitedMs: 90_000, gaveUp: null });
    expect(h.clock.slept).toBe(90_000);
  });

  it('is counted from the transport\'s clock when the answer has no Date', async () => {
    server = createServer((_req, res) => {
      res.sendDate = false;
      res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': 'Wed, 21 Oct 2026 07:27:45 GMT' });
      res.end(JSON.stringify({ errors: [{ message: 'Rate Limit Exceeded', extensions: { code: 'RATE_LIMIT_EXCEEDED' } }] }));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
    const transport = createTransport({ endpoint: url, token: TOKEN, apiVersion: '2026-10', timeoutMs: 5_000, clock: () => NOW });
    expect(await transport.request('query { me { id } }')).toEqual({ kind: 'retry', reason: 'HTTP 429 RATE_LIMIT_EXCEEDED', waitMs: 45_000, ambiguous: false });
  });
});
