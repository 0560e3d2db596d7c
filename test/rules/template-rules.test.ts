import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATE_SETTINGS, TemplateSettingsSchema, type TemplateSettings } from '../../machines/templates/config.js';
import { parseTemplate, type Template } from '../../machines/templates/parse.js';
import { checkTemplate, countSentences, findPhrases, splitSentences } from '../../machines/templates/rules.js';

const S = DEFAULT_TEMPLATE_SETTINGS;
const fixture = (name: string) => readFileSync(new URL(`../fixtures/templates/${name}`, import.meta.url), 'utf8');

function parsed(text: string, sequences?: readonly string[]): Template {
  const r = parseTemplate(text, sequences);
  if (!r.ok) throw new Error(`expected the template to parse: ${JSON.stringify(r.problems)}`);
  return r.template;
}

// Lines 1-5 are the front matter; the body starts on line 6. Line 11 is the slot each case fills.
const OPENING: Record<string, [string, string]> = {
  'Nurture-MQL': [
    'I was reading up on {{company_name}} and one thing stood out: {{company_insight}}.',
    'That is usually where partner revenue outgrows the forecast.',
  ],
  'Activation-SQL': [
    'Thanks for {{engagement_trigger}}; it lined up with what I noticed at {{company_name}}: {{company_insight}}.',
    'The timing matters, because {{market_timing_hook}}.',
  ],
  'Re-engagement': [
    'I just finished a benchmark of 40 partner programs, and {{company_name}} came to mind.',
    'Most of them measure partners on one axis only.',
  ],
  'Post-Briefing': [
    'You mentioned {{conversation_reference}}, and I have been thinking about it since.',
    'That is the gap the Assessment closes for {{company_name}}.',
  ],
};
const CTA = 'I can send the benchmark data — want me to?';

function email(o: { sequence?: string; subject?: string; slot?: string; opening?: [string, string]; optOut?: string | null } = {}): string {
  const sequence = o.sequence ?? 'Nurture-MQL';
  const [first, second] = o.opening ?? OPENING[sequence]!;
  const optOut = o.optOut === undefined ? '{{unsubscribe_link}}' : o.optOut;
  return [
    '---',
    `sequence: ${sequence}`,
    'step: 1',
    `subject: ${JSON.stringify(o.subject ?? 'A note on partner revenue')}`,
    '---',
    'Hi {{first_name}},', // 6
    '',
    first, // 8
    second, // 9
    'RevOps handles one axis, ERI handles the other.', // 10
    o.slot ?? CTA, // 11
    '',
    'Best,', // 13
    '{{sender_name}}', // 14
    ...(optOut === null ? [] : ['', optOut]), // 16
  ].join('\n');
}

const check = (text: string, s: TemplateSettings = S) => checkTemplate(parsed(text), s);
const where = (text: string, s?: TemplateSettings) => check(text, s).map((p) => ({ rule: p.rule, line: p.line }));

describe('the fixtures', () => {
  it.each(['nurture-mql-1.md', 'activation-sql-1.md', 're-engagement-1.md', 'post-briefing-1.md'])('%s passes every rule with the defaults', (name) => {
    expect(check(fixture(name))).toEqual([]);
  });

  it('refuses pricing in a Nurture email: the subject, the body and the price placeholder', () => {
    expect(where(fixture('nurture-with-pricing.md'))).toEqual([
      { rule: 'no-pricing', line: 4 },
      { rule: 'no-pricing', line: 12 },
      { rule: 'no-pricing', line: 12 },
      { rule: 'no-pricing', line: 13 },
    ]);
    const messages = check(fixture('nurture-with-pricing.md')).map((p) => p.message);
    expect(messages[0]).toBe('no-pricing: "price" in the subject is pricing, and Nurture-MQL emails carry none (HO 5.3: the $2,500 Assessment price appears only after SQL qualification); pricing belongs in Activation-SQL or Post-Briefing. Remove it');
    expect(messages[1]).toContain('"$2,500" is pricing');
    expect(messages[2]).toContain('"Assessment fee" is pricing');
    expect(messages[3]).toContain('{{assessment_price}} puts a price in the email');
  });

  it('finds every vendor-voice problem at its line', () => {
    expect(where(fixture('nurture-vendor-voice.md'))).toEqual([
      { rule: 'drift', line: 4 },
      { rule: 'sentences', line: 7 },
      { rule: 'personalization', line: 7 },
      { rule: 'we-help', line: 9 },
      { rule: 'drift', line: 9 },
      { rule: 'drift', line: 10 },
      { rule: 'drift', line: 10 },
      { rule: 'low-friction-cta', line: 11 },
      { rule: 'unknown-placeholder', line: 10 },
      { rule: 'opt-out', line: 14 },
    ].sort((a, b) => a.line - b.line));
  });
});

