// POST /monday/webhook (issue 13, "the board as a control plane"): the CRO decides on the board. monday calls this
// when someone sets the CRO decision column (ladder monday webhook register URL); the server then
//  1. checks the JWT monday signs every delivery with (HS256, the app's Signing Secret in MONDAY_SIGNING_SECRET):
//     its signature, its expiry, and its audience, which must be the URL the webhook was registered with
//     (settings monday.webhook.url: the endpoint monday was told, not one guessed from the request). Missing,
//     forged or expired: 401 and nothing else. A URL challenge is echoed (it never acts);
//  2. takes only a change of the CRO decision column of the configured board to a label (a cleared column is
//     Ladder's own reset; anything else is acknowledged and ignored);
//  3. answers a delivery already acted on (its triggerUuid: monday delivers at least once) with 200 and no effect;
//  4. maps the monday user to a Ladder user (settings mondayUsers) and re-reads the item through the API: the
//     account is the item's Domain, the decision the column's value now (a delivery that no longer matches the
//     board is ignored: a later change brings its own), a dispute's reason the latest update of that same user;
//  5. applies CRO_CONFIRM / CRO_DISPUTE / CRO_FLAG through the engine as that user and role, so the engine's own
//     rules (a CRO decision is the CRO's, at SQL review) accept or refuse it, and record the refusal; and, in the
//     same transaction, records the delivery with what the board is owed: the reset of the decision column and,
//     for a refusal, an update explaining it (the transition's own audit comment says what was applied);
//  6. answers at once, then pushes the outbox (src/monday/pusher.ts: the answers go out exactly once, after the
//     transition's comment and columns); a push already running, or the routine's next one, delivers them otherwise.
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { jwtVerify, type JWTPayload } from 'jose';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Applied, Refused } from '../engine/engine.js';
import { BadInputError } from '../engine/errors.js';
import { mondayEndpoint, mondayToken, type MondayConfig } from '../monday/config.js';
import { itemMatched } from '../monday/outbox-rows.js';
import { hasWork, push } from '../monday/pusher.js';
import { COMPLEXITY } from '../monday/session.js';
import { createTransport, type Transport } from '../monday/transport.js';
import { normalizeDomain } from '../../machines/rules/domain.js';
import { roleOf } from '../settings/schema.js';
import { mondayDeliveries, mondayItems } from '../store/schema.js';
import type { ServerOptions } from './app.js';

export const WEBHOOK_PATH = '/monday/webhook';
/** Leeway for the clocks of monday and this server when checking exp and iat. */
const CLOCK_TOLERANCE_S = 30;
/** The item is re-read within this (monday gives a receiver about 10 s before it counts a timeout). */
const REREAD_TIMEOUT_MS = 5_000;
/** How long the webhook's push waits for one already running (the routine's) before leaving it to that one. */
const PUSH_LEASE_WAIT_MS = 30_000;
const MARKER = /\[ladder:[^\]]+\]/;

const MondayId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);
const Challenge = z.object({ challenge: z.string().min(1).max(1_000) }).strict();
const Delivery = z.object({
  event: z.object({
    type: z.string().max(100),
    userId: MondayId,
    boardId: MondayId,
    pulseId: MondayId,
    columnId: z.string().max(100).optional(),
    triggerUuid: z.string().regex(/^[\w-]{1,200}$/, 'monday\'s trigger id'),
    value: z.unknown().optional(),
  }).passthrough(),
}).passthrough();
type DeliveryEvent = z.infer<typeof Delivery>['event'];

type Outcome = {
  /** unavailable: monday could not be asked; nothing was written, and the 503 makes monday deliver again. */
  outcome: 'applied' | 'refused' | 'ignored' | 'duplicate' | 'unavailable';
  detail: string;
  /** Written with the delivery: what the board is owed. */
  reply?: string | null; reset?: boolean;
  user?: string | null; role?: string | null; account?: string | null; decision?: string; eventId?: number | null;
};

type PushState = { chain: Promise<void>; queued: boolean };
const pushes = new WeakMap<FastifyInstance, PushState>();

/** Resolves once the pushes the webhook started (after its deliveries) have ended: for tests and a graceful close. */
export async function webhookPushesSettled(app: FastifyInstance): Promise<void> {
  for (let s = pushes.get(app); s; ) {
    const chain = s.chain;
    await chain;
    if (s.chain === chain) return;
  }
}

