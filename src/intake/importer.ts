// `ladder import`: the import stage gate of LQ 6 through the engine. Rows stream in; every chunk of rows
// is one transaction (a crash leaves whole rows); a re-run of the same file creates nothing twice
// (each created account carries the file's hash in its idempotency key).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { Engine } from '../engine/engine.js';
import { RefusedError } from '../engine/errors.js';
import { forbidden } from '../engine/roles.js';
import { accounts, escalations, events, importBatches } from '../store/schema.js';
import type { Role } from '../../machines/events.js';
import { readImportFile } from './import-file.js';
import { ImportFileError } from './errors.js';
import {
  DUPLICATE_RATE_ESCALATION, REJECTED_RATE_ESCALATION, sortImportRows,
  type DuplicateRow, type RawRow, type RejectedRow, type StoredAccountSummary, type UniqueRow,
} from './import-rows.js';

export type ImportReport = {
  file: string; contentHash: string; dryRun: boolean; at: string;
  counts: { total: number; unique: number; duplicates: number; rejected: number; archived: number; alreadyImported: number };
  duplicateRate: number; weekRejectedRate: number | null;
  unique: { row: number; domain: string; archived: boolean }[];
  duplicates: { row: number; domain: string; of: DuplicateRow['of']; enriched: DuplicateRow['enrich']; conflicts: DuplicateRow['conflicts'] }[];
  rejected: { row: number; problems: RejectedRow['problems']; raw: Record<string, string> }[];
  alreadyImported: { row: number; domain: string }[];
  escalations: { kind: string; severity: string; detail: string }[];
  /** The bucket lists above keep the first KEEP_IN_MEMORY rows each; the report file has them all. */
  truncated: boolean;
};

export const KEEP_IN_MEMORY = 1000;
type Bucket = 'unique' | 'duplicates' | 'rejected' | 'alreadyImported';
const BUCKETS: Bucket[] = ['unique', 'duplicates', 'rejected', 'alreadyImported'];

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

/** Monday 00:00Z of the ISO week containing `iso`, and the next Monday. */
export function isoWeekBounds(iso: string): [string, string] {
  const d = new Date(Date.parse(iso));
  const day = (d.getUTCDay() + 6) % 7;
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
  return [new Date(start).toISOString(), new Date(start + 7 * 86_400_000).toISOString()];
}