type Case = { it: string; text: string; want: { rule: string; line: number }[]; quote?: string };

describe('no-pricing (HO 5.3: the $2,500 Assessment price only in Activation)', () => {
  it.each<Case>([
    { it: 'allows "$2,500" in an Activation email', text: email({ sequence: 'Activation-SQL', slot: 'The Assessment that follows is a fixed $2,500.' }), want: [] },
    { it: 'allows {{assessment_price}} in a Post-Briefing framework', text: email({ sequence: 'Post-Briefing', slot: 'It is a fixed {{assessment_price}} engagement.' }), want: [] },
    { it: 'refuses "$2,500" in a Nurture email', text: email({ slot: 'The Assessment that follows is a fixed $2,500.' }), want: [{ rule: 'no-pricing', line: 11 }], quote: '"$2,500"' },
    { it: 'refuses "$2500" in a Re-engagement email', text: email({ sequence: 'Re-engagement', slot: 'It is $2500 for the Assessment.' }), want: [{ rule: 'no-pricing', line: 11 }], quote: '"$2500"' },
    { it: 'refuses "Pricing" and "2,500 USD" as two hits', text: email({ slot: 'Pricing starts at 2,500 USD.' }), want: [{ rule: 'no-pricing', line: 11 }, { rule: 'no-pricing', line: 11 }], quote: '"Pricing"' },
    { it: 'refuses "assessment-fee" (any case, hyphenated)', text: email({ slot: 'The assessment-fee is small.' }), want: [{ rule: 'no-pricing', line: 11 }], quote: '"assessment-fee"' },
    { it: 'refuses pricing in the subject at its front-matter line', text: email({ subject: 'Our price for {{company_name}}' }), want: [{ rule: 'no-pricing', line: 4 }], quote: '"price" in the subject' },
    { it: 'refuses {{assessment_price}} in a Nurture email', text: email({ slot: 'It is {{assessment_price}} for the Assessment.' }), want: [{ rule: 'no-pricing', line: 11 }], quote: '{{assessment_price}}' },
    { it: 'reads "price" as a whole word: "priced" passes', text: email({ slot: 'Your partners priced it in already.' }), want: [] },
    { it: 'reads "$2,500" as a whole amount: "$2,5000" is another number', text: email({ slot: 'That is $2,5000 of partner pipeline.' }), want: [] },
    { it: 'reads "price" as a whole word: "reprice" passes', text: email({ slot: 'Your partners reprice every quarter.' }), want: [] },
    { it: 'reads "2,500 USD" as a whole amount: "12,500 USD" is another number', text: email({ slot: 'That is 12,500 USD of partner pipeline.' }), want: [] },
  ])('$it', ({ text, want, quote }) => {
    expect(where(text)).toEqual(want);
    if (quote !== undefined) expect(check(text)[0]!.message).toContain(quote);
  });
});

