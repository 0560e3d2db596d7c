// The CRO's review page as HTML (issue 13): server-rendered, no build step, no script at all and no inline
// style (the server's CSP is `script-src 'self'; style-src 'self'`), one stylesheet served by this server.
// Every interpolation goes through `html`, which escapes it unless it is already SafeHtml built by `html`:
// text from the database (an account's name, a dossier's evidence, a refusal's explanation) is never markup.
import { GATES, type BuyingScore, type BuyingSignal, type Gate, type GateVerdict, type SignalCode, type SignalEntry } from '../../machines/types.js';
import type { LadderContext } from '../../machines/context.js';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string { return this.value; }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text as HTML text or a quoted attribute value: the five markup characters (and the backtick) as entities. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

function piece(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(piece).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

/** A template whose every interpolation is escaped (arrays joined, null/undefined/false left out). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

// ---- what the page shows (built by review.ts from the engine's read side) ----

export type GateView = { gate: Gate; verdict: GateVerdict; because: string; overridden: boolean };

export type ReviewItem = {
  account: string; name: string; hq: string; tier: string; icpScore: number;
  /** The actor's version as read: the forms send it back, so a decision on a stale page is refused. */
  version: number;
  entry: LadderContext['sqlEntry'];
  /** HO 4.3: E8 repeat engagement is reviewed the same day. */
  sameDay: boolean;
  reviewDueAt: string | null;
  overdue: boolean;
  reviewSince: string | null;
  dossier: LadderContext['dossier'];
  signals: SignalEntry[];
  credit: number;
  firstTouch: LadderContext['firstTouch'];
  lastEngagementAt: string | null;
  croWeight: boolean;
  gates: GateView[];
  priority: LadderContext['priority'];
  lastDispute: LadderContext['lastDispute'];
};

export type OverrideCandidate = {
  account: string; name: string; tier: string; icpScore: number; version: number;
  failing: GateView;
  /** Why the engine would refuse an override of the failing gate (G5), or null when it may be overridden. */
  notOverridable: string | null;
  gates: GateView[];
  signals: SignalEntry[];
  lastEngagementAt: string | null;
};

export type PageUser = {
  name: string; role: string;
  /** The CRO with a session: the decision forms are shown. */
  canDecide: boolean;
  /** The per-session CSRF token; null without a session cookie (a bearer token caller reads only). */
  csrf: string | null;
};

export type Flash = { kind: 'ok' | 'refused' | 'error'; text: string; refusal?: string };

// ---- vocabulary ----

const BUYING: Record<BuyingSignal, string> = {
  S1: 'Partner revenue dependency', S2: 'GTM restructuring (last 120 days)', S3: 'Ecosystem complexity', S4: 'Performance pressure',
};
const SIGNAL_NAMES: Record<SignalCode, string> = {
  E1: 'LinkedIn interaction', E2: 'Substack subscription', E3: 'direct message', E4: 'Briefing request', E5: 'gated content download',
  E6: 'event interaction', E7: 'acknowledged referral', E8: 'repeat engagement', E9: 'content-fuel attribution', E10: 'warm intro accepted',
};
const ENTRY_NAMES: Record<NonNullable<LadderContext['sqlEntry']>['via'], string> = {
  E8: 'E8 repeat engagement fast track: same-day review', strong: 'strong-signal fast track', E4: 'E4 Briefing request', dossier: 'dossier from MQL',
};
const GATE_NAMES: Record<Gate, string> = {
  G1: 'company size', G2: 'ecosystem complexity', G3: 'decision-maker accessibility', G4: 'budget authority', G5: 'no disqualifying signal',
};
const scoreClass = (s: BuyingScore) => (s === 'CONFIRMED' || s === 'LIKELY' ? 'score-yes' : 'score-no');

/** An instant as "2026-04-06 09:00 UTC" in a <time> element. */
function when(iso: string | null | undefined): SafeHtml {
  if (!iso) return html`<span class="none">—</span>`;
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC</time>`;
}

/** A duration as "2 d 3 h", "5 h 10 min" or "12 min". */
export function duration(fromIso: string, toIso: string): string {
  const minutes = Math.max(0, Math.floor((Date.parse(toIso) - Date.parse(fromIso)) / 60_000));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min`;
}