export async function importFile(engine: Engine, opts: {
  path: string; now: string; actor: { by: string; role: Role }; dryRun?: boolean; chunkSize?: number; reportPath?: string;
  onProgress?: (rows: number) => void;
}): Promise<ImportReport> {
  const denied = forbidden('ACCOUNT_ADDED', opts.actor.role);
  if (denied) throw new RefusedError(`cannot import ${opts.path}: ${denied}`, null, 'ACCOUNT_ADDED');
  const { db, sqlite } = engine.store;
  // A missing file or a directory is bad input naming the file, not an unexpected error.
  const hash = await fileHash(opts.path).catch((err: NodeJS.ErrnoException) => {
    throw new ImportFileError('unreadable', opts.path, `cannot read it (${err.code ?? err.message})`, undefined, { cause: err });
  });
  const chunkSize = opts.chunkSize ?? 1000;
  const report: ImportReport = {
    file: opts.path, contentHash: hash, dryRun: Boolean(opts.dryRun), at: opts.now,
    counts: { total: 0, unique: 0, duplicates: 0, rejected: 0, archived: 0, alreadyImported: 0 },
    duplicateRate: 0, weekRejectedRate: null, unique: [], duplicates: [], rejected: [], alreadyImported: [], escalations: [], truncated: false,
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

  const applyChunk = (rows: RawRow[]) => {
    // Sorted inside the chunk's IMMEDIATE transaction: sorted before it, a row could be judged unique while
    // another import (or ladder account add) was creating the same domain.
    const write = () => {
      const sorted = sortImportRows(rows, lookup);
      for (const u of sorted.unique) createRow(u);
      for (const d of sorted.duplicates) {
        // A row this same file already created (a re-run, or a retry after a crash) is not a duplicate.
        if (d.of.kind === 'stored' && !claimed.has(d.row.domain) && byThisFile.get({ key: keyOf(d.row.domain) })) {
          claimed.add(d.row.domain);
          keep('alreadyImported', report.alreadyImported, { row: d.rowNumber, domain: d.row.domain }); report.counts.alreadyImported++;
          continue;
        }
        keep('duplicates', report.duplicates, { row: d.rowNumber, domain: d.row.domain, of: d.of, enriched: d.enrich, conflicts: d.conflicts });
        report.counts.duplicates++;
        if (!opts.dryRun && d.enrich.length) enrich(d);
      }
      for (const r of sorted.rejected) { keep('rejected', report.rejected, { row: r.rowNumber, problems: r.problems, raw: r.raw }); report.counts.rejected++; }
    };
    if (opts.dryRun) write(); else sqlite.transaction(write).immediate();
  };

  function createRow(u: UniqueRow) {
    const { row } = u;
    keep('unique', report.unique, { row: u.rowNumber, domain: row.domain, archived: u.archive });
    // Its creating row is met: a later row of this file for the same domain (in a later chunk) is a duplicate.
    claimed.add(row.domain);
    report.counts.unique++;
    if (u.archive) report.counts.archived++;
    if (opts.dryRun) { seenInDryRun.set(row.domain, { domain: row.domain, name: row.name, hq: row.hq, tier: row.tier, icpScore: row.icpScore, extra: row.extra }); return; }
    const meta = { ...opts.actor, at: opts.now, now: opts.now, source: 'import' as const };
    engine.addAccountInTx({ domain: row.domain, name: row.name, hq: row.hq, tier: row.tier, icpScore: row.icpScore, extra: row.extra }, { ...meta, idempotencyKey: keyOf(row.domain) });
    // LQ 4 Reject: do not add to the board; archive the intake record.
    if (u.archive) engine.applyInTx({ account: row.domain, source: 'import', now: opts.now, event: { type: 'ARCHIVE', at: opts.now, ...opts.actor, reason: 'Tier Reject at intake (LQ 4)' } });
  }

  function enrich(d: DuplicateRow) {
    const row = stored.get({ d: d.row.domain });
    if (!row) return;
    const extra = JSON.parse(row.extra) as Record<string, string>;
    for (const e of d.enrich) if (!['name', 'hq', 'tier', 'icpScore'].includes(e.field) && extra[e.field] === undefined) extra[e.field] = String(e.value);
    db.update(accounts).set({ extra: JSON.stringify(extra) }).where(eq(accounts.domain, d.row.domain)).run();
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
    sqlite.transaction(() => {
      db.insert(importBatches).values({ file: opts.path, contentHash: hash, at: opts.now, by: opts.actor.by, total: report.counts.total, unique: report.counts.unique, duplicates: report.counts.duplicates, rejected: report.counts.rejected }).run();
      const [from, to] = isoWeekBounds(opts.now);
      const week = db.select({ total: sql<number>`sum(${importBatches.total})`, rejected: sql<number>`sum(${importBatches.rejected})` })
        .from(importBatches).where(and(gte(importBatches.at, from), lt(importBatches.at, to))).get();
      report.weekRejectedRate = week?.total ? week.rejected / week.total : 0;
      if (report.weekRejectedRate > REJECTED_RATE_ESCALATION) {
        report.escalations.push({ kind: 'import-rejected-rate', severity: 'escalation', detail: `${(report.weekRejectedRate * 100).toFixed(1)}% of this week's imported rows were rejected (> ${REJECTED_RATE_ESCALATION * 100}%): audit the upstream data source with the CRO (LQ 7.2)` });
      }
      for (const e of report.escalations) {
        const subject = e.kind === 'import-rejected-rate' ? `week of ${from.slice(0, 10)}` : `${hash.slice(0, 16)} ${opts.now}`;
        db.insert(escalations).values({ kind: e.kind, severity: e.severity, subject, detail: e.detail, at: opts.now }).onConflictDoNothing().run();
      }
    }).immediate();
  }
  if (spill && opts.reportPath) {
    const { unique, duplicates, rejected, alreadyImported, truncated, ...head } = report;
    void unique; void duplicates; void rejected; void alreadyImported; void truncated;
    await spill.writeReport(opts.reportPath, head);
  }
  return report;
  } finally { spill?.close(); }
}
