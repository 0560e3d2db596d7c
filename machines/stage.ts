// Reading the ladder's stage out of a snapshot value.
import type { Stage, Substate } from './types.js';

export type StageAt = { stage: Stage; substate: Substate | null };

export function stageOf(value: unknown): StageAt {
  if (typeof value === 'string') return { stage: value as Stage, substate: null };
  const [stage, sub] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  return { stage: stage as Stage, substate: typeof sub === 'string' ? (sub as Substate) : null };
}

/** "SQL: review" — the label the board and the CLI show. */
export function stageLabel(s: StageAt): string {
  return s.substate ? `${s.stage}: ${s.substate}` : s.stage;
}
