// The HTTP doors under fuzzed bodies (issue 13): 10 000 requests (LADDER_FUZZ_SCALE multiplies them) against the
// write routes, with the valid token of every role: random JSON, wrong types, huge strings, deep nesting,
// prototype keys, invalid UTF-8, wrong content types, near-valid events, accounts, notes and imports, odd
// account keys and headers. Every answer is a 4xx with a JSON body { error: { kind, message } }: never a 5xx, and
// never a 2xx for garbage. A 2xx is allowed only for a request an independent check finds valid (the event's own
// schema, the role's permission); those are counted apart, and each must have been recorded as the caller. The
// database (every table but the refusal records) is unchanged by every other case; the refusal records only grow.
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRO_ONLY_EVENTS, LadderCommandEvent } from '../../machines/events.js';
import { BUYING_SCORES, DISQUALIFY_REASONS, GATES, SIGNAL_CODES, TIERS } from '../../machines/types.js';
import { forbidden } from '../../src/engine/roles.js';
import { NewAccountSchema } from '../../src/engine/validate.js';
import { normalizeDomain } from '../../machines/rules/domain.js';
import { contentHash } from '../helpers/reliability.js';
import { PASSING_FACTS } from '../helpers/store.js';
import { bearer, OPS, serverHarness, type ServerHarness } from './helpers.js';

const SCALE = Number(process.env.LADDER_FUZZ_SCALE ?? 1);
const CASES = Math.max(1, Math.round(10_000 * SCALE));
const SEED = 1313;
/** Tables that exist to record what was refused (or bounced, or escalated): they may grow, never change. */
const REFUSAL_RECORDS = ['refusals', 'intake_bounces', 'escalations'] as const;

const EVENT_TYPES = ['SIGNAL', 'FACTS', 'DOSSIER', ...CRO_ONLY_EVENTS, 'BRIEFING_SCHEDULED', 'BRIEFING_COMPLETED', 'ASSESSMENT_QUALIFIED',
  'ASSESSMENT_WON', 'ASSESSMENT_LOST', 'DISQUALIFY', 'ARCHIVE'] as const;
const EVENT_FIELDS = ['facts', 'verdict', 'tier', 'scores', 'evidence', 'note', 'reason', 'gate', 'justification', 'compensatingSignals', 'scheduledFor', 'signal', 'at', 'expectedVersion'];
const ACCOUNTS = {
  prospect: 'prospect.example.com', mql: 'mql.example.com', review: 'review.example.com', confirmed: 'confirmed.example.com', dq: 'dq.example.com',
};
const ROLES = { ops: 'sales.ops', cro: 'cro', cmo: 'cmo', chief: 'chief.staff' } as const;
const NAMES = { ops: 'olivia', cro: 'marcus', cmo: 'carla', chief: 'sam' } as const;
type Who = keyof typeof ROLES;

// ---- generators ----

const ODD = ['', ' ', '\u0000', '\u202e', '\ufeff', 'İ', '😀', '%s%n', '__proto__', 'constructor', 'prototype', 'null', 'NaN', '1e309', "'; DROP TABLE events; --", '../../etc/passwd', '<script>alert(1)</script>'];
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD) },
  { weight: 1, arbitrary: fc.constantFrom(...EVENT_TYPES, ...TIERS, ...SIGNAL_CODES, ...BUYING_SCORES, ...GATES, ...DISQUALIFY_REASONS) },
);
/** Any JSON value, odd text, numbers at the edges and small nested structures included. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: text },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, -1, 0, 1e308, Number.MAX_SAFE_INTEGER) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
/** An object whose keys are mostly the event's own field names, its values mostly of the wrong shape. */
const fieldsOf = (names: readonly string[]) => fc.dictionary(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: text }), anyValue, { maxKeys: 4 });

type Body =
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; text: string }
  | { kind: 'bytes'; bytes: number[] }
  | { kind: 'huge'; n: number; wrap: 'string' | 'field' | 'markdown' }
  | { kind: 'deep'; depth: number; open: '[' | '{"a":' }
  /** A valid-looking event as a form post (what a cross-site form could send with a session cookie). */
  | { kind: 'form'; fields: Record<string, string>; type: string };
