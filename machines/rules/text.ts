// Text as Ladder stores and prints it (issue 12). Pure, and free of imports: machines/types.ts builds its text
// schemas on it.

/**
 * Characters a stored text never holds: NUL and the other C0/C1 controls (a terminal obeys them: a name holding
 * ESC]0;… retitles it), and the bidirectional overrides that make text read differently than it is stored.
 * Tab and newline are allowed in long text only.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

export function textProblem(text: string, o: { max: number; multiline?: boolean }): string | null {
  const bad = (o.multiline ? CONTROL : CONTROL_ONE_LINE).exec(text);
  if (bad) return `contains the control character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}, which is not accepted in text`;
  if (text.length > o.max) return `is ${text.length} characters long; at most ${o.max} are accepted`;
  return null;
}

/** Human output: every control character (but newline and tab) shown as an escape, never obeyed by the terminal. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/gu,
    (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/** Edit distance between two strings: the closest known name for a misspelt field or placeholder ("did you mean"). */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
