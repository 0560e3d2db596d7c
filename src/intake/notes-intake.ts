// Signal-note intake (LQ 5): a valid note becomes a SIGNAL event through the engine, with the note kept
// verbatim; a note with problems bounces (nothing recorded but the bounce), and the third bounce from one
// sender raises the LQ 7.2 escalation.
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Engine, Applied } from '../engine/engine.js';
import { RefusedError, BadInputError } from '../engine/errors.js';
import { escalations, intakeBounces, intakeNotes } from '../store/schema.js';
import { parseSignalNote, type NoteProblem } from './note.js';
import type { Role } from '../../machines/events.js';

export type NoteOutcome =
  | { path: string; status: 'accepted'; account: string; code: string; stale: boolean; applied: Applied }
  | { path: string; status: 'duplicate'; account: string; code: string; stale: boolean; applied: Applied }
  | { path: string; status: 'bounced'; sender: string; problems: NoteProblem[]; escalated: boolean }
  | { path: string; status: 'refused'; account: string; why: string };

export const BOUNCES_BEFORE_ESCALATION = 3; // LQ 7.2: "fails required-fields check 3x from same sender"

export function ingestNote(engine: Engine, input: { path: string; text: string; now: string; actor: { by: string; role: Role } }): NoteOutcome {
  const { db, sqlite } = engine.store;
  const parsed = parseSignalNote(input.text, { now: input.now, path: input.path });
  if (!parsed.ok) {
    const sender = parsed.sender ?? '(unknown sender)';
    return sqlite.transaction(() => {
      db.insert(intakeBounces).values({ sender, path: input.path, problems: JSON.stringify(parsed.problems), at: input.now }).run();
      const n = db.select({ n: sql<number>`count(*)` }).from(intakeBounces).where(eq(intakeBounces.sender, sender)).get()?.n ?? 0;
      let escalated = false;
      if (n >= BOUNCES_BEFORE_ESCALATION) {
        escalated = db.insert(escalations).values({
          kind: 'intake-bounces', severity: 'escalation', subject: sender, at: input.now,
          detail: `${n} signal notes from ${sender} failed the required-fields check; flag the sender's owner for an intake protocol review (LQ 7.2)`,
        }).onConflictDoNothing().run().changes > 0;
      }
      return { path: input.path, status: 'bounced' as const, sender, problems: parsed.problems, escalated };
    }).immediate();
  }
  const { note, signal, stale, body } = parsed;
  const account = note.company_domain;
  const hash = createHash('sha256').update(input.text).digest('hex');
  try {
    const applied = sqlite.transaction(() => {
      const a = engine.applyInTx({
        account, source: 'intake', now: input.now, idempotencyKey: `note:${hash}`,
        event: {
          type: 'SIGNAL', at: input.now, ...input.actor,
          signal: { id: `note:${hash.slice(0, 24)}`, code: signal.code, contact: signal.contact, at: note.captured_at, source: `note:${note.source}`, ...(signal.interaction ? { interaction: signal.interaction } : {}) },
        },
      });
      if (a.status === 'applied') {
        db.insert(intakeNotes).values({
          account, eventId: a.eventId, sender: note.captured_by, path: input.path, contentHash: hash,
          frontMatter: JSON.stringify(note), body, stale, at: input.now,
        }).run();
      }
      return a;
    }).immediate();
    return { path: input.path, status: applied.status === 'duplicate' ? 'duplicate' : 'accepted', account, code: signal.code, stale, applied };
  } catch (err) {
    if (err instanceof RefusedError) {
      engine.recordRefusal({ account, source: 'intake', now: input.now, event: { type: 'SIGNAL', at: input.now, ...input.actor, signal: { id: hash, code: signal.code, contact: signal.contact, at: note.captured_at } } }, err.message);
      return { path: input.path, status: 'refused', account, why: err.message };
    }
    if (err instanceof BadInputError && err.field === 'account') {
      return { path: input.path, status: 'refused', account, why: `${account} is not on the ladder yet: import or add it first (the stage gate needs Name, Domain, HQ, Tier and ICP score; LQ 6), then re-run this note` };
    }
    throw err;
  }
}
