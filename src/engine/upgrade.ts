// Machine upgrades: a stored snapshot carries the machine version that wrote it. A registered migration
// lifts it one version at a time; without one, loading refuses instead of guessing.
import { MACHINE_VERSION } from '../../machines/ladder.js';
import { contactKey } from '../../machines/rules/contact.js';

export type StoredSnapshot = { status?: string; value: unknown; context: Record<string, unknown> };
export type SnapshotMigration = (s: StoredSnapshot) => StoredSnapshot;

/**
 * v1 → v2 (issue 11): MQL gained its sub-states (`dossier`: a new MQL owes its dossier, HO 4.3; `nurture`).
 * A v1 MQL cannot say whether its dossier is still owed; it becomes `nurture`, so no SLA is invented after
 * the fact. Contacts in the signal log are reduced to their canonical key (rules/contact.ts), as every path
 * now does before the machine sees them; one that has no key (a bare name from v1) is kept as it was.
 */
export const v1ToV2: SnapshotMigration = (s) => {
  const signals = Array.isArray(s.context.signals) ? (s.context.signals as { contact?: unknown }[]) : [];
  return {
    ...s,
    value: s.value === 'MQL' ? { MQL: 'nurture' } : s.value,
    context: {
      ...s.context,
      signals: signals.map((x) => {
        const k = contactKey(x.contact);
        return k.ok ? { ...x, contact: k.key } : x;
      }),
    },
  };
};

/** from-version → migration to from+1. Add one whenever MACHINE_VERSION is bumped. */
export const SNAPSHOT_MIGRATIONS = new Map<number, SnapshotMigration>([[1, v1ToV2]]);

export class MachineVersionError extends Error {
  constructor(message: string) { super(message); this.name = 'MachineVersionError'; }
}

export function upgradeSnapshot(
  stored: StoredSnapshot, fromVersion: number, account: string,
  target = MACHINE_VERSION, migrations: ReadonlyMap<number, SnapshotMigration> = SNAPSHOT_MIGRATIONS,
): StoredSnapshot {
  if (fromVersion > target) {
    throw new MachineVersionError(`${account} was written by machine v${fromVersion}, newer than this ladder (v${target}); upgrade ladder before touching it`);
  }
  let s = stored;
  for (let v = fromVersion; v < target; v++) {
    const step = migrations.get(v);
    if (!step) {
      throw new MachineVersionError(`${account} is stored by machine v${fromVersion} and no migration from v${v} to v${v + 1} is registered; refusing to guess (register one in src/engine/upgrade.ts)`);
    }
    s = step(s);
  }
  return s;
}
