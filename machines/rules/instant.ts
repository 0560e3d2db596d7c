// The one reader of instants for every path that takes one: the CLI (--now, --at, --for), event payloads
// over any door, signal notes (captured_at) and imports. Pure: nothing here reads the clock.
//
// Decision (issue 11, docs/decisions.md "Dates"): an instant names the same moment on every machine, so a
// time of day must carry `Z` or a UTC offset; JavaScript would read `2026-04-17T09:00` in the host's zone.
// A bare date means 00:00 UTC of that day. An impossible date (2026-02-30, 24:00) is refused instead of
// being rolled over into the next month as Date.parse does.

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

export const INSTANT_EXAMPLE = '2026-04-17T09:00:00Z, 2026-04-17T09:00:00-04:00 or 2026-04-17 (00:00 UTC)';

export type InstantResult = { ok: true; ms: number; iso: string } | { ok: false; error: string };

const MONTH_DAYS = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

function checkDate(y: number, mo: number, d: number): string | null {
  if (mo < 1 || mo > 12) return `month ${String(mo).padStart(2, '0')} does not exist`;
  if (d < 1 || d > MONTH_DAYS(y, mo)) return `${y}-${String(mo).padStart(2, '0')} has no day ${String(d).padStart(2, '0')}`;
  return null;
}

/**
 * Reads an instant. `requireTime` refuses a bare date (a signal note's captured_at is a timestamp, LQ 5.2).
 * The error says what was wrong and what would be accepted.
 */
export function parseInstant(text: unknown, opts: { requireTime?: boolean } = {}): InstantResult {
  if (typeof text !== 'string') return { ok: false, error: `expected an ISO 8601 instant such as ${INSTANT_EXAMPLE}; got ${text === undefined ? 'nothing' : typeof text}` };
  const s = text.trim();
  const shown = JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
  const fail = (why: string): InstantResult => ({ ok: false, error: `${shown} ${why}; expected an ISO 8601 instant such as ${INSTANT_EXAMPLE}` });
  const date = DATE.exec(s);
  if (date) {
    if (opts.requireTime) return fail('has no time of day and UTC offset');
    const [y, mo, d] = date.slice(1).map(Number) as [number, number, number];
    const bad = checkDate(y, mo, d);
    if (bad) return fail(`is not a date: ${bad}`);
    const ms = Date.UTC(y, mo - 1, d);
    return { ok: true, ms, iso: new Date(ms).toISOString() };
  }
  const m = TIMESTAMP.exec(s);
  if (!m) return fail('is not an ISO 8601 date or timestamp');
  const [y, mo, d, h, mi] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  const frac = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const zulu = m[8] !== undefined;
  const sign = m[9];
  if (!zulu && sign === undefined) return fail('has a time of day but no UTC offset (add Z for UTC, or an offset like -04:00); it would mean a different moment on every machine');
  const bad = checkDate(y, mo, d);
  if (bad) return fail(`is not a date: ${bad}`);
  if (h > 23 || mi > 59 || sec > 59) return fail(`is not a time of day: ${m[4]}:${m[5]}${m[6] === undefined ? '' : `:${m[6]}`}`);
  const oh = Number(m[10] ?? 0);
  const om = Number(m[11] ?? 0);
  if (oh > 23 || om > 59) return fail(`has an impossible UTC offset ${sign}${m[10]}:${m[11]}`);
  const offsetMin = zulu ? 0 : (sign === '-' ? -1 : 1) * (oh * 60 + om);
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec, frac) - offsetMin * 60_000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return fail('is out of range');
  return { ok: true, ms, iso: new Date(ms).toISOString() };
}

/** The normalized UTC form (`…Z`, milliseconds) of an instant already known to be valid. */
export function toUtcIso(text: string): string {
  const r = parseInstant(text);
  if (!r.ok) throw new RangeError(r.error);
  return r.iso;
}
