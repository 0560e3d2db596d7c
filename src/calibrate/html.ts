// `ladder calibrate --html FILE`: one self-contained page, like the weekly report's (src/report/html.ts): inline
// CSS and SVG charts, the numbers as JSON, and a Content-Security-Policy that forbids every request.
import { esc } from '../diagram/dot.js';
import { hbarChart } from '../report/charts.js';
import { metric, table } from '../report/html-parts.js';
import type { Ratio } from '../report/metrics.js';
import type { CalibrationReport } from './calibrate.js';
import type { OutcomeRow, Pair } from './summary.js';

const pct = (r: number | null) => (r === null ? 'n/a' : `${(Math.round(r * 1000) / 10).toFixed(1)}%`);
const ratioCell = (r: Ratio) => `${esc(pct(r.rate))} <span class="n">${r.count}/${r.of}</span>`;
const days = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)} d`);
const pair = (p: Pair<number>) => `${p.current} → ${p.alt}`;
const outcome = (o: OutcomeRow) => `<span class="n">n=${o.n}</span> SQL ${esc(pct(o.sqlRate))} · WON ${esc(pct(o.wonRate))}`;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const CURRENT = '#2563eb', ALT = '#d97706';

/** Two columns per week (current, alternative): the weekly numbers side by side, drawn as text like the report's charts. */
export function pairedColumns(title: string, points: { label: string; current: number | null; alt: number | null }[], opts: { percent?: boolean } = {}): string {
  const slot = 26;
  const left = 40, top = 34, plotH = 150, bottom = 40;
  const width = Math.max(520, left + 10 + points.length * slot);
  const height = top + plotH + bottom;
  const max = Math.max(1e-9, ...points.flatMap((p) => [p.current ?? 0, p.alt ?? 0])) * 1.1;
  const bar = (x: number, v: number | null, color: string, run: string, label: string) => {
    const h = v === null ? 0 : Math.max(v > 0 ? 1 : 0, (v / max) * plotH);
    return `<rect data-run="${run}" data-label="${esc(label)}" data-value="${v ?? ''}" x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(slot * 0.38).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"><title>${esc(`${label} ${run}: ${v === null ? 'n/a' : opts.percent ? pct(v) : v}`)}</title></rect>`;
  };
  const cols = points.map((p, i) => {
    const x = left + i * slot + slot * 0.1;
    const tick = i % Math.max(1, Math.ceil(points.length / 16)) === 0
      ? `<text x="${(x + slot * 0.4).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle" font-size="9" ${FONT} fill="#4b5563">${esc(p.label)}</text>` : '';
    return `${bar(x, p.current, CURRENT, 'current', p.label)}${bar(x + slot * 0.4, p.alt, ALT, 'alt', p.label)}${tick}`;
  });
  const legend = `<rect x="${width - 230}" y="8" width="10" height="10" fill="${CURRENT}"/><text x="${width - 216}" y="17" font-size="11" ${FONT}>rules in force</text>`
    + `<rect x="${width - 130}" y="8" width="10" height="10" fill="${ALT}"/><text x="${width - 116}" y="17" font-size="11" ${FONT}>alternative</text>`;
  const axis = `<line x1="${left}" y1="${top + plotH}" x2="${width - 10}" y2="${top + plotH}" stroke="#9ca3af"/>`
    + `<text x="${left - 4}" y="${top + 4}" text-anchor="end" font-size="9" ${FONT} fill="#6b7280">${esc(opts.percent ? pct(max) : String(Math.round(max)))}</text>`;
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${esc(title)}</title>`
    + `<text x="10" y="16" font-size="13" font-weight="bold" ${FONT} fill="#111827">${esc(title)}</text>${legend}${axis}${cols.join('')}</svg>`;
}

export function renderCalibrationHtml(r: CalibrationReport, meta: { now: string }): string {
  const s = r.summary, t = s.totals;
  const w = s.weeks.map((x) => ({ ...x, label: x.week.slice(5) }));
  const sections: string[] = [];
  const checked = r.selfCheck.accounts > 0;
  const check = r.selfCheck.mismatches === 0;
  sections.push(`<section id="summary"><h2>Over the window: rules in force → alternative</h2>