type Case = { route: 'events' | 'accounts' | 'notes' | 'imports' | 'sweep'; who: Who; account: string; query: string; type: string; body: Body; headers: Record<string, string> };

const json = (value: fc.Arbitrary<unknown>) => value.map((v): Body => ({ kind: 'json', value: v }));
const raw = (t: fc.Arbitrary<string>) => t.map((s): Body => ({ kind: 'raw', text: s }));

/** Prototype keys where a parser (or a spread) could reach Object.prototype. */
const protoBody = fc.tuple(fc.constantFrom(...EVENT_TYPES), fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.constantFrom('top', 'facts', 'signal', 'deep'))
  .map(([type, key, where]) => {
    const poison = key === 'constructor' ? '{"prototype":{"polluted":"yes"}}' : '{"polluted":"yes"}';
    if (where === 'top') return `{"type":"${type}","${key}":${poison}}`;
    if (where === 'deep') return `{"type":"${type}","facts":{"x":[{"${key}":${poison}}]}}`;
    return `{"type":"${type}","${where}":{"${key}":${poison}}}`;
  });

const eventBody = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...EVENT_TYPES) }, { weight: 1, arbitrary: anyValue }), fieldsOf(EVENT_FIELDS))
    .map(([type, rest]) => json(fc.constant({ ...rest, type }))) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...EVENT_TYPES), fc.constantFrom('by', 'role'), anyValue).map(([type, f, v]) => json(fc.constant({ type, [f]: v }))) },
  { weight: 1, arbitrary: fc.constant(json(fc.constantFrom({ type: 'xstate.after.SQL_STALE.ladder.SQL' }, { type: 'xstate.after.REVIEW_SLA.ladder.SQL.review' }))) },
  { weight: 1, arbitrary: fc.constant(json(fc.record({ type: fc.constant('SIGNAL'), signal: fc.record({ id: text, code: fc.oneof(fc.constantFrom(...SIGNAL_CODES), text), contact: text, at: text }, { requiredKeys: [] }) }))) },
  {
    weight: 1,
    arbitrary: fc.constant(fc.record({
      fields: fc.constantFrom<Record<string, string>>({ type: 'FACTS' }, { type: 'CRO_CONFIRM' }, { type: 'ARCHIVE' }, { type: 'BRIEFING_SCHEDULED' }, { type: 'FACTS', expectedVersion: '2' }),
      type: fc.constantFrom('application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x'),
    }).map(({ fields, type }): Body => ({ kind: 'form', fields, type }))),
  },
).chain((x) => x);
const accountBody = fc.tuple(fc.constantFrom('domain', 'name', 'hq', 'tier', 'icpScore', 'extra', 'facts'), anyValue, fc.integer({ min: 0, max: 1e6 }))
  .map(([field, v, n]): Body => ({ kind: 'json', value: { domain: `fuzz${n}.example.com`, name: 'Fuzz', hq: 'Oslo', tier: 'Tier 2', icpScore: 50, [field]: v } }));
const noteText = fc.tuple(fc.dictionary(fc.oneof(fc.constantFrom('source', 'company_domain', 'signal_type', 'captured_at', 'captured_by', 'icp_match_score', '__proto__'), text), text, { maxKeys: 6 }), text)
  .map(([fm, body]) => `---\n${Object.entries(fm).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n')}\n---\n${body}\n`);
const csvText = fc.array(fc.array(text, { minLength: 1, maxLength: 5 }), { minLength: 0, maxLength: 5 }).map((rows) => rows.map((r) => r.join(',')).join('\n'));
/** A header the importer accepts, over rows of garbage: what only a dry run may answer 2xx for. */
const csvWithHeader = csvText.map((rows) => `Name,Domain,HQ Location,Tier,ICP Score\n${rows}`);

