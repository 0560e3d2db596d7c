// The report's "Email approvals" section (HO 5.4, 5.1, 7, 9) as pure functions of the rows approvals-queries.ts
// reads. A review step is a stay of an approval actor in a waiting state: a template version in `cmoReview`
// (the CMO's messaging approval) or `croReview` (the CRO's GO / NO-GO, Activation only), a recipient list in
// `proposed` (the CRO's list approval). Every definition is written down in docs/report.md.
import { isBusinessDay } from '../../machines/rules/business-days.js';
import type { ActorEventRow, ApprovalActorKind, ApprovalRows, StepTimerRow } from './approvals-queries.js';
import { median, round, type Alert } from './metrics.js';
import type { IsoWeek } from './week.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ms = (iso: string) => Date.parse(iso);
const iso = (n: number) => new Date(n).toISOString();

export const APPROVAL_STEPS = ['cmo-messaging', 'cro-narrative', 'cro-list'] as const;
export type ApprovalStep = (typeof APPROVAL_STEPS)[number];
export const STEP_LABELS: Record<ApprovalStep, string> = {
  'cmo-messaging': 'CMO messaging', 'cro-narrative': 'CRO GO/NO-GO', 'cro-list': 'CRO recipient lists',
};
/** HO 5.1: four sequence types is the sustainable ceiling at current capacity. */
export const SEQUENCE_TYPE_CEILING = 4;
/** HO 5.1, 9: six or more distinct types in active rotation trigger a capacity review for category.positioning. */
export const SEQUENCE_TYPE_REVIEW_AT = 6;

const WAITING: Record<ApprovalActorKind, Record<string, ApprovalStep>> = {
  template: { cmoReview: 'cmo-messaging', croReview: 'cro-narrative' },
  recipients: { proposed: 'cro-list' },
};
const APPROVES = new Set(['CMO_APPROVE', 'CRO_GO', 'RECIPIENTS_APPROVE']);
const RETURNS = new Set(['CMO_REJECT', 'CRO_NO_GO', 'RECIPIENTS_REJECT']);
type Decision = 'approved' | 'returned' | 'withdrawn';
const decisionOf = (type: string): Decision => (APPROVES.has(type) ? 'approved' : RETURNS.has(type) ? 'returned' : 'withdrawn');

/** One stay of an actor in a waiting state. */
export type StepStay = {
  kind: ApprovalActorKind; id: string; template: string; sequence: string; step: ApprovalStep; waitsFor: 'cmo' | 'cro';
  /** The template's submission this review belongs to (1 for a list). */
  round: number;
  enteredAt: string; slaDueAt: string; escalateAt: string;
  exitedAt: string | null; exit: { type: string; by: string; to: string } | null;
  /** When the machine recorded the SLA miss / the escalation (the timer's event, dated at its due time). */
  slaFlaggedAt: string | null; escalatedAt: string | null;
  /** For a template: its first submission. */
  firstSubmittedAt: string;
};

export type PendingApproval = {
  kind: ApprovalActorKind; id: string; template: string; sequence: string; step: ApprovalStep; waitsFor: 'cmo' | 'cro'; round: number;
  since: string; slaDueAt: string; escalateAt: string; slaBreached: boolean; escalated: boolean; waitedBusinessHours: number;
};
export type StepWeek = {
  label: string;
  sla: { due: number; met: number; missed: number; open: number };
  escalated: number;
  decided: number; approved: number; returned: number;
  medianBusinessHours: number | null;
};
export type ApprovalMiss = {
  kind: ApprovalActorKind; id: string; template: string; step: ApprovalStep; waitsFor: 'cmo' | 'cro'; round: number;
  since: string; dueAt: string; decidedAt: string | null; decision: Decision | null;
  /** The machine recorded it by the cutoff (the sweep, or a decision's catch-up, fired the timer). */
  recorded: boolean;
};
export type CompletedApproval = {
  kind: ApprovalActorKind; id: string; template: string; sequence: string; approvedAt: string; by: string;
  submittedAt: string; rounds: number; businessHours: number;
};
export type ApprovalsSection = {
  asOf: string;
  pending: PendingApproval[];
  steps: Record<ApprovalStep, StepWeek>;
  misses: ApprovalMiss[];
  escalations: ApprovalMiss[];
  completed: CompletedApproval[];
  capacity: {
    threshold: number; windowDays: number; from: string; to: string;
    roles: { role: 'cmo' | 'cro'; misses: number; review: boolean }[];
    review: boolean;
  };
  sequenceTypes: {
    inUse: { sequence: string; versions: string[] }[];
    count: number; ceiling: number; reviewAt: number; aboveCeiling: boolean; capacityReview: boolean;
    configured: string[];
  };
};
export type ApprovalAlertId = 'approval-escalated' | 'approval-capacity-review' | 'sequence-types-review';

