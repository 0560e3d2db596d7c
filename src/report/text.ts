// The weekly report as terminal text (`ladder report` without --json).
import { APPROVAL_STEPS, STEP_LABELS, type ApprovalsSection } from './approvals.js';
import type { WeeklyReport } from './metrics.js';
import { sequencesText } from './sequences-text.js';

const pct = (r: number | null) => (r === null ? 'n/a' : `${(Math.round(r * 1000) / 10).toFixed(1)}%`);

export function reportText(r: WeeklyReport): string[] {
  const p = r.pipeline;
  const o = r.overrides;
  return [
    `weekly audit ${r.week} (${r.start.slice(0, 10)} to ${r.end.slice(0, 10)}), as of ${r.asOf}`,
    `stages: ${Object.entries(r.stages).filter(([, n]) => n > 0).map(([s, n]) => `${s} ${n}`).join(', ') || 'no accounts'}`,
    `new MQLs ${p.newMqls} (first touch: ${Object.entries(p.firstTouch).map(([c, n]) => `${c} ${n}`).join(', ') || '—'}); fast-track SQLs ${p.fastTrackSqls}`,
    `MQL→SQL ${pct(p.mqlToSql.rate)} (${p.mqlToSql.count}/${p.mqlToSql.of}); SQL→Briefing ${pct(p.sqlToBriefing.rate)} (${p.sqlToBriefing.count}/${p.sqlToBriefing.of}); median days MQL→SQL ${p.medianDaysMqlToSql ?? 'n/a'}`,
    `marketing-influenced SQLs ${pct(p.marketingInfluenced.rate)} (${p.marketingInfluenced.count}/${p.marketingInfluenced.of})`,
    `SLA compliance ${pct(r.sla.overall.compliance)}: ${r.sla.overall.met} met, ${r.sla.overall.breached} breached, ${r.sla.overall.open} open`,
    `CRO overrides ${o.month} to date: ${o.overrides}/${o.classifications} classifications = ${pct(o.rate)}${o.above ? ' ABOVE the 10% line' : ''}`,
    ...o.list.filter((x) => x.inWeek).map((x) => `  override ${x.at} ${x.account} ${x.gate} by ${x.by}: "${x.justification}" (compensating: ${x.compensatingSignals.join('; ')})`),
    `stale SQLs due within the window: ${r.staleSqls.length}`,
    ...r.staleSqls.map((s) => `  ${s.account} regresses ${s.dueAt} (${s.daysLeft} days)`),
    ...(r.approvals ? approvalsText(r.approvals) : []),
    ...(r.sequences ? sequencesText(r.sequences) : []),
    ...r.alerts.filter((a) => a.holds).map((a) => `ALERT ${a.title}: ${a.detail}`),
  ];
}

const who = (role: 'cmo' | 'cro') => (role === 'cmo' ? 'the CMO' : 'the CRO');
const subject = (x: { kind: string; id: string; template: string }) => (x.kind === 'recipients' ? `${x.id} for ${x.template}` : x.id);

/** The "Email approvals (HO 5.4)" lines. */
export function approvalsText(a: ApprovalsSection): string[] {
  const late = a.pending.filter((p) => p.slaBreached).length;
  const escalated = a.pending.filter((p) => p.escalated).length;
  const c = a.capacity;
  const t = a.sequenceTypes;
  return [
    `email approvals (HO 5.4) as of ${a.asOf}: ${a.pending.length} waiting (${late} past the 1-business-day SLA, ${escalated} past 48 hours)`,
    ...a.pending.map((p) => `  ${subject(p)} ${STEP_LABELS[p.step]} waits for ${who(p.waitsFor)} since ${p.since}; SLA due ${p.slaDueAt}${p.slaBreached ? ' MISSED' : ''}; escalates ${p.escalateAt}${p.escalated ? ' ESCALATED' : ''}`),
    `approval SLAs due this week: ${APPROVAL_STEPS.map((s) => `${STEP_LABELS[s]} ${a.steps[s].sla.met} met, ${a.steps[s].sla.missed} missed, ${a.steps[s].sla.open} open`).join('; ')}`,
    `  decided this week (median business hours): ${APPROVAL_STEPS.map((s) => `${STEP_LABELS[s]} ${a.steps[s].decided} (${a.steps[s].medianBusinessHours ?? 'n/a'})`).join('; ')}`,
    ...a.misses.map((m) => `  missed SLA: ${subject(m)} ${STEP_LABELS[m.step]} due ${m.dueAt}, ${m.decidedAt ? `${m.decision} ${m.decidedAt}` : 'still waiting'}`),
    ...a.escalations.map((m) => `  escalated to chief.staff: ${subject(m)} ${STEP_LABELS[m.step]} at ${m.dueAt}, ${m.decidedAt ? `${m.decision} ${m.decidedAt}` : 'still waiting'}`),
    `approvals completed this week: ${a.completed.length}`,
    ...a.completed.map((x) => `  ${subject(x)} (${x.sequence}) approved ${x.approvedAt} by ${x.by}: ${x.businessHours} business hours from ${x.kind === 'template' ? 'first submission' : 'proposal'}${x.kind === 'template' ? `, ${x.rounds} round(s)` : ''}`),
    `capacity review (${c.threshold}+ missed approval SLAs within ${c.windowDays} days): ${c.roles.map((r) => `${r.role} ${r.misses}`).join(', ')}${c.review ? ` → ${c.roles.filter((r) => r.review).map((r) => r.role).join(', ')}` : ' → none'}`,
    `sequence types in use: ${t.count} (${t.inUse.map((u) => u.sequence).join(', ') || 'none'}) against the ceiling of ${t.ceiling}${t.capacityReview ? `; ${t.reviewAt}+: CAPACITY REVIEW` : t.aboveCeiling ? '; ABOVE the ceiling' : ''}`,
  ];
}
