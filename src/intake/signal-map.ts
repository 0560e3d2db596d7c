// From a signal note's (source, signal_type) to an engagement signal E1-E10 (HO 3.2.1; LQ 5.2).
// The table is data: docs/intake.md embeds renderSignalTable() and a test keeps the two identical.
import type { E1Interaction, SignalCode } from '../../machines/types.js';
import { E1_INTERACTIONS, SIGNAL_CODES } from '../../machines/types.js';

// LQ 5.2: the two fields that describe what happened.
export const NOTE_SOURCES = ['post', 'dm', 'comment', 'meeting-request', 'connection-request'] as const;
export type NoteSource = (typeof NOTE_SOURCES)[number];
export const NOTE_SIGNAL_TYPES = ['engagement', 'inbound', 'meeting-request', 'reference'] as const;
export type NoteSignalType = (typeof NOTE_SIGNAL_TYPES)[number];

/** One cell: either the table decides, or the note has to say (with why). */
export type SignalCell =
  | { decided: true; code: SignalCode; interaction?: E1Interaction; why: string }
  | { decided: false; why: string };

const E4: SignalCell = {
  decided: true,
  code: 'E4',
  why: 'a meeting request is a Briefing request, the only meeting the SOPs offer (HO 3.2.1 E4)',
};
const REFERENCE: SignalCell = {
  decided: false,
  why: 'a referral is E7 once the prospect acknowledged the intro, E10 once they engaged substantively, and no signal while it is a bare intro (HO 3.2.1 M1a, M1d)',
};

export const SIGNAL_TABLE: Readonly<Record<NoteSource, Readonly<Record<NoteSignalType, SignalCell>>>> = {
  post: {
    engagement: {
      decided: false,
      why: 'engagement with a post may be a single like (logged, not a signal) or a comment, share or save (E1 counts) (HO 3.2.1 E1)',
    },
    inbound: { decided: false, why: 'a post does not say whether the prospect wrote to us (E3) or asked for a Briefing (E4)' },
    'meeting-request': E4,
    reference: REFERENCE,
  },
  dm: {
    engagement: { decided: true, code: 'E3', why: 'a LinkedIn DM is a direct message (HO 3.2.1 E3)' },
    inbound: { decided: true, code: 'E3', why: 'a LinkedIn DM is a direct message (HO 3.2.1 E3)' },
    'meeting-request': E4,
    reference: REFERENCE,
  },
  comment: {
    engagement: { decided: true, code: 'E1', interaction: 'comment', why: 'commenting on a post is an E1 comment (HO 3.2.1 E1)' },
    inbound: {
      decided: true,
      code: 'E1',
      interaction: 'comment',
      why: 'a public comment stays an E1 comment even when it asks us something; a private question is a dm (E3)',
    },
    'meeting-request': E4,
    reference: REFERENCE,
  },
  'meeting-request': {
    engagement: E4,
    inbound: E4,
    'meeting-request': E4,
    reference: E4,
  },
  'connection-request': {
    engagement: { decided: false, why: 'a connection request by itself is not an engagement signal (HO 3.2.1 lists none)' },
    inbound: {
      decided: false,
      why: 'a connection request by itself is not an engagement signal; with a question in its message it is E3',
    },
    'meeting-request': E4,
    reference: REFERENCE,
  },
};

export type SignalDecisionInput = {
  source: NoteSource;
  signal_type: NoteSignalType;
  engagement_signal?: SignalCode | undefined;
  interaction?: E1Interaction | undefined;
};

export type SignalDecision =
  | { ok: true; code: SignalCode; interaction?: E1Interaction; decidedBy: 'table' | 'engagement_signal' }
  | { ok: false; field: 'engagement_signal' | 'interaction'; message: string };

const ADD_SIGNAL = `add engagement_signal: ${SIGNAL_CODES[0]}..${SIGNAL_CODES[SIGNAL_CODES.length - 1]} ` +
  `(and interaction: ${E1_INTERACTIONS.join('|')} for E1)`;

/**
 * Decides the signal code. An explicit engagement_signal always wins over the table (the capturing agent
 * saw what happened); the only inconsistencies refused are an interaction on anything but E1 and an E1
 * whose kind cannot be known (a single like is not a signal, so the kind matters: HO 3.2.1 E1).
 */
