// The ladder's settings as one document, stored in the database (issue 11): the rules (every number and list
// the SOP rules use), the monday board, the users → roles map, the clock's tolerances and the server's routine
// (issue 13). One zod schema is the type, the validator and the error message. The monday token is never a setting: it stays in the
// environment (MONDAY_API_TOKEN, or the file a setting names).
import { Cron } from 'croner';
import { z } from 'zod';
import { ROLES } from '../../machines/events.js';
import { DEFAULT_RULES, RulesConfigSchema, type RulesConfig } from '../../machines/rules/config.js';
import { MondayConfigSchema } from '../monday/config.js';
import { ApprovalSettingsSchema, DEFAULT_APPROVAL_SETTINGS, type ApprovalSettings } from '../../machines/approval.js';
import { DEFAULT_TEMPLATE_SETTINGS, TemplateSettingsSchema, type TemplateSettings } from '../../machines/templates/config.js';
import { DEFAULT_SEQUENCE_SETTINGS, SequenceSettingsSchema, type SequenceSettings } from '../../machines/sequence-config.js';

export const USER_ROLES = ROLES.filter((r) => r !== 'system') as Exclude<(typeof ROLES)[number], 'system'>[];
export const UserRole = z.enum(ROLES).exclude(['system']);
export type UserRole = z.infer<typeof UserRole>;

/** Names that would reach an object's prototype if used as a key; never a user. */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf']);
export const UserName = z.string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'a user name: 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit')
  .refine((n) => !RESERVED.has(n), 'that name is reserved');

export const ClockSettingsSchema = z.object({
  /** How far ahead of --now an event, a signal or a note may be dated (clock skew between people and agents). */
  futureToleranceMinutes: z.number().int().min(0).max(24 * 60),
  /** How far past the real clock a command's --now may reach without --allow-future (issue 11: default 1 day). */
  maxAheadHours: z.number().int().min(0).max(24 * 365),
}).strict();
export type ClockSettings = z.infer<typeof ClockSettingsSchema>;

/** A name of the IANA time zone database (UTC, Europe/Berlin, America/New_York), as the runtime knows them. */
export function isTimeZone(name: string): boolean {
  // UTC, the default, is always known; asking Intl loads its zone data (~13 ms of every command's start, issue 17).
  if (name === 'UTC') return true;
  try { new Intl.DateTimeFormat('en', { timeZone: name }); return true; } catch { return false; }
}

/** The schedule of a sweep cron expression in a time zone (croner; paused: it only computes run times). */
export function sweepSchedule(expr: string, timezone: string): Cron {
  return new Cron(expr, { timezone, paused: true, mode: '5-part' });
}

const CRON_ACCEPTS = 'a 5-field cron expression: minute hour day-of-month month day-of-week, e.g. "0 6 * * *" (06:00 every day) or "0 7 * * 1-5" (07:00 Monday to Friday)';

/** The server's daily routine (issue 13): when `ladder serve` sweeps, and how often it pushes to the board. */
export const RoutineSettingsSchema = z.object({
  /** When the daily sweep runs, in `timezone`. */
  sweepCron: z.string().superRefine((expr, ctx) => {
    let why: string | null = null;
    try {
      // No time zone: whether an expression ever runs does not depend on one, and croner's zone arithmetic
      // (Intl) cost every command ~13 ms at start, when the settings are read (issue 17).
      if (new Cron(expr, { paused: true, mode: '5-part' }).nextRun() === null) why = 'it never runs';
    } catch (err) {
      why = (err as Error).message.replace(/^CronPattern: /, '');
    }
    if (why) ctx.addIssue({ code: 'custom', message: `${CRON_ACCEPTS}; got ${JSON.stringify(expr)} (${why})` });
  }),
  timezone: z.string().superRefine((tz, ctx) => {
    if (!isTimeZone(tz)) ctx.addIssue({ code: 'custom', message: `an IANA time zone such as UTC, Europe/Berlin or America/New_York; got ${JSON.stringify(tz)}` });
  }),
  /** Minutes between two pushes of the monday outbox (when a board is set). */
  pushEveryMinutes: z.number().int().min(1).max(24 * 60),
  /** false: `ladder serve` runs neither (another server or a cron job does). */
  enabled: z.boolean(),
}).strict();
export type RoutineSettings = z.infer<typeof RoutineSettingsSchema>;
export const DEFAULT_ROUTINE: RoutineSettings = { sweepCron: '0 6 * * *', timezone: 'UTC', pushEveryMinutes: 5, enabled: true };

