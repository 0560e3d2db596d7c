// The JSON API over the engine (issue 13). Every write goes through the engine's one door, with the caller's
// identity from their token (never from the request); every refusal is the engine's own explanation, recorded.
// Bodies are checked with zod here only for their shape (what is an event, what is an account); the event
// itself is checked by the engine's one schema, the same for every door.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import type { Ladder } from '../ladder.js';
import { BadInputError } from '../engine/errors.js';
import type { Applied, Refused } from '../engine/engine.js';
import { recordedSweep } from '../engine/recorded-sweep.js';
import { accountHistory, accountKey, accountStatus, listAccounts, stageCounts } from '../queries.js';
import { ingestNote } from '../intake/notes-intake.js';
import { importFile } from '../intake/importer.js';
import { ImportFileError } from '../intake/errors.js';
import { STAGES } from '../../machines/types.js';
import { USER_ROLES } from '../settings/schema.js';
import { mayBeDoneBy, requireRole, type Caller } from './app.js';
import { registerTemplatesApi } from './templates-api.js';
import { registerSequencesApi } from './sequences-api.js';

/** Anyone with a token may read: the Chief of Staff audits, the CMO watches messaging, the others work. */
const READERS = USER_ROLES;

/** The first problem of a zod result as a BadInputError naming the field (the same shape every door uses). */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, where: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : where;
  throw new BadInputError(`${field}: ${issue.message}`, field);
}

/**
 * The caller, checked when the request arrives and before its body is read: 401 without a valid token, 403 (naming
 * the roles that may) for a role the route is not for, 415 for a body in another format than the route reads. An
 * unauthenticated 50 MB upload is never parsed, and a cross-site form post (urlencoded, multipart, text/plain) can
 * never act for a user whose session cookie the browser sends along.
 */
function guard(o: { roles?: readonly string[]; types?: readonly string[] } = {}): onRequestAsyncHookHandler {
  return async (req, reply) => {
    if (!requireRole(req, reply, o.roles)) return reply;
    // The review page's session cookie is for the page (whose forms carry a CSRF token); the API's writes need the
    // token itself, so a page another site opens in the user's browser can never write through the API.
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.caller?.via === 'session') {
      return reply.status(401).header('WWW-Authenticate', 'Bearer realm="ladder"')
        .send({ error: { kind: 'Unauthenticated', message: 'the API takes an API token (Authorization: Bearer …); the review page\'s session is for its own forms', field: 'Authorization' } });
    }
    if (!o.types) return;
    const length = req.headers['content-length'];
    const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    if (!hasBody) return;
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (o.types.includes(type)) return;
    return reply.status(415).send({ error: {
      kind: 'UnsupportedMediaType', field: 'Content-Type',
      message: `Content-Type: this route reads ${o.types.join(' or ')}; got ${type ? JSON.stringify(type.slice(0, 60)) : 'none'}`,
    } });
  };
}
/** The caller a guarded route's handler runs for (the guard answered 401/403 otherwise). */
const callerOf = (req: FastifyRequest): Caller => req.caller!;
const JSON_BODY = ['application/json'];

/**
 * Fields a caller may not send: who acts comes from the token, and when is the server's clock. An event dated by
 * its sender could be placed before a deadline that has passed (a review SLA breach never recorded); when a
 * signal was seen is its own field (`signal.at`), checked by the engine.
 */
const SERVER_FIELDS = { by: 'who acts comes from the API token', role: 'the role is the API token\'s user\'s', at: 'an event is dated by the server\'s clock (when a signal was seen is signal.at)' } as const;
function refuseIdentity(body: Record<string, unknown>, fields: readonly (keyof typeof SERVER_FIELDS)[] = ['by', 'role']): void {
  for (const f of fields) {
    if (Object.hasOwn(body, f)) throw new BadInputError(`${f}: not accepted over HTTP: ${SERVER_FIELDS[f]}`, f);
  }
}

const EventBody = z.object({
  type: z.string({ message: 'required: the event type, e.g. CRO_CONFIRM, FACTS, SIGNAL' }).min(1).max(64),
  /** Optimistic concurrency as a body field, for clients that cannot set If-Match. */
  expectedVersion: z.number().int().min(0).optional(),
}).passthrough();

const AccountBody = z.object({
  domain: z.string().min(1).max(253),
  name: z.string(),
  hq: z.string(),
  tier: z.string(),
  icpScore: z.number().min(0).max(100),
}).strict();

const ListQuery = z.object({
  stage: z.enum(STAGES).optional(),
  substate: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
}).strict();

