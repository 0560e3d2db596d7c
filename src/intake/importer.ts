// `ladder import`: the import stage gate of LQ 6 through the engine. Rows stream in; every chunk of rows
// is one transaction (a crash leaves whole rows); a re-run of the same file creates nothing twice
// (each created account carries the file's hash in its idempotency key).
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { eq, sql } from 'drizzle-orm';
import type { Engine } from '../engine/engine.js';
import type { ImportEscalation } from '../engine/intake.js';
import { accounts, events } from '../store/schema.js';
import type { Role } from '../../machines/events.js';
import { checkImportFile, readImportFile } from './import-file.js';
import { Spill } from './spill.js';
import { BadInputError } from '../engine/errors.js';
import { ImportFileError } from './errors.js';
import {
  DUPLICATE_RATE_ESCALATION, headerKey, IMPORT_COLUMNS, IMPORT_FIELDS, REJECTED_RATE_ESCALATION, sortImportRows,
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

export async function fileHash(path: string, onBytes?: (n: number) => void): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return h.digest('hex');
}

/** Where an import is: reading the file to hash it, checking that it reads whole, or importing its rows. */
export type ImportProgress = { phase: 'hashing' | 'checking' | 'importing'; bytes: number; total: number; rows: number };

/**
 * A transaction of an import holds the database's write lock: it is kept under this long (by halving the rows it
 * takes), so a command waiting beside a long import is served within its busy timeout (10 s).
 */
export const IMPORT_TX_BUDGET_MS = 1000;


/**
 * A full garbage collection when the heap has passed HEAP_CEILING between two chunks. An import allocates ~65 KB
 * per row (xstate's initial transition, zod, drizzle, the CSV records); V8 promotes part of it and lets the old
 * space grow to ~4× what is live before it collects, so a 100k-row import peaked at 240 MB of RSS with ~25 MB live
 * (issue 17: ≤ 200 MB). Node sets V8's heap limits only at start and hands out `gc` only behind --expose-gc, which
 * is switched on here, for this process, at the first chunk. A collection costs a few ms per ~10 chunks.
 */
const HEAP_CEILING = 48 * 2 ** 20;
let fullGc: (() => void) | null | undefined;
function boundHeap(): void {
  if (process.memoryUsage().heapUsed < HEAP_CEILING) return;
  if (fullGc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      fullGc = runInNewContext('gc') as () => void;
    } catch {
      fullGc = null;
    }
  }
  fullGc?.();
}

