// `ladder report`: reads the rows (queries.ts), computes the numbers (metrics.ts), draws the page (html.ts).
import { statePaths } from '../../machines/introspect.js';
import type { Engine } from '../engine/engine.js';
import { BadInputError } from '../engine/errors.js';
import { computeWeeklyReport, cutoff, DEFAULT_REPORT_OPTIONS, reportWindow, type ReportOptions, type WeeklyReport } from './metrics.js';
import { loadReportRows } from './queries.js';
import { isoWeekOf, parseIsoWeek } from './week.js';

export type ReportRequest = {
  now: string;
  /** "2026-W14"; default: the week containing `now`. */
  week?: string;
} & Partial<Pick<ReportOptions, 'mqlThreshold' | 'staleWithinDays' | 'trendWeeks'>>;

export function weeklyReport(engine: Engine, req: ReportRequest): WeeklyReport {
  const week = req.week ? parseIsoWeek(req.week) : isoWeekOf(req.now);
  if (week.start > req.now) {
    throw new BadInputError(`--week: ${week.label} starts ${week.start.slice(0, 10)}, after --now ${req.now}; pick a week that has begun`, 'week');
  }
  const opts: ReportOptions = {
    ...DEFAULT_REPORT_OPTIONS,
    ...Object.fromEntries(Object.entries({ mqlThreshold: req.mqlThreshold, staleWithinDays: req.staleWithinDays, trendWeeks: req.trendWeeks }).filter(([, v]) => v !== undefined)),
    now: req.now,
    holidays: engine.rules.holidays,
    classificationBusinessDays: engine.rules.sla.classificationBusinessDays,
  };
  const { from } = reportWindow(week, opts);
  const until = cutoff(week, req.now);
  const rows = loadReportRows(engine.store.db, { from, until, slaFrom: week.start, slaUntil: week.end });
  return computeWeeklyReport(rows, week, statePaths(engine.machine), opts);
}