/** An id fragment for form controls: the account key is a domain, but never trusted to be one. */
const idOf = (account: string) => account.replace(/[^A-Za-z0-9-]/g, '_');
const actionUrl = (account: string, action: string) => `/review/${encodeURIComponent(account)}/${action}`;

// ---- the layout ----

function layout(o: { title: string; user?: PageUser | null; body: SafeHtml }): string {
  const who = o.user
    ? html`<div class="who">Signed in as <strong>${o.user.name}</strong> (${o.user.role})${o.user.csrf
      ? html` <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="${o.user.csrf}"><button type="submit" class="link">Sign out</button></form>`
      : ''}</div>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${o.title} · Ladder</title>
<link rel="stylesheet" href="/assets/review.css">
<link rel="icon" href="data:,">
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header class="top"><span class="brand">Ladder</span>${who}</header>
<main id="main" tabindex="-1">
${o.body}
</main>
</body>
</html>
`.value;
}

function flashBlock(flash: Flash | null | undefined): SafeHtml {
  if (!flash) return html``;
  const heading = flash.kind === 'ok' ? 'Done' : flash.kind === 'refused' ? 'Refused by the ladder' : 'Not recorded';
  return html`<div class="flash flash-${flash.kind}" data-flash="${flash.kind}"${flash.refusal ? html` data-refusal="${flash.refusal}"` : ''} role="${flash.kind === 'ok' ? 'status' : 'alert'}">
<p class="flash-title">${heading}</p>
<p class="flash-text">${flash.text}</p>
</div>`;
}

// ---- pages ----

export function renderLogin(o: { csrf: string; error?: string; signedInAs?: string | null }): string {
  const body = html`<div class="narrow">
<h1>Sign in</h1>
${o.error ? flashBlock({ kind: 'error', text: o.error }) : ''}
${o.signedInAs ? html`<p>You are signed in as <strong>${o.signedInAs}</strong>. <a href="/review">Go to the review queue</a>, or sign in with another token.</p>` : ''}
<p>Paste your API token (<code>ladder user add NAME --role ROLE</code> prints one). The page keeps a session cookie for eight hours, never the token itself.</p>
<form method="post" action="/login" class="stack">
<input type="hidden" name="csrf" value="${o.csrf}">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required autofocus>
<button type="submit">Sign in</button>
</form>
</div>`;
  return layout({ title: 'Sign in', body });
}

/** A page that only says something: a refused request (403), a forgery refused. */
export function renderMessage(o: { title: string; message: string; user?: PageUser | null; link?: { href: string; text: string } }): string {
  const body = html`<div class="narrow">
<h1>${o.title}</h1>
<p class="message" data-message>${o.message}</p>
${o.link ? html`<p><a href="${o.link.href}">${o.link.text}</a></p>` : ''}
</div>`;
  return layout({ title: o.title, user: o.user, body });
}

function hidden(user: PageUser, version: number, idem: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${user.csrf ?? ''}"><input type="hidden" name="version" value="${version}"><input type="hidden" name="idem" value="${idem}">`;
}

function gateList(gates: GateView[]): SafeHtml {
  return html`<ul class="gates">${gates.map((g) => html`<li class="gate gate-${g.verdict}" data-gate="${g.gate}" data-verdict="${g.verdict}"><strong>${g.gate}</strong> ${GATE_NAMES[g.gate]}: <span class="verdict">${g.verdict === 'pass' ? 'passes' : g.verdict === 'fail' ? 'FAILS' : 'unknown'}</span>${g.overridden ? html` <span class="tag">overridden by the CRO</span>` : ''}<div class="because">${g.because}</div></li>`)}</ul>`;
}

