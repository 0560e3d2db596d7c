// Human names for the machine's durable timers, from configuration (diagrams, history, status).
import type { RulesConfig } from './rules/config.js';

export function timerLabel(delay: string, cfg: RulesConfig): string {
  switch (delay) {
    case 'SQL_STALE': return `${cfg.timers.sqlStaleDays} days without engagement`;
    case 'MQL_STALE': return `${cfg.timers.mqlStaleDays} days without engagement`;
    case 'RECYCLE_COOLDOWN': return `${cfg.timers.recycleCooldownDays}-day cooldown over`;
    case 'DOSSIER_SLA': return `dossier SLA: ${cfg.sla.dossierBusinessDays} business day`;
    case 'REVIEW_SLA': return `CRO review SLA: ${cfg.sla.reviewBusinessDays} business day (same day for E8)`;
    default: return delay;
  }
}

/** "xstate.after.SQL_STALE.ladder.SQL" → "SQL_STALE". */
export function delayOf(eventType: string): string | null {
  return eventType.startsWith('xstate.after.') ? eventType.split('.')[2] ?? null : null;
}