describe('opt-out (HO 5.3: every sequence email, CAN-SPAM)', () => {
  it.each<Case>([
    { it: 'passes with {{unsubscribe_link}} in the body', text: email(), want: [] },
    { it: 'passes with {{ opt_out_link }} written with spaces', text: email({ optOut: 'Not relevant? {{ opt_out_link }}' }), want: [] },
    { it: 'refuses a body without an opt-out, at the last line of the body', text: email({ optOut: null }), want: [{ rule: 'opt-out', line: 14 }] },
    { it: 'does not count an opt-out in the subject', text: email({ optOut: null, subject: 'Unsubscribe here {{unsubscribe_link}}' }), want: [{ rule: 'opt-out', line: 14 }] },
  ])('$it', ({ text, want }) => {
    expect(where(text)).toEqual(want);
  });

  it('says what is accepted', () => {
    expect(check(email({ optOut: null }))[0]!.message).toBe('opt-out: the body has no opt-out; every sequence email carries one (HO 5.3, CAN-SPAM): add {{unsubscribe_link}} or {{opt_out_link}} to the body, e.g. "Not relevant? {{unsubscribe_link}}" on the last line');
  });
});

describe('sentences (HO 5.3: "Emails are 4-7 sentences max")', () => {
  it.each<Case>([
    { it: 'passes 4 sentences (the minimum)', text: email(), want: [] },
    { it: 'passes 7 sentences (the maximum)', text: email({ slot: 'One more. Two more. Three more. Four more.' }), want: [] },
    { it: 'refuses 3 sentences, at the first line of the body', text: email({ slot: '' }), want: [{ rule: 'sentences', line: 6 }] },
    { it: 'refuses 8 sentences, at the line where the 8th starts', text: email({ slot: 'One more. Two more. Three more. Four more. Five more.' }), want: [{ rule: 'sentences', line: 11 }], quote: 'The 8th starts here: "Five more."' },
    { it: 'keeps the maximum for a Post-Briefing framework', text: email({ sequence: 'Post-Briefing', slot: 'One more. Two more. Three more. Four more. Five more.' }), want: [{ rule: 'sentences', line: 11 }] },
    { it: 'does not end a sentence inside 2.5 or after e.g. and U.S.', text: email({ slot: 'Revenue grew 2.5x in the U.S. market, e.g. at Acme Inc. last year. Two more. Three more. Four more.' }), want: [] },
  ])('$it', ({ text, want, quote }) => {
    expect(where(text)).toEqual(want);
    if (quote !== undefined) expect(check(text)[0]!.message).toContain(quote);
  });

  it('takes the range from the settings', () => {
    const s = TemplateSettingsSchema.parse({ sentences: { min: 1, max: 3 } });
    expect(where(email(), s)).toEqual([{ rule: 'sentences', line: 11 }]);
  });
});

