// ISO 8601 weeks (Monday 00:00Z to the next Monday, UTC, like every rule here) and calendar months. Pure: the
// report's weeks, the import's weekly rejected rate (LQ 7.2) and the CLI's --week all count weeks the same way.

const DAY = 86_400_000;
export type IsoWeek = { label: string; year: number; week: number; start: string; end: string };
export type Month = { label: string; start: string; end: string };

const isoDay = (ms: number) => ((new Date(ms).getUTCDay() + 6) % 7) + 1; // Monday 1 … Sunday 7
const iso = (ms: number) => new Date(ms).toISOString();

function mondayOfWeek1(year: number): number {
  const jan4 = Date.UTC(year, 0, 4); // ISO: week 1 is the week with January 4th in it
  return jan4 - (isoDay(jan4) - 1) * DAY;
}

export function make(year: number, week: number): IsoWeek {
  const start = mondayOfWeek1(year) + (week - 1) * 7 * DAY;
  return { label: `${year}-W${String(week).padStart(2, '0')}`, year, week, start: iso(start), end: iso(start + 7 * DAY) };
}

/** The ISO week containing an instant (its year is the year of that week's Thursday). */
export function isoWeekOf(at: string): IsoWeek {
  const ms = Date.parse(at);
  const day = Math.floor(ms / DAY) * DAY;
  const thursday = day + (4 - isoDay(day)) * DAY;
  const year = new Date(thursday).getUTCFullYear();
  return make(year, Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1);
}

export function weeksInYear(year: number): number {
  return isoWeekOf(iso(Date.UTC(year, 11, 28))).week; // December 28th is always in the year's last week
}

export function shiftWeek(w: IsoWeek, by: number): IsoWeek {
  return isoWeekOf(iso(Date.parse(w.start) + by * 7 * DAY));
}

/** The calendar month (UTC) containing an instant. */
export function monthOf(at: string): Month {
  const d = new Date(Date.parse(at));
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return { label: iso(start).slice(0, 7), start: iso(start), end: iso(end) };
}

/** The Thursday of an ISO week: the day that decides which month a straddling week belongs to. */
export function thursdayOf(w: IsoWeek): string {
  return iso(Date.parse(w.start) + 3 * DAY);
}
