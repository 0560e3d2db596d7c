import { describe, expect, it, vi } from 'vitest';
import { readImportFile } from '../../src/intake/import-file.js';
import {
  duplicateRate,
  ImportRowSchema,
  parseTier,
  rejectedRate,
  sortImportRows,
  type RawRow,
  type StoredAccountSummary,
} from '../../src/intake/import-rows.js';

const fixture = (name: string) => new URL(`../fixtures/intake/${name}`, import.meta.url).pathname;

async function readAll(name: string): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const row of readImportFile(fixture(name))) rows.push(row);
  return rows;
}

const board = (accounts: StoredAccountSummary[]) => {
  const byDomain = new Map(accounts.map((a) => [a.domain, a]));
  return (domain: string) => byDomain.get(domain);
};

const row = (rowNumber: number, raw: Record<string, string>): RawRow => ({ rowNumber, raw });
const valid = { Name: 'Acme', Domain: 'acme.com', HQ: 'Austin', Tier: 'Tier 1', 'ICP Score': '80' };

describe('import-mixed.csv through the stage gate (LQ 6)', async () => {
  const rows = await readAll('import-mixed.csv');
  const stored: StoredAccountSummary = { domain: 'globex.com', name: 'Globex', tier: 'Tier 2', icpScore: 70 };
  const result = sortImportRows(rows, board([stored]));

  it('numbers rows as in the file, header = row 1', () => {
    expect(rows.map((r) => r.rowNumber)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('sorts into exact buckets', () => {
    expect(result.unique.map((r) => [r.rowNumber, r.row.domain, r.archive])).toEqual([
      [2, 'acmecloud.com', false],
      [5, 'acme.co.uk', false],
      [6, 'acme.com', false],
      [8, 'umbrella-corp.ru', true],
    ]);
    expect(result.duplicates.map((r) => [r.rowNumber, r.of])).toEqual([
      [3, { kind: 'batch', domain: 'acmecloud.com', rowNumber: 2 }],
      [4, { kind: 'batch', domain: 'acmecloud.com', rowNumber: 2 }],
      [9, { kind: 'stored', domain: 'globex.com' }],
    ]);
    expect(result.rejected.map((r) => r.rowNumber)).toEqual([7, 10, 11]);
  });

  it('normalizes the www./https:// variants of one domain to one key', () => {
    expect([result.unique[0], ...result.duplicates.slice(0, 2)].map((r) => r?.row.domainRaw)).toEqual([
      'https://www.acmecloud.com/about',
      'www.AcmeCloud.com',
      'http://acmecloud.com/',
    ]);
  });

  it('keeps acme.co.uk and acme.com apart', () => {
    expect(result.unique.filter((r) => r.row.name.startsWith('Acme ') || r.row.name === 'Acme')).toHaveLength(3);
  });

  it('reports a within-batch conflicting value without overwriting', () => {
    const dup = result.duplicates.find((d) => d.rowNumber === 4);
    expect(dup?.conflicts).toEqual([{ field: 'hq', existing: 'Seattle WA', incoming: 'Portland, OR' }]);
    expect(dup?.enrich).toEqual([]);
    expect(result.duplicates.find((d) => d.rowNumber === 3)).toMatchObject({ enrich: [], conflicts: [] });
  });

  it('enriches a stored account from a richer duplicate', () => {
    expect(result.duplicates.find((d) => d.rowNumber === 9)).toMatchObject({
      enrich: [
        { field: 'hq', value: 'Springfield' },
        { field: 'employees', value: '800' },
      ],
      conflicts: [],
    });
  });

  it('rejects with every reason, each naming its row and field', () => {
    expect(result.rejected.map((r) => r.problems.map((p) => [p.rowNumber, p.field]))).toEqual([
      [[7, 'hq']],
      [[10, 'name']],
      [
        [11, 'domain'],
        [11, 'tier'],
      ],
    ]);
    const [hq, name, stark] = result.rejected;
    expect(hq?.problems[0]?.message).toBe('missing (required): HQ Location (column HQ Location or HQ or text_mm21caks)');
    expect(name?.problems[0]?.message).toBe('missing (required): Name (column Name or name)');
    expect(stark?.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^"stark industries.com" is not a company domain: it contains whitespace/),
      'expected one of Tier 1, Tier 2, Tier 3, Network, Reject (any case; 1-3 or T1-T3 for the numbered tiers); got "Gold"',
    ]);
    expect(stark?.raw['Name']).toBe('Stark Industries'); // kept for the human who enriches it
  });

  it('keeps optional extra columns', () => {
    expect(result.unique[0]?.row.extra).toEqual({ employees: '1200', linkedin: 'https://www.linkedin.com/company/acme-cloud' });
  });

  it('computes the escalation rates (LQ 7.2)', () => {
    expect(duplicateRate(result)).toBeCloseTo(0.3);
    expect(rejectedRate(result)).toBeCloseTo(0.3);
  });
});

describe('import-board.json with monday column ids', async () => {
  const rows = await readAll('import-board.json');
  const result = sortImportRows(
    rows,
    board([{ domain: 'globex.com', name: 'Globex', hq: 'Springfield', tier: 'Tier 2', icpScore: 70 }]),
  );

  it('sorts into exact buckets', () => {
    expect(result.unique.map((r) => [r.rowNumber, r.row.domain, r.row.tier, r.row.icpScore])).toEqual([
      [1, 'acmecloud.com', 'Tier 1', 82],
      [2, 'wayneenterprises.com', 'Tier 2', 64.5],
    ]);
    expect(result.duplicates.map((r) => [r.rowNumber, r.of, r.enrich, r.conflicts])).toEqual([
      [3, { kind: 'stored', domain: 'globex.com' }, [], []],
    ]);
    expect(result.rejected.map((r) => [r.rowNumber, r.problems.map((p) => p.field)])).toEqual([[4, ['domain', 'hq', 'icpScore']]]);
  });

  it('keeps extra JSON values as text', () => {
    expect(result.unique[1]?.row.extra).toEqual({ revenue: '5000000000', tags: '["alliances","aws"]' });
  });
});

describe('ImportRowSchema', () => {
  it.each([
    [{ Name: 'Acme', Domain: 'acme.com', 'HQ Location': 'Austin', Tier: 'Tier 1', 'ICP Score (Weighted)': '80' }],
    [{ NAME: 'Acme', domain: 'acme.com', hq: 'Austin', tier: 'Tier 1', 'icp score': '80' }],
    [{ ' Name ': 'Acme', Domain: 'acme.com', 'HQ  Location': 'Austin', Tier: 'Tier 1', 'ICP SCORE': '80' }],
    [{ name: 'Acme', text_mm218qe9: 'acme.com', text_mm21caks: 'Austin', color_mm217sw4: 'Tier 1', numeric_mm216nk9: '80' }],
  ])('accepts the documented headers in any case: %j', (raw) => {
    expect(ImportRowSchema.parse(raw)).toEqual({
      name: 'Acme',
      domain: 'acme.com',
      domainRaw: 'acme.com',
      hq: 'Austin',
      tier: 'Tier 1',
      icpScore: 80,
      extra: {},
    });
  });

  it.each([
    ['Tier 1', 'Tier 1'],
    ['tier 1', 'Tier 1'],
    ['TIER  2', 'Tier 2'],
    ['tier3', 'Tier 3'],
    ['Tier-2', 'Tier 2'],
    ['1', 'Tier 1'],
    ['T3', 'Tier 3'],
    ['network', 'Network'],
    ['REJECT', 'Reject'],
    ['Tier 4', undefined],
    ['4', undefined],
    ['Gold', undefined],
    ['Rejected', undefined],
    ['', undefined],
  ])('tier %j → %s', (text, tier) => {
    expect(parseTier(text)).toBe(tier);
  });

  it.each([
    ['0', 0],
    ['100', 100],
    ['71.5', 71.5],
    [' 80 ', 80],
  ])('ICP score %j → %d', (text, score) => {
    expect(ImportRowSchema.parse({ ...valid, 'ICP Score': text }).icpScore).toBe(score);
  });

  it.each(['101', '-1', '80%', 'high', '1e2', '71,5', '100.5'])('refuses ICP score %j', (text) => {
    const r = ImportRowSchema.safeParse({ ...valid, 'ICP Score': text });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path[0], i.message])).toEqual([
      ['icpScore', `expected a number from 0 to 100, e.g. 82 or 71.5; got ${JSON.stringify(text.trim())}`],
    ]);
  });

  it('refuses two header aliases with different values, and accepts them when they agree', () => {
    const r = ImportRowSchema.safeParse({ ...valid, 'HQ Location': 'Dallas' });
    expect(r.error?.issues.map((i) => [i.path[0], i.message])).toEqual([
      ['hq', 'given in several columns with different values (HQ="Austin", HQ Location="Dallas"); keep one'],
    ]);
    expect(ImportRowSchema.safeParse({ ...valid, 'HQ Location': 'austin' }).success).toBe(true);
  });

  it('lists all five missing fields of an empty row', () => {
    const r = ImportRowSchema.safeParse({ Notes: 'call back' });
    expect(r.error?.issues.map((i) => i.path[0])).toEqual(['name', 'domain', 'hq', 'tier', 'icpScore']);
  });
});

