// UTC calendar arithmetic for the rules: SLA deadlines in business days (HO 4.2-4.3; DOMAIN "Timers":
// weekends and configured holidays excluded) and the day/month ages gates and signals are measured in.
// Time is always an argument: nothing here reads the clock.

export const DAY_MS = 86_400_000;
/** A guard against a holiday list that leaves no business day: ten years of days. */
const MAX_SCAN_DAYS = 3_660;

/**
 * Milliseconds since the epoch for an ISO 8601 date or timestamp, always in UTC. JavaScript reads
 * `2026-04-17T14:20:00` (no offset) as *local* time, which would make a rule depend on the host's
 * time zone; such timestamps are read as UTC here. Date-only strings are UTC midnight already.
 */
export function parseIsoUtc(iso: string): number {
  const noOffset = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso);
  const ms = Date.parse(noOffset ? `${iso}Z` : iso);
  if (Number.isNaN(ms)) {
    throw new RangeError(`not an ISO 8601 date or timestamp: "${iso}"; use e.g. 2026-04-17 or 2026-04-17T14:20:00Z`);
  }
  return ms;
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** 00:00:00.000Z of the UTC day containing `ms`. */
export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** The UTC calendar date (YYYY-MM-DD) of an instant. */
export function utcDateKey(ms: number): string {
  return toIso(ms).slice(0, 10);
}

/** Whole elapsed days from `fromMs` to `toMs`: floor of the difference over 24 h (negative if earlier). */
export function wholeDaysBetween(fromMs: number, toMs: number): number {
  return Math.floor((toMs - fromMs) / DAY_MS);
}

/** Difference in UTC calendar dates: 2026-01-01T23:00Z to 2026-01-02T01:00Z is 1 day. */
export function calendarDaysBetween(fromMs: number, toMs: number): number {
  return Math.round((startOfUtcDay(toMs) - startOfUtcDay(fromMs)) / DAY_MS);
}

/**
 * UTC midnight of the calendar date `months` after the date of `ms`; a day that does not exist in the
 * target month is clamped to its last day (2024-08-31 + 18 months = 2026-02-28).
 */
export function addCalendarMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay));
}

function holidaySet(holidays: readonly string[]): Set<string> {
  return new Set(holidays.map((h) => utcDateKey(parseIsoUtc(h))));
}

function isBusinessMs(ms: number, holidays: Set<string>): boolean {
  const weekday = new Date(ms).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !holidays.has(utcDateKey(ms));
}

/** 00:00Z of the first business day on or after the day of `ms`. */
function firstBusinessDayFrom(ms: number, holidays: Set<string>): number {
  let day = startOfUtcDay(ms);
  for (let i = 0; i < MAX_SCAN_DAYS; i++, day += DAY_MS) {
    if (isBusinessMs(day, holidays)) return day;
  }
  throw new RangeError(`no business day within ${MAX_SCAN_DAYS} days of ${toIso(ms)}: check the configured holidays`);
}

/** Is the UTC day of `dateIso` a weekday that is not a configured holiday? */
export function isBusinessDay(dateIso: string, holidays: readonly string[]): boolean {
  return isBusinessMs(parseIsoUtc(dateIso), holidaySet(holidays));
}

/**
 * The deadline for "within n business days of start" (HO 4.2-4.3). A start on a weekend or holiday
 * starts the clock at 00:00Z of the next business day. Each business day moves the deadline to the
 * same time of day on the next business day, so the result always lands on a business day:
 * Friday 14:00 + 1 → Monday 14:00; Saturday 10:00 + 1 → Tuesday 00:00 (all of Monday).
 */
export function addBusinessDays(start: string, n: number, holidays: readonly string[]): string {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`addBusinessDays needs a whole number of days ≥ 0, got ${n}`);
  }
  const off = holidaySet(holidays);
  let at = parseIsoUtc(start);
  if (!isBusinessMs(at, off)) at = firstBusinessDayFrom(at, off);
  for (let left = n; left > 0; left--) {
    const timeOfDay = at - startOfUtcDay(at);
    at = firstBusinessDayFrom(startOfUtcDay(at) + DAY_MS, off) + timeOfDay;
  }
  return toIso(at);
}

/**
 * The deadline for a same-day SLA (HO 4.3: CRO review "same-day for E8 fast-track"):
 * 23:59:59.999Z of start's day, or of the next business day when start is not on one.
 */
export function endOfBusinessDay(start: string, holidays: readonly string[]): string {
  return toIso(firstBusinessDayFrom(parseIsoUtc(start), holidaySet(holidays)) + DAY_MS - 1);
}

/**
 * Business days from a to b for reports: the count of business days after a's UTC date up to and
 * including b's (Friday → Monday = 1, same day = 0); negative when b is before a.
 */
export function businessDaysBetween(a: string, b: string, holidays: readonly string[]): number {
  const off = holidaySet(holidays);
  const from = startOfUtcDay(parseIsoUtc(a));
  const to = startOfUtcDay(parseIsoUtc(b));
  const [lo, hi, sign] = from <= to ? [from, to, 1] : [to, from, -1];
  let count = 0;
  for (let day = lo + DAY_MS; day <= hi; day += DAY_MS) {
    if (isBusinessMs(day, off)) count++;
  }
  return sign * count;
}
