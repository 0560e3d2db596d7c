import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  formatProblems,
  parseSignalNote,
  REQUIRED_NOTE_FIELDS,
  SignalNoteSchema,
  type ParsedNote,
} from '../../src/intake/note.js';

const NOW = '2026-04-20T12:00:00Z';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/intake/notes/${name}`, import.meta.url), 'utf8');
const parse = (name: string, now = NOW) => parseSignalNote(fixture(name), { now, path: name });
const problemsOf = (r: ParsedNote) => (r.ok ? [] : r.problems);
const fieldsOf = (r: ParsedNote) => problemsOf(r).map((p) => p.field);

/** The SOP example with some lines replaced, for one-off cases. */
function exampleWith(lines: Record<string, string | null>): string {
  let text = fixture('sop-example.md');
  for (const [key, line] of Object.entries(lines)) {
    const re = new RegExp(`^${key}:.*\\n`, 'm');
    text = re.test(text)
      ? text.replace(re, line === null ? '' : `${line}\n`)
      : text.replace(/^captured_by: .*\n/m, (m) => `${m}${line ?? ''}\n`);
  }
  return text;
}

describe('the SOP example note (LQ 5.4)', () => {
  it('is accepted as written, with its body verbatim', () => {
    const r = parse('sop-example.md');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.note).toEqual({
      source: 'dm',
      prospect_name: 'Jane Doe',
      prospect_linkedin_url: 'https://linkedin.com/in/janedoe',
      company_name: 'Acme Cloud',
      company_domain: 'acmecloud.com',
      company_domain_raw: 'acmecloud.com',
      signal_type: 'inbound',
      signal_summary:
        'Replied to Rick\'s Substack post on partner-led GTM with "this is exactly the math we\'re trying to crack at Acme." Offered to grab 20 minutes next week.',
      icp_match_score: 82,
      captured_at: '2026-04-17T14:20:00-07:00',
      captured_by: 'mining.mind',
      prospect_role: 'VP Alliances',
      decision_maker_proximity: 'direct',
    });
    expect(r.body).toBe(
      'Jane Doe leads alliances at Acme Cloud (1,200 employees, AWS + Azure\npartner). Her DM is the first inbound of the week.\n',
    );
    expect(r.stale).toBe(false);
    expect(r.signal).toEqual({ code: 'E3', decidedBy: 'table', contact: 'https://www.linkedin.com/in/janedoe' });
    expect(r.path).toBe('sop-example.md');
  });

  it('is the one schema: SignalNoteSchema alone accepts the same fields', () => {
    const r = SignalNoteSchema.safeParse({
      source: 'dm',
      prospect_name: 'Jane Doe',
      prospect_linkedin_url: 'https://linkedin.com/in/janedoe',
      company_name: 'Acme Cloud',
      company_domain: 'https://www.AcmeCloud.com/',
      signal_type: 'inbound',
      signal_summary: 'Asked about the Assessment.',
      icp_match_score: '82',
      captured_at: new Date('2026-04-17T21:20:00Z'), // what a YAML 1.1 reader would hand over
      captured_by: 'mining.mind',
    });
    expect(r.success && r.data).toMatchObject({
      company_domain: 'acmecloud.com',
      company_domain_raw: 'https://www.AcmeCloud.com/',
      icp_match_score: 82,
      captured_at: '2026-04-17T21:20:00.000Z',
    });
  });
});

describe('a note missing a required field bounces (LQ 5.2)', () => {
  it('lists exactly the ten required fields of LQ 5.2', () => {
    expect(REQUIRED_NOTE_FIELDS).toEqual([
      'source',
      'prospect_name',
      'prospect_linkedin_url',
      'company_name',
      'company_domain',
      'signal_type',
      'signal_summary',
      'icp_match_score',
      'captured_at',
      'captured_by',
    ]);
  });

  it.each(REQUIRED_NOTE_FIELDS.map((f) => [f]))('missing %s', (field) => {
    const r = parse(`missing-${field}.md`);
    expect(r.ok).toBe(false);
    expect(problemsOf(r)).toHaveLength(1);
    expect(problemsOf(r)[0]?.field).toBe(field);
    expect(problemsOf(r)[0]?.message).toMatch(/^missing \(required\): /);
    if (!r.ok) expect(r.sender).toBe(field === 'captured_by' ? undefined : 'mining.mind');
  });

  it('treats a blank value as missing', () => {
    const r = parseSignalNote(exampleWith({ company_name: 'company_name:', signal_summary: 'signal_summary: ""' }), { now: NOW });
    expect(fieldsOf(r)).toEqual(['company_name', 'signal_summary']);
  });

  it('skips a blank optional field rather than bouncing (LQ 5.3)', () => {
    const r = parseSignalNote(exampleWith({ prospect_role: 'prospect_role:' }), { now: NOW });
    expect(r.ok && r.note.prospect_role).toBe(undefined);
  });
});

describe('a mangled note lists every problem, each with its field and what is accepted', () => {
  const r = parse('mangled.md');

  it('names every bad field once, in schema order, then unknown keys', () => {
    expect(fieldsOf(r)).toEqual([
      'source',
      'prospect_linkedin_url',
      'company_domain',
      'signal_type',
      'icp_match_score',
      'captured_at',
      'decision_maker_proximity',
      'priority',
    ]);
  });

  it('says what would be accepted', () => {
    const text = formatProblems(problemsOf(r));
    expect(text).toContain('source: expected one of post, dm, comment, meeting-request, connection-request; got "email"');
    expect(text).toMatch(/prospect_linkedin_url: expected an https LinkedIn profile URL like https:\/\/www.linkedin.com\/in\/janedoe; got "http:\/\/www.linkedin.com\/company\/acme-cloud": it uses http, not https/);
    expect(text).toContain('company_domain: "acme cloud.com" is not a company domain: it contains whitespace; expected a company domain such as acme.com');
    expect(text).toContain('signal_type: expected one of engagement, inbound, meeting-request, reference; got "lead"');
    expect(text).toContain('icp_match_score: expected a whole number from 0 to 100 (LQ 5.2), e.g. 82; got "high"');
    expect(text).toContain('captured_at: expected an ISO 8601 timestamp with time and UTC offset, e.g. 2026-04-17T14:20:00-07:00');
    expect(text).toContain('decision_maker_proximity: expected one of direct, one-step, two-step; got "close"');
    expect(text).toMatch(/priority: unknown field; accepted fields: source, prospect_name, .*, engagement_signal, interaction/);
  });

  it('still reads the sender, for bounce counting (LQ 7.2)', () => {
    expect(!r.ok && r.sender).toBe('mining.mind');
  });
});

describe('field by field', () => {
  it.each([
    ['icp_match_score: 0', 0],
    ['icp_match_score: 100', 100],
    ['icp_match_score: "82"', 82],
    ["icp_match_score: ' 82 '", 82],
  ])('accepts %s', (line, score) => {
    const r = parseSignalNote(exampleWith({ icp_match_score: line }), { now: NOW });
    expect(r.ok && r.note.icp_match_score).toBe(score);
  });

  it.each(['icp_match_score: 101', 'icp_match_score: -1', 'icp_match_score: 82.5', 'icp_match_score: "82%"', 'icp_match_score: [82]', 'icp_match_score: true'])(
    'refuses %s',
    (line) => {
      expect(fieldsOf(parseSignalNote(exampleWith({ icp_match_score: line }), { now: NOW }))).toEqual(['icp_match_score']);
    },
  );

  it.each([
    'captured_at: 2026-04-17T14:20:00Z',
    'captured_at: 2026-04-17T14:20Z',
    'captured_at: 2026-04-17T14:20:00.123+05:30',
    'captured_at: 2026-04-17T14:20:00-0700',
    "captured_at: '2026-04-17T14:20:00-07:00'",
  ])('accepts %s', (line) => {
    expect(parseSignalNote(exampleWith({ captured_at: line }), { now: NOW }).ok).toBe(true);
  });

  it.each([
    ['captured_at: 2026-04-17', 'a date without a time'],
    ['captured_at: 2026-04-17T14:20:00', 'no UTC offset'],
    ['captured_at: 2026-02-30T10:00:00Z', '30 February'],
    ['captured_at: 2026-04-17T24:00:00Z', 'hour 24'],
    ['captured_at: 2026-04-17 14:20:00Z', 'a space for the T'],
    ['captured_at: 17/04/2026 14:20', 'not ISO 8601'],
    ['captured_at: yesterday', 'a word'],
  ])('refuses %s (%s)', (line) => {
    expect(fieldsOf(parseSignalNote(exampleWith({ captured_at: line }), { now: NOW }))).toEqual(['captured_at']);
  });

  it('folds the case of enumerated values (DM, Inbound)', () => {
    const r = parseSignalNote(exampleWith({ source: 'source: DM', signal_type: 'signal_type: Inbound' }), { now: NOW });
    expect(r.ok && [r.note.source, r.note.signal_type]).toEqual(['dm', 'inbound']);
  });

  it('reads prior_touchpoints as a list, and a single string as a one-item list', () => {
    const list = parse('stale.md');
    expect(list.ok && list.note.prior_touchpoints).toEqual(['podcast guest, February 2026', 'commented on the partner-led GTM post']);
    const one = parseSignalNote(exampleWith({ prior_touchpoints: 'prior_touchpoints: podcast guest' }), { now: NOW });
    expect(one.ok && one.note.prior_touchpoints).toEqual(['podcast guest']);
    const bad = parseSignalNote(exampleWith({ prior_touchpoints: 'prior_touchpoints: {a: 1}' }), { now: NOW });
    expect(problemsOf(bad)).toEqual([{ field: 'prior_touchpoints', message: 'expected a list of prior interactions; got a mapping' }]);
  });

  it('keeps the raw and normalized domain', () => {
    const r = parse('stale.md');
    expect(r.ok && [r.note.company_domain, r.note.company_domain_raw]).toEqual(['globex.co.uk', 'https://www.globex.co.uk/partners']);
  });

  it('suggests the field an unknown key was probably meant to be', () => {
    const r = parseSignalNote(exampleWith({ suggested_respons: 'suggested_respons: Reply within the day.' }), { now: NOW });
    expect(problemsOf(r)).toHaveLength(1);
    expect(problemsOf(r)[0]?.field).toBe('suggested_respons');
    expect(problemsOf(r)[0]?.message).toMatch(/^unknown field \(did you mean suggested_response\?\); accepted fields: /);
  });

  it('says a text field given as a number must be quoted text', () => {
    const r = parseSignalNote(exampleWith({ company_name: 'company_name: 1800' }), { now: NOW });
    expect(problemsOf(r)).toEqual([
      {
        field: 'company_name',
        message: 'expected text (the current company per the LinkedIn profile); got number 1800 (put it in quotes to keep it as text)',
      },
    ]);
  });
});

describe('staleness and the clock (LQ 5.2: >14 days old = re-validate)', () => {
  it('accepts a note older than 14 days but marks it stale', () => {
    const r = parse('stale.md');
    expect(r.ok && r.stale).toBe(true);
  });

  it('is not stale at exactly 14 days, and stale one minute later', () => {
    // SOP example: captured 2026-04-17T21:20:00Z
    expect(parseSignalNote(fixture('sop-example.md'), { now: '2026-05-01T21:20:00Z' })).toMatchObject({ ok: true, stale: false });
    expect(parseSignalNote(fixture('sop-example.md'), { now: '2026-05-01T21:21:00Z' })).toMatchObject({ ok: true, stale: true });
  });

  it('takes staleDays as an option', () => {
    expect(parseSignalNote(fixture('sop-example.md'), { now: NOW, staleDays: 2 })).toMatchObject({ ok: true, stale: true });
  });

  it('refuses a note captured more than 5 minutes in the future', () => {
    const r = parse('future.md');
    expect(problemsOf(r)).toEqual([
      {
        field: 'captured_at',
        message:
          '2026-04-20T12:10:00Z is 10 minutes after now (2026-04-20T12:00:00Z); expected a time in the past (up to 5 minutes ahead is tolerated for clock skew)',
      },
    ]);
    expect(!r.ok && r.sender).toBe('scout.bot');
  });

  it('tolerates up to 5 minutes of clock skew', () => {
    expect(parse('future.md', '2026-04-20T12:05:00Z').ok).toBe(true);
    expect(parse('future.md', '2026-04-20T12:04:59Z').ok).toBe(false);
  });

  it('reports a future timestamp alongside the other problems', () => {
    const text = exampleWith({ captured_at: 'captured_at: 2027-01-01T00:00:00Z', source: 'source: email' });
    expect(fieldsOf(parseSignalNote(text, { now: NOW }))).toEqual(['source', 'captured_at']);
  });

  it('throws on a bad now: a programming error, not a bad note', () => {
    expect(() => parseSignalNote(fixture('sop-example.md'), { now: 'soon' })).toThrow(TypeError);
  });
});

describe('the engagement signal of a note', () => {
  it('bounces an ambiguous post: a like or a comment/share/save must be said', () => {
    const r = parse('ambiguous-post.md');
    expect(problemsOf(r)).toHaveLength(1);
    expect(problemsOf(r)[0]?.field).toBe('engagement_signal');
    expect(problemsOf(r)[0]?.message).toMatch(
      /^cannot tell the signal from source post \+ signal_type engagement: .*; add engagement_signal: E1\.\.E10 \(and interaction: comment\|share\|save\|like for E1\)$/,
    );
  });

  it('accepts the same post once it says engagement_signal E1 and interaction share', () => {
    const r = parse('post-share.md');
    expect(r.ok && r.signal).toEqual({
      code: 'E1',
      interaction: 'share',
      decidedBy: 'engagement_signal',
      contact: 'https://www.linkedin.com/in/liwei',
    });
  });

  it('maps a meeting request to E4 whatever the signal_type (CRLF note, country LinkedIn host)', () => {
    const r = parse('crlf-meeting-request.md');
    expect(r.ok && r.signal).toEqual({ code: 'E4', decidedBy: 'table', contact: 'https://www.linkedin.com/in/jane-doe-4711' });
    expect(r.ok && r.note.company_domain).toBe('acmecloud.com');
    expect(r.ok && r.body).toBe('CRLF line endings.\r\n');
  });

  it('accepts engagement_signal in lower case', () => {
    const r = parseSignalNote(exampleWith({ engagement_signal: 'engagement_signal: e10' }), { now: NOW });
    expect(r.ok && r.signal.code).toBe('E10');
  });

  it('lists a signal inconsistency together with other problems', () => {
    const text = exampleWith({ engagement_signal: 'engagement_signal: E4', interaction: 'interaction: like', company_name: null });
    expect(fieldsOf(parseSignalNote(text, { now: NOW }))).toEqual(['company_name', 'interaction']);
  });

  it('checks interaction against engagement_signal even when source is broken', () => {
    const text = exampleWith({ source: 'source: email', engagement_signal: 'engagement_signal: E3', interaction: 'interaction: save' });
    expect(fieldsOf(parseSignalNote(text, { now: NOW }))).toEqual(['source', 'interaction']);
  });

  it.each([
    ['engagement_signal: E11', 'engagement_signal', 'expected one of E1, E2, E3, E4, E5, E6, E7, E8, E9, E10; got "E11"'],
    ['interaction: retweet', 'interaction', 'expected one of comment, share, save, like; got "retweet"'],
  ])('refuses %s', (line, field, message) => {
    const key = line.split(':')[0] ?? '';
    expect(problemsOf(parseSignalNote(exampleWith({ [key]: line }), { now: NOW }))).toEqual([{ field, message }]);
  });
});

describe('front matter that cannot be read still bounces as problems, never as exceptions', () => {
  it.each([
    ['no-front-matter.md', /^no front matter: expected the note to start with a line "---"/, 'scout.bot'],
    ['unterminated.md', /^the front matter has no closing "---" line/, 'scout.bot'],
    ['yaml-syntax.md', /^YAML syntax error on line 4 of the note: Flow sequence in block collection must be sufficiently indented and end with a \]$/, 'mining.mind'],
  ])('%s', (name, message, sender) => {
    const r = parse(name);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.length).toBeGreaterThan(0);
    for (const p of r.problems) expect(p.field).toBe('front_matter');
    expect(r.problems[0]?.message).toMatch(message);
    expect(r.sender).toBe(sender);
  });

  it('a list instead of a mapping', () => {
    expect(problemsOf(parse('non-mapping.md'))).toEqual([
      { field: 'front_matter', message: 'expected the front matter to be a mapping of fields; got a list' },
    ]);
  });

  it('empty front matter lists every required field as missing', () => {
    const r = parseSignalNote('---\n---\nbody\n', { now: NOW });
    expect(fieldsOf(r)).toEqual(REQUIRED_NOTE_FIELDS);
  });

  it('a duplicate key is a problem naming the key, listed with the others', () => {
    const r = parse('duplicate-keys.md');
    expect(problemsOf(r)).toEqual([{ field: 'company_domain', message: 'given 2 times in the front matter; keep exactly one' }]);
    expect(!r.ok && r.sender).toBe('mining.mind');
  });

  it('a byte-order mark before the front matter is fine', () => {
    expect(parseSignalNote(`\uFEFF${fixture('sop-example.md')}`, { now: NOW }).ok).toBe(true);
  });

  it('an empty file', () => {
    expect(problemsOf(parseSignalNote('', { now: NOW }))).toHaveLength(1);
  });

  it('a YAML alias bomb is refused, not expanded', () => {
    const bomb = ['---', 'a: &a ["x","x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]', '---', ''].join('\n');
    expect(problemsOf(parseSignalNote(bomb, { now: NOW }))).toEqual([
      { field: 'front_matter', message: expect.stringMatching(/^cannot read the YAML: Excessive alias count/) },
    ]);
  });
});
