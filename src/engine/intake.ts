// The engine's intake operations (LQ 5-7): a signal note becomes its SIGNAL event with the note kept verbatim,
// in one transaction; a note with problems bounces (nothing recorded but the bounce) and the third bounce from
// one sender escalates; an import batch is recorded with the escalations it raises. Parsing is the intake's
// (pure); the writes are here, behind the engine's one door.
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { escalations, importBatches, intakeBounces, intakeNotes } from '../store/schema.js';
import type { Applied, EngineCore, Refused } from './engine.js';
import { BadInputError } from './errors.js';
import { validateCommandEvent } from './validate.js';
import { isoWeekOf } from '../../machines/rules/weeks.js';
import type { LadderCommandEvent, Role } from '../../machines/events.js';
import type { SignalCode, E1Interaction } from '../../machines/types.js';

export const BOUNCES_BEFORE_ESCALATION = 3; // LQ 7.2: "fails required-fields check 3x from same sender"

export type NoteProblem = { field: string; message: string };
export type AcceptedNote = {
  account: string; hash: string; sender: string; stale: boolean; body: string; frontMatter: unknown;
  signal: { code: SignalCode; contact: string; capturedAt: string; source: string; interaction?: E1Interaction };
};
export type NoteOutcome =
  | { path: string; status: 'accepted'; account: string; code: string; stale: boolean; applied: Applied }
  | { path: string; status: 'duplicate'; account: string; code: string; stale: boolean; applied: Applied }
  | { path: string; status: 'bounced'; sender: string; problems: NoteProblem[]; escalated: boolean }
  | { path: string; status: 'refused'; account: string; why: string };

export type ImportEscalation = { kind: string; severity: string; detail: string };

/** The intake writes, built on the engine's internals (handed out as engine.recordBounce, recordNote, recordImportBatch). */
export function makeIntake(core: EngineCore) {
  const { db } = core;

  /** A note that failed the required-fields check: the bounce, and the LQ 7.2 escalation on the third. */
  function recordBounce(b: { path: string; sender: string; problems: NoteProblem[]; now: string }): NoteOutcome {
    return core.write(() => {
      db.insert(intakeBounces).values({ sender: b.sender, path: b.path, problems: JSON.stringify(b.problems), at: b.now }).run();
      const n = db.select({ n: sql<number>`count(*)` }).from(intakeBounces).where(eq(intakeBounces.sender, b.sender)).get()?.n ?? 0;
      let escalated = false;
      if (n >= BOUNCES_BEFORE_ESCALATION) {
        escalated = db.insert(escalations).values({
          kind: 'intake-bounces', severity: 'escalation', subject: b.sender, at: b.now,
          detail: `${n} signal notes from ${b.sender} failed the required-fields check; flag the sender's owner for an intake protocol review (LQ 7.2)`,
        }).onConflictDoNothing().run().changes > 0;
      }
      return { path: b.path, status: 'bounced', sender: b.sender, problems: b.problems, escalated };
    });
  }

  /** A valid note: its SIGNAL event and the note row, one transaction. Refused: the refusal names the event. */
  function recordNote(n: AcceptedNote & { path: string; now: string; actor: { by: string; role: Role } }): NoteOutcome {
    const s = n.signal;
    const event = {
      type: 'SIGNAL', at: n.now, ...n.actor,
      signal: { id: `note:${n.hash.slice(0, 24)}`, code: s.code, contact: s.contact, at: s.capturedAt, source: s.source, ...(s.interaction ? { interaction: s.interaction } : {}) },
    } as LadderCommandEvent;
    try {
      const r: Applied | Refused = core.write(() => {
        const a = core.submitInTx({ account: n.account, source: 'intake', now: n.now, idempotencyKey: `note:${n.hash}`, event });
        if (a.status === 'applied') {
          db.insert(intakeNotes).values({
            account: n.account, eventId: a.eventId, sender: n.sender, path: n.path, contentHash: n.hash,
            frontMatter: JSON.stringify(n.frontMatter), body: n.body, stale: n.stale, at: n.now,
          }).run();
        }
        return a;
      });
      if (r.status === 'refused') return { path: n.path, status: 'refused', account: n.account, why: r.why };
      return { path: n.path, status: r.status === 'duplicate' ? 'duplicate' : 'accepted', account: n.account, code: s.code, stale: n.stale, applied: r };
    } catch (err) {
      if (!(err instanceof BadInputError && err.field === 'account')) throw err;
      // LQ 6: the stage gate comes first. The note is refused, and recorded like any refusal, with its event.
      const why = `${n.account} is not on the ladder yet: import or add it first (the stage gate needs Name, Domain, HQ, Tier and ICP score; LQ 6), then re-run this note`;
      const valid = validateCommandEvent(event, n.now, core.live().settings.clock.futureToleranceMinutes);
      core.write(() => core.recordRefusal({ account: n.account, type: 'SIGNAL', payload: valid, by: n.actor.by, role: n.actor.role, source: 'intake', at: valid.at, why }));
      return { path: n.path, status: 'refused', account: n.account, why };
    }
  }

  /**
   * One import batch (LQ 6-7), with the escalations it raises: the batch's duplicate rate (given) and this week's
   * rejected rate (computed with this batch). Returns the week's rejected rate and every escalation.
   */
  function recordImportBatch(b: {
    file: string; hash: string; now: string; by: string; total: number; unique: number; duplicates: number; rejected: number; escalations: ImportEscalation[];
    rejectedRateCeiling: number;
  }): { weekRejectedRate: number; escalations: ImportEscalation[] } {
    return core.write(() => {
      db.insert(importBatches).values({ file: b.file, contentHash: b.hash, at: b.now, by: b.by, total: b.total, unique: b.unique, duplicates: b.duplicates, rejected: b.rejected }).run();
      const { start: from, end: to } = isoWeekOf(b.now);
      const week = db.select({ total: sql<number>`sum(${importBatches.total})`, rejected: sql<number>`sum(${importBatches.rejected})` })
        .from(importBatches).where(and(gte(importBatches.at, from), lt(importBatches.at, to))).get();
      const weekRejectedRate = week?.total ? week.rejected / week.total : 0;
      const all = [...b.escalations];
      if (weekRejectedRate > b.rejectedRateCeiling) {
        all.push({ kind: 'import-rejected-rate', severity: 'escalation', detail: `${(weekRejectedRate * 100).toFixed(1)}% of this week's imported rows were rejected (> ${b.rejectedRateCeiling * 100}%): audit the upstream data source with the CRO (LQ 7.2)` });
      }
      for (const e of all) {
        const subject = e.kind === 'import-rejected-rate' ? `week of ${from.slice(0, 10)}` : `${b.hash.slice(0, 16)} ${b.now}`;
        db.insert(escalations).values({ kind: e.kind, severity: e.severity, subject, detail: e.detail, at: b.now }).onConflictDoNothing().run();
      }
      return { weekRejectedRate, escalations: all };
    });
  }

  return { recordBounce, recordNote, recordImportBatch };
}
