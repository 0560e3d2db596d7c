// The email side (issue 15) as drawable graphs: an account's sequence (machines/sequence.ts) and the mailbox's
// sending (machines/sending.ts), read from their definitions like the ladder's, with their guards and timers in the
// SOP's words and the durations from the sequence settings.
//
// The sequence machine takes its replies, a task done and a task's SLA in whichever state it is (root-level
// transitions, which machines/introspect.ts leaves out: it lists the transitions of states). They are drawn from one
// pseudo-state, `any`, so each is one line rather than one per state.
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { guardName, type Edge } from '../../machines/introspect.js';
import { DEFAULT_SEQUENCE_SETTINGS, SENT_SEQUENCES, type SequenceConfig, type Sla } from '../../machines/sequence-config.js';
import { SENDING_PERMISSIONS } from '../../machines/sending.js';
import type { RulesConfig } from '../../machines/rules/config.js';
import { machineGraph, readableGuard, type DiagramTransition, type GraphLabels, type LadderGraph } from './model.js';

/** The SOP's sequence settings with the ladder's holidays: what the committed diagrams are drawn with. */
export function defaultSequenceConfig(rules: RulesConfig): SequenceConfig {
  return { sequences: DEFAULT_SEQUENCE_SETTINGS, holidays: rules.holidays };
}

/** The pseudo-state the sequence machine's root-level transitions are drawn from. */
export const ANY_STATE = 'any';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
export function slaWords(sla: Sla): string {
  if ('hours' in sla) return plural(sla.hours, 'hour');
  if ('businessDays' in sla) return plural(sla.businessDays, 'business day');
  return 'same day';
}

/** Each guard of the two machines in words: what the reply is, what must hold. */
function guardWords(): Record<string, string> {
  return {
    suppressing: 'hostile or opt-out',
    hot: 'hot-positive',
    warm: 'warm-positive',
    notNow: 'not-now',
    referral: 'wrong-person-referral',
    wrongPerson: 'wrong-person',
    objection: 'objection',
    ooo: 'ooo',
    noResponse: 'no-response',
    running: 'a run in progress',
    moreTouches: 'more touches to plan',
    leftToSend: 'touches not yet handed over',
    wasNurture: 'the run was Nurture-MQL',
    wasActivation: 'the run was Activation-SQL',
    sameTarget: 'the stage calls for the same sequence',
    toSent: `the stage calls for ${SENT_SEQUENCES.join(', ')}`,
    toPostBriefing: 'the stage calls for Post-Briefing (a CRO task)',
    toNone: 'the stage calls for no sequence',
    targetSent: 'the stage calls for a sequence Ladder sends',
    taskOpen: 'the task is open',
    canClose: 'an open task, by its role',
    isOps: SENDING_PERMISSIONS.SENDING_RESUME.join(' or '),
    taskTimer: 'the task was done in time',
  };
}

/** Words for a guard ("warm and running": both, joined); one the machines gain later is printed from its name. */
export function sequenceGuardLabel(name: string): string {
  const words = guardWords();
  return name.split(' and ').map((g) => (Object.hasOwn(words, g) ? words[g]! : readableGuard(g))).join(', ');
}

/** The guards these words cover (the diagram test checks that every guard of both machines has its own). */
export const WORDED_SEQUENCE_GUARDS = Object.keys(guardWords());

const days = (list: readonly number[]) => list.join(', ');

