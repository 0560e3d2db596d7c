// The report page's "Email sequences (HO 5.5, 5.6)" section: cards, inline SVG charts and plain tables, every
// value escaped. The sends-per-day chart is drawn here: each day's cap changes with the warm-up, so its reference
// line is a step per day, which the shared column chart (one line for all columns) cannot draw.
import { REPLY_CATEGORIES } from '../../machines/sequence-config.js';
import { esc } from '../diagram/dot.js';
import { hbarChart, stackedBar } from './charts.js';
import { metric, table } from './html-parts.js';
import type { SendDay, SequencesSection, SlaRow } from './sequences.js';

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const pct = (r: number | null) => (r === null ? 'n/a' : `${(Math.round(r * 1000) / 10).toFixed(1)}%`);
const weekday = (day: string) => ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][new Date(`${day}T00:00:00Z`).getUTCDay()]!;

/** Touches taken per day as columns (sent, bounced, not yet recorded), the day's cap as a red step. */
export function capChart(title: string, days: readonly SendDay[], width = 520): string {
  const height = 220;
  const left = 34, right = 10, top = 30, bottom = 40;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...days.map((d) => Math.max(d.cap, d.taken))) * 1.15;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const slot = (width - left - right) / Math.max(1, days.length);
  const cols = days.map((d, i) => {
    const x = left + i * slot + slot * 0.2;
    const w = slot * 0.6;
    const parts = [
      { n: d.sent, color: '#0f766e' }, { n: d.bounced, color: '#b91c1c' }, { n: Math.max(0, d.taken - d.sent - d.bounced), color: '#9ca3af' },
    ];
    let base = 0;
    const rects = parts.filter((p) => p.n > 0).map((p) => {
      const r = `<rect x="${x.toFixed(1)}" y="${y(base + p.n).toFixed(1)}" width="${w.toFixed(1)}" height="${(y(base) - y(base + p.n)).toFixed(1)}" fill="${p.color}"/>`;
      base += p.n;
      return r;
    }).join('');
    const cap = d.businessDay
      ? `<line x1="${(x - slot * 0.1).toFixed(1)}" y1="${y(d.cap).toFixed(1)}" x2="${(x + w + slot * 0.1).toFixed(1)}" y2="${y(d.cap).toFixed(1)}" stroke="#b91c1c" stroke-width="2" stroke-dasharray="4 2"/>`
      : '';
    const label = `<text x="${(x + w / 2).toFixed(1)}" y="${height - bottom + 14}" text-anchor="middle" font-size="10" ${FONT} fill="#4b5563">${esc(`${weekday(d.day)} ${d.day.slice(5)}`)}</text>`
      + `<text x="${(x + w / 2).toFixed(1)}" y="${height - bottom + 27}" text-anchor="middle" font-size="10" ${FONT} fill="${d.overCap ? '#b91c1c' : '#6b7280'}">${esc(d.businessDay ? `${d.taken} / ${d.cap}` : 'no sends')}</text>`;
    return `<g data-day="${d.day}" data-taken="${d.taken}" data-cap="${d.cap}">${rects}${cap}${label}</g>`;
  }).join('');
  const axis = `<line x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}" stroke="#9ca3af"/>`;
  const legend = [['sent', '#0f766e'], ['bounced', '#b91c1c'], ['no outcome yet', '#9ca3af']].map(([l, c], i) =>
    `<rect x="${10 + i * 110}" y="20" width="9" height="9" fill="${c}"/><text x="${23 + i * 110}" y="28" font-size="10" ${FONT} fill="#374151">${l}</text>`).join('')
    + `<line x1="340" y1="24" x2="360" y2="24" stroke="#b91c1c" stroke-width="2" stroke-dasharray="4 2"/><text x="364" y="28" font-size="10" ${FONT} fill="#b91c1c">the day's cap (HO 5.5)</text>`;
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${esc(title)}</title>`
    + `<text x="10" y="14" font-size="13" font-weight="bold" ${FONT} fill="#111827">${esc(title)}</text>${legend}${axis}${cols}</svg>`;
}

const slaCells = (r: SlaRow) => [esc(r.sla), String(r.opened), String(r.met), String(r.breached), String(r.open), esc(pct(r.compliance))];

export function sequencesSection(x: SequencesSection): string {
  const t = x.touches;
  const b = x.bounce;
  const all = x.replyRate.bySequence.reduce((a, r) => ({ count: a.count + r.count, of: a.of + r.of }), { count: 0, of: 0 });
  return `<section id="sequences"><h2>Email sequences (HO 5.5, 5.6)</h2>
