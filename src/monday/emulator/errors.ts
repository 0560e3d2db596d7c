// monday's error vocabulary, in the unified format of API versions 2025-01 and later.
// Sources (stored copies of developer.monday.com):
//   error format, codes and HTTP statuses: /api-reference/docs/error-handling
//   ColumnValueException message and error_data.column_type: /api-reference/changelog/bug-fix-column-value-exception-error-column_type-update
//   COMPLEXITY_BUDGET_EXHAUSTED shape (2025-07+): /api-reference/changelog/breaking-change-updated-complexity-budget-exhausted-error
//   extensions.request_id on every response: /api-reference/docs/migrating-to-version-2025-04
// Where the docs give only an error's name and HTTP status, the exact code or message below is the emulator's
// choice, and says so: a client should branch on status and extensions.code, never on message text.
import { GraphQLError } from 'graphql';
import type { EmulatedColumnType } from './seed.js';

export interface ErrorEntry {
  message: string;
  locations?: readonly { line: number; column: number }[];
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/** A response the server writes without executing anything: transport-level refusals. */
export interface HttpRefusal {
  status: number;
  headers: Record<string, string>;
  /** JSON bodies for the API's own refusals; HTML for a gateway's, as a proxy in front of an API sends them. */
  body: { kind: 'json'; json: Record<string, unknown> } | { kind: 'html'; html: string };
  codes: string[];
}

const CHANGE_VALUES_DOC = 'https://developer.monday.com/api-reference/docs/change-column-values';

function appError(message: string, code: string, statusCode: number, errorData: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code, status_code: statusCode, error_data: errorData } });
}

// monday reports a status column as "color" in this field (its internal name), as in the changelog's example.
function errorColumnType(type: EmulatedColumnType): string {
  return type === 'status' ? 'color' : type;
}

export function statusLabelMissing(columnId: string, label: string): GraphQLError {
  return appError(
    `invalid value - label does not exist in column. Please check our API documentation for the correct data structure for this column. ${CHANGE_VALUES_DOC}`,
    'ColumnValueException', 200, { column_type: errorColumnType('status'), column_id: columnId, column_value: label },
  );
}

export function invalidColumnValue(columnId: string, type: EmulatedColumnType, reason: string): GraphQLError {
  return appError(
    `invalid value - ${reason}. Please check our API documentation for the correct data structure for this column. ${CHANGE_VALUES_DOC}`,
    'ColumnValueException', 200, { column_type: errorColumnType(type), column_id: columnId },
  );
}

export function invalidColumnValuesJson(): GraphQLError {
  return appError(
    `invalid value - column_values is not a JSON object of column id to value. Please check our API documentation for the correct data structure. ${CHANGE_VALUES_DOC}`,
    'ColumnValueException', 200, {},
  );
}

export function invalidColumnId(columnId: string): GraphQLError {
  return appError("This column ID doesn't exist for the board", 'InvalidColumnIdException', 200, { column_id: columnId });
}

// "Board not found" is the message of monday's board-not-found example in the 2025-04 migration guide.
export function invalidBoardId(boardId: string): GraphQLError {
  return appError('Board not found', 'InvalidBoardIdException', 200, { board_id: boardId });
}

// ResourceNotFoundException is listed both as 200 and 404 in the docs: the answer is HTTP 200 (other aliases
// still apply) with status_code 404 inside, and error_data naming the item.
export function itemNotFound(itemId: string | undefined): GraphQLError {
  return appError('Item not found in board', 'ResourceNotFoundException', 404, { resource_type: 'item', item_id: itemId ?? null });
}

export function invalidGroupId(groupId: string): GraphQLError {
  return appError('Group not found', 'InvalidGroupIdException', 200, { group_id: groupId });
}

export function itemNameTooLong(length: number): GraphQLError {
  return appError('Item name must be 1-255 characters long', 'ItemNameTooLongException', 200, { item_name_length: length });
}

