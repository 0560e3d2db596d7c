// Event validation, before anything reads the event: a caller of any door (CLI, note, import row, API) may send
// any JSON. One zod schema per event (machines/events.ts) names the field and what it accepts; instants go
// through the one strict parser and are stored as UTC ISO (string order = time order); nothing may be dated
// after the command's clock beyond the configured clock-skew tolerance (issue 11: a signal "from 2099" would
// keep an account from ever going stale).
import { z } from 'zod';
import { LadderCommandEvent, type LadderEvent } from '../../machines/events.js';
import { AccountFactsSchema, LONG_TEXT, SHORT_TEXT, TIERS, safeText, type AccountFacts, type Tier } from '../../machines/types.js';
import { parseInstant } from '../../machines/rules/instant.js';
import { normalizeDomain } from '../../machines/rules/domain.js';
import { BadInputError, describeZodIssues } from './errors.js';

/** An instant that must be valid: the normalized UTC form, or a BadInputError naming the field. */
export function instantOf(field: string, value: unknown): string {
  const r = parseInstant(value);
  if (!r.ok) throw new BadInputError(`${field}: ${r.error}`, field);
  return r.iso;
}

function notAfter(field: string, iso: string, now: string, toleranceMinutes: number): void {
  const ahead = Date.parse(iso) - Date.parse(now);
  if (ahead > toleranceMinutes * 60_000) {
    const minutes = Math.round(ahead / 60_000);
    throw new BadInputError(`${field}: ${iso} is ${minutes >= 2880 ? `${Math.round(minutes / 1440)} days` : `${minutes} minutes`} after now (${now}); `
      + `nothing can be recorded before it happens (up to ${toleranceMinutes} minutes ahead is tolerated for clock skew)`, field);
  }
}

/** A timer's event: fired by the engine from its stored row, dated at its due time. */
export function validateTimerEvent(event: { type: string; at?: unknown }): LadderEvent {
  return { ...event, at: instantOf('at', event.at) } as LadderEvent;
}

/** A command event (every type but the machine's own timers), normalized; throws BadInputError. */
export function validateCommandEvent(event: unknown, now: string, toleranceMinutes: number): LadderEvent {
  const type = (event as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && type.startsWith('xstate.')) {
    throw new BadInputError('type: timer events are fired by the sweep from a stored timer, never sent directly', 'type');
  }
  const parsed = LadderCommandEvent.safeParse(event);
  if (!parsed.success) throw new BadInputError(describeZodIssues(parsed.error.issues), String(parsed.error.issues[0]?.path.join('.') ?? ''));
  const e = { ...parsed.data, at: instantOf('at', parsed.data.at) } as LadderEvent;
  notAfter('at', e.at, now, toleranceMinutes);
  if (e.type === 'SIGNAL') {
    const at = instantOf('signal.at', e.signal.at);
    notAfter('signal.at', at, now, toleranceMinutes);
    return { ...e, signal: { ...e.signal, at } };
  }
  if (e.type === 'BRIEFING_SCHEDULED' && e.scheduledFor) return { ...e, scheduledFor: instantOf('scheduledFor', e.scheduledFor) };
  return e;
}

/** The longest name or HQ location an account may have (the same limit at every door: CLI, import, API). */
export const TEXT_MAX = SHORT_TEXT;

/** The five required fields of LQ 6 (and the facts the gates read), as one schema for every door. */
export const NewAccountSchema = z.object({
  domain: z.string().transform((raw, ctx) => {
    const n = normalizeDomain(raw);
    if (!n.ok) { ctx.addIssue({ code: 'custom', message: n.error }); return z.NEVER; }
    return n.domain;
  }),
  name: safeText('Name (LQ 6)', { max: TEXT_MAX }),
  hq: safeText('HQ Location (LQ 6)', { max: TEXT_MAX }),
  tier: z.enum(TIERS, { error: `expected one of ${TIERS.join(', ')}` }),
  icpScore: z.number({ error: 'expected a number from 0 to 100' }).finite().min(0, 'expected a number from 0 to 100').max(100, 'expected a number from 0 to 100'),
  facts: AccountFactsSchema.optional(),
  extra: z.record(safeText('an extra field name', { max: 100 }), z.union([z.string().max(LONG_TEXT, `at most ${LONG_TEXT} characters`), z.number(), z.boolean(), z.null()])).optional(),
}).strict();
export type NewAccount = { domain: string; name: string; hq: string; tier: Tier; icpScore: number; facts?: AccountFacts; extra?: Record<string, unknown> };

export function validateNewAccount(acct: unknown): NewAccount {
  const r = NewAccountSchema.safeParse(acct);
  if (!r.success) throw new BadInputError(describeZodIssues(r.error.issues), String(r.error.issues[0]?.path.join('.') ?? 'account'));
  return r.data as NewAccount;
}

export function validateNow(now: unknown): string {
  return instantOf('now', now);
}