describe('sortImportRows', () => {
  it('compares a later duplicate with the record as already enriched in this batch', () => {
    const result = sortImportRows(
      [row(2, { ...valid, Employees: '' }), row(3, { ...valid, Employees: '500' }), row(4, { ...valid, Employees: '600' })],
      () => undefined,
    );
    expect(result.duplicates.map((d) => [d.rowNumber, d.enrich, d.conflicts])).toEqual([
      [3, [{ field: 'employees', value: '500' }], []],
      [4, [], [{ field: 'employees', existing: '500', incoming: '600' }]],
    ]);
  });

  it('looks a domain up on the board once per batch, and never for rejected rows', () => {
    const lookup = vi.fn((domain: string) => (domain === 'acme.com' ? { domain, name: 'Acme' } : undefined));
    const result = sortImportRows(
      [row(2, valid), row(3, { ...valid, Domain: 'https://acme.com' }), row(4, { ...valid, HQ: '' }), row(5, { ...valid, Domain: 'b.io' })],
      lookup,
    );
    expect(lookup.mock.calls).toEqual([['acme.com'], ['b.io']]);
    expect(result.duplicates.map((d) => [d.rowNumber, d.of.kind])).toEqual([
      [2, 'stored'],
      [3, 'stored'],
    ]);
  });

  it('reports stored conflicts field by field and never overwrites them', () => {
    const stored: StoredAccountSummary = { domain: 'acme.com', name: 'ACME  inc', hq: 'Boston', tier: 'Tier 2', icpScore: 80, extra: { Employees: '900' } };
    const result = sortImportRows([row(2, { ...valid, Name: 'Acme Inc', Employees: '1000', Revenue: '60M' })], board([stored]));
    expect(result.duplicates[0]).toMatchObject({
      enrich: [{ field: 'revenue', value: '60M' }],
      conflicts: [
        { field: 'hq', existing: 'Boston', incoming: 'Austin' },
        { field: 'tier', existing: 'Tier 2', incoming: 'Tier 1' },
        { field: 'employees', existing: '900', incoming: '1000' },
      ],
    });
    expect(stored.hq).toBe('Boston');
  });

  it('flags a Tier Reject row for ARCHIVED, also as a duplicate (LQ 4)', () => {
    const result = sortImportRows([row(2, { ...valid, Tier: 'Reject' }), row(3, { ...valid, Tier: 'reject' })], () => undefined);
    expect(result.unique).toMatchObject([{ rowNumber: 2, archive: true }]);
    expect(result.duplicates).toMatchObject([{ rowNumber: 3, archive: true, conflicts: [] }]);
  });

  it('rates of an empty batch are 0', () => {
    const empty = sortImportRows([], () => undefined);
    expect([duplicateRate(empty), rejectedRate(empty)]).toEqual([0, 0]);
  });
});
