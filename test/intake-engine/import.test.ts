// The import stage gate through the store (LQ 6): buckets, archive of Tier Reject, enrichment without
// silent overwrite, idempotent re-runs, dry runs that write nothing, LQ 7.2 escalations.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importFile } from '../../src/intake/importer.js';
import { tempEngine } from '../helpers/store.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'intake');
const ops = { by: 'sales.ops', role: 'sales.ops' as const };
const NOW = '2026-04-20T09:00:00.000Z';
let env: ReturnType<typeof tempEngine>;
afterEach(() => env?.cleanup());

function withGlobex(settings: Parameters<typeof tempEngine>[0] = {}) {
  env = tempEngine(settings);
  env.engine.addAccount({ domain: 'globex.com', name: 'Globex', hq: 'Springfield', tier: 'Tier 2', icpScore: 70 }, { ...ops, at: NOW, now: NOW, source: 'cli' });
  return env.engine;
}
const rows = (sql: string) => env.store.sqlite.prepare(sql).all();

describe('import-mixed.csv through the store', () => {
  it('lands every row in exactly the expected bucket', async () => {
    const engine = withGlobex();
    const r = await importFile(engine, { path: join(FIX, 'import-mixed.csv'), now: NOW, actor: ops });
    // LQ 4, 6.2: the Tier Reject row has its own count; `unique` is only what is safe to push to the board.
    expect(r.counts).toEqual({ total: 10, unique: 3, tierReject: 1, duplicates: 3, rejected: 3, alreadyImported: 0, refused: 0 });
    expect(r.unique.map((u) => [u.row, u.domain])).toEqual([[2, 'acmecloud.com'], [5, 'acme.co.uk'], [6, 'acme.com']]);
    expect(r.tierReject).toEqual([{ row: 8, domain: 'umbrella-corp.ru' }]);
    expect(r.duplicates.map((d) => [d.row, d.domain, d.of.kind])).toEqual([[3, 'acmecloud.com', 'batch'], [4, 'acmecloud.com', 'batch'], [9, 'globex.com', 'stored']]);
    expect(r.duplicates[1]!.conflicts).toEqual([{ field: 'hq', existing: 'Seattle WA', incoming: 'Portland, OR' }]);
    expect(r.rejected.map((x) => [x.row, x.problems.map((p) => p.field)])).toEqual([[7, ['hq']], [10, ['name']], [11, ['domain', 'tier']]]);
    // .co.uk and .com stay distinct accounts; the Reject row is ARCHIVED with its intake record kept.
    expect(rows('select account, stage from actors order by account')).toEqual([
      { account: 'acme.co.uk', stage: 'PROSPECT' }, { account: 'acme.com', stage: 'PROSPECT' }, { account: 'acmecloud.com', stage: 'PROSPECT' },
      { account: 'globex.com', stage: 'PROSPECT' }, { account: 'umbrella-corp.ru', stage: 'ARCHIVED' },
    ]);
    // The stored duplicate is enriched where it was empty (employees), never overwritten, and its history says
    // so: an ACCOUNT_ENRICHED event with the fields it filled (issue 11: no write without an event).
    const globex = rows("select extra from accounts where domain = 'globex.com'")[0] as { extra: string };
    expect(JSON.parse(globex.extra)).toMatchObject({ employees: '800' });
    expect(rows("select seq, type, payload, stage_before, stage_after, source from events where account = 'globex.com' order by seq").map((e) => {
      const { seq, type, payload, stage_before, stage_after, source } = e as { seq: number; type: string; payload: string; stage_before: string | null; stage_after: string; source: string };
      return { seq, type, fields: (JSON.parse(payload) as { fields?: unknown }).fields ?? null, stage_before, stage_after, source };
    })).toEqual([
      { seq: 1, type: 'ACCOUNT_ADDED', fields: null, stage_before: null, stage_after: 'PROSPECT', source: 'cli' },
      { seq: 2, type: 'ACCOUNT_ENRICHED', fields: { employees: '800' }, stage_before: 'PROSPECT', stage_after: 'PROSPECT', source: 'import' },
    ]);
    expect(rows("select version from actors where account = 'globex.com'")).toEqual([{ version: 2 }]);
    expect(r.escalations.map((e) => e.kind).sort()).toEqual(['import-duplicate-rate', 'import-rejected-rate']);
    expect(rows('select kind, severity from escalations order by kind')).toEqual([
      { kind: 'import-duplicate-rate', severity: 'SEV2' }, { kind: 'import-rejected-rate', severity: 'escalation' },
    ]);
  });

  it('creates nothing twice when the same file is imported again', async () => {
    const engine = withGlobex();
    await importFile(engine, { path: join(FIX, 'import-mixed.csv'), now: NOW, actor: ops });
    const events = rows('select count(*) n from events');
    const again = await importFile(engine, { path: join(FIX, 'import-mixed.csv'), now: NOW, actor: ops });
    expect(again.counts).toMatchObject({ unique: 0, tierReject: 0, alreadyImported: 4, duplicates: 3, rejected: 3 });
    expect(rows('select count(*) n from events')).toEqual(events);
  });

  it('writes nothing on a dry run', async () => {
    const engine = withGlobex();
    const before = rows('select count(*) n from events');
    const r = await importFile(engine, { path: join(FIX, 'import-mixed.csv'), now: NOW, actor: ops, dryRun: true });
    expect(r.counts).toMatchObject({ unique: 3, tierReject: 1, duplicates: 3, rejected: 3 });
    expect(rows('select count(*) n from events')).toEqual(before);
    expect(rows('select count(*) n from import_batches')).toEqual([{ n: 0 }]);
  });

  it('never puts a Tier Reject row on the board: no outbox item, no comment (LQ 4 "Do not add to board")', async () => {
    const engine = withGlobex({ monday: { boardId: '18406915789', endpoint: 'http://127.0.0.1:9/v2' } });
    await importFile(engine, { path: join(FIX, 'import-mixed.csv'), now: NOW, actor: ops });
    expect(rows('select account from monday_items order by account')).toEqual(
      ['acme.co.uk', 'acme.com', 'acmecloud.com', 'globex.com'].map((account) => ({ account })),
    );
    expect(rows("select count(*) n from monday_comments where account = 'umbrella-corp.ru'")).toEqual([{ n: 0 }]);
    expect(rows("select stage from actors where account = 'umbrella-corp.ru'")).toEqual([{ stage: 'ARCHIVED' }]);
  });

  it('refuses an import by a role that may not add accounts', async () => {
    const engine = withGlobex();
    await expect(importFile(engine, { path: join(FIX, 'import-mixed.csv'), now: NOW, actor: { by: 'eva', role: 'chief.staff' } })).rejects.toThrow(/ACCOUNT_ADDED is for sales.ops \/ cro/);
  });

  it('refuses whole a file that is no import (no column for a required field, or no rows): nothing recorded, no escalation', async () => {
    const engine = withGlobex();
    const dir = mkdtempSync(join(tmpdir(), 'ladder-import-'));
    const before = rows('select (select count(*) from events) e, (select count(*) from import_batches) b, (select count(*) from escalations) x');
    try {
      writeFileSync(join(dir, 'other.csv'), 'foo,bar\n1,2\n3,4\n');
      writeFileSync(join(dir, 'header-only.csv'), 'Name,Domain,HQ Location,Tier,ICP Score\n');
      writeFileSync(join(dir, 'other.json'), JSON.stringify([{ a: 1 }, { name: 'x' }]));
      for (const dryRun of [false, true]) {
        await expect(importFile(engine, { path: join(dir, 'other.csv'), now: NOW, actor: ops, dryRun })).rejects.toThrow(/no column for Name .*Domain/);
        await expect(importFile(engine, { path: join(dir, 'other.json'), now: NOW, actor: ops, dryRun })).rejects.toThrow(/no column for Domain/);
        await expect(importFile(engine, { path: join(dir, 'header-only.csv'), now: NOW, actor: ops, dryRun, name: 'upload.csv' })).rejects.toThrow(/cannot import upload.csv: it has no rows/);
      }
      expect(rows('select (select count(*) from events) e, (select count(*) from import_batches) b, (select count(*) from escalations) x')).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