export function registerMondayWebhook(app: FastifyInstance, o: ServerOptions): void {
  const ladder = o.ladder;
  const clock = o.clock ?? Date.now;
  // A token's expiry is about real time: `ladder serve --now` shifts the ladder's clock, not monday's.
  const wallClock = o.wallClock ?? clock;
  const env = o.env ?? process.env;
  const state: PushState = { chain: Promise.resolve(), queued: false };
  pushes.set(app, state);
  app.addHook('onClose', async () => { await webhookPushesSettled(app); });

  /** One push after the deliveries of this moment; a second one queued behind a running one covers all that came meanwhile. */
  function pushSoon(log: FastifyBaseLogger): void {
    if (state.queued) return;
    state.queued = true;
    state.chain = state.chain.then(async () => {
      state.queued = false;
      const cfg = ladder.monday();
      if (!cfg || !hasWork(ladder.store)) return;
      try {
        const transport = createTransport({ endpoint: mondayEndpoint(cfg, env), token: mondayToken(cfg, env), apiVersion: cfg.apiVersion, timeoutMs: cfg.retry.timeoutMs });
        const r = await push(ladder.store, cfg, transport, { now: () => new Date(clock()).toISOString(), leaseWaitMs: PUSH_LEASE_WAIT_MS, log: (line) => log.info({ webhook: 'push' }, line) });
        log.info({ webhook: 'push', columnWrites: r.columnWrites, commentsPosted: r.commentsPosted, boardAnswers: r.boardAnswers, gaveUp: r.gaveUp }, 'monday webhook: pushed the answers to the board');
      } catch (err) {
        // A push already running (or the routine's next one) delivers the answers: they are in the outbox.
        log.warn({ webhook: 'push' }, `monday webhook: the push after the delivery did not run (${(err as Error).message}); the routine's next push delivers the answers`);
      }
    });
  }

  app.post(WEBHOOK_PATH, async (req, reply) => {
    const secret = env.MONDAY_SIGNING_SECRET;
    if (!secret) {
      req.log.error('monday webhook: MONDAY_SIGNING_SECRET is not set: deliveries cannot be verified (set it to the monday app\'s Signing Secret); monday retries for 30 minutes');
      return reply.status(503).send({ error: { kind: 'NotConfigured', message: 'the webhook is not configured on this server', field: null } });
    }
    const token = tokenOf(req);
    const challenge = Challenge.safeParse(req.body);
    if (challenge.success) {
      // Never acts. A token, when monday sends one, must be monday's (signature and expiry); its audience is not
      // checked, since the URL is stored only once the registration this challenge belongs to succeeds.
      if (token !== null && !(await verify(token, secret, null, wallClock)).ok) return unauthorized(reply);
      return reply.status(200).send({ challenge: challenge.data.challenge });
    }
    const cfg = ladder.monday();
    const audience = cfg?.webhook.url ?? null;
    if (!cfg || !audience) {
      req.log.error('monday webhook: a delivery came, but no webhook is registered in the settings (ladder monday webhook register URL)');
      return reply.status(503).send({ error: { kind: 'NotConfigured', message: 'the webhook is not configured on this server', field: null } });
    }
    if (token === null) return unauthorized(reply);
    const checked = await verify(token, secret, audience, wallClock);
    if (!checked.ok) {
      req.log.warn({ webhook: 'refused' }, `monday webhook: 401: ${checked.why}`);
      return unauthorized(reply);
    }
    const parsed = Delivery.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new BadInputError(`body: ${issue.path.join('.') || 'event'}: ${issue.message} (a monday webhook delivery: { "event": { … } })`, issue.path.join('.') || 'body');
    }
    const ev = parsed.data.event;
    // The token was signed for one user's change: a body claiming another user's is not monday's.
    if (String(checked.payload.userId) !== ev.userId) {
      req.log.warn({ webhook: 'refused' }, 'monday webhook: 401: the body\'s userId is not the token\'s');
      return unauthorized(reply);
    }
    const out = await handle(req, cfg, ev);
    if (out.outcome === 'unavailable') {
      req.log.warn({ webhook: out.outcome, triggerUuid: ev.triggerUuid }, `monday webhook: 503: ${out.detail}`);
      return reply.status(503).send({ error: { kind: 'MondayUnavailable', message: 'monday could not be asked about the item; deliver again later', field: null } });
    }
    const level = out.outcome === 'ignored' || out.outcome === 'duplicate' ? 'debug' : 'info';
    req.log[level]({ webhook: out.outcome, triggerUuid: ev.triggerUuid, item: ev.pulseId, user: out.user ?? null }, `monday webhook: ${out.outcome}: ${out.detail}`);
    if (out.outcome !== 'ignored' && out.outcome !== 'duplicate') pushSoon(req.log);
    return reply.status(200).send({ outcome: out.outcome, detail: out.detail });
  });

  async function handle(req: FastifyRequest, cfg: MondayConfig, ev: DeliveryEvent): Promise<Outcome> {
    if (ev.type !== 'update_column_value') return { outcome: 'ignored', detail: `event ${ev.type} is not a column change` };
    if (ev.boardId !== cfg.boardId) return { outcome: 'ignored', detail: `board ${ev.boardId} is not the configured board ${cfg.boardId}` };
    if (ev.columnId !== cfg.columns.croDecision) return { outcome: 'ignored', detail: `column ${ev.columnId ?? '(none)'} is not the CRO decision column ${cfg.columns.croDecision}` };
    const label = labelOf(ev.value);
    // Cleared: Ladder's own reset after a decision (or someone emptying it), never a decision.
    if (!label) return { outcome: 'ignored', detail: 'the decision column was cleared' };
    const { db } = ladder.store;
    if (db.select({ u: mondayDeliveries.triggerUuid }).from(mondayDeliveries).where(eq(mondayDeliveries.triggerUuid, ev.triggerUuid)).get()) {
      return { outcome: 'duplicate', detail: `delivery ${ev.triggerUuid} was acted on already` };
    }
    const settings = ladder.settings;
    const user = Object.hasOwn(settings.mondayUsers, ev.userId) ? settings.mondayUsers[ev.userId]! : null;
    const role = user ? roleOf(settings, user) : null;
    const base = { user, role, decision: label };
    if (!user || !role) {
      return record(ev, cfg, { ...base, outcome: 'refused', detail: `monday user ${ev.userId} is not a Ladder user`, reset: true,
        reply: `Ladder did not apply "${label}": monday user ${ev.userId} is not linked to a Ladder user. Ladder's admin links them with: ladder user add NAME --role cro --monday-user ${ev.userId}` });
    }
    const item = await reread(cfg, ev.pulseId);
    if (item.kind === 'unavailable') return { outcome: 'unavailable', detail: `the item could not be re-read from monday (${item.why}); monday retries the delivery` };
    if (item.kind === 'gone') return record(ev, cfg, { ...base, outcome: 'ignored', detail: `item ${ev.pulseId} is not on the board any more` });
    // The board is the truth: a delivery that no longer matches it (changed again, or reset) is not acted on.
    if (item.decision !== label) {
      // Emptied before Ladder read it (Ladder's reset after an earlier decision, or a person): nothing else will act
      // on this change, so the CRO is told it was not applied. Another value is a later change, its own delivery.
      if (item.decision === '') {
        return record(ev, cfg, { ...base, outcome: 'ignored', detail: `the decision column was emptied before "${label}" was read`,
          reply: `Ladder did not apply "${label}" by ${user}: the CRO decision column was emptied before Ladder read it (Ladder clears it after each decision). Set it to "${label}" again to apply it.` });
      }
      return record(ev, cfg, { ...base, outcome: 'ignored', detail: `the decision column now shows "${item.decision}", not "${label}": a later change is its own delivery` });
    }
    const l = cfg.labels.croDecision;
    const type = label === l.confirm ? 'CRO_CONFIRM' : label === l.dispute ? 'CRO_DISPUTE' : label === l.flag ? 'CRO_FLAG' : null;
    if (!type) {
      return record(ev, cfg, { ...base, outcome: 'refused', detail: `"${label}" is not a CRO decision`, reset: true,
        reply: `Ladder did not apply "${label}": it is not a CRO decision Ladder knows ("${l.confirm}", "${l.dispute}" or "${l.flag}").` });
    }
    const domain = normalizeDomain(item.domain ?? '');
    if (!domain.ok) {
      return record(ev, cfg, { ...base, outcome: 'refused', detail: `the item's Domain "${item.domain ?? ''}" is not a domain`, reset: true,
        reply: `Ladder did not apply "${label}": the item's Domain column (${cfg.columns.domain}) says "${item.domain ?? ''}", which is not a company domain (${domain.error}).` });
    }
    const account = domain.domain;
    if (ladder.engine.load(account) === null) {
      return record(ev, cfg, { ...base, account, outcome: 'refused', detail: `no account ${account} on the ladder`, reset: true,
        reply: `Ladder did not apply "${label}": there is no account ${account} on the ladder (this item's Domain).` });
    }
    let reason: string | null = null;
    if (type === 'CRO_DISPUTE') {
      // The CRO's update written while the account is at this review: an older one (a reason given at an earlier
      // review) is not a reason for this dispute.
      const since = Date.parse((ladder.engine.load(account)!.snapshot.context as { substateEnteredAt?: string | null }).substateEnteredAt ?? '');
      reason = item.updates.find((u) => u.creatorId === ev.userId && u.text.trim() !== '' && !MARKER.test(u.text)
        && (Number.isNaN(since) || (u.createdAt !== null && Date.parse(u.createdAt) >= since)))?.text.trim() ?? null;
      if (!reason) {
        return record(ev, cfg, { ...base, account, outcome: 'refused', detail: 'a dispute needs a reason: no update by the CRO on the item', reset: true,
          reply: `Ladder did not apply "${label}" by ${user}: a dispute needs a reason (HO 4.3: it is kept for signal calibration), written since the account came to this review. Post an update on this item saying why, then set the CRO decision to "${label}" again.` });
      }
    }
    return record(ev, cfg, { ...base, account, outcome: 'applied', detail: '' }, { type, reason, now: req.now });
  }

  /**
   * Writes the delivery (and, for a decision, the engine's event or refusal) in one transaction: a second delivery
   * of the same trigger finds the row and changes nothing.
   */
  function record(ev: DeliveryEvent, cfg: MondayConfig, o: Outcome, decision?: { type: string; reason: string | null; now: string }): Outcome {
    const { db } = ladder.store;
    const now = decision?.now ?? new Date(clock()).toISOString();
    return ladder.engine.batch((ops): Outcome => {
      if (db.select({ u: mondayDeliveries.triggerUuid }).from(mondayDeliveries).where(eq(mondayDeliveries.triggerUuid, ev.triggerUuid)).get()) {
        return { outcome: 'duplicate', detail: `delivery ${ev.triggerUuid} was acted on already` };
      }
      let out = o;
      if (decision && o.account && o.user && o.role) {
        let r: Applied | Refused;
        try {
          r = ops.submit({
            account: o.account, source: 'api', now, idempotencyKey: `monday:${ev.triggerUuid}`,
            event: { type: decision.type, at: now, by: o.user, role: o.role, ...(decision.reason ? { reason: decision.reason } : {}) } as never,
          });
        } catch (err) {
          // The event itself is malformed (a reason too long, say): the engine's message, as a refusal.
          if (!(err instanceof BadInputError)) throw err;
          r = { status: 'refused', account: o.account, type: decision.type, why: err.message, kind: 'rule' };
        }
        if (r.status === 'refused') {
          out = { ...o, outcome: 'refused', detail: r.why, reset: true, reply: `Ladder refused "${o.decision}" by ${o.user} (${o.role}): ${r.why}` };
        } else {
          // The account's comments go to this item: its Domain was just read from it.
          itemMatched(db, o.account, ev.pulseId);
          const itemOf = db.select({ itemId: mondayItems.itemId }).from(mondayItems).where(eq(mondayItems.account, o.account)).get()?.itemId ?? null;
          const elsewhere = itemOf !== null && itemOf !== ev.pulseId;
          out = {
            ...o, outcome: 'applied', eventId: r.eventId, reset: true,
            detail: `${decision.type} ${o.account} by ${o.user}: ${stageText(r.before)} → ${stageText(r.after)}`,
            // The transition's audit comment is the answer on the account's item; a decision made on another item
            // (a duplicate of the account) is answered there too.
            reply: elsewhere ? `Ladder applied "${o.decision}" by ${o.user}: ${o.account} ${stageText(r.before)} → ${stageText(r.after)}. The account's item is ${itemOf}.` : null,
          };
        }
      }
      db.insert(mondayDeliveries).values({
        triggerUuid: ev.triggerUuid, receivedAt: now, boardId: ev.boardId, itemId: ev.pulseId, columnId: ev.columnId ?? cfg.columns.croDecision, mondayUser: ev.userId,
        user: out.user ?? null, role: out.role ?? null, account: out.account ?? null, decision: out.decision ?? '',
        outcome: out.outcome === 'applied' || out.outcome === 'refused' ? out.outcome : 'ignored', detail: out.detail, eventId: out.eventId ?? null,
        reply: out.reply ?? null, replyStatus: out.reply ? 'pending' : 'none', resetStatus: out.reset ? 'pending' : 'none',
      }).run();
      return out;
    });
  }

  type Reread =
    | { kind: 'item'; domain: string | null; decision: string; updates: { creatorId: string; text: string; createdAt: string | null }[] }
    | { kind: 'gone' } | { kind: 'unavailable'; why: string };

  /** The item as monday has it now: its Domain, the decision column's value and its latest updates (newest first). */
  async function reread(cfg: MondayConfig, itemId: string): Promise<Reread> {
    let transport: Transport;
    try {
      transport = createTransport({ endpoint: mondayEndpoint(cfg, env), token: mondayToken(cfg, env), apiVersion: cfg.apiVersion, timeoutMs: Math.min(cfg.retry.timeoutMs, REREAD_TIMEOUT_MS) });
    } catch (err) {
      return { kind: 'unavailable', why: (err as Error).message };
    }
    const out = await transport.request(`query WebhookItem($ids: [ID!], $cols: [String!]) { ${COMPLEXITY}
      items(ids: $ids, exclude_nonactive: true) { id board { id } column_values(ids: $cols) { id text } updates(limit: 25) { id creator_id text_body created_at } } }`,
    { ids: [itemId], cols: [cfg.columns.domain, cfg.columns.croDecision] });
    if (out.kind !== 'done') return { kind: 'unavailable', why: out.reason };
    const it = ((out.data.items ?? []) as ({ id: string; board: { id: string } | null; column_values: { id: string; text: string | null }[]; updates: { creator_id: string | null; text_body: string | null; created_at: string | null }[] | null } | null)[])[0];
    if (!it || it.board?.id !== cfg.boardId) return { kind: 'gone' };
    const text = (id: string) => it.column_values.find((c) => c.id === id)?.text ?? null;
    return {
      kind: 'item', domain: text(cfg.columns.domain), decision: text(cfg.columns.croDecision) ?? '',
      updates: (it.updates ?? []).map((u) => ({ creatorId: String(u.creator_id ?? ''), text: u.text_body ?? '', createdAt: u.created_at ?? null })),
    };
  }
}

