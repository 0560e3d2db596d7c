// Issue 12: the token never shows, not even in part. Any run of 6+ characters of it is removed from logs,
// errors and stored rows; shorter common runs are left alone. An answer that is not JSON is a bad answer
// from monday (quoted, redacted), not a network error: graphql-request would otherwise throw V8's
// SyntaxError, which quotes the body's first 10 characters ("tok-LADDER"…).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MIN_SLICE, redact } from '../../src/monday/redact.js';
import { createTransport, type Outcome, type Transport } from '../../src/monday/transport.js';
import { TOKEN, T0, addAccount, at, deadLetters, emulators, harness, send, signal, type Harness } from '../helpers/monday.js';

/** Every run of MIN_SLICE characters of the token that occurs in `text`. */
const slicesIn = (text: string) => Array.from({ length: TOKEN.length - MIN_SLICE + 1 }, (_, i) => TOKEN.slice(i, i + MIN_SLICE)).filter((s) => text.includes(s));

describe('redact', () => {
  it.each([
    ['the whole token', `Bearer ${TOKEN}!`, 'Bearer [redacted]!'],
    ['its first 10 characters, as V8 quotes a body', `Unexpected token 'o', "${TOKEN.slice(0, 10)}"... is not valid JSON`, `Unexpected token 'o', "[redacted]"... is not valid JSON`],
    ['a 6-character slice in the middle of a word', `near x${TOKEN.slice(11, 17)}y here`, 'near x[redacted]y here'],
    ['its last characters', `ends with ${TOKEN.slice(-8)}`, 'ends with [redacted]'],
    ['two slices in a row, as one', `${TOKEN.slice(0, 8)}${TOKEN.slice(20, 28)}`, '[redacted]'],
    ['twice', `${TOKEN} and ${TOKEN}`, '[redacted] and [redacted]'],
    ['5 characters: too short to be the token', `id ${TOKEN.slice(11, 16)}`, `id ${TOKEN.slice(11, 16)}`],
    ['short common runs ("tok-", "-do-", "leak")', 'tok-ens, a -do- list, no leak, ladder monday retry', 'tok-ens, a -do- list, no leak, ladder monday retry'],
    ['nothing of it', 'monday refused the token: check MONDAY_API_TOKEN', 'monday refused the token: check MONDAY_API_TOKEN'],
  ])('removes %s', (_, text, want) => {
    expect(redact(text, TOKEN)).toBe(want);
  });

  it('removes a short token (4-5 characters) only whole, and nothing without a token', () => {
    expect(redact('abcd abc xabcdx', 'abcd')).toBe('[redacted] abc x[redacted]x');
    expect(redact(TOKEN, undefined)).toBe(TOKEN);
    expect(redact('abc', 'abc')).toBe('abc');
  });
});

