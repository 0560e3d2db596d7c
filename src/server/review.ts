// The CRO's review page (issue 13, HO 3.6 and 4.3): the "SQL-Pending Review" queue with each account's dossier,
// engagement signals and ICP gates, and the PROSPECTs failing one gate, with the CRO's decisions as forms.
// Every decision goes through the engine's one door with the caller's identity from the session (never from the
// form) and the version the page showed, so a decision on a stale page is refused; the answer comes back as a
// flash message after a 303 redirect (post/redirect/get), the refusal in the engine's own words.
//
// Forgery: the session cookie is SameSite=Strict (a cross-site form does not carry it), and every form also
// carries a per-session token, an HMAC of the session cookie, checked in constant time. The keys for that token
// and for the flash cookie are derived from the server's cookie secret, one per purpose, so nothing the page
// shows is ever a valid cookie signature.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Ladder } from '../ladder.js';
import type { Applied, Engine, Refused } from '../engine/engine.js';
import { BadInputError, RefusedError } from '../engine/errors.js';
import { accountKey, accountStatus, listAccounts } from '../queries.js';
import { gateResults } from '../../machines/guards.js';
import { canOverride } from '../../machines/rules/gates.js';
import type { LadderMachineContext } from '../../machines/ladder.js';
import { stageLabel } from '../../machines/stage.js';
import { GATES, type Gate, type GateVerdict } from '../../machines/types.js';
import { SESSION_COOKIE, SESSION_MS, sessionValue, type Caller } from './app.js';
import {
  REVIEW_CSS, renderLogin, renderMessage, renderReview,
  type Flash, type GateView, type OverrideCandidate, type PageUser, type ReviewItem,
} from './review-html.js';

export type ReviewOptions = {
  /** The server's cookie secret (the one that signs the session cookie): the page's keys are derived from it. */
  sessionSecret: string;
};

/** Who may open the page: the CRO decides, sales.ops reads the same queue (HO 4.3). */
const PAGE_ROLES: readonly string[] = ['cro', 'sales.ops'];
const ACTIONS = ['confirm', 'flag', 'dispute', 'override'] as const;
type Action = (typeof ACTIONS)[number];

const LOGIN_COOKIE = 'ladder_login';
const FLASH_COOKIE = 'ladder_flash';
/** A flash message is shown once, on the page the redirect leads to, within this time. */
const FLASH_MS = 60_000;
const FLASH_TEXT_MAX = 1_500;
export const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

// ---- what the page shows ----

function gateViews(gates: Record<string, { verdict: GateVerdict; because: string; overridden?: boolean }>): GateView[] {
  return GATES.map((gate) => ({ gate, verdict: gates[gate]?.verdict ?? 'unknown', because: gates[gate]?.because ?? '', overridden: Boolean(gates[gate]?.overridden) }));
}

/**
 * The SQL-Pending Review queue (HO 4.3), most urgent first: E8 repeat engagement (same-day review) first, then by
 * review due time (the pending REVIEW_SLA timer, or when it fell due once flagged), then by account.
 */
export function reviewQueue(engine: Engine, now: string): ReviewItem[] {
  const items = listAccounts(engine, { stage: 'SQL', substate: 'review' }).map((row): ReviewItem => {
    const s = accountStatus(engine, row.account, now);
    const ctx = engine.load(row.account)!.snapshot.context as LadderMachineContext;
    const timer = s.timers.find((t) => t.timer === 'REVIEW_SLA');
    const flagged = ctx.slaBreaches.filter((b) => b.kind === 'review' && ctx.substateEnteredAt !== null && b.at >= ctx.substateEnteredAt).at(-1);
    const dueAt = timer?.dueAt ?? flagged?.dueAt ?? null;
    return {
      account: s.account, name: s.name, hq: s.hq, tier: s.tier, icpScore: s.icpScore, version: s.version,
      entry: ctx.sqlEntry, sameDay: ctx.sqlEntry?.via === 'E8',
      reviewDueAt: dueAt, overdue: Boolean(flagged) || (dueAt !== null && dueAt <= now), reviewSince: s.since,
      dossier: ctx.dossier, signals: ctx.signals, credit: s.signals.credit, firstTouch: ctx.firstTouch,
      lastEngagementAt: ctx.lastEngagementAt, croWeight: s.flags.croWeight,
      gates: gateViews(s.gates), priority: ctx.priority, lastDispute: ctx.lastDispute,
    };
  });
  return items.sort((a, b) => Number(b.sameDay) - Number(a.sameDay)
    || (a.reviewDueAt ?? '\uffff').localeCompare(b.reviewDueAt ?? '\uffff')
    || a.account.localeCompare(b.account));
}

