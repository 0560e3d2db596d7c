// How long to wait before asking monday again: what monday said (Retry-After, or retry_in_seconds in the
// error), else a jittered exponential backoff. One home for the push and verify alike.
import type { MondayConfig } from './config.js';

/**
 * The longest wait monday can ask for. Decision: 10 minutes. It outlasts every per-minute window monday
 * documents (rate limits, the complexity budget); a longer ask (a daily limit) is not sat out inside one
 * command: the push tries again after this, and gives up after retry.maxAttempts with its work queued.
 */
export const MAX_SERVER_WAIT_MS = 10 * 60_000;

/** The n-th (1-based) backoff: half fixed, half random ("equal jitter"), so pushes that failed together spread out. */
export function backoffMs(attempt: number, retry: Pick<MondayConfig['retry'], 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const backoff = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(backoff / 2 + random() * backoff / 2);
}

/** A wait monday asked for, in ms: null when it asked for none (zero, negative, already past). */
function bounded(ms: number): number | null {
  return Number.isFinite(ms) && ms > 0 ? Math.min(Math.ceil(ms), MAX_SERVER_WAIT_MS) : null;
}

const DELTA_SECONDS = /^\d+(?:\.\d+)?$/;
// RFC 9110 10.2.3 / 5.6.7: IMF-fixdate, or the obsolete RFC 850 and asctime forms; all begin with the day.
const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /i;

/**
 * Retry-After in either form: delta-seconds ("30") or an HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT"),
 * the date counted from `now` (ms since the epoch). Null when absent, unreadable, or asking for no wait.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | null {
  const v = header?.trim();
  if (!v) return null;
  if (DELTA_SECONDS.test(v)) return bounded(Number(v) * 1000);
  if (!HTTP_DATE.test(v)) return null;
  // An HTTP-date is always GMT; asctime says so only implicitly, and Date.parse would read it as local time.
  const at = Date.parse(/\b(?:GMT|UTC)$/i.test(v) ? v : `${v} GMT`);
  return Number.isFinite(at) ? bounded(at - now) : null;
}

/** monday's `extensions.retry_in_seconds` (a rate limit or a spent budget, in the body). */
export function retryInSecondsMs(value: unknown): number | null {
  const s = typeof value === 'number' ? value : typeof value === 'string' && DELTA_SECONDS.test(value.trim()) ? Number(value) : Number.NaN;
  return bounded(s * 1000);
}

export const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
