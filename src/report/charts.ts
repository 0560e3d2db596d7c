// Small inline SVG charts for the report: generated here as text, so the page needs no script, no
// library and no network to draw them. Deterministic: same numbers, same bytes.
import { esc } from '../diagram/dot.js';

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

export type Bar = { label: string; value: number | null; caption?: string };

/** Horizontal bars with the value at the end: attribution by E-signal, time in stage. */
export function hbarChart(title: string, bars: readonly Bar[], opts: { color?: string; unit?: string; width?: number } = {}): string {
  const width = opts.width ?? 520;
  const labelW = Math.min(240, Math.max(60, ...bars.map((b) => b.label.length * 8 + 16)));
  const row = 24;
  const height = Math.max(1, bars.length) * row + 28;
  const max = Math.max(1e-9, ...bars.map((b) => b.value ?? 0));
  const plotW = width - labelW - 70;
  const rows = bars.map((b, i) => {
    const y = 24 + i * row;
    const w = b.value === null ? 0 : Math.max(1, (b.value / max) * plotW);
    const text = b.value === null ? 'n/a' : `${fmt(b.value)}${opts.unit ?? ''}${b.caption ? ` ${b.caption}` : ''}`;
    return `<g data-label="${esc(b.label)}" data-value="${b.value ?? ''}">`
      + `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end" font-size="12" ${FONT} fill="#1f2937">${esc(b.label)}</text>`
      + `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 8}" rx="3" fill="${opts.color ?? '#2563eb'}"/>`
      + `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 15}" font-size="12" ${FONT} fill="#374151">${esc(text)}</text></g>`;
  });
  const empty = bars.length === 0 ? `<text x="${labelW}" y="40" font-size="12" ${FONT} fill="#6b7280">nothing this week</text>` : '';
  return svg(title, width, height, `${heading(title)}${rows.join('')}${empty}`);
}

/** One column per week, with an optional dashed reference line (a threshold from HO 7). */
export function columnChart(title: string, points: readonly Bar[], opts: { color?: string; line?: { value: number; label: string }; percent?: boolean; width?: number } = {}): string {
  const width = opts.width ?? 520;
  const height = 210;
  const left = 40, right = 10, top = 28, bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = Math.max(opts.line?.value ?? 0, ...points.map((p) => p.value ?? 0)) * 1.15 || 1;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const slot = plotW / Math.max(1, points.length);
  const show = (v: number) => (opts.percent ? `${fmt(Math.round(v * 1000) / 10)}%` : fmt(v));
  const cols = points.map((p, i) => {
    const x = left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    const label = `<text x="${(x + w / 2).toFixed(1)}" y="${height - bottom + 14}" text-anchor="middle" font-size="10" ${FONT} fill="#4b5563">${esc(p.label)}</text>`;
    if (p.value === null) {
      return `<g data-label="${esc(p.label)}" data-value="">${label}<text x="${(x + w / 2).toFixed(1)}" y="${top + plotH - 4}" text-anchor="middle" font-size="10" ${FONT} fill="#9ca3af">n/a</text></g>`;
    }
    const h = Math.max(1, top + plotH - y(p.value));
    return `<g data-label="${esc(p.label)}" data-value="${p.value}">`
      + `<rect x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" rx="2" fill="${opts.color ?? '#0f766e'}"/>`
      + `<text x="${(x + w / 2).toFixed(1)}" y="${(top + plotH - h - 4).toFixed(1)}" text-anchor="middle" font-size="10" ${FONT} fill="#111827">${esc(show(p.value))}</text>`
      + `${label}</g>`;
  });
  const axis = `<line x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}" stroke="#9ca3af"/>`;
  const line = opts.line
    ? `<line x1="${left}" y1="${y(opts.line.value).toFixed(1)}" x2="${width - right}" y2="${y(opts.line.value).toFixed(1)}" stroke="#b91c1c" stroke-dasharray="5 4"/>`
      + `<line x1="${width - right - 150}" y1="12" x2="${width - right - 130}" y2="12" stroke="#b91c1c" stroke-dasharray="5 4"/>`
      + `<text x="${width - right - 126}" y="16" font-size="10" ${FONT} fill="#b91c1c">${esc(opts.line.label)}</text>`
    : '';
  return svg(title, width, height, `${heading(title)}${axis}${cols.join('')}${line}`);
}

/** A single bar split into parts (SLA: met / breached / open). */
export function stackedBar(title: string, parts: readonly { label: string; value: number; color: string }[], opts: { width?: number } = {}): string {
  const width = opts.width ?? 520;
  const height = 70;
  const total = parts.reduce((s, p) => s + p.value, 0);
  let x = 0;
  const plotW = width - 20;
  const segs = total === 0
    ? [`<rect x="10" y="26" width="${plotW}" height="18" rx="3" fill="#e5e7eb"/>`]
    : parts.filter((p) => p.value > 0).map((p) => {
      const w = (p.value / total) * plotW;
      const seg = `<rect x="${(10 + x).toFixed(1)}" y="26" width="${w.toFixed(1)}" height="18" fill="${p.color}"><title>${esc(`${p.label}: ${p.value}`)}</title></rect>`;
      x += w;
      return seg;
    });
  let lx = 10;
  const legend = parts.map((p) => {
    const item = `<rect x="${lx}" y="52" width="10" height="10" fill="${p.color}"/><text x="${lx + 14}" y="61" font-size="11" ${FONT} fill="#374151">${esc(`${p.label} ${p.value}`)}</text>`;
    lx += 24 + (p.label.length + String(p.value).length + 1) * 6.5;
    return item;
  });
  return svg(title, width, height, `${heading(title)}${segs.join('')}${legend.join('')}`);
}

/** A rate against its ceiling: the bar, and a red marker at the ceiling (override rate vs 10%). */
export function gauge(title: string, rate: number | null, ceiling: number, opts: { width?: number } = {}): string {
  const width = opts.width ?? 520;
  const height = 64;
  const plotW = width - 20;
  const scale = Math.max(ceiling * 2, rate ?? 0) || 1;
  const w = rate === null ? 0 : Math.min(plotW, (rate / scale) * plotW);
  const mark = 10 + (ceiling / scale) * plotW;
  const color = rate !== null && rate > ceiling ? '#b91c1c' : '#0f766e';
  const label = rate === null ? 'n/a (no classifications)' : `${fmt(Math.round(rate * 1000) / 10)}%`;
  return svg(title, width, height, `${heading(title)}<rect x="10" y="26" width="${plotW}" height="16" rx="3" fill="#e5e7eb"/>`
    + `<rect x="10" y="26" width="${w.toFixed(1)}" height="16" rx="3" fill="${color}"/>`
    + `<line x1="${mark.toFixed(1)}" y1="20" x2="${mark.toFixed(1)}" y2="48" stroke="#b91c1c" stroke-width="2" stroke-dasharray="3 2"/>`
    + `<text x="${(mark + 4).toFixed(1)}" y="58" font-size="10" ${FONT} fill="#b91c1c">${esc(`${fmt(ceiling * 100)}% line`)}</text>`
    + `<text x="10" y="58" font-size="11" ${FONT} fill="#111827">${esc(label)}</text>`);
}

function heading(title: string): string {
  return `<text x="10" y="16" font-size="13" font-weight="bold" ${FONT} fill="#111827">${esc(title)}</text>`;
}

function svg(title: string, width: number, height: number, body: string): string {
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${esc(title)}</title>${body}</svg>`;
}
