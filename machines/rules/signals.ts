// Engagement signals (HO 3.2, 3.2.1): which logged entries count on the trailing window, with what
// credit, and what they add up to. Pure and deterministic: the evaluation time is an argument.
import { SIGNAL_CODES } from '../types.js';
import type { SignalCode, SignalEntry } from '../types.js';
import { parseIsoUtc, wholeDaysBetween } from './business-days.js';
import { DEFAULT_RULES, type RulesConfig } from './config.js';

export type CountedSignal = { code: SignalCode; at: string; contact: string; credit: 1 | 0.5; entryIds: string[] };
export type RepeatEngagement = { contact: string; at: string; entryIds: string[] };
export type SignalEvaluation = {
  counted: CountedSignal[];
  /** The newest E8 occurrence, derived or reported. */
  repeatEngagement: RepeatEngagement | null;
  /** The newest counted E4 (auto-SQL fast track). */
  briefingRequest: CountedSignal | null;
  /** The newest counted E3/E6/E7/E10 (SQL dossier fast track). */
  strong: CountedSignal | null;
  /** HO 3.2: at least one engagement signal on the window. */
  qualifies: boolean;
  credit: number;
  /** HO 3.2.1 E9: flagged for CRO weight. */
  croWeight: boolean;
  /** The oldest counted signal (first-touch attribution, HO 6.1). */
  firstTouch: CountedSignal | null;
};

const DOSSIER_FAST_TRACK: readonly SignalCode[] = ['E3', 'E6', 'E7', 'E10'];

type Timed = SignalEntry & { ms: number };
type Found = CountedSignal & { ms: number; derived: boolean };

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('index out of range');
  return value;
}