const common: { weight: number; arbitrary: fc.Arbitrary<Body> }[] = [
  { weight: 30, arbitrary: json(fc.jsonValue({ maxDepth: 4 })) },
  { weight: 10, arbitrary: raw(protoBody) },
  { weight: 10, arbitrary: raw(fc.string({ maxLength: 60 })) },
  { weight: 10, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }).map((bytes): Body => ({ kind: 'bytes', bytes: [0x7b, 0x22, 0xc3, 0x28, 0xff, ...bytes] })) },
  { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 10_000, max: 2_000_000 }), fc.constantFrom('string', 'field', 'markdown') as fc.Arbitrary<'string' | 'field' | 'markdown'>).map(([n, wrap]): Body => ({ kind: 'huge', n, wrap })) },
  { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 50, max: 200_000 }), fc.constantFrom('[', '{"a":') as fc.Arbitrary<'[' | '{"a":'>).map(([depth, open]): Body => ({ kind: 'deep', depth, open })) },
];
const bodyFor = {
  events: fc.oneof({ weight: 80, arbitrary: eventBody }, ...common),
  accounts: fc.oneof({ weight: 60, arbitrary: accountBody }, ...common),
  notes: fc.oneof({ weight: 40, arbitrary: raw(noteText) }, { weight: 20, arbitrary: json(fc.record({ text: noteText, name: text }, { requiredKeys: [] })) }, ...common),
  imports: fc.oneof({ weight: 30, arbitrary: raw(csvText) }, { weight: 20, arbitrary: json(fc.array(fc.dictionary(text, anyValue, { maxKeys: 4 }), { maxLength: 4 })) }, ...common),
  /** A dry run may also get a file with a valid header over garbage rows: it answers 200 and writes nothing. */
  dryRun: fc.oneof({ weight: 30, arbitrary: raw(csvWithHeader) }, { weight: 30, arbitrary: raw(csvText) }, ...common),
  sweep: fc.oneof({ weight: 30, arbitrary: json(fc.dictionary(text, anyValue, { minKeys: 1, maxKeys: 3 })) }, ...common),
};
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'text/markdown', 'text/csv',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', 'application/json; charset=latin1', ''];
const natural = { events: 'application/json', accounts: 'application/json', notes: 'text/markdown', imports: 'text/csv', sweep: 'application/json' };

const requestArb: fc.Arbitrary<Case> = fc.constantFrom('events', 'events', 'events', 'events', 'accounts', 'notes', 'imports', 'sweep').chain((route) => fc.record({
  route: fc.constant(route),
  who: fc.constantFrom<Who>('ops', 'cro', 'cmo', 'chief'),
  account: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...Object.values(ACCOUNTS)) }, { weight: 1, arbitrary: fc.constantFrom('unknown.example.com', 'REVIEW.Example.COM', '%2e%2e', '%F0%9F%98%80.com', 'a b.com', `${'a'.repeat(120)}.com`, '%ff', 'https%3A%2F%2Freview.example.com') }),
  query: route === 'imports' ? fc.constantFrom('', '?name=%00', '?name=..%2F..%2Fx.csv') : fc.constantFrom('', '', '?x=1'),
  type: fc.oneof({ weight: 4, arbitrary: fc.constant(natural[route as keyof typeof natural]) }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
  body: bodyFor[route as keyof typeof natural] as fc.Arbitrary<Body>,
  headers: fc.oneof({ weight: 6, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.record({ 'if-match': fc.oneof(fc.constantFrom('"v1"', '"v9999"', 'W/"v2"', '*', '"v-1"'), fc.string({ maxLength: 20 })) }) },
    { weight: 1, arbitrary: fc.record({ 'idempotency-key': fc.oneof(fc.constantFrom('k', 'a'.repeat(201), 'é', ' '), fc.string({ minLength: 1, maxLength: 20 }).filter((s) => /^[\x20-\x7e]*$/.test(s))) }) }) as fc.Arbitrary<Record<string, string>>,
}));

/** Import dry runs, with bodies of their own, beside every other request (about one in 40). */
const caseArb: fc.Arbitrary<Case> = fc.oneof({ weight: 39, arbitrary: requestArb }, {
  weight: 1,
  arbitrary: fc.record({ who: fc.constantFrom<Who>('ops', 'cro', 'cmo', 'chief'), query: fc.constantFrom('?dryRun=1', '?dryRun=true&name=..%2F..%2Fx.csv'), body: bodyFor.dryRun, type: fc.constant('text/csv') })
    .map((c): Case => ({ ...c, route: 'imports', account: '', headers: {} })),
});