describe('countSentences: what a reader counts', () => {
  it.each([
    { text: '', want: 0 },
    { text: 'One sentence.', want: 1 },
    { text: 'Revenue grew 2.5x at Acme Inc. last year.', want: 1 },
    { text: 'See e.g. the U.S. numbers vs. last year, i.e. flat. Next one.', want: 2 },
    { text: 'Mr. Smith met Dr. Jones at 9 a.m. on Friday.', want: 1 },
    { text: 'Partners, resellers, etc. are all in scope.', want: 1 },
    { text: 'It costs $2,500. That is it.', want: 2 },
    { text: 'Visit acme.com/benchmark. It is free.', want: 2 },
    { text: 'Wait… really? Yes!', want: 3 },
    { text: 'Really?! Yes... Fine.', want: 3 },
    { text: 'He said "no." Then he left.', want: 2 },
    { text: 'It is **bold.** Then plain.', want: 2 },
    { text: 'This sentence\ncontinues here. Two.', want: 2 },
    { text: 'No period here\n\nTwo.', want: 2 },
    { text: 'Hi {{first_name}},\n\nOne. Two.', want: 2 },
    { text: 'Hello Sam!\nOne. Two.', want: 2 },
    { text: '{{first_name}},\n\nOne. Two.', want: 2 },
    { text: 'Hi Sam, I noticed one thing. Two.', want: 2 },
    { text: 'Thanks for the note. It helps.', want: 2 },
    { text: 'One. Two.\n\nBest,\nRick Smith\nCEO, Ladder Inc. Since 2020.', want: 2 },
    { text: 'One.\n\nCheers, Rick', want: 1 },
    { text: 'One.\n--\nRick. Founder.', want: 1 },
    { text: 'One.\n\nBest regards,\nRick\n\nP.S. The data is fresh. Really.', want: 3 },
    { text: 'One.\n\nNot relevant? Reply stop or click {{unsubscribe_link}}.', want: 1 },
    { text: '# A benchmark. For you.\n\nOne.\n\n---\n\nTwo.', want: 2 },
    { text: 'Three things:\n- first. With a period.\n- second\n* third\n1. fourth', want: 5 },
    { text: '{{company_insight}}.', want: 1 },
    { text: '{{company_insight}}\n\nTwo.', want: 2 },
    { text: 'One. Two.\n\u2014 Rick, Ladder', want: 2 },
    { text: '> Quoted. Twice.', want: 2 },
  ])('$text → $want', ({ text, want }) => {
    expect(countSentences(text)).toBe(want);
  });

  it('gives each sentence the line of the body where it starts', () => {
    expect(splitSentences('Hi Sam,\n\nOne starts here\nand ends here. Two.\n- three\n\nBest,\nRick')).toEqual([
      { text: 'One starts here and ends here.', line: 3 },
      { text: 'Two.', line: 4 },
      { text: 'three', line: 5 },
    ]);
  });

  it('takes the opt-out placeholders as a parameter', () => {
    expect(countSentences('One.\nClick {{leave_link}} to leave.', ['leave_link'])).toBe(1);
    expect(countSentences('One.\nClick {{leave_link}} to leave.')).toBe(2);
  });
});

describe('we-help (HO 5.3: "No \'we help companies\' language")', () => {
  it.each<Case>([
    { it: 'passes first-person peer copy', text: email(), want: [] },
    { it: 'refuses "we help companies" inside a longer sentence', text: email({ slot: 'Honestly, at Ladder we help companies like yours see partner revenue.' }), want: [{ rule: 'we-help', line: 11 }], quote: '"we help companies"' },
    { it: 'refuses "We Help Teams" in any case', text: email({ slot: 'We Help Teams see partner revenue.' }), want: [{ rule: 'we-help', line: 11 }], quote: '"We Help Teams"' },
    { it: 'refuses "we help B2B" with a non-breaking space', text: email({ slot: 'Here, we help\u00a0B2B leaders see partner revenue.' }), want: [{ rule: 'we-help', line: 11 }] },
    { it: 'refuses it in the subject', text: email({ subject: 'How we help businesses like {{company_name}}' }), want: [{ rule: 'we-help', line: 4 }] },
    { it: 'reads whole words: "we helped companies" is not the phrase', text: email({ slot: 'Last year we helped companies in your space.' }), want: [] },
  ])('$it', ({ text, want, quote }) => {
    expect(where(text)).toEqual(want);
    if (quote !== undefined) expect(check(text)[0]!.message).toContain(quote);
  });

  it('reports a phrase broken over two lines at the line where it starts', () => {
    const text = email({ opening: ['I was reading up on {{company_name}}: {{company_insight}}. Honestly, we help', 'companies like yours every day.'] });
    expect(where(text)).toEqual([{ rule: 'we-help', line: 8 }]);
  });
});

