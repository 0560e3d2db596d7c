// One canonical key per contact (HO 3.5, 5.6; DOMAIN "Contacts and suppression"). Suppression, the E8
// repeat-engagement derivation (per contact) and sequence enrolment all compare contacts, so every path
// reduces a contact to this key first: a LinkedIn profile URL, however spelled, is linkedin.com/in/<slug>;
// an e-mail address is lower-cased. Pure.

export type ContactKey = { ok: true; key: string; kind: 'linkedin' | 'email' } | { ok: false; error: string };

export const CONTACT_EXAMPLE = 'a LinkedIn profile URL (https://www.linkedin.com/in/jane-doe) or an e-mail address (jane@acme.com)';

const EMAIL = /^[^\s@<>()[\],;:"/\\]+@[^\s@<>()[\],;:"/\\]+\.[^\s@<>()[\],;:"/\\]+$/;
const SLUG = /^[\p{L}\p{M}\p{N}_-]{1,100}$/u;
const LINKEDIN_HOST = /^(?:(?:www|[a-z]{2,3})\.)?linkedin\.com$/;

/**
 * The key of a contact. LinkedIn: scheme (http, https or none), host (`www.`, a country subdomain such as
 * `de.`), case, a trailing slash, a query and a fragment are folded away: `https://www.linkedin.com/in/Jane/?x=1`
 * and `linkedin.com/in/jane` are one person. Decision: other text (a bare name) is refused, because two
 * people share a name and suppression must never miss, nor catch, the wrong one.
 */
export function contactKey(raw: unknown): ContactKey {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, error: `expected ${CONTACT_EXAMPLE}; got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}` };
  const text = raw.trim();
  const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
  const fail = (why: string): ContactKey => ({ ok: false, error: `${shown} ${why}; expected ${CONTACT_EXAMPLE}` });
  const mail = text.replace(/^mailto:/i, '');
  if (!mail.includes('/') && mail.includes('@')) {
    if (!EMAIL.test(mail)) return fail('is not an e-mail address');
    return { ok: true, key: mail.toLowerCase(), kind: 'email' };
  }
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  if (!hasScheme && !/linkedin\./i.test(text)) return fail('is neither a LinkedIn profile URL nor an e-mail address');
  let url: URL;
  try {
    url = new URL(hasScheme ? text : `https://${text}`);
  } catch {
    return fail('is neither a URL nor an e-mail address');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail(`uses ${url.protocol.replace(/:$/, '')}, not https`);
  if (!LINKEDIN_HOST.test(url.hostname)) return fail(`is on ${url.hostname}, not linkedin.com`);
  if (url.username !== '' || url.password !== '' || url.port !== '') return fail('has a user name, password or port');
  const segments = url.pathname.split('/').filter((s) => s !== '');
  if (segments[0]?.toLowerCase() !== 'in' || segments[1] === undefined) return fail('is not a person’s profile (the path is not /in/<profile>)');
  let slug: string;
  try {
    slug = decodeURIComponent(segments[1]);
  } catch {
    return fail('has a profile name that is not valid percent-encoding');
  }
  if (!SLUG.test(slug)) return fail(`has "${slug}", which is not a LinkedIn profile name`);
  return { ok: true, key: `linkedin.com/in/${slug.toLowerCase()}`, kind: 'linkedin' };
}
