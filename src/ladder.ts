// The one factory (issue 11): store + settings + engine + every hook, used by the CLI, the demo, the bench, the
// tests and the server. Nothing else constructs an engine, so every door gets the same rules, the same hooks
// (suppression always; the monday outbox whenever the database's settings name a board) and the same refusal
// record, from whatever directory it runs.
import { createEngine, type Engine, type EngineOptions } from './engine/engine.js';
import { openStore, type OpenMode, type Store } from './store/open.js';
import { outboxHook } from './monday/outbox.js';
import { parseMondayConfig, type MondayConfig } from './monday/config.js';
import type { Settings } from './settings/schema.js';

export type LadderOptions = Omit<EngineOptions, 'hooksFor'> & { mode?: OpenMode; busyTimeoutMs?: number };

export type Ladder = {
  store: Store;
  engine: Engine;
  path: string;
  /** The settings in force (read from the database at each call). */
  readonly settings: Settings;
  /** The monday board of the settings, when one is set and enabled. */
  monday(): MondayConfig | null;
  close(): void;
};

export function mondayOf(settings: Settings): MondayConfig | null {
  if (!settings.monday) return null;
  const cfg = parseMondayConfig(settings.monday);
  return cfg.enabled ? cfg : null;
}

export function openLadder(path: string, opts: LadderOptions = {}): Ladder {
  const store = openStore(path, { mode: opts.mode ?? 'write', busyTimeoutMs: opts.busyTimeoutMs });
  try {
    const engine = createEngine(store, {
      ...opts,
      hooksFor: (s) => {
        const board = mondayOf(s);
        return board ? [outboxHook(board, s.rules)] : [];
      },
    });
    if (!store.readonly) engine.ensureSettings();
    return {
      store, engine, path,
      get settings() { return engine.settings; },
      monday: () => mondayOf(engine.settings),
      close: () => store.close(),
    };
  } catch (err) {
    store.close();
    throw err;
  }
}
