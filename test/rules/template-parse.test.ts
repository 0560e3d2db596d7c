import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTemplate, type Template, type TemplateProblem } from '../../machines/templates/parse.js';
import { MissingValueError, renderTemplate, UnsafeValueError } from '../../machines/templates/render.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/templates/${name}`, import.meta.url), 'utf8');
const ACCEPTED = 'Nurture-MQL, Activation-SQL, Re-engagement, Post-Briefing';

function ok(text: string): Template {
  const r = parseTemplate(text);
  if (!r.ok) throw new Error(`expected the template to parse: ${JSON.stringify(r.problems)}`);
  return r.template;
}
function problems(text: string, sequences?: readonly string[]): TemplateProblem[] {
  const r = parseTemplate(text, sequences);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}
const doc = (front: string[], body = 'Hi {{first_name}},\n\nOne.\n') => ['---', ...front, '---', body].join('\n');
const FRONT = ['sequence: Nurture-MQL', 'step: 1', 'subject: Hello'];

describe('a template file', () => {
  it('reads the front matter, the body and where each starts', () => {
    const t = ok(fixture('nurture-mql-1.md'));
    expect(t).toMatchObject({
      sequence: 'Nurture-MQL',
      step: 1,
      subject: '{{company_name}} and the partner half of the forecast',
      description: 'Day 1 of the burst (HO 5.2); awareness, no pricing.',
      sequenceLine: 2,
      subjectLine: 4,
      bodyLine: 7,
    });
    expect(t.body.startsWith('\nHi {{first_name}},\n')).toBe(true);
    expect(t.placeholders).toEqual([
      { name: 'company_name', line: 4 },
      { name: 'first_name', line: 8 },
      { name: 'company_name', line: 10 },
      { name: 'company_insight', line: 10 },
      { name: 'sender_name', line: 17 },
      { name: 'unsubscribe_link', line: 19 },
    ]);
  });

  it.each(['nurture-mql-1.md', 'activation-sql-1.md', 're-engagement-1.md', 'post-briefing-1.md'])('parses the fixture %s', (name) => {
    expect(parseTemplate(fixture(name)).ok).toBe(true);
  });

  it('leaves description out when it is not given', () => {
    expect('description' in ok(fixture('re-engagement-1.md'))).toBe(false);
  });

  it('counts lines the same with CRLF line ends and a byte-order mark', () => {
    const t = ok(`\uFEFF${doc(FRONT, 'Hi {{first_name}},\r\n\r\nSee {{company_name}}.\r\n').replace(/\n/g, '\r\n')}`);
    expect(t.bodyLine).toBe(6);
    expect(t.subjectLine).toBe(4);
    expect(t.placeholders).toEqual([{ name: 'first_name', line: 6 }, { name: 'company_name', line: 8 }]);
  });

  it('accepts the sequence type in any case and with spaces, giving the settings spelling', () => {
    expect(ok(doc(['sequence: nurture mql', 'step: 2', 'subject: Hi'])).sequence).toBe('Nurture-MQL');
    expect(ok(doc(['sequence: POST_BRIEFING', 'step: 2', 'subject: Hi'])).sequence).toBe('Post-Briefing');
  });

  it('accepts the step as a quoted whole number', () => {
    expect(ok(doc(['sequence: Nurture-MQL', 'step: "3"', 'subject: Hi'])).step).toBe(3);
  });
});

