// monday's board webhooks, emulated (issue 13): create_webhook sends the URL a challenge it must echo; a change
// of a watched column is POSTed to every subscribed URL as monday's `event` JSON, with an Authorization header
// holding an HS256 JWT signed with the app's signing secret ({accountId, userId, aud: the URL, iat, exp,
// shortLivedToken}). A delivery that fails (not 2xx, a timeout, no connection) is retried every minute for 30
// minutes on the emulator's clock: tests move the clock and call deliverDue(), never sleep.
// Sources (monday's docs): webhooks reference (create_webhook, the challenge, the event payload, retries), app
// webhook authorization (the JWT and its claims).
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { type ColumnDef, type StoredValue, colorOf } from './column-values.js';
import { invalidArgument } from './errors.js';
import type { ColumnChangeEvent, Store } from './store.js';

/** The events the emulator delivers (monday has more; these are the column-change ones). */
export const DELIVERED_EVENTS = ['change_column_value', 'change_specific_column_value', 'change_status_column_value'] as const;
/** monday: a failed delivery is retried every minute for 30 minutes. */
export const RETRY_EVERY_MS = 60_000;
export const RETRY_FOR_MS = 30 * 60_000;
/** How long monday waits for an answer (the emulator's choice, in real time: a receiver that hangs). */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;
/** How long a delivery's JWT is valid (the emulator's choice). */
export const TOKEN_TTL_SECONDS = 5 * 60;

export interface WebhookRecord {
  readonly id: string;
  readonly boardId: string;
  readonly event: string;
  /** As given to create_webhook: a JSON string such as {"columnId":"status_cro_decision"}, or null. */
  readonly config: string | null;
  readonly url: string;
}

export interface DeliveryAttempt {
  /** Emulator clock, ms. */
  readonly at: number;
  /** The HTTP status answered, or null when none (no connection, a timeout). */
  readonly status: number | null;
  readonly error: string | null;
}

export interface DeliveryRecord {
  readonly seq: number;
  readonly webhookId: string;
  readonly url: string;
  readonly triggerUuid: string;
  /** What is POSTed: { event: {…} }. */
  readonly body: { event: Record<string, unknown> };
  /** The monday user the JWT names. */
  readonly userId: string;
  readonly attempts: DeliveryAttempt[];
  state: 'pending' | 'delivered' | 'failed';
  /** Emulator clock (ms) of the next attempt while pending. */
  nextAt: number | null;
  readonly firstAt: number;
}

export interface WebhookOptions {
  readonly clock: () => number;
  /** The app's signing secret; without one, deliveries carry no Authorization header. */
  readonly signingSecret?: string;
  readonly accountId: number;
  /** Real ms to wait for an answer before counting a timeout (default DEFAULT_DELIVERY_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

/** The JSON monday sends for a status, text or numbers value (webhooks reference, "column value" payloads). */
function valueJson(column: ColumnDef, v: StoredValue | undefined, changedAt: number): unknown {
  if (v === undefined) return null;
  switch (v.type) {
    case 'status': return {
      label: { index: v.index, text: column.labels.get(v.index) ?? '', style: { color: colorOf(column, v.index), border: colorOf(column, v.index) }, is_done: false },
      post_id: null,
    };
    case 'text': return { value: v.text };
    case 'long_text': return { text: v.text, changed_at: new Date(changedAt).toISOString() };
    case 'numbers': return { value: Number(v.number), unit: null };
  }
}

export class Webhooks {
  private readonly hooks = new Map<string, WebhookRecord>();
  readonly deliveries: DeliveryRecord[] = [];
  private nextId = 300_000_001;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly running = new Set<DeliveryRecord>();

  constructor(private readonly o: WebhookOptions) {}

  list(boardId?: string): WebhookRecord[] {
    return [...this.hooks.values()].filter((h) => boardId === undefined || h.boardId === boardId);
  }

  /** create_webhook: the URL must echo the challenge first (monday: "verify the URL"), else nothing is created. */
  async create(store: Store, boardId: string, url: string, event: string, config: unknown): Promise<WebhookRecord> {
    store.requireBoard(boardId);
    if (!(DELIVERED_EVENTS as readonly string[]).includes(event)) throw invalidArgument(`the emulator delivers ${DELIVERED_EVENTS.join(', ')}; got event ${event}`, { event });
    let parsed: URL;
    try { parsed = new URL(url); } catch { throw invalidArgument(`url: not a URL: ${JSON.stringify(url.slice(0, 100))}`, {}); }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalidArgument('url: an http(s) URL', {});
    const configText = config === null || config === undefined ? null : typeof config === 'string' ? config : JSON.stringify(config);
    if (event === 'change_specific_column_value') {
      const columnId = readColumnId(configText);
      if (!columnId) throw invalidArgument('change_specific_column_value needs config {"columnId": "…"}', {});
      const board = store.requireBoard(boardId);
      if (!board.columns.some((c) => c.id === columnId)) throw invalidArgument(`config.columnId: no column ${columnId} on board ${boardId}`, { column_id: columnId });
    }
    const challenge = randomBytes(24).toString('base64url');
    const answer = await this.post(url, { challenge }, '0');
    let echoed: unknown = null;
    try { echoed = answer.text ? (JSON.parse(answer.text) as { challenge?: unknown }).challenge : null; } catch { /* not JSON */ }
    // monday's message when the URL does not answer the challenge; the code is the emulator's choice.
    if (answer.status !== 200 || echoed !== challenge) {
      throw invalidArgument('Failed to communicate with URL provided.', { url, status: answer.status, error: answer.error });
    }
    const hook: WebhookRecord = { id: String(this.nextId++), boardId, event, config: configText, url };
    this.hooks.set(hook.id, hook);
    return hook;
  }