describe('drift (HO 5.3: ERI is a parallel axis, never a successor of RevOps)', () => {
  it.each<Case>([
    { it: 'passes the parallel-axis frame', text: email(), want: [] },
    { it: 'refuses "post-RevOps"', text: email({ slot: 'This is post-RevOps thinking.' }), want: [{ rule: 'drift', line: 11 }], quote: '"post-RevOps"' },
    { it: 'refuses "post RevOps" (a space)', text: email({ slot: 'This is post RevOps thinking.' }), want: [{ rule: 'drift', line: 11 }], quote: '"post RevOps"' },
    { it: 'refuses "Post\u2011RevOps" (a non-breaking hyphen)', text: email({ slot: 'This is Post\u2011RevOps thinking.' }), want: [{ rule: 'drift', line: 11 }] },
    { it: 'refuses "REVOPS-2.0"', text: email({ slot: 'Call it REVOPS-2.0 if you like.' }), want: [{ rule: 'drift', line: 11 }], quote: '"REVOPS-2.0"' },
    { it: 'refuses "RevOps 2.0" in the subject', text: email({ subject: 'RevOps 2.0 for {{company_name}}' }), want: [{ rule: 'drift', line: 4 }] },
    { it: 'refuses "The Next Generation of RevOps" once, not twice', text: email({ slot: 'It is The Next Generation of RevOps.' }), want: [{ rule: 'drift', line: 11 }], quote: '"The Next Generation of RevOps"' },
    { it: 'refuses "next-generation of RevOps"', text: email({ slot: 'It is the next-generation of RevOps.' }), want: [{ rule: 'drift', line: 11 }] },
    { it: 'refuses "what comes after revops"', text: email({ slot: 'Ask what comes after revops.' }), want: [{ rule: 'drift', line: 11 }] },
    { it: 'reads whole words: "RevOps 2.05" is not "RevOps 2.0"', text: email({ slot: 'Our notes say RevOps 2.05 shipped.' }), want: [] },
  ])('$it', ({ text, want, quote }) => {
    expect(where(text)).toEqual(want);
    if (quote !== undefined) expect(check(text)[0]!.message).toContain(quote);
  });

  it('says what is accepted', () => {
    expect(check(email({ slot: 'This is post-RevOps thinking.' }))[0]!.message).toBe('drift: "post-RevOps" frames ERI as a successor of RevOps (HO 5.3: never a successor or "next evolution"); frame it as a parallel axis: "RevOps handles one axis, ERI handles the other"');
  });
});

describe('personalization (HO 5.3: by sequence type)', () => {
  it.each<Case>([
    { it: 'passes a Nurture email with company, first name and insight', text: email(), want: [] },
    { it: 'passes an Activation email with the market timing hook', text: email({ sequence: 'Activation-SQL' }), want: [] },
    { it: 'passes an Activation email with the competitive hook instead', text: email({ sequence: 'Activation-SQL', opening: [OPENING['Activation-SQL']![0], 'Meanwhile {{competitive_hook}}.'] }), want: [] },
    { it: 'passes a Re-engagement email with company and first name', text: email({ sequence: 'Re-engagement' }), want: [] },
    { it: 'passes a Post-Briefing framework with the conversation reference', text: email({ sequence: 'Post-Briefing' }), want: [] },
    { it: 'counts a placeholder in the subject', text: email({ subject: 'A note for {{company_name}}', opening: ['I was reading up on your team: {{company_insight}}.', 'That is usually where partner revenue outgrows the forecast.'] }), want: [] },
    {
      it: 'refuses a Nurture email without the company insight',
      text: email({ opening: ['I was reading up on {{company_name}} last week.', 'That is usually where partner revenue outgrows the forecast.'] }),
      want: [{ rule: 'personalization', line: 6 }],
      quote: 'personalization: missing {{company_insight}}; Nurture-MQL emails use {{company_name}}, {{first_name}} and {{company_insight}}',
    },
    {
      it: 'refuses an Activation email without a timing or competitive hook',
      text: email({ sequence: 'Activation-SQL', opening: [OPENING['Activation-SQL']![0], 'The timing matters.'] }),
      want: [{ rule: 'personalization', line: 6 }],
      quote: 'missing one of {{market_timing_hook}} or {{competitive_hook}}; Activation-SQL emails use',
    },
    {
      it: 'refuses an Activation email without the engagement trigger and the hook, naming both',
      text: email({ sequence: 'Activation-SQL', opening: ['At {{company_name}}: {{company_insight}}.', 'The timing matters.'] }),
      want: [{ rule: 'personalization', line: 6 }],
      quote: 'missing {{engagement_trigger}} and one of {{market_timing_hook}} or {{competitive_hook}}',
    },
    {
      it: 'refuses a Re-engagement email without the company name',
      text: email({ sequence: 'Re-engagement', opening: ['I just finished a benchmark of 40 partner programs.', 'Most of them measure partners on one axis only.'] }),
      want: [{ rule: 'personalization', line: 6 }],
      quote: 'missing {{company_name}}; Re-engagement emails use {{company_name}} and {{first_name}}',
    },
    {
      it: 'refuses a Post-Briefing framework without a conversation reference',
      text: email({ sequence: 'Post-Briefing', opening: ['Thank you for your time last week.', 'That is the gap the Assessment closes for {{company_name}}.'] }),
      want: [{ rule: 'personalization', line: 6 }],
      quote: 'missing {{conversation_reference}}; Post-Briefing emails use',
    },
  ])('$it', ({ text, want, quote }) => {
    expect(where(text)).toEqual(want);
    if (quote !== undefined) expect(check(text)[0]!.message).toContain(quote);
  });
});