/** Query strings: one value each (a repeated parameter is an array, refused naming it), only the known ones. */
const flag = z.enum(['1', '0', 'true', 'false'], { message: 'expected 1, 0, true or false, once' }).optional();
const isOn = (v: string | undefined) => v === '1' || v === 'true';
const HistoryQuery = z.object({ refusals: flag }).strict();
const ImportQuery = z.object({ dryRun: flag, name: z.string({ message: 'expected one file name' }).min(1).max(100).optional() }).strict();
const ReportQuery = z.object({ week: z.string({ message: 'expected one ISO week such as 2026-W14' }).max(10).optional() }).strict();

const NoteBody = z.object({ text: z.string().min(1).max(1_000_000), name: z.string().max(200).optional() }).strict();

/** The version in an ETag: `"v12"`. If-Match takes it back (also a bare number). */
export const etagOf = (version: number) => `"v${version}"`;
function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?v?(\d{1,12})"?\s*$/.exec(header);
  if (!m) throw new BadInputError(`If-Match: expected the ETag of the account as read (e.g. "v12"); got ${JSON.stringify(header.slice(0, 40))}`, 'If-Match');
  return Number(m[1]);
}

/** JSON with its object keys sorted: the same request gives the same text whatever order its fields came in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** An Idempotency-Key used again for a different request: 422, nothing recorded (the first request's result stands). */
class IdempotencyKeyReusedError extends Error {
  readonly statusCode = 422;
  readonly code = 'IdempotencyKeyReused';
}

/**
 * An Idempotency-Key header makes a retried POST record nothing twice. The key is scoped to the caller and carries
 * a fingerprint of the request (account and body): a retry finds the first one's event and gets its result; the
 * same key sent with another request is refused (422) instead of answering with the first one's result.
 */
function makeIdempotency(ladder: Ladder) {
  const seen = ladder.store.sqlite.prepare('select idempotency_key from events where idempotency_key >= ? and idempotency_key < ? limit 1').pluck();
  return (req: FastifyRequest, caller: Caller, request: unknown): string | undefined => {
    const raw = req.headers['idempotency-key'];
    if (raw === undefined) return undefined;
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!key || key.length > 200 || !/^[\x21-\x7e]+$/.test(key)) throw new BadInputError('Idempotency-Key: 1 to 200 visible ASCII characters', 'Idempotency-Key');
    const base = `api:${caller.name}:${key}#`;
    const full = `${base}${createHash('sha256').update(canonical(request)).digest('hex').slice(0, 32)}`;
    const first = seen.get(base, `${base}\uffff`) as string | undefined;
    if (first !== undefined && first !== full) throw new IdempotencyKeyReusedError(`Idempotency-Key: ${JSON.stringify(key)} was used for another request (another account or other fields); use a new key for a new request`);
    return full;
  };
}

/**
 * An engine outcome as a response: 200/201 applied (or duplicate), the refusal (recorded by the engine) as 403
 * naming the roles that may, 409 when someone acted first, 422 for the SOP's rules.
 */
export function sendOutcome(reply: FastifyReply, r: Applied | Refused, created = false) {
  if (r.status === 'refused') {
    const status = r.kind === 'role' ? 403 : r.kind === 'stale' ? 409 : 422;
    const error = { kind: `Refused:${r.kind}`, message: r.why, field: null, ...(r.kind === 'role' ? { mayBeDoneBy: mayBeDoneBy(r.type) } : {}) };
    return reply.status(status).send({ error, refused: r });
  }
  return reply.status(created && r.status === 'applied' ? 201 : 200).header('ETag', etagOf(r.version)).send(r);
}

function notFound(reply: FastifyReply, account: string) {
  return reply.status(404).send({ error: { kind: 'NotFound', message: `no account ${account} on the ladder (GET /api/accounts lists them)`, field: 'account' } });
}

