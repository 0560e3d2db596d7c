// The report page's "Email approvals (HO 5.4)" section: plain HTML tables and cards, every value escaped.
import { esc } from '../diagram/dot.js';
import { APPROVAL_STEPS, STEP_LABELS, type ApprovalMiss, type ApprovalsSection } from './approvals.js';
import { metric, table } from './html-parts.js';

const who = (role: 'cmo' | 'cro') => (role === 'cmo' ? 'CMO' : 'CRO');
const subject = (x: { kind: string; id: string; template: string }) =>
  x.kind === 'recipients' ? `${esc(x.id)} <span class="detail">for ${esc(x.template)}</span>` : esc(x.id);
const outcome = (m: ApprovalMiss) => (m.decidedAt ? esc(`${m.decision} ${m.decidedAt}`) : '<b class="bad">still waiting</b>');

export function approvalsSection(a: ApprovalsSection): string {
  const late = a.pending.filter((p) => p.slaBreached).length;
  const past48 = a.pending.filter((p) => p.escalated).length;
  const due = APPROVAL_STEPS.reduce((n, s) => n + a.steps[s].sla.due, 0);
  const c = a.capacity;
  const t = a.sequenceTypes;
  return `<section id="approvals"><h2>Email approvals (HO 5.4)</h2>
<p class="note">Each review step has a 1-business-day SLA and escalates to chief.staff past 48 hours (HO 5.4.4). Waiting steps as of ${esc(a.asOf)}; times to decide in business hours (24 per business day, weekends and holidays not counted).</p>
<div class="cards">
${metric('approvals-pending', 'Approvals waiting', String(a.pending.length), `${late} past the SLA, ${past48} past 48 hours`, late ? 'warn' : 'ok')}
${metric('approvals-missed', 'Approval SLAs missed this week', String(a.misses.length), `of ${due} due this week`, a.misses.length ? 'warn' : 'ok')}
${metric('approvals-escalated', 'Escalated to chief.staff this week', String(a.escalations.length), 'steps past 48 hours', a.escalations.length ? 'warn' : 'ok')}
${metric('approvals-completed', 'Approvals completed this week', String(a.completed.length), 'template versions and recipient lists')}
${metric('sequence-types', 'Sequence types in use', `${t.count} of ${t.ceiling}`, `capacity review at ${t.reviewAt}+ (HO 9)`, t.aboveCeiling ? 'warn' : 'ok')}
</div>
<h3>Waiting now, most urgent first</h3>
${table(['what', 'step', 'waits for', 'since', 'SLA due', 'escalates at', 'status'], a.pending.map((p) => [
    subject(p), esc(STEP_LABELS[p.step]), who(p.waitsFor), esc(p.since), esc(p.slaDueAt), esc(p.escalateAt),
    p.escalated ? '<b class="bad">escalated to chief.staff</b>' : p.slaBreached ? '<b class="bad">SLA missed</b>' : `within SLA (${p.waitedBusinessHours} business h)`,
  ]), a.pending.map((p) => `data-pending="${esc(p.id)}" data-breached="${p.slaBreached}" data-escalated="${p.escalated}"`))}
<h3>Approval SLAs due this week, per step</h3>
${table(['step', 'due', 'met', 'missed', 'open', 'escalated', 'decided', 'approved', 'sent back', 'median business hours to decide'], APPROVAL_STEPS.map((s) => {
    const w = a.steps[s];
    return [esc(w.label), String(w.sla.due), String(w.sla.met), String(w.sla.missed), String(w.sla.open), String(w.escalated), String(w.decided), String(w.approved), String(w.returned), w.medianBusinessHours === null ? 'n/a' : String(w.medianBusinessHours)];
  }), APPROVAL_STEPS.map((s) => `data-step="${s}"`))}
<h3>Missed SLAs this week</h3>
${table(['what', 'step', 'waiting since', 'SLA due', 'outcome'], a.misses.map((m) => [subject(m), esc(STEP_LABELS[m.step]), esc(m.since), esc(m.dueAt), outcome(m)]), a.misses.map((m) => `data-miss="${esc(m.id)}"`))}
<h3>Escalated to chief.staff this week (past 48 hours)</h3>
${table(['what', 'step', 'waiting since', 'escalated at', 'outcome'], a.escalations.map((m) => [subject(m), esc(STEP_LABELS[m.step]), esc(m.since), esc(m.dueAt), outcome(m)]), a.escalations.map((m) => `data-escalation="${esc(m.id)}"`))}
<h3>Approvals completed this week</h3>
${table(['what', 'sequence type', 'approved at', 'by', 'from', 'business hours', 'rounds'], a.completed.map((x) => [
    subject(x), esc(x.sequence), esc(x.approvedAt), esc(x.by), esc(x.submittedAt), String(x.businessHours), String(x.rounds),
  ]), a.completed.map((x) => `data-completed="${esc(x.id)}"`))}
<h3>Capacity (HO 5.4.4, 5.1, 9)</h3>
<p>Repeated SLA misses: ${c.threshold} or more missed approval SLAs within ${c.windowDays} days put the approver on a capacity review${c.review ? ` — <b class="bad">capacity review: ${esc(c.roles.filter((r) => r.review).map((r) => r.role).join(', '))}</b>` : ' — nobody is there'}.</p>
${table(['approver', `missed SLAs, ${c.from.slice(0, 10)} to ${c.to.slice(0, 10)}`, 'capacity review'], c.roles.map((r) => [r.role, String(r.misses), r.review ? '<b class="bad">yes</b>' : 'no']), c.roles.map((r) => `data-role="${r.role}"`))}
<p data-sequence-types="${t.count}">Sequence types in active rotation (an approved version): <b>${t.count}</b> against the sustainable ceiling of ${t.ceiling} (HO 5.1)${t.capacityReview ? ` — <b class="bad">${t.reviewAt}+: capacity review for category.positioning (HO 9)</b>` : t.aboveCeiling ? ' — <b class="bad">above the ceiling</b>' : ''}.</p>
${table(['sequence type', 'approved versions'], t.inUse.map((u) => [esc(u.sequence), esc(u.versions.join(', '))]), t.inUse.map((u) => `data-type="${esc(u.sequence)}"`))}
</section>`;
}