describe('unknown-placeholder', () => {
  it.each<Case>([
    { it: 'passes the known extras {{value_piece}} and {{event_invitation}}', text: email({ sequence: 'Re-engagement', slot: 'Here is {{value_piece}}, and {{event_invitation}}.' }), want: [] },
    { it: 'refuses a typo, suggesting the known name', text: email({ slot: 'It reminded me of {{compnay_name}}.' }), want: [{ rule: 'unknown-placeholder', line: 11 }], quote: '{{compnay_name}} is not a known placeholder (did you mean {{company_name}}?); known: {{company_name}}' },
    { it: 'refuses an unknown placeholder in the subject', text: email({ subject: 'For {{job_title}}' }), want: [{ rule: 'unknown-placeholder', line: 4 }] },
  ])('$it', ({ text, want, quote }) => {
    expect(where(text)).toEqual(want);
    if (quote !== undefined) expect(check(text)[0]!.message).toContain(quote);
  });
});

describe('low-friction-cta (HO 5.3: not "book a 30-minute call")', () => {
  it.each<Case>([
    { it: 'passes "Worth a 10-minute conversation?"', text: email({ slot: 'Worth a 10-minute conversation?' }), want: [] },
    { it: 'refuses "book a 30-minute call" once, not also as "30-minute call"', text: email({ slot: 'Can we book a 30-minute call next week?' }), want: [{ rule: 'low-friction-cta', line: 11 }], quote: '"book a 30-minute call" asks too much (HO 5.3: low-friction CTA); ask for less, e.g. "Worth a 10-minute conversation?"' },
    { it: 'refuses "30 minute call" without the hyphen', text: email({ slot: 'A 30 minute call would do.' }), want: [{ rule: 'low-friction-cta', line: 11 }] },
    { it: 'refuses "Schedule a call"', text: email({ slot: 'Schedule a call here.' }), want: [{ rule: 'low-friction-cta', line: 11 }] },
    { it: 'refuses "hop on a call"', text: email({ slot: 'Happy to hop on a call.' }), want: [{ rule: 'low-friction-cta', line: 11 }] },
  ])('$it', ({ text, want, quote }) => {
    expect(where(text)).toEqual(want);
    if (quote !== undefined) expect(check(text)[0]!.message).toContain(quote);
  });
});

