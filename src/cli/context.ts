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
import { mondayEndpoint, mondayToken, parseMondayConfig, type MondayConfig } from '../monday/config.js';
import { outboxHook } from '../monday/outbox.js';
import { createTransport, type Transport } from '../monday/transport.js';

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

  /** The monday board configuration when ladder.config.json has a "monday" section (or a test set one). */
  get monday(): MondayConfig | null {
    if (this._monday === undefined) this._monday = this.config.monday ? parseMondayConfig(this.config.monday) : null;
    return this._monday && this._monday.enabled ? this._monday : null;
  }
  set monday(cfg: MondayConfig | null) { this._monday = cfg; }
  private _monday?: MondayConfig | null;

  mondayTransport(): Transport {
    const cfg = this.monday;
    if (!cfg) throw new BadInputError('monday: not configured; add a "monday" section to ladder.config.json (see README, "The monday board")', 'monday');
    return createTransport({ endpoint: mondayEndpoint(cfg, this.io.env), token: mondayToken(cfg, this.io.env), apiVersion: cfg.apiVersion, timeoutMs: cfg.retry.timeoutMs });
  }

  engine(opts: { mustExist?: boolean } = { mustExist: true }): Engine {
    if (!this._engine && this.monday) this.hooks.push(outboxHook(this.monday, this.config.rules));
    return (this._engine ??= createEngine(this.store(opts), {
      machine: createLadderMachine(this.config.rules), rules: this.config.rules, hooks: this.hooks,
    }));
  }

  get engineOpened(): boolean { return this._engine !== undefined; }

  close(): void { this._store?.close(); }
}
