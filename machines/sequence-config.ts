// The settings of the email sequences Ladder runs (HO 5.2, 5.5, 5.6): cadences, the send time, the warm-up
// caps, deliverability, the reply SLAs and the SMTP channel. Pure data, a zod schema and the calendar arithmetic
// the sequence machine and the planner share. No I/O; time is always an argument.
import { z } from 'zod';
import { DAY_MS, addBusinessDays, isBusinessDay, parseIsoUtc, startOfUtcDay, toIso, utcDateKey } from './rules/business-days.js';

/** The ten reply categories of HO 5.6, in the SOP's order. */
export const REPLY_CATEGORIES = [
  'hot-positive', 'warm-positive', 'not-now', 'wrong-person-referral', 'wrong-person',
  'objection', 'hostile', 'opt-out', 'ooo', 'no-response',
] as const;
export type ReplyCategory = (typeof REPLY_CATEGORIES)[number];

/** The sequences Ladder sends (HO 5.2); Post-Briefing is a CRO task, never an automated send. */
export const SENT_SEQUENCES = ['Nurture-MQL', 'Activation-SQL', 'Re-engagement'] as const;
export type SentSequence = (typeof SENT_SEQUENCES)[number];
export type SequenceName = SentSequence | 'Post-Briefing';

const days = (what: string) => z.array(z.number().int().min(1).max(366), { error: `${what}: expected a list of touch days (whole numbers from 1), e.g. [1, 3, 7]` })
  .min(1, `${what}: at least one touch`).max(20, `${what}: at most 20 touches`)
  .refine((d) => d.every((x, i) => i === 0 || x > d[i - 1]!), `${what}: touch days must increase (Day 1, Day 3, Day 7, …)`);

/** An SLA: hours on the clock, or business days (HO 5.6's "2 business days"), or the same business day. */
const Sla = z.union([
  z.strictObject({ hours: z.number().int().min(1).max(24 * 30) }),
  z.strictObject({ businessDays: z.number().int().min(1).max(30) }),
  z.strictObject({ sameDay: z.literal(true) }),
]);
export type Sla = z.infer<typeof Sla>;

const capStep = z.strictObject({
  fromWeek: z.number().int().min(1).max(520),
  // HO 5.5: at most 50 a day; beyond that, evaluate dedicated infrastructure (HO 9), not a bigger number here.
  perDay: z.number().int().min(0).max(50, 'at most 50 emails a day from one mailbox (HO 5.5; beyond 50, HO 9: evaluate dedicated sending infrastructure)'),
});

export const SequenceSettingsSchema = z.strictObject({
  /**
   * Opt-in: true once the team runs its sequences through Ladder (templates loaded, lists approved). false: no
   * account is enrolled, no touch planned (a team that sequences in another tool); replies are still recorded.
   */
  enabled: z.boolean().default(false),
  /** Touch days of each sent sequence (HO 5.2): Day 1 is the first business day on or after enrolment. */
  cadences: z.strictObject({
    'Nurture-MQL': days('Nurture-MQL').default(() => [1, 3, 7, 21, 35]),
    'Activation-SQL': days('Activation-SQL').default(() => [1, 4, 8, 14, 21]),
    'Re-engagement': days('Re-engagement').default(() => [1, 31]),
  }).default(() => ({ 'Nurture-MQL': [1, 3, 7, 21, 35], 'Activation-SQL': [1, 4, 8, 14, 21], 'Re-engagement': [1, 31] })),
  /** After the last touch, this many days of silence is "no response (sequence complete)" (HO 5.6 #10). */
  completeAfterDays: z.number().int().min(1).max(90).default(14),
  /** HO 5.6 #10: the cooldown between a complete Nurture and Re-engagement. */
  cooldownDays: z.number().int().min(1).max(365).default(30),
  /** When a touch falls due on its day, UTC (HH:MM). */
  sendTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day HH:MM (UTC), e.g. 09:00').default('09:00'),
  /** HO 5.5 warm-up: the daily cap by week since the first send (week 1 = the first 7 days). */
  dailyCaps: z.array(capStep).min(1).refine((s) => s[0]!.fromWeek === 1 && s.every((x, i) => i === 0 || x.fromWeek > s[i - 1]!.fromWeek),
    'dailyCaps: the first step is fromWeek 1, and weeks increase').default(() => [{ fromWeek: 1, perDay: 25 }, { fromWeek: 3, perDay: 40 }, { fromWeek: 4, perDay: 50 }]),
  /** The first day of the warm-up (YYYY-MM-DD); null: the first day anything was sent. */
  warmupStart: z.iso.date().nullable().default(null),
  /** HO 5.5: sequences pause when the bounce rate over the window exceeds this (0.05 = 5 %). */
  bounce: z.strictObject({
    maxRate: z.number().min(0).max(1).default(0.05),
    windowDays: z.number().int().min(1).max(90).default(14),
    /** Fewer sends than this in the window is too few to judge (one bounce in three is not a 33 % rate). */
    minSends: z.number().int().min(1).max(10_000).default(20),
  }).default(() => ({ maxRate: 0.05, windowDays: 14, minSends: 20 })),
  /** HO 5.6: the SLA of each reply's handler. */
  replySla: z.strictObject({
    'hot-positive': Sla.default({ hours: 4 }),
    'warm-positive': Sla.default({ hours: 24 }),
    'not-now': Sla.default({ hours: 48 }),
    'wrong-person-referral': Sla.default({ hours: 24 }),
    'wrong-person': Sla.default({ businessDays: 2 }),
    objection: Sla.default({ hours: 48 }),
    hostile: Sla.default({ sameDay: true as const }),
    'opt-out': Sla.default({ sameDay: true as const }),
  }).default(() => ({
    'hot-positive': { hours: 4 }, 'warm-positive': { hours: 24 }, 'not-now': { hours: 48 }, 'wrong-person-referral': { hours: 24 },
    'wrong-person': { businessDays: 2 }, objection: { hours: 48 }, hostile: { sameDay: true as const }, 'opt-out': { sameDay: true as const },
  })),
  /** HO 5.6 #2: the CRO follows up this many days after a warm reply when nothing is booked. */
  warmFollowUpDays: z.number().int().min(1).max(60).default(5),
  /** HO 5.6 #3: the trigger falls this many weeks before the stated timeline. */
  notNowLeadWeeks: z.number().int().min(0).max(52).default(6),
  /** HO 5.6 #9: resume this many business days after the return date. */
  oooResumeBusinessDays: z.number().int().min(0).max(30).default(2),
  /** The CRO's own tasks (Activation complete: direct outreach; Post-Briefing), due in business days. */
  croTaskBusinessDays: z.number().int().min(1).max(30).default(1),
  /** The built-in executor (HO 5.5: Gmail with an app password). The password is LADDER_SMTP_PASSWORD, never a setting. */
  smtp: z.strictObject({
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65_535).default(465),
    secure: z.boolean().default(true),
    user: z.string().min(1).max(254),
    from: z.string().email('smtp.from: expected an e-mail address'),
    fromName: z.string().min(1).max(100).optional(),
  }).nullable().default(null),
  /** The opt-out link every email carries (HO 5.3 CAN-SPAM); {{message_id}} is replaced by the touch's id. */
  unsubscribeUrl: z.string().min(1).max(500).default('mailto:unsubscribe@example.com?subject=unsubscribe%20{{message_id}}'),
});
export type SequenceSettings = z.output<typeof SequenceSettingsSchema>;
export const DEFAULT_SEQUENCE_SETTINGS: SequenceSettings = SequenceSettingsSchema.parse({});

