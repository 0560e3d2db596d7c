// The "Email sequences (HO 5.5, 5.6)" lines of `ladder report` in the terminal.
import { REPLY_CATEGORIES } from '../../machines/sequence-config.js';
import type { SequencesSection } from './sequences.js';

const pct = (r: number | null) => (r === null ? 'n/a' : `${(Math.round(r * 1000) / 10).toFixed(1)}%`);

export function sequencesText(x: SequencesSection): string[] {
  const t = x.touches;
  const b = x.bounce;
  const sla = x.sla.overall;
  return [
    `email sequences (HO 5.5, 5.6) as of ${x.asOf}: ${t.sent} sent, ${t.bounced} bounced, ${t.cancelled} cancelled, ${t.rolled} rolled (${t.rolls} moves), ${t.waiting} waiting, ${t.unrecorded} with no outcome yet`,
    `  sends per day (taken/cap): ${x.days.map((d) => `${d.day.slice(5)} ${d.businessDay ? `${d.taken}/${d.cap}${d.overCap ? ' OVER' : ''}` : '—'}${d.paused ? ' paused' : ''}`).join(', ')}`,
    `  bounce rate over ${b.windowDays} days: ${pct(b.rate)} (${b.bounced}/${b.sends}; pause over ${pct(b.maxRate)})${x.pausedAtCutoff ? '; SENDING PAUSED' : ''}`,
    `  reply rate: ${x.replyRate.bySequence.map((r) => `${r.sequence} ${pct(r.rate)} (${r.count}/${r.of})`).join(', ')}`,
    ...x.replyRate.byTemplate.map((r) => `    ${r.template} ${pct(r.rate)} (${r.count}/${r.of})`),
    `  replies by category: ${REPLY_CATEGORIES.map((c) => `${c} ${x.replies.byCategory[c]}`).join(', ')}`,
    `  reply SLAs (tasks opened this week): ${sla.met} in time, ${sla.breached} breached, ${sla.open} open = ${pct(sla.compliance)}`,
    ...x.sla.breaches.map((r) => `    breached: ${r.account} task ${r.task} (${r.category ?? r.kind}) due ${r.dueAt}, ${r.doneAt ? `done ${r.doneAt}` : r.how === 'overdue' ? 'overdue (run the sweep)' : 'not done'}`),
    ...(x.objections.length ? [`  objections: ${x.objections.map((o) => `${o.type} ${o.count}`).join(', ')}`] : []),
  ];
}
