// A worker thread of the calibration lab: opens the database read-only, builds the rulebooks once, then replays
// the chunks of accounts the main thread hands it, one at a time, answering each with its totals.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { runChunk, type Job, type Range } from './chunk.js';
import { makeRulebook } from './rulebook.js';

const { path, job } = workerData as { path: string; job: Job };
const sqlite = new Database(path, { readonly: true, fileMustExist: true });
const books = { current: makeRulebook(job.versions, null), alt: makeRulebook(job.versions, job.override) };

parentPort!.on('message', (m: { range: Range | null }) => {
  if (!m.range) { sqlite.close(); parentPort!.close(); return; }
  try {
    parentPort!.postMessage({ result: runChunk(sqlite, job, m.range, books) });
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).stack ?? String(err) });
  }
});