describe('an answer that is not JSON', () => {
  const em = emulators();
  let h: Harness | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    h?.cleanup(); h = undefined;
    await new Promise((r) => (server ? server.close(r) : r(null))); server = undefined;
  });

  /** A server in front of monday that answers every request with `body`. */
  async function answering(contentType: string, body: string): Promise<Transport> {
    server = createServer((_req, res) => { res.writeHead(200, { 'Content-Type': contentType }); res.end(body); });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return createTransport({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`, token: TOKEN, apiVersion: '2026-10', timeoutMs: 5_000 });
  }

  it('is a bad answer, maybe applied, quoted without the token it begins with', async () => {
    const t = await answering('application/json', `${TOKEN} is not a valid session; log in again`);
    const out = await t.request('query { me { id } }');
    expect(out).toEqual({ kind: 'retry', reason: 'a bad answer from monday (not JSON: "[redacted] is not a valid session; log in again")', waitMs: null, ambiguous: true } satisfies Outcome);
  });

  it('is quoted, cut, without a 6-character slice of the token in its middle, whatever its content type', async () => {
    const t = await answering('text/html', `<html>\n  <body>gateway says: session ${TOKEN.slice(12, 18)} expired, please retry later; ${'x'.repeat(200)}</body></html>`);
    const out = await t.request('query { me { id } }');
    expect(out).toMatchObject({ kind: 'retry', ambiguous: true });
    const reason = (out as { reason: string }).reason;
    const excerpt = `<html> <body>gateway says: session [redacted] expired, please retry later; ${'x'.repeat(200)}`.slice(0, 80);
    expect(reason).toBe(`a bad answer from monday (not JSON: "${excerpt}…")`);
    expect(slicesIn(reason)).toEqual([]);
  });

  it('ends a push that meets nothing else, with the redacted reason in its result and its log', async () => {
    h = await harness(em);
    addAccount(h, 'a.com');
    const transport = await answering('application/json', `${TOKEN.slice(0, 10)}<!doctype html>`);
    const log: string[] = [];
    const r = await h.push({ transport, cfg: { ...h.cfg, retry: { ...h.cfg.retry, maxAttempts: 2 } }, log: (l) => log.push(l) });
    expect(r.gaveUp).toBe('gave up after 2 transient failures in a row (last: a bad answer from monday (not JSON: "[redacted]<!doctype html>")); run ladder monday push again');
    expect(r.retryReasons).toEqual({ 'a bad answer from monday': 3 });
    expect(log).toEqual([r.gaveUp]);
  });
});

describe('stored rows', () => {
  const em = emulators();
  let h: Harness | undefined;
  afterEach(() => { h?.cleanup(); h = undefined; });

  it('keep no slice of the token in a dead letter\'s reason or a comment\'s last_error', async () => {
    h = await harness(em);
    for (const d of ['gone.com', 'busy.com']) addAccount(h, d);
    await h.push();
    const t1 = at(T0, 0, 1);
    for (const d of ['gone.com', 'busy.com']) send(h, d, signal(`s-${d}`, 'E1', 'https://www.linkedin.com/in/jane', t1), t1);
    // monday's per-field errors quoting a slice of the token: the gone item's and comment's, and a rate limit on busy.com's comment.
    const quoting = `near ${TOKEN.slice(4, 14)}`;
    const hh = h;
    const transport: Transport = { ...hh.transport, request: async (q, v) => {
      if (!q.startsWith('mutation Push')) return hh.transport.request(q, v);
      const goneId = hh.store.sqlite.prepare("select item_id from monday_items where account = 'gone.com'").pluck().get();
      const aliases = q.match(/m\d+(?=: )/g) ?? [];
      return {
        kind: 'done', complexity: null, data: Object.fromEntries(aliases.map((a) => [a, null])),
        errors: aliases.map((a) => ((v as Record<string, unknown>)[`i${a.slice(1)}`] === goneId
          ? { message: `Item not found ${quoting}`, path: [a], extensions: { code: 'ResourceNotFoundException' } }
          : { message: `Rate limit ${quoting}`, path: [a], extensions: { code: 'RATE_LIMIT_EXCEEDED' } })),
      };
    } };
    await h.push({ transport, maxRounds: 1 });
    const rows = h.store.sqlite.prepare('select dead_reason, last_error from monday_items union all select null, last_error from monday_comments').all();
    const text = JSON.stringify(rows);
    expect(text).toContain('[redacted]');
    expect(slicesIn(text)).toEqual([]);
    expect(deadLetters(h).items).toMatchObject([{ account: 'gone.com', deadReason: 'ResourceNotFoundException: Item not found near [redacted]', lastError: 'Item not found near [redacted]' }]);
    expect(deadLetters(h).comments).toMatchObject([{ account: 'gone.com', lastError: 'ResourceNotFoundException: Item not found near [redacted]' }]);
    expect(h.store.sqlite.prepare("select status, last_error from monday_comments where account = 'busy.com'").all()).toEqual([{ status: 'pending', last_error: 'Rate limit near [redacted]' }]);
  });
});
