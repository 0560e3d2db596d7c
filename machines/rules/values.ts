// One reader for each kind of value, shared by the CLI, signal notes, imports and events (issue 12): a number
// is decimal digits (no hex, no exponent, no blanks: `0x10` and `1e1` are not an ICP score), a tier has its
// accepted spellings, a text field has a length limit and no control characters. Pure.
import { TIERS, type Tier } from '../types.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const DECIMAL = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/;
const WHOLE = /^\d+$/;

const shown = (raw: unknown) => (typeof raw === 'string' ? JSON.stringify(raw.length > 40 ? `${raw.slice(0, 37)}...` : raw) : String(raw));

/** A decimal number written in digits (71.5, -3, .5), within [min, max]. */
export function parseDecimal(raw: unknown, min = -Infinity, max = Infinity): Parsed<number> {
  const range = Number.isFinite(min) && Number.isFinite(max) ? ` from ${min} to ${max}` : '';
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw >= min && raw <= max ? { ok: true, value: raw } : { ok: false, error: `expected a number${range}; got ${raw}` };
  const text = typeof raw === 'string' ? raw.trim() : '';
  const n = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max) return { ok: false, error: `expected a decimal number${range} (digits, e.g. 82 or 71.5); got ${shown(raw)}` };
  return { ok: true, value: n };
}

/** A whole number written in digits, within [min, max]. */
export function parseWhole(raw: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): Parsed<number> {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const n = WHOLE.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) return { ok: false, error: `expected a whole number from ${min} to ${max}; got ${shown(raw)}` };
  return { ok: true, value: n };
}

// Decision: "1", "T1", "tier1" and any case of the canonical names are read as the canonical tier, on every path.
const TIER_ALIASES = new Map<string, Tier>([
  ...TIERS.map((t) => [t.toLowerCase(), t] as const),
  ...(['1', '2', '3'] as const).flatMap((n) => {
    const tier = `Tier ${n}` as Tier;
    return [[n, tier], [`t${n}`, tier], [`tier${n}`, tier], [`tier-${n}`, tier]] as const;
  }),
]);
export const TIER_ACCEPTED = `${TIERS.join(', ')} (any case; 1-3 or T1-T3 for the numbered tiers)`;

export function parseTier(value: string): Tier | undefined {
  return TIER_ALIASES.get(value.trim().replace(/\s+/g, ' ').toLowerCase());
}

export { printable, textProblem } from './text.js';
