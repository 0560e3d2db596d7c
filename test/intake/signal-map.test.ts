import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decideSignal,
  mapNoteToSignal,
  NOTE_SIGNAL_TYPES,
  NOTE_SOURCES,
  normalizeLinkedInProfileUrl,
  renderSignalTable,
  SIGNAL_TABLE,
  type NoteSignalType,
  type NoteSource,
} from '../../src/intake/signal-map.js';

// The expected table, written out by hand so a change to SIGNAL_TABLE has to be made twice.
const EXPECTED: [NoteSource, NoteSignalType, string][] = [
  ['post', 'engagement', 'ask'],
  ['post', 'inbound', 'ask'],
  ['post', 'meeting-request', 'E4'],
  ['post', 'reference', 'ask'],
  ['dm', 'engagement', 'E3'],
  ['dm', 'inbound', 'E3'],
  ['dm', 'meeting-request', 'E4'],
  ['dm', 'reference', 'ask'],
  ['comment', 'engagement', 'E1 comment'],
  ['comment', 'inbound', 'E1 comment'],
  ['comment', 'meeting-request', 'E4'],
  ['comment', 'reference', 'ask'],
  ['meeting-request', 'engagement', 'E4'],
  ['meeting-request', 'inbound', 'E4'],
  ['meeting-request', 'meeting-request', 'E4'],
  ['meeting-request', 'reference', 'E4'],
  ['connection-request', 'engagement', 'ask'],
  ['connection-request', 'inbound', 'ask'],
  ['connection-request', 'meeting-request', 'E4'],
  ['connection-request', 'reference', 'ask'],
];

describe('the signal table (HO 3.2.1; LQ 5.2)', () => {
  it('covers every (source, signal_type) pair exactly once', () => {
    expect(EXPECTED).toHaveLength(NOTE_SOURCES.length * NOTE_SIGNAL_TYPES.length);
    for (const s of NOTE_SOURCES) for (const t of NOTE_SIGNAL_TYPES) expect(SIGNAL_TABLE[s][t]).toBeDefined();
  });

  it.each(EXPECTED)('source %s + signal_type %s → %s', (source, signal_type, expected) => {
    const d = decideSignal({ source, signal_type });
    if (expected === 'ask') {
      expect(d.ok).toBe(false);
      if (d.ok) return;
      expect(d.field).toBe('engagement_signal');
      expect(d.message).toContain(`cannot tell the signal from source ${source} + signal_type ${signal_type}`);
      expect(d.message).toContain('add engagement_signal: E1..E10 (and interaction: comment|share|save|like for E1)');
    } else {
      expect(d.ok && [d.code, d.interaction].filter(Boolean).join(' ')).toBe(expected);
    }
  });

  it('docs/intake.md shows the same table as the code', () => {
    const doc = readFileSync(new URL('../../docs/intake.md', import.meta.url), 'utf8');
    expect(doc).toContain(renderSignalTable());
  });
});

describe('an explicit engagement_signal', () => {
  it('wins over the table: E4 with signal_type engagement is fine', () => {
    expect(decideSignal({ source: 'post', signal_type: 'engagement', engagement_signal: 'E4' })).toEqual({
      ok: true,
      code: 'E4',
      decidedBy: 'engagement_signal',
    });
  });

  it('wins over a decided cell too (a DM that was in fact a referral acknowledgement)', () => {
    expect(decideSignal({ source: 'dm', signal_type: 'reference', engagement_signal: 'E7' })).toMatchObject({ ok: true, code: 'E7' });
    expect(decideSignal({ source: 'dm', signal_type: 'inbound', engagement_signal: 'E10' })).toMatchObject({ ok: true, code: 'E10' });
  });

  it('resolves an ambiguous post once it says E1 and the interaction', () => {
    expect(decideSignal({ source: 'post', signal_type: 'engagement', engagement_signal: 'E1', interaction: 'like' })).toEqual({
      ok: true,
      code: 'E1',
      interaction: 'like',
      decidedBy: 'engagement_signal',
    });
  });

  it('refuses E1 without an interaction unless the source says comment', () => {
    const d = decideSignal({ source: 'post', signal_type: 'engagement', engagement_signal: 'E1' });
    expect(d).toMatchObject({ ok: false, field: 'interaction' });
    expect(!d.ok && d.message).toContain('one of comment, share, save, like');
    expect(decideSignal({ source: 'comment', signal_type: 'engagement', engagement_signal: 'E1' })).toMatchObject({
      ok: true,
      code: 'E1',
      interaction: 'comment',
    });
  });

  it('refuses an interaction with anything but E1', () => {
    const d = decideSignal({ source: 'dm', signal_type: 'inbound', engagement_signal: 'E3', interaction: 'like' });
    expect(d).toMatchObject({ ok: false, field: 'interaction' });
    expect(!d.ok && d.message).toMatch(/interaction applies only to E1.*engagement_signal is E3/);
  });
});