describe('settings the rules read', () => {
  it('refuses a template whose type the settings do not have, at the sequence line', () => {
    const s = TemplateSettingsSchema.parse({ types: { 'Nurture-MQL': S.types['Nurture-MQL'] } });
    const t = parsed(email({ sequence: 'Re-engagement' }));
    expect(checkTemplate(t, s)).toEqual([{ rule: 'sequence', line: 2, message: 'sequence: "Re-engagement" is not a sequence type of the settings; expected one of Nurture-MQL' }]);
  });

  it('uses configured phrases', () => {
    const s = TemplateSettingsSchema.parse({ driftPhrases: ['RevOps successor'] });
    expect(where(email({ slot: 'Think of it as the revops-successor.' }), s)).toEqual([{ rule: 'drift', line: 11 }]);
    expect(where(email({ slot: 'This is post-RevOps thinking.' }), s)).toEqual([]);
  });

  it('allows pricing where a type says so', () => {
    const s = TemplateSettingsSchema.parse({ types: { ...structuredClone(S.types), 'Nurture-MQL': { ...S.types['Nurture-MQL']!, pricingAllowed: true } } });
    expect(where(fixture('nurture-with-pricing.md'), s)).toEqual([]);
  });
});

describe('findPhrases', () => {
  it('matches across a line break and masks placeholders', () => {
    expect(findPhrases('what comes\nafter RevOps', ['what comes after RevOps'])).toEqual([{ start: 0, end: 23, text: 'what comes\nafter RevOps' }]);
    expect(findPhrases('{{assessment_price}} and {{price}}', ['price'])).toEqual([]);
  });
});

describe('template settings (HO 5.2-5.3)', () => {
  it('are the defaults when nothing is set, and cannot be changed by accident', () => {
    expect(TemplateSettingsSchema.parse({})).toEqual(S);
    expect(Object.isFrozen(S.types['Nurture-MQL']!.placeholders)).toBe(true);
  });

  it('has the four SOP sequence types (HO 5.1 ceiling)', () => {
    expect(Object.keys(S.types)).toEqual(['Nurture-MQL', 'Activation-SQL', 'Re-engagement', 'Post-Briefing']);
    expect(S.types['Post-Briefing']).toMatchObject({ flow: 'framework', automatedSend: false, pricingAllowed: true });
    expect(S.types['Activation-SQL']).toMatchObject({ flow: 'full', pricingAllowed: true, target: 'SQL.confirmed' });
    expect(S.sentences).toEqual({ min: 4, max: 7 });
  });

  it('knows every placeholder a type requires', () => {
    expect(S.knownPlaceholders).toEqual(expect.arrayContaining(['company_name', 'first_name', 'company_insight', 'engagement_trigger', 'market_timing_hook', 'competitive_hook', 'conversation_reference', 'unsubscribe_link', 'opt_out_link', 'sender_name', 'value_piece', 'event_invitation', 'assessment_price']));
    expect(S.knownPlaceholders).toHaveLength(13);
  });

  it.each([
    { it: 'an unknown setting', input: { tone: 'warm' }, message: 'Unrecognized key' },
    { it: 'a required placeholder that is not known', input: { knownPlaceholders: ['first_name', 'unsubscribe_link', 'opt_out_link', 'assessment_price'] }, message: '"company_name" is not in knownPlaceholders' },
    { it: 'a minimum above the maximum', input: { sentences: { min: 8, max: 7 } }, message: 'sentences.min (8) must not exceed sentences.max (7)' },
    { it: 'type names that differ only by case', input: { types: { 'Nurture-MQL': S.types['Nurture-MQL'], 'nurture-mql': S.types['Nurture-MQL'] } }, message: 'differ only by case' },
    { it: 'a placeholder name that is not snake case', input: { optOutPlaceholders: ['Unsubscribe'] }, message: 'lower snake_case' },
    { it: 'no opt-out placeholder at all (CAN-SPAM)', input: { optOutPlaceholders: [] }, message: '' },
    { it: 'a phrase without a letter or digit', input: { ctaPhrases: ['--'] }, message: 'at least one letter or digit' },
  ])('refuses $it', ({ input, message }) => {
    const r = TemplateSettingsSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join('\n')).toContain(message);
  });
});