<p>Alternative rules (<code>${esc(r.rulesFile)}</code>): ${r.changes.map((c) => `<code>${esc(c)}</code>`).join(' · ')}</p>
<p class="${check ? 'ok-line' : 'bad'}" data-self-check="${checked ? check : 'not run'}">${!checked
    ? 'The rules in force: the recorded history itself (ladder calibrate --check also replays it; ladder verify --replay checks the whole database).'
    : check
    ? `Self-check: the rules in force re-derive all ${r.selfCheck.equal} recorded account logs.`
    : `Self-check failed for ${r.selfCheck.mismatches} accounts (ladder verify --replay names them): the comparison is not trustworthy.`}</p>
<div class="cards">
${metric('new-mqls', 'New MQLs', pair(t.newMqls), 'classified PROSPECT/ARCHIVED → MQL')}
${metric('sqls', 'SQLs', `${t.sqls.current.total} → ${t.sqls.alt.total}`, `dossier ${t.sqls.current.dossier}→${t.sqls.alt.dossier}, fast track ${t.sqls.current.fastTrack}→${t.sqls.alt.fastTrack}, E4 ${t.sqls.current.e4}→${t.sqls.alt.e4}`)}
${metric('median-days', 'Median days MQL → SQL', `${days(t.medianDaysMqlToSql.current)} → ${days(t.medianDaysMqlToSql.alt)}`, 'from entering MQL')}
${metric('regressions', 'Regressions', pair(t.regressions), 'no-engagement timers (HO 3.5)')}
${metric('sla-breaches', 'SLA breaches', pair(t.slaBreaches), 'dossier and CRO review (HO 4.3)')}
${metric('override-rate', 'CRO override rate', `${pct(t.overrideRate.current.rate)} → ${pct(t.overrideRate.alt.rate)}`, `${t.overrideRate.current.count}/${t.overrideRate.current.of} → ${t.overrideRate.alt.count}/${t.overrideRate.alt.of} classifications`)}
${metric('differing', 'Accounts on another path', String(r.differing.total), `of ${r.accounts}`, r.differing.total ? 'warn' : 'ok')}
${metric('refused', 'Inputs that would not have happened', String(r.refused.total), 'refused by the alternative, never forced', r.refused.total ? 'warn' : 'ok')}
</div></section>`);

  sections.push(`<section id="weekly"><h2>Week by week (HO 6.1)</h2><div class="charts">
${pairedColumns('New MQLs per week', w.map((x) => ({ label: x.label, current: x.newMqls.current, alt: x.newMqls.alt })))}
${pairedColumns('SQLs per week', w.map((x) => ({ label: x.label, current: x.sqls.current.total, alt: x.sqls.alt.total })))}
${pairedColumns('MQL → SQL conversion per week', w.map((x) => ({ label: x.label, current: x.mqlToSql.current.rate, alt: x.mqlToSql.alt.rate })), { percent: true })}
${pairedColumns('SQL → Briefing conversion per week', w.map((x) => ({ label: x.label, current: x.sqlToBriefing.current.rate, alt: x.sqlToBriefing.alt.rate })), { percent: true })}
</div>
${table(['week', 'new MQLs', 'SQLs: dossier / fast track / E4', 'MQL → SQL', 'SQL → Briefing', 'median days MQL → SQL', 'regressions', 'SLA breaches', 'override rate'],
    s.weeks.map((x) => [
      esc(x.week), esc(pair(x.newMqls)),
      esc(`${x.sqls.current.dossier}/${x.sqls.current.fastTrack}/${x.sqls.current.e4} → ${x.sqls.alt.dossier}/${x.sqls.alt.fastTrack}/${x.sqls.alt.e4}`),
      `${ratioCell(x.mqlToSql.current)} → ${ratioCell(x.mqlToSql.alt)}`, `${ratioCell(x.sqlToBriefing.current)} → ${ratioCell(x.sqlToBriefing.alt)}`,
      esc(`${days(x.medianDaysMqlToSql.current)} → ${days(x.medianDaysMqlToSql.alt)}`), esc(pair(x.regressions)), esc(pair(x.slaBreaches)),
      `${ratioCell(x.overrideRate.current)} → ${ratioCell(x.overrideRate.alt)}`,
    ]), s.weeks.map((x) => `data-week="${esc(x.week)}"`))}
