// The import report's buckets spill to JSONL files, so memory stays bounded however long the file is. They hold
// row data (names, HQs): private (a 0700 folder, 0600 files), removed on every exit path, and the leftovers of a
// process that was killed (kill -9 skips every `finally`) are swept by the next import.
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const PREFIX = 'ladder-import-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists, owned by someone else
  }
}

/** Removes the spill folders of import processes that are gone. Returns how many. */
export function sweepStaleSpills(dir = tmpdir()): number {
  let removed = 0;
  for (const name of readdirSync(dir)) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!m || alive(Number(m[1]))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

export class Spill<B extends string> {
  private readonly dir: string;
  private readonly fds: Map<B, number>;

  constructor(private readonly buckets: readonly B[]) {
    sweepStaleSpills();
    this.dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
    this.fds = new Map(buckets.map((b) => [b, openSync(join(this.dir, `${b}.jsonl`), 'w', 0o600)]));
  }

  add(bucket: B, row: unknown): void { writeSync(this.fds.get(bucket)!, `${JSON.stringify(row)}\n`); }

  /** Writes the whole report as one JSON document (0600), streaming each bucket from its spill file. */
  async writeReport(path: string, head: Record<string, unknown>): Promise<void> {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    const out = createWriteStream(path, { mode: 0o600 });
    // An error of the stream (a disk full, a folder removed meanwhile) rejects the write in progress, never
    // escapes as an unhandled 'error' event.
    let failed: Error | null = null;
    out.on('error', (err) => { failed = err; });
    const write = (s: string) => new Promise<void>((res, rej) => {
      if (failed) { rej(failed); return; }
      out.write(s, (e) => (e ? rej(e) : res()));
    });
    await write(`${JSON.stringify(head, null, 2).slice(0, -2)},\n`);
    for (const [i, b] of this.buckets.entries()) {
      await write(`  "${b}": [`);
      let first = true;
      for await (const line of createInterface({ input: createReadStream(join(this.dir, `${b}.jsonl`), { encoding: 'utf8' }), crlfDelay: Infinity })) {
        if (!line) continue;
        await write(`${first ? '\n    ' : ',\n    '}${line}`);
        first = false;
      }
      await write(`${first ? '' : '\n  '}]${i < this.buckets.length - 1 ? ',' : ''}\n`);
    }
    await write('}\n');
    await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
    if (failed) throw failed;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
