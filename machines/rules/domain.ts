// The account key (DOMAIN "Accounts, not contacts"; LQ 6): a company's normalized domain.
// Pure: uses only the WHATWG URL global (IDNA/UTS 46 mapping to punycode), no I/O.

export type NormalizedDomain = { ok: true; domain: string } | { ok: false; error: string };

/** Accepted forms, quoted in every error so the sender knows how to fix the value. */
const ACCEPTED =
  'expected a company domain such as acme.com or acme.co.uk ' +
  '(a protocol, www., user@, :port, path, query or #fragment is stripped)';

const MAX_HOST = 253; // RFC 1035 2.3.4
const MAX_LABEL = 63;

// Characters a host may be written with before IDNA mapping: letters, marks and digits of any script
// (IDNs), hyphens, and the dot plus its ideographic/full-width look-alikes, which UTS 46 maps to ".".
// Anything else (spaces, quotes, ;, =, %, _, control or invisible format characters, symbols) is not
// part of a company's domain and is rejected rather than silently dropped.
const HOST_CHARS = /^[\p{L}\p{M}\p{N}\-.\u3002\uFF0E\uFF61]+$/u;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
// A TLD is letters only (2+) or an IDN TLD in punycode. There is deliberately no list of delegated
// TLDs here: it changes over time and would be data, not a rule (docs/intake.md).
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

function fail(input: string, reason: string): NormalizedDomain {
  return { ok: false, error: `${JSON.stringify(input)} is not a company domain: ${reason}; ${ACCEPTED}` };
}

/**
 * Normalizes a domain, URL, or e-mail-ish host to the account key: lower-case ASCII (IDNs in punycode),
 * no protocol, user-info, `www.`, port, path, query, fragment or trailing dot. Country-code TLDs stay
 * distinct (`acme.co.uk` is not `acme.com`).
 */
export function normalizeDomain(input: string): NormalizedDomain {
  const trimmed = input.trim();
  if (trimmed === '') return fail(input, 'it is empty');
  if (/\s/u.test(trimmed)) return fail(input, 'it contains whitespace');
  // ../../etc/passwd, ./notes, /tmp/x, ~/x: a file path was given where a domain belongs.
  if (/^(?:\.{1,2}[/\\]|~|[/\\](?![/\\]))/.test(trimmed)) return fail(input, 'it is a file path, not a domain');

  let host = trimmed;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(host);
  if (scheme) host = host.slice(scheme[0].length);
  else if (host.startsWith('//')) host = host.slice(2);
  host = host.split(/[/?#\\]/u, 1)[0] ?? '';
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  if (host.startsWith('[')) return fail(input, 'it is an IP address, not a domain');
  const colon = host.indexOf(':');
  if (colon >= 0) {
    const port = host.slice(colon + 1);
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return fail(input, `${JSON.stringify(port)} after ":" is not a port number (1-65535)`);
    host = host.slice(0, colon);
  }
  if (host === '') return fail(input, 'it has no host name');
  if (!HOST_CHARS.test(host)) {
    const bad = [...host].find((c) => !HOST_CHARS.test(c)) ?? '';
    const shown = /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(bad)
      ? JSON.stringify(bad)
      : `U+${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    return fail(input, `it contains ${shown}, which cannot appear in a domain`);
  }

  // WHATWG URL reads a host ending in a numeric label as IPv4 (and refuses "acme.123"): say so first.
  if (/(?:^|[.\u3002\uFF0E\uFF61])(?:0x[0-9a-f]*|\d+)[.\u3002\uFF0E\uFF61]?$/iu.test(host)) {
    return fail(input, 'it ends in a number: an IP address, or a top-level domain that is not letters');
  }
  let ascii: string;
  try {
    // UTS 46: case-folds, maps full-width forms and ideographic dots, converts IDNs to punycode.
    ascii = new URL(`http://${host}`).hostname;
  } catch {
    return fail(input, 'it is not a valid international domain name');
  }
  if (ascii.endsWith('.')) ascii = ascii.slice(0, -1);
  if (/^[\d.]+$/.test(ascii)) return fail(input, 'it is an IP address, not a domain'); // e.g. full-width digits
  // "www." is a host, not part of the company's key; but "www.com" keeps it (nothing would be left).
  if (ascii.startsWith('www.') && ascii.indexOf('.', 4) > 0) ascii = ascii.slice(4);

  const labels = ascii.split('.');
  if (labels.length < 2) return fail(input, `"${ascii}" has no dot, so no top-level domain`);
  if (ascii.length > MAX_HOST) return fail(input, `it is ${ascii.length} characters long; at most ${MAX_HOST} are allowed`);
  for (const label of labels) {
    if (label === '') return fail(input, 'it has an empty label (two dots in a row, or a leading dot)');
    if (label.length > MAX_LABEL) {
      return fail(input, `the label "${label.slice(0, 20)}…" is ${label.length} characters; at most ${MAX_LABEL} are allowed`);
    }
    if (!LABEL.test(label)) return fail(input, `the label "${label}" must start and end with a letter or digit`);
  }
  const tld = labels[labels.length - 1] ?? '';
  if (!TLD.test(tld)) return fail(input, `".${tld}" is not a valid top-level domain (letters only, at least two)`);
  return { ok: true, domain: ascii };
}