function payloadOf(b: Body): string | Buffer {
  switch (b.kind) {
    case 'json': return JSON.stringify(b.value) ?? '';
    case 'raw': return b.text;
    case 'bytes': return Buffer.from(b.bytes);
    case 'huge': {
      const s = 'x'.repeat(b.n);
      return b.wrap === 'string' ? JSON.stringify(s) : b.wrap === 'field' ? JSON.stringify({ type: 'FACTS', note: s, facts: { partnerProgram: s } }) : `---\nsource: dm\n---\n${s}`;
    }
    case 'deep': return `${b.open.repeat(b.depth)}1${(b.open === '[' ? ']' : '}').repeat(b.depth)}`;
    case 'form': return b.type.startsWith('text/plain') ? JSON.stringify(b.fields) : new URLSearchParams(b.fields).toString();
  }
}

// ---- the oracle: what a 2xx may be for ----

/** The parsed JSON object a route would read, when the request carries one; null otherwise. */
function jsonObject(c: Case): Record<string, unknown> | null {
  if (!/^application\/json(;|$)/i.test(c.type) || c.body.kind !== 'json') return null;
  const v = c.body.value;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Why a 2xx for this case is legitimate, or null when the request is garbage and must have been refused. */
function validBecause(c: Case, h: ServerHarness, accounts: Set<string>): string | null {
  const role = ROLES[c.who];
  const body = jsonObject(c);
  if (c.route === 'events') {
    const key = normalizeDomain(decodeURIComponent(c.account));
    if (!body || 'by' in body || 'role' in body || !key.ok || !accounts.has(key.domain)) return null;
    const { expectedVersion: _v, ...event } = body;
    const ok = LadderCommandEvent.safeParse({ at: new Date(h.clock.now).toISOString(), ...event, by: NAMES[c.who], role });
    return ok.success && forbidden(String(event.type), role) === null && (role === 'cro' || !String(event.type).startsWith('CRO_')) ? `event ${String(event.type)}` : null;
  }
  if (c.route === 'accounts') {
    if (!body || 'by' in body || 'role' in body) return null;
    return NewAccountSchema.safeParse(body).success && forbidden('ACCOUNT_ADDED', role) === null ? 'account' : null;
  }
  if (c.route === 'sweep') return role === 'sales.ops' && body !== null && Object.keys(body).length === 0 ? 'sweep' : null;
  // An import dry run writes nothing; its report (rows rejected and all) is a valid answer for a file with a header.
  if (c.route === 'imports') return /dryRun=(1|true)/.test(c.query) && (role === 'sales.ops' || role === 'cro') ? 'import dry run' : null;
  return null;
}

describe('ladder serve: fuzzed write requests', () => {
  let h: ServerHarness;
  const tokens = {} as Record<Who, string>;
  beforeAll(async () => {
    h = await serverHarness({ rateLimitPerMinute: 100_000_000 });
    Object.assign(tokens, h.tokens);
    const engine = h.ladder.engine;
    const now = new Date(h.clock.now).toISOString();
    const send = (d: string, body: Record<string, unknown>, who = OPS) => engine.submit({ account: d, source: 'cli', now, event: { ...body, at: now, ...who } as never });
    for (const d of Object.values(ACCOUNTS)) engine.addAccount({ domain: d, name: d, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, now, source: 'cli' });
    for (const d of [ACCOUNTS.mql, ACCOUNTS.review, ACCOUNTS.confirmed]) send(d, { type: 'SIGNAL', signal: { id: `s-${d}`, code: 'E1', contact: `jane@${d}`, at: now, interaction: 'comment' } });
    for (const d of [ACCOUNTS.review, ACCOUNTS.confirmed]) send(d, { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'CONFIRMED', S4: 'NOT_PRESENT' } });
    send(ACCOUNTS.confirmed, { type: 'CRO_CONFIRM' }, { by: 'marcus', role: 'cro' } as never);
    send(ACCOUNTS.dq, { type: 'DISQUALIFY', reason: 'no-ecosystem' });
  });
  afterAll(async () => { await h.close(); });

  it(`answers ${CASES} fuzzed bodies on every write route with a 4xx JSON error, and changes nothing`, async () => {
    const db = h.ladder.store.sqlite;
    const ledger = () => contentHash(db, REFUSAL_RECORDS);
    const counts = () => REFUSAL_RECORDS.map((t) => Number(db.prepare(`select count(*) from ${t}`).pluck().get()));
    /** The refusal records as they were at the start: they must still be there, unchanged, at the end. */
    const firstRecords = REFUSAL_RECORDS.map((t) => db.prepare(`select * from ${t} order by rowid`).all());
    const accounts = new Set(Object.values(ACCOUNTS));
    const statuses: Record<string, number> = {};
    const valid: Record<string, number> = {};
    const failures: string[] = [];
    let before = ledger();
    let grown = counts();
    const cases = fc.sample(caseArb, { numRuns: CASES, seed: SEED });
    const started = performance.now();
    for (const [i, c] of cases.entries()) {
      const payload = payloadOf(c.body);
      const url = c.route === 'events' ? `/api/accounts/${c.account}/events` : `/api/${c.route}${c.query}`;
      const type = c.body.kind === 'form' ? c.body.type : c.type;
      const headers: Record<string, string> = { ...bearer(tokens[c.who]), ...c.headers, ...(type ? { 'content-type': type } : {}) };
      const res = await h.app.inject({ method: 'POST', url, headers, payload } as InjectOptions);
      const key = `${c.route} ${res.statusCode}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
      const show = () => `#${i} ${c.who} POST ${url} [${type}] ${JSON.stringify(c.headers)} ${String(payload).slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
      const fail = (why: string) => { if (failures.length < 20) failures.push(`${why}: ${show()}`); };

      const why = res.statusCode < 300 ? validBecause(c, h, accounts) : null;
      if (res.statusCode >= 500) fail('5xx');
      else if (res.statusCode < 400 && !why) fail('2xx for garbage');
      else if (res.statusCode >= 400) {
        let body: { error?: { kind?: unknown; message?: unknown } } | undefined;
        try { body = res.json(); } catch { fail('not JSON'); }
        if (body && (typeof body.error?.kind !== 'string' || typeof body.error.message !== 'string' || !body.error.message)) fail('no error.kind / error.message');
      }
      if (why) {
        valid[why] = (valid[why] ?? 0) + 1;
        if (c.route === 'events' && res.json().status === 'applied') {
          const last = db.prepare('select by, role, source from events order by id desc limit 1').get();
          if (JSON.stringify(last) !== JSON.stringify({ by: NAMES[c.who], role: ROLES[c.who], source: 'api' })) fail(`recorded as ${JSON.stringify(last)}`);
        }
        if (c.route === 'accounts' && res.statusCode === 201) accounts.add(res.json().account);
        before = ledger();
      } else if (ledger() !== before) {
        fail('the database changed');
        before = ledger();
      }
      const now = counts();
      if (now.some((n, k) => n < grown[k]!)) fail('a refusal record went missing');
      grown = now;
      if (({} as Record<string, unknown>).polluted !== undefined) fail('Object.prototype polluted');
    }
    const ms = performance.now() - started;
    for (const [k, t] of REFUSAL_RECORDS.entries()) {
      expect(db.prepare(`select * from ${t} order by rowid limit ?`).all(firstRecords[k]!.length), t).toEqual(firstRecords[k]);
    }
    console.log(`HTTP fuzz (seed ${SEED}): ${cases.length} requests in ${(ms / 1000).toFixed(1)} s; answers ${JSON.stringify(Object.fromEntries(Object.entries(statuses).sort()))}; `
      + `valid by chance (2xx allowed): ${JSON.stringify(valid)}; refusal records now ${JSON.stringify(Object.fromEntries(REFUSAL_RECORDS.map((t, k) => [t, grown[k]])))}`);
    expect(failures).toEqual([]);
    const total = Object.values(statuses).reduce((a, b) => a + b, 0);
    const answeredValid = Object.values(valid).reduce((a, b) => a + b, 0);
    expect(total).toBe(CASES);
    // Garbage dominates: valid-by-chance requests stay rare (the generator is not testing the happy path).
    expect(answeredValid).toBeLessThan(CASES * 0.05);
  });
});