export function invalidArgument(message: string, errorData: Record<string, unknown> = {}): GraphQLError {
  return appError(message, 'InvalidArgumentException', 200, errorData);
}

export function codesOf(errors: readonly { extensions?: Record<string, unknown> }[]): string[] {
  return errors.map((e) => String(e.extensions?.['code'] ?? 'UNKNOWN'));
}

// ---- transport-level refusals ----

function jsonRefusal(status: number, entry: ErrorEntry, headers: Record<string, string> = {}): HttpRefusal {
  return { status, headers, body: { kind: 'json', json: { errors: [entry] } }, codes: [String(entry.extensions?.['code'] ?? status)] };
}

/** Missing or empty Authorization header: error-handling doc, 4xx table, "Unauthorized" (401). Body: emulator's choice. */
export function unauthorized(): HttpRefusal {
  return jsonRefusal(401, { message: 'Not Authenticated', extensions: { code: 'Unauthorized', status_code: 401 } });
}

/**
 * Minute limit: "Rate Limit Exceeded", 429 (error-handling doc), Retry-After and retry_in_seconds (rate-limits doc,
 * guidelines). The code string is not in monday's docs; the shape mirrors COMPLEXITY_BUDGET_EXHAUSTED's.
 */
/** `dateAt` (the emulator's clock, ms): say Retry-After as an HTTP-date from then, as a proxy may, with no retry_in_seconds. */
export function rateLimited(retryInSeconds: number, dateAt: number | null = null): HttpRefusal {
  if (dateAt !== null) {
    return jsonRefusal(
      429,
      { message: 'Rate Limit Exceeded', extensions: { code: 'RATE_LIMIT_EXCEEDED' } },
      { 'Retry-After': new Date(dateAt + retryInSeconds * 1000).toUTCString(), Date: new Date(dateAt).toUTCString() },
    );
  }
  return jsonRefusal(
    429,
    { message: 'Rate Limit Exceeded', extensions: { code: 'RATE_LIMIT_EXCEEDED', retry_in_seconds: retryInSeconds } },
    { 'Retry-After': String(retryInSeconds) },
  );
}

export function complexityExhausted(retryInSeconds: number): HttpRefusal {
  return jsonRefusal(
    429,
    { message: 'Complexity budget exhausted', extensions: { code: 'COMPLEXITY_BUDGET_EXHAUSTED', retry_in_seconds: retryInSeconds } },
    { 'Retry-After': String(retryInSeconds) },
  );
}

export function jsonParseError(detail: string): HttpRefusal {
  return jsonRefusal(400, { message: `JSON parse error: ${detail}`, extensions: { code: 'JsonParseException', status_code: 400 } });
}

/** "Bad request" (400) is documented by name only; the code is the emulator's. */
export function badRequest(message: string): HttpRefusal {
  return jsonRefusal(400, { message, extensions: { code: 'BadRequest', status_code: 400 } });
}

/**
 * 500 comes from the API itself, so it carries the unified `errors` array (error-handling doc: transport-layer
 * statuses still have a JSON `errors` body); 502 and 503 come from the gateway in front of the API and are HTML,
 * so a client must cope with a body it cannot parse. The INTERNAL_SERVER_ERROR code is the emulator's.
 */
export function serverError(status: 500 | 502 | 503): HttpRefusal {
  if (status === 500) {
    return jsonRefusal(500, { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', status_code: 500 } });
  }
  const html = status === 502
    ? '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>'
    : '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>';
  const headers: Record<string, string> = status === 503 ? { 'Retry-After': '5' } : {};
  return { status, headers, body: { kind: 'html', html }, codes: [`HTTP_${status}`] };
}

export function gatewayTimeout(): HttpRefusal {
  return {
    status: 504,
    headers: {},
    body: { kind: 'html', html: '<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html>' },
    codes: ['HTTP_504'],
  };
}
