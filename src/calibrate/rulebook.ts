// The rules an account's events are replayed under (issue 16). Each recorded event names the settings version it
// was applied with; the calibration lab replays it under that version's rules ("current"), or under the same
// rules with the alternative's override on top ("alt"), so a rules change in history stays where it was and only
// what the alternative names is changed. Pure: the settings bodies are read by the caller.
import { createActor, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { LadderInput } from '../../machines/context.js';
import { createLadderMachine, type LadderMachine } from '../../machines/ladder.js';
import type { RulesConfig } from '../../machines/rules/config.js';
import { createStepper, type Step } from '../engine/step.js';
import { applyOverride, type RulesOverride } from './rules.js';

export type SettingsVersionRules = { version: number; at: string; rules: RulesConfig };
export type Ruled = {
  version: number; rules: RulesConfig; machine: LadderMachine; step: Step;
  /** xstate's initialTransition(machine, input), without the throwaway actor it builds on every call. */
  initial: (input: LadderInput) => AnyMachineSnapshot;
};

function createInitial(machine: LadderMachine): Ruled['initial'] {
  const self = createActor(machine as AnyStateMachine);
  const scope = {
    self, defer: () => {}, id: '', logger: () => {}, sessionId: '', stopChild: () => {}, system: self.system, emit: () => {},
    actionExecutor: () => {},
  };
  return (input) => machine.getInitialSnapshot(scope as never, input) as AnyMachineSnapshot;
}

export type Rulebook = {
  /** The machine of a settings version's rules (with the override, for the alternative). */
  at(version: number): Ruled;
  /** The settings version in force at an instant (for a timer that never fired in reality). */
  versionAt(instant: string): number;
};

export function makeRulebook(versions: readonly SettingsVersionRules[], override: RulesOverride | null): Rulebook {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const byVersion = new Map(sorted.map((v) => [v.version, v]));
  const built = new Map<number, Ruled>();
  return {
    at(version) {
      let r = built.get(version);
      if (r) return r;
      const v = byVersion.get(version) ?? sorted[sorted.length - 1];
      if (!v) throw new Error(`calibrate: no settings version ${version} in the database`);
      const rules = override ? applyOverride(v.rules, override, `settings v${v.version}`) : v.rules;
      const machine = createLadderMachine(rules);
      r = { version, rules, machine, step: createStepper(machine), initial: createInitial(machine) };
      built.set(version, r);
      return r;
    },
    versionAt(instant) {
      let found = sorted[0]?.version ?? 1;
      for (const v of sorted) if (v.at <= instant) found = v.version;
      return found;
    },
  };
}
