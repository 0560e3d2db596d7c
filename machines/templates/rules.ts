// The content rules of sequence emails (HO 5.3), checked before sales.ops may load a template. Pure: a parsed
// template and the settings in, problems out, each naming its line of the file.
import type { TemplateSettings } from './config.js';
import { DEFAULT_TEMPLATE_SETTINGS } from './config.js';
import { PLACEHOLDER, type Template } from './parse.js';
import { levenshtein } from '../rules/text.js';

export type RuleName =
  | 'sequence'
  | 'no-pricing'
  | 'opt-out'
  | 'sentences'
  | 'we-help'
  | 'drift'
  | 'personalization'
  | 'unknown-placeholder'
  | 'low-friction-cta';

export type RuleProblem = { rule: RuleName; line: number; message: string };

// ---- phrases -----------------------------------------------------------------------------------

// Between two words of a phrase: any run of spaces, line breaks, non-breaking spaces, hyphens and dashes, or
// none ("post RevOps", "post-RevOps", "postRevOps", "RevOps-2.0" all match "post-RevOps" / "RevOps 2.0").
const SEPARATORS = /[\s\u00a0\u2010-\u2015-]+/u;
const SEPARATOR_RUN = '[\\s\\u00a0\\u2010-\\u2015-]*';
// A phrase is never found inside a longer word: "price" is not in "priced", "pricing" not in "repricing".
const WORD_CHAR = '[\\p{L}\\p{N}_]';
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const phraseCache = new Map<string, RegExp>();
/** The regular expression a phrase is matched with: case-insensitive, separator-tolerant, whole words. */
export function phraseRegExp(phrase: string): RegExp {
  let re = phraseCache.get(phrase);
  if (re === undefined) {
    const trimmed = phrase.trim();
    const words = trimmed.split(SEPARATORS).filter((w) => w !== '').map(escapeRe);
    const left = /^[\p{L}\p{N}_]/u.test(trimmed) ? `(?<!${WORD_CHAR})` : '';
    const right = /[\p{L}\p{N}_]$/u.test(trimmed) ? `(?!${WORD_CHAR})` : '';
    re = new RegExp(`${left}${words.join(SEPARATOR_RUN)}${right}`, 'giu');
    phraseCache.set(phrase, re);
  }
  re.lastIndex = 0;
  return re;
}

type Hit = { start: number; end: number; text: string };

/**
 * Where any of the phrases occurs in the text, in order. Placeholders are masked first (their names are no
 * copy: {{assessment_price}} is not the word "price"). Overlapping hits are one hit, the longest phrase
 * winning ("the next generation of RevOps" is reported once, not also as "next generation of RevOps").
 */
export function findPhrases(text: string, phrases: readonly string[]): Hit[] {
  const masked = text.replace(PLACEHOLDER, (m) => 'x'.repeat(m.length));
  const hits: Hit[] = [];
  for (const phrase of phrases) {
    for (const m of masked.matchAll(phraseRegExp(phrase))) {
      const start = m.index;
      const end = start + m[0].length;
      hits.push({ start, end, text: text.slice(start, end) });
    }
  }
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Hit[] = [];
  for (const h of hits) {
    const last = kept[kept.length - 1];
    if (last !== undefined && h.start < last.end) continue;
    kept.push(h);
  }
  return kept;
}

// ---- sentences ---------------------------------------------------------------------------------

/*
 * How sentences are counted (HO 5.3 "Emails are 4-7 sentences max"): what a reader reads as the message.
 * Not counted:
 *   - blank lines, Markdown headings (# …) and horizontal rules (---, ***);
 *   - the salutation: the first line when it is only a greeting ("Hi {{first_name}},", "Hello Sam!") or a
 *     short line ending in a comma ("{{first_name}},"); "Hi Sam, I noticed …." on one line is a sentence;
 *   - the sign-off and the signature: everything after a closing line ("Best,", "Thanks!", "Best regards,",
 *     "Cheers, Rick", a "--" or "—" line), except a "P.S." paragraph, which is read and counted;
 *   - the opt-out line: any line holding an opt-out placeholder, whatever else it says.
 * What ends a sentence: ".", "?", "!" or "…" (a run such as "?!" or "..." is one end, closing quotes,
 * brackets and emphasis marks included), followed by whitespace or the end of the text; also the end of a
 * paragraph (a blank line, a heading, a list item) even without punctuation. So a "." inside a number (2.5),
 * a domain (acme.com) or a URL ends nothing, and neither does the "." of e.g., i.e., Mr., Mrs., Ms., Dr.,
 * vs., etc., U.S., U.K., Inc., Ltd., Co., Corp., Jr., Sr., St., approx., cf., a.m. and p.m.
 * A placeholder is a word: "{{company_insight}}." is a sentence; a segment without a letter or digit is not.
 * A bullet or numbered list item is one sentence, however many periods it holds.
 */