export type SequenceConfig = { sequences: SequenceSettings; holidays: readonly string[] };

const sendTimeMs = (cfg: SequenceConfig) => {
  const [h, m] = cfg.sequences.sendTime.split(':').map(Number) as [number, number];
  return (h * 60 + m) * 60_000;
};

/** The next business day strictly after the UTC day of `ms`, as 00:00Z. */
function nextBusinessDay(ms: number, holidays: readonly string[]): number {
  return parseIsoUtc(addBusinessDays(toIso(startOfUtcDay(ms)), 1, holidays));
}
function firstBusinessDayOnOrAfter(ms: number, holidays: readonly string[]): number {
  let day = startOfUtcDay(ms);
  // Ten years of days: a holiday list that leaves no business day is refused by addBusinessDays the same way.
  for (let i = 0; i < 3_660 && !isBusinessDay(toIso(day), holidays); i++) day += DAY_MS;
  return day;
}

/**
 * The instants of a cadence's touches from `start` (HO 5.2: "Day 1, Day 3, Day 7"): Day d is the calendar day
 * start + (d − 1), moved to the next business day when it is a weekend or holiday, and always after the touch
 * before it (two touches never share a day), at the send time.
 */
export function touchSchedule(start: string, cadence: readonly number[], cfg: SequenceConfig): string[] {
  const base = startOfUtcDay(parseIsoUtc(start));
  const out: string[] = [];
  let prev = -Infinity;
  for (const d of cadence) {
    let day = firstBusinessDayOnOrAfter(base + (d - 1) * DAY_MS, cfg.holidays);
    if (day <= prev) day = nextBusinessDay(prev, cfg.holidays);
    prev = day;
    out.push(toIso(day + sendTimeMs(cfg)));
  }
  return out;
}

/** When a reply's SLA falls due, from the reply's instant. */
export function slaDue(at: string, sla: Sla, holidays: readonly string[]): string {
  if ('hours' in sla) return toIso(parseIsoUtc(at) + sla.hours * 3_600_000);
  if ('businessDays' in sla) return addBusinessDays(at, sla.businessDays, holidays);
  const day = firstBusinessDayOnOrAfter(parseIsoUtc(at), holidays);
  return toIso(Math.max(day + DAY_MS - 1, parseIsoUtc(at)));
}

/** HO 5.6 #9: the instant a paused sequence resumes, n business days after the return date, at the send time. */
export function oooResume(returnDate: string, cfg: SequenceConfig): string {
  const day = startOfUtcDay(parseIsoUtc(addBusinessDays(utcDateKey(parseIsoUtc(returnDate)), cfg.sequences.oooResumeBusinessDays, cfg.holidays)));
  return toIso(day + sendTimeMs(cfg));
}

/** The daily cap on `day` (YYYY-MM-DD) for a warm-up that began on `start` (HO 5.5). */
export function capOn(day: string, start: string | null, s: SequenceSettings): number {
  const week = start ? Math.max(1, Math.floor((parseIsoUtc(day) - parseIsoUtc(start)) / (7 * DAY_MS)) + 1) : 1;
  let cap = s.dailyCaps[0]!.perDay;
  for (const step of s.dailyCaps) if (week >= step.fromWeek) cap = step.perDay;
  return cap;
}

/** The next business day after `day` (YYYY-MM-DD), as YYYY-MM-DD: where an over-the-cap touch rolls. */
export function nextBusinessDate(day: string, holidays: readonly string[]): string {
  return utcDateKey(nextBusinessDay(parseIsoUtc(day), holidays));
}