</section>`);

  const kinds = Object.entries(r.differing.kinds).sort((a, b) => b[1] - a[1]);
  sections.push(`<section id="differing"><h2>Accounts whose path differs</h2>
<div class="charts">${hbarChart('Kinds of difference (end stage: current → alternative)', kinds.map(([k, n]) => ({ label: k, value: n })), { color: ALT, width: 760 })}</div>
<p>${r.differing.total} account(s) differ${r.differing.total > r.differing.listed ? `; the first ${r.differing.listed} in domain order are listed (--limit N lists more)` : ''}.</p>
${table(['account', 'the runs part at', 'event', 'rules in force', 'alternative', 'ends (in force)', 'ends (alternative)'], r.differing.list.map((d) => [
    esc(d.account), esc(d.at), esc(d.seq ? `#${d.seq} ${d.event}` : d.event), esc(d.current), esc(d.alt), esc(d.endCurrent), esc(d.endAlt),
  ]), r.differing.list.map((d) => `data-account="${esc(d.account)}"`))}
</section>`);

  sections.push(`<section id="refused"><h2>Inputs that would not have happened</h2>
<p>Recorded inputs the alternative machine refuses are counted and listed, never forced through: <b data-metric="refused-total">${r.refused.total}</b>${r.refused.total ? ` (${esc(Object.entries(r.refused.byType).map(([k, n]) => `${k} ${n}`).join(', '))})` : ''}.</p>
${table(['account', 'event', 'at', 'the account would be', 'why'], r.refused.list.map((x) => [esc(x.account), esc(`#${x.seq} ${x.type}`), esc(x.at), esc(x.state), esc(x.why)]), r.refused.list.map((x) => `data-refused="${esc(x.account)}"`))}
</section>`);

  const h = s.ho63;
  sections.push(`<section id="ho63"><h2>HO 6.3: which signals convert</h2>
<p class="note">Counts are shown with every rate: a rate over a handful of accounts is a handful of accounts.</p>
<h3>By first-touch signal (accounts first classified in the window)</h3>
${table(['first touch', 'rules in force', 'alternative'], h.firstTouch.map((f) => [esc(f.code), outcome(f.current), outcome(f.alt)]), h.firstTouch.map((f) => `data-first-touch="${esc(f.code)}"`))}
<p>Noise (at least ${esc(pct(h.noise.share))} of the MQLs, SQL conversion below ${esc(pct(h.noise.floor))}): rules in force <b>${esc(h.noise.current.join(', ') || 'none')}</b>; alternative <b>${esc(h.noise.alt.join(', ') || 'none')}</b>.</p>
<h3>By engagement signal recorded in the window</h3>
${table(['signal', 'rules in force', 'alternative'], h.eSignals.map((e) => [esc(e.code), outcome(e.current), outcome(e.alt)]), h.eSignals.map((e) => `data-e-signal="${esc(e.code)}"`))}
<h3>By buying signal in a dossier (CONFIRMED or LIKELY = present)</h3>
${table(['signal', 'present (in force)', 'absent (in force)', 'present (alternative)', 'absent (alternative)'], h.sSignals.map((x) => [esc(x.signal), outcome(x.current.present), outcome(x.current.absent), outcome(x.alt.present), outcome(x.alt.absent)]))}
<h3>Gates the CRO overrode (HO 3.6), and how those accounts ended</h3>
${table(['gate', 'rules in force', 'alternative'], h.overrides.map((o) => [esc(o.gate), esc(`${o.current.n}: ${ends(o.current.ends)}`), esc(`${o.alt.n}: ${ends(o.alt.ends)}`)]))}
</section>`);

  sections.push(`<section id="definitions"><h2>How this was computed</h2><ul class="defs">