function signalTable(signals: SignalEntry[], caption: string): SafeHtml {
  if (signals.length === 0) return html`<p class="none">No engagement signal on the trailing window.</p>`;
  return html`<table class="signals"><caption class="sr-only">${caption}</caption>
<thead><tr><th scope="col">Signal</th><th scope="col">Date</th><th scope="col">Contact</th><th scope="col">Source</th></tr></thead>
<tbody>${[...signals].reverse().map((s) => html`<tr data-signal="${s.code}"><td><strong>${s.code}</strong> ${SIGNAL_NAMES[s.code]}${s.interaction ? ` (${s.interaction})` : ''}</td><td>${when(s.at)}</td><td>${s.contact}</td><td>${s.source ?? ''}</td></tr>`)}</tbody>
</table>`;
}

function dossierTable(item: ReviewItem): SafeHtml {
  const d = item.dossier;
  if (!d) return html`<p class="none">No dossier recorded.</p>`;
  const signals: BuyingSignal[] = ['S1', 'S2', 'S3', 'S4'];
  return html`<p class="sub">Dossier by ${d.by}, ${when(d.at)}</p>
<table class="dossier"><caption class="sr-only">Buying signals S1–S4 of ${item.name}</caption>
<thead><tr><th scope="col">Buying signal</th><th scope="col">Score</th><th scope="col">Evidence</th></tr></thead>
<tbody>${signals.map((s) => html`<tr data-buying="${s}"><th scope="row">${s} ${BUYING[s]}</th><td class="${scoreClass(d.scores[s])}">${d.scores[s]}</td><td class="evidence">${d.evidence[s] ?? html`<span class="none">none recorded</span>`}</td></tr>`)}</tbody>
</table>`;
}

function decisionForms(item: ReviewItem, user: PageUser, idem: string): SafeHtml {
  if (!user.canDecide || !user.csrf) return html``;
  const id = idOf(item.account);
  const label = html`<span class="sr-only"> ${item.name} (${item.account})</span>`;
  return html`<div class="actions" role="group" aria-label="Decision on ${item.name}">
<form method="post" action="${actionUrl(item.account, 'confirm')}" class="inline">${hidden(user, item.version, idem)}<button type="submit" data-action="confirm">Confirm${label}</button></form>
<form method="post" action="${actionUrl(item.account, 'flag')}" class="inline">${hidden(user, item.version, idem)}<button type="submit" data-action="flag">Flag for immediate outreach${label}</button></form>
<form method="post" action="${actionUrl(item.account, 'dispute')}" class="stack dispute">${hidden(user, item.version, idem)}
<label for="reason-${id}">Reason for disputing ${item.name} (kept for signal calibration; the account returns to MQL)</label>
<textarea id="reason-${id}" name="reason" rows="3" maxlength="4000" required></textarea>
<button type="submit" data-action="dispute">Dispute${label}</button>
</form>
</div>`;
}

function reviewArticle(item: ReviewItem, user: PageUser, now: string, idem: string): SafeHtml {
  const hid = `h-${idOf(item.account)}`;
  return html`<article class="account${item.sameDay ? ' same-day' : ''}${item.overdue ? ' overdue' : ''}" data-account="${item.account}" data-version="${item.version}" aria-labelledby="${hid}">
<h3 id="${hid}">${item.name} <span class="domain">${item.account}</span></h3>
<dl class="facts">
<div><dt>Review due</dt><dd data-due="${item.reviewDueAt ?? ''}">${when(item.reviewDueAt)}${item.overdue ? html` <span class="tag tag-warn">SLA breached</span>` : ''}</dd></div>
<div><dt>Entered SQL</dt><dd>${item.entry ? html`${ENTRY_NAMES[item.entry.via]}, ${when(item.entry.at)}` : '—'}</dd></div>
<div><dt>Time in review</dt><dd data-in-stage>${item.reviewSince ? html`${duration(item.reviewSince, now)} (since ${when(item.reviewSince)})` : '—'}</dd></div>
<div><dt>Tier</dt><dd>${item.tier}</dd></div>
<div><dt>ICP score</dt><dd>${item.icpScore}</dd></div>
<div><dt>HQ</dt><dd>${item.hq}</dd></div>
${item.croWeight ? html`<div><dt>CRO weight</dt><dd>E9 content-fuel attribution</dd></div>` : ''}
${item.lastDispute ? html`<div><dt>Last disputed</dt><dd>${when(item.lastDispute.at)} by ${item.lastDispute.by}: <span class="evidence">${item.lastDispute.reason}</span></dd></div>` : ''}
</dl>
<h4>Buying signals</h4>
${dossierTable(item)}
<h4>Engagement signals</h4>
<p class="sub">First touch: ${item.firstTouch ? html`<strong>${item.firstTouch.code}</strong> ${SIGNAL_NAMES[item.firstTouch.code]}, ${when(item.firstTouch.at)}` : '—'} · last engagement ${when(item.lastEngagementAt)} · credit ${item.credit}</p>
${signalTable(item.signals, `Engagement signals of ${item.name}`)}
<h4>ICP gates</h4>
${gateList(item.gates)}
${decisionForms(item, user, idem)}
</article>`;
}