<p class="note">Touches, replies and tasks up to ${esc(x.asOf)}. Warm-up from ${esc(x.warmupStart ?? 'the first day a touch is taken')}; caps and SLAs are the settings in force.</p>
<div class="cards">
${metric('touches-sent', 'Touches sent', String(t.sent), `${t.bounced} bounced, ${t.cancelled} cancelled, ${t.rolled} rolled`)}
${metric('bounce-rate', `Bounce rate, last ${b.windowDays} days`, pct(b.rate), `${b.bounced} of ${b.sends}; pause over ${pct(b.maxRate)} (${b.minSends}+ sends)`, b.over ? 'warn' : 'ok')}
${metric('replies', 'Replies', String(x.replies.total), `${x.replies.total - x.replies.byCategory.ooo - x.replies.byCategory['no-response']} written by a person`)}
${metric('reply-sla', 'Reply SLA compliance', pct(x.sla.overall.compliance), `${x.sla.overall.breached} breached, ${x.sla.overall.open} open of ${x.sla.overall.opened} opened`, x.sla.breaches.length ? 'warn' : 'ok')}
${metric('sev2-sends', 'Sends to suppressed contacts', String(x.sev2.length), 'SEV2 (HO 7)', x.sev2.length ? 'warn' : 'ok')}
</div>
<h3>Sends per day against the cap</h3>
<div class="charts">
${capChart('Touches taken per day and the warm-up cap', x.days)}
${hbarChart('Replies by category (HO 5.6)', REPLY_CATEGORIES.map((c) => ({ label: c, value: x.replies.byCategory[c] })), { color: '#7c3aed' })}
</div>
${table(['day', 'warm-up week', 'cap', 'taken', 'sent', 'bounced', 'status'], x.days.map((d) => [
    esc(`${weekday(d.day)} ${d.day}`), String(d.warmupWeek), d.businessDay ? String(d.cap) : '0 (no sends: weekend or holiday)', d.overCap ? `<b class="bad">${d.taken}</b>` : String(d.taken),
    String(d.sent), String(d.bounced), d.paused ? '<b class="bad">sending paused</b>' : d.overCap ? '<b class="bad">over the cap</b>' : '',
  ]), x.days.map((d) => `data-day="${d.day}"`))}
${table(['touches this week', 'count'], [
    ['taken by a day\'s plan', `<span data-touches="taken">${t.taken}</span>`],
    ['sent', `<span data-touches="sent">${t.sent}</span>`],
    ['bounced', `<span data-touches="bounced">${t.bounced}</span>`],
    ['cancelled (a reply, a stage change, suppression)', `<span data-touches="cancelled">${t.cancelled}</span>`],
    ['rolled to a later day (due this week; moves)', `<span data-touches="rolled">${t.rolled}</span> (${t.rolls})`],
    [`due by ${esc(x.asOf)}, not yet taken`, `<span data-touches="waiting">${t.waiting}</span>`],
    ['taken, no outcome recorded yet', `<span data-touches="unrecorded">${t.unrecorded}</span>`],
  ])}
<h3>Deliverability (HO 5.5)</h3>
<p data-bounce-rate="${b.rate ?? ''}">Bounce rate ${esc(b.from)} to ${esc(b.to)}: <b>${esc(pct(b.rate))}</b> (${b.bounced} bounced of ${b.sends} sent or bounced)${b.over ? ' — <b class="bad">over the line</b>' : ` — within ${esc(pct(b.maxRate))}`}; ${x.pausedAtCutoff ? '<b class="bad">sending is paused</b>' : 'sending'} at ${esc(x.asOf)}.</p>
${table(['paused at', 'rate', 'bounced / sends', 'window', 'resumed', 'by', 'reason'], x.pauses.map((p) => [
    esc(p.at), esc(pct(p.rate)), `${p.bounced} / ${p.sends}`, `${p.windowDays} days`, p.resumedAt ? esc(p.resumedAt) : '<b class="bad">not yet</b>', esc(p.resumedBy ?? ''), esc(p.reason ?? ''),
  ]), x.pauses.map((p) => `data-pause="${esc(p.at)}"`))}
