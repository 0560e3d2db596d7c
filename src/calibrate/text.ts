// `ladder calibrate` as text: the changed rules, the self-check, the totals and each week side by side, the
// accounts whose path differs, the inputs that would not have happened, and HO 6.3's tables with their counts.
import type { Ratio } from '../report/metrics.js';
import type { CalibrationReport, VerifyReport } from './calibrate.js';
import type { OutcomeRow, Pair } from './summary.js';

const pct = (r: number | null) => (r === null ? 'n/a' : `${(Math.round(r * 1000) / 10).toFixed(1)}%`);
const ratio = (r: Ratio) => `${pct(r.rate)} (${r.count}/${r.of})`;
const days = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)} d`);
const delta = (a: number, b: number) => (a === b ? '' : ` (${b > a ? '+' : ''}${b - a})`);
const side = (p: Pair<number>) => `${p.current} → ${p.alt}${delta(p.current, p.alt)}`;
const outcome = (o: OutcomeRow) => `n=${o.n} SQL ${pct(o.sqlRate)} WON ${pct(o.wonRate)}`;

function table(rows: string[][]): string[] {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(w[c]!)).join('  ').trimEnd());
}

export function calibrationText(r: CalibrationReport): string[] {
  const s = r.summary, t = s.totals;
  const out: string[] = [
    `calibration: ${r.accounts} accounts, ${r.events} recorded events from ${r.from} to ${r.to}: the rules in force against ${r.rulesFile} (${(r.ms / 1000).toFixed(1)} s)`,
    `alternative rules: ${r.changes.join('; ')}`,
    r.selfCheck.accounts === 0
      ? 'rules in force: the recorded history (--check also replays it and checks each log; ladder verify --replay checks the whole database)'
      : r.selfCheck.mismatches === 0
      ? `self-check: the rules in force re-derive all ${r.selfCheck.equal} recorded logs${r.selfCheck.olderMachine ? ` (${r.selfCheck.olderMachine} written by an older machine not checked)` : ''}`
      : `SELF-CHECK FAILED: ${r.selfCheck.mismatches} accounts' recorded logs are not what the rules in force give (ladder verify --replay names them); the comparison below is not trustworthy`,
    '',
    'over the window (current → alternative):',
    ...table([
      ['  new MQLs', side(t.newMqls)],
      ['  SQLs (dossier / fast track / E4)', `${t.sqls.current.total} (${t.sqls.current.dossier}/${t.sqls.current.fastTrack}/${t.sqls.current.e4}) → ${t.sqls.alt.total} (${t.sqls.alt.dossier}/${t.sqls.alt.fastTrack}/${t.sqls.alt.e4})${delta(t.sqls.current.total, t.sqls.alt.total)}`],
      ['  median days MQL→SQL', `${days(t.medianDaysMqlToSql.current)} → ${days(t.medianDaysMqlToSql.alt)}`],
      ['  regressions (no engagement)', side(t.regressions)],
      ['  SLA breaches flagged', side(t.slaBreaches)],
      ['  CRO override rate', `${ratio(t.overrideRate.current)} → ${ratio(t.overrideRate.alt)}`],
    ]),
    '',
    'per week (current → alternative):',
    ...table([
      ['  week', 'new MQLs', 'SQLs', 'MQL→SQL', 'SQL→Briefing', 'median d', 'regressions', 'SLA breaches', 'override rate'],
      ...s.weeks.map((w) => [
        `  ${w.week}`, side(w.newMqls), side({ current: w.sqls.current.total, alt: w.sqls.alt.total }),
        `${pct(w.mqlToSql.current.rate)} → ${pct(w.mqlToSql.alt.rate)}`, `${pct(w.sqlToBriefing.current.rate)} → ${pct(w.sqlToBriefing.alt.rate)}`,
        `${days(w.medianDaysMqlToSql.current)} → ${days(w.medianDaysMqlToSql.alt)}`, side(w.regressions), side(w.slaBreaches),
        `${pct(w.overrideRate.current.rate)} → ${pct(w.overrideRate.alt.rate)}`,
      ]),
    ]),
    '',
    `${r.differing.total} accounts take another path${r.differing.total > r.differing.listed ? ` (the first ${r.differing.listed} listed; --limit N lists more)` : ''}:`,
    ...Object.entries(r.differing.kinds).sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${n}  ${k}`),
    ...(r.differing.list.length ? table([
      ['  account', 'parts at', 'event', 'current', 'alternative', 'ends current', 'ends alternative'],
      ...r.differing.list.map((d) => [`  ${d.account}`, d.at, d.seq ? `#${d.seq} ${d.event}` : d.event, d.current, d.alt, d.endCurrent, d.endAlt]),
    ]) : []),
    '',
    `${r.refused.total} recorded inputs would not have happened under the alternative (refused, never forced)${r.refused.total ? `: ${Object.entries(r.refused.byType).map(([k, n]) => `${k} ${n}`).join(', ')}` : ''}`,
    ...r.refused.list.map((x) => `  ${x.account} #${x.seq} ${x.type} at ${x.at} (the account would be ${x.state}): ${x.why}`),
    '',
    'HO 6.3 — accounts first classified in the window, by first-touch signal (current → alternative):',
    ...table([['  first touch', 'current', 'alternative'], ...s.ho63.firstTouch.map((f) => [`  ${f.code}`, outcome(f.current), outcome(f.alt)])]),
    `  noise (≥ ${pct(s.ho63.noise.share)} of MQLs, SQL conversion < ${pct(s.ho63.noise.floor)}): current ${s.ho63.noise.current.join(', ') || 'none'}; alternative ${s.ho63.noise.alt.join(', ') || 'none'}`,
    'HO 6.3 — accounts with each E-signal recorded in the window:',
    ...table([['  signal', 'current', 'alternative'], ...s.ho63.eSignals.map((e) => [`  ${e.code}`, outcome(e.current), outcome(e.alt)])]),
    'HO 6.3 — accounts with a dossier in the window, by buying signal scored CONFIRMED/LIKELY (present) or not:',
    ...table([['  signal', 'present (current)', 'absent (current)', 'present (alternative)', 'absent (alternative)'],
      ...s.ho63.sSignals.map((x) => [`  ${x.signal}`, outcome(x.current.present), outcome(x.current.absent), outcome(x.alt.present), outcome(x.alt.absent)])]),
    'HO 3.6 — gates the CRO overrode in the window, and how those accounts ended:',
    ...(s.ho63.overrides.length ? s.ho63.overrides.map((o) => `  ${o.gate}: current ${o.current.n} (${ends(o.current.ends)}); alternative ${o.alt.n} (${ends(o.alt.ends)})`) : ['  none']),
  ];
  return out;
}

const ends = (e: Record<string, number>) => Object.entries(e).map(([k, n]) => `${k} ${n}`).join(', ') || '—';

export function verifyText(r: VerifyReport): string[] {
  return [
    ...r.list.map((m) => `${m.account}: ${m.what} differs at ${m.seq === null ? 'the end' : `event #${m.seq}`}: ${m.detail}`),
    ...(r.mismatches > r.listed ? [`… and ${r.mismatches - r.listed} more accounts (--limit N lists more)`] : []),
    ...(r.olderMachine ? [`${r.olderMachine} accounts were partly written by an older machine and are not replayed: this ladder has only its own machine`] : []),
    `${r.equal} of ${r.accounts} accounts replay from their recorded inputs, timers re-derived in simulated time, to their stored log, snapshot and stage history (${(r.ms / 1000).toFixed(1)} s)`,
  ];
}
