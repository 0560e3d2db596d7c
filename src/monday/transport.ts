// One GraphQL request to monday through the official SDK (@mondaydotcomorg/api's ApiClient), with the
// outcome classified the way the pusher needs it: done (with per-alias errors), retry (transient; maybe
// applied), or fatal (the whole request can never succeed as is). The token never leaves this file in text.
import type { ApiClient } from '@mondaydotcomorg/api';
import { codeOf, ruleFor } from './error-rules.js';
import { redact } from './redact.js';
import { retryAfterMs, retryInSecondsMs } from './retry.js';

export type GqlError = { message: string; path?: (string | number)[]; extensions?: { code?: string; retry_in_seconds?: number; [k: string]: unknown } };
export type Complexity = { before: number; after: number; query: number; reset_in_x_seconds: number };

export type Outcome =
  | { kind: 'done'; data: Record<string, unknown>; errors: GqlError[]; complexity: Complexity | null }
  | { kind: 'retry'; reason: string; waitMs: number | null; /** the request may have been applied */ ambiguous: boolean }
  | { kind: 'fatal'; reason: string; code: string | null };

export type TransportStats = { requests: number; bytesSent: number; bytesReceived: number };

export type Transport = { request(query: string, variables?: Record<string, unknown>): Promise<Outcome>; stats: TransportStats; redact(s: string): string };

export type TransportOptions = {
  endpoint: string; token: string; apiVersion: string; timeoutMs: number;
  /** Ms since the epoch, for a Retry-After date on an answer without a Date header (default Date.now). */
  clock?: () => number;
};

/** How much of an answer that is not JSON an error quotes. */
const EXCERPT = 80;
// The content types graphql-request parses as JSON (its getResult).
const JSON_TYPE = /^application\/(?:json|graphql\+json|graphql-response\+json)/i;

export function createTransport(opts: TransportOptions): Transport {
  const stats: TransportStats = { requests: 0, bytesSent: 0, bytesReceived: 0 };
  const hide = (s: string) => redact(s, opts.token);
  const clock = opts.clock ?? Date.now;
  const counting: typeof fetch = async (input, init) => {
    stats.requests++;
    stats.bytesSent += typeof init?.body === 'string' ? Buffer.byteLength(init.body) : 0;
    const res = await fetch(input, init);
    const text = await res.text();
    stats.bytesReceived += Buffer.byteLength(text);
    // graphql-request would JSON.parse a body labelled JSON and throw V8's SyntaxError, which quotes the
    // body's first characters (a proxy's page; a token echoed back). Labelled as text, the body reaches the
    // ClientError below whole, and is quoted, redacted, as a bad answer.
    const headers = new Headers(res.headers);
    if (JSON_TYPE.test(headers.get('content-type') ?? '') && !isJson(text)) headers.set('content-type', 'text/plain');
    return new Response(text, { status: res.status, statusText: res.statusText, headers });
  };
  // The SDK is loaded by the first request, not by every command that could make one (a quarter of the
  // CLI's start-up time otherwise).
  let client: Promise<ApiClient> | undefined;
  const sdk = () => (client ??= import('@mondaydotcomorg/api').then(({ ApiClient: Client }) => new Client({
    token: opts.token, endpoint: opts.endpoint, apiVersion: opts.apiVersion,
    requestConfig: { errorPolicy: 'all', fetch: counting as never },
  })));

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
      const ce = err as { response?: { status?: number; headers?: Headers; errors?: unknown[]; error?: unknown } };
      if (ce.response && typeof ce.response.status === 'number') {
        const { status, headers } = ce.response;
        // Decision: a Retry-After date is counted from monday's own Date, when the answer has one: a local
        // clock that is off would otherwise turn it into no wait at all, or a needlessly long one.
        const sent = Date.parse(headers?.get?.('date') ?? '');
        const asked = retryAfterMs(headers?.get?.('retry-after'), Number.isFinite(sent) ? sent : clock());
        const errors = (ce.response.errors ?? []) as unknown as GqlError[];
        const first = errors[0];
        if (status === 429) return { kind: 'retry', reason: hide(`HTTP 429 ${first?.extensions?.code ?? 'rate limited'}`), waitMs: asked ?? retryInSecondsMs(first?.extensions?.retry_in_seconds), ambiguous: false };
        if (status >= 500) return { kind: 'retry', reason: `HTTP ${status} from monday`, waitMs: asked, ambiguous: true };
        if (first) return classifyTop(first, status, hide);
        if (status === 401 || status === 403) return { kind: 'fatal', reason: `HTTP ${status}: monday refused the token; check MONDAY_API_TOKEN`, code: 'Unauthorized' };
        if (typeof ce.response.error === 'string' && status < 400) return badAnswer(ce.response.error, hide);
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

/** The errors of a 'done' answer by the alias (or root field) they belong to. */
export function errorsByAlias(errors: readonly GqlError[]): Map<string, GqlError> {
  const m = new Map<string, GqlError>();
  for (const e of errors) if (e.path?.[0] !== undefined) m.set(String(e.path[0]), e);
  return m;
}

function isJson(text: string): boolean {
  try { JSON.parse(text); return true; } catch { return false; }
}

/**
 * A success status with a body that is not JSON (a proxy's page, a cut-off answer): monday may have applied
 * the request, so it is retried as maybe-applied. The excerpt is redacted before it is cut: a cut must not
 * leave a slice of the token too short to be recognised.
 */
function badAnswer(body: string, hide: (s: string) => string): Outcome {
  const shown = hide(body.slice(0, 4 * EXCERPT).replace(/\s+/g, ' ').trim());
  const excerpt = shown.length > EXCERPT ? `${shown.slice(0, EXCERPT)}…` : shown;
  return { kind: 'retry', reason: hide(`a bad answer from monday (not JSON: ${JSON.stringify(excerpt)})`), waitMs: null, ambiguous: true };
}

function classifyTop(e: GqlError, status: number | null, hide: (s: string) => string): Outcome {
  const code = codeOf(e);
  const rule = ruleFor(code);
  if (rule.kind === 'transient') return { kind: 'retry', reason: hide(`${code}: ${e.message}`), waitMs: retryInSecondsMs(e.extensions?.retry_in_seconds), ambiguous: rule.ambiguous ?? false };
  return { kind: 'fatal', reason: hide(`${code ?? `HTTP ${status ?? 200}`}: ${e.message}`), code };
}
