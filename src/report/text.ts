// The weekly report as terminal text (`ladder report` without --json).
import type { WeeklyReport } from './metrics.js';

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
    ...r.alerts.filter((a) => a.holds).map((a) => `ALERT ${a.title}: ${a.detail}`),
  ];
}
