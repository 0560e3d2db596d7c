// `ladder monday setup [--dry-run]` (issue 13): makes a board ready for Ladder, so that nobody creates columns
// and labels by hand (or meets ColumnValueException on the first push). It reads the board's columns; creates
// the columns Ladder owns (stage, first touch, SLA, priority, CRO decision) that are missing, with every label
// Ladder writes; checks the existing ones for their type and adds the labels they lack (or reports the exact fix);
// checks the customer's own columns (LQ 6) without ever creating them; and stores the column ids in the settings,
// one version with who ran it. Setup is idempotent: it is planned from the board as read, so a second run, or a
// run after a lost answer, finds what is there and does nothing more. --dry-run reads and reports, writes nothing.
import type { Engine, Actor } from '../engine/engine.js';
import type { SettingChange } from '../settings/edit.js';
import { diffSettings } from '../settings/edit.js';
import type { Settings } from '../settings/schema.js';
import { acquireLease, type HeldLease } from '../store/lease.js';
import type { Store } from '../store/open.js';
import type { MondayConfig } from './config.js';
import { realSleep } from './retry.js';
import { openSession } from './session.js';
import { applyColumn, manualFix, planSetup, readColumns, type ColumnKey, type ColumnReport, type SetupProblem } from './setup-plan.js';
import type { Transport } from './transport.js';

export { labelsOf, planSetup, wantedColumns, type ColumnReport, type SetupProblem } from './setup-plan.js';

/** One setup at a time changes a board (two would both create the same missing column). */
export const SETUP_LEASE = 'monday-setup';
/** Rounds of read → plan → change; a transient failure starts a new round from a fresh read. */
const MAX_ROUNDS = 20;

export type SetupOptions = {
  dryRun: boolean; actor: Actor; now: string;
  /** Waits between retries; tests pass one that advances the emulator's clock. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log?: (line: string) => void;
};

export type SetupReport = {
  board: { id: string; name: string } | null;
  dryRun: boolean;
  columns: ColumnReport[];
  problems: SetupProblem[];
  /** The settings version that stored the column ids; null when they were stored already (or in a dry run). */
  settings: { version: number; changes: SettingChange[] } | null;
  /** Dry run: the settings paths a real run would set. */
  wouldStore: string[];
  nothingToDo: boolean;
  /** Setup could not finish (monday unreachable, the board not found): nothing more was changed. */
  error: string | null;
};

/** A dry run takes no lease: it writes nothing, not even a lease row. */
export const NO_LEASE: HeldLease = { beat: () => true, release: () => {} };

/** The settings with the column ids stored explicitly (the operator's document; defaults stay implicit elsewhere). */
function withColumnIds(cur: Settings, ids: Partial<Record<ColumnKey, string>>): Settings {
  const monday = cur.monday ?? {};
  const columns = { ...((monday.columns as Record<string, string> | undefined) ?? {}), ...ids };
  return { ...cur, monday: { ...monday, columns } };
}

