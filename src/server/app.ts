// `ladder serve` (issue 13): one service that holds the database, knows who is calling and runs the routine.
// Fastify 5: schema-first routes, kept plugins for cookies, rate limits and security headers, and pino logs as
// JSON lines that never carry a token (the Authorization header and cookies are redacted before logging).
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import formbody from '@fastify/formbody';
import { randomBytes } from 'node:crypto';
import type { Ladder } from '../ladder.js';
import { BadInputError, RefusedError } from '../engine/errors.js';
import { PERMISSIONS } from '../engine/roles.js';
import { LeaseBusyError } from '../store/lease.js';
import { MachineVersionError } from '../engine/upgrade.js';
import { ImportFileError } from '../intake/errors.js';
import type { UserRole } from '../settings/schema.js';
import { registerApi } from './api.js';
import { registerMondayWebhook } from './webhook.js';
import { registerOps } from './ops.js';
import type { Routine } from './routine.js';
import { registerReview } from './review.js';
import { registerApprovals } from './approvals.js';

export type Caller = { name: string; role: UserRole; via: 'token' | 'session'; tokenId?: number };

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
    /** The instant this request acts at: the server's clock (real time, or shifted by `ladder serve --now`). */
    now: string;
  }
}

export type ServerOptions = {
  ladder: Ladder;
  /** The clock (ms): real time by default; `ladder serve --now` shifts it. */
  clock?: () => number;
  /** A reverse proxy on this host terminates TLS and forwards: trust its X-Forwarded-* headers (from loopback only). */
  behindProxy?: boolean;
  /** Real time (ms), for what is about real time whatever --now says: a monday JWT's expiry. Default: `clock`. */
  wallClock?: () => number;
  /** Log sink: pino options, or false for none (tests pass a stream to check that no token is ever logged). */
  logger?: boolean | Record<string, unknown>;
  /** Signs the session cookie of the review page; a random one per process when not given (sessions end on restart). */
  sessionSecret?: string;
  /** Requests per minute per caller (token, or address when none): 429 with Retry-After past it. */
  rateLimitPerMinute?: number;
  /** Where secrets come from (the monday token, the webhook signing secret): process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Run the daily routine (the scheduled sweep and the periodic push) in this server: `ladder serve` does. */
  routine?: boolean;
};

/** The roles that may send an event (or add an account): what a 403 names. */
export function mayBeDoneBy(type: string): string[] {
  return Object.hasOwn(PERMISSIONS, type) ? [...PERMISSIONS[type]!] : [];
}

/** What the server does with an error: one JSON body naming the field or the reason, never a stack trace. */
export function errorReply(err: unknown): { status: number; body: { error: { kind: string; message: string; field: string | null; mayBeDoneBy?: string[] } } } {
  const e = err as Error & { field?: string; statusCode?: number; code?: string; validation?: unknown };
  if (err instanceof BadInputError || err instanceof ImportFileError || err instanceof MachineVersionError) {
    return { status: 400, body: { error: { kind: e.name, message: e.message, field: e.field ?? null } } };
  }
  if (err instanceof RefusedError) {
    const status = err.kind === 'role' ? 403 : err.kind === 'stale' ? 409 : 422;
    return { status, body: { error: { kind: `Refused:${err.kind}`, message: err.message, field: null, ...(err.kind === 'role' ? { mayBeDoneBy: mayBeDoneBy(err.eventType) } : {}) } } };
  }
  // The database busy past its timeout, or failing: the service is unavailable for now, not the request wrong.
  if (typeof e?.code === 'string' && e.code.startsWith('SQLITE_')) {
    const busy = e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED';
    return { status: 503, body: { error: { kind: 'Unavailable', message: busy ? 'the database is busy (a long write holds it); retry in a few seconds' : 'the database cannot be used right now; it is logged for the operator', field: null } } };
  }
  if (err instanceof LeaseBusyError) {
    return { status: 409, body: { error: { kind: 'Busy', message: err.message, field: null } } };
  }
  // Fastify's own: a body that is not JSON, too large, a schema mismatch, a rate limit.
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: { error: { kind: e.code ?? 'BadRequest', message: e.message, field: null } } };
  }
  return { status: 500, body: { error: { kind: 'InternalError', message: 'an unexpected error; it is logged for the operator', field: null } } };
}

