// Typed errors; only the CLI's entry point turns them into exit codes (STYLE 5).

/** Exit 2: the input was malformed; the message names the field and what would be accepted. */
export class BadInputError extends Error {
  readonly exitCode = 2;
  constructor(message: string, readonly field?: string) { super(message); this.name = 'BadInputError'; }
}

/** Exit 3: the machine (or a rule around it) refused the event; nothing changed. */
export class RefusedError extends Error {
  readonly exitCode = 3;
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