<li>Every account's recorded inputs (creation, facts, verdicts, signals, dossiers, CRO decisions, Briefings, outcomes, disqualifications) are replayed in their recorded order through the machine of the rules in force at each event, and through the same rules with the alternative on top. Timers are re-derived from the machine and fired at their due times, up to ${esc(r.horizon)}.</li>
<li>Weeks are ISO weeks (UTC) from ${esc(r.from)} to ${esc(r.to)}; the definitions are the weekly report's (<code>docs/report.md</code>); see <code>docs/calibrate.md</code>.</li>
<li>Nothing was written to the database <code>${esc(r.db)}</code>; generated at ${esc(meta.now)} in ${(r.ms / 1000).toFixed(1)} s over ${r.accounts} accounts and ${r.events} recorded events.</li></ul></section>`);

  const json = JSON.stringify(r).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ladder calibration: ${esc(r.rulesFile)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>Calibration lab — what the pipeline would have been under other rules</h1>
<p>${esc(r.from.slice(0, 10))} to ${esc(r.to.slice(0, 10))} · ${r.accounts} accounts · ${r.differing.total} on another path · ${r.refused.total} inputs would not have happened</p>
<nav>${['summary', 'weekly', 'differing', 'refused', 'ho63', 'definitions'].map((id) => `<a href="#${id}">${id === 'ho63' ? 'HO 6.3' : id}</a>`).join(' · ')}</nav>
</header>
<main>
${sections.join('\n')}
</main>
<script type="application/json" id="calibration-data">${json}</script>
</body>
</html>
`;
}

const ends = (e: Record<string, number>) => Object.entries(e).map(([k, n]) => `${k} ${n}`).join(', ') || '—';

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 Helvetica, Arial, sans-serif; color: #111827; background: #f3f4f6; }
header { background: #111827; color: #f9fafb; padding: 18px 28px 12px; }
header h1 { margin: 0 0 4px; font-size: 22px; } header p { margin: 0 0 8px; color: #d1d5db; }
nav a { color: #93c5fd; text-decoration: none; text-transform: capitalize; }
main { max-width: 1280px; margin: 0 auto; padding: 12px 20px 40px; }
section { background: #fff; border-radius: 10px; padding: 14px 20px 18px; margin: 16px 0; box-shadow: 0 1px 2px rgba(0,0,0,.06); overflow-x: auto; }
h2 { font-size: 17px; margin: 4px 0 12px; } h3 { font-size: 14px; margin: 14px 0 6px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; }
.card { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px; border-top: 4px solid #6b7280; }
.card.ok { border-top-color: #0f766e; } .card.warn { border-top-color: #d97706; }
.card .label { color: #4b5563; font-size: 12px; } .card .value { font-size: 22px; font-weight: bold; } .card .sub { color: #6b7280; font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin-top: 10px; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { background: #f9fafb; font-weight: 600; } td.none { color: #6b7280; font-style: italic; }
.n { color: #6b7280; font-size: 11px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 10px; }
svg.chart { max-width: 100%; height: auto; }
.bad { color: #b91c1c; font-weight: bold; } .ok-line { color: #0f766e; font-weight: bold; }
.note { color: #4b5563; font-size: 12px; margin: 0 0 8px; } code { background: #f3f4f6; padding: 0 3px; border-radius: 3px; }
`;
