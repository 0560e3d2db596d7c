// Signal-note intake (LQ 5): a note is parsed (pure, src/intake/note.ts) and handed to the engine, which
// records a valid note as its SIGNAL event with the note kept verbatim, or the bounce of a note with problems
// (the third bounce from one sender raises the LQ 7.2 escalation).
import { createHash } from 'node:crypto';
import type { Engine } from '../engine/engine.js';
import { BOUNCES_BEFORE_ESCALATION, type NoteOutcome } from '../engine/intake.js';
import { parseSignalNote } from './note.js';
import type { Role } from '../../machines/events.js';

export { BOUNCES_BEFORE_ESCALATION, type NoteOutcome };

export function ingestNote(engine: Engine, input: { path: string; text: string; now: string; actor: { by: string; role: Role } }): NoteOutcome {
  engine.authorizeCommand('SIGNAL', 'ingest signal notes', input.actor, input.now, { account: null, type: 'SIGNAL', payload: { type: 'SIGNAL_NOTE', path: input.path }, source: 'intake' });
  const parsed = parseSignalNote(input.text, { now: input.now, path: input.path, futureToleranceMinutes: engine.settings.clock.futureToleranceMinutes });
  if (!parsed.ok) return engine.recordBounce({ path: input.path, sender: parsed.sender ?? '(unknown sender)', problems: parsed.problems, now: input.now });
  const { note, signal, stale, body } = parsed;
  return engine.recordNote({
    path: input.path, now: input.now, actor: input.actor,
    account: note.company_domain, hash: createHash('sha256').update(input.text).digest('hex'),
    sender: note.captured_by, stale, body, frontMatter: note,
    signal: { code: signal.code, contact: signal.contact, capturedAt: note.captured_at, source: `note:${note.source}`, ...(signal.interaction ? { interaction: signal.interaction } : {}) },
  });
}
