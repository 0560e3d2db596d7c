// Pieces of the report page shared by its sections (html.ts, approvals-html.ts): a metric card and a table.
// Cells are HTML: callers escape what they put in them (esc); headings and labels are escaped here.
import { esc } from '../diagram/dot.js';

export function metric(id: string, label: string, value: string, sub: string, tone: 'ok' | 'warn' | 'plain' = 'plain'): string {
  return `<div class="card ${tone}"><div class="label">${esc(label)}</div><div class="value" data-metric="${id}">${esc(value)}</div><div class="sub">${esc(sub)}</div></div>`;
}

export function table(head: string[], rows: string[][], attrs: string[] = []): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.length
    ? rows.map((r, i) => `<tr${attrs[i] ? ` ${attrs[i]}` : ''}>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')
    : `<tr><td colspan="${head.length}" class="none">none</td></tr>`;
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}