export type ApprovalOptions = {
  holidays: readonly string[];
  capacityMisses: number;
  capacityWindowDays: number;
  /** The sequence types in the settings. */
  configuredTypes: readonly string[];
  /** A step's deadlines when its timers are not in the table (they always are for steps the engine ran). */
  deadlines(enteredAt: string): { slaDueAt: string; escalateAt: string };
};

/**
 * Hours from `from` to `to` that fall on business days (UTC days that are not Saturday, Sunday or a configured
 * holiday), 24 per business day: a step decided before its 1-business-day deadline took less than 24.
 */
export function businessHours(from: string, to: string, holidays: readonly string[]): number {
  const a = ms(from);
  const b = ms(to);
  let total = 0;
  for (let day = Math.floor(a / DAY) * DAY; day < b; day += DAY) {
    if (isBusinessDay(iso(day), holidays)) total += Math.min(b, day + DAY) - Math.max(a, day);
  }
  return round(Math.max(0, total) / HOUR, 2);
}

const medianOf = (xs: number[]) => { const m = median(xs); return m === null ? null : round(m, 2); };

/** Every review step in the rows, in actor order, from the event log and the timers each entry armed. */
export function stepStays(rows: ApprovalRows, opts: Pick<ApprovalOptions, 'deadlines'>): StepStay[] {
  const sequenceOf = new Map(rows.templates.map((t) => [t.id, t.sequence]));
  const templateOf = new Map(rows.lists.map((l) => [l.id, l.template]));
  const armedBy = new Map<number, StepTimerRow[]>();
  for (const t of rows.timers) armedBy.set(t.armedBy, [...(armedBy.get(t.armedBy) ?? []), t]);
  const out: StepStay[] = [];
  let actor = '';
  let open: StepStay | null = null;
  let round = 0;
  let firstSubmittedAt = '';
  for (const e of rows.events) {
    const key = `${e.kind}:${e.actorId}`;
    if (key !== actor) { actor = key; open = null; round = 0; firstSubmittedAt = ''; }
    if (e.type.startsWith('xstate.after.')) {
      if (open && e.type.includes('.STEP_SLA.')) open.slaFlaggedAt ??= e.at;
      if (open && e.type.includes('.STEP_ESCALATION.')) open.escalatedAt ??= e.at;
      continue;
    }
    if (e.type === 'TEMPLATE_SUBMIT') { round++; firstSubmittedAt ||= e.at; }
    if (open && e.after !== e.before) {
      open.exitedAt = e.at;
      open.exit = { type: e.type, by: e.by, to: e.after };
      open = null;
    }
    const step = WAITING[e.kind]?.[e.after];
    if (step && e.before !== e.after) {
      open = enter(e, step, e.kind === 'template' ? round : 1, firstSubmittedAt || e.at, armedBy.get(e.id) ?? [], opts);
      open.template = e.kind === 'template' ? e.actorId : templateOf.get(e.actorId) ?? '';
      open.sequence = sequenceOf.get(open.template) ?? '';
      out.push(open);
    }
  }
  return out;
}

function enter(e: ActorEventRow, step: ApprovalStep, round: number, firstSubmittedAt: string, timers: StepTimerRow[], opts: Pick<ApprovalOptions, 'deadlines'>): StepStay {
  const mine = timers.filter((t) => t.kind === e.kind && t.actorId === e.actorId && t.timerId.endsWith(`.${e.after}`));
  const fallback = opts.deadlines(e.at);
  return {
    kind: e.kind, id: e.actorId, template: '', sequence: '', step, waitsFor: step === 'cmo-messaging' ? 'cmo' : 'cro', round,
    enteredAt: e.at,
    slaDueAt: mine.find((t) => t.timerId.includes('.STEP_SLA.'))?.dueAt ?? fallback.slaDueAt,
    escalateAt: mine.find((t) => t.timerId.includes('.STEP_ESCALATION.'))?.dueAt ?? fallback.escalateAt,
    exitedAt: null, exit: null, slaFlaggedAt: null, escalatedAt: null, firstSubmittedAt,
  };
}

