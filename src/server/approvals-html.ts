// The email approvals page as HTML (issue 14): server-rendered, no script and no inline style (the server's CSP), the
// review page's stylesheet plus a few rules of its own. Every interpolation goes through the review page's `html`
// tag, which escapes it: a template's subject and body, feedback, a refusal are text, never markup.
import type { Feedback } from '../../machines/approval.js';
import type { RuleProblem } from '../../machines/templates/rules.js';
import { duration, html, type Flash, type SafeHtml } from './review-html.js';

export type ApprovalsUser = {
  name: string; role: string;
  /** The per-session CSRF token; null without a session cookie (a bearer token caller reads only). */
  csrf: string | null;
  /** sales.ops and chief.staff (HO 5.1), or no session: no forms. */
  readOnly: boolean;
};

export type TemplateView = {
  id: string; sequence: string; step: number; flow: string; state: string;
  /** The approval's version as read: the forms send it back, so a decision on a stale page is refused. */
  version: number;
  addedBy: string; addedAt: string; subject: string; body: string; description: string | null;
  /** The content rules (HO 5.3) under the settings in force: empty when the version may be approved. */
  problems: RuleProblem[];
  feedback: Feedback[];
  lists: { id: string; state: string }[];
};

export type ApprovalItem = {
  kind: 'template' | 'recipients';
  /** The template version, or the recipient list. */
  id: string;
  /** The version of the actor decided on (the template's approval, or the list). */
  version: number;
  waitsFor: 'cmo' | 'cro' | 'category.positioning';
  what: string;
  template: TemplateView;
  list: {
    proposedBy: string; proposedAt: string; note: string | null;
    entries: { account: string; contact: string; stage: string; why: string }[];
    /** What the CRO's approval would find now (suppressed, wrong stage, the template's state). */
    problems: string[];
  } | null;
  /** The forms the signed-in user gets (route actions of TEMPLATE_ACTIONS or LIST_ACTIONS). */
  actions: string[];
  since: string; slaDueAt: string | null; escalateAt: string | null; slaBreached: boolean; escalated: boolean;
};

const WHO: Record<ApprovalItem['waitsFor'], string> = { cmo: 'the CMO', cro: 'the CRO', 'category.positioning': 'category.positioning' };
const FLOWS: Record<string, string> = {
  simplified: 'simplified (HO 5.4.1): CMO approves the messaging; the CRO approves recipient lists in parallel',
  full: 'full (HO 5.4.2): CMO approves the messaging, then the CRO gives GO / NO-GO on the sales narrative',
  framework: 'framework (HO 5.2): CMO approves; the CRO personalizes and sends it himself',
};
const INTRO: Record<string, string> = {
  cmo: 'Template versions waiting for your messaging and brand approval (HO 5.4).',
  cro: 'Activation versions waiting for your GO / NO-GO on the sales narrative (HO 5.4.2), and recipient lists waiting for your approval (HO 5.4.1, 5.4.3).',
  'category.positioning': 'Your drafts sent back by the CMO or the CRO with feedback (HO 5.1). A change is a new version: ladder template add FILE.',
  'sales.ops': 'Every approval step waiting, and every draft sent back. Read-only: the decisions are the CMO\'s and the CRO\'s.',
  'chief.staff': 'Every approval step waiting, and every draft sent back; steps past 48 hours are escalated to you (HO 5.4.4). Read-only.',
};
const FEEDBACK_LABEL: Record<string, string> = {
  reject: 'Feedback for category.positioning: what the copy or the messaging needs',
  nogo: 'Feedback for category.positioning: what the sales narrative needs (the CRO does not line-edit, HO 5.1)',
};
const TEMPLATE_BUTTONS: Record<string, string> = { approve: 'Approve the messaging', reject: 'Reject with feedback', go: 'GO', nogo: 'NO-GO with feedback' };
const LIST_BUTTONS: Record<string, string> = { approve: 'Approve the list', reject: 'Reject the list with feedback' };

