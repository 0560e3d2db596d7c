// Typed errors; only the CLI (src/cli/exits.ts) turns them into exit codes (STYLE 5).

/** The input was malformed; the message names the field and what would be accepted (the CLI's exit 2). */
export class BadInputError extends Error {
  constructor(message: string, readonly field?: string) { super(message); this.name = 'BadInputError'; }
}

/** The machine (or a rule around it) refused the event; nothing changed but its record (the CLI's exit 3). */
export class RefusedError extends Error {
  constructor(message: string, readonly account: string | null, readonly eventType: string) {
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
