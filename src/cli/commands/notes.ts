// `ladder signal NOTE.md … | --dir DIR`: signal notes through intake. Every file is read before any is
// ingested: a missing or unreadable file stops the command before anything is recorded (exit 2, naming it),
// instead of leaving the notes before it recorded and the user unsure which.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadInputError } from '../../engine/errors.js';
import { ingestNote, type NoteOutcome } from '../../intake/notes-intake.js';
import type { CliContext } from '../context.js';
import { EXIT, ReportedFailure } from '../exits.js';
import { describeApplied, emit } from '../output.js';

/** A note is a text file of a few kilobytes; anything far larger is not one (and is not read into memory). */
const MAX_NOTE_BYTES = 1_000_000;

function readNotes(paths: string[]): { path: string; text: string }[] {
  const problems: string[] = [];
  const notes = paths.flatMap((path) => {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) { problems.push(`${path}: no such file`); return []; }
    if (!st.isFile()) { problems.push(`${path}: not a file`); return []; }
    if (st.size > MAX_NOTE_BYTES) { problems.push(`${path}: ${st.size} bytes; a signal note is at most ${MAX_NOTE_BYTES} bytes`); return []; }
    try {
      return [{ path, text: readFileSync(path, 'utf8') }];
    } catch (err) {
      problems.push(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return [];
    }
  });
  if (problems.length) throw new BadInputError(`signal: nothing was recorded: ${problems.length} of ${paths.length} notes cannot be read:\n  ${problems.join('\n  ')}`, 'path');
  return notes;
}

export function runSignalNotes(ctx: CliContext, paths: string[], dir?: string): void {
  const files = [...paths.map((p) => resolve(p))];
  if (dir) {
    const d = resolve(dir);
    if (!statSync(d, { throwIfNoEntry: false })?.isDirectory()) throw new BadInputError(`--dir: ${d} is not a directory`, 'dir');
    files.push(...readdirSync(d).filter((f) => f.endsWith('.md')).sort().map((f) => join(d, f)));
  }
  if (files.length === 0) throw new BadInputError('signal: give signal-note files (NOTE.md …), --dir DIR, or ACCOUNT --code E1..E10 for one signal', 'targets');
  const notes = readNotes(files);
  const engine = ctx.engine();
  const now = ctx.now;
  const actor = ctx.actor();
  const outcomes: NoteOutcome[] = notes.map(({ path, text }) => ingestNote(engine, { path, text, now, actor }));
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
  const bounced = outcomes.filter((o) => o.status === 'bounced').length;
  const refused = outcomes.filter((o) => o.status === 'refused').length;
  // One JSON document, whatever became of each note: the outcomes, and whether all went through.
  emit(ctx, { ok: bounced + refused === 0, notes: outcomes }, lines);
  if (bounced) throw new ReportedFailure(`${bounced} of ${outcomes.length} notes bounced; fix the fields named above and send them again (the others are recorded)`, EXIT.input);
  if (refused) throw new ReportedFailure(`${refused} of ${outcomes.length} notes were refused (the reasons are above; the others are recorded)`, EXIT.refused);
}