function when(iso: string | null | undefined): SafeHtml {
  if (!iso) return html`<span class="none">—</span>`;
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC</time>`;
}
const idOf = (id: string) => id.replace(/[^A-Za-z0-9-]/g, '_');

function layout(o: { user: ApprovalsUser; body: SafeHtml }): string {
  const u = o.user;
  const review = u.role === 'cro' || u.role === 'sales.ops';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Email approvals · Ladder</title>
<link rel="stylesheet" href="/assets/review.css">
<link rel="stylesheet" href="/assets/approvals.css">
<link rel="icon" href="data:,">
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header class="top"><span class="brand">Ladder</span>
<nav class="pages" aria-label="Pages"><a href="/approvals" aria-current="page">Email approvals</a>${review ? html`<a href="/review">SQL review</a>` : ''}</nav>
<div class="who">Signed in as <strong>${u.name}</strong> (${u.role})${u.csrf
    ? html` <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="${u.csrf}"><button type="submit" class="link">Sign out</button></form>`
    : ''}</div></header>
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

function hidden(user: ApprovalsUser, version: number, idem: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${user.csrf ?? ''}"><input type="hidden" name="version" value="${version}"><input type="hidden" name="idem" value="${idem}">`;
}

function forms(item: ApprovalItem, user: ApprovalsUser, idem: string): SafeHtml {
  if (user.readOnly || !user.csrf || item.actions.length === 0) return html``;
  const base = item.kind === 'template' ? `/approvals/templates/${encodeURIComponent(item.id)}` : `/approvals/lists/${encodeURIComponent(item.id)}`;
  const buttons = item.kind === 'template' ? TEMPLATE_BUTTONS : LIST_BUTTONS;
  const name = html`<span class="sr-only"> ${item.kind === 'template' ? item.id : `recipient list ${item.id}`}</span>`;
  const blocked = item.kind === 'template' && item.template.problems.length > 0
    ? html`<p class="note">The ladder will refuse an approval while a content rule fails (HO 5.3); send it back with feedback instead.</p>` : '';
  return html`${blocked}<div class="actions" role="group" aria-label="Decision on ${item.id}">${item.actions.map((a) => {
    const needsFeedback = a === 'reject' || a === 'nogo';
    if (!needsFeedback) {
      return html`<form method="post" action="${base}/${a}" class="inline">${hidden(user, item.version, idem)}<button type="submit" data-action="${a}">${buttons[a]}${name}</button></form>`;
    }
    const fid = `feedback-${a}-${idOf(item.id)}`;
    const label = item.kind === 'recipients' ? 'Feedback for sales.ops: why these are not the right recipients (HO 5.4.1)' : FEEDBACK_LABEL[a];
    return html`<form method="post" action="${base}/${a}" class="stack">${hidden(user, item.version, idem)}
<label for="${fid}">${label}</label>
<textarea id="${fid}" name="feedback" rows="3" maxlength="4000" required></textarea>
<button type="submit" data-action="${a}" class="secondary">${buttons[a]}${name}</button>
</form>`;
  })}</div>`;
}

function rules(problems: RuleProblem[]): SafeHtml {
  if (problems.length === 0) return html`<p class="rules-ok" data-rules="pass">Passes every content rule (HO 5.3) under the settings in force.</p>`;
  return html`<p class="rules-fail" data-rules="fail">Breaks ${problems.length} content rule${problems.length === 1 ? '' : 's'} (HO 5.3):</p>
<ul class="rules-fail">${problems.map((p) => html`<li data-rule="${p.rule}">line ${p.line}: ${p.message}</li>`)}</ul>`;
}

