// A template with its placeholders filled in, ready for the sender. Pure: values in, text out.
import { PLACEHOLDER, type Template } from './parse.js';

/** A placeholder the template uses has no value (or only blanks: "Hi ," is never sent). */
export class MissingValueError extends Error {
  override readonly name = 'MissingValueError';
  constructor(readonly missing: readonly { name: string; line: number }[], where: string) {
    super(`cannot render ${where}: no value for ${missing.map((m) => `{{${m.name}}} (line ${m.line})`).join(', ')}; pass a non-blank value for every placeholder the template uses`);
  }
}

/** A value would break the subject out of its one line (a line break there is a header injection). */
export class UnsafeValueError extends Error {
  override readonly name = 'UnsafeValueError';
  constructor(readonly placeholder: string, where: string) {
    super(`cannot render ${where}: the value of {{${placeholder}}} in the subject holds a line break or a control character; a subject value is one line of text`);
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NOT_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/**
 * The subject and body with every placeholder replaced by its value, in one pass (a value holding "{{x}}" stays
 * as written). The body loses the blank lines around it (file layout, not copy). Throws MissingValueError
 * naming every placeholder without a value, UnsafeValueError for a subject value that is not one line.
 */
export function renderTemplate(t: Template, values: Readonly<Record<string, string>>): { subject: string; body: string } {
  const where = `${t.sequence} step ${t.step}`;
  const has = (name: string) => Object.hasOwn(values, name) && typeof values[name] === 'string' && values[name]!.trim() !== '';
  const missing = t.placeholders.filter((p, i) => !has(p.name) && t.placeholders.findIndex((q) => q.name === p.name) === i);
  if (missing.length > 0) throw new MissingValueError(missing, where);
  const fill = (text: string) => text.replace(PLACEHOLDER, (_, name: string) => values[name]!);
  for (const m of t.subject.matchAll(PLACEHOLDER)) {
    if (NOT_ONE_LINE.test(values[m[1]!]!)) throw new UnsafeValueError(m[1]!, where);
  }
  return {
    subject: fill(t.subject),
    body: fill(t.body).replace(/^(?:[ \t]*\r?\n)+/, '').replace(/\s+$/, ''),
  };
}
