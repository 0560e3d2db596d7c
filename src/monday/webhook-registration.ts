// `ladder monday webhook register URL | list | delete [ID]` (issue 13): the board tells Ladder when someone sets
// the CRO decision column. register calls create_webhook (event change_specific_column_value, config
// {"columnId": <monday.columns.croDecision>}); monday first sends the URL a challenge that `ladder serve` must
// echo, so the server must be running and reachable there. The webhook's id and URL are stored in the settings
// (monday.webhook): the URL is the audience every delivery's JWT must name.
import type { Actor, Engine } from '../engine/engine.js';
import { BadInputError } from '../engine/errors.js';
import type { SettingChange } from '../settings/edit.js';
import type { Settings } from '../settings/schema.js';
import { acquireLease } from '../store/lease.js';
import type { Store } from '../store/open.js';
import type { MondayConfig } from './config.js';
import { reasonOf } from './error-rules.js';
import { realSleep } from './retry.js';
import { COMPLEXITY, openSession, type Session } from './session.js';
import { NO_LEASE, SETUP_LEASE } from './setup.js';
import { errorsByAlias, type Transport } from './transport.js';

export const WEBHOOK_EVENT = 'change_specific_column_value';
const ROUNDS = 20;

export type BoardWebhook = { id: string; board_id: string; event: string; config: string | null };

const LIST = `query Webhooks($board: ID!) { ${COMPLEXITY} webhooks(board_id: $board) { id board_id event config } }`;
const CREATE = `mutation CreateWebhook($board: ID!, $url: String!, $config: JSON) { ${COMPLEXITY}
  create_webhook(board_id: $board, url: $url, event: ${WEBHOOK_EVENT}, config: $config) { id board_id event config } }`;
const DELETE = `mutation DeleteWebhook($id: ID!) { ${COMPLEXITY} delete_webhook(id: $id) { id board_id } }`;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** monday calls the URL over the internet: https, except for a server on this machine (the emulator, a test). */
export function checkWebhookUrl(raw: string): string {
  let url: URL;
  try { url = new URL(raw); } catch { throw new BadInputError(`URL: not a URL: ${JSON.stringify(raw.slice(0, 100))}; give the public address of ladder serve's POST /monday/webhook, e.g. https://ladder.example.com/monday/webhook`, 'url'); }
  if (url.username || url.password) throw new BadInputError('URL: no user or password in the URL: monday signs every delivery (MONDAY_SIGNING_SECRET) instead', 'url');
  if (url.protocol === 'https:') return url.href;
  if (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname)) return url.href;
  throw new BadInputError(`URL: ${url.protocol === 'http:' ? `http is allowed only for localhost or 127.0.0.1 (got ${url.hostname}): monday must reach Ladder over https (put TLS in front of ladder serve)` : `an https URL, not ${url.protocol}`}`, 'url');
}

const columnOf = (config: string | null): string | null => {
  try { return (JSON.parse(config ?? 'null') as { columnId?: string } | null)?.columnId ?? null; } catch { return null; }
};

type Ctx = { engine: Engine; store: Store };
export type WebhookOptions = { actor: Actor; now: string; sleep?: (ms: number) => Promise<void>; random?: () => number; log?: (line: string) => void };

async function withSession<T>(ladder: Ctx, cfg: MondayConfig, transport: Transport, o: WebhookOptions, fn: (s: Session) => Promise<T>, write: boolean): Promise<T> {
  if (write) ladder.engine.authorizeCommand('SETTINGS', 'register the monday webhook', o.actor, o.now, { account: null, type: 'MONDAY_WEBHOOK', payload: { type: 'MONDAY_WEBHOOK', board: cfg.boardId }, source: 'cli' });
  const lease = write ? await acquireLease(ladder.store, SETUP_LEASE, { waitMs: 0, advice: 'another ladder monday setup or webhook command is changing the board; run it again when it has ended' }) : NO_LEASE;
  try {
    return await fn(openSession({ store: ladder.store, transport, lease, retry: cfg.retry, sleep: o.sleep ?? realSleep, random: o.random ?? Math.random, log: o.log ?? (() => {}) }));
  } finally {
    lease.release();
  }
}

/**
 * monday refused, or could not be asked: the message says what to do; nothing was stored. An environment problem
 * (the server's address, the board, the token), so a BadInputError to the CLI (exit 2).
 */
export class WebhookError extends BadInputError {
  constructor(message: string) { super(message, 'url'); this.name = 'WebhookError'; }
}

/** One request, resent (after its wait) while monday answers with a transient failure. */
async function ask(s: Session, query: string, variables: Record<string, unknown>, field: string, redact: (x: string) => string): Promise<{ value: unknown } | { again: true }> {
  const out = await s.send({ query, variables, ops: 1 });
  if (out.kind === 'again') return { again: true };
  if (out.kind !== 'done') throw new WebhookError(redact(`monday webhook: ${out.reason}`));
  const value = out.data[field];
  const e = errorsByAlias(out.errors).get(field);
  if (e || value === undefined) throw new WebhookError(redact(`monday webhook: ${field} failed: ${e ? reasonOf(e) : 'no answer'}`));
  return { value };
}

