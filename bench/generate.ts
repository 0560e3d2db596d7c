// Generates a bench fleet into a fresh SQLite file through the project's own schema (openStore applies
// the committed migrations): N accounts spread by STAGE_TABLE, each a stamped copy of a template the real
// engine lived, shifted in time so that exactly round(d × N) accounts have a timer due at --now.
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { openLadder } from '../src/ladder.js';
import { makeCompany } from '../src/demo/fleet.js';
import { rng, type Rng } from '../src/demo/random.js';
import { STAGE_TABLE, storyCounts, type StoryName } from './fleet-plan.js';
import { compileTemplate, Stamper, type CompiledTemplate } from './stamp.js';
import type { Template } from './templates.js';

const DAY = 86_400_000;
/** Timers due since the previous daily sweep are the ones due now; older ones would have fired already. */
export const DUE_WINDOW_MS = DAY;
/** Accounts without a pending timer last moved within this many days before --now. */
const HISTORY_DAYS = 400;
const CHUNK = 10_000;

export type GenerateOptions = { n: number; due: number; now: string; seed: number; path: string; onProgress?: (done: number, total: number) => void };
export type FleetInfo = {
  n: number; due: number; now: string; seed: number;
  dueAccounts: number; dueTimers: number; pendingTimers: number;
  stories: Partial<Record<StoryName, number>>; stages: Record<string, number>;
  rows: Record<string, number>; bytes: number; ms: number;
};

type Placement = 'none' | 'notDue' | 'due';
type Option = { variant: CompiledTemplate; kmin: number; kmax: number };

/** Whole shifts k·g (g = a week for business-day stories, a second otherwise) that put a variant's
 * first pending timer where the placement wants it, with every recorded instant at or before now. */
function options(variants: CompiledTemplate[], placement: Placement, nowMs: number): Option[] {
  const out: Option[] = [];
  for (const c of variants) {
    const t: Template = c.template;
    const g = t.weekAligned ? 7 * DAY : 1000;
    const [p, p2] = t.pendingDue;
    let lo: number, hi: number; // the shift lies in (lo, hi]
    if (placement === 'none') { lo = nowMs - HISTORY_DAYS * DAY - t.lastMs; hi = nowMs - t.lastMs; }
    else if (placement === 'notDue') { lo = nowMs - p!; hi = nowMs - t.lastMs; }
    else {
      lo = nowMs - DUE_WINDOW_MS - p!; hi = Math.min(nowMs - p!, nowMs - t.lastMs);
      // Only the first pending timer is due: the next one stays after now.
      if (p2 !== undefined) hi = Math.min(hi, nowMs - p2 - 1);
    }
    const kmin = Math.floor(lo / g) + 1;
    const kmax = Math.floor(hi / g);
    if (kmin <= kmax) out.push({ variant: c, kmin, kmax });
  }
  return out;
}

function shuffledStories(counts: Map<StoryName, number>, order: StoryName[], r: Rng, n: number): Uint8Array {
  const plan = new Uint8Array(n);
  let i = 0;
  order.forEach((s, idx) => { for (let k = 0; k < (counts.get(s) ?? 0); k++) plan[i++] = idx; });
  for (let j = n - 1; j > 0; j--) {
    const k = Math.floor(r.next() * (j + 1));
    const tmp = plan[j]!; plan[j] = plan[k]!; plan[k] = tmp;
  }
  return plan;
}

export function compileAll(templates: Map<StoryName, Template[]>): Map<StoryName, CompiledTemplate[]> {
  return new Map([...templates].map(([k, v]) => [k, v.map(compileTemplate)]));
}

