// The settings of email-sequence templates (HO 5.2-5.3): the sequence types and the word lists the content
// rules use (DOMAIN.md: "keep each decision configurable where it is a number or a list"). Pure data and a zod
// schema: no I/O. Every field has a default, so `TemplateSettingsSchema.parse({})` is the SOP as written.
import { z } from 'zod';

/** HO 5.4: the approval flow of a type (simplified: CMO + CRO list in parallel; full: CMO then CRO GO/NO-GO). */
export const SEQUENCE_FLOWS = ['simplified', 'full', 'framework'] as const;
/** HO 5.2 "Target": who a sequence of the type is sent to. */
export const SEQUENCE_TARGETS = ['MQL', 'SQL.confirmed', 'stale-or-recycled', 'briefing-held'] as const;

/** A placeholder name: lower snake_case, as written between {{ and }} in a template. */
export const PLACEHOLDER_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const PLACEHOLDER_ACCEPTS = 'a placeholder name in lower snake_case, e.g. company_name';
const placeholderName = z.string().regex(PLACEHOLDER_NAME, { error: (iss) => `expected ${PLACEHOLDER_ACCEPTS}; got ${JSON.stringify(iss.input)}` });

/** A sequence type name as the settings key it: letters and digits in hyphen-separated words (Nurture-MQL). */
export const SEQUENCE_NAME = /^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$/;
const sequenceName = z.string().max(40).regex(SEQUENCE_NAME, { error: (iss) => `expected a sequence type name of letters and digits in hyphen-separated words, e.g. Nurture-MQL; got ${JSON.stringify(iss.input)}` });

const phrase = z.string().trim().min(1).max(200).refine((p) => /[\p{L}\p{N}]/u.test(p), { error: (iss) => `expected a phrase with at least one letter or digit; got ${JSON.stringify(iss.input)}` });
const phrases = (defaults: readonly string[]) => z.array(phrase).default(() => [...defaults]);

export const SequenceTypeSchema = z.strictObject({
  flow: z.enum(SEQUENCE_FLOWS),
  /** false: the no-pricing rule applies (HO 5.3: the Assessment price only after SQL qualification). */
  pricingAllowed: z.boolean().default(false),
  /** Placeholders every template of the type must use (HO 5.3 personalization by sequence type). */
  placeholders: z.array(placeholderName).default(() => []),
  /** Groups of placeholders of which each template must use at least one. */
  anyOf: z.array(z.array(placeholderName).min(1)).default(() => []),
  target: z.enum(SEQUENCE_TARGETS),
  /** false: a framework the CRO personalizes and sends himself (HO 5.2 Post-Briefing: "CRO direct"). */
  automatedSend: z.boolean().default(true),
});
export type SequenceType = z.output<typeof SequenceTypeSchema>;

// HO 5.1: four types is the sustainable ceiling; 6+ triggers a capacity review (HO 9). That is a review,
// not a refusal, so the schema accepts more.
const DEFAULT_TYPES: Record<string, SequenceType> = {
  // HO 5.3: company name + first name + one company-specific ecosystem insight; no pricing.
  'Nurture-MQL': {
    flow: 'simplified', pricingAllowed: false, target: 'MQL', automatedSend: true,
    placeholders: ['company_name', 'first_name', 'company_insight'], anyOf: [],
  },
  // HO 5.3: all of the above + the engagement trigger + one competitive or market timing hook; pricing allowed.
  'Activation-SQL': {
    flow: 'full', pricingAllowed: true, target: 'SQL.confirmed', automatedSend: true,
    placeholders: ['company_name', 'first_name', 'company_insight', 'engagement_trigger'],
    anyOf: [['market_timing_hook', 'competitive_hook']],
  },
  // Decision: HO 5.3 names no personalization for Re-engagement; it is awareness content like Nurture
  // (HO 5.1: "no pricing"), so it needs the company and the first name and carries no pricing.
  'Re-engagement': {
    flow: 'simplified', pricingAllowed: false, target: 'stale-or-recycled', automatedSend: true,
    placeholders: ['company_name', 'first_name'], anyOf: [],
  },
  // HO 5.2: a framework template the CRO personalizes with conversation references and sends directly.
  'Post-Briefing': {
    flow: 'framework', pricingAllowed: true, target: 'briefing-held', automatedSend: false,
    placeholders: ['company_name', 'first_name', 'conversation_reference'], anyOf: [],
  },
};