const ABBREVIATIONS = new Set([
  'e.g.', 'i.e.', 'mr.', 'mrs.', 'ms.', 'dr.', 'vs.', 'etc.', 'u.s.', 'u.k.', 'inc.', 'ltd.', 'co.', 'corp.',
  'jr.', 'sr.', 'st.', 'approx.', 'cf.', 'a.m.', 'p.m.',
]);
const CLOSINGS = [
  'best', 'best regards', 'all the best', 'kind regards', 'warm regards', 'regards', 'warmly', 'thanks',
  'thank you', 'many thanks', 'thanks again', 'cheers', 'sincerely', 'talk soon', 'speak soon',
];
// The closing alone, or with punctuation and a short name on the same line ("Cheers, Rick"); never a
// sentence ("Thanks for the note." and "Thank you, Sam." are copy).
const CLOSING = new RegExp(`^(?:${CLOSINGS.join('|')})(?:\\s*[,.!\\u2014\\u2013-]+(?:\\s*[^.?!]{1,40})?)?$`, 'iu');
const SIGNATURE_DASH = /^(?:--|\u2014|\u2013)(?:\s*[^.?!]{0,40})$/u;
const SALUTATION = /^(?:(?:hi|hello|hey|dear|greetings|good\s+(?:morning|afternoon|evening))\b[^.?!]{0,40}[,:!\u2014\u2013-]?|[^.?!]{1,40},)$/iu;
const HEADING = /^ {0,3}#{1,6}(?:\s|$)/;
const RULE_LINE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*)$/;
const POSTSCRIPT = /^p\.?\s?s\.?\s*[:,-]?\s*/i;
const QUOTE = /^\s*(?:>\s?)+/;
const SENTENCE_END = /[.?!\u2026]+["'\u201d\u2019)\]*_]*(?=\s|$)/gu;
const HAS_WORD = /[\p{L}\p{N}]/u;

export type Sentence = { text: string; line: number };
type Unit = { item: boolean; parts: { text: string; line: number }[] };

/**
 * The sentences of a body, each with the 1-based line of the body where it starts (see the block above for
 * what counts). `optOutPlaceholders`: the lines holding one of these are the opt-out line.
 */
export function splitSentences(body: string, optOutPlaceholders: readonly string[] = DEFAULT_TEMPLATE_SETTINGS.optOutPlaceholders): Sentence[] {
  const optOut = new Set(optOutPlaceholders);
  const units: Unit[] = [];
  let current: Unit | null = null;
  let started = false; // a line of the message has been seen (the salutation is only the first one)
  let signature = false;
  const close = () => {
    if (current !== null) units.push(current);
    current = null;
  };
  body.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const text = raw.trim();
    const holdsOptOut = [...raw.matchAll(PLACEHOLDER)].some((m) => optOut.has(m[1]!));
    if (text === '' || holdsOptOut || HEADING.test(raw) || RULE_LINE.test(raw)) {
      close();
      return;
    }
    if (signature) {
      if (POSTSCRIPT.test(text)) {
        close();
        current = { item: false, parts: [{ text: text.replace(POSTSCRIPT, ''), line }] };
      } else if (current !== null) {
        current.parts.push({ text, line });
      }
      return;
    }
    if (!started) {
      started = true;
      if (SALUTATION.test(text)) return;
    }
    if (CLOSING.test(text) || SIGNATURE_DASH.test(text)) {
      close();
      signature = true;
      return;
    }
    const item = LIST_ITEM.exec(raw);
    if (item) {
      close();
      current = { item: true, parts: [{ text: item[1]!.trim(), line }] };
      return;
    }
    const content = raw.replace(QUOTE, '').trim();
    if (current === null) current = { item: false, parts: [] };
    current.parts.push({ text: content, line });
  });
  close();
  return units.flatMap(sentencesOf);
}

