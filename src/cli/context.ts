// What every command gets: parsed global options, the clock (--now), who acts, and the ladder opened lazily
// through the one factory (openLadder). Settings come from the database, never from the working directory
// (issue 11): a command behaves the same from any folder. Reads open read-only and never migrate.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Role } from '../../machines/events.js';
import type { Engine } from '../engine/engine.js';
import { BadInputError } from '../engine/errors.js';
import { openLadder, type Ladder } from '../ladder.js';
import type { OpenMode, Store } from '../store/open.js';
import { mondayEndpoint, mondayToken, type MondayConfig } from '../monday/config.js';
import { createTransport, type Transport } from '../monday/transport.js';
import { roleOf, type Settings } from '../settings/schema.js';
import { startRun } from '../store/runs.js';
import { instantFlag, wholeFlag } from './flags.js';

export type GlobalOptions = { db?: string; now?: string; as?: string; json?: boolean; config?: string; allowFuture?: boolean };

export type CliIO = { out: (s: string) => void; err: (s: string) => void; isTTY: boolean; env: NodeJS.ProcessEnv };

export class CliContext {
  private _ladder?: Ladder;
  private _mode?: OpenMode;
  private noticed = false;
  /** The demo lives simulated days in its own file: a --now ahead of the real clock is the point there. */
  simulation = false;

  constructor(readonly opts: GlobalOptions, readonly io: CliIO) {
    if (opts.config !== undefined) {
      throw new BadInputError(`--config: settings live in the database now, so every command behaves the same from any folder; import the file once with: ladder settings import ${opts.config}`, 'config');
    }
  }

  get json(): boolean { return Boolean(this.opts.json); }

  /** How long a command waits for another one's write lock: 10 s, or LADDER_BUSY_TIMEOUT_MS (1 ms to 10 min). */
  get busyTimeoutMs(): number {
    const raw = this.io.env.LADDER_BUSY_TIMEOUT_MS;
    return raw === undefined ? 10_000 : wholeFlag('LADDER_BUSY_TIMEOUT_MS', raw, 1, 600_000);
  }
  get dbPath(): string { return resolve(this.opts.db ?? this.io.env.LADDER_DB ?? 'ladder.db'); }

  /** --now, validated by the one instant parser; the CLI's one and only read of the wall clock when it is absent. */
  get now(): string {
    if (this.opts.now === undefined) return new Date().toISOString();
    return instantFlag('--now', this.opts.now);
  }

  /**
   * The ladder at --db. `read` opens read-only (never migrates, never creates); `write` needs an existing ladder
   * database; `create` is ladder init. A command that reads, then writes, is reopened for writing.
   */
  open(mode: OpenMode = 'write'): Ladder {
    const rank = { read: 0, write: 1, create: 2 } as const;
    if (this._ladder && rank[this._mode!] >= rank[mode]) return this._ladder;
    this._ladder?.close();
    this._ladder = openLadder(this.dbPath, { mode, allowFuture: Boolean(this.opts.allowFuture) || this.simulation, busyTimeoutMs: this.busyTimeoutMs });
    this._mode = mode;
    this.noticeIgnoredConfig();
    return this._ladder;
  }

  engine(): Engine { return this.open('write').engine; }
  /** For reads: the ladder already open, else read-only. */
  reader(): Ladder { return this._ladder ?? this.open('read'); }
  store(): Store { return this.open('write').store; }
  get settings(): Settings { return this.reader().settings; }

  /** Who acts (--as or LADDER_AS) and their role, from the database's users. */
  actor(): { by: string; role: Role } {
    const by = this.opts.as ?? this.io.env.LADDER_AS;
    if (!by) throw new BadInputError('--as: who is acting? pass --as USER (users and their roles: ladder settings show; sales.ops, cro, cmo and chief.staff are built in)', 'as');
    const users = this.settings.users;
    const role = roleOf(this.settings, by);
    if (!role) {
      throw new BadInputError(`--as: unknown user "${by}"; known users: ${Object.keys(users).join(', ')} (add one with: ladder settings set users.${/^[A-Za-z0-9._@-]+$/.test(by) ? by : 'NAME'} ROLE)`, 'as');
    }
    return { by, role };
  }

  /** The monday board of the database's settings, when one is set and enabled. */
  get monday(): MondayConfig | null {
    return this.reader().monday();
  }

  mondayTransport(): Transport {
    const cfg = this.monday;
    if (!cfg) throw new BadInputError('monday: no board configured; set one with: ladder settings set monday.boardId ID (see README, "The monday board")', 'monday');
    return createTransport({ endpoint: mondayEndpoint(cfg, this.io.env), token: mondayToken(cfg, this.io.env), apiVersion: cfg.apiVersion, timeoutMs: cfg.retry.timeoutMs });
  }

  /**
   * Runs a long command recorded in the database's `runs` while it runs, so that another command finding the
   * database busy can say which one holds it.
   */
  async tracked<T>(command: string, fn: () => Promise<T> | T): Promise<T> {
    const run = startRun(this.store(), command);
    try {
      const out = await fn();
      run.end('done');
      return out;
    } catch (err) {
      run.end('failed');
      throw err;
    }
  }

  get engineOpened(): boolean { return this._ladder !== undefined && this._mode !== 'read'; }

  /**
   * A ladder.config.json in this folder (or LADDER_CONFIG) is no longer read: say so once, while the database
   * still has its default settings, so a settings file is not silently ignored after an upgrade.
   */
  private noticeIgnoredConfig(): void {
    if (this.noticed || this.json) return;
    this.noticed = true;
    const file = this.io.env.LADDER_CONFIG ?? (existsSync('ladder.config.json') ? 'ladder.config.json' : undefined);
    if (!file || this._ladder!.engine.settingsVersion > 1) return;
    this.io.err(`ladder: note: ${file} is not read (settings live in the database now); import it once with: ladder settings import ${file}`);
  }

  close(): void { this._ladder?.close(); }
}
