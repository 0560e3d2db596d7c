// Numeric flags: refused with the flag named and the range accepted (exit 2), never passed on unchecked.
import { BadInputError } from '../engine/errors.js';
import { parseInstant } from '../../machines/rules/instant.js';

/** A number from min to max (decimals allowed, e.g. an ICP score of 71.5). */
export function numberFlag(field: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new BadInputError(`${field}: expected a number from ${min} to ${max}; got "${raw}"`, field);
  return n;
}

/** A whole number from min to max (counts, sizes, seeds). */
export function wholeFlag(field: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new BadInputError(`${field}: expected a whole number from ${min} to ${max}; got "${raw}"`, field);
  return n;
}

/** An instant (--now, --at, --for), read by the one strict parser: a time of day needs Z or an offset. */
export function instantFlag(field: string, raw: string): string {
  const r = parseInstant(raw);
  if (!r.ok) throw new BadInputError(`${field}: ${r.error}`, field.replace(/^--/, ''));
  return r.iso;
}