function byTimeThenId(a: { ms: number; id: string }, b: { ms: number; id: string }): number {
  return a.ms - b.ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Only an E1 carries an interaction kind (types.ts); on other codes the field is ignored. */
function isLike(e: SignalEntry): boolean {
  return e.code === 'E1' && e.interaction === 'like';
}

function byContact(entries: Timed[]): Map<string, Timed[]> {
  const groups = new Map<string, Timed[]>();
  for (const e of entries) groups.set(e.contact, [...(groups.get(e.contact) ?? []), e]);
  return groups;
}

/**
 * Occurrences of `needed` or more entries (sorted) within `spanDays` whole days of each other. An
 * occurrence is dated at the entry that completes it; the later entries within the span of its first
 * entry are absorbed into it, and the next occurrence needs fresh entries. So 6 likes within 30 days
 * are one E1 (HO 3.2.1: "3+ likes in 30 days = 1 signal"). `admissible` can veto a window.
 */
function clusters(
  entries: Timed[],
  needed: number,
  spanDays: number,
  admissible: (window: Timed[]) => boolean = () => true,
): { members: Timed[]; completedBy: Timed }[] {
  const found: { members: Timed[]; completedBy: Timed }[] = [];
  let from = 0;
  while (from < entries.length) {
    let first = from;
    let hit: { first: number; last: number } | undefined;
    for (let last = from; last < entries.length && !hit; last++) {
      const lastMs = must(entries[last]).ms;
      while (wholeDaysBetween(must(entries[first]).ms, lastMs) > spanDays) first++;
      const window = entries.slice(first, last + 1);
      if (window.length >= needed && admissible(window)) hit = { first, last };
    }
    if (!hit) break;
    const start = must(entries[hit.first]).ms;
    let end = hit.last;
    while (end + 1 < entries.length && wholeDaysBetween(start, must(entries[end + 1]).ms) <= spanDays) end++;
    found.push({ members: entries.slice(hit.first, end + 1), completedBy: must(entries[hit.last]) });
    from = end + 1;
  }
  return found;
}

/**
 * What the signal log adds up to at `at` (ISO). An entry counts when it is dated at or before `at`, no
 * more than `windowDays` whole days old (age = floor((at - entry) / 24 h): 0-90 full credit, 91-180
 * half, 181+ nothing; HO 3.2), and after `opts.since` when given: the machine passes the time of the
 * last regression, so signals from before it do not qualify the account again.
 *
 * - E1 comment/share/save (or no interaction recorded): one signal per entry. A like alone is logged
 *   but does not count; `likesNeeded` likes by one contact within `likesWindowDays` are one E1, dated
 *   at the like that completes them (HO 3.2.1).
 * - E8 is also derived (DOMAIN decision): one contact engaging `repeatEngagementsNeeded` times within
 *   `repeatEngagementWindowDays`, any types. Decision: likes alone never make an E8, at least one of
 *   the entries must be something other than a like; otherwise two likes would outrank the 3-likes
 *   rule of E1 with a strong signal. Entries reported as E8 count as E8 as they are and do not feed the
 *   derivation (they already summarize other engagement).
 * - Every other code counts once per entry.
 *
 * Output is sorted by time, then reported before derived, then code, then entry ids.
 */
export function evaluateSignals(
  entries: readonly SignalEntry[],
  at: string,
  cfg: RulesConfig = DEFAULT_RULES,
  opts: { since?: string } = {},
): SignalEvaluation {
  const rules = cfg.signals;
  const nowMs = parseIsoUtc(at);
  const sinceMs = opts.since === undefined ? undefined : parseIsoUtc(opts.since);
  const live: Timed[] = entries
    .map((e) => ({ ...e, ms: parseIsoUtc(e.at) }))
    .filter((e) => e.ms <= nowMs && wholeDaysBetween(e.ms, nowMs) <= rules.windowDays && (sinceMs === undefined || e.ms > sinceMs))
    .sort(byTimeThenId);

  const credit = (ms: number): 1 | 0.5 => (wholeDaysBetween(ms, nowMs) <= rules.fullCreditDays ? 1 : 0.5);
  const signal = (code: SignalCode, dated: Timed, members: Timed[], derived: boolean): Found => ({
    code, at: dated.at, contact: dated.contact, credit: credit(dated.ms), entryIds: members.map((m) => m.id), ms: dated.ms, derived,
  });

  const found: Found[] = live.filter((e) => !isLike(e)).map((e) => signal(e.code, e, [e], false));
  for (const own of byContact(live).values()) {
    for (const c of clusters(own.filter(isLike), rules.likesNeeded, rules.likesWindowDays)) {
      found.push(signal('E1', c.completedBy, c.members, true));
    }
    const engagements = own.filter((e) => e.code !== 'E8');
    const withNonLike = (window: Timed[]): boolean => window.some((e) => !isLike(e));
    for (const c of clusters(engagements, rules.repeatEngagementsNeeded, rules.repeatEngagementWindowDays, withNonLike)) {
      found.push(signal('E8', c.completedBy, c.members, true));
    }
  }

  found.sort((a, b) =>
    a.ms - b.ms
    || Number(a.derived) - Number(b.derived)
    || SIGNAL_CODES.indexOf(a.code) - SIGNAL_CODES.indexOf(b.code)
    || (a.entryIds.join(',') < b.entryIds.join(',') ? -1 : a.entryIds.join(',') > b.entryIds.join(',') ? 1 : 0));
  const counted: CountedSignal[] = found.map(({ ms: _ms, derived: _derived, ...s }) => s);

  const newest = (codes: readonly SignalCode[]): CountedSignal | null =>
    counted.filter((s) => codes.includes(s.code)).at(-1) ?? null;
  const e8 = newest(['E8']);
  return {
    counted,
    repeatEngagement: e8 ? { contact: e8.contact, at: e8.at, entryIds: e8.entryIds } : null,
    briefingRequest: newest(['E4']),
    strong: newest(DOSSIER_FAST_TRACK),
    qualifies: counted.length > 0,
    credit: counted.reduce((sum, s) => sum + s.credit, 0),
    croWeight: counted.some((s) => s.code === 'E9'),
    firstTouch: counted[0] ?? null,
  };
}