export function registerApi(app: FastifyInstance, ladder: Ladder): void {
  const idempotencyKeyOf = makeIdempotency(ladder);
  const engine = ladder.engine;
  const actorOf = (c: Caller) => ({ by: c.name, role: c.role });
  /** The stored version of an account, or undefined when it is not on the ladder (cheaper than restoring it). */
  const versionOf = ladder.store.sqlite.prepare('select version from actors where account = ?').pluck();
  const stored = (account: string) => versionOf.get(account) as number | undefined;
  // The rate limit counts every request, a refused one too: it runs first (once; app.ts registers it for all routes).
  const limit = app.rateLimit();
  const guarded = (o: Parameters<typeof guard>[0] = {}) => ({ onRequest: [limit, guard(o)] });
  const readers = guarded({ roles: READERS });

  // Signal notes and import files come as text (within the server's body limit; /api/imports raises its own).
  app.addContentTypeParser(['text/markdown', 'text/csv'], { parseAs: 'string' }, (_req, body, done) => { done(null, body); });

  // Email-sequence templates, their approval and recipient lists (issue 14).
  registerTemplatesApi(app, ladder, { guarded, parseBody, refuseIdentity });
  // Sequences, replies and sends (issue 15).
  registerSequencesApi(app, ladder, { guarded, parseBody, refuseIdentity });

  app.get('/api/me', guarded(), async (req) => {
    const c = callerOf(req);
    return { name: c.name, role: c.role, via: c.via, now: req.now };
  });

  app.get('/api/accounts', readers, async (req) => {
    const q = parseBody(ListQuery, req.query, 'query');
    return { counts: stageCounts(engine), accounts: listAccounts(engine, q), limit: q.limit, offset: q.offset };
  });

  app.get<{ Params: { account: string } }>('/api/accounts/:account', readers, async (req, reply) => {
    const account = accountKey(req.params.account);
    if (stored(account) === undefined) return notFound(reply, account);
    const s = accountStatus(engine, account, req.now);
    return reply.header('ETag', etagOf(s.version)).send(s);
  });

  app.get<{ Params: { account: string } }>('/api/accounts/:account/history', readers, async (req, reply) => {
    const q = parseBody(HistoryQuery, req.query, 'query');
    const account = accountKey(req.params.account);
    if (stored(account) === undefined) return notFound(reply, account);
    return accountHistory(engine, account, { refusals: isOn(q.refusals) });
  });

  // Who may add an account is the engine's rule (its refusal is recorded): any caller reaches it.
  app.post('/api/accounts', guarded({ types: JSON_BODY }), async (req, reply) => {
    const c = callerOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new BadInputError('body: expected a JSON object { domain, name, hq, tier, icpScore }', 'body');
    refuseIdentity(body);
    const b = parseBody(AccountBody, body, 'body');
    const r = engine.batch((ops) => ops.addAccount({ domain: accountKey(b.domain), name: b.name, hq: b.hq, tier: b.tier as never, icpScore: b.icpScore },
      { ...actorOf(c), at: req.now, now: req.now, source: 'api', idempotencyKey: idempotencyKeyOf(req, c, { route: 'accounts', ...b }) }));
    return sendOutcome(reply, r, true);
  });

  app.post<{ Params: { account: string } }>('/api/accounts/:account/events', guarded({ types: JSON_BODY }), async (req, reply) => {
    const c = callerOf(req);
    const raw = req.body;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadInputError('body: expected a JSON object: { "type": "CRO_CONFIRM", … } (the event\'s own fields beside type)', 'body');
    refuseIdentity(raw as Record<string, unknown>, ['by', 'role', 'at']);
    const { expectedVersion: inBody, ...event } = parseBody(EventBody, raw, 'body');
    const fromHeader = versionFromIfMatch(req.headers['if-match']);
    if (inBody !== undefined && fromHeader !== undefined && inBody !== fromHeader) throw new BadInputError(`expectedVersion: ${inBody} disagrees with If-Match ${fromHeader}`, 'expectedVersion');
    const account = accountKey(req.params.account);
    const expected = inBody ?? fromHeader;
    const idempotencyKey = idempotencyKeyOf(req, c, { route: 'events', account, event, expected });
    // The engine compares the version before it fires the account's due timers (time passing is not a conflict).
    if (stored(account) === undefined) return notFound(reply, account);
    const r = engine.submit({ account, source: 'api', now: req.now, idempotencyKey, expectedVersion: expected, event: { ...event, at: req.now, ...actorOf(c) } as never });
    return sendOutcome(reply, r);
  });

  // A signal note, as the intake reads it from a file: Markdown with its front matter (text/markdown), or
  // { text, name } as JSON. The sender is the caller.
  app.post('/api/notes', guarded({ roles: ['sales.ops', 'cro', 'cmo'], types: ['text/markdown', ...JSON_BODY] }), async (req, reply) => {
    const c = callerOf(req);
    const b = typeof req.body === 'string' ? { text: req.body, name: undefined } : parseBody(NoteBody, req.body, 'body');
    if (!b.text.trim()) throw new BadInputError('text: the note is empty', 'text');
    const outcome = ingestNote(engine, { path: `api:${b.name ?? 'note.md'}`, text: b.text, now: req.now, actor: actorOf(c) });
    if (outcome.status === 'bounced') {
      // LQ 7.1: the note goes back to its sender naming what to fix; the bounce is recorded (LQ 7.2 counts them).
      const message = outcome.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
      return reply.status(422).send({ error: { kind: 'NoteBounced', message, field: outcome.problems[0]?.field ?? null }, ...outcome });
    }
    if (outcome.status === 'refused') return reply.status(422).send({ error: { kind: 'Refused:rule', message: outcome.why, field: null }, ...outcome });
    return reply.status(outcome.status === 'accepted' ? 201 : 200).send(outcome);
  });

  // An import file (text/csv, or a JSON array of rows): the LQ 6 gate, as `ladder import`. ?dryRun=1 reports
  // the buckets without writing. The body is written to a private temporary file the importer streams; its
  // path never reaches an answer (errors and escalations name the upload instead).
  app.post('/api/imports', {
    bodyLimit: 50 * 1_048_576, ...guarded({ roles: ['sales.ops', 'cro'], types: ['text/csv', ...JSON_BODY] }),
  }, async (req, reply) => {
    const c = callerOf(req);
    const csv = typeof req.body === 'string';
    if (!csv && !Array.isArray(req.body)) throw new BadInputError('body: expected a CSV file (Content-Type: text/csv) or a JSON array of rows', 'body');
    const dir = mkdtempSync(join(tmpdir(), 'ladder-import-'));
    const q = parseBody(ImportQuery, req.query, 'query');
    const name = (q.name ?? `upload-${randomBytes(4).toString('hex')}`).replace(/[^\w.-]/g, '_').replace(/\.(csv|json)$/i, '');
    const file = `${name}.${csv ? 'csv' : 'json'}`;
    const path = join(dir, file);
    const scrub = <T>(x: T): T => JSON.parse(JSON.stringify(x).split(JSON.stringify(path).slice(1, -1)).join(file)) as T;
    try {
      writeFileSync(path, csv ? (req.body as string) : JSON.stringify(req.body), { mode: 0o600 });
      const report = await importFile(engine, { path, name: file, now: req.now, actor: actorOf(c), dryRun: isOn(q.dryRun) });
      return reply.status(200).send(scrub({ ...report, file }));
    } catch (err) {
      if (err instanceof ImportFileError) err.message = err.message.split(path).join(file);
      throw err;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The daily sweep on demand (sales.ops; the server's routine also runs it on its schedule). It takes no
  // parameters: a body other than none or {} is a mistake, not a sweep.
  app.post('/api/sweep', guarded({ roles: ['sales.ops'], types: JSON_BODY }), async (req) => {
    const body = req.body;
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length > 0)) {
      throw new BadInputError('body: the sweep takes no parameters (it fires every timer due by the server\'s clock): send no body, or {}', 'body');
    }
    // Under the same lease as the routine and `ladder sweep`, recorded in runs; another sweep running → 409.
    const c = callerOf(req);
    const r = await recordedSweep(engine, { now: req.now, as: actorOf(c), source: 'api', command: `api sweep by ${c.name}`, waitMs: 0, advice: 'nothing was changed; try again when it has ended' });
    return r.status === 'done' ? r.result : null;
  });

  // The Chief of Staff's weekly report (JSON here; the page is /report) and the diagram.
  app.get('/api/report', readers, async (req) => {
    const { week } = parseBody(ReportQuery, req.query, 'query');
    const { weeklyReport } = await import('../report/report.js');
    return weeklyReport(engine, { now: req.now, week });
  });

  app.get('/diagram.svg', readers, async (_req, reply) => {
    const { generateDiagrams } = await import('../diagram/artifacts.js');
    const set = await generateDiagrams(engine.machine, engine.rules);
    return reply.type('image/svg+xml').send(set['ladder.svg']);
  });

  app.get('/report', readers, async (req, reply) => {
    const { week } = parseBody(ReportQuery, req.query, 'query');
    const [{ lifecycleSvg, renderReportHtml }, { weeklyReport }] = await Promise.all([import('../report/html.js'), import('../report/report.js')]);
    const report = weeklyReport(engine, { now: req.now, week });
    const html = renderReportHtml(report, await lifecycleSvg(engine.machine, engine.rules, report), { db: basename(ladder.path), now: req.now });
    // The report page is one self-contained file with its own inline style; it runs no script.
    return reply.type('text/html; charset=utf-8')
      .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
      .send(html);
  });
}

/**
 * What makes an upload an import file at all, checked before anything is recorded: a header (or JSON rows) naming a
 * column for each of the five LQ 6 fields, and at least one row. Without them every row would be rejected, and the
 * batch would still count in the week's rejected rate (LQ 7.2): a wrong file, not a bad batch. Malformed CSV or
 * JSON is left to the importer, which names the line.
 */
