// `ladder calibrate` and `ladder verify --replay` (issue 16, HO 6.3): the whole recorded history replayed under
// the rules in force and under an alternative, side by side; and the replay under the rules in force checked
// against every stored snapshot, log and stage history. Reads only: the database is opened read-only and nothing
// is ever written to it.
import { asc } from 'drizzle-orm';
import { isoWeekOf } from '../../machines/rules/weeks.js';
import type { Engine } from '../engine/engine.js';
import { BadInputError } from '../engine/errors.js';
import { settings as settingsTable } from '../store/schema.js';
import { validateSettings } from '../settings/edit.js';
import type { ChunkResult, Job, Mismatch, Parting, Refusal } from './chunk.js';
import { describeOverride, type RulesOverride } from './rules.js';
import type { SettingsVersionRules } from './rulebook.js';
import { runJob, type RunOptions } from './run.js';
import { summarize, type Summary } from './summary.js';

const WEEK = 7 * 86_400_000;
/** A window longer than this many weeks is refused: the weekly table would be unreadable. */
export const MAX_WEEKS = 520;

export type CalibrateRequest = {
  override: RulesOverride;
  /** Where the file came from, for the report. */
  rulesFile: string;
  from?: string;
  to?: string;
  now: string;
  limit?: number;
  /** Also replay the rules in force and check the recorded logs against it (the self-check); slower. */
  check?: boolean;
} & RunOptions;

export type CalibrationReport = {
  db: string;
  rulesFile: string;
  changes: string[];
  from: string; to: string; horizon: string;
  accounts: number; events: number;
  replayed: { current: number; alt: number };
  ms: number;
  selfCheck: ChunkResult['selfCheck'];
  summary: Summary;
  differing: { total: number; kinds: Record<string, number>; endMatrix: Record<string, number>; listed: number; list: Parting[] };
  refused: { total: number; byType: Record<string, number>; listed: number; list: Refusal[] };
};

export type VerifyReport = { db: string; accounts: number; equal: number; olderMachine: number; mismatches: number; listed: number; list: Mismatch[]; ms: number };

export function settingsVersions(engine: Engine): SettingsVersionRules[] {
  const rows = engine.store.db.select().from(settingsTable).orderBy(asc(settingsTable.version)).all();
  if (rows.length === 0) return [{ version: 1, at: '1970-01-01T00:00:00.000Z', rules: engine.rules }];
  return rows.map((r) => ({ version: r.version, at: r.at, rules: validateSettings(JSON.parse(r.body), `settings v${r.version}`).rules }));
}

function firstEventAt(engine: Engine): string | null {
  return (engine.store.sqlite.prepare('select min(at) from events').pluck().get() as string | null) ?? null;
}

export async function calibrate(engine: Engine, req: CalibrateRequest): Promise<CalibrationReport> {
  const started = performance.now();
  const versions = settingsVersions(engine);
  const to = req.to ?? req.now;
  const first = firstEventAt(engine);
  if (req.from === undefined && first !== null && first >= to) {
    throw new BadInputError(`--to: nothing was recorded before ${to} (the first event is at ${first}); give a later --to (or --now)`, 'to');
  }
  // An empty ladder compares an empty week.
  const from = req.from ?? first ?? new Date(Date.parse(to) - WEEK).toISOString();
  if (from >= to) throw new BadInputError(`--from: ${from} is not before --to ${to}; give a window that ends after it begins`, 'from');
  const weekStart = isoWeekOf(from).start;
  const weeks = Math.ceil((Date.parse(to) - Date.parse(weekStart)) / WEEK);
  if (weeks > MAX_WEEKS) throw new BadInputError(`--from/--to: ${weeks} weeks; at most ${MAX_WEEKS} (about ten years) are compared week by week: narrow the window`, 'from');
  const limit = req.limit ?? 200;
  const job: Job = { mode: 'calibrate', versions, override: req.override, horizon: to, window: { weekStart, weeks, from, to }, limit, check: req.check ?? false };
  const r = await runJob(engine.store.path, job, req);
  return {
    db: engine.store.path, rulesFile: req.rulesFile, changes: describeOverride(engine.rules, req.override),
    from, to, horizon: to, accounts: r.accounts, events: r.events,
    replayed: { current: r.current.steps, alt: r.alt.steps }, ms: performance.now() - started,
    selfCheck: r.selfCheck,
    summary: summarize(r, job.window),
    differing: { ...r.differing, listed: r.differing.list.length },
    refused: { total: r.refused.total, byType: r.alt.refusedByType, listed: r.refused.list.length, list: r.refused.list },
  };
}

/** Every account replayed under the rules in force, timers re-derived: its log, snapshot and stage history must match. */
export async function verifyReplay(engine: Engine, o: RunOptions & { limit?: number } = {}): Promise<VerifyReport> {
  const started = performance.now();
  const versions = settingsVersions(engine);
  const horizon = '9999-12-31T23:59:59.999Z';
  const job: Job = { mode: 'verify', versions, override: null, horizon, window: { weekStart: horizon, weeks: 0, from: horizon, to: horizon }, limit: o.limit ?? 100 };
  const r = await runJob(engine.store.path, job, o);
  const s = r.selfCheck;
  return { db: engine.store.path, accounts: s.accounts, equal: s.equal, olderMachine: s.olderMachine, mismatches: s.mismatches, listed: s.list.length, list: s.list, ms: performance.now() - started };
}
