// The weekly report as one self-contained HTML page: inline CSS, inline SVG (the lifecycle diagram from
// the machine, the charts), a few lines of inline JS and the report's JSON. A Content-Security-Policy
// forbids every request, so the page cannot reach the network even by mistake.
import type { AnyStateMachine } from 'xstate';
import type { RulesConfig } from '../../machines/rules/config.js';
import { esc, toDot } from '../diagram/dot.js';
import { ladderGraph } from '../diagram/model.js';
import { inlineSvg, renderSvg } from '../diagram/render.js';
import { approvalsSection } from './approvals-html.js';
import { columnChart, gauge, hbarChart, stackedBar } from './charts.js';
import { metric, table } from './html-parts.js';
import { sequencesSection } from './sequences-html.js';
import type { Ratio, SlaKindSummary, WeeklyReport } from './metrics.js';

const pct = (r: number | null) => (r === null ? 'n/a' : `${(Math.round(r * 1000) / 10).toFixed(1)}%`);
const num = (x: number | null, unit = '') => (x === null ? 'n/a' : `${x.toFixed(1)}${unit}`);
const day = (iso: string) => iso.slice(0, 10);
const ratioText = (r: Ratio) => `${r.count} of ${r.of}`;
const human = (state: string) => state.replace('.', ': ');

export async function lifecycleSvg(machine: AnyStateMachine, rules: RulesConfig, report: WeeklyReport): Promise<string> {
  const graph = ladderGraph(machine, rules);
  return inlineSvg(await renderSvg(toDot(graph, { counts: report.stages, compact: true })));
}

function slaRow(kind: string, s: SlaKindSummary): string[] {
  return [esc(kind), String(s.due), String(s.met), String(s.breached), String(s.open), esc(pct(s.compliance))];
}