const stageText = (s: { stage: string; substate: string | null }) => (s.substate ? `${s.stage}: ${s.substate}` : s.stage);

/** The JWT of the Authorization header (monday sends it bare; "Bearer …" is taken too); null when none. */
function tokenOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization?.trim();
  if (!h) return null;
  const t = h.replace(/^Bearer\s+/i, '');
  return t.length > 0 && t.length <= 4_096 ? t : null;
}

async function verify(token: string, secret: string, audience: string | null, clock: () => number): Promise<{ ok: true; payload: JWTPayload } | { ok: false; why: string }> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      // A delivery's token names the user who made the change: the body's userId must be that one.
      algorithms: ['HS256'], requiredClaims: audience ? ['exp', 'userId'] : ['exp'], currentDate: new Date(clock()), clockTolerance: CLOCK_TOLERANCE_S,
      ...(audience ? { audience } : {}),
    });
    return { ok: true, payload };
  } catch (err) {
    // jose's messages name the failed check ("signature verification failed", '"exp" claim timestamp check
    // failed'), never the token or the secret.
    return { ok: false, why: (err as { code?: string }).code ?? 'invalid token' };
  }
}

function unauthorized(reply: FastifyReply) {
  return reply.status(401).send({ error: { kind: 'Unauthenticated', message: 'a monday webhook delivery must carry a valid JWT signed with the app\'s Signing Secret', field: null } });
}

/** The label of a status value ({ label: { text } }); a text column's { value } is taken as it is. */
function labelOf(value: unknown): string | null {
  const v = value as { label?: { text?: unknown } | string; value?: unknown } | null | undefined;
  const text = typeof v?.label === 'string' ? v.label : typeof v?.label?.text === 'string' ? v.label.text : typeof v?.value === 'string' ? v.value : null;
  return text?.trim() ? text.trim() : null;
}
