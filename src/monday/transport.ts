// One GraphQL request to monday through the official SDK (@mondaydotcomorg/api's ApiClient), with the
// outcome classified the way the pusher needs it: done (with per-alias errors), retry (transient; maybe
// applied), or fatal (the whole request can never succeed as is). The token never leaves this file in text.
import type { ApiClient } from '@mondaydotcomorg/api';
import { redact } from './config.js';

export type GqlError = { message: string; path?: (string | number)[]; extensions?: { code?: string; retry_in_seconds?: number; [k: string]: unknown } };
export type Complexity = { before: number; after: number; query: number; reset_in_x_seconds: number };

export type Outcome =
  | { kind: 'done'; data: Record<string, unknown>; errors: GqlError[]; complexity: Complexity | null }
  | { kind: 'retry'; reason: string; waitMs: number | null; /** the request may have been applied */ ambiguous: boolean }
  | { kind: 'fatal'; reason: string; code: string | null };

/** Codes that mean "nothing was applied, try again later" (monday API rate limits and budget). */
export const RETRY_CODES = new Set(['RATE_LIMIT_EXCEEDED', 'COMPLEXITY_BUDGET_EXHAUSTED', 'ComplexityException', 'maxConcurrencyExceeded', 'IP_RATE_LIMIT_EXCEEDED', 'API_TEMPORARILY_BLOCKED', 'INTERNAL_SERVER_ERROR', 'DAILY_LIMIT_EXCEEDED']);

export type TransportStats = { requests: number; bytesSent: number; bytesReceived: number };

export type Transport = { request(query: string, variables?: Record<string, unknown>): Promise<Outcome>; stats: TransportStats; redact(s: string): string };

export function createTransport(opts: { endpoint: string; token: string; apiVersion: string; timeoutMs: number }): Transport {
  const stats: TransportStats = { requests: 0, bytesSent: 0, bytesReceived: 0 };
  const counting: typeof fetch = async (input, init) => {
    stats.requests++;
    stats.bytesSent += typeof init?.body === 'string' ? Buffer.byteLength(init.body) : 0;
    const res = await fetch(input, init);
    const text = await res.text();
    stats.bytesReceived += Buffer.byteLength(text);
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  // The SDK is loaded by the first request, not by every command that could make one (a quarter of the
  // CLI's start-up time otherwise).
  let client: Promise<ApiClient> | undefined;
  const sdk = () => (client ??= import('@mondaydotcomorg/api').then(({ ApiClient: Client }) => new Client({
    token: opts.token, endpoint: opts.endpoint, apiVersion: opts.apiVersion,
    requestConfig: { errorPolicy: 'all', fetch: counting as never },
  })));
  const hide = (s: string) => redact(s, opts.token);

  async function request(query: string, variables?: Record<string, unknown>): Promise<Outcome> {
    const api = await sdk();
    try {
      const res = await api.rawRequest<Record<string, unknown>>(query, variables, { timeoutMs: opts.timeoutMs });
      const errors = (res.errors ?? []) as unknown as GqlError[];
      const data = (res.data ?? {}) as Record<string, unknown>;
      // A request-level error (no path) in a 200: rate limit, budget, or a malformed request.
      const top = errors.find((e) => !e.path || e.path.length === 0);
      if (top) return classifyTop(top, null, hide);
      const complexity = (data.complexity ?? null) as Complexity | null;
      return { kind: 'done', data, errors, complexity };
    } catch (err) {
      // graphql-request's ClientError (the SDK is CommonJS; its ClientError is not a named ESM export here).
      const ce = err as { response?: { status?: number; headers?: Headers; errors?: unknown[] } };
      if (ce.response && typeof ce.response.status === 'number') {
        const status = ce.response.status;
        const headers = ce.response.headers;
        const retryAfter = Number(headers?.get?.('retry-after'));
        const errors = (ce.response.errors ?? []) as unknown as GqlError[];
        const first = errors[0];
        if (status === 429) return { kind: 'retry', reason: hide(`HTTP 429 ${first?.extensions?.code ?? 'rate limited'}`), waitMs: waitFrom(retryAfter, first), ambiguous: false };
        if (status >= 500) return { kind: 'retry', reason: `HTTP ${status} from monday`, waitMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null, ambiguous: true };
        if (first) return classifyTop(first, status, hide);
        if (status === 401 || status === 403) return { kind: 'fatal', reason: `HTTP ${status}: monday refused the token; check MONDAY_API_TOKEN`, code: 'Unauthorized' };
        return { kind: 'fatal', reason: `HTTP ${status} from monday`, code: null };
      }
      const e = err as Error & { cause?: { code?: string } };
      const what = e.name === 'AbortError' || /timed? ?out/i.test(e.message) ? 'timeout' : `network error (${e.cause?.code ?? e.message})`;
      // The request may have reached monday and been applied: the caller must check before re-posting.
      return { kind: 'retry', reason: hide(what), waitMs: null, ambiguous: true };
    }
  }
  return { request, stats, redact: hide };
}

function waitFrom(retryAfterSeconds: number, e: GqlError | undefined): number | null {
  const inBody = Number(e?.extensions?.retry_in_seconds);
  const s = Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0 ? retryAfterSeconds : Number.isFinite(inBody) && inBody > 0 ? inBody : null;
  return s === null ? null : s * 1000;
}

function classifyTop(e: GqlError, status: number | null, hide: (s: string) => string): Outcome {
  const code = e.extensions?.code ?? null;
  // An internal error may strike after some of a mutation's fields were applied: treat it as maybe-applied.
  if (code && RETRY_CODES.has(code)) return { kind: 'retry', reason: hide(`${code}: ${e.message}`), waitMs: waitFrom(NaN, e), ambiguous: code === 'INTERNAL_SERVER_ERROR' };
  return { kind: 'fatal', reason: hide(`${code ?? `HTTP ${status ?? 200}`}: ${e.message}`), code };
}
