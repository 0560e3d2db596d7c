// Printing: human text by default, JSON with --json; a progress bar on a terminal only.
import type { Applied } from '../engine/engine.js';
import type { CliContext } from './context.js';
import { stageLabel } from '../../machines/stage.js';
import { delayOf } from '../../machines/timers.js';
import { printable } from '../../machines/rules/values.js';

/**
 * One JSON document under --json; else text in which stored values (a name, a reason) are printed safely: a
 * control character is shown as an escape, never obeyed by the terminal (a name holding ESC]0;… would retitle it).
 */
export function emit(ctx: CliContext, json: unknown, text: string | string[]): void {
  if (ctx.json) ctx.io.out(JSON.stringify(json, null, 2));
  else ctx.io.out(printable(Array.isArray(text) ? text.join('\n') : text));
}

export function describeApplied(a: Applied): string {
  if (a.status === 'duplicate') return `${a.account}: already recorded (#${a.seq} in its history); nothing changed`;
  if (a.seq === 1) return `${a.account}: added at ${stageLabel(a.after)} (#1 in its history)`;
  const move = a.before.stage === a.after.stage && a.before.substate === a.after.substate
    ? `stays ${stageLabel(a.after)}` : `${stageLabel(a.before)} → ${stageLabel(a.after)}`;
  const timers = a.armed.map((t) => `${delayOf(t.timerId)} due ${t.dueAt}`);
  const caught = a.caughtUp.map((t) => `first, ${delayOf(t.timerId)} had fallen due at ${t.at}: ${stageLabel(t.before)} → ${stageLabel(t.after)}; `).join('');
  return `${a.account}: ${caught}${move} (#${a.seq} in its history)${timers.length ? `; timers: ${timers.join(', ')}` : ''}`;
}

/**
 * A progress line on stderr, on a terminal only (never in a pipe, never under --json). `unit` 'bytes' shows MB.
 * The phase says what the command is doing (an import first reads the whole file before it writes a row).
 */
export function progressBar(ctx: CliContext, label: string, unit: 'items' | 'bytes' = 'items'): ((done: number, total: number, phase?: string) => void) & { end(): void } {
  const enabled = ctx.io.isTTY && !ctx.json;
  let last = '';
  const fmt = (n: number) => (unit === 'bytes' ? `${(n / 1_048_576).toFixed(1)} MB` : String(n));
  const draw = (done: number, total: number, phase?: string) => {
    if (!enabled) return;
    const width = 30;
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const line = `${label}${phase ? ` (${phase})` : ''} [${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${fmt(done)}/${fmt(total)}`;
    if (line !== last) { process.stderr.write(`\r${line.padEnd(last.length)}`); last = line; }
  };
  return Object.assign(draw, { end: () => { if (enabled && last) process.stderr.write('\n'); } });
}