describe('interaction without engagement_signal', () => {
  it('refines a table E1 (a comment note that was really a share)', () => {
    expect(decideSignal({ source: 'comment', signal_type: 'engagement', interaction: 'share' })).toMatchObject({
      ok: true,
      code: 'E1',
      interaction: 'share',
      decidedBy: 'table',
    });
  });

  it('is refused where the table says another signal', () => {
    const d = decideSignal({ source: 'dm', signal_type: 'inbound', interaction: 'comment' });
    expect(d).toMatchObject({ ok: false, field: 'interaction' });
    expect(!d.ok && d.message).toContain('source dm + signal_type inbound is E3');
  });

  it('does not resolve an ambiguous cell on its own', () => {
    expect(decideSignal({ source: 'post', signal_type: 'engagement', interaction: 'share' })).toMatchObject({
      ok: false,
      field: 'engagement_signal',
    });
  });
});

describe('the contact key: a normalized LinkedIn profile URL', () => {
  it.each([
    ['https://linkedin.com/in/janedoe', 'https://www.linkedin.com/in/janedoe'],
    ['https://www.linkedin.com/in/JaneDoe/', 'https://www.linkedin.com/in/janedoe'],
    ['https://uk.linkedin.com/in/jane-doe-4711?trk=public_profile#about', 'https://www.linkedin.com/in/jane-doe-4711'],
    ['https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BCller', 'https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BCller'],
    ['https://www.linkedin.com/in/J%C3%9CRGEN', 'https://www.linkedin.com/in/j%C3%BCrgen'],
    ['https://www.linkedin.com/in/janedoe/recent-activity/all/', 'https://www.linkedin.com/in/janedoe'],
  ])('%s → %s', (input, url) => {
    expect(normalizeLinkedInProfileUrl(input)).toEqual({ ok: true, url });
  });

  it.each([
    ['http://linkedin.com/in/janedoe', /uses http, not https/],
    ['linkedin.com/in/janedoe', /not a URL/],
    ['https://linkedin.com.evil.com/in/janedoe', /not linkedin.com/],
    ['https://evil-linkedin.com/in/janedoe', /not linkedin.com/],
    ['https://www.linkedin.com/company/acme', /not \/in\/<profile>/],
    ['https://www.linkedin.com/in/', /not \/in\/<profile>/],
    ['https://www.linkedin.com:8443/in/janedoe', /port/],
    ["https://www.linkedin.com/in/jane'doe", /not a LinkedIn profile name/],
  ])('rejects %s', (input, reason) => {
    const r = normalizeLinkedInProfileUrl(input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(reason);
    expect(!r.ok && r.error).toContain('expected an https LinkedIn profile URL like https://www.linkedin.com/in/janedoe');
  });

  it('mapNoteToSignal returns the code and the normalized contact', () => {
    expect(
      mapNoteToSignal({ source: 'dm', signal_type: 'inbound', prospect_linkedin_url: 'https://linkedin.com/in/JaneDoe' }),
    ).toEqual({ ok: true, code: 'E3', decidedBy: 'table', contact: 'https://www.linkedin.com/in/janedoe' });
  });
});
