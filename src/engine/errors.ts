// Typed errors; only the CLI (src/cli/exits.ts) turns them into exit codes (STYLE 5).

/** The input was malformed; the message names the field and what would be accepted (the CLI's exit 2). */
export class BadInputError extends Error {
  constructor(message: string, readonly field?: string) { super(message); this.name = 'BadInputError'; }
}

/**
 * Why something was refused: the role may not (`role`), someone acted first (`stale`), --now runs ahead of the
 * real clock (`clock`), or the SOP's rules (`rule`). The server answers 403, 409, 422 and 422 for them.
 */
export type RefusalKind = 'role' | 'stale' | 'clock' | 'rule';

/** The machine (or a rule around it) refused the event; nothing changed but its record (the CLI's exit 3). */
export class RefusedError extends Error {
  constructor(message: string, readonly account: string | null, readonly eventType: string, readonly kind: RefusalKind = 'rule') {
    super(message); this.name = 'RefusedError';
  }
}

/** Formats a zod error as "field: message" lines (STYLE 6: say how to fix). */
export function describeZodIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, prefix = ''): string {
  return issues.map((i) => {
    const field = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    return `${field || '(input)'}: ${i.message}`;
  }).join('\n');
}
