// `ladder report`: reads the rows (queries.ts), computes the numbers (metrics.ts), draws the page (html.ts).
import { stepDeadlines } from '../../machines/approval.js';
import { statePaths } from '../../machines/introspect.js';
import type { Engine } from '../engine/engine.js';
import { BadInputError } from '../engine/errors.js';
import { approvalConfig } from '../engine/templates.js';
import { approvalAlerts, computeApprovals, type ApprovalsSection } from './approvals.js';
import { loadApprovalRows } from './approvals-queries.js';
import { computeWeeklyReport, cutoff, DEFAULT_REPORT_OPTIONS, reportWindow, type ReportOptions, type WeeklyReport } from './metrics.js';
import { loadReportRows } from './queries.js';
import { computeSequences, sequenceAlerts, type SequencesSection } from './sequences.js';
import { loadSequenceRows } from './sequences-queries.js';
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
  const report = computeWeeklyReport(rows, week, statePaths(engine.machine), opts);
  const approvals = emailApprovals(engine, week, until);
  // The section and its HO 7 alerts appear once the ladder has email templates: a ladder without them reads as before.
  const withApprovals = approvals ? { ...report, alerts: [...report.alerts, ...approvalAlerts(approvals)], approvals } : report;
  // Likewise the sequences once email goes out (a touch taken by a day's plan) or a reply is recorded.
  const sequences = emailSequences(engine, week, until);
  return sequences ? { ...withApprovals, alerts: [...withApprovals.alerts, ...sequenceAlerts(sequences)], sequences } : withApprovals;
}

/** HO 5.5, 5.6 for the week up to the cutoff, under the settings in force; null before any email went out. */
function emailSequences(engine: Engine, week: ReturnType<typeof parseIsoWeek>, until: string): SequencesSection | null {
  const s = engine.settings.sequences;
  const windowFrom = new Date(Date.parse(until) - s.bounce.windowDays * 86_400_000 - 1).toISOString();
  const rows = loadSequenceRows(engine.store.sqlite, {
    start: week.start, until, from: windowFrom < week.start ? windowFrom : week.start, lastDay: new Date(Date.parse(until) - 1).toISOString().slice(0, 10),
  });
  return rows.started ? computeSequences(rows, week, until, { settings: s, holidays: engine.rules.holidays }) : null;
}

/** HO 5.4 for the week up to the cutoff, under the settings in force; null when no template version exists by then. */
function emailApprovals(engine: Engine, week: ReturnType<typeof parseIsoWeek>, until: string): ApprovalsSection | null {
  const rows = loadApprovalRows(engine.store.db, until);
  if (rows.templates.length === 0) return null;
  const cfg = approvalConfig(engine.settings);
  return computeApprovals(rows, week, until, {
    holidays: cfg.holidays, capacityMisses: cfg.approvals.capacityMisses, capacityWindowDays: cfg.approvals.capacityWindowDays,
    configuredTypes: Object.keys(cfg.templates.types), deadlines: (at) => stepDeadlines(at, cfg),
  });
}
