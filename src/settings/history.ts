// Reading the settings' versions (ladder settings show|history). Reads only; the engine writes them.
import { asc } from 'drizzle-orm';
import type { Db } from '../store/open.js';
import { settings } from '../store/schema.js';
import { diffSettings, type SettingChange } from './edit.js';

export type SettingsVersion = { version: number; at: string; by: string; role: string; change: string; changes: SettingChange[] };

export function settingsHistory(db: Db): SettingsVersion[] {
  const rows = db.select().from(settings).orderBy(asc(settings.version)).all();
  let prev: unknown = {};
  return rows.map((r) => {
    const body = JSON.parse(r.body) as unknown;
    const changes = r.version === 1 ? [] : diffSettings(prev, body);
    prev = body;
    return { version: r.version, at: r.at, by: r.by, role: r.role, change: r.change, changes };
  });
}
