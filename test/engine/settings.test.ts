// Issue 11 §2: settings live in the database, one version per change, each change made from the settings read
// inside its own transaction: two processes changing different settings at once both keep their change.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLadder } from '../../src/ladder.js';
import { BadInputError } from '../../src/engine/errors.js';
import { withSetting } from '../../src/settings/edit.js';
import { tempDir } from '../helpers/store.js';

const NOW = '2026-03-02T09:00:00.000Z';
const ops = { by: 'ana', role: 'sales.ops', now: NOW, source: 'cli' as const };
let cleanup = () => {};
afterEach(() => cleanup());

describe('settings versions', () => {
  it('two processes changing different settings at once both keep their change', () => {
    const t = tempDir();
    const path = join(t.dir, 'l.db');
    const a = openLadder(path, { mode: 'create' });
    const b = openLadder(path);
    cleanup = () => { a.close(); b.close(); t.cleanup(); };
    expect(a.settings.rules.timers.sqlStaleDays).toBe(30); // A has read v1 (and cached it)
    b.engine.changeSettings((s) => withSetting(s, 'users.marcus', 'cro'), { ...ops, change: 'add marcus' });
    a.engine.changeSettings((s) => withSetting(s, 'rules.timers.sqlStaleDays', 45), { ...ops, change: 'stale after 45 days' });
    expect(b.settings.users.marcus).toBe('cro');
    expect(b.settings.rules.timers.sqlStaleDays).toBe(45);
    expect(a.engine.settingsVersion).toBe(3);
  });

  it('a reserved name is refused, naming it, never set on a prototype', () => {
    const t = tempDir();
    const l = openLadder(join(t.dir, 'l.db'), { mode: 'create' });
    cleanup = () => { l.close(); t.cleanup(); };
    for (const bad of ['users.__proto__', 'rules.constructor', 'users.prototype']) {
      expect(() => withSetting(l.settings, bad, 'cro')).toThrow(BadInputError);
      expect(() => withSetting(l.settings, bad, 'cro')).toThrow(/is reserved/);
    }
    expect(({} as Record<string, unknown>).cro).toBeUndefined();
  });
});
