// What a fired timer writes. Two views of the same sweep:
// - the bytes this process handed to write() (wchar) and sent to storage (write_bytes), from /proc/self/io,
//   around the timed sweep: WAL frames, checkpoints, temp files, everything;
// - the pages: a sweep on its own copy with automatic checkpoints off, so that the WAL keeps every frame each
//   batch's commit wrote; each frame's page is named after the table or index it belongs to (dbstat).
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Bytes written so far by this process; null where /proc/self/io does not exist (not Linux). */
export type IoCounters = { wchar: number; writeBytes: number };
export function ioCounters(): IoCounters | null {
  try {
    const fields = new Map(readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((l) => {
      const [k, v] = l.split(':');
      return [k!.trim(), Number(v)] as const;
    }));
    return { wchar: fields.get('wchar') ?? 0, writeBytes: fields.get('write_bytes') ?? 0 };
  } catch {
    return null;
  }
}

export function ioSince(start: IoCounters | null): IoCounters | null {
  const end = ioCounters();
  return start && end ? { wchar: end.wchar - start.wchar, writeBytes: end.writeBytes - start.writeBytes } : null;
}

export type PagesWritten = {
  fired: number;
  /** WAL frames written by the sweep's commits: one page each (a page written by two batches counts twice). */
  frames: number; framesPerFired: number;
  /** Different pages among them: what the checkpoint copies into the database file. */
  distinctPages: number;
  walKbPerFired: number; pageSize: number;
  /** Frames per fired timer by the table or index their page belongs to, largest first. */
  byTree: { tree: string; perFired: number }[];
};

/** The page number of every frame in a WAL file (header 32 bytes; each frame: a 24-byte header, then the page). */
export function walFramePages(walPath: string, pageSize: number): number[] {
  const fd = openSync(walPath, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(4);
    const pages: number[] = [];
    for (let at = 32; at + 24 + pageSize <= size; at += 24 + pageSize) {
      readSync(fd, head, 0, 4, at);
      pages.push(head.readUInt32BE(0));
    }
    return pages;
  } finally {
    closeSync(fd);
  }
}

/** Frames of the WAL of `dbPath` named by their b-tree. Reads every page of the file (dbstat): not timed. */
export function pagesWritten(dbPath: string, fired: number): PagesWritten {
  const conn = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const pageSize = conn.pragma('page_size', { simple: true }) as number;
    const pages = walFramePages(`${dbPath}-wal`, pageSize);
    const wanted = new Set(pages);
    const owner = new Map<number, string>();
    for (const [name, pageno] of conn.prepare('select name, pageno from dbstat').raw().iterate() as IterableIterator<[string, number]>) {
      if (wanted.has(pageno)) owner.set(pageno, name);
    }
    const counts = new Map<string, number>();
    for (const p of pages) {
      const tree = owner.get(p) ?? '(freelist or new)';
      counts.set(tree, (counts.get(tree) ?? 0) + 1);
    }
    const per = (n: number) => Math.round((n / Math.max(1, fired)) * 100) / 100;
    return {
      fired, frames: pages.length, framesPerFired: per(pages.length), distinctPages: wanted.size,
      walKbPerFired: Math.round(((pages.length * (pageSize + 24)) / 1024 / Math.max(1, fired)) * 10) / 10, pageSize,
      byTree: [...counts].sort((a, b) => b[1] - a[1]).map(([tree, n]) => ({ tree, perFired: per(n) })),
    };
  } finally {
    conn.close();
  }
}