/**
 * PROSPECTs whose ICP gates fail on exactly one gate, with no override yet (HO 3.6): the CRO may override that one.
 * An unknown gate wants facts, not an override, so only a computed or recorded failure is listed. Most recently
 * engaged first: an override moves an engaged account to MQL at once.
 */
export function overrideCandidates(engine: Engine, now: string): OverrideCandidate[] {
  const out: OverrideCandidate[] = [];
  for (const row of listAccounts(engine, { stage: 'PROSPECT' })) {
    const ctx = engine.load(row.account)?.snapshot.context as LadderMachineContext | undefined;
    if (!ctx || ctx.override) continue;
    const results = gateResults(ctx, now, engine.rules);
    const failing = GATES.filter((g) => results[g].verdict !== 'pass');
    const gate = failing[0];
    if (failing.length !== 1 || !gate || results[gate].verdict !== 'fail') continue;
    const s = accountStatus(engine, row.account, now);
    const gates = gateViews(s.gates);
    const ok = canOverride(results, gate);
    out.push({
      account: s.account, name: s.name, tier: s.tier, icpScore: s.icpScore, version: s.version,
      failing: gates.find((g) => g.gate === gate)!, notOverridable: ok.ok ? null : ok.why, gates,
      signals: ctx.signals, lastEngagementAt: ctx.lastEngagementAt,
    });
  }
  return out.sort((a, b) => (b.lastEngagementAt ?? '').localeCompare(a.lastEngagementAt ?? '') || a.account.localeCompare(b.account));
}

// ---- forms ----

/** A form field as text (the first, when a field is sent twice). */
export function field(body: unknown, name: string): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const v = (body as Record<string, unknown>)[name];
  if (typeof v === 'string') return v;
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

function versionOf(body: unknown): number {
  const raw = field(body, 'version');
  if (raw === undefined || !/^\d{1,12}$/.test(raw)) {
    throw new BadInputError('version: the form did not say which version of the account it showed; reload the review page and decide again', 'version');
  }
  return Number(raw);
}

/** The event of a decision, without who and when: those come from the session and the server's clock. */
function eventOf(action: Action, body: unknown): Record<string, unknown> {
  switch (action) {
    case 'confirm': return { type: 'CRO_CONFIRM' };
    case 'flag': return { type: 'CRO_FLAG' };
    case 'dispute': return { type: 'CRO_DISPUTE', reason: field(body, 'reason') ?? '' };
    case 'override': return {
      type: 'CRO_OVERRIDE', gate: field(body, 'gate') ?? '', justification: field(body, 'justification') ?? '',
      compensatingSignals: (field(body, 'compensatingSignals') ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean),
    };
  }
}

function describe(action: Action, account: string, r: Applied, body: unknown): string {
  if (r.status === 'duplicate') return `${account}: this decision was already recorded (the form was sent twice); nothing changed.`;
  const move = `${stageLabel(r.before)} → ${stageLabel(r.after)}`;
  switch (action) {
    case 'confirm': return `Confirmed ${account}: ${move}. Schedule the Briefing next.`;
    case 'flag': return `Flagged ${account} for immediate outreach: ${move}, high priority; engage the same day (HO 4.3).`;
    case 'dispute': return `Disputed ${account}: ${move}; the reason is kept for signal calibration (HO 4.3).`;
    case 'override': {
      const stays = r.after.stage === 'PROSPECT' ? '; it stays PROSPECT until an engagement signal counts' : '';
      return `Overrode ${field(body, 'gate') as Gate} for ${account} (HO 3.6): ${move}${stays}. The override is logged for the Chief of Staff's audit.`;
    }
  }
}

// ---- the routes ----

/**
 * What the server's HTML pages share (this review page, the approvals page): the anti-forgery token of a session, the
 * signed one-time flash message, and HTML replies. The keys are derived from the server's cookie secret.
 */
