// What each monday error code means to Ladder, in one table: whether another try can succeed, whether it is
// about the board (the push stops: every item would fail alike) or about one row (a dead letter), whether
// the item is gone (it is matched again by Domain, or re-created), and what a person does about it.
// The transport, the pusher, verify and `ladder monday retry` all read it; no string checks elsewhere.
import type { GqlError } from './transport.js';

export type ErrorKind =
  /** Nothing was applied (unless `ambiguous`): the same request goes again after a wait. */
  | 'transient'
  /** The board or the configuration is wrong, the same for every item: the push stops and parks nothing. */
  | 'board'
  /** No retry can fix this row: it is parked as a dead letter with the fix. */
  | 'row'
  /** The item is gone from the board: parked; `ladder monday retry` matches it again by Domain or re-creates it. */
  | 'itemGone';

export type ErrorRule = { kind: ErrorKind; /** transient only: the request may have been applied */ ambiguous?: boolean; fix?: string };

const ITEM_GONE_FIX = 'the item is gone from the board (deleted?): ladder monday retry matches it again by Domain, or re-creates it with its comments';

export const MONDAY_ERRORS: Readonly<Record<string, ErrorRule>> = {
  // monday's rate limits and budgets (developer.monday.com, "Rate limits"; "Error handling").
  RATE_LIMIT_EXCEEDED: { kind: 'transient' },
  COMPLEXITY_BUDGET_EXHAUSTED: { kind: 'transient' },
  ComplexityException: { kind: 'transient' },
  maxConcurrencyExceeded: { kind: 'transient' },
  IP_RATE_LIMIT_EXCEEDED: { kind: 'transient' },
  API_TEMPORARILY_BLOCKED: { kind: 'transient' },
  DAILY_LIMIT_EXCEEDED: { kind: 'transient' },
  // An internal error may strike after some of a mutation's fields were applied: treat it as maybe-applied.
  INTERNAL_SERVER_ERROR: { kind: 'transient', ambiguous: true },

  InvalidBoardIdException: { kind: 'board', fix: 'the board id is wrong or not shared with the token\'s user: fix it with ladder settings set monday.boardId ID, then run ladder monday push' },
  InvalidColumnIdException: { kind: 'board', fix: 'the column id is not on the board: fix it with ladder settings set monday.columns.… ID, then run ladder monday push' },
  UserUnauthorizedException: { kind: 'board', fix: 'the token\'s user may not write to this board: grant access, then run ladder monday push' },

  ColumnValueException: { kind: 'row', fix: 'a value the column does not accept (e.g. a status label missing on the board): add the label on the board and run ladder monday retry, or correct the label with ladder settings set monday.labels.… and run ladder monday verify --repair (it re-projects with the corrected labels); then ladder monday push' },
  ItemNameTooLongException: { kind: 'row', fix: 'the account name is too long for monday: shorten it, then run ladder monday retry' },
  InvalidArgumentException: { kind: 'row', fix: 'monday refused an argument: see the reason, fix the configuration, then run ladder monday retry' },
  // The transport's code for a 401/403 (or monday's own): it ends a push as a request-level refusal.
  Unauthorized: { kind: 'row', fix: 'monday refused the token: check MONDAY_API_TOKEN (or monday.tokenFile), then run ladder monday push' },

  ResourceNotFoundException: { kind: 'itemGone', fix: ITEM_GONE_FIX },
  InvalidItemIdException: { kind: 'itemGone', fix: ITEM_GONE_FIX },
};

/** An unknown code (or none) is taken as permanent: retrying blindly could loop; a person reads it first. */
const UNKNOWN: ErrorRule = { kind: 'row', fix: 'unexpected monday error: read the reason; ladder monday retry sends it again' };
const STOP_FIX = 'read the reason, fix its cause, then run ladder monday push again';

export const ruleFor = (code: string | null | undefined): ErrorRule => (code && Object.hasOwn(MONDAY_ERRORS, code) ? MONDAY_ERRORS[code]! : UNKNOWN);
export const codeOf = (e: GqlError): string | null => e.extensions?.code ?? null;
export const isTransient = (code: string | null | undefined): boolean => ruleFor(code).kind === 'transient';
export const isBoardLevel = (code: string | null | undefined): boolean => ruleFor(code).kind === 'board';

/** The codes whose dead letters mean "the item is gone" (dead-letter reasons begin with the code). */
export const ITEM_GONE_CODES: readonly string[] = Object.keys(MONDAY_ERRORS).filter((c) => MONDAY_ERRORS[c]!.kind === 'itemGone');

/** How an error reads in a dead letter, a log or a stop: its code first (ITEM_GONE_CODES relies on it). */
export const reasonOf = (e: GqlError): string => `${codeOf(e) ?? 'error'}: ${e.message}`;

export type DeadLetter = { reason: string; fix: string; message: string };

/** What a parked row stores: the reason, the fix and monday's message, with the token removed. */
export function deadLetterOf(e: GqlError, redact: (s: string) => string): DeadLetter {
  return { reason: redact(reasonOf(e)), fix: ruleFor(codeOf(e)).fix ?? UNKNOWN.fix!, message: redact(e.message) };
}

/** Why a push stopped and what to do; the caller removes the token. */
export function stopReason(what: string, reason: string, code: string | null): string {
  const known = code && Object.hasOwn(MONDAY_ERRORS, code) ? MONDAY_ERRORS[code]!.fix : undefined;
  return `${what}: ${reason}; fix: ${known ?? STOP_FIX}`;
}