export function decideSignal(input: SignalDecisionInput): SignalDecision {
  const cell = SIGNAL_TABLE[input.source][input.signal_type];
  const pair = `source ${input.source} + signal_type ${input.signal_type}`;
  const explicit = input.engagement_signal;
  if (explicit !== undefined) {
    if (explicit !== 'E1') {
      if (input.interaction !== undefined) {
        return {
          ok: false,
          field: 'interaction',
          message: `interaction applies only to E1 (LinkedIn content interaction); engagement_signal is ${explicit}: remove interaction, or set engagement_signal: E1`,
        };
      }
      return { ok: true, code: explicit, decidedBy: 'engagement_signal' };
    }
    const interaction = input.interaction ?? (cell.decided && cell.code === 'E1' ? cell.interaction : undefined);
    if (interaction === undefined) {
      return {
        ok: false,
        field: 'interaction',
        message: `engagement_signal E1 needs interaction: one of ${E1_INTERACTIONS.join(', ')} (a single like is logged but is not a signal)`,
      };
    }
    return { ok: true, code: 'E1', interaction, decidedBy: 'engagement_signal' };
  }
  if (!cell.decided) {
    return { ok: false, field: 'engagement_signal', message: `cannot tell the signal from ${pair}: ${cell.why}; ${ADD_SIGNAL}` };
  }
  if (input.interaction !== undefined) {
    if (cell.code !== 'E1') {
      return {
        ok: false,
        field: 'interaction',
        message: `interaction applies only to E1; ${pair} is ${cell.code}: remove interaction, or set engagement_signal: E1`,
      };
    }
    return { ok: true, code: 'E1', interaction: input.interaction, decidedBy: 'table' };
  }
  return cell.interaction === undefined
    ? { ok: true, code: cell.code, decidedBy: 'table' }
    : { ok: true, code: cell.code, interaction: cell.interaction, decidedBy: 'table' };
}

export type LinkedInProfile = { ok: true; url: string } | { ok: false; error: string };

const LINKEDIN_EXAMPLE = 'https://www.linkedin.com/in/janedoe';

/**
 * The contact key: a person's LinkedIn profile URL as https://www.linkedin.com/in/<slug> with the slug
 * lower-cased (LinkedIn treats it case-insensitively) and no query, fragment or trailing path.
 * Accepts linkedin.com, www.linkedin.com and two-letter country hosts (uk.linkedin.com).
 */
export function normalizeLinkedInProfileUrl(input: string): LinkedInProfile {
  const fail = (why: string): LinkedInProfile => ({
    ok: false,
    error: `expected an https LinkedIn profile URL like ${LINKEDIN_EXAMPLE}; got ${JSON.stringify(input)}: ${why}`,
  });
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return fail('it is not a URL');
  }
  if (url.protocol !== 'https:') return fail(`it uses ${url.protocol.replace(/:$/, '')}, not https`);
  if (!/^(?:(?:www|[a-z]{2})\.)?linkedin\.com$/.test(url.hostname)) return fail(`${url.hostname} is not linkedin.com`);
  if (url.username !== '' || url.password !== '' || url.port !== '') return fail('it has a user name, password or port');
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const slug = segments[1];
  if (segments[0] !== 'in' || slug === undefined) return fail('the path is not /in/<profile>, so it is not a person’s profile');
  let decoded: string;
  try {
    decoded = decodeURIComponent(slug);
  } catch {
    return fail('the profile name is not valid percent-encoding');
  }
  if (!/^[\p{L}\p{M}\p{N}_-]{1,100}$/u.test(decoded)) return fail(`"${decoded}" is not a LinkedIn profile name`);
  return { ok: true, url: `https://www.linkedin.com/in/${encodeURIComponent(decoded.toLowerCase())}` };
}

export type MappedSignal = { code: SignalCode; interaction?: E1Interaction; contact: string; decidedBy: 'table' | 'engagement_signal' };

export type SignalMapping =
  | ({ ok: true } & MappedSignal)
  | { ok: false; field: 'engagement_signal' | 'interaction' | 'prospect_linkedin_url'; message: string };

/** The engagement signal a valid note stands for, and the contact it is logged against. */
export function mapNoteToSignal(note: SignalDecisionInput & { prospect_linkedin_url: string }): SignalMapping {
  const decision = decideSignal(note);
  if (!decision.ok) return decision;
  const contact = normalizeLinkedInProfileUrl(note.prospect_linkedin_url);
  if (!contact.ok) return { ok: false, field: 'prospect_linkedin_url', message: contact.error };
  return { ...decision, contact: contact.url };
}

/** The table as Markdown, for docs/intake.md (a test fails when the doc drifts from the data). */
export function renderSignalTable(): string {
  const header = `| source \\ signal_type | ${NOTE_SIGNAL_TYPES.join(' | ')} |`;
  const rule = `|---|${NOTE_SIGNAL_TYPES.map(() => '---').join('|')}|`;
  const rows = NOTE_SOURCES.map((source) => {
    const cells = NOTE_SIGNAL_TYPES.map((type) => {
      const cell = SIGNAL_TABLE[source][type];
      if (!cell.decided) return 'needs `engagement_signal`';
      return cell.interaction === undefined ? cell.code : `${cell.code} (${cell.interaction})`;
    });
    return `| ${source} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}
