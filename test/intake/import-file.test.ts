import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportFileError } from '../../src/intake/errors.js';
import { readImportFile } from '../../src/intake/import-file.js';
import type { RawRow } from '../../src/intake/import-rows.js';

const fixture = (name: string) => new URL(`../fixtures/intake/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ladder-intake-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(path: string): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const row of readImportFile(path)) rows.push(row);
  return rows;
}

async function failure(path: string): Promise<ImportFileError> {
  try {
    await readAll(path);
  } catch (err) {
    if (err instanceof ImportFileError) return err;
    throw err;
  }
  throw new Error(`expected ${path} to fail`);
}

function temp(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('CSV', () => {
  it('handles a BOM, CRLF, quoted commas, quoted newlines, escaped quotes, blank lines and short rows', async () => {
    expect(await readAll(fixture('csv-edge.csv'))).toEqual([
      { rowNumber: 2, raw: { name: 'Acme, Inc.', DOMAIN: 'acme.com', hq: 'Austin, TX', TIER: 'Tier 1', 'icp score': '80', Notes: 'line one\r\nline two' } },
      { rowNumber: 4, raw: { name: 'Globex', DOMAIN: 'globex.com', hq: 'Springfield', TIER: 'Tier 2', 'icp score': '70', Notes: 'said "hi"' } },
      { rowNumber: 7, raw: { name: 'Initech', DOMAIN: 'initech.com', hq: 'Austin', TIER: '', 'icp score': '', Notes: '' } },
    ]);
  });

  it('numbers rows by the line they start on, after a CRLF inside a quoted field too', async () => {
    const path = temp('multi.csv', 'a,b\n1,"x\r\ny\r\nz"\n\n2,3\n4,"p\nq"\n5,6\n');
    expect((await readAll(path)).map((r) => r.rowNumber)).toEqual([2, 6, 7, 9]);
  });

  it('a header-only file has no rows', async () => {
    expect(await readAll(temp('header-only.csv', 'Name,Domain,HQ,Tier,ICP Score\r\n'))).toEqual([]);
  });

  it.each([
    ['unclosed-quote.csv', /malformed CSV near line \d+: .*[Qq]uote/],
    ['long-row.csv', /row 2 has 6 fields but the header has 5/],
    ['duplicate-header.csv', /the header row names the column "Domain" twice/],
  ])('%s is malformed', async (name, detail) => {
    const err = await failure(fixture(name));
    expect(err.code).toBe('malformed');
    expect(err.file).toBe(fixture(name));
    expect(err.message).toContain(`cannot import ${fixture(name)}: `);
    expect(err.message).toMatch(detail);
    expect(err.message).toContain('Accepted: a .csv file with a header row');
  });

  it('an empty file is malformed', async () => {
    expect((await failure(temp('empty.csv', ''))).message).toMatch(/it is empty: expected a header row/);
  });
});

describe('JSON', () => {
  it('reads an array of objects, numbering elements from 1', async () => {
    const rows = await readAll(fixture('import-board.json'));
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 2, 3, 4]);
    expect(rows[1]?.raw).toMatchObject({ numeric_mm216nk9: '64.5', revenue: '5000000000', tags: '["alliances","aws"]' });
    expect(rows[3]?.raw).toMatchObject({ name: 'Nowhere "Inc" {braces]', numeric_mm216nk9: '' });
  });

  it.each([
    ['trailing-comma.json', /a trailing "," before "]" after element 1/],
    ['not-array.json', /expected the file to start with "\[" \(an array of objects\); got "\{"/],
    ['string-element.json', /element 2 is not an object/],
    ['truncated.json', /the file ends inside element 2/],
  ])('%s is malformed', async (name, detail) => {
    const err = await failure(fixture(name));
    expect(err.code).toBe('malformed');
    expect(err.message).toContain(`cannot import ${fixture(name)}: malformed JSON on line `);
    expect(err.message).toMatch(detail);
  });

  it.each([
    ['[]', 0],
    ['\uFEFF [ ] \n', 0],
    ['[{"a":"}{\\"]"},{"b":[1,{"c":"]"}]}]', 2],
  ])('%j has %d rows', async (content, count) => {
    expect(await readAll(temp('small.json', content))).toHaveLength(count);
  });

  it.each([
    ['', /the file is empty/],
    ['[{"a":1}] x', /unexpected "x" after the closing "\]"/],
    ['[{"a":1} {"b":2}]', /expected "," or "\]" after element 1/],
    ['[{"a":1},{"b":tru}]', /element 2 \(from line 1\) is not valid JSON/],
    ['[{"a":1}', /the file ends before the closing "\]"/],
  ])('%j is malformed', async (content, detail) => {
    expect((await failure(temp('bad.json', content))).message).toMatch(detail);
  });

  it('reassembles elements and multi-byte characters split across read chunks', async () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({ Name: `Fïrma ${i} — 株式会社`, Domain: `f${i}.example.com`, n: i }));
    const path = temp('big.json', JSON.stringify(items, null, 1)); // ~2 MB: many 64 KiB chunks
    const rows = await readAll(path);
    expect(rows).toHaveLength(20_000);
    expect(rows[12_345]).toEqual({ rowNumber: 12_346, raw: { Name: 'Fïrma 12345 — 株式会社', Domain: 'f12345.example.com', n: '12345' } });
  });
});

describe('files that cannot be imported', () => {
  it('an unknown extension fails at once, naming the file and what is accepted', () => {
    expect(() => readImportFile(fixture('import.xlsx'))).toThrow(ImportFileError);
    try {
      readImportFile(fixture('import.xlsx'));
    } catch (err) {
      expect(err).toMatchObject({ code: 'unsupported-extension', file: fixture('import.xlsx') });
      expect((err as Error).message).toBe(
        `cannot import ${fixture('import.xlsx')}: the extension ".xlsx" is not supported. Accepted: a .csv file with a header row (UTF-8, optional BOM, comma-separated, "quoted" fields, LF or CRLF) or a .json file holding one array of objects`,
      );
    }
    expect(() => readImportFile('accounts')).toThrow(/the extension \(none\) is not supported/);
  });

  it.each(['missing.csv', 'missing.json'])('a missing %s is unreadable', async (name) => {
    const err = await failure(join(dir, name));
    expect(err).toMatchObject({ code: 'unreadable', file: join(dir, name) });
    expect(err.message).toMatch(/no such file/);
  });
});

describe('100 000 rows with bounded memory', () => {
  it('streams a large CSV row by row', async () => {
    const path = join(dir, 'large.csv');
    const out = createWriteStream(path);
    out.write('Name,Domain,HQ Location,Tier,ICP Score,Notes\n');
    const pad = 'x'.repeat(400);
    for (let i = 0; i < 100_000; i++) {
      if (!out.write(`Company ${i},c${i}.example.com,"City ${i}, ST",Tier ${(i % 3) + 1},${i % 101},${pad}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');

    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let count = 0;
    let last: RawRow | undefined;
    for await (const row of readImportFile(path)) {
      count++;
      last = row;
      if (count % 5_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    }
    expect(count).toBe(100_000);
    expect(last?.rowNumber).toBe(100_001);
    expect(last?.raw['Domain']).toBe('c99999.example.com');
    // The file is ~45 MB and its rows as objects would take far more; streaming stays well below.
    expect(peak).toBeLessThan(40 * 1024 * 1024);
  });

  it('yields the first row before the rest of the file exists (a FIFO the test writes slowly)', { timeout: 10_000 }, async () => {
    const fifo = join(dir, 'slow.csv');
    execFileSync('mkfifo', [fifo]);
    const rows = readImportFile(fifo)[Symbol.asyncIterator]();
    const first = rows.next();
    // Opened asynchronously: a FIFO's open blocks until both ends are open.
    const writer = await open(fifo, 'w');
    // csv-parse emits a record once it has seen the start of the next one, hence two rows here.
    await writer.write('Name,Domain\nAcme,acme.com\nGlobex,globex.com\n');
    expect(await first).toEqual({ done: false, value: { rowNumber: 2, raw: { Name: 'Acme', Domain: 'acme.com' } } });
    await writer.write('Initech,initech.com\n');
    await writer.close();
    expect((await rows.next()).value).toEqual({ rowNumber: 3, raw: { Name: 'Globex', Domain: 'globex.com' } });
    expect((await rows.next()).value).toEqual({ rowNumber: 4, raw: { Name: 'Initech', Domain: 'initech.com' } });
    expect((await rows.next()).done).toBe(true);
  });
});
