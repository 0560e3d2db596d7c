// `ladder calibrate --rules ALT.json`: the alternative rules, as a partial override of any rules setting
// (machines/rules/config.ts). One validation for the file: every key must be a rules setting (the message names
// it and lists what its section has), and the rules it gives, merged over the rules in force, must pass the
// rules' own zod schema (the message names the field and what it accepts). Pure: the CLI reads the file.
import { z } from 'zod';
import { DEFAULT_RULES, RulesConfigSchema, type RulesConfig } from '../../machines/rules/config.js';
import { BadInputError, describeZodIssues } from '../engine/errors.js';

/** A partial rules object: `{ "gates": { "g1PassEmployees": 150 } }`. */
export type RulesOverride = { [k: string]: unknown };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys of the override that are not rules settings, with what their section offers instead. */
function unknownKeys(over: Record<string, unknown>, shape: Record<string, unknown>, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(over)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (!Object.hasOwn(shape, k)) {
      out.push(`${path}: not a rules setting; ${prefix || 'the rules'} ${prefix ? 'has' : 'have'} ${Object.keys(shape).join(', ')}`);
      continue;
    }
    const inner = shape[k];
    if (isObject(inner)) {
      if (!isObject(v)) out.push(`${path}: expected an object of settings (${Object.keys(inner).join(', ')}); got ${JSON.stringify(v)}`);
      else out.push(...unknownKeys(v, inner, path));
    }
  }
  return out;
}

function merge(base: unknown, over: unknown): unknown {
  if (isObject(base) && isObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
    return out;
  }
  return over === undefined ? base : over;
}

const FileSchema = z.union([z.object({ rules: z.record(z.string(), z.unknown()) }).strict(), z.record(z.string(), z.unknown())]);

/**
 * The override in a file's JSON: a partial rules object, or `{ "rules": { … } }` (a settings document's shape).
 * Checked against the default rules; `where` names the file in every message.
 */
export function parseRulesOverride(raw: unknown, where: string): RulesOverride {
  const file = FileSchema.safeParse(raw);
  if (!file.success || !isObject(raw)) {
    throw new BadInputError(`${where}: expected a JSON object of rules settings to change, e.g. {"gates": {"g1PassEmployees": 150}} (the settings: ladder settings show)`, 'rules');
  }
  const over = (Object.keys(raw).length === 1 && isObject(raw.rules) ? raw.rules : raw) as RulesOverride;
  if (Object.keys(over).length === 0) throw new BadInputError(`${where}: changes no rules setting; name at least one, e.g. {"gates": {"g1PassEmployees": 150}}`, 'rules');
  const unknown = unknownKeys(over, DEFAULT_RULES as unknown as Record<string, unknown>, '');
  if (unknown.length) throw new BadInputError(`${where}: invalid\n${unknown.join('\n')}`, unknown[0]!.split(':')[0]!);
  applyOverride(DEFAULT_RULES, over, where);
  return over;
}

/** The rules with the override on top, validated whole (a value out of range is named with what it accepts). */
export function applyOverride(rules: RulesConfig, over: RulesOverride, where: string): RulesConfig {
  const r = RulesConfigSchema.safeParse(merge(structuredClone(rules), over));
  if (!r.success) {
    const field = r.error.issues[0]?.path.map(String).join('.') || 'rules';
    throw new BadInputError(`${where}: invalid\n${describeZodIssues(r.error.issues)}`, field);
  }
  return r.data;
}

/** "gates.g1PassEmployees: 200 → 150" for each leaf the override changes against `rules`. */
export function describeOverride(rules: RulesConfig, over: RulesOverride, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(over)) {
    const path = prefix ? `${prefix}.${k}` : k;
    const before = (rules as unknown as Record<string, unknown>)[k];
    if (isObject(v) && isObject(before)) out.push(...describeOverride(before as unknown as RulesConfig, v, path));
    else out.push(`${path}: ${JSON.stringify(before)} → ${JSON.stringify(v)}`);
  }
  return out;
}