export function generateFleet(compiled: Map<StoryName, CompiledTemplate[]>, opts: GenerateOptions): FleetInfo {
  const started = performance.now();
  const nowMs = Date.parse(opts.now);
  const r = rng(opts.seed);
  const order = STAGE_TABLE.flatMap((s) => s.stories.map(([name]) => name));
  const counts = storyCounts(opts.n);
  const plan = shuffledStories(counts, order, r, opts.n);

  const placements = order.map((s) => {
    const variants = compiled.get(s)!;
    const timed = variants[0]!.template.pendingDue.length > 0;
    const o = timed
      ? { none: [], notDue: options(variants, 'notDue', nowMs), due: options(variants, 'due', nowMs) }
      : { none: options(variants, 'none', nowMs), notDue: [], due: [] };
    if (timed ? o.notDue.length === 0 : o.none.length === 0) throw new Error(`bench: no shift places story ${s} before ${opts.now}`);
    return { timed, ...o };
  });
  // Accounts that can be due: their story arms a timer that can come due in the window before now.
  let candidates = 0;
  for (let i = 0; i < opts.n; i++) if (placements[plan[i]!]!.due.length > 0) candidates++;
  const dueAccounts = Math.round(opts.due * opts.n);
  if (dueAccounts > candidates) {
    throw new Error(`--due ${opts.due}: ${dueAccounts} due accounts asked for, but only ${candidates} of ${opts.n} accounts hold a timer that can come due (MQL, SQL, RECYCLED); use a smaller fraction`);
  }

  // Through the one factory: the schema, the data migrations and settings v1 (the stamped events name it).
  openLadder(opts.path, { mode: 'create' }).close();
  const sqlite = new Database(opts.path);
  // A bulk load into a throw-away file: rollback journal in memory (better-sqlite3's defensive mode refuses
  // OFF, and WAL cannot go straight to MEMORY), no fsync, a big cache; the secondary indexes are dropped and
  // rebuilt from their own SQL afterwards (sorting once is much faster than growing them row by row).
  sqlite.pragma('journal_mode = DELETE');
  if (sqlite.pragma('journal_mode = MEMORY', { simple: true }) !== 'memory') throw new Error('bench: could not switch the new fleet to journal_mode MEMORY');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -1048576');
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('foreign_keys = OFF');
  const indexes = sqlite.prepare(`select name, sql from sqlite_master where type = 'index' and sql is not null`).all() as { name: string; sql: string }[];
  for (const ix of indexes) sqlite.exec(`drop index "${ix.name}"`);

  const stamper = new Stamper(sqlite);
  const stories: Partial<Record<StoryName, number>> = {};
  let chosen = 0;
  let seen = 0;
  let pendingTimers = 0;
  const load = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const s = order[plan[i]!]!;
      const p = placements[plan[i]!]!;
      let opts2: Option[] = p.none;
      if (p.timed) {
        let due = false;
        if (p.due.length > 0) {
          // Selection sampling: exactly dueAccounts of the candidates, uniformly.
          due = r.next() * (candidates - seen) < dueAccounts - chosen;
          seen++;
          if (due) chosen++;
        }
        opts2 = due ? p.due : p.notDue;
      }
      const o = r.pick(opts2);
      const k = o.kmin + Math.floor(r.next() * (o.kmax - o.kmin + 1));
      const g = o.variant.template.weekAligned ? 7 * DAY : 1000;
      const c = makeCompany(r, i, opts.now);
      stamper.stamp(o.variant, { domain: c.domain, name: c.name, hq: c.hq, icpScore: c.icpScore }, k * g);
      stories[s] = (stories[s] ?? 0) + 1;
      pendingTimers += o.variant.template.pendingDue.length;
    }
  });
  for (let from = 0; from < opts.n; from += CHUNK) {
    load(from, Math.min(opts.n, from + CHUNK));
    opts.onProgress?.(Math.min(opts.n, from + CHUNK), opts.n);
  }
  for (const ix of indexes) sqlite.exec(ix.sql);
  if (sqlite.pragma('journal_mode = WAL', { simple: true }) !== 'wal') throw new Error('bench: could not switch the fleet back to WAL');

  const dueTimers = (sqlite.prepare(`select count(*) as n from timers where status = 'pending' and due_at <= ?`).get(new Date(nowMs).toISOString()) as { n: number }).n;
  if (dueTimers !== dueAccounts) throw new Error(`bench: generated ${dueTimers} due timers, planned ${dueAccounts}; the placement is wrong`);
  const stages = Object.fromEntries((sqlite.prepare(`select stage || coalesce('.' || substate, '') as s, count(*) as n from actors group by 1 order by 1`).all() as { s: string; n: number }[]).map((x) => [x.s, x.n]));
  const rows: Record<string, number> = {};
  for (const t of ['accounts', 'actors', 'events', 'stage_history', 'timers', 'suppressions']) {
    rows[t] = (sqlite.prepare(`select count(*) as n from "${t}"`).get() as { n: number }).n;
  }
  sqlite.close();
  return {
    n: opts.n, due: opts.due, now: opts.now, seed: opts.seed, dueAccounts, dueTimers, pendingTimers, stories, stages, rows,
    bytes: statSync(opts.path).size, ms: performance.now() - started,
  };
}