export const SettingsSchema = z.object({
  rules: RulesConfigSchema,
  /** The monday section as the operator wrote it (defaults filled in when it is read); null: no board. */
  monday: z.record(z.string(), z.unknown()).nullable().superRefine((m, ctx) => {
    if (m === null) return;
    const r = MondayConfigSchema.safeParse(m);
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message, path: i.path as (string | number)[] });
  }),
  users: z.record(z.string(), UserRole).superRefine((users, ctx) => {
    for (const name of Object.keys(users)) {
      const r = UserName.safeParse(name);
      if (!r.success) ctx.addIssue({ code: 'custom', message: `"${name}": ${r.error.issues[0]?.message}`, path: [name] });
    }
  }),
  clock: ClockSettingsSchema,
  /** A monday user id → the Ladder user whose changes on the board are theirs (the webhook, issue 13). */
  mondayUsers: z.record(z.string().regex(/^\d{1,20}$/, 'a numeric monday user id'), z.string()).default({}),
  /** Settings written before issue 13 have none: the defaults. */
  routine: RoutineSettingsSchema.default(() => structuredClone(DEFAULT_ROUTINE)),
  /** Email-sequence templates (issue 14, HO 5.2-5.3): the sequence types and the content rules' lists. */
  templates: TemplateSettingsSchema.default(() => structuredClone(DEFAULT_TEMPLATE_SETTINGS)),
  /** The approval SLAs (HO 5.4.4). */
  approvals: ApprovalSettingsSchema.default(() => structuredClone(DEFAULT_APPROVAL_SETTINGS)),
  /** The email sequences Ladder runs (issue 15, HO 5.2, 5.5, 5.6): cadences, caps, deliverability, reply SLAs, SMTP. */
  sequences: SequenceSettingsSchema.default(() => structuredClone(DEFAULT_SEQUENCE_SETTINGS)),
}).strict().superRefine((s, ctx) => {
  for (const [id, user] of Object.entries(s.mondayUsers)) {
    if (!Object.hasOwn(s.users, user)) ctx.addIssue({ code: 'custom', path: ['mondayUsers', id], message: `"${user}" is not a user (users: ${Object.keys(s.users).join(', ')})` });
  }
});
export type Settings = {
  rules: RulesConfig; monday: Record<string, unknown> | null; users: Record<string, UserRole>; clock: ClockSettings; mondayUsers: Record<string, string>;
  routine: RoutineSettings; templates: TemplateSettings; approvals: ApprovalSettings; sequences: SequenceSettings;
};

/** A user named like a role has that role, so a fresh ladder is usable at once (--as sales.ops). */
export const DEFAULT_USERS: Record<string, UserRole> = { 'sales.ops': 'sales.ops', cro: 'cro', cmo: 'cmo', 'chief.staff': 'chief.staff', 'category.positioning': 'category.positioning' };

export const DEFAULT_SETTINGS: Settings = {
  rules: structuredClone(DEFAULT_RULES) as RulesConfig,
  monday: null,
  users: DEFAULT_USERS,
  clock: { futureToleranceMinutes: 5, maxAheadHours: 24 },
  mondayUsers: {},
  routine: DEFAULT_ROUTINE,
  templates: DEFAULT_TEMPLATE_SETTINGS,
  approvals: DEFAULT_APPROVAL_SETTINGS,
  sequences: DEFAULT_SEQUENCE_SETTINGS,
};

/** The role of a user, prototype-safe (a user called "__proto__" or "constructor" has none). */
export function roleOf(s: Settings, user: string): UserRole | null {
  return Object.hasOwn(s.users, user) ? s.users[user]! : null;
}
