// Machine upgrades: a stored snapshot carries the machine version that wrote it. A registered migration
// lifts it one version at a time; without one, loading refuses instead of guessing.
import { MACHINE_VERSION } from '../../machines/ladder.js';

export type StoredSnapshot = { status?: string; value: unknown; context: Record<string, unknown> };
export type SnapshotMigration = (s: StoredSnapshot) => StoredSnapshot;

/** from-version → migration to from+1. Add one whenever MACHINE_VERSION is bumped. */
export const SNAPSHOT_MIGRATIONS = new Map<number, SnapshotMigration>();

export class MachineVersionError extends Error {
  readonly exitCode = 2;
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