/** Left before `t`: a step decided (or withdrawn) at its deadline has missed it (the engine fires the timer first). */
const leftBefore = (s: StepStay, t: string) => s.exitedAt !== null && s.exitedAt < t;
const missOf = (s: StepStay, dueAt: string, recordedAt: string | null): ApprovalMiss => ({
  kind: s.kind, id: s.id, template: s.template, step: s.step, waitsFor: s.waitsFor, round: s.round, since: s.enteredAt, dueAt,
  decidedAt: s.exitedAt, decision: s.exit ? decisionOf(s.exit.type) : null, recorded: recordedAt !== null,
});
const byDue = (a: ApprovalMiss, b: ApprovalMiss) => a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id) || a.round - b.round;

/**
 * The section for week W up to the cutoff `until` (the week's end, or --now + 1 ms while it runs): rows must hold
 * only events before `until` (approvals-queries.ts reads them so).
 */
export function computeApprovals(rows: ApprovalRows, week: IsoWeek, until: string, opts: ApprovalOptions): ApprovalsSection {
  const asOf = until === week.end ? until : iso(ms(until) - 1);
  const stays = stepStays(rows, opts);
  const inWeek = (t: string) => t >= week.start && t < until;

  const pending = stays.filter((s) => s.exitedAt === null).map((s): PendingApproval => ({
    kind: s.kind, id: s.id, template: s.template, sequence: s.sequence, step: s.step, waitsFor: s.waitsFor, round: s.round,
    since: s.enteredAt, slaDueAt: s.slaDueAt, escalateAt: s.escalateAt, slaBreached: s.slaDueAt < until, escalated: s.escalateAt < until,
    waitedBusinessHours: businessHours(s.enteredAt, asOf, opts.holidays),
  })).sort((a, b) => a.slaDueAt.localeCompare(b.slaDueAt) || a.id.localeCompare(b.id));

  // SLA cases: the steps whose deadline falls in W (a list withdrawn before its deadline is no case).
  const withdrawnBefore = (s: StepStay, t: string) => leftBefore(s, t) && s.exit !== null && decisionOf(s.exit.type) === 'withdrawn';
  const cases = stays.filter((s) => s.slaDueAt >= week.start && s.slaDueAt < week.end && !withdrawnBefore(s, s.slaDueAt));
  const missed = (s: StepStay) => !leftBefore(s, s.slaDueAt) && s.slaDueAt < until;
  const misses = cases.filter(missed).map((s) => missOf(s, s.slaDueAt, s.slaFlaggedAt)).sort(byDue);
  const escalations = stays.filter((s) => inWeek(s.escalateAt) && !leftBefore(s, s.escalateAt))
    .map((s) => missOf(s, s.escalateAt, s.escalatedAt)).sort(byDue);
  const decisions = stays.filter((s) => s.exitedAt !== null && inWeek(s.exitedAt) && s.exit && decisionOf(s.exit.type) !== 'withdrawn');

  const steps = Object.fromEntries(APPROVAL_STEPS.map((step): [ApprovalStep, StepWeek] => {
    const c = cases.filter((s) => s.step === step);
    const met = c.filter((s) => leftBefore(s, s.slaDueAt)).length;
    const miss = c.filter(missed).length;
    const d = decisions.filter((s) => s.step === step);
    return [step, {
      label: STEP_LABELS[step],
      sla: { due: c.length, met, missed: miss, open: c.length - met - miss },
      escalated: escalations.filter((e) => e.step === step).length,
      decided: d.length,
      approved: d.filter((s) => decisionOf(s.exit!.type) === 'approved').length,
      returned: d.filter((s) => decisionOf(s.exit!.type) === 'returned').length,
      medianBusinessHours: medianOf(d.map((s) => businessHours(s.enteredAt, s.exitedAt!, opts.holidays))),
    }];
  })) as Record<ApprovalStep, StepWeek>;

  // Approvals completed in W: a template version reaching `approved`, a list approved by the CRO.
  const completed = decisions.filter((s) => (s.kind === 'template' ? s.exit!.to === 'approved' : s.exit!.type === 'RECIPIENTS_APPROVE'))
    .map((s): CompletedApproval => {
      const submittedAt = s.kind === 'template' ? s.firstSubmittedAt : s.enteredAt;
      return {
        kind: s.kind, id: s.id, template: s.template, sequence: s.sequence, approvedAt: s.exitedAt!, by: s.exit!.by,
        submittedAt, rounds: s.round, businessHours: businessHours(submittedAt, s.exitedAt!, opts.holidays),
      };
    }).sort((a, b) => a.approvedAt.localeCompare(b.approvedAt) || a.id.localeCompare(b.id));

  // HO 5.4.4 "repeated SLA misses trigger a capacity review": the approver's misses in the window before the cutoff.
  const from = iso(ms(asOf) - opts.capacityWindowDays * DAY);
  const windowMisses = stays.filter((s) => s.slaDueAt >= from && missed(s) && !withdrawnBefore(s, s.slaDueAt));
  const roles = (['cmo', 'cro'] as const).map((role) => {
    const n = windowMisses.filter((s) => s.waitsFor === role).length;
    return { role, misses: n, review: n >= opts.capacityMisses };
  });

  // HO 5.1, 9: the types in active rotation are those with an approved (not retired) version at the cutoff.
  const stateAt = new Map<string, string>();
  for (const e of rows.events) if (e.kind === 'template') stateAt.set(e.actorId, e.after);
  const inUse = new Map<string, string[]>();
  for (const t of rows.templates) if (stateAt.get(t.id) === 'approved') inUse.set(t.sequence, [...(inUse.get(t.sequence) ?? []), t.id]);
  const types = [...inUse].sort(([a], [b]) => a.localeCompare(b)).map(([sequence, versions]) => ({ sequence, versions }));

  return {
    asOf, pending, steps, misses, escalations, completed,
    capacity: { threshold: opts.capacityMisses, windowDays: opts.capacityWindowDays, from, to: asOf, roles, review: roles.some((r) => r.review) },
    sequenceTypes: {
      inUse: types, count: types.length, ceiling: SEQUENCE_TYPE_CEILING, reviewAt: SEQUENCE_TYPE_REVIEW_AT,
      aboveCeiling: types.length > SEQUENCE_TYPE_CEILING, capacityReview: types.length >= SEQUENCE_TYPE_REVIEW_AT,
      configured: [...opts.configuredTypes],
    },
  };
}