export async function listWebhooks(ladder: Ctx, cfg: MondayConfig, transport: Transport, o: WebhookOptions): Promise<BoardWebhook[]> {
  return withSession(ladder, cfg, transport, o, (s) => listIn(s, cfg, transport), false);
}

async function listIn(s: Session, cfg: MondayConfig, transport: Transport): Promise<BoardWebhook[]> {
  for (let round = 0; round < ROUNDS; round++) {
    const r = await ask(s, LIST, { board: cfg.boardId }, 'webhooks', transport.redact);
    if ('value' in r) return ((r.value ?? []) as (BoardWebhook | null)[]).filter((w): w is BoardWebhook => w !== null);
  }
  throw new WebhookError('monday webhook: monday kept failing; run the command again');
}

export type Registered = { id: string; url: string; columnId: string; created: boolean; replaced: string | null; settings: { version: number; changes: SettingChange[] } | null };

const withWebhook = (cur: Settings, webhook: { id: string; url: string } | null): Settings => {
  const monday = { ...(cur.monday ?? {}) };
  if (webhook) monday.webhook = webhook; else delete monday.webhook;
  return { ...cur, monday };
};

/**
 * Registers the board's webhook for the CRO decision column at `url` (adopting one that is there already), stores
 * its id and URL, and deletes the webhook registered before at another URL.
 */
export async function registerWebhook(ladder: Ctx, cfg: MondayConfig, transport: Transport, raw: string, o: WebhookOptions): Promise<Registered> {
  const url = checkWebhookUrl(raw);
  const columnId = cfg.columns.croDecision;
  return withSession(ladder, cfg, transport, o, async (s) => {
    let hook: BoardWebhook | null = null;
    let created = false;
    /** The column's webhooks before a create whose answer was lost: a new one after it is that create's. */
    let before: Set<string> | null = null;
    for (let round = 0; round < ROUNDS && !hook; round++) {
      // monday's Webhook has no URL field: the one the settings name at this URL is already registered.
      const forColumn = (await listIn(s, cfg, transport)).filter((w) => w.event === WEBHOOK_EVENT && columnOf(w.config) === columnId);
      hook = forColumn.find((w) => w.id === cfg.webhook.id && cfg.webhook.url === url) ?? null;
      if (hook) break;
      const made = before ? forColumn.find((w) => !before!.has(w.id)) : undefined;
      if (made) { hook = made; created = true; break; }
      before = new Set(forColumn.map((w) => w.id));
      const r = await ask(s, CREATE, { board: cfg.boardId, url, config: JSON.stringify({ columnId }) }, 'create_webhook', transport.redact)
        .catch((err: unknown) => {
          if (err instanceof WebhookError && /Failed to communicate|challenge/i.test(err.message)) {
            throw new WebhookError(`${err.message}. monday sends ${url} a challenge first: is ladder serve running and reachable there (POST /monday/webhook)?`);
          }
          throw err;
        });
      if ('value' in r && r.value) { hook = r.value as BoardWebhook; created = true; }
    }
    if (!hook) throw new WebhookError('monday webhook: monday kept failing; run the command again');
    let replaced: string | null = null;
    if (cfg.webhook.id && cfg.webhook.id !== hook.id) {
      const old = cfg.webhook.id;
      const still = (await listIn(s, cfg, transport)).some((w) => w.id === old);
      if (still) await ask(s, DELETE, { id: old }, 'delete_webhook', transport.redact);
      replaced = old;
    }
    const r = ladder.engine.changeSettings((cur) => withWebhook(cur, { id: hook.id, url }), { ...o.actor, now: o.now, change: `monday webhook ${hook.id} → ${url}`, source: 'cli' });
    return { id: hook.id, url, columnId, created, replaced, settings: r.changes.length ? r : null };
  }, true);
}

export type Deleted = { id: string; wasOnBoard: boolean; settings: { version: number; changes: SettingChange[] } | null };

/** Deletes a webhook (default: the one the settings name) and forgets it in the settings. */
export async function deleteWebhook(ladder: Ctx, cfg: MondayConfig, transport: Transport, id: string | undefined, o: WebhookOptions): Promise<Deleted> {
  const target = id ?? cfg.webhook.id;
  if (!target) throw new BadInputError('webhook: no webhook is registered in the settings; name one (ladder monday webhook list shows them)', 'id');
  if (!/^\d+$/.test(target)) throw new BadInputError(`webhook: a numeric monday webhook id; got ${JSON.stringify(target)}`, 'id');
  return withSession(ladder, cfg, transport, o, async (s) => {
    const wasOnBoard = (await listIn(s, cfg, transport)).some((w) => w.id === target);
    if (wasOnBoard) {
      for (let round = 0; round < ROUNDS; round++) if ('value' in await ask(s, DELETE, { id: target }, 'delete_webhook', transport.redact)) break;
    }
    const r = cfg.webhook.id === target
      ? ladder.engine.changeSettings((cur) => withWebhook(cur, null), { ...o.actor, now: o.now, change: `monday webhook ${target} deleted`, source: 'cli' })
      : null;
    return { id: target, wasOnBoard, settings: r?.changes.length ? r : null };
  }, true);
}