function overrideArticle(c: OverrideCandidate, user: PageUser, idem: string): SafeHtml {
  const id = idOf(c.account);
  const hid = `ho-${id}`;
  const form = user.canDecide && user.csrf
    ? c.notOverridable
      ? html`<p class="note">${c.notOverridable}</p>`
      : html`<form method="post" action="${actionUrl(c.account, 'override')}" class="stack override">${hidden(user, c.version, idem)}
<label for="gate-${id}">Gate to override</label>
<select id="gate-${id}" name="gate">${GATES.map((g) => {
        const v = c.gates.find((x) => x.gate === g)?.verdict ?? 'unknown';
        return html`<option value="${g}"${g === c.failing.gate ? html` selected` : ''}>${g} ${GATE_NAMES[g]} (${v === 'pass' ? 'passes' : v === 'fail' ? 'fails' : 'unknown'})</option>`;
      })}</select>
<label for="justification-${id}">Why the override is justified (HO 3.6 b)</label>
<textarea id="justification-${id}" name="justification" rows="3" maxlength="4000" required></textarea>
<label for="compensating-${id}">Compensating signals present, one per line (HO 3.6 c)</label>
<textarea id="compensating-${id}" name="compensatingSignals" rows="2" maxlength="4000" required></textarea>
<button type="submit" data-action="override">Override ${c.failing.gate}<span class="sr-only"> for ${c.name} (${c.account})</span></button>
</form>`
    : html``;
  return html`<article class="account prospect" data-account="${c.account}" data-version="${c.version}" aria-labelledby="${hid}">
<h3 id="${hid}">${c.name} <span class="domain">${c.account}</span></h3>
<dl class="facts">
<div><dt>Failing gate</dt><dd data-failing="${c.failing.gate}"><strong>${c.failing.gate}</strong> ${GATE_NAMES[c.failing.gate]}</dd></div>
<div><dt>Tier</dt><dd>${c.tier}</dd></div>
<div><dt>ICP score</dt><dd>${c.icpScore}</dd></div>
<div><dt>Last engagement</dt><dd>${when(c.lastEngagementAt)}</dd></div>
</dl>
${gateList(c.gates)}
<h4>Engagement signals</h4>
${signalTable(c.signals, `Engagement signals of ${c.name}`)}
${form}
</article>`;
}

export function renderReview(o: {
  user: PageUser; now: string; queue: ReviewItem[]; candidates: OverrideCandidate[]; flash?: Flash | null; idem: string;
}): string {
  const body = html`${flashBlock(o.flash)}
<section id="queue" aria-labelledby="queue-h">
<h1 id="queue-h">SQL-Pending Review <span class="count" data-count="queue">${o.queue.length}</span></h1>
<p class="sub">Accounts in SQL whose dossier found three or more of S1–S4 confirmed or likely (HO 4.3), most urgent first: E8 repeat engagement (same-day review) first, then by review due time. As of ${when(o.now)}.${o.user.canDecide ? '' : ' Read-only: decisions are the CRO\'s.'}</p>
${o.queue.length === 0 ? html`<p class="none">Nothing is waiting for review.</p>` : o.queue.map((i) => reviewArticle(i, o.user, o.now, o.idem))}
</section>
<section id="overrides" aria-labelledby="overrides-h">
<h2 id="overrides-h">PROSPECTs failing one gate <span class="count" data-count="overrides">${o.candidates.length}</span></h2>
<p class="sub">The CRO may override one failed ICP gate, never two, with which gate failed, why the override is justified and which compensating signals are present (HO 3.6). It is logged and posted to the board.</p>
${o.candidates.length === 0 ? html`<p class="none">No PROSPECT fails exactly one gate.</p>` : o.candidates.map((c) => overrideArticle(c, o.user, o.idem))}
</section>
<p class="sub" id="elsewhere">Email templates and recipient lists waiting for the CRO (HO 5.4): <a href="/approvals">Email approvals</a>.</p>`;
  return layout({ title: 'SQL-Pending Review', user: o.user, body });
}