const DEFAULT_OPT_OUT = ['unsubscribe_link', 'opt_out_link'];
const DEFAULT_PRICE_PLACEHOLDERS = ['assessment_price'];
const DEFAULT_KNOWN = [
  ...new Set([
    ...Object.values(DEFAULT_TYPES).flatMap((t) => [...t.placeholders, ...t.anyOf.flat()]),
    ...DEFAULT_OPT_OUT,
    'sender_name', 'value_piece', 'event_invitation',
    ...DEFAULT_PRICE_PLACEHOLDERS,
  ]),
];

export const TemplateSettingsSchema = z.strictObject({
  types: z.record(sequenceName, SequenceTypeSchema).default(() => structuredClone(DEFAULT_TYPES)),
  // HO 5.3 "No pricing in nurture emails — Assessment pricing ($2,500)". Matched as whole words, so
  // "price" does not catch "priced" or "prices" (add them here to refuse them too).
  pricingTerms: phrases(['$2,500', '$2500', '2,500 USD', 'pricing', 'price', 'Assessment fee']),
  // Placeholders that put a price in the email: refused where the type has pricingAllowed false.
  pricePlaceholders: z.array(placeholderName).default(() => [...DEFAULT_PRICE_PLACEHOLDERS]),
  // HO 5.3 "No 'we help companies' language."
  weHelpPhrases: phrases(['we help companies', 'we help businesses', 'we help organizations', 'we help teams', 'we help B2B']),
  // HO 5.3 parallel-axis positioning: "Common drift to watch".
  driftPhrases: phrases(['the next generation of RevOps', 'next generation of RevOps', 'post-RevOps', 'what comes after RevOps', 'RevOps 2.0']),
  // HO 5.3 low-friction CTA: 'not "book a 30-minute call."'
  ctaPhrases: phrases(['book a 30-minute call', 'book a call', 'schedule a call', '30-minute call', 'hop on a call']),
  // HO 5.3: "every sequence email includes opt-out mechanism (CAN-SPAM)": one of these in the body.
  optOutPlaceholders: z.array(placeholderName).min(1).default(() => [...DEFAULT_OPT_OUT]),
  // HO 5.3 "Emails are 4-7 sentences max."
  sentences: z.strictObject({
    min: z.number().int().min(0).max(100),
    max: z.number().int().min(1).max(100),
  }).default(() => ({ min: 4, max: 7 })),
  /** Every placeholder a template may use; anything else is an 'unknown-placeholder' (a typo, most often). */
  knownPlaceholders: z.array(placeholderName).min(1).default(() => [...DEFAULT_KNOWN]),
}).superRefine((s, ctx) => {
  const known = new Set(s.knownPlaceholders);
  const unknown = (names: readonly string[], path: (string | number)[]) => {
    for (const name of names) {
      if (!known.has(name)) ctx.addIssue({ code: 'custom', path, message: `"${name}" is not in knownPlaceholders (${s.knownPlaceholders.join(', ')}); add it there or remove it here` });
    }
  };
  for (const [name, type] of Object.entries(s.types)) {
    unknown(type.placeholders, ['types', name, 'placeholders']);
    for (const [i, group] of type.anyOf.entries()) unknown(group, ['types', name, 'anyOf', i]);
  }
  unknown(s.optOutPlaceholders, ['optOutPlaceholders']);
  unknown(s.pricePlaceholders, ['pricePlaceholders']);
  if (Object.keys(s.types).length === 0) ctx.addIssue({ code: 'custom', path: ['types'], message: 'expected at least one sequence type (HO 5.2: Nurture-MQL, Activation-SQL, Re-engagement, Post-Briefing)' });
  // Template front matter names its type in any case (parse.ts), so two names may not differ only by case.
  const folded = new Map<string, string>();
  for (const name of Object.keys(s.types)) {
    const other = folded.get(name.toLowerCase());
    if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['types', name], message: `"${name}" and "${other}" differ only by case; templates name their type in any case, so keep one` });
    folded.set(name.toLowerCase(), name);
  }
  if (s.sentences.min > s.sentences.max) ctx.addIssue({ code: 'custom', path: ['sentences'], message: `sentences.min (${s.sentences.min}) must not exceed sentences.max (${s.sentences.max}); HO 5.3: 4-7` });
});

export type TemplateSettings = z.output<typeof TemplateSettingsSchema>;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export const DEFAULT_TEMPLATE_SETTINGS: TemplateSettings = deepFreeze(TemplateSettingsSchema.parse({}));