describe('front matter problems', () => {
  it('lists every problem of the fixture at its line', () => {
    expect(problems(fixture('front-matter-problems.md'))).toEqual([
      { rule: 'front-matter', field: 'sequence', line: 2, message: `sequence: "Nurture" is not a sequence type; expected one of ${ACCEPTED} (any case)` },
      { rule: 'front-matter', field: 'step', line: 3, message: 'step: expected the step of the sequence, a whole number from 1 to 20; got number 0' },
      { rule: 'front-matter', field: 'tone', line: 5, message: 'tone: unknown field; accepted fields: sequence, step, subject, description (description optional)' },
      { rule: 'front-matter', field: 'subject', line: 6, message: 'subject: given twice (first on line 4); keep exactly one' },
    ]);
  });

  it.each([
    { it: 'no front matter', text: 'Hi {{first_name}},\n', line: 1, message: 'no front matter: expected the template to start with a line "---"' },
    { it: 'no closing ---', text: '---\nsequence: Nurture-MQL\nstep: 1\n\nHi {{first_name}},\n', line: 1, message: 'the front matter has no closing "---" line' },
    { it: 'a missing sequence', text: doc(['step: 1', 'subject: Hi']), line: 1, message: `sequence: missing (required): one of ${ACCEPTED}` },
    { it: 'a missing step', text: doc(['sequence: Nurture-MQL', 'subject: Hi']), line: 1, message: 'step: missing (required): the step of the sequence, a whole number from 1 to 20' },
    { it: 'a blank subject', text: doc(['sequence: Nurture-MQL', 'step: 1', 'subject: ""']), line: 4, message: 'subject: missing (required): the email subject, one line of 1-200 characters' },
    { it: 'a wrong type name, naming the accepted ones', text: doc(['sequence: Webinar', 'step: 1', 'subject: Hi']), line: 2, message: `sequence: "Webinar" is not a sequence type; expected one of ${ACCEPTED} (any case)` },
    { it: 'a step of 21', text: doc(['sequence: Nurture-MQL', 'step: 21', 'subject: Hi']), line: 3, message: 'step: expected the step of the sequence, a whole number from 1 to 20; got number 21' },
    { it: 'a step of 1.5', text: doc(['sequence: Nurture-MQL', 'step: 1.5', 'subject: Hi']), line: 3, message: 'got number 1.5' },
    { it: 'a step in words', text: doc(['sequence: Nurture-MQL', 'step: two', 'subject: Hi']), line: 3, message: 'got "two"' },
    { it: 'a subject that is a number', text: doc(['sequence: Nurture-MQL', 'step: 1', 'subject: 2026']), line: 4, message: 'subject: expected text (the email subject, one line of 1-200 characters); got number 2026 (put it in quotes to keep it as text)' },
    { it: 'a subject of 201 characters', text: doc(['sequence: Nurture-MQL', 'step: 1', `subject: ${'a'.repeat(201)}`]), line: 4, message: 'subject: the value is 201 characters long; at most 200 are accepted' },
    { it: 'a control character in the subject', text: doc(['sequence: Nurture-MQL', 'step: 1', 'subject: "Hi\\u001b]0;x"']), line: 4, message: 'subject: the value contains the control character U+001B' },
    { it: 'an unknown key', text: doc([...FRONT, 'tone: warm']), line: 5, message: 'tone: unknown field; accepted fields: sequence, step, subject, description' },
    { it: 'a __proto__ key (never read as the prototype)', text: doc(['__proto__: { sequence: Nurture-MQL, step: 1, subject: Hi }']), line: 1, message: 'sequence: missing (required)' },
    { it: 'a duplicate key', text: doc([...FRONT, 'step: 2']), line: 5, message: 'step: given twice (first on line 3); keep exactly one' },
    { it: 'a YAML syntax error, at its line of the file', text: doc(['sequence: Nurture-MQL', 'step: 1', 'subject: "unclosed']), line: 4, message: 'YAML syntax error' },
    { it: 'a list instead of fields', text: doc(['- sequence', '- step']), line: 2, message: 'expected the front matter to be fields (key: value), one a line; got a list' },
  ])('refuses $it', ({ text, line, message }) => {
    const p = problems(text);
    expect(p[0]).toMatchObject({ rule: 'front-matter', line });
    expect(p[0]!.message).toContain(message);
  });

  it('names the accepted types of the settings it is given', () => {
    expect(problems(doc(['sequence: Nurture-MQL', 'step: 1', 'subject: Hi']), ['Webinar-Invite', 'Onboarding'])[0]!.message)
      .toBe('sequence: "Nurture-MQL" is not a sequence type; expected one of Webinar-Invite, Onboarding (any case)');
  });

  it('refuses an oversized front matter before reading it', () => {
    expect(problems(doc([...FRONT, `description: ${'a'.repeat(9000)}`]))[0]!.message).toContain('characters long; at most 8000 are accepted');
  });
});

describe('body problems', () => {
  it.each([
    { it: 'an empty body', text: doc(FRONT, '\n  \n'), line: 6, message: 'the body is empty; expected the email text after the closing "---" line' },
    { it: 'a body over 20 000 characters', text: doc(FRONT, 'a'.repeat(20_001)), line: 6, message: 'the body is 20001 characters long; at most 20000 are accepted' },
    { it: 'a control character, at its line', text: doc(FRONT, 'Hi,\n\nOne\u0007 two.\n'), line: 8, message: 'the line contains the control character U+0007' },
    { it: 'a bidirectional override, at its line', text: doc(FRONT, 'Hi,\nOne \u202e two.\n'), line: 7, message: 'U+202E' },
  ])('refuses $it', ({ text, line, message }) => {
    const p = problems(text);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ rule: 'body', line });
    expect(p[0]!.message).toContain(message);
  });

  it('accepts tabs', () => {
    expect(ok(doc(FRONT, 'Hi,\n\tOne.\n')).body).toBe('Hi,\n\tOne.\n');
  });
});