  delete(id: string): WebhookRecord {
    const hook = this.hooks.get(id);
    if (!hook) throw invalidArgument(`no webhook ${id}`, { webhook_id: id });
    this.hooks.delete(id);
    return hook;
  }

  /** A column changed: one delivery per subscribed webhook, its first attempt started at once. */
  onColumnChange(change: ColumnChangeEvent): DeliveryRecord[] {
    const now = this.o.clock();
    const out: DeliveryRecord[] = [];
    for (const hook of this.hooks.values()) {
      if (hook.boardId !== change.board.id) continue;
      if (hook.event === 'change_specific_column_value' && readColumnId(hook.config) !== change.column.id) continue;
      if (hook.event === 'change_status_column_value' && change.column.type !== 'status') continue;
      const triggerUuid = randomUUID().replace(/-/g, '');
      const group = change.board.groups.findIndex((g) => g.id === change.item.groupId);
      const body = {
        event: {
          app: 'monday', type: 'update_column_value', triggerTime: new Date(now).toISOString(), subscriptionId: Number(hook.id),
          userId: Number(change.userId), originalTriggerUuid: null, boardId: Number(change.board.id), groupId: change.item.groupId,
          pulseId: Number(change.item.id), pulseName: change.item.name, columnId: change.column.id,
          // monday names a status column "color" in webhook payloads (its internal type name).
          columnType: change.column.type === 'status' ? 'color' : change.column.type, columnTitle: change.column.title,
          value: valueJson(change.column, change.value, now), previousValue: valueJson(change.column, change.previous, now),
          changedAt: now / 1000, isTopGroup: group === 0, triggerUuid,
        },
      };
      const d: DeliveryRecord = { seq: this.deliveries.length + 1, webhookId: hook.id, url: hook.url, triggerUuid, body, userId: change.userId, attempts: [], state: 'pending', nextAt: now, firstAt: now };
      this.deliveries.push(d);
      out.push(d);
      this.track(this.attempt(d));
    }
    return out;
  }

  /** Attempts every pending delivery whose time has come on the emulator's clock; resolves when they are answered. */
  async deliverDue(): Promise<DeliveryRecord[]> {
    const now = this.o.clock();
    const due = this.deliveries.filter((d) => d.state === 'pending' && d.nextAt !== null && d.nextAt <= now && !this.running.has(d));
    await Promise.all(due.map((d) => this.track(this.attempt(d))));
    return due;
  }

  /** Resolves once every attempt started so far has been answered (or timed out). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  private track(p: Promise<void>): Promise<void> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  private async attempt(d: DeliveryRecord): Promise<void> {
    this.running.add(d);
    try {
      const at = this.o.clock();
      const r = await this.post(d.url, d.body, d.userId);
      d.attempts.push({ at, status: r.status, error: r.error });
      if (r.status !== null && r.status >= 200 && r.status < 300) {
        d.state = 'delivered';
        d.nextAt = null;
        return;
      }
      // Every minute after the first attempt, until 30 minutes have passed.
      const next = d.firstAt + RETRY_EVERY_MS * (Math.floor((at - d.firstAt) / RETRY_EVERY_MS) + 1);
      if (next > d.firstAt + RETRY_FOR_MS) { d.state = 'failed'; d.nextAt = null; } else d.nextAt = next;
    } finally {
      this.running.delete(d);
    }
  }

  private async sign(url: string, userId: string): Promise<string | null> {
    if (!this.o.signingSecret) return null;
    const iat = Math.floor(this.o.clock() / 1000);
    return new SignJWT({ accountId: this.o.accountId, userId: Number(userId), shortLivedToken: randomBytes(24).toString('base64url') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(iat).setExpirationTime(iat + TOKEN_TTL_SECONDS).setAudience(url)
      .sign(new TextEncoder().encode(this.o.signingSecret));
  }

  private async post(url: string, body: unknown, userId: string): Promise<{ status: number | null; text: string; error: string | null }> {
    const jwt = await this.sign(url, userId);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(jwt ? { Authorization: jwt } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS),
      });
      return { status: res.status, text: await res.text(), error: null };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return { status: null, text: '', error: e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timeout' : (e.cause?.code ?? e.message) };
    }
  }
}

function readColumnId(config: string | null): string | null {
  if (!config) return null;
  try {
    const c = JSON.parse(config) as { columnId?: unknown };
    return typeof c.columnId === 'string' ? c.columnId : null;
  } catch {
    return null;
  }
}
