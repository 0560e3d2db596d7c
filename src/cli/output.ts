// Printing: human text by default, JSON with --json; a progress bar on a terminal only.
import type { Applied } from '../engine/engine.js';
import type { CliContext } from './context.js';
import { stageLabel } from '../../machines/stage.js';
import { delayOf } from '../../machines/timers.js';

export function emit(ctx: CliContext, json: unknown, text: string | string[]): void {
  if (ctx.json) ctx.io.out(JSON.stringify(json, null, 2));
  else ctx.io.out(Array.isArray(text) ? text.join('\n') : text);
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

export function progressBar(ctx: CliContext, label: string): ((done: number, total: number) => void) & { end(): void } {
  const enabled = ctx.io.isTTY && !ctx.json;
  let last = '';
  const draw = (done: number, total: number) => {
    if (!enabled) return;
    const width = 30;
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const line = `${label} [${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${done}/${total}`;
    if (line !== last) { process.stderr.write(`\r${line}`); last = line; }
  };
  return Object.assign(draw, { end: () => { if (enabled && last) process.stderr.write('\n'); } });
}