function article(item: ApprovalItem, user: ApprovalsUser, now: string, idem: string): SafeHtml {
  const t = item.template;
  const hid = `h-${item.kind}-${idOf(item.id)}`;
  const title = item.kind === 'recipients' ? html`Recipient list ${item.id} <span class="domain">for ${t.id}</span>` : html`${t.id} <span class="domain">${t.sequence}, step ${t.step}</span>`;
  return html`<article class="account approval${item.slaBreached ? ' overdue' : ''}" data-item="${item.kind}:${item.id}" data-version="${item.version}" data-waits-for="${item.waitsFor}" aria-labelledby="${hid}">
<h2 id="${hid}">${title}</h2>
<p class="waits">Waits for <strong>${WHO[item.waitsFor]}</strong>: ${item.what}</p>
<dl class="facts">
<div><dt>Waiting since</dt><dd data-since="${item.since}">${when(item.since)} (${duration(item.since, now)})</dd></div>
${item.slaDueAt ? html`<div><dt>SLA due (1 business day)</dt><dd data-sla="${item.slaDueAt}">${when(item.slaDueAt)}${item.slaBreached ? html` <span class="tag tag-warn" data-breached>SLA missed</span>` : ''}</dd></div>` : ''}
${item.escalateAt ? html`<div><dt>Escalates to chief.staff (48 hours)</dt><dd data-escalate="${item.escalateAt}">${when(item.escalateAt)}${item.escalated ? html` <span class="tag tag-warn" data-escalated>escalated to chief.staff</span>` : ''}</dd></div>` : ''}
<div><dt>Version</dt><dd>${t.id} by ${t.addedBy}, ${when(t.addedAt)}</dd></div>
<div><dt>Approval flow</dt><dd>${FLOWS[t.flow] ?? t.flow}</dd></div>
</dl>
${t.description ? html`<p class="sub">${t.description}</p>` : ''}
<h3>Subject</h3>
<p class="subject"><code data-subject>${t.subject}</code></p>
<h3>Body</h3>
<pre class="template-body" data-body>${t.body}</pre>
<h3>Content rules</h3>
${rules(t.problems)}
${t.feedback.length ? html`<h3>Feedback so far</h3>
<ol class="feedback">${t.feedback.map((f) => html`<li data-feedback="${f.step}">${f.step === 'cmo' ? 'CMO' : 'CRO'} ${f.by}, ${when(f.at)}, round ${f.round}: <span class="evidence">${f.text}</span></li>`)}</ol>` : ''}
${item.list ? listBlock(item) : t.lists.length ? html`<p class="sub">Recipient lists of this version: ${t.lists.map((l, i) => html`${i ? ', ' : ''}${l.id} (${l.state})`)}</p>` : ''}
${forms(item, user, idem)}
</article>`;
}

function listBlock(item: ApprovalItem): SafeHtml {
  const l = item.list!;
  return html`<h3>Recipients <span class="count">${l.entries.length}</span></h3>
<p class="sub">Proposed by ${l.proposedBy}, ${when(l.proposedAt)}${l.note ? html`: <span class="evidence">${l.note}</span>` : ''}. The template version is ${item.template.state}.</p>
<table class="recipients"><caption class="sr-only">Recipients of ${item.id} and why each is on the list</caption>
<thead><tr><th scope="col">Account</th><th scope="col">Contact</th><th scope="col">Stage when proposed</th><th scope="col">Why on the list</th></tr></thead>
<tbody>${l.entries.map((e) => html`<tr data-recipient="${e.account}"><td>${e.account}</td><td>${e.contact}</td><td>${e.stage}</td><td>${e.why}</td></tr>`)}</tbody>
</table>
${l.problems.length
    ? html`<p class="rules-fail" data-check="fail">Checked now, the approval would be refused: ${l.problems.length} problem${l.problems.length === 1 ? '' : 's'}:</p><ul class="rules-fail">${l.problems.map((p) => html`<li>${p}</li>`)}</ul>`
    : html`<p class="rules-ok" data-check="pass">Checked now: every recipient may receive it (not suppressed, at the sequence's target stage).</p>`}`;
}

export function renderApprovals(o: { user: ApprovalsUser; now: string; items: ApprovalItem[]; flash?: Flash | null; idem: string }): string {
  const body = html`${flashBlock(o.flash)}
<h1>Email approvals <span class="count" data-count="items">${o.items.length}</span></h1>
<p class="sub">${INTRO[o.user.role] ?? ''} Most urgent first. Each step has a 1-business-day SLA and escalates to chief.staff past 48 hours (HO 5.4.4). As of ${when(o.now)}.</p>
${o.items.length === 0 ? html`<p class="none" data-empty>Nothing waits for you.</p>` : o.items.map((i) => article(i, o.user, o.now, o.idem))}`;
  return layout({ user: o.user, body });
}

/** The page's own rules, served at /assets/approvals.css after the review page's stylesheet. */
export const APPROVALS_CSS = `.pages { display: flex; gap: 1.2rem; }
.pages a, .who a { color: #fff; }
.pages a[aria-current=page] { font-weight: 700; text-decoration: none; border-bottom: 2px solid #fff; }
.approval h2 { margin-top: 0; }
.waits { margin: .2rem 0 .6rem; }
.subject code { font-size: 1rem; background: #f6f8fa; padding: .1rem .3rem; border-radius: 4px; overflow-wrap: anywhere; }
pre.template-body { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; margin: 0; font: .95rem/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.rules-ok { color: var(--ok); }
.rules-fail { color: var(--bad); }
.feedback { padding-left: 1.2rem; }
button.secondary { background: #fff; color: var(--bad); border-color: var(--bad); }
`;