const what = (m: { kind: ApprovalActorKind; id: string; template: string; step: ApprovalStep }) =>
  m.kind === 'recipients' ? `${m.id} (${STEP_LABELS[m.step]}, ${m.template})` : `${m.id} (${STEP_LABELS[m.step]})`;

/** HO 7 "Approval step exceeds 48-hour SLA" and "repeated SLA misses"; HO 9 "6+ distinct sequence types". */
export function approvalAlerts(a: ApprovalsSection): Alert[] {
  const waiting = a.pending.filter((p) => p.escalated);
  const c = a.capacity;
  const t = a.sequenceTypes;
  return [
    {
      id: 'approval-escalated', holds: a.escalations.length > 0 || waiting.length > 0,
      title: 'Approval steps past 48 hours: escalated to chief.staff',
      detail: `${a.escalations.length} step(s) passed 48 hours this week${a.escalations.length ? `: ${a.escalations.map((e) => `${what(e)} at ${e.dueAt}`).join(', ')}` : ''}; `
        + `${waiting.length} still waiting past 48 hours at ${a.asOf}${waiting.length ? `: ${waiting.map((p) => what(p)).join(', ')}` : ''}. Action (HO 5.4.4, 7): chief.staff resolves them with the approver.`,
    },
    {
      id: 'approval-capacity-review', holds: c.review,
      title: `An approver missed ${c.threshold} or more approval SLAs within ${c.windowDays} days`,
      detail: `Missed 1-business-day SLAs with deadlines from ${c.from} to ${c.to}: ${c.roles.map((r) => `${r.role} ${r.misses}`).join(', ')}. `
        + `Action (HO 5.4.4, 7): capacity review${c.review ? ` of ${c.roles.filter((r) => r.review).map((r) => r.role).join(' and ')}` : ''}.`,
    },
    {
      id: 'sequence-types-review', holds: t.capacityReview,
      title: `${t.reviewAt}+ distinct sequence types in active rotation`,
      detail: `${t.count} type(s) with an approved version (${t.inUse.map((u) => u.sequence).join(', ') || 'none'}); the sustainable ceiling is ${t.ceiling} (HO 5.1). `
        + 'Action (HO 9): capacity review for category.positioning; evaluate expansion or sequence consolidation (CMO + chief.staff).',
    },
  ];
}
