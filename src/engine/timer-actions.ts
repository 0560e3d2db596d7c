// xstate v5 does not persist `after` timers (statelyai/xstate#5331): `transition()` returns them as a delayed
// `xstate.raise` (arm) and an `xstate.cancel` (disarm). This pure function turns those actions into the timer
// row writes the engine makes in the transition's transaction (STYLE 1: decide, then do).

export type TimerAction = { type: string; params?: unknown };
export type TimerWrite =
  | { op: 'arm'; timerId: string; event: unknown; dueAt: string }
  | { op: 'cancel'; timerId: string };

/**
 * The timer writes, in the order xstate emitted them (a re-entered state cancels, then re-arms, one id).
 * Delays run from `eventAt`, the instant of the event that took the transition. `firing` is the timer id this
 * very event fires, if any: its own cancel is dropped (the engine closes that row as fired). A raise without a
 * numeric delay is not a timer (xstate delivers it at once) and writes nothing.
 */
export function timerWrites(actions: readonly TimerAction[], eventAt: string, firing: string | null = null): TimerWrite[] {
  const at = Date.parse(eventAt);
  const out: TimerWrite[] = [];
  for (const action of actions) {
    const params = (action.params ?? {}) as Record<string, unknown>;
    if (action.type === 'xstate.cancel') {
      const timerId = String(params.sendId);
      if (timerId !== firing) out.push({ op: 'cancel', timerId });
    } else if (action.type === 'xstate.raise' && typeof params.delay === 'number') {
      // A raise that stands for one of many (a reply's task: TASK_DUE { task: 3 }) gets an id of its own, so two
      // tasks' SLA timers can be pending at once (one pending row per id).
      const task = (params.event as { task?: unknown } | undefined)?.task;
      const timerId = typeof task === 'number' ? `${String(params.id)}-${task}` : String(params.id);
      out.push({ op: 'arm', timerId, event: params.event, dueAt: new Date(at + params.delay).toISOString() });
    }
  }
  return out;
}
