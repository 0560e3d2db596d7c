// `--week 2026-W14`, read into an ISO week (the week math is machines/rules/weeks.ts).
import { BadInputError } from '../engine/errors.js';
import { make, weeksInYear, type IsoWeek } from '../../machines/rules/weeks.js';

export * from '../../machines/rules/weeks.js';

/** "2026-W14" (or "2026-w14"); anything else is refused with the accepted form. */
export function parseIsoWeek(text: string): IsoWeek {
  const m = /^(\d{4})-W(\d{2})$/i.exec(text.trim());
  if (!m) throw new BadInputError(`--week: expected an ISO week like 2026-W14; got "${text}"`, 'week');
  const year = Number(m[1]);
  const week = Number(m[2]);
  const last = weeksInYear(year);
  if (week < 1 || week > last) throw new BadInputError(`--week: ${year} has weeks W01 to W${last}; got "${text}"`, 'week');
  return make(year, week);
}

