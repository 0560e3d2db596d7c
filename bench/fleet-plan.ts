// The bench fleet's shape: how N accounts spread over the ladder, and which life stories (templates)
// stand for each stage. The numbers are documented in docs/bench.md; change them there too.

/** A life story lived by the real engine (bench/templates.ts), stamped out for many accounts. */
export type StoryName =
  | 'prospect-new' | 'prospect-like-only' | 'prospect-gates-fail' | 'prospect-after-mql-stale'
  | 'mql-fresh' | 'mql-engaged-twice' | 'mql-dossier-failed' | 'mql-disputed' | 'mql-after-sql-stale'
  | 'sql-dossier-sla-pending' | 'sql-dossier-sla-breached'
  | 'sql-review-sla-pending' | 'sql-review-sla-breached'
  | 'sql-confirmed' | 'sql-confirmed-briefing-request'
  | 'briefing-ready' | 'assessment-qualified' | 'won'
  | 'disqualified-no-ecosystem' | 'disqualified-opt-out' | 'recycled' | 'archived';

export type StageShare = { stage: string; share: number; stories: readonly (readonly [StoryName, number])[] };

/** Share of accounts per stage (sums to 1) and the stories within it (relative weights). */
export const STAGE_TABLE: readonly StageShare[] = [
  { stage: 'PROSPECT', share: 0.60, stories: [['prospect-new', 50], ['prospect-like-only', 20], ['prospect-gates-fail', 10], ['prospect-after-mql-stale', 20]] },
  { stage: 'MQL', share: 0.20, stories: [['mql-fresh', 40], ['mql-engaged-twice', 30], ['mql-dossier-failed', 10], ['mql-disputed', 10], ['mql-after-sql-stale', 10]] },
  { stage: 'SQL.dossier', share: 0.03, stories: [['sql-dossier-sla-pending', 25], ['sql-dossier-sla-breached', 75]] },
  { stage: 'SQL.review', share: 0.03, stories: [['sql-review-sla-pending', 40], ['sql-review-sla-breached', 60]] },
  { stage: 'SQL.confirmed', share: 0.02, stories: [['sql-confirmed', 70], ['sql-confirmed-briefing-request', 30]] },
  { stage: 'BRIEFING_READY', share: 0.03, stories: [['briefing-ready', 1]] },
  { stage: 'ASSESSMENT_QUALIFIED', share: 0.01, stories: [['assessment-qualified', 1]] },
  { stage: 'WON', share: 0.01, stories: [['won', 1]] },
  { stage: 'DISQUALIFIED', share: 0.03, stories: [['disqualified-no-ecosystem', 60], ['disqualified-opt-out', 40]] },
  { stage: 'RECYCLED', share: 0.02, stories: [['recycled', 1]] },
  { stage: 'ARCHIVED', share: 0.02, stories: [['archived', 1]] },
];

/**
 * Exact counts per story for N accounts: the stage shares, then the story weights within a stage, by
 * largest remainder so the counts add up to N exactly.
 */
export function storyCounts(n: number, table: readonly StageShare[] = STAGE_TABLE): Map<StoryName, number> {
  const wanted: { story: StoryName; exact: number }[] = [];
  for (const s of table) {
    const total = s.stories.reduce((sum, [, w]) => sum + w, 0);
    for (const [story, w] of s.stories) wanted.push({ story, exact: n * s.share * (w / total) });
  }
  const counts = wanted.map((w) => ({ ...w, n: Math.floor(w.exact) }));
  let left = n - counts.reduce((sum, c) => sum + c.n, 0);
  for (const c of [...counts].sort((a, b) => (b.exact - b.n) - (a.exact - a.n))) {
    if (left <= 0) break;
    c.n++;
    left--;
  }
  return new Map(counts.map((c) => [c.story, c.n]));
}