<h3>Reply rate per sequence</h3>
<p>All sequences together (each sequence's counts summed): ${all.count} replying of ${all.of} sent a touch this week.</p>
${table(['sequence', 'accounts sent a touch', 'accounts that replied', 'replies', 'reply rate'], x.replyRate.bySequence.map((r) => [
    esc(r.sequence), String(r.of), String(r.count), String(r.replies), esc(pct(r.rate)),
  ]), x.replyRate.bySequence.map((r) => `data-sequence="${esc(r.sequence)}" data-rate="${r.rate ?? ''}"`))}
<h3>Reply rate per template version</h3>
${table(['template version', 'sequence', 'accounts sent it', 'accounts that replied to it', 'replies', 'reply rate'], x.replyRate.byTemplate.map((r) => [
    esc(r.template), esc(r.sequence), String(r.of), String(r.count), String(r.replies), esc(pct(r.rate)),
  ]), x.replyRate.byTemplate.map((r) => `data-template="${esc(r.template)}" data-rate="${r.rate ?? ''}"`))}
<h3>Replies by category</h3>
${table(['category', 'replies', 'SLA'], REPLY_CATEGORIES.map((c) => [esc(c), String(x.replies.byCategory[c]), esc(x.sla.byCategory[c].sla)]), REPLY_CATEGORIES.map((c) => `data-category="${c}" data-count="${x.replies.byCategory[c]}"`))}
<h3>Response SLAs: tasks opened this week (HO 5.6)</h3>
${stackedBar('Reply tasks opened this week', [
    { label: 'done in time', value: x.sla.overall.met, color: '#0f766e' },
    { label: 'breached', value: x.sla.overall.breached, color: '#b91c1c' },
    { label: 'open', value: x.sla.overall.open, color: '#9ca3af' },
  ])}
${table(['handler task', 'SLA', 'opened', 'done in time', 'breached', 'open', 'compliance'], [
    ...REPLY_CATEGORIES.map((c) => [esc(c), ...slaCells(x.sla.byCategory[c])]),
    ['CRO\'s own tasks (HO 5.2)', ...slaCells(x.sla.croTasks)],
    ['<b>all</b>', '', ...slaCells(x.sla.overall).slice(1)],
  ], [...REPLY_CATEGORIES.map((c) => `data-sla="${c}"`), 'data-sla="cro-tasks"', 'data-sla="all"'])}
<h3>SLAs breached this week</h3>
${table(['account', 'task', 'for', 'opened', 'due', 'how'], x.sla.breaches.map((r) => [
    esc(r.account), esc(`${r.task} (${r.category ?? r.kind})`), r.role === 'cro' ? 'CRO' : esc(r.role), esc(r.openedAt), esc(r.dueAt),
    r.how === 'overdue' ? '<b class="bad">overdue, not yet flagged (run the sweep)</b>' : r.doneAt ? esc(`${r.how}; done ${r.doneAt}`) : esc(`${r.how}; not done`),
  ]), x.sla.breaches.map((r) => `data-breach="${esc(r.account)}"`))}
<h3>Objections logged (HO 5.6 #6)</h3>
${table(['objection type', 'replies', 'accounts'], x.objections.map((o) => [esc(o.type), String(o.count), esc(o.accounts.join(', '))]), x.objections.map((o) => `data-objection="${esc(o.type)}"`))}
<h3>Sends to suppressed contacts (HO 7: SEV2)</h3>
${table(['when', 'touch', 'what happened'], x.sev2.map((e) => [esc(e.at), esc(e.subject.replace(/^send:/, '')), esc(e.detail)]), x.sev2.map((e) => `data-sev2="${esc(e.subject)}"`))}
<ul class="defs">
<li><b>Taken</b>: touches the day's plan queued for the day, which the warm-up cap counts (HO 5.5); weekends and holidays take none. <b>Sent</b>, <b>bounced</b>: outcomes recorded on the day. <b>Rolled</b>: touches due this week that the cap, or one touch per account a day, moved to a later day at least once.</li>
<li><b>Bounce rate</b>: bounced ÷ (sent + bounced) recorded in the ${b.windowDays} days before ${esc(x.asOf)}, the window the pause rule watches; it pauses only over ${esc(pct(b.maxRate))} with ${b.minSends} or more sends.</li>
<li><b>Reply rate</b>: accounts that replied this week (any category but ooo and no-response, which no person wrote) while in the sequence ÷ accounts sent (not bounced) a touch of it this week. Per template version: a reply counts for the version of the newest touch of its sequence sent to the account before it.</li>
<li><b>Response SLAs</b>: the handler's task each reply opened this week (HO 5.6), done before its deadline, breached (flagged by its timer, done late, or overdue), or open with time left. Hostile and opt-out are handled by Ladder at once. The alert lists every task whose deadline fell this week and was missed.</li>
</ul>
</section>`;
}
