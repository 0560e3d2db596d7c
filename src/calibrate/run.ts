// The fleet's history replayed across worker threads (issue 16): the accounts are cut into chunks of consecutive
// domains, each worker streams its chunk's log in account order from its own read-only connection, and the main
// thread adds up the totals as they come. Memory stays bounded: one account's log at a time per worker, counters,
// and lists cut at the limit.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { emptyResult, mergeResults, runChunk, type ChunkResult, type Job, type Range } from './chunk.js';

export type RunOptions = {
  /** Worker threads; 0 replays in this thread (a small ladder, or a test of the pure path). Default: the cores, at most 8. */
  workers?: number;
  /** Accounts per chunk. */
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
};

/** Chunk boundaries: every `size`-th domain of the accounts, in order. */
function ranges(sqlite: Database.Database, size: number): { ranges: Range[]; accounts: number } {
  const bounds: string[] = [];
  let n = 0;
  for (const a of sqlite.prepare('select account from actors order by account').pluck().iterate() as IterableIterator<string>) {
    if (n > 0 && n % size === 0) bounds.push(a);
    n++;
  }
  const out: Range[] = [];
  let lo: string | null = null;
  for (const b of bounds) { out.push({ lo, hi: b }); lo = b; }
  out.push({ lo, hi: null });
  return { ranges: out, accounts: n };
}

export const defaultWorkers = () => Math.max(1, Math.min(8, availableParallelism()));

export async function runJob(path: string, job: Job, o: RunOptions = {}): Promise<ChunkResult> {
  const sqlite = new Database(path, { readonly: true, fileMustExist: true });
  let plan: { ranges: Range[]; accounts: number };
  try {
    const workers = o.workers ?? defaultWorkers();
    const size = o.chunk ?? 5_000;
    plan = ranges(sqlite, size);
    if (workers === 0 || plan.ranges.length === 1) {
      const total = emptyResult(job);
      plan.ranges.forEach((r, i) => { mergeResults(total, runChunk(sqlite, job, r), job.limit); o.onProgress?.(i + 1, plan.ranges.length); });
      return total;
    }
  } finally {
    sqlite.close();
  }
  return runOnWorkers(path, job, plan.ranges, Math.min(o.workers ?? defaultWorkers(), plan.ranges.length), o);
}

function runOnWorkers(path: string, job: Job, todo: Range[], n: number, o: RunOptions): Promise<ChunkResult> {
  const total = emptyResult(job);
  const url = new URL('./worker.js', import.meta.url);
  return new Promise((resolve, reject) => {
    let next = 0, done = 0, failed = false;
    const pool: Worker[] = [];
    const stop = (err: Error | null) => {
      if (failed) return;
      if (err) { failed = true; for (const w of pool) void w.terminate(); reject(err); return; }
      for (const w of pool) w.postMessage({ range: null });
      resolve(total);
    };
    const feed = (w: Worker) => { if (next < todo.length) w.postMessage({ range: todo[next++] }); };
    for (let i = 0; i < n; i++) {
      // Bounded memory: each worker holds one account's log at a time and its chunk's counters; a small old
      // generation keeps its heap from growing with garbage, a larger young one keeps the scavenger cheap.
      const w = new Worker(url, { workerData: { path, job }, resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 16 } });
      pool.push(w);
      w.on('message', (m: { result?: ChunkResult; error?: string }) => {
        if (m.error) { stop(new Error(`calibrate: a worker failed: ${m.error}`)); return; }
        mergeResults(total, m.result!, job.limit);
        done++;
        o.onProgress?.(done, todo.length);
        if (done === todo.length) stop(null); else feed(w);
      });
      w.on('error', (err) => stop(err));
      feed(w);
    }
  });
}