/** A timer's duration from the settings ("Day 1, 3, 7, 21, 35 touch", "14 days without a reply", "30-day cooldown"). */
export function sequenceTimerLabel(delay: string, cfg: SequenceConfig): string {
  const s = cfg.sequences;
  const c = s.cadences;
  switch (delay) {
    case 'NEXT_TOUCH':
      return `the next touch day, business days at ${s.sendTime.replace(':', 'h')} UTC (Nurture-MQL Day ${days(c['Nurture-MQL'])} · `
        + `Activation-SQL Day ${days(c['Activation-SQL'])} · Re-engagement Day ${days(c['Re-engagement'])})`;
    case 'RUN_COMPLETE': return `${plural(s.completeAfterDays, 'day')} without a reply after the last touch`;
    case 'COOLDOWN': return `${s.cooldownDays}-day cooldown`;
    case 'OOO_RESUME': return `${plural(s.oooResumeBusinessDays, 'business day')} after the return date`;
    case 'WARM_FOLLOW_UP': return `${plural(s.warmFollowUpDays, 'day')} without a booking`;
    case 'NOT_NOW_WAKE': return `${plural(s.notNowLeadWeeks, 'week')} before their timeline`;
    case 'TASK_DUE': {
      const r = s.replySla;
      return `the reply's SLA (hot-positive ${slaWords(r['hot-positive'])} · warm-positive ${slaWords(r['warm-positive'])} · `
        + `not-now ${slaWords(r['not-now'])} · referral ${slaWords(r['wrong-person-referral'])} · wrong-person ${slaWords(r['wrong-person'])} · `
        + `objection ${slaWords(r.objection)} · hostile, opt-out ${slaWords(r.hostile)})`;
    }
    default: return delay;
  }
}

/** What a targetless timer does, when not "flags an SLA breach"; what re-entering `active` does. */
function effect(e: Edge): DiagramTransition['effect'] {
  if (e.delay === 'NEXT_TOUCH' && e.reenter) return { text: 're-enters, the next touch armed', short: 'next touch' };
  if (e.delay === 'WARM_FOLLOW_UP') return { text: 'opens a CRO follow-up task', short: 'follow-up task' };
  if (e.event === 'TASK_DUE' && e.guard === 'taskTimer') return { text: 'nothing to flag', short: 'nothing' };
  return undefined;
}

function labels(cfg: SequenceConfig): GraphLabels {
  return {
    guard: sequenceGuardLabel,
    timer: (delay) => sequenceTimerLabel(delay, cfg),
    croOnly: () => false,
    effect,
  };
}

const pathOf = (node: AnyStateNode) => node.path.join('.');

/** The machine's root-level transitions (replies, a task done, a task's SLA), as edges from the pseudo-state `any`. */
export function rootEdges(machine: AnyStateMachine): Edge[] {
  const out: Edge[] = [];
  for (const [event, list] of machine.root.transitions) {
    list.forEach((t, index) => {
      // TASK_DUE is a delayed raise the engine persists like an `after` timer: drawn as a timer.
      const delay = event === 'TASK_DUE' ? 'TASK_DUE' : null;
      out.push({ source: ANY_STATE, event, guard: guardName(t.guard), targets: (t.target ?? []).map(pathOf), reenter: Boolean(t.reenter), delay, croOnly: false, index });
    });
  }
  return out;
}

/** The sequence machine (machines/sequence.ts): its states' transitions, and the root's from `any`. */
export function sequenceMachineGraph(machine: AnyStateMachine, cfg: SequenceConfig): LadderGraph {
  const l = labels(cfg);
  const graph = machineGraph(machine, l);
  const edges = rootEdges(machine);
  const transitions: DiagramTransition[] = edges.map((e) => {
    const stays = e.targets.length === 0;
    const fx = l.effect?.(e);
    return {
      id: `${ANY_STATE} ${e.event} #${e.index}`, source: ANY_STATE, target: e.targets[0] ?? ANY_STATE, event: e.event,
      eventLabel: e.delay ?? e.event, kind: e.delay ? 'timer' : 'event',
      guard: e.guard ? l.guard(e.guard) : edges.some((s) => s.event === e.event && s.index < e.index && s.guard) ? 'else' : null,
      stays, reenter: false, history: false, croOnly: false, duration: e.delay ? l.timer(e.delay) : null,
      ...(fx ? { effect: fx } : {}),
    };
  });
  return {
    initial: graph.initial,
    states: [...graph.states, { path: ANY_STATE, name: ANY_STATE, parent: null, kind: 'atomic', initial: null }],
    transitions: [...graph.transitions, ...transitions],
  };
}

/** The mailbox's sending (machines/sending.ts). */
export function sendingMachineGraph(machine: AnyStateMachine, cfg: SequenceConfig): LadderGraph {
  return machineGraph(machine, labels(cfg));
}

export const SEQUENCE_TITLE = 'An account\'s email sequence (HO 5.2, 5.6)';
export const SENDING_TITLE = 'The sending mailbox (HO 5.5)';