function sentencesOf(unit: Unit): Sentence[] {
  const text = unit.parts.map((p) => p.text).join('\n');
  const first = unit.parts[0]!;
  if (unit.item) return HAS_WORD.test(text) ? [{ text: text.replace(/\s+/g, ' '), line: first.line }] : [];
  const lineOf = (offset: number) => unit.parts[text.slice(0, offset).split('\n').length - 1]!.line;
  const out: Sentence[] = [];
  let start = 0;
  const push = (end: number) => {
    const segment = text.slice(start, end);
    if (HAS_WORD.test(segment)) {
      const lead = segment.length - segment.trimStart().length;
      out.push({ text: segment.trim().replace(/\s+/g, ' '), line: lineOf(start + lead) });
    }
    start = end;
  };
  for (const m of text.matchAll(SENTENCE_END)) {
    if (m[0].startsWith('.') && !/^\.[.]/.test(m[0])) {
      const token = /(\S+)$/.exec(text.slice(0, m.index + 1))?.[1] ?? '';
      if (ABBREVIATIONS.has(token.replace(/^[("'\u201c\u2018[*_]+/u, '').toLowerCase())) continue;
    }
    push(m.index + m[0].length);
  }
  push(text.length);
  return out;
}

/** How many sentences a reader counts in a body (HO 5.3: 4-7); see splitSentences. */
export function countSentences(body: string, optOutPlaceholders?: readonly string[]): number {
  return splitSentences(body, optOutPlaceholders).length;
}

// ---- the rules ---------------------------------------------------------------------------------

const ordinal = (n: number) => `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')}`;
const quote = (s: string) => JSON.stringify(s.replace(/\s+/g, ' ').length > 80 ? `${s.replace(/\s+/g, ' ').slice(0, 77)}...` : s.replace(/\s+/g, ' '));
const list = (names: readonly string[], joiner = 'and') =>
  names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} ${joiner} ${names[names.length - 1]}`;
const braces = (name: string) => `{{${name}}}`;

/**
 * Every content rule of HO 5.3 a template breaks under the settings, ordered by line. An empty list: the
 * template may go to approval (HO 5.4). Brand voice and the 7 trademark terms stay with the CMO's review.
 */
export function checkTemplate(t: Template, s: TemplateSettings): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (rule: RuleName, line: number, message: string) => problems.push({ rule, line, message: `${rule}: ${message}` });
  const type = Object.hasOwn(s.types, t.sequence) ? s.types[t.sequence]! : undefined;
  if (type === undefined) {
    add('sequence', t.sequenceLine, `${quote(t.sequence)} is not a sequence type of the settings; expected one of ${Object.keys(s.types).join(', ')}`);
    return problems;
  }
  const bodyLines = t.body.split('\n');
  const firstBodyLine = t.bodyLine + Math.max(0, bodyLines.findIndex((l) => l.trim() !== ''));
  let last = bodyLines.length - 1;
  while (last > 0 && bodyLines[last]!.trim() === '') last--;
  const lastBodyLine = t.bodyLine + last;
  const inBody = (offset: number) => t.bodyLine + t.body.slice(0, offset).split('\n').length - 1;
  const phraseRule = (rule: RuleName, phrases: readonly string[], why: (hit: string) => string) => {
    for (const h of findPhrases(t.subject, phrases)) add(rule, t.subjectLine, `${quote(h.text)} in the subject ${why(h.text)}`);
    for (const h of findPhrases(t.body, phrases)) add(rule, inBody(h.start), `${quote(h.text)} ${why(h.text)}`);
  };

  // HO 5.3: "No pricing in nurture emails — Assessment pricing ($2,500) only appears in Activation".
  if (!type.pricingAllowed) {
    const allowed = Object.entries(s.types).filter(([, x]) => x.pricingAllowed).map(([n]) => n);
    const where = allowed.length > 0 ? `; pricing belongs in ${list(allowed, 'or')}` : '';
    const why = `is pricing, and ${t.sequence} emails carry none (HO 5.3: the $2,500 Assessment price appears only after SQL qualification)${where}. Remove it`;
    phraseRule('no-pricing', s.pricingTerms, () => why);
    for (const p of t.placeholders) {
      if (s.pricePlaceholders.includes(p.name)) add('no-pricing', p.line, `${braces(p.name)} puts a price in the email, and ${t.sequence} emails carry none (HO 5.3)${where}. Remove it`);
    }
  }

  // HO 5.3: "every sequence email includes opt-out mechanism (CAN-SPAM compliance)".
  const bodyNames = new Set(t.placeholders.filter((p) => p.line >= t.bodyLine).map((p) => p.name));
  if (!s.optOutPlaceholders.some((n) => bodyNames.has(n))) {
    add('opt-out', lastBodyLine, `the body has no opt-out; every sequence email carries one (HO 5.3, CAN-SPAM): add ${list(s.optOutPlaceholders.map(braces), 'or')} to the body, e.g. "Not relevant? {{${s.optOutPlaceholders[0]}}}" on the last line`);
  }

  // HO 5.3: "Emails are 4-7 sentences max." Framework templates too: the CRO fills placeholders, each a word
  // of a sentence the template already has, so the count of the framework is the count of the email.
  const sentences = splitSentences(t.body, s.optOutPlaceholders);
  const { min, max } = s.sentences;
  const range = `${t.sequence} emails have ${min}-${max} (HO 5.3: "Emails are 4-7 sentences max"; the salutation, the sign-off and signature, the opt-out line and headings are not counted)`;
  if (sentences.length > max) {
    const extra = sentences[max]!;
    add('sentences', t.bodyLine + extra.line - 1, `the body has ${sentences.length} sentences; ${range}. The ${ordinal(max + 1)} starts here: ${quote(extra.text)}`);
  } else if (sentences.length < min) {
    add('sentences', firstBodyLine, `the body has ${sentences.length} sentence${sentences.length === 1 ? '' : 's'}; ${range}`);
  }

  // HO 5.3: "Write as peer, not vendor. First person. No 'we help companies' language."
  phraseRule('we-help', s.weHelpPhrases, () => 'is vendor language (HO 5.3: write as a peer, in the first person, value first); lead with a specific observation instead, e.g. "I noticed {{company_name}} …"');

  // HO 5.3 parallel-axis positioning (CMO amendment M5).
  phraseRule('drift', s.driftPhrases, () => 'frames ERI as a successor of RevOps (HO 5.3: never a successor or "next evolution"); frame it as a parallel axis: "RevOps handles one axis, ERI handles the other"');

  // HO 5.3: 'Low-friction CTA — not "book a 30-minute call."'
  phraseRule('low-friction-cta', s.ctaPhrases, () => 'asks too much (HO 5.3: low-friction CTA); ask for less, e.g. "Worth a 10-minute conversation?" or "I can send the benchmark data — want me to?"');

  // HO 5.3 personalization by sequence type: a placeholder counts in the subject or the body.
  const used = new Set(t.placeholders.map((p) => p.name));
  const missing = type.placeholders.filter((n) => !used.has(n)).map(braces);
  const groups = type.anyOf.filter((g) => !g.some((n) => used.has(n))).map((g) => `one of ${list(g.map(braces), 'or')}`);
  if (missing.length + groups.length > 0) {
    const needs = [...type.placeholders.map(braces), ...type.anyOf.map((g) => `one of ${list(g.map(braces), 'or')}`)];
    add('personalization', firstBodyLine, `missing ${list([...missing, ...groups])}; ${t.sequence} emails use ${list(needs)} (HO 5.3 personalization by sequence type)`);
  }

  const known = new Set(s.knownPlaceholders);
  for (const p of t.placeholders) {
    if (known.has(p.name)) continue;
    const near = s.knownPlaceholders.map((k) => ({ k, d: levenshtein(p.name, k) })).sort((a, b) => a.d - b.d)[0];
    const hint = near !== undefined && near.d <= 3 ? ` (did you mean ${braces(near.k)}?)` : '';
    add('unknown-placeholder', p.line, `${braces(p.name)} is not a known placeholder${hint}; known: ${s.knownPlaceholders.map(braces).join(', ')}`);
  }

  return problems.sort((a, b) => a.line - b.line);
}
