// Changing the settings document: `ladder settings set|unset PATH`, `ladder settings import FILE` (the old
// ladder.config.json format), and the difference between two versions for `ladder settings history`. Pure:
// the engine writes the result (one door), the CLI reads files.
import { z } from 'zod';
import { DEFAULT_RULES } from '../../machines/rules/config.js';
import { BadInputError, describeZodIssues } from '../engine/errors.js';
import { DEFAULT_USERS, SettingsSchema, type Settings } from './schema.js';

const SECTIONS = ['rules', 'monday', 'users', 'clock', 'mondayUsers', 'routine', 'templates', 'approvals', 'sequences'] as const;

/** Validates a whole document; the message names every field and what it accepts. */
export function validateSettings(doc: unknown, where = 'settings'): Settings {
  const r = SettingsSchema.safeParse(doc);
  if (!r.success) throw new BadInputError(`${where}: invalid\n${describeZodIssues(r.error.issues)}`, r.error.issues[0]?.path.map(String).join('.') || 'settings');
  return r.data as Settings;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = deepMerge(out[k], v);
    return out;
  }
  return over;
}

/** The configuration file's shape (ladder.config.json): every section optional, rules as overrides of the defaults. */
export const ConfigFileSchema = z.object({
  users: z.record(z.string(), z.unknown()).optional(),
  rules: z.record(z.string(), z.unknown()).optional(),
  monday: z.record(z.string(), z.unknown()).nullable().optional(),
  clock: z.record(z.string(), z.unknown()).optional(),
  mondayUsers: z.record(z.string(), z.string()).optional(),
  routine: z.record(z.string(), z.unknown()).optional(),
  templates: z.record(z.string(), z.unknown()).optional(),
  approvals: z.record(z.string(), z.unknown()).optional(),
  sequences: z.record(z.string(), z.unknown()).optional(),
}).strict();

/**
 * The settings after importing a configuration file: each section the file has replaces that section (rules
 * are overrides deep-merged over the SOP defaults, users are added to the built-in role users, as the file
 * always meant); sections it lacks stay as they are.
 */
export function importConfigFile(current: Settings, raw: unknown, where: string): Settings {
  const file = ConfigFileSchema.safeParse(raw);
  if (!file.success) throw new BadInputError(`${where}: not a ladder configuration\n${describeZodIssues(file.error.issues)}`, 'config');
  const f = file.data;
  const next: Record<string, unknown> = structuredClone(current);
  if (f.rules !== undefined) next.rules = deepMerge(structuredClone(DEFAULT_RULES), f.rules);
  if (f.users !== undefined) next.users = { ...DEFAULT_USERS, ...f.users };
  if (f.monday !== undefined) next.monday = f.monday;
  if (f.clock !== undefined) next.clock = deepMerge(current.clock, f.clock);
  if (f.mondayUsers !== undefined) next.mondayUsers = f.mondayUsers;
  if (f.routine !== undefined) next.routine = deepMerge(current.routine, f.routine);
  if (f.templates !== undefined) next.templates = deepMerge(current.templates, f.templates);
  if (f.approvals !== undefined) next.approvals = deepMerge(current.approvals, f.approvals);
  if (f.sequences !== undefined) next.sequences = deepMerge(current.sequences, f.sequences) as Settings['sequences'];
  return validateSettings(next, where);
}

/** "rules.timers.sqlStaleDays" → ['rules', 'timers', 'sqlStaleDays'], checked against the sections. */
export function settingsPath(path: string): string[] {
  const parts = path.split('.');
  // User names contain dots (sales.ops): everything after "users." is one key.
  if ((parts[0] === 'users' || parts[0] === 'mondayUsers') && parts.length > 1) return [parts[0], parts.slice(1).join('.')];
  if (!SECTIONS.includes(parts[0] as (typeof SECTIONS)[number]) || parts.some((p) => p === '')) {
    throw new BadInputError(`setting: "${path}" is not a settings path; it starts with one of ${SECTIONS.join(', ')} (e.g. rules.timers.sqlStaleDays, users.marcus, monday.boardId, clock.maxAheadHours, routine.sweepCron, approvals.escalateAfterHours, sequences.sendTime)`, 'setting');
  }
  return parts;
}

/** A value from the command line: JSON when it parses as JSON (45, true, ["2026-12-25"], null), else text. */
export function parseSettingValue(raw: string): unknown {
  try { return JSON.parse(raw); } catch { return raw; }
}

/**
 * `ladder settings set PATH TEXT`: the text read as JSON, or as the text itself where the setting is text
 * (a board id of digits, 18406915789, is a string setting even though it parses as a number).
 */
export function withSettingText(current: Settings, path: string, raw: string): Settings {
  const value = parseSettingValue(raw);
  try {
    return withSetting(current, path, value);
  } catch (err) {
    if (typeof value === 'string' || !(err instanceof BadInputError)) throw err;
    try { return withSetting(current, path, raw); } catch { throw err; }
  }
}

/** Keys that would reach an object's prototype: never a setting, never a user. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function assign(doc: Record<string, unknown>, path: string[], value: unknown | undefined): void {
  const unsafe = path.find((k) => UNSAFE_KEYS.has(k));
  if (unsafe) throw new BadInputError(`setting: ${path.join('.')}: "${unsafe}" is reserved and cannot be a setting or a user name`, 'setting');
  let node: Record<string, unknown> = doc;
  for (const key of path.slice(0, -1)) {
    const child = Object.hasOwn(node, key) ? node[key] : undefined;
    if (child === null && (key === 'monday' || (key === 'smtp' && node === doc.sequences))) node[key] = {};
    else if (!isPlainObject(child)) throw new BadInputError(`setting: ${path.join('.')}: ${key} holds no settings below it`, 'setting');
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

/** The document with one value set (value undefined: removed), validated as a whole. */
export function withSetting(current: Settings, path: string, value: unknown | undefined): Settings {
  const parts = settingsPath(path);
  const next = structuredClone(current) as unknown as Record<string, unknown>;
  if (parts.length === 1 && value === undefined) throw new BadInputError(`setting: the ${parts[0]} section cannot be removed; set its fields`, 'setting');
  assign(next, parts, value);
  return validateSettings(next, `setting ${path}`);
}

export type SettingChange = { path: string; from: unknown; to: unknown };

/** Every leaf that differs between two documents, by path (lists compared whole). */
export function diffSettings(a: unknown, b: unknown, prefix = ''): SettingChange[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffSettings(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: prefix, from: a, to: b }];
}
