// The one reader of instants and the one canonical contact key (issue 11 §3-4): pure tables.
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../machines/rules/instant.js';
import { contactKey } from '../../machines/rules/contact.js';

describe('instants: Z or an offset, real dates only (one parser for the CLI, notes, imports and events)', () => {
  it.each([
    ['2026-04-17T09:00:00Z', '2026-04-17T09:00:00.000Z'],
    ['2026-04-17T09:00Z', '2026-04-17T09:00:00.000Z'],
    ['2026-04-17T09:00:00-04:00', '2026-04-17T13:00:00.000Z'],
    ['2026-04-17T09:00:00+0530', '2026-04-17T03:30:00.000Z'],
    ['2026-04-17T09:00:00.123456Z', '2026-04-17T09:00:00.123Z'],
    ['2026-04-17', '2026-04-17T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    [' 2026-04-17T09:00:00z ', '2026-04-17T09:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseInstant(text)).toEqual({ ok: true, ms: Date.parse(iso), iso });
  });

  it.each([
    ['2026-04-17T09:00', 'no UTC offset'],
    ['2026-04-17T09:00:00', 'no UTC offset'],
    ['2026-02-30', '2026-02 has no day 30'],
    ['2025-02-29', '2025-02 has no day 29'],
    ['2026-13-01', 'month 13 does not exist'],
    ['2026-04-17T24:00:00Z', 'not a time of day'],
    ['2026-04-17T09:60Z', 'not a time of day'],
    ['2026-04-17T09:00:00+25:00', 'impossible UTC offset'],
    ['2026-04-17 09:00:00Z', 'is not an ISO 8601 date or timestamp'],
    ['17/04/2026', 'is not an ISO 8601 date or timestamp'],
    ['yesterday', 'is not an ISO 8601 date or timestamp'],
  ])('refuses %s (%s)', (text, why) => {
    const r = parseInstant(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(why);
  });

  it('can require a time of day (a note\'s captured_at, LQ 5.2)', () => {
    expect(parseInstant('2026-04-17', { requireTime: true })).toMatchObject({ ok: false });
  });
});

describe('contacts: one canonical key on every path (HO 3.5, 5.6)', () => {
  it.each([
    'https://linkedin.com/in/Jane', 'https://www.linkedin.com/in/jane/', 'http://LinkedIn.com/in/JANE?utm_source=x', 'www.linkedin.com/in/jane#about',
    'de.linkedin.com/in/Jane', 'linkedin.com/in/jane', 'https://www.linkedin.com/in/jane/details/experience/', 'https://www.linkedin.com/in/%4Aane',
  ])('%s is linkedin.com/in/jane', (raw) => {
    expect(contactKey(raw)).toEqual({ ok: true, key: 'linkedin.com/in/jane', kind: 'linkedin' });
  });

  it.each([['Jane.Doe@Acme.COM', 'jane.doe@acme.com'], ['mailto:BOB@x.io', 'bob@x.io'], [' ann@b.co ', 'ann@b.co']])('%s is %s', (raw, key) => {
    expect(contactKey(raw)).toEqual({ ok: true, key, kind: 'email' });
  });

  it.each([
    ['jane', 'neither a LinkedIn profile URL nor an e-mail address'],
    ['https://evil.com/in/jane', 'not linkedin.com'],
    ['https://linkedin.com.evil.io/in/jane', 'not linkedin.com'],
    ['https://www.linkedin.com/company/acme', 'not a person'],
    ['ftp://linkedin.com/in/jane', 'not https'],
    ['https://user:pw@linkedin.com/in/jane', 'user name, password or port'],
    ['https://linkedin.com/in/jane.doe', 'not a LinkedIn profile name'],
    ['a@b', 'not an e-mail address'],
    ['', 'expected'],
  ])('refuses %s (%s)', (raw, why) => {
    const r = contactKey(raw);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(why);
  });
});
