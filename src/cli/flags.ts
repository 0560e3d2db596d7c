// Flags: read by the one parser for each kind of value (machines/rules/values.ts, instant.ts) and refused with
// the flag named and what is accepted (exit 2), never passed on unchecked.
import { BadInputError } from '../engine/errors.js';
import { parseInstant } from '../../machines/rules/instant.js';
import { parseDecimal, parseTier, parseWhole, TIER_ACCEPTED } from '../../machines/rules/values.js';
import type { Tier } from '../../machines/types.js';

const field = (flag: string) => flag.replace(/^--/, '');

/** A decimal number from min to max (e.g. an ICP score of 71.5); `0x10` and `1e1` are not decimal numbers. */
export function numberFlag(flag: string, raw: string | undefined, min: number, max: number): number {
  const r = parseDecimal(raw, min, max);
  if (!r.ok) throw new BadInputError(`${flag}: ${r.error}`, field(flag));
  return r.value;
}

/** A whole number from min to max (counts, sizes, seeds, ports). */
export function wholeFlag(flag: string, raw: string | undefined, min: number, max: number): number {
  const r = parseWhole(raw, min, max);
  if (!r.ok) throw new BadInputError(`${flag}: ${r.error}`, field(flag));
  return r.value;
}

/** A tier, with the spellings an import accepts (T1, 2, tier 3, reject). */
export function tierFlag(flag: string, raw: string): Tier {
  const tier = parseTier(raw);
  if (!tier) throw new BadInputError(`${flag}: expected one of ${TIER_ACCEPTED}; got ${JSON.stringify(raw)}`, field(flag));
  return tier;
}

/** An instant (--now, --at, --for), read by the one strict parser: a time of day needs Z or an offset. */
export function instantFlag(flag: string, raw: string): string {
  const r = parseInstant(raw);
  if (!r.ok) throw new BadInputError(`${flag}: ${r.error}`, field(flag));
  return r.iso;
}
