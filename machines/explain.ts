// Why the machine refused an event, in words that say how to fix it (STYLE 6). Pure.
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { LadderMachineContext } from './ladder.js';
import type { EventType, LadderEvent } from './events.js';
import { CRO_ONLY_EVENTS } from './events.js';
import { statesAccepting } from './introspect.js';
import { stageLabel, stageOf } from './stage.js';
import { canOverride, manualVerdictProblem } from './rules/gates.js';
import { assessmentTierQualifies } from './rules/tier.js';
import { gateResults } from './guards.js';
import type { RulesConfig } from './rules/config.js';
import { NON_REOPENABLE_REASONS } from './types.js';

export const COMMAND_OF: Record<EventType, string> = {
  SIGNAL: 'signal', FACTS: 'facts', DOSSIER: 'dossier', CRO_CONFIRM: 'cro confirm', CRO_DISPUTE: 'cro dispute',
  CRO_FLAG: 'cro flag', CRO_OVERRIDE: 'cro override', CRO_REOPEN: 'cro reopen',
  BRIEFING_SCHEDULED: 'briefing scheduled', BRIEFING_COMPLETED: 'briefing completed',
  ASSESSMENT_QUALIFIED: 'assessment qualified', ASSESSMENT_WON: 'assessment won', ASSESSMENT_LOST: 'assessment lost',
  DISQUALIFY: 'disqualify', ARCHIVE: 'archive',
};

const HINTS: Partial<Record<EventType, (a: string) => string>> = {
  CRO_CONFIRM: (a) => `A CRO can confirm only after a dossier with 3+ CONFIRMED/LIKELY signals (ladder dossier ${a} …).`,
  CRO_DISPUTE: (a) => `A CRO disputes at SQL review, after a dossier with 3+ CONFIRMED/LIKELY signals (ladder dossier ${a} …).`,
  CRO_FLAG: (a) => `A CRO flags at SQL review, after a dossier with 3+ CONFIRMED/LIKELY signals (ladder dossier ${a} …).`,
  DOSSIER: () => 'A dossier is compiled for an MQL or for a fast-tracked SQL waiting for its dossier (HO 4.3).',
  BRIEFING_SCHEDULED: (a) => `The Briefing is scheduled once the SQL is confirmed (ladder cro confirm ${a}).`,
  BRIEFING_COMPLETED: (a) => `Schedule the Briefing first (ladder briefing scheduled ${a}).`,
  ASSESSMENT_QUALIFIED: (a) => `Qualify after the Briefing was held (ladder briefing completed ${a}).`,
  ASSESSMENT_WON: () => 'An Assessment is won from ASSESSMENT_QUALIFIED.',
  CRO_OVERRIDE: () => 'An override applies to a PROSPECT whose ICP gates fail (HO 3.6).',
  CRO_REOPEN: () => 'Only a DISQUALIFIED account can be reopened.',
};

const label = (path: string) => path.replace('.', ': ');

export function explainRefusal(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: LadderEvent, cfg: RulesConfig): string {
  const ctx = snapshot.context as LadderMachineContext;
  const account = ctx.account;
  const type = event.type as EventType;
  const cmd = COMMAND_OF[type] ?? type;
  const current = stageOf(snapshot.value);
  if (snapshot.status === 'done') return `cannot ${cmd} ${account}: it is WON, the end of the ladder; nothing moves it.`;
  if ((CRO_ONLY_EVENTS as readonly string[]).includes(type) && event.role !== 'cro') {
    return `cannot ${cmd} ${account}: only the CRO may (HO 3.6, 4.3); ${event.by} acts as ${event.role}.`;
  }
  const here = [current.stage, current.substate ? `${current.stage}.${current.substate}` : null].filter(Boolean) as string[];
  const accepting = statesAccepting(machine, type);
  if (!accepting.some((p) => here.includes(p))) {
    const where = accepting.map(label).join(', ');
    return `cannot ${cmd} ${account}: it is ${stageLabel(current)}, not ${where || 'a stage that accepts it'}.`
      + (HINTS[type] ? ` ${HINTS[type]!(account)}` : '');
  }
  switch (event.type) {
    case 'FACTS': {
      if (!event.verdict) break;
      const problem = manualVerdictProblem({ ...ctx.facts, ...event.facts }, event.verdict.gate, event.at, cfg);
      if (problem) return `cannot record a manual ${event.verdict.gate} verdict for ${account}: ${problem}.`;
      break;
    }
    case 'SIGNAL':
      if (ctx.suppressed) {
        return `signal for ${account} ignored: the account is on the suppression list (${ctx.disqualification?.reason ?? 'suppressed'}); `
          + 'signals are logged, never acted on, and the account is never re-engaged (HO 3.5, 5.6).';
      }
      break;
    case 'CRO_OVERRIDE': {
      if (ctx.override) return `cannot override ${event.gate} for ${account}: ${ctx.override.gate} is already overridden; the CRO may override one gate, never two (HO 3.6).`;
      const ok = canOverride(gateResults(ctx, event.at, cfg), event.gate);
      if (!ok.ok) return `cannot override ${event.gate} for ${account}: ${ok.why}`;
      break;
    }
    case 'CRO_REOPEN': {
      const reason = ctx.disqualification?.reason;
      if (reason && NON_REOPENABLE_REASONS.includes(reason)) {
        return `cannot reopen ${account}: it was disqualified for ${reason}; ${NON_REOPENABLE_REASONS.join(', ')} are never reopened (HO 3.5).`;
      }
      break;
    }
    case 'ASSESSMENT_QUALIFIED':
      if (!ctx.briefing?.completedAt) return `cannot qualify ${account} for the Assessment: the Briefing has not been held (ladder briefing completed ${account}).`;
      if (!assessmentTierQualifies(ctx.tier)) return `cannot qualify ${account} for the Assessment: it is ${ctx.tier}; the $2,500 Assessment needs Tier 1 or Tier 2 (LQ 3-4).`;
      break;
    case 'ASSESSMENT_LOST':
      if (!ctx.briefing?.completedAt) return `cannot record ${account} as lost: a deal is lost after the Briefing was held (HO 3.5); it is still waiting for its Briefing.`;
      break;
    case 'BRIEFING_COMPLETED':
      if (ctx.briefing?.completedAt) return `the Briefing for ${account} was already recorded as held on ${ctx.briefing.completedAt}.`;
      break;
    default:
  }
  return `cannot ${cmd} ${account}: no rule of ${stageLabel(current)} accepts it with these values.`;
}
