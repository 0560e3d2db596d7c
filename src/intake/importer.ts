// `ladder import`: the import stage gate of LQ 6 through the engine. Rows stream in; every chunk of rows
// is one transaction (a crash leaves whole rows); a re-run of the same file creates nothing twice
// (each created account carries the file's hash in its idempotency key).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import type { Engine } from '../engine/engine.js';
import type { ImportEscalation } from '../engine/intake.js';
import { accounts, events } from '../store/schema.js';
import type { Role } from '../../machines/events.js';
import { readImportFile } from './import-file.js';
import { ImportFileError } from './errors.js';
import {
  DUPLICATE_RATE_ESCALATION, REJECTED_RATE_ESCALATION, sortImportRows,
  type DuplicateRow, type RawRow, type RejectedRow, type StoredAccountSummary, type UniqueRow,
} from './import-rows.js';

export type ImportReport = {
  file: string; contentHash: string; dryRun: boolean; at: string;
  /**
   * `unique` is the bucket safe to push (LQ 6.2): new accounts that go on the board. `tierReject` rows (LQ 4
   * "Do not add to board. Archive the intake record.") are archived with their intake record and never pushed.
   */
  counts: { total: number; unique: number; tierReject: number; duplicates: number; rejected: number; alreadyImported: number; refused: number };
  duplicateRate: number; weekRejectedRate: number | null;
  unique: { row: number; domain: string }[];
  tierReject: { row: number; domain: string }[];
  /** Rows the engine refused (e.g. an enrichment dated before the account's latest event), with why. */
  refused: { row: number; domain: string; why: string }[];
  duplicates: { row: number; domain: string; of: DuplicateRow['of']; enriched: DuplicateRow['enrich']; conflicts: DuplicateRow['conflicts'] }[];
  rejected: { row: number; problems: RejectedRow['problems']; raw: Record<string, string> }[];
  alreadyImported: { row: number; domain: string }[];
  escalations: ImportEscalation[];
  /** The bucket lists above keep the first KEEP_IN_MEMORY rows each; the report file has them all. */
  truncated: boolean;
};

export const KEEP_IN_MEMORY = 1000;
type Bucket = 'unique' | 'tierReject' | 'duplicates' | 'rejected' | 'alreadyImported' | 'refused';
const BUCKETS: Bucket[] = ['unique', 'tierReject', 'duplicates', 'rejected', 'alreadyImported', 'refused'];

/** Bucket rows go to JSONL spill files, so memory stays bounded however long the file is. */
class Spill {
  private dir = mkdtempSync(join(tmpdir(), 'ladder-import-'));
  private fds = new Map<Bucket, number>(BUCKETS.map((b) => [b, openSync(join(this.dir, `${b}.jsonl`), 'w')]));
  add(bucket: Bucket, row: unknown) { writeSync(this.fds.get(bucket)!, `${JSON.stringify(row)}\n`); }
  /** Writes the whole report as one JSON document, streaming each bucket from its spill file. */
  async writeReport(path: string, head: Record<string, unknown>) {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    const out = createWriteStream(path);
    const write = (s: string) => new Promise<void>((res, rej) => out.write(s, (e) => (e ? rej(e) : res())));
    await write(`${JSON.stringify(head, null, 2).slice(0, -2)},\n`);
    for (const [i, b] of BUCKETS.entries()) {
      await write(`  "${b}": [`);
      let first = true;
      for await (const line of createInterface({ input: createReadStream(join(this.dir, `${b}.jsonl`), { encoding: 'utf8' }), crlfDelay: Infinity })) {
        if (!line) continue;
        await write(`${first ? '\n    ' : ',\n    '}${line}`);
        first = false;
      }
      await write(`${first ? '' : '\n  '}]${i < BUCKETS.length - 1 ? ',' : ''}\n`);
    }
    await write('}\n');
    await new Promise<void>((res) => out.end(res));
  }
  close() { for (const fd of this.fds.values()) closeSync(fd); rmSync(this.dir, { recursive: true, force: true }); }
}

