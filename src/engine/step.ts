// The pure step `transition(machine, snapshot, event)`, without xstate's per-call cost. xstate's own
// `transition()` builds a throwaway actor on every call (createInertActorScope → createActor, which
// computes the machine's initial state); that was a third of a fired timer's cost. The scope below is
// the same inert scope, built once per engine: its executor only collects actions, nothing runs.
import { createActor, initialTransition, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';

export type Step = (snapshot: AnyMachineSnapshot, event: EventObject) => [AnyMachineSnapshot, { type: string; params?: unknown }[]];

export function createStepper(machine: AnyStateMachine): Step {
  const self = createActor(machine);
  let collected: { type: string; params?: unknown }[] = [];
  const scope = {
    self, defer: () => {}, id: '', logger: () => {}, sessionId: '', stopChild: () => {},
    system: self.system, emit: () => {},
    actionExecutor: (action: { type: string; params?: unknown }) => { collected.push(action); },
  };
  return (snapshot, event) => {
    collected = [];
    const next = machine.transition(snapshot, event, scope as never) as AnyMachineSnapshot;
    return [next, collected];
  };
}

export { initialTransition };
