// `ladder signal NOTE.md … | --dir DIR`: signal notes through intake.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadInputError } from '../../engine/errors.js';
import { ingestNote, type NoteOutcome } from '../../intake/notes-intake.js';
import type { CliContext } from '../context.js';
import { describeApplied, emit } from '../output.js';

export function runSignalNotes(ctx: CliContext, paths: string[], dir?: string): void {
  const files = [...paths.map((p) => resolve(p))];
  if (dir) {
    const d = resolve(dir);
    if (!statSync(d, { throwIfNoEntry: false })?.isDirectory()) throw new BadInputError(`--dir: ${d} is not a directory`, 'dir');
    files.push(...readdirSync(d).filter((f) => f.endsWith('.md')).sort().map((f) => join(d, f)));
  }
  if (files.length === 0) throw new BadInputError('signal: give signal-note files (NOTE.md …), --dir DIR, or ACCOUNT --code E1..E10 for one signal', 'targets');
  const engine = ctx.engine();
  const now = ctx.now;
  const actor = ctx.actor();
  const outcomes: NoteOutcome[] = files.map((path) => {
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch (err) {
      throw new BadInputError(`${path}: cannot read the note (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'path');
    }
    return ingestNote(engine, { path, text, now, actor });
  });
  const lines = outcomes.flatMap((o) => {
    switch (o.status) {
      case 'accepted':
      case 'duplicate':
        return [`${o.path}: ${o.code}${o.stale ? ' (STALE: captured more than 14 days ago, re-validate)' : ''} — ${describeApplied(o.applied)}`];
      case 'bounced':
        return [`${o.path}: BOUNCED (${o.problems.length} problem${o.problems.length === 1 ? '' : 's'}, sender ${o.sender})`, ...o.problems.map((p) => `  ${p.field}: ${p.message}`),
          ...(o.escalated ? [`  ESCALATION: 3 bounces from ${o.sender}: flag the sender's owner for an intake protocol review (LQ 7.2)`] : [])];
      case 'refused':
        return [`${o.path}: REFUSED — ${o.why}`];
      default:
        return [];
    }
  });
  emit(ctx, outcomes, lines);
  const bounced = outcomes.some((o) => o.status === 'bounced');
  const refused = outcomes.some((o) => o.status === 'refused');
  if (bounced) throw Object.assign(new BadInputError(`${outcomes.filter((o) => o.status === 'bounced').length} of ${outcomes.length} notes bounced; fix the fields named above and send them again`), { quiet: ctx.json });
  if (refused) throw Object.assign(new Error('some notes were refused'), { exitCode: 3 });
}