export async function fileHash(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export { isoWeekBounds } from '../engine/intake.js';

export async function importFile(engine: Engine, opts: {
  path: string; now: string; actor: { by: string; role: Role }; dryRun?: boolean; chunkSize?: number; reportPath?: string;
  onProgress?: (rows: number) => void;
}): Promise<ImportReport> {
  if (!opts.dryRun) engine.authorizeCommand('ACCOUNT_ADDED', `import ${opts.path}`, opts.actor, opts.now, { account: null, type: 'ACCOUNT_ADDED', payload: { type: 'IMPORT', file: opts.path }, source: 'import' });
  const { db } = engine.store;
  // A missing file or a directory is bad input naming the file, not an unexpected error.
  const hash = await fileHash(opts.path).catch((err: NodeJS.ErrnoException) => {
    throw new ImportFileError('unreadable', opts.path, `cannot read it (${err.code ?? err.message})`, undefined, { cause: err });
  });
  const chunkSize = opts.chunkSize ?? 1000;
  const report: ImportReport = {
    file: opts.path, contentHash: hash, dryRun: Boolean(opts.dryRun), at: opts.now,
    counts: { total: 0, unique: 0, tierReject: 0, duplicates: 0, rejected: 0, alreadyImported: 0, refused: 0 },
    duplicateRate: 0, weekRejectedRate: null, unique: [], tierReject: [], duplicates: [], rejected: [], alreadyImported: [], refused: [], escalations: [], truncated: false,
  };
  const spill = opts.reportPath ? new Spill() : null;
  const keep = <T>(bucket: Bucket, list: T[], row: T) => {
    spill?.add(bucket, row);
    if (list.length < KEEP_IN_MEMORY) list.push(row); else report.truncated = true;
  };
  try {
  const keyOf = (domain: string) => `import:${hash}:${domain}`;
  const byThisFile = db.select({ id: events.id }).from(events).where(eq(events.idempotencyKey, sql.placeholder('key'))).prepare();
  const stored = db.select().from(accounts).where(eq(accounts.domain, sql.placeholder('d'))).prepare();
  // Within a dry run nothing is written, so in-batch duplicates across chunks are tracked here.
  const seenInDryRun = new Map<string, StoredAccountSummary>();
  /** Domains whose creating row this run has already met (later rows for them are ordinary duplicates). */
  const claimed = new Set<string>();
  const lookup = (domain: string): StoredAccountSummary | undefined => {
    const row = stored.get({ d: domain });
    if (row) return { domain, name: row.name, hq: row.hq, tier: row.tier as StoredAccountSummary['tier'], icpScore: row.icpScore, extra: JSON.parse(row.extra) as Record<string, string> };
    return seenInDryRun.get(domain);
  };

  type Ops = Parameters<Parameters<Engine['batch']>[0]>[0];
  const meta = { ...opts.actor, now: opts.now, source: 'import' as const };
  const refused = (row: number, domain: string, why: string) => { keep('refused', report.refused, { row, domain, why }); report.counts.refused++; };

  const applyChunk = (rows: RawRow[]) => {
    // Sorted inside the chunk's IMMEDIATE transaction: sorted before it, a row could be judged unique while
    // another import (or ladder account add) was creating the same domain.
    const write = (ops: Ops | null) => {
      const sorted = sortImportRows(rows, lookup);
      for (const u of sorted.unique) createRow(u, ops);
      for (const d of sorted.duplicates) {
        // A row this same file already created (a re-run, or a retry after a crash) is not a duplicate.
        if (d.of.kind === 'stored' && !claimed.has(d.row.domain) && byThisFile.get({ key: keyOf(d.row.domain) })) {
          claimed.add(d.row.domain);
          keep('alreadyImported', report.alreadyImported, { row: d.rowNumber, domain: d.row.domain }); report.counts.alreadyImported++;
          continue;
        }
        // A refused enrichment (e.g. dated before the account's latest event) is reported once, as refused.
        if (ops && !enrich(d, ops)) continue;
        keep('duplicates', report.duplicates, { row: d.rowNumber, domain: d.row.domain, of: d.of, enriched: d.enrich, conflicts: d.conflicts });
        report.counts.duplicates++;
      }
      for (const r of sorted.rejected) { keep('rejected', report.rejected, { row: r.rowNumber, problems: r.problems, raw: r.raw }); report.counts.rejected++; }
    };
    if (opts.dryRun) write(null); else engine.batch((ops) => write(ops));
  };

  function createRow(u: UniqueRow, ops: Ops | null) {
    const { row } = u;
    // Its creating row is met: a later row of this file for the same domain (in a later chunk) is a duplicate.
    claimed.add(row.domain);
    if (ops) {
      // LQ 4 Reject: do not add to board; archive the intake record, in the same step (the outbox skips a Reject
      // account with no item).
      const added = ops.addAccount({ domain: row.domain, name: row.name, hq: row.hq, tier: row.tier, icpScore: row.icpScore, extra: row.extra },
        { ...meta, idempotencyKey: keyOf(row.domain) }, u.archive ? { archive: 'Tier Reject at intake (LQ 4)' } : {});
      if (added.status === 'refused') { refused(u.rowNumber, row.domain, added.why); return; }
    } else {
      seenInDryRun.set(row.domain, { domain: row.domain, name: row.name, hq: row.hq, tier: row.tier, icpScore: row.icpScore, extra: row.extra });
    }
    if (u.archive) { keep('tierReject', report.tierReject, { row: u.rowNumber, domain: row.domain }); report.counts.tierReject++; } else { keep('unique', report.unique, { row: u.rowNumber, domain: row.domain }); report.counts.unique++; }
  }

  /** False when the engine refused it (reported in the refused bucket). */
  function enrich(d: DuplicateRow, ops: Ops): boolean {
    const fields = Object.fromEntries(d.enrich.filter((e) => !['name', 'hq', 'tier', 'icpScore'].includes(e.field)).map((e) => [e.field, String(e.value)]));
    if (Object.keys(fields).length === 0) return true;
    const r = ops.enrich(d.row.domain, fields, meta);
    if (r.status !== 'refused') return true;
    refused(d.rowNumber, d.row.domain, r.why);
    return false;
  }

  // A file that cannot be read whole is refused whole: it is read once to the end before any chunk is written
  // (rows stream, so this costs a second parse, not memory).
  if (!opts.dryRun) for await (const _ of readImportFile(opts.path)) { /* only the read's errors matter here */ }
  let chunk: RawRow[] = [];
  for await (const raw of readImportFile(opts.path)) {
    chunk.push(raw);
    report.counts.total++;
    if (chunk.length >= chunkSize) { applyChunk(chunk); chunk = []; opts.onProgress?.(report.counts.total); }
  }
  if (chunk.length) applyChunk(chunk);
  opts.onProgress?.(report.counts.total);

  const counted = report.counts.total - report.counts.alreadyImported;
  report.duplicateRate = counted ? report.counts.duplicates / counted : 0;
  if (report.duplicateRate > DUPLICATE_RATE_ESCALATION) {
    report.escalations.push({ kind: 'import-duplicate-rate', severity: 'SEV2', detail: `batch duplicate rate ${(report.duplicateRate * 100).toFixed(1)}% > ${DUPLICATE_RATE_ESCALATION * 100}%: incident per LQ 7.2 (${opts.path})` });
  }
  if (!opts.dryRun) {
    const recorded = engine.recordImportBatch({
      file: opts.path, hash, now: opts.now, by: opts.actor.by, total: report.counts.total, unique: report.counts.unique,
      duplicates: report.counts.duplicates, rejected: report.counts.rejected, escalations: report.escalations, rejectedRateCeiling: REJECTED_RATE_ESCALATION,
    });
    report.weekRejectedRate = recorded.weekRejectedRate;
    report.escalations = recorded.escalations;
  }
  if (spill && opts.reportPath) {
    const { unique, tierReject, duplicates, rejected, alreadyImported, refused: refusedRows, truncated, ...head } = report;
    void unique; void tierReject; void duplicates; void rejected; void alreadyImported; void refusedRows; void truncated;
    await spill.writeReport(opts.reportPath, head);
  }
  return report;
  } finally { spill?.close(); }
}
