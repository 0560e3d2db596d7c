// The ladder's configuration file (ladder.config.json), validated by one zod schema. Secrets never live
// here: the monday token comes from the environment (or a file path named here).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ROLES } from '../machines/events.js';
import { DEFAULT_RULES, RulesConfigSchema, type RulesConfig } from '../machines/rules/config.js';
import { BadInputError, describeZodIssues } from './engine/errors.js';

const UserRole = z.enum(ROLES).exclude(['system']);

export const LadderConfigSchema = z.object({
  /** user name → role. A user named like a role (sales.ops, cro, cmo, chief.staff) has that role by default. */
  users: z.record(z.string().min(1), UserRole).default({}),
  /** Overrides of the rule numbers (DOMAIN.md: configurable). Deep-merged over the defaults. */
  rules: z.record(z.string(), z.unknown()).default({}),
  monday: z.record(z.string(), z.unknown()).optional(),
}).strict();

export type LadderConfig = { users: Record<string, z.infer<typeof UserRole>>; rules: RulesConfig; monday?: Record<string, unknown>; path: string | null };

const DEFAULT_USERS = { 'sales.ops': 'sales.ops', cro: 'cro', cmo: 'cmo', 'chief.staff': 'chief.staff' } as const;

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (base && over && typeof base === 'object' && typeof over === 'object' && !Array.isArray(base) && !Array.isArray(over)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = deepMerge(out[k], v);
    return out;
  }
  return over;
}

export function parseConfig(raw: unknown, path: string | null): LadderConfig {
  const where = path ?? 'config';
  const parsed = LadderConfigSchema.safeParse(raw);
  if (!parsed.success) throw new BadInputError(`${where}: invalid configuration\n${describeZodIssues(parsed.error.issues)}`, 'config');
  const rules = RulesConfigSchema.safeParse(deepMerge(structuredClone(DEFAULT_RULES), parsed.data.rules));
  if (!rules.success) throw new BadInputError(`${where}: invalid rules\n${describeZodIssues(rules.error.issues, 'rules')}`, 'rules');
  return { users: { ...DEFAULT_USERS, ...parsed.data.users }, rules: rules.data, monday: parsed.data.monday, path };
}

/** --config, else LADDER_CONFIG, else ./ladder.config.json when present, else defaults. */
export function loadConfig(explicit?: string): LadderConfig {
  const path = explicit ?? process.env.LADDER_CONFIG ?? (existsSync('ladder.config.json') ? 'ladder.config.json' : undefined);
  if (!path) return parseConfig({}, null);
  const full = resolve(path);
  if (!existsSync(full)) throw new BadInputError(`--config: no file at ${full}`, 'config');
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(full, 'utf8')); } catch (err) {
    throw new BadInputError(`${full}: not valid JSON (${(err as Error).message})`, 'config');
  }
  return parseConfig(raw, full);
}
