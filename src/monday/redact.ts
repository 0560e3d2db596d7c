// Keeps the monday token out of every text Ladder writes: logs, errors, stored rows (dead-letter reasons,
// last_error). Removing only the whole token is not enough: an answer quoted in an error, or V8's own
// JSON.parse message ("Unexpected token … "tok-LADDER"… is not valid JSON"), may carry a slice of it.
export const REDACTED = '[redacted]';
/**
 * The shortest slice of the token that is removed. Decision: 6 characters. Shorter runs ("tok-", "2026",
 * "-do-") are ordinary text that happens to occur in a token, and removing them would garble messages;
 * 6 characters of a random token are as good as never there by chance.
 */
export const MIN_SLICE = 6;
/** A token this short is removed only whole (and one shorter than 4 not at all: it is everywhere). */
const MIN_TOKEN = 4;

/** Replaces the token, and every run of MIN_SLICE or more characters that is a slice of it, by [redacted]. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < MIN_TOKEN) return text;
  if (secret.length < MIN_SLICE) return text.split(secret).join(REDACTED);
  const slices = new Set<string>();
  for (let i = 0; i + MIN_SLICE <= secret.length; i++) slices.add(secret.slice(i, i + MIN_SLICE));
  let out = '';
  let copied = 0;
  let runStart = -1;
  let runEnd = -1;
  for (let i = 0; i + MIN_SLICE <= text.length; i++) {
    if (!slices.has(text.slice(i, i + MIN_SLICE))) continue;
    let end = i + MIN_SLICE;
    while (end < text.length && secret.includes(text.slice(i, end + 1))) end++;
    if (i <= runEnd) { runEnd = Math.max(runEnd, end); continue; }
    if (runEnd >= 0) { out += text.slice(copied, runStart) + REDACTED; copied = runEnd; }
    runStart = i;
    runEnd = end;
  }
  if (runEnd >= 0) { out += text.slice(copied, runStart) + REDACTED; copied = runEnd; }
  return out + text.slice(copied);
}
