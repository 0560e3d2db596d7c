// Each switchable fault of the monday emulator fails a request the way production can, and only that way.
import { ApiClient, ClientError } from '@mondaydotcomorg/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Emulator, type FaultKind, FAULT_KINDS, PROSPECTS_BOARD_ID as BOARD, PROSPECTS_COLUMNS as COL, startEmulator,
} from '../src/monday/emulator/index.js';

// Not a real credential.
const TOKEN = 'emulator-test-token-8d41e0b6';

let em: Emulator;
let client: ApiClient;
let itemId: string;

beforeEach(async () => {
  em = await startEmulator({ clock: () => Date.UTC(2026, 0, 15, 9), seed: 7 });
  client = new ApiClient({ token: TOKEN, endpoint: em.url });
  itemId = em.state.createItem(BOARD, 'Acme', { [COL.stage]: { label: 'MQL' } }).id;
});

afterEach(async () => {
  await em.close();
});

const PROMOTE = 'mutation ($b: ID!, $i: ID!) { change_simple_column_value(board_id: $b, item_id: $i, column_id: "status_stage", value: "SQL: dossier") { id } }';
const promote = (options?: { timeoutMs: number }) => client.request(PROMOTE, { b: BOARD, i: itemId }, options);
const stage = () => em.state.item(itemId)?.columns[COL.stage]?.text;

function postRaw(query: string): Promise<Response> {
  return fetch(em.url, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: TOKEN }, body: JSON.stringify({ query }) });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => { throw new Error('expected the request to fail'); }, (e: unknown) => e);
}

describe('rateLimit', () => {
  it('answers 429 with Retry-After and RATE_LIMIT_EXCEEDED, applies nothing, and lets the next request through', async () => {
    em.faults.queue('rateLimit');
    const r = await postRaw(`mutation { change_simple_column_value(board_id: ${BOARD}, item_id: ${itemId}, column_id: "status_stage", value: "WON") { id } }`);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('30');
    expect((await r.json()).errors).toEqual([{ message: 'Rate Limit Exceeded', extensions: { code: 'RATE_LIMIT_EXCEEDED', retry_in_seconds: 30 } }]);

    em.faults.set({ retryAfterSeconds: 7 });
    em.faults.queue('rateLimit');
    const error = await rejection(promote());
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).response.status).toBe(429);
    expect((error as ClientError).response.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMIT_EXCEEDED', retry_in_seconds: 7 });
    expect(stage()).toBe('MQL');

    await promote();
    expect(stage()).toBe('SQL: dossier');
  });

  it('says Retry-After as an HTTP-date on its own clock, with a Date from the same clock, when asked to (as a proxy may)', async () => {
    em.faults.set({ retryAfterDate: true, retryAfterSeconds: 90 });
    em.faults.queue('rateLimit');
    const r = await postRaw('query { me { id } }');
    expect(r.status).toBe(429);
    expect(r.headers.get('date')).toBe('Thu, 15 Jan 2026 09:00:00 GMT');
    expect(r.headers.get('retry-after')).toBe('Thu, 15 Jan 2026 09:01:30 GMT');
    expect((await r.json()).errors).toEqual([{ message: 'Rate Limit Exceeded', extensions: { code: 'RATE_LIMIT_EXCEEDED' } }]);
  });
});

describe('complexityExhausted', () => {
  it('answers 429 COMPLEXITY_BUDGET_EXHAUSTED with retry_in_seconds and applies nothing', async () => {
    em.faults.queue('complexityExhausted');
    const error = (await rejection(promote())) as ClientError;
    expect(error.response.status).toBe(429);
    expect(error.response.errors?.[0]).toEqual({
      message: 'Complexity budget exhausted', extensions: { code: 'COMPLEXITY_BUDGET_EXHAUSTED', retry_in_seconds: 60 },
    });
    expect(stage()).toBe('MQL');
    expect(em.state.complexity().remaining).toBe(em.state.complexity().limit);
  });
});

describe('serverError', () => {
  it.each([
    [500, 'application/json', /"code":"INTERNAL_SERVER_ERROR"/],
    [502, 'text/html', /502 Bad Gateway/],
    [503, 'text/html', /503 Service Temporarily Unavailable/],
  ] as const)('answers %i with a %s body and applies nothing', async (status, contentType, body) => {
    em.faults.queue('serverError', 1, { status });
    const r = await postRaw(`mutation { change_simple_column_value(board_id: ${BOARD}, item_id: ${itemId}, column_id: "status_stage", value: "WON") { id } }`);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toContain(contentType);
    expect(await r.text()).toMatch(body);
    expect(stage()).toBe('MQL');
  });

  it('reaches the SDK as a ClientError carrying the status', async () => {
    em.faults.queue('serverError', 1, { status: 502 });
    const error = (await rejection(promote())) as ClientError;
    expect(error).toBeInstanceOf(ClientError);
    expect(error.response.status).toBe(502);
  });
});

