// What the push's steps share: their inputs (the context) and their output (how the step ended, and what it
// did). A step changes rows only through src/monday/outbox-rows.ts, in the session's transactions.
import type { Store } from '../../store/open.js';
import type { MondayConfig } from '../config.js';
import { stopReason } from '../error-rules.js';
import type { Sent, Session } from '../session.js';

export type PushContext = { store: Store; cfg: MondayConfig; session: Session; now: () => string; redact: (s: string) => string };

export type Tally = {
  matched: number; created: number; columnWrites: number; commentsPosted: number; commentsFoundPosted: number;
  /** The board's answers to decisions set on it (an update explaining a refusal, the decision column's reset). */
  answers: number;
  /** Every durable step forward, dead letters included: a clean round without any ends the push. */
  progress: number;
};
export const newTally = (): Tally => ({ matched: 0, created: 0, columnWrites: 0, commentsPosted: 0, commentsFoundPosted: 0, answers: 0, progress: 0 });

export type StepEnd =
  /** All its work was sent and answered. */
  | { kind: 'clean' }
  /** A transient failure (already waited out): the next round starts over from matching. */
  | { kind: 'again' }
  /** The push ends here: why, and what to do (before the token is removed). */
  | { kind: 'stop'; reason: string };

export type StepResult = { end: StepEnd; tally: Tally };
export type Step = (p: PushContext) => Promise<StepResult>;

export const CLEAN: StepEnd = { kind: 'clean' };

/** How a step ends on an answer other than 'done'. */
export function endOf(sent: Exclude<Sent, { kind: 'done' }>, what: string): StepEnd {
  if (sent.kind === 'again') return { kind: 'again' };
  if (sent.kind === 'gaveUp') return { kind: 'stop', reason: sent.reason };
  return { kind: 'stop', reason: stopReason(what, sent.reason, sent.code) };
}
