// Stamps a template's rows out for one account: the template's placeholders become the account's domain,
// name, HQ and ICP score, every timestamp moves by the account's shift, and row ids are renumbered with
// the references between rows (event ids, timer ids in idempotency keys) following them.
import type Database from 'better-sqlite3';
import { ICP_SENTINEL, STAMPED_TABLES, type StampedTable, type Template } from './templates.js';

/** Slots filled per account: 0 domain, 1 name, 2 hq, 3 icp, 4… the template's timestamps, shifted. */
type Part = string | number;
type Cell =
  | { k: 'const'; v: unknown }
  | { k: 'text'; parts: Part[] }
  | { k: 'icp' }
  | { k: 'id'; table: 'events' | 'timers' | 'stage_history' | 'suppressions'; i: number }
  | { k: 'timerKey'; i: number };

export type CompiledTemplate = {
  template: Template;
  dates: number[];
  tables: { table: StampedTable; columns: string[]; rows: Cell[][] }[];
  counts: Record<'events' | 'timers' | 'stage_history' | 'suppressions', number>;
};

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Columns holding another row's id, by the table that id belongs to. */
const REFS: Record<string, 'events' | 'timers'> = { entered_by: 'events', exited_by: 'events', armed_by: 'events', closed_by: 'events', event_id: 'events' };

export function compileTemplate(t: Template): CompiledTemplate {
  const dates: number[] = [];
  const dateSlot = new Map<string, number>();
  const icpInJson = `"icpScore":${JSON.stringify(ICP_SENTINEL)}`;
  const token = new RegExp(`(${ISO.source})|(${escapeRegExp(t.tokens.domain)})|(${escapeRegExp(t.tokens.name)})|(${escapeRegExp(t.tokens.hq)})|(${escapeRegExp(icpInJson)})`, 'g');
  const idIndex = {} as Record<string, Map<number, number>>;
  for (const table of ['events', 'timers', 'stage_history', 'suppressions'] as const) {
    idIndex[table] = new Map(t.rows[table].map((r, i) => [Number(r.id), i]));
  }
  const text = (s: string): Cell => {
    const parts: Part[] = [];
    let last = 0;
    for (const m of s.matchAll(token)) {
      if (m.index > last) parts.push(s.slice(last, m.index));
      if (m[1]) {
        let slot = dateSlot.get(m[1]);
        if (slot === undefined) { slot = 4 + dates.length; dates.push(Date.parse(m[1])); dateSlot.set(m[1], slot); }
        parts.push(slot);
      } else if (m[2]) parts.push(0);
      else if (m[3]) parts.push(1);
      else if (m[4]) parts.push(2);
      else { parts.push('"icpScore":'); parts.push(3); }
      last = m.index + m[0].length;
    }
    if (last < s.length) parts.push(s.slice(last));
    return parts.every((p) => typeof p === 'string') ? { k: 'const', v: s } : { k: 'text', parts };
  };
  const cell = (table: StampedTable, column: string, v: unknown): Cell => {
    if (column === 'id' && table !== 'accounts' && table !== 'actors') return { k: 'id', table: table as 'events', i: idIndex[table]!.get(Number(v))! };
    if (REFS[column] && v !== null) {
      const i = idIndex[REFS[column]]!.get(Number(v));
      if (i === undefined) throw new Error(`bench: ${table}.${column} = ${v} refers to a row outside the template`);
      return { k: 'id', table: REFS[column], i };
    }
    if (column === 'idempotency_key' && typeof v === 'string') {
      const timer = /^timer:(\d+)$/.exec(v);
      if (!timer) throw new Error(`bench: idempotency key "${v}" in a template; stamping would duplicate it`);
      return { k: 'timerKey', i: idIndex.timers!.get(Number(timer[1]))! };
    }
    if (v === ICP_SENTINEL) return { k: 'icp' };
    return typeof v === 'string' ? text(v) : { k: 'const', v };
  };
  const tables = STAMPED_TABLES.map((table) => {
    const rows = t.rows[table];
    const columns = rows[0] ? Object.keys(rows[0]) : [];
    return { table, columns, rows: rows.map((r) => columns.map((c) => cell(table, c, r[c]))) };
  }).filter((x) => x.rows.length > 0);
  const counts = { events: t.rows.events.length, timers: t.rows.timers.length, stage_history: t.rows.stage_history.length, suppressions: t.rows.suppressions.length };
  return { template: t, dates, tables, counts };
}

export type AccountIdentity = { domain: string; name: string; hq: string; icpScore: number };
export type IdCounters = Record<'events' | 'timers' | 'stage_history' | 'suppressions', number>;

/** Inserts (through `stmts`, one per table and column list) one account's rows; advances the id counters. */
export class Stamper {
  private stmts = new Map<string, Database.Statement>();
  constructor(private readonly sqlite: Database.Database, readonly next: IdCounters = { events: 1, timers: 1, stage_history: 1, suppressions: 1 }) {}

  private stmt(table: string, columns: string[]): Database.Statement {
    const key = `${table}(${columns.join(',')})`;
    let s = this.stmts.get(key);
    if (!s) {
      s = this.sqlite.prepare(`insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map(() => '?').join(', ')})`);
      this.stmts.set(key, s);
    }
    return s;
  }

  stamp(c: CompiledTemplate, who: AccountIdentity, shiftMs: number): void {
    const slots: (string | number)[] = [who.domain, who.name, who.hq, who.icpScore];
    for (const d of c.dates) slots.push(new Date(d + shiftMs).toISOString());
    const base = { ...this.next };
    const values: unknown[] = [];
    for (const t of c.tables) {
      const stmt = this.stmt(t.table, t.columns);
      for (const row of t.rows) {
        values.length = 0;
        for (const cell of row) {
          switch (cell.k) {
            case 'const': values.push(cell.v); break;
            case 'icp': values.push(who.icpScore); break;
            case 'id': values.push(base[cell.table] + cell.i); break;
            case 'timerKey': values.push(`timer:${base.timers + cell.i}`); break;
            case 'text': {
              let s = '';
              for (const p of cell.parts) s += typeof p === 'string' ? p : slots[p];
              values.push(s);
              break;
            }
          }
        }
        stmt.run(values);
      }
    }
    for (const k of Object.keys(c.counts) as (keyof IdCounters)[]) this.next[k] += c.counts[k];
  }
}