/** The page's only stylesheet, served at /assets/review.css (kept here: the build copies no asset files). */
export const REVIEW_CSS = `:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; --ok: #1a7f37; --bad: #b42318; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f8fa; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; top: .5rem; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.top { display: flex; justify-content: space-between; align-items: center; padding: .6rem 1.2rem; background: #24292f; color: #fff; }
.brand { font-weight: 700; letter-spacing: .03em; }
.who strong { color: #fff; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
main:focus { outline: none; }
.narrow { max-width: 32rem; margin: 2rem auto; }
h1 { font-size: 1.6rem; margin: .6rem 0; }
h2 { font-size: 1.35rem; margin: 2rem 0 .4rem; }
h3 { font-size: 1.15rem; margin: 0 0 .5rem; }
h4 { font-size: 1rem; margin: 1rem 0 .3rem; }
.sub, .none, .domain, .because { color: var(--muted); }
.domain { font-weight: 400; font-size: .9em; margin-left: .4rem; }
.count { display: inline-block; min-width: 1.6em; padding: 0 .4em; border-radius: 1em; background: #ddf4ff; color: var(--accent); text-align: center; font-size: .85em; }
.account { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; margin: 1rem 0; }
.account.same-day { border-left: 6px solid var(--warn); }
.account.overdue { border-left: 6px solid var(--bad); }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .3rem 1rem; margin: 0; }
.facts dt { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
.evidence, .flash-text, .because, .message { white-space: pre-wrap; overflow-wrap: anywhere; }
.score-yes { color: var(--ok); font-weight: 600; }
.score-no { color: var(--muted); }
.gates { list-style: none; padding: 0; margin: 0; }
.gate { padding: .2rem 0; }
.gate-fail .verdict { color: var(--bad); font-weight: 700; }
.gate-pass .verdict { color: var(--ok); }
.gate-unknown .verdict { color: var(--warn); }
.because { font-size: .85rem; }
.tag { display: inline-block; font-size: .75rem; padding: 0 .4em; border: 1px solid var(--line); border-radius: 4px; }
.tag-warn { border-color: var(--bad); color: var(--bad); }
.actions { display: flex; flex-wrap: wrap; gap: .8rem; align-items: flex-start; margin-top: 1rem; padding-top: .8rem; border-top: 1px solid var(--line); }
form.inline { display: inline; margin: 0; }
form.stack { display: flex; flex-direction: column; gap: .35rem; min-width: 18rem; flex: 1; }
label { font-weight: 600; font-size: .9rem; }
input, textarea, select, button { font: inherit; }
input[type=password], textarea, select { padding: .4rem; border: 1px solid #8c959f; border-radius: 6px; background: #fff; color: var(--ink); width: 100%; }
button { padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; align-self: flex-start; }
button.link { background: none; border: none; color: #fff; text-decoration: underline; padding: 0 .3rem; }
button[data-action=dispute] { background: #fff; color: var(--bad); border-color: var(--bad); }
button[data-action=flag] { background: var(--warn); border-color: var(--warn); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible { outline: 3px solid #fb8c00; outline-offset: 2px; }
.flash { border-radius: 8px; padding: .6rem 1rem; margin: 1rem 0; border: 1px solid; }
.flash p { margin: .2rem 0; }
.flash-title { font-weight: 700; }
.flash-ok { background: #dafbe1; border-color: var(--ok); }
.flash-refused, .flash-error { background: #ffebe9; border-color: var(--bad); }
.note { color: var(--muted); font-style: italic; }
`;