export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const clock = o.clock ?? Date.now;
  const app = Fastify({
    logger: o.logger === false ? false : {
      level: 'info',
      // Never a token in a log line: the header, the cookie, and any query string carrying one.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'req.query.token'], censor: '[redacted]' },
      // Fastify logs a request as its URL (never its headers or parsed query): a token a client put in the URL is masked there.
      serializers: { req: (req: FastifyRequest) => ({ method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort }) },
      ...(typeof o.logger === 'object' ? o.logger : {}),
    },
    bodyLimit: 1_048_576,
    // Behind a reverse proxy on this host (`ladder serve --behind-proxy`): the client's address and https come
    // from its X-Forwarded-For / -Proto headers, trusted from loopback only.
    trustProxy: o.behindProxy ? 'loopback' : false,
    // A URL the router cannot read (bad percent-encoding, an over-long parameter): the same JSON error body.
    frameworkErrors: (err, _req, reply) => { const { status, body } = errorReply(err); void (reply as FastifyReply).status(status).send(body); },
  });
  app.decorateRequest('caller', null);
  app.decorateRequest('now', '');

  await app.register(helmet, {
    // Strict: everything the pages need is served by this server; no external requests, no inline script.
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], formAction: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'none'"] } },
  });
  // One secret signs the session cookie and keys the review page's anti-forgery tokens (review.ts derives its own).
  const sessionSecret = o.sessionSecret ?? randomBytes(32).toString('hex');
  await app.register(cookie, { secret: sessionSecret });
  await app.register(formbody);
  await app.register(rateLimit, {
    max: o.rateLimitPerMinute ?? 6000,
    timeWindow: 60_000,
    // Per user once authenticated (the route hooks run after the caller is known), else per address: a guesser
    // cycling through made-up tokens gets no fresh budget with each one.
    keyGenerator: (req) => (req.caller ? `u:${req.caller.name}` : `a:${req.ip}`),
    // The plugin throws what this returns: an error errorReply() reads (a plain object had no message or kind).
    errorResponseBuilder: (_req, ctx) => Object.assign(new Error(`too many requests: at most ${ctx.max} a minute; retry after ${Math.ceil(ctx.ttl / 1000)} s`), { statusCode: 429, code: 'RateLimited' }),
  });

  app.addHook('onRequest', async (req) => {
    req.now = new Date(clock()).toISOString();
    req.caller = authenticate(o.ladder, req);
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = errorReply(err);
    if (status >= 500) req.log.error({ err }, status === 503 ? 'database unavailable' : 'unexpected error');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => { void reply.status(404).send({ error: { kind: 'NotFound', message: `no route ${req.method} ${req.url.split('?')[0]}`, field: null } }); });

  registerOps(app, o.ladder);
  registerApi(app, o.ladder);
  registerMondayWebhook(app, o);
  registerReview(app, o.ladder, { sessionSecret });
  registerApprovals(app, o.ladder, { sessionSecret });
  if (o.routine) {
    // The daily routine starts once the server listens (one that cannot listen, its port taken, runs nothing) and stops (waiting for a run in flight, releasing its
    // leases) when it closes. Its push is the monday outbox with the token of o.env.
    const { startRoutine, mondayPushOnce } = await import('./routine.js');
    let routine: Routine | undefined;
    app.addHook('onListen', async () => {
      routine = startRoutine(o.ladder, { clock, log: app.log, pushOnce: mondayPushOnce(o.ladder, { env: o.env ?? process.env, clock, log: app.log }) });
    });
    app.addHook('onClose', async () => { await routine?.stop(); });
  }
  return app;
}

/** A URL as it may be logged: any API token in it, and the value of any token-like query parameter, masked. */
export function redactUrl(url: string): string {
  return url.replace(/ldr_[\w-]*/g, '[redacted]').replace(/([?&](?:[\w-]*token|key|secret|password|session)=)[^&#]*/gi, '$1[redacted]');
}

/** The caller of a request: a bearer token, or the review page's signed session cookie; null when neither. */
export function authenticate(ladder: Ladder, req: FastifyRequest): Caller | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const user = ladder.engine.userByToken(header.slice(7).trim());
    return user ? { ...user, via: 'token' } : null;
  }
  const raw = req.cookies?.[SESSION_COOKIE];
  if (raw) {
    const session = readSession(req, raw);
    if (!session) return null;
    const user = ladder.engine.userByTokenId(session.tokenId, session.name, session.generation);
    return user ? { ...user, via: 'session' } : null;
  }
  return null;
}

export const SESSION_COOKIE = 'ladder_session';
/** How long a review-page session lasts. */
export const SESSION_MS = 8 * 3_600_000;

/**
 * A session is the user, the id of the token they logged in with, its expiry and the token's session generation,
 * signed with the server's secret (never the token itself): revoking the token, or signing out (a new
 * generation), ends the session at the next request.
 */
export function sessionValue(name: string, tokenId: number, now: number, generation = 0): string {
  return `${name}|${tokenId}|${now + SESSION_MS}|${generation}`;
}

function readSession(req: FastifyRequest, raw: string): { name: string; tokenId: number; generation: number } | null {
  const unsigned = req.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  const [name, id, until, generation] = unsigned.value.split('|');
  if (!name || !id || !until || !generation || !/^\d{1,15}$/.test(id) || !/^\d{1,15}$/.test(until) || !/^\d{1,9}$/.test(generation) || Number(until) < Date.parse(req.now)) return null;
  return { name, tokenId: Number(id), generation: Number(generation) };
}

/** 401 unless someone is calling; 403 (saying which roles may) unless their role is one of `roles`. */
export function requireRole(req: FastifyRequest, reply: FastifyReply, roles?: readonly string[]): Caller | null {
  if (!req.caller) {
    void reply.status(401).header('WWW-Authenticate', 'Bearer realm="ladder"')
      .send({ error: { kind: 'Unauthenticated', message: 'no valid API token: send Authorization: Bearer <token> (ladder user add NAME --role ROLE prints one)', field: null } });
    return null;
  }
  if (roles && !roles.includes(req.caller.role)) {
    void reply.status(403).send({ error: { kind: 'Forbidden', message: `this is for ${roles.join(' / ')}; ${req.caller.name} is ${req.caller.role}`, field: null, mayBeDoneBy: [...roles] } });
    return null;
  }
  return req.caller;
}