export async function importFile(engine: Engine, opts: {
  path: string; now: string; actor: { by: string; role: Role }; dryRun?: boolean; chunkSize?: number; reportPath?: string;
  onProgress?: (p: ImportProgress) => void;
  /** How the file is named in the report, the records and messages (an upload's temporary path is not its name). */
  name?: string;
}): Promise<ImportReport> {
  const label = opts.name ?? opts.path;
  checkImportFile(opts.path, label);
  const total = statSync(opts.path).size;
  let bytes = 0;
  let rows = 0;
  let phase: ImportProgress['phase'] = 'hashing';
  const onBytes = (n: number) => { bytes += n; opts.onProgress?.({ phase, bytes, total, rows }); };
  if (!opts.dryRun) engine.authorizeCommand('ACCOUNT_ADDED', `import ${label}`, opts.actor, opts.now, { account: null, type: 'ACCOUNT_ADDED', payload: { type: 'IMPORT', file: label }, source: 'import' });
  const { db } = engine.store;
  // A missing file or a directory is bad input naming the file, not an unexpected error.
  const hash = await fileHash(opts.path, onBytes).catch((err: NodeJS.ErrnoException) => {
    throw new ImportFileError('unreadable', label, `cannot read it (${err.code ?? err.message})`, undefined, { cause: err });
  });
  const chunkSize = opts.chunkSize ?? 1000;
  const report: ImportReport = {
    file: label, contentHash: hash, dryRun: Boolean(opts.dryRun), at: opts.now,
    counts: { total: 0, unique: 0, tierReject: 0, duplicates: 0, rejected: 0, alreadyImported: 0, refused: 0 },
    duplicateRate: 0, weekRejectedRate: null, unique: [], tierReject: [], duplicates: [], rejected: [], alreadyImported: [], refused: [], escalations: [], truncated: false,
  };
  const spill = opts.reportPath ? new Spill(BUCKETS) : null;
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
      // Written in the file's row order, whatever the bucket: the database comes out the same however the rows
      // were cut into transactions (by --chunk, or by the time cap below).
      const steps = [
        ...sorted.unique.map((u) => ({ n: u.rowNumber, run: () => createRow(u, ops) })),
        ...sorted.duplicates.map((d) => ({ n: d.rowNumber, run: () => duplicate(d, ops) })),
        ...sorted.rejected.map((r) => ({ n: r.rowNumber, run: () => reject(r.rowNumber, r.problems, r.raw) })),
      ].sort((a, b) => a.n - b.n);
      for (const step of steps) step.run();
    };
    if (opts.dryRun) write(null); else engine.batch((ops) => write(ops));
  };

  function reject(row: number, problems: RejectedRow['problems'], raw: Record<string, string>) {
    keep('rejected', report.rejected, { row, problems, raw });
    report.counts.rejected++;
  }

  function duplicate(d: DuplicateRow, ops: Ops | null) {
    // A row this same file already created (a re-run, or a retry after a crash) is not a duplicate.
    if (d.of.kind === 'stored' && !claimed.has(d.row.domain) && byThisFile.get({ key: keyOf(d.row.domain) })) {
      claimed.add(d.row.domain);
      keep('alreadyImported', report.alreadyImported, { row: d.rowNumber, domain: d.row.domain });
      report.counts.alreadyImported++;
      return;
    }
    // A refused enrichment (e.g. dated before the account's latest event) is reported once, as refused.
    if (ops && !enrich(d, ops)) return;
    keep('duplicates', report.duplicates, { row: d.rowNumber, domain: d.row.domain, of: d.of, enriched: d.enrich, conflicts: d.conflicts });
    report.counts.duplicates++;
  }

  function createRow(u: UniqueRow, ops: Ops | null) {
    const { row } = u;
    // Its creating row is met: a later row of this file for the same domain (in a later chunk) is a duplicate.
    claimed.add(row.domain);
    if (ops) {
      // LQ 4 Reject: do not add to board; archive the intake record, in the same step (the outbox skips a Reject
      // account with no item).
      let added: ReturnType<Ops['addAccount']>;
      try {
        added = ops.addAccount({ domain: row.domain, name: row.name, hq: row.hq, tier: row.tier, icpScore: row.icpScore, extra: row.extra },
          { ...meta, idempotencyKey: keyOf(row.domain) }, u.archive ? { archive: 'Tier Reject at intake (LQ 4)' } : {});
      } catch (err) {
        // The engine's schema is the last word on a row (a limit the row checks missed): the row is rejected,
        // with the field named, and the import goes on.
        if (!(err instanceof BadInputError)) throw err;
        claimed.delete(row.domain);
        reject(u.rowNumber, [{ rowNumber: u.rowNumber, field: err.field || 'row', message: err.message }], {});
        return;
      }
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
  // (rows stream, so this costs a second parse, not memory). So is a file that is no import at all (no column
  // for a required field, or no rows): its rows would all be rejected and count in the week's rejected rate.
  phase = 'checking';
  bytes = 0;
  const keys = new Set<string>();
  let rowCount = 0;
  for await (const raw of readImportFile(opts.path, onBytes)) {
    if (rowCount++ === 0 || extname(opts.path).toLowerCase() === '.json') for (const k of Object.keys(raw.raw)) keys.add(headerKey(k));
  }
  const missing = IMPORT_FIELDS.filter((f) => !IMPORT_COLUMNS[f].some((h) => keys.has(headerKey(h))));
  if (rowCount > 0 && missing.length) {
    throw new ImportFileError('malformed', label, `no column for ${missing.map((f) => IMPORT_COLUMNS[f].join(' / ')).join(', ')}; an import needs Name, Domain, HQ Location, Tier and ICP Score (LQ 6) in its header row (CSV) or as the fields of its rows (JSON)`);
  }
  if (rowCount === 0) throw new ImportFileError('malformed', label, 'it has no rows (below its header); nothing to import');
  phase = 'importing';
  bytes = 0;
  // Rows per transaction: up to --chunk, fewer while a transaction would hold the write lock past its budget.
  let size = Math.min(chunkSize, 1000);
  const timed = (rows: RawRow[]) => {
    const t0 = performance.now();
    applyChunk(rows);
    const ms = performance.now() - t0;
    if (ms > IMPORT_TX_BUDGET_MS) size = Math.max(1, Math.floor((size * IMPORT_TX_BUDGET_MS) / ms / 2));
    else if (ms < IMPORT_TX_BUDGET_MS / 4) size = Math.min(chunkSize, size * 2);
  };
  let chunk: RawRow[] = [];
  for await (const raw of readImportFile(opts.path, onBytes)) {
    chunk.push(raw);
    report.counts.total++;
    rows++;
    if (chunk.length >= size) { timed(chunk); chunk = []; boundHeap(); }
  }
  if (chunk.length) timed(chunk);

  const counted = report.counts.total - report.counts.alreadyImported;
  report.duplicateRate = counted ? report.counts.duplicates / counted : 0;
  if (report.duplicateRate > DUPLICATE_RATE_ESCALATION) {
    report.escalations.push({ kind: 'import-duplicate-rate', severity: 'SEV2', detail: `batch duplicate rate ${(report.duplicateRate * 100).toFixed(1)}% > ${DUPLICATE_RATE_ESCALATION * 100}%: incident per LQ 7.2 (${label})` });
  }
  if (!opts.dryRun) {
    const recorded = engine.recordImportBatch({
      file: label, hash, now: opts.now, by: opts.actor.by, total: report.counts.total, unique: report.counts.unique,
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
