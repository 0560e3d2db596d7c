import { describe, expect, it } from 'vitest';
import { normalizeDomain } from '../../machines/rules/domain.js';

describe('normalizeDomain: the account key (DOMAIN "Accounts, not contacts"; LQ 6)', () => {
  it.each([
    ['https://www.Acme.com/about', 'acme.com'],
    ['ACME.com:443', 'acme.com'],
    ['acme.com', 'acme.com'],
    ['  acme.com  ', 'acme.com'],
    ['http://acme.com/', 'acme.com'],
    ['HTTPS://WWW.ACME.COM', 'acme.com'],
    ['www.acme.com.', 'acme.com'],
    ['acme.com/about?utm=x#team', 'acme.com'],
    ['acme.com?x=1', 'acme.com'],
    ['acme.com#top', 'acme.com'],
    ['https://jane:secret@www.acme.com:8443/x', 'acme.com'],
    ['jane@acme.com', 'acme.com'],
    ['//acme.com/path', 'acme.com'],
    ['eu.acme.com', 'eu.acme.com'],
    ['www.com', 'www.com'], // stripping www. would leave no domain
    ['wwwacme.com', 'wwwacme.com'],
    ['acme-cloud.io', 'acme-cloud.io'],
  ])('%j → %s', (input, expected) => {
    expect(normalizeDomain(input)).toEqual({ ok: true, domain: expected });
  });

  it('keeps country-code TLDs distinct (acme.co.uk is not acme.com)', () => {
    expect(normalizeDomain('https://www.acme.co.uk/')).toEqual({ ok: true, domain: 'acme.co.uk' });
    expect(normalizeDomain('acme.co.uk')).not.toEqual(normalizeDomain('acme.com'));
    expect(normalizeDomain('acme.de')).toEqual({ ok: true, domain: 'acme.de' });
  });

  it.each([
    ['münchen.de', 'xn--mnchen-3ya.de'],
    ['MÜNCHEN.DE', 'xn--mnchen-3ya.de'],
    ['https://www.bücher.example.com/x', 'xn--bcher-kva.example.com'],
    ['ａｃｍｅ.com', 'acme.com'], // full-width letters fold to ASCII (UTS 46)
    ['acme。com', 'acme.com'], // ideographic full stop is a dot
    ['例え.jp', 'xn--r8jz45g.jp'],
    ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de'],
  ])('odd Unicode: %j → %s', (input, expected) => {
    expect(normalizeDomain(input)).toEqual({ ok: true, domain: expected });
  });

  it('keeps a Cyrillic look-alike distinct from the Latin domain (it is a different domain)', () => {
    const r = normalizeDomain('аcme.com'); // first letter is U+0430
    expect(r.ok && r.domain).toMatch(/^xn--/);
    expect(r).not.toEqual({ ok: true, domain: 'acme.com' });
  });

  it.each([
    ['', /it is empty/],
    ['   ', /it is empty/],
    ['localhost', /no dot/],
    ['acme', /no dot/],
    ['192.168.0.1', /IP address/],
    ['http://10.0.0.1:8080/', /IP address/],
    ['[::1]', /IP address/],
    ['0x7f.1', /IP address/],
    ['acme.123', /ends in a number/],
    ['acme .com', /whitespace/],
    ['acme.com\u200b', /U\+200B/], // zero-width space
    ['ac\u00adme.com', /U\+00AD/], // soft hyphen would silently vanish
    ['acme_corp.com', /"_"/],
    ['acme.com:abc', /not a port number/],
    ['acme..com', /empty label/],
    ['.acme.com', /empty label/],
    ['-acme.com', /must start and end with a letter or digit/],
    ['acme-.com', /must start and end with a letter or digit/],
    ['acme.c', /not a valid top-level domain/],
    ['acme.c0m', /not a valid top-level domain/],
    [`${'a'.repeat(64)}.com`, /64 characters; at most 63/],
    [`${Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.')}.com`, /at most 253/],
    ['xn--zz.com', /not a valid international domain name/],
    ['https://', /no host name/],
    ['☃.com', /"☃"/],
    ['１２７.０.０.１', /IP address/],
  ])('rejects %j', (input, reason) => {
    const r = normalizeDomain(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(reason);
    expect(r.error).toContain('expected a company domain such as acme.com'); // says what is accepted
  });

  it.each([
    ["acme.com'; DROP TABLE accounts;--"],
    ["acme.com' OR '1'='1"],
    ['1=1'],
    ['acme.com;--'],
    ['"acme.com"'],
    ['<script>.com'],
    ['acme.com%27'],
  ])('rejects SQL- or markup-looking input %j', (input) => {
    expect(normalizeDomain(input).ok).toBe(false);
  });
});