describe('timeout', () => {
  it('holds the response past the client\'s timeout, applies nothing, and is released by close()', async () => {
    em.faults.queue('timeout');
    // 500 ms: long enough for the request to reach the emulator on a loaded machine; the hold is 120 s.
    const error = await rejection(promote({ timeoutMs: 500 }));
    expect((error as Error).name).toBe('AbortError');
    expect(stage()).toBe('MQL');
    expect(em.requests.at(-1)).toMatchObject({ fault: 'timeout', status: null });

    em.faults.queue('timeout');
    const pending = postRaw('{ me { id } }').then(() => 'answered', () => 'connection closed');
    await vi.waitFor(() => expect(em.requests).toHaveLength(2), { interval: 1 });
    const started = Date.now();
    await em.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await pending).toBe('connection closed');
  });

  it('answers 504 from the gateway once the configured hold is over', async () => {
    em.faults.set({ timeoutMs: 10 });
    em.faults.queue('timeout');
    const r = await postRaw('{ me { id } }');
    expect(r.status).toBe(504);
    expect(em.requests.at(-1)).toMatchObject({ fault: 'timeout', status: 504 });
  });
});

describe('dropConnection', () => {
  it('destroys the socket before reading the request, so nothing is applied', async () => {
    em.faults.queue('dropConnection');
    const error = await rejection(promote());
    expect(error).toBeInstanceOf(TypeError); // fetch failed
    expect(stage()).toBe('MQL');
    expect(em.requests.at(-1)).toMatchObject({ fault: 'dropConnection', status: null, query: null });
  });
});

describe('lostResponse', () => {
  it('applies the write, then destroys the socket: the client sees a network error although the write happened', async () => {
    em.faults.queue('lostResponse');
    const error = await rejection(promote());
    expect(error).toBeInstanceOf(TypeError);
    expect(stage()).toBe('SQL: dossier');
    expect(em.requests.at(-1)).toMatchObject({ fault: 'lostResponse', status: null, errorCodes: [] });
  });
});

describe('fault control', () => {
  async function sequence(seed: number): Promise<(FaultKind | null)[]> {
    const other = await startEmulator({ seed });
    try {
      other.faults.set({ rateLimit: 0.2, serverError: 0.2, complexityExhausted: 0.1, dropConnection: 0.1, lostResponse: 0.3 });
      const outcomes: (FaultKind | null)[] = [];
      for (let i = 0; i < 60; i++) {
        await fetch(other.url, { method: 'POST', headers: { Authorization: TOKEN, 'Content-Type': 'application/json' }, body: '{"query":"{ me { id } }"}' })
          .then((r) => r.text(), () => undefined);
        outcomes.push(other.requests.at(-1)?.fault ?? null);
      }
      return outcomes;
    } finally {
      await other.close();
    }
  }

  it('draws the same faults from the same seed, and different ones from another', async () => {
    const first = await sequence(42);
    expect(await sequence(42)).toEqual(first);
    expect(await sequence(43)).not.toEqual(first);
    expect(new Set(first)).toEqual(new Set([null, 'rateLimit', 'serverError', 'complexityExhausted', 'dropConnection', 'lostResponse']));
  });

  it('serves queued faults first, in order, then falls back to the probabilities', async () => {
    em.faults.set({ serverError: 1 });
    em.faults.queue('rateLimit', 2);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await postRaw('{ me { id } }')).status);
    expect(statuses.slice(0, 2)).toEqual([429, 429]);
    expect([500, 502, 503]).toContain(statuses[2]);
    em.faults.clear();
    expect((await postRaw('{ me { id } }')).status).toBe(200);
  });

  it('never applies to the state helpers', async () => {
    em.faults.set({ serverError: 1, dropConnection: 1, timeout: 1, rateLimit: 1, complexityExhausted: 1, lostResponse: 1 });
    em.state.setColumnValue(itemId, COL.stage, { label: 'WON' });
    const created = em.state.createItem(BOARD, 'Beta');
    em.state.deleteItem(created.id);
    expect(stage()).toBe('WON');
    expect(em.requests).toHaveLength(0);
  });

  it('refuses a probability outside 0..1 and an unknown kind, naming what is allowed', () => {
    expect(() => em.faults.set({ rateLimit: 1.5 })).toThrow('rateLimit must be a probability between 0 and 1');
    expect(() => em.faults.queue('meteor' as FaultKind)).toThrow(FAULT_KINDS.join(', '));
  });
});
