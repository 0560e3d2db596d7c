// One account's recorded inputs run through a machine in simulated time (issue 16): the inputs — the account's
// creation, facts and verdicts, signals, dossiers, CRO decisions, Briefings, outcomes, disqualifications — in
// their recorded order; the durable timers re-derived from the xstate.raise / xstate.cancel actions each
// transition returns (src/engine/timer-actions.ts, as the engine persists them) and fired at their due times,
// in due order, before any later input, each dated when it fell due (as the engine's catch-up and sweep do).
// The timer events recorded in the log are not inputs: they are what this re-derives. An input the machine does
// not accept is not forced: it is returned as refused ("would not have happened") and the run goes on.
// Pure: no I/O; the rows come from the caller.
import type { AnyMachineSnapshot } from 'xstate';
import type { LadderContext, LadderInput } from '../../machines/context.js';
import type { LadderEvent } from '../../machines/events.js';
import { explainRefusal } from '../../machines/explain.js';
import { stageOf } from '../../machines/stage.js';
import { LEDGER_ONLY_EVENTS, persistSnapshot } from '../engine/engine.js';
import { timerWrites } from '../engine/timer-actions.js';
import type { Rulebook, Ruled } from './rulebook.js';

/** One row of the account's event log, as stored. */
export type LogRow = {
  id: number; seq: number; type: string; at: string; payload: string;
  settingsVersion: number; machineVersion: number; stageAfter: string;
  /** null for the account's first event. */
  stageBefore?: string | null;
};

export type SimStep = {
  kind: 'input' | 'timer' | 'ledger';
  /** The recorded event's number in the account's log (inputs); null for a re-derived timer. */
  seq: number | null;
  type: string;
  at: string;
  /** `at` in epoch milliseconds. */
  ms: number;
  before: string;
  after: string;
  /** How the account entered SQL, when this step took it there (E4, E8, strong, dossier). */
  via: string | null;
};
export type SimRefusal = { seq: number; type: string; at: string; state: string; why: string };
export type SimRun = { steps: SimStep[]; refused: SimRefusal[]; snapshot: AnyMachineSnapshot | null; version: number };

export type Pending = { timerId: string; event: { type: string }; dueAt: string; order: number };
/** Where a run resumes: a stored snapshot (its JSON) and its pending timers (for the tail after the last event). */
export type Resume = { snapshot: { status?: string; value: unknown; context: unknown }; pending: Pending[] };

export const label = (value: unknown): string => {
  const s = stageOf(value);
  return s.substate ? `${s.stage}.${s.substate}` : s.stage;
};

export const isTimerType = (type: string) => type.startsWith('xstate.after.');

/**
 * Runs the account's inputs up to `horizon` (inclusive) under `book`, firing every re-derived timer due by then.
 * `timerVersions` ("type|at" → settings version) dates a timer that also fired in reality under the version it
 * fired with; any other timer runs under the version in force at its due time.
 */
export function simulateAccount(
  rows: readonly LogRow[], parsed: readonly unknown[], book: Rulebook, horizon: string,
  timerVersions: ReadonlyMap<string, number>, o: { explain?: boolean; resume?: Resume } = {},
): SimRun {
  const steps: SimStep[] = [];
  const refused: SimRefusal[] = [];
  let snap: AnyMachineSnapshot | null = null;
  let version = 0;
  let state = '';
  let pending: Pending[] = [];
  let order = 0;

  let machineOf: Ruled | null = null;
  const apply = (kind: 'input' | 'timer', seq: number | null, event: LadderEvent, v: number, firing: string | null): boolean => {
    const ruled = book.at(v);
    // The engine restores each event's snapshot from its stored JSON under the event's rules. A snapshot carries
    // no more than that JSON says but its history values, which a transition records again on exit before any
    // history target reads them: under the same machine it is used as is; under another, resolved from its JSON.
    const current = machineOf === ruled ? snap! : ruled.machine.resolveState(JSON.parse(persistSnapshot(snap!)));
    const [next, actions] = ruled.step(current, event);
    // xstate returns the very snapshot it was given when no transition is enabled: what `can()` reports, without
    // running every guard twice.
    if (next === current) {
      if (kind === 'input') refused.push({ seq: seq!, type: event.type, at: event.at, state, why: o.explain ? explainRefusal(ruled.machine, current, event, ruled.rules) : '' });
      return false;
    }
    machineOf = ruled;
    const after = label(next.value);
    const enteredSql = after.startsWith('SQL') && !state.startsWith('SQL');
    steps.push({ kind, seq, type: event.type, at: event.at, ms: Date.parse(event.at), before: state, after, via: enteredSql ? ((next.context as LadderContext).sqlEntry?.via ?? null) : null });
    for (const w of timerWrites(actions, event.at, firing)) {
      if (w.op === 'cancel') pending = pending.filter((p) => p.timerId !== w.timerId);
      else pending.push({ timerId: w.timerId, event: w.event as { type: string }, dueAt: w.dueAt, order: order++ });
    }
    snap = next;
    state = after;
    version = v;
    return true;
  };

  /** Fires the timers due at or before `until`, earliest first (ties: armed first), each at its due time. */
  const fireDue = (until: string) => {
    for (;;) {
      let next: Pending | null = null;
      for (const p of pending) if (p.dueAt <= until && (!next || p.dueAt < next.dueAt || (p.dueAt === next.dueAt && p.order < next.order))) next = p;
      if (!next) return;
      const fired = next;
      pending = pending.filter((p) => p !== fired);
      const event = { ...fired.event, at: fired.dueAt, by: 'system', role: 'system' } as LadderEvent;
      const v = timerVersions.get(`${event.type}|${event.at}`) ?? book.versionAt(event.at);
      // A timer the machine no longer accepts is closed without effect (the engine's rule).
      apply('timer', null, event, v, event.type);
    }
  };

  if (o.resume) {
    snap = o.resume.snapshot as AnyMachineSnapshot;
    state = label(snap.value);
    pending = [...o.resume.pending];
    order = Math.max(0, ...pending.map((p) => p.order + 1));
  }
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.at > horizon) break;
    if (isTimerType(row.type)) continue;
    if (row.type === 'ACCOUNT_ADDED') {
      if (snap) continue;
      const ruled = book.at(row.settingsVersion);
      snap = ruled.initial((parsed[i] as { input: LadderInput }).input);
      machineOf = ruled;
      state = label(snap.value);
      version = row.settingsVersion;
      steps.push({ kind: 'input', seq: row.seq, type: row.type, at: row.at, ms: Date.parse(row.at), before: '', after: state, via: null });
      continue;
    }
    if (!snap) continue;
    fireDue(row.at);
    if (LEDGER_ONLY_EVENTS.includes(row.type)) {
      steps.push({ kind: 'ledger', seq: row.seq, type: row.type, at: row.at, ms: Date.parse(row.at), before: state, after: state, via: null });
      continue;
    }
    apply('input', row.seq, parsed[i] as LadderEvent, row.settingsVersion, null);
  }
  if (snap) fireDue(horizon);
  return { steps, refused, snapshot: snap, version };
}
