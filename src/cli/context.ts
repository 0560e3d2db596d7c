// What every command gets: parsed global options, the config, the clock (--now), who acts, and the store
// and engine opened lazily (read-only commands never migrate a database they were pointed at by mistake).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { IsoDate } from '../../machines/types.js';
import type { Role } from '../../machines/events.js';
import { createLadderMachine } from '../../machines/ladder.js';
import { loadConfig, type LadderConfig } from '../config.js';
import { createEngine, type Engine, type TransitionHook } from '../engine/engine.js';
import { BadInputError } from '../engine/errors.js';
import { openStore, type Store } from '../store/open.js';

export type GlobalOptions = { db?: string; now?: string; as?: string; json?: boolean; config?: string };

export type CliIO = { out: (s: string) => void; err: (s: string) => void; isTTY: boolean; env: NodeJS.ProcessEnv };

export class CliContext {
  private _config?: LadderConfig;
  private _store?: Store;
  private _engine?: Engine;
  /** Extra writers for each transition's transaction (the monday outbox adds one when configured). */
  readonly hooks: TransitionHook[] = [];

  constructor(readonly opts: GlobalOptions, readonly io: CliIO) {}

  get json(): boolean { return Boolean(this.opts.json); }
  get config(): LadderConfig { return (this._config ??= loadConfig(this.opts.config)); }
  get dbPath(): string { return resolve(this.opts.db ?? this.io.env.LADDER_DB ?? 'ladder.db'); }

  /** --now, validated; the CLI's one and only read of the wall clock when it is absent. */
  get now(): string {
    if (this.opts.now === undefined) return new Date().toISOString();
    const ok = IsoDate.safeParse(this.opts.now);
    if (!ok.success) throw new BadInputError(`--now: expected an ISO 8601 date or timestamp (e.g. 2026-04-17T09:00:00Z); got "${this.opts.now}"`, 'now');
    return new Date(Date.parse(this.opts.now)).toISOString();
  }

  /** Who acts (--as or LADDER_AS) and their role from the config. */
  actor(): { by: string; role: Role } {
    const by = this.opts.as ?? this.io.env.LADDER_AS;
    if (!by) throw new BadInputError('--as: who is acting? pass --as USER (roles come from ladder.config.json users; sales.ops, cro, cmo and chief.staff are built in)', 'as');
    const role = this.config.users[by];
    if (!role) {
      throw new BadInputError(`--as: unknown user "${by}"; known users: ${Object.keys(this.config.users).join(', ')} (add users to ladder.config.json)`, 'as');
    }
    return { by, role };
  }

  store(opts: { mustExist?: boolean } = {}): Store {
    if (!this._store) {
      if (opts.mustExist && !existsSync(this.dbPath)) {
        throw new BadInputError(`--db: no ladder database at ${this.dbPath}; create it with: ladder init --db ${this.dbPath}`, 'db');
      }
      this._store = openStore(this.dbPath);
    }
    return this._store;
  }

  engine(opts: { mustExist?: boolean } = { mustExist: true }): Engine {
    return (this._engine ??= createEngine(this.store(opts), {
      machine: createLadderMachine(this.config.rules), rules: this.config.rules, hooks: this.hooks,
    }));
  }

  close(): void { this._store?.close(); }
}