export async function setupBoard(ladder: { engine: Engine; store: Store }, cfg: MondayConfig, transport: Transport, o: SetupOptions): Promise<SetupReport> {
  const { engine, store } = ladder;
  const report: SetupReport = { board: null, dryRun: o.dryRun, columns: [], problems: [], settings: null, wouldStore: [], nothingToDo: false, error: null };
  if (!o.dryRun) {
    // Who may change the settings may set the board up; refused (and recorded) before the board is touched.
    engine.authorizeCommand('SETTINGS', 'set up the monday board', o.actor, o.now, { account: null, type: 'MONDAY_SETUP', payload: { type: 'MONDAY_SETUP', board: cfg.boardId }, source: 'cli' });
  }
  const lease = o.dryRun ? NO_LEASE : await acquireLease(store, SETUP_LEASE, { waitMs: 0, advice: 'another ladder monday setup is changing the board; run it again when it has ended' });
  try {
    const session = openSession({ store, transport, lease, retry: cfg.retry, sleep: o.sleep ?? realSleep, random: o.random ?? Math.random, log: o.log ?? (() => {}) });
    /** What earlier rounds did: a later round reads it back as found, but the report says what setup did. */
    const done = new Map<ColumnKey, ColumnReport>();
    const refused = new Map<ColumnKey, SetupProblem>();
    let plan: ReturnType<typeof planSetup> | null = null;
    for (let round = 0; round < MAX_ROUNDS && plan === null; round++) {
      const read = await readColumns(session, cfg.boardId);
      if (read.kind === 'again') continue;
      if (read.kind === 'error') return { ...report, error: transport.redact(read.reason) };
      const next = planSetup(cfg, read.board);
      report.board = next.board;
      if (o.dryRun) { plan = next; break; }
      let again = false;
      for (const c of next.columns) {
        if (c.action === 'adopt') c.done = true;
        if ((c.action !== 'create' && c.action !== 'addLabels') || refused.has(c.key)) continue;
        const r = await applyColumn(session, cfg.boardId, c, next.revisions.get(c.id));
        if (r.kind === 'again') { again = true; break; }
        if (r.kind === 'error') return { ...report, columns: [...done.values()], error: transport.redact(r.reason) };
        if (r.kind === 'refused') {
          refused.set(c.key, { key: c.key, columnId: c.id, message: `monday refused to ${c.action === 'create' ? `create column ${c.id}` : `add labels to column ${c.id}`}: ${transport.redact(r.reason)}`, fix: manualFix(c, cfg.boardId) });
          continue;
        }
        done.set(c.key, { ...c, id: r.id, done: true });
      }
      if (!again) plan = next;
    }
    if (!plan) return { ...report, columns: [...done.values()], error: `the board kept failing after ${MAX_ROUNDS} rounds; run ladder monday setup again` };
    report.columns = plan.columns.map((c) => done.get(c.key) ?? c);
    report.problems = [...plan.problems, ...refused.values()];

    // The ids of the columns that are (or, in a dry run, would be) on the board as Ladder needs them.
    const stored = report.columns.filter((c) => c.done || c.action === 'none' || c.action === 'addLabels' || c.action === 'adopt' || (o.dryRun && c.action === 'create'));
    const ids: Partial<Record<ColumnKey, string>> = Object.fromEntries(stored.map((c) => [c.key, c.id]));
    const wouldChange = diffSettings(engine.settings, withColumnIds(engine.settings, ids));
    const raw = (engine.settings.monday?.columns ?? {}) as Record<string, unknown>;
    if (o.dryRun) report.wouldStore = stored.filter((c) => raw[c.key] !== c.id).map((c) => `monday.columns.${c.key}`);
    else if (wouldChange.length) {
      const r = engine.changeSettings((cur) => withColumnIds(cur, ids), { ...o.actor, now: o.now, change: `monday setup: the column ids of board ${cfg.boardId}`, source: 'cli' });
      if (r.changes.length) report.settings = r;
    }
    report.nothingToDo = report.columns.every((c) => c.action === 'none') && report.problems.length === 0 && wouldChange.length === 0;
    return report;
  } finally {
    try { lease.release(); } catch { /* taken over once this process has ended */ }
  }
}

/** The report in lines, for the terminal. */
export function describeSetup(r: SetupReport): string[] {
  if (!r.board) return [`monday setup: ${r.error ?? 'the board was not read'}`];
  const head = `monday setup${r.dryRun ? ' (dry run: nothing is written)' : ''}: board ${r.board.id} "${r.board.name}"`;
  if (r.nothingToDo) return [`${head}: nothing to do, every column Ladder needs is there with its labels, and the settings name them`];
  const verb = (c: ColumnReport): string => {
    const labels = c.labels.map((l) => JSON.stringify(l)).join(', ');
    switch (c.action) {
      case 'none': return 'found';
      case 'adopt': return `found by its title; ${r.dryRun ? 'would be stored' : 'stored'} as the setting`;
      case 'create': return c.done ? `created${c.labels.length ? ` with ${labels}` : ''}` : r.dryRun ? `would be created${c.labels.length ? ` with ${labels}` : ''}` : 'not created (see the problems)';
      case 'addLabels': return c.done ? `labels added: ${labels}` : r.dryRun ? `would get the labels ${labels}` : 'labels not added (see the problems)';
      case 'problem': return 'PROBLEM (below)';
    }
  };
  return [
    head,
    ...r.columns.map((c) => `  ${c.key.padEnd(12)} ${c.id.padEnd(22)} ${c.type.padEnd(8)} ${verb(c)}`),
    ...(r.settings ? [`settings v${r.settings.version}: stored ${r.settings.changes.map((c) => c.path).join(', ')}`] : []),
    ...(r.wouldStore.length ? [`would store in the settings: ${r.wouldStore.join(', ')}`] : []),
    ...(r.problems.length ? ['problems:', ...r.problems.flatMap((p) => [`  ${p.key}: ${p.message}`, `    fix: ${p.fix}`])] : []),
    ...(r.error ? [`stopped: ${r.error}`] : []),
  ];
}