export function renderReportHtml(report: WeeklyReport, diagramSvg: string, meta: { db: string; now: string }): string {
  const p = report.pipeline;
  const o = report.overrides;
  const holding = report.alerts.filter((a) => a.holds);
  const stageRows = Object.entries(report.stages);
  const sections: string[] = [];

  sections.push(`<section id="alerts"><h2>Alerts (HO 7)</h2>
${holding.length ? '' : '<p class="ok-line">No escalation condition holds this week.</p>'}
<ul class="alerts">${report.alerts.map((a) => `<li class="${a.holds ? 'holds' : 'clear'}" data-alert="${a.id}" data-holds="${a.holds}"><span class="badge">${a.holds ? 'HOLDS' : 'clear'}</span> <b>${esc(a.title)}</b><br><span class="detail">${esc(a.detail)}</span></li>`).join('')}</ul></section>`);

  sections.push(`<section id="summary"><h2>The week in numbers (HO 6.1)</h2><div class="cards">
${metric('new-mqls', 'New MQLs', String(p.newMqls), `${p.fastTrackSqls} more fast-tracked straight to SQL`)}
${metric('mql-to-sql', 'MQL → SQL', pct(p.mqlToSql.rate), ratioText(p.mqlToSql), p.mqlToSql.rate !== null && p.mqlToSql.rate < report.thresholds.sqlConversionFloor ? 'warn' : 'plain')}
${metric('sql-to-briefing', 'SQL → Briefing', pct(p.sqlToBriefing.rate), ratioText(p.sqlToBriefing))}
${metric('median-days-mql-to-sql', 'Median days MQL → SQL', num(p.medianDaysMqlToSql), `over ${p.mqlToSql.count} conversion(s)`)}
${metric('marketing-influenced', 'Marketing-influenced SQLs', pct(p.marketingInfluenced.rate), ratioText(p.marketingInfluenced))}
${metric('sla-compliance', 'SLA compliance', pct(report.sla.overall.compliance), `${report.sla.overall.breached} breach(es), ${report.sla.overall.open} open`, report.sla.overall.breached ? 'warn' : 'ok')}
${metric('override-rate', `Override rate, ${o.month}`, pct(o.rate), `${o.overrides} of ${o.classifications} classifications`, o.above ? 'warn' : 'ok')}
</div></section>`);

  sections.push(`<section id="lifecycle"><h2>The ladder now: accounts per stage</h2>
<p class="note">Drawn from the machine definition; each box shows how many accounts stood in it at ${esc(report.asOf)}.</p>
<div class="diagram" id="diagram" title="click to zoom">${diagramSvg}</div>
${table(['stage', 'accounts'], stageRows.map(([s, n]) => [esc(human(s)), `<span data-count>${n}</span>`]), stageRows.map(([s]) => `data-stage="${esc(s)}"`))}
</section>`);

  const attribution = Object.entries(p.firstTouch).map(([code, n]) => ({ label: code, value: n }));
  sections.push(`<section id="pipeline"><h2>Pipeline: conversion and attribution</h2>
<div class="charts">
${hbarChart('First-touch attribution of the week\'s new MQLs', attribution, { color: '#7c3aed' })}
${columnChart('New MQLs per week', report.trend.map((w) => ({ label: w.week.slice(5), value: w.newMqls })), { color: '#2563eb', line: { value: report.thresholds.mqlThreshold, label: `alert below ${report.thresholds.mqlThreshold} (HO 7)` } })}
${columnChart('MQL → SQL conversion per week', report.trend.map((w) => ({ label: w.week.slice(5), value: w.mqlToSql.rate })), { color: '#0f766e', percent: true, line: { value: report.thresholds.sqlConversionFloor, label: `${pct(report.thresholds.sqlConversionFloor)} line (HO 7)` } })}
${columnChart('SQL → Briefing conversion per week', report.trend.map((w) => ({ label: w.week.slice(5), value: w.sqlToBriefing.rate })), { color: '#d97706', percent: true })}
</div>
${table(['metric', 'value', 'counts'], [
    ['New MQLs', `<span data-metric="new-mqls-table">${p.newMqls}</span>`, esc(p.newMqlAccounts.join(', ') || '—')],
    ['Fast-track SQLs (skipped MQL)', String(p.fastTrackSqls), ''],
    ['MQL → SQL conversion', esc(pct(p.mqlToSql.rate)), esc(ratioText(p.mqlToSql))],
    ['SQL → Briefing conversion', esc(pct(p.sqlToBriefing.rate)), esc(ratioText(p.sqlToBriefing))],
    ['Median days MQL → SQL', esc(num(p.medianDaysMqlToSql)), ''],
    ['Marketing-influenced SQLs', esc(pct(p.marketingInfluenced.rate)), esc(ratioText(p.marketingInfluenced))],
  ])}
</section>`);

  sections.push(`<section id="sla"><h2>SLA compliance (HO 4.2-4.3, business days)</h2>
${stackedBar('All SLA cases due this week', [
    { label: 'met', value: report.sla.overall.met, color: '#0f766e' },
    { label: 'breached', value: report.sla.overall.breached, color: '#b91c1c' },
    { label: 'open', value: report.sla.overall.open, color: '#9ca3af' },
  ])}
${table(['SLA', 'due', 'met', 'breached', 'open', 'compliance'], [
    slaRow('MQL classification within 1 business day of the signal', report.sla.classification),
    slaRow('SQL dossier within 1 business day', report.sla.dossier),
    slaRow('CRO review within 1 business day (same day for E8)', report.sla.review),
  ])}
<h3>Breaches</h3>
${table(['account', 'SLA', 'deadline', 'how'], report.sla.breaches.map((b) => [esc(b.account), esc(b.kind), esc(b.dueAt), esc(b.how)]))}
</section>`);

  sections.push(`<section id="overrides"><h2>CRO override audit (HO 3.6)</h2>
${gauge(`Override rate, ${o.month} to ${day(o.to)}`, o.rate, o.ceiling)}
<p>${o.overrides} override(s) against ${o.classifications} classification(s) (PROSPECT/ARCHIVED → MQL or fast-track SQL) this month to date: ${esc(pct(o.rate))}${o.above ? ' — <b class="bad">above the 10% line: gate calibration review</b>' : ' — within the 10% line'}.</p>
${table(['when', 'account', 'who', 'gate', 'justification', 'compensating signals', 'result', 'this week'], o.list.map((x) => [
    esc(x.at), esc(x.account), esc(x.by), esc(x.gate), esc(x.justification), esc(x.compensatingSignals.join('; ')), esc(`${x.from} → ${x.to}`), x.inWeek ? 'yes' : '',
  ]), o.list.map((x) => `data-override="${esc(x.account)}"`))}
</section>`);

  sections.push(`<section id="stale"><h2>Stale SQLs close to their 30-day regression (HO 3.5)</h2>
${table(['account', 'name', 'state', 'regresses to MQL at', 'days left'], report.staleSqls.map((s) => [
    esc(s.account), esc(s.name), esc(human(s.state)), esc(s.dueAt), s.daysLeft < 0 ? `<b class="bad">${s.daysLeft} (overdue: run the sweep)</b>` : String(s.daysLeft),
  ]))}
</section>`);

  const tis = Object.entries(report.timeInStage);
  sections.push(`<section id="time-in-stage"><h2>Time in stage (stays that ended this week)</h2>
<div class="charts">
${hbarChart('Median days in stage', tis.map(([s, d]) => ({ label: human(s), value: d.medianDays, caption: `(n=${d.n})` })), { color: '#0f766e', unit: ' d' })}
${hbarChart('90th percentile days in stage', tis.map(([s, d]) => ({ label: human(s), value: d.p90Days })), { color: '#d97706', unit: ' d' })}
</div>
${table(['stage', 'stays', 'median days', 'p90 days'], tis.map(([s, d]) => [esc(human(s)), String(d.n), esc(num(d.medianDays)), esc(num(d.p90Days))]), tis.map(([s]) => `data-stage="${esc(s)}"`))}
</section>`);

  if (report.approvals) sections.push(approvalsSection(report.approvals));
  if (report.sequences) sections.push(sequencesSection(report.sequences));

  sections.push(`<section id="definitions"><h2>Definitions</h2><ul class="defs">
<li><b>Week</b>: ISO week ${esc(report.week)}, ${esc(report.start)} to ${esc(report.end)} (UTC); numbers stop at ${esc(report.asOf)}.</li>
<li><b>New MQLs</b>: accounts classified PROSPECT/ARCHIVED → MQL in the week. <b>First touch</b>: the E-signal the machine recorded at the account's first classification.</li>
<li><b>MQL → SQL</b>: accounts moving MQL → SQL in the week ÷ accounts that were MQL at the start of the week or entered MQL during it. <b>SQL → Briefing</b>: the same for SQL → BRIEFING_READY.</li>
<li><b>Marketing-influenced</b>: share of the week's SQL entries whose account had logged a standard signal (E1, E2, E5, E9) at or before entering SQL.</li>
<li><b>SLA</b>: cases whose deadline falls in the week; met when handled by the deadline (business days, configured holidays excluded).</li>
<li><b>Override rate</b>: CRO overrides ÷ classifications (PROSPECT/ARCHIVED → MQL or fast-track SQL) in the calendar month of the week's Thursday, to date.</li>
<li>Full definitions: <code>docs/report.md</code>.</li></ul></section>`);

  const json = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ladder weekly audit ${esc(report.week)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>Weekly pipeline audit — ${esc(report.week)}</h1>
<p>${esc(day(report.start))} to ${esc(day(new Date(Date.parse(report.end) - 1).toISOString()))} (UTC) · as of ${esc(report.asOf)} · ${holding.length} alert(s) holding · database <code>${esc(meta.db)}</code></p>
<nav>${['alerts', 'summary', 'lifecycle', 'pipeline', 'sla', 'overrides', 'stale', 'time-in-stage', ...(report.approvals ? ['approvals'] : []), ...(report.sequences ? ['sequences'] : []), 'definitions'].map((id) => `<a href="#${id}">${id.replace(/-/g, ' ')}</a>`).join(' · ')}</nav>
</header>
<main>
${sections.join('\n')}
</main>
<script type="application/json" id="report-data">${json}</script>
<script>${JS}</script>
</body>
</html>
`;
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 Helvetica, Arial, sans-serif; color: #111827; background: #f3f4f6; }
header { background: #111827; color: #f9fafb; padding: 18px 28px 12px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0 0 8px; color: #d1d5db; }
header code { color: #fde68a; }
nav a { color: #93c5fd; text-decoration: none; text-transform: capitalize; }
main { max-width: 1180px; margin: 0 auto; padding: 12px 20px 40px; }
section { background: #fff; border-radius: 10px; padding: 14px 20px 18px; margin: 16px 0; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
h2 { font-size: 17px; margin: 4px 0 12px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; }
.card { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px; border-top: 4px solid #6b7280; }
.card.ok { border-top-color: #0f766e; } .card.warn { border-top-color: #b91c1c; }
.card .label { color: #4b5563; font-size: 12px; } .card .value { font-size: 26px; font-weight: bold; } .card .sub { color: #6b7280; font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin-top: 10px; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { background: #f9fafb; font-weight: 600; }
td.none { color: #6b7280; font-style: italic; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 10px; }
svg.chart { max-width: 100%; height: auto; }
.diagram { overflow: auto; border: 1px solid #e5e7eb; border-radius: 8px; cursor: zoom-in; }
.diagram svg { width: 100%; height: auto; display: block; }
.diagram.zoomed { cursor: zoom-out; } .diagram.zoomed svg { width: auto; max-width: none; }
ul.alerts { list-style: none; padding: 0; margin: 0; }
ul.alerts li { padding: 8px 10px; border-radius: 6px; margin: 6px 0; background: #f9fafb; }
ul.alerts li.holds { background: #fef2f2; border-left: 4px solid #b91c1c; }
ul.alerts li.clear { border-left: 4px solid #0f766e; color: #374151; }
.badge { display: inline-block; font-size: 11px; font-weight: bold; padding: 1px 6px; border-radius: 4px; background: #0f766e; color: #fff; }
li.holds .badge { background: #b91c1c; }
.detail { color: #4b5563; font-size: 12px; }
.bad { color: #b91c1c; } .ok-line { color: #0f766e; font-weight: bold; }
.note { color: #4b5563; font-size: 12px; margin: 0 0 8px; }
ul.defs li { margin: 4px 0; }
`;

/** Click the diagram to see it at full size; nothing else needs script. */
const JS = `document.getElementById('diagram').addEventListener('click', function () { this.classList.toggle('zoomed'); });`;