describe('placeholder syntax', () => {
  it('names each malformed placeholder at its line and says what is accepted', () => {
    const accepts = 'a placeholder is {{name}} on one line, the name in lower snake_case (e.g. {{company_name}}); braces are accepted only in placeholders';
    expect(problems(fixture('bad-placeholders.md'))).toEqual([
      { rule: 'placeholder-syntax', line: 4, message: `"{{Company Name}}" is not a placeholder (did you mean {{company_name}}?): ${accepts}` },
      { rule: 'placeholder-syntax', line: 7, message: `"{first_name}" has single braces; write {{first_name}}: ${accepts}` },
      { rule: 'placeholder-syntax', line: 10, message: `"{{company-insight}}" is not a placeholder (did you mean {{company_insight}}?): ${accepts}` },
      { rule: 'placeholder-syntax', line: 10, message: `"{{" is not closed by "}}" on the same line: ${accepts}` },
      { rule: 'placeholder-syntax', line: 11, message: `stray "}" at column 9: ${accepts}` },
    ]);
  });

  it.each([
    { it: 'spaces inside the braces', line: 'Hi {{ first_name }} and {{\tcompany_name\t}}.', names: ['first_name', 'company_name'] },
    { it: 'digits in a name', line: 'See {{step_2_link}}.', names: ['step_2_link'] },
  ])('accepts $it', ({ line, names }) => {
    expect(ok(doc(FRONT, `${line}\n`)).placeholders.map((p) => p.name)).toEqual(names);
  });

  it.each([
    { it: 'camelCase', line: 'Hi {{firstName}},', message: '"{{firstName}}" is not a placeholder (did you mean {{first_name}}?)' },
    { it: 'an empty placeholder', line: 'Hi {{}},', message: '"{{}}" is not a placeholder:' },
    { it: 'a dotted path', line: 'Hi {{contact.first_name}},', message: '"{{contact.first_name}}" is not a placeholder (did you mean {{contact_first_name}}?)' },
    { it: 'a filter', line: 'Hi {{first_name | upper}},', message: 'is not a placeholder (did you mean {{first_name_upper}}?)' },
    { it: 'triple braces', line: 'Hi {{{first_name}}},', message: '"{{{first_name}}}" has too many braces; write {{first_name}}' },
    { it: 'a double underscore', line: 'Hi {{first__name}},', message: '"{{first__name}}" is not a placeholder (did you mean {{first_name}}?)' },
    { it: 'a placeholder split over two lines', line: 'Hi {{first_\nname}},', message: '"{{" is not closed by "}}" on the same line' },
  ])('refuses $it', ({ line, message }) => {
    const p = problems(doc(FRONT, `${line}\n`));
    expect(p[0]).toMatchObject({ rule: 'placeholder-syntax', line: 6 });
    expect(p[0]!.message).toContain(message);
  });

  it('checks the subject at its front-matter line', () => {
    expect(problems(doc(['sequence: Nurture-MQL', 'step: 1', 'subject: "For {Company}"']))).toEqual([
      expect.objectContaining({ rule: 'placeholder-syntax', line: 4, message: expect.stringContaining('"{Company}" has single braces') }),
    ]);
  });
});

describe('renderTemplate', () => {
  const values = {
    first_name: 'Dana',
    company_name: 'Acme',
    company_insight: 'Acme doubled its reseller count in 2025 while direct headcount stayed flat',
    sender_name: 'Rick',
    unsubscribe_link: 'https://ladder.example/u/abc',
  };

  it('fills every placeholder and drops the blank lines around the body', () => {
    const r = renderTemplate(ok(fixture('nurture-mql-1.md')), values);
    expect(r.subject).toBe('Acme and the partner half of the forecast');
    expect(r.body.startsWith('Hi Dana,\n\nI was reading up on Acme and one thing stood out: Acme doubled its reseller count')).toBe(true);
    expect(r.body.endsWith("If this isn't useful, https://ladder.example/u/abc and I won't write again.")).toBe(true);
    expect(r.body).not.toContain('{{');
  });

  it('names every missing value once, with its first line', () => {
    const t = ok(fixture('nurture-mql-1.md'));
    const { company_name: _, sender_name: __, ...partial } = values;
    expect(() => renderTemplate(t, partial)).toThrowError(MissingValueError);
    expect(() => renderTemplate(t, partial)).toThrowError('cannot render Nurture-MQL step 1: no value for {{company_name}} (line 4), {{sender_name}} (line 17); pass a non-blank value for every placeholder the template uses');
  });

  it('treats a blank value as missing', () => {
    expect(() => renderTemplate(ok(fixture('nurture-mql-1.md')), { ...values, first_name: '  ' })).toThrowError('no value for {{first_name}} (line 8)');
  });

  it('never reads a value from the prototype', () => {
    expect(() => renderTemplate(ok(doc(FRONT, 'Hi {{constructor}}.\n')), {})).toThrowError('no value for {{constructor}} (line 6)');
  });

  it('refuses a subject value with a line break (header injection)', () => {
    expect(() => renderTemplate(ok(fixture('nurture-mql-1.md')), { ...values, company_name: 'Acme\r\nBcc: x@y.z' })).toThrowError(UnsafeValueError);
  });

  it('replaces in one pass: a value holding {{…}} stays as written', () => {
    const t = ok(doc(FRONT, 'Hi {{first_name}} at {{company_name}}.\n'));
    expect(renderTemplate(t, { first_name: '{{company_name}}', company_name: 'Acme' }).body).toBe('Hi {{company_name}} at Acme.');
  });
});