export function pageKit(o: ReviewOptions) {
  const key = (purpose: string) => createHmac('sha256', o.sessionSecret).update(`ladder review page: ${purpose}`).digest();
  const csrfKey = key('csrf');
  const flashKey = key('flash');
  const mac = (k: Buffer, value: string) => createHmac('sha256', k).update(value).digest('base64url');
  const sameMac = (given: unknown, expected: string) => {
    if (typeof given !== 'string') return false;
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  const cookieBase = (req: FastifyRequest) => ({ httpOnly: true, sameSite: 'strict' as const, secure: req.protocol === 'https' });

  /** The form token of a session: an HMAC of its (signed) cookie value; null without a session cookie. */
  const sessionCsrf = (req: FastifyRequest): string | null => {
    const raw = req.cookies?.[SESSION_COOKIE];
    return raw && req.caller?.via === 'session' ? mac(csrfKey, `session:${raw}`) : null;
  };
  const csrfOk = (req: FastifyRequest) => {
    const expected = sessionCsrf(req);
    return expected !== null && sameMac(field(req.body, 'csrf'), expected);
  };

  const page = (reply: FastifyReply, status: number, body: string) =>
    reply.status(status).type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(body);
  const forged = (reply: FastifyReply, user: PageUser | null, link: { href: string; text: string }) => page(reply, 403, renderMessage({
    title: 'Request refused: anti-forgery check failed',
    message: 'This form was not accepted: its anti-forgery (CSRF) token is missing or wrong. That happens when a form comes from another site, '
      + 'or from a page older than your current session. Nothing was changed. Reload the page and try again.',
    user, link,
  }));

  const sealFlash = (f: Flash, user: string, nowMs: number) => {
    const body = Buffer.from(JSON.stringify({ k: f.kind, t: f.text.slice(0, FLASH_TEXT_MAX), r: f.refusal ?? null, u: user, e: nowMs + FLASH_MS })).toString('base64url');
    return `${body}.${mac(flashKey, body)}`;
  };
  const openFlash = (raw: string | undefined, user: string, nowMs: number): Flash | null => {
    if (!raw) return null;
    const dot = raw.lastIndexOf('.');
    const body = raw.slice(0, Math.max(0, dot));
    if (dot < 1 || !sameMac(raw.slice(dot + 1), mac(flashKey, body))) return null;
    try {
      const p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { k?: unknown; t?: unknown; r?: unknown; u?: unknown; e?: unknown };
      if (p.u !== user || typeof p.e !== 'number' || p.e < nowMs || typeof p.t !== 'string') return null;
      if (p.k !== 'ok' && p.k !== 'refused' && p.k !== 'error') return null;
      return { kind: p.k, text: p.t, ...(typeof p.r === 'string' ? { refusal: p.r } : {}) };
    } catch {
      return null;
    }
  };
  /** Keeps `f` for the next GET of the page at `path` (post/redirect/get), for this user only, for a minute. */
  const setFlash = (req: FastifyRequest, reply: FastifyReply, cookie: { name: string; path: string }, f: Flash, user: string) =>
    reply.setCookie(cookie.name, sealFlash(f, user, Date.parse(req.now)), { ...cookieBase(req), path: cookie.path, maxAge: FLASH_MS / 1000 });
  /** The flash kept for this user, if any (shown once: the cookie is cleared). */
  const takeFlash = (req: FastifyRequest, reply: FastifyReply, cookie: { name: string; path: string }, user: string): Flash | null => {
    const raw = req.cookies?.[cookie.name];
    const flash = openFlash(raw, user, Date.parse(req.now));
    if (raw !== undefined) void reply.clearCookie(cookie.name, { path: cookie.path });
    return flash;
  };
  return { mac, csrfKey, sameMac, cookieBase, sessionCsrf, csrfOk, page, forged, setFlash, takeFlash };
}

export function registerReview(app: FastifyInstance, ladder: Ladder, o: ReviewOptions): void {
  const engine = ladder.engine;
  const { mac, csrfKey, sameMac, cookieBase, sessionCsrf, csrfOk, page, forged, setFlash, takeFlash } = pageKit(o);
  const flashCookie = { name: FLASH_COOKIE, path: '/review' };
  const loginNonce = (req: FastifyRequest): string | null => {
    const n = req.cookies?.[LOGIN_COOKIE];
    return n && NONCE.test(n) ? n : null;
  };
  const pageUser = (req: FastifyRequest, c: Caller): PageUser => {
    const csrf = sessionCsrf(req);
    return { name: c.name, role: c.role, canDecide: c.role === 'cro' && csrf !== null, csrf };
  };
  const notForRole = (reply: FastifyReply, req: FastifyRequest, c: Caller) => page(reply, 403, renderMessage({
    title: 'Not for your role',
    message: `The review page is for the CRO and sales.ops (HO 4.3); ${c.name} is ${c.role}.`,
    user: pageUser(req, c),
  }));

  app.get('/assets/review.css', async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(REVIEW_CSS));

  app.get('/login', async (req, reply) => {
    const nonce = loginNonce(req) ?? randomBytes(24).toString('base64url');
    void reply.setCookie(LOGIN_COOKIE, nonce, { ...cookieBase(req), path: '/login', maxAge: 3_600 });
    return page(reply, 200, renderLogin({ csrf: mac(csrfKey, `login:${nonce}`), signedInAs: req.caller?.via === 'session' ? req.caller.name : null }));
  });

  // Login CSRF (a forged sign-in into someone else's session) is refused too: the form's token is an HMAC of a
  // random nonce this server set in a SameSite=Strict cookie when it served the form.
  app.post('/login', async (req, reply) => {
    const nonce = loginNonce(req);
    const csrf = nonce ? mac(csrfKey, `login:${nonce}`) : null;
    if (!csrf || !sameMac(field(req.body, 'csrf'), csrf)) return forged(reply, null, { href: '/login', text: 'Reload the sign-in page' });
    const token = (field(req.body, 'token') ?? '').trim();
    const user = token ? engine.userByToken(token) : null;
    if (!user) {
      return page(reply, 401, renderLogin({
        csrf, error: 'That token is not valid: it is unknown or was revoked. Paste the whole token (it starts with ldr_) as ladder user add printed it.',
      }));
    }
    void reply.setCookie(SESSION_COOKIE, sessionValue(user.name, user.tokenId, Date.parse(req.now), user.sessionGeneration), {
      ...cookieBase(req), signed: true, path: '/', maxAge: Math.floor(SESSION_MS / 1000),
    });
    void reply.clearCookie(LOGIN_COOKIE, { path: '/login' });
    // The CRO and sales.ops land on the review queue; the CMO, category.positioning and chief.staff on the approvals page.
    return reply.redirect(PAGE_ROLES.includes(user.role) ? '/review' : '/approvals', 303);
  });

  app.post('/logout', async (req, reply) => {
    const c = req.caller;
    if (c?.via !== 'session') return reply.redirect('/login', 303);
    if (!csrfOk(req)) return forged(reply, pageUser(req, c), { href: '/review', text: 'Back to the review page' });
    // Over on the server too: a copy of the cookie no longer opens anything (the token itself stays valid).
    if (c.tokenId !== undefined) ladder.engine.endSessions(c.tokenId);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    void reply.clearCookie(FLASH_COOKIE, { path: '/review' });
    return reply.redirect('/login', 303);
  });

  app.get('/review', async (req, reply) => {
    const c = req.caller;
    if (!c) return reply.redirect('/login', 303);
    if (!PAGE_ROLES.includes(c.role)) return notForRole(reply, req, c);
    const flash = takeFlash(req, reply, flashCookie, c.name);
    return page(reply, 200, renderReview({
      user: pageUser(req, c), now: req.now, flash, idem: randomBytes(12).toString('base64url'),
      queue: reviewQueue(engine, req.now), candidates: overrideCandidates(engine, req.now),
    }));
  });

  app.post<{ Params: { account: string; action: string } }>('/review/:account/:action', async (req, reply) => {
    const c = req.caller;
    if (!c) return reply.redirect('/login', 303);
    if (!csrfOk(req)) return forged(reply, pageUser(req, c), { href: '/review', text: 'Back to the review page' });
    if (!PAGE_ROLES.includes(c.role)) return notForRole(reply, req, c);
    const action = req.params.action as Action;
    if (!ACTIONS.includes(action)) {
      return page(reply, 404, renderMessage({ title: 'No such decision', message: `The review page decides ${ACTIONS.join(', ')}; not ${req.params.action}.`, user: pageUser(req, c), link: { href: '/review', text: 'Back to the review page' } }));
    }
    let flash: Flash;
    try {
      const account = accountKey(req.params.account);
      const expectedVersion = versionOf(req.body);
      const idem = field(req.body, 'idem');
      // The engine refuses by returning a Refused or by throwing RefusedError: both are shown the same way.
      const r = engine.submit({
        account, source: 'api', now: req.now, expectedVersion,
        // A form sent twice (a double click) records its decision once.
        idempotencyKey: idem && NONCE.test(idem) ? `review:${c.name}:${account}:${action}:${idem}` : undefined,
        event: { ...eventOf(action, req.body), at: req.now, by: c.name, role: c.role } as never,
      }) as Applied | Refused;
      flash = r.status === 'refused' ? { kind: 'refused', text: r.why, refusal: r.kind } : { kind: 'ok', text: describe(action, account, r, req.body) };
    } catch (err) {
      if (err instanceof RefusedError) flash = { kind: 'refused', text: err.message, refusal: err.kind };
      else if (err instanceof BadInputError) flash = { kind: 'error', text: err.message };
      else throw err;
    }
    void setFlash(req, reply, flashCookie, flash, c.name);
    return reply.redirect('/review', 303);
  });
}
