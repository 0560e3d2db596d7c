// Fleet templates: a few life stories per stage, each lived by the REAL engine (engine.addAccount,
// engine.submit, sweep) on an in-memory store. The generator then stamps the rows the engine wrote out to
// many accounts, so every stored row is one the engine itself would write.
import type { Engine } from '../src/engine/engine.js';
import { openLadder } from '../src/ladder.js';
import { sweep } from '../src/engine/sweep.js';
import type { Store } from '../src/store/open.js';
import { DEFAULT_RULES, type RulesConfig } from '../machines/rules/config.js';
import { evaluateGates, gatesPassing } from '../machines/rules/gates.js';
import { assessmentTierQualifies } from '../machines/rules/tier.js';
import type { LadderCommandEvent } from '../machines/events.js';
import type { E1Interaction, SignalCode } from '../machines/types.js';
import { makeCompany, type FleetAccount } from '../src/demo/fleet.js';
import { rng } from '../src/demo/random.js';
import type { StoryName } from './fleet-plan.js';

export type Row = Record<string, unknown>;
/** The tables a story may write; any other table holding rows afterwards stops the bench (see stamp.ts). */
export const STAMPED_TABLES = ['accounts', 'actors', 'events', 'stage_history', 'timers', 'suppressions'] as const;
export type StampedTable = (typeof STAMPED_TABLES)[number];

/** Placeholders the stamper replaces per account (they occur nowhere else). */
export type Tokens = { domain: string; name: string; hq: string };
/** The template's ICP score: a sentinel the stamper swaps for the account's own score. */
export const ICP_SENTINEL = 12.3456789;

export type Template = {
  story: StoryName;
  variant: number;
  tokens: Tokens;
  rows: Record<StampedTable, Row[]>;
  stage: string;
  /** The latest instant the story recorded (event times, recorded times). */
  lastMs: number;
  /** Due times of the timers still pending at the end of the story, ascending. */
  pendingDue: number[];
  /**
   * A business-day SLA timer was armed at some point: a shift must then keep weekday and time of day
   * (whole weeks), or the stored due times would not be what the engine computes (no holidays assumed).
   */
  weekAligned: boolean;
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Monday, 00:00Z: variant j of a story starts j × VARIANT_STEP later. */
const BASE = Date.parse('2025-01-06T00:00:00.000Z');
const VARIANT_STEP = 3 * HOUR;
/** 56 starts, every 3 hours of one week: whole-week shifts of them reach any due window of a day. */
export const VARIANTS = 56;

type Who = 'ops' | 'cro';
type Driver = {
  add(h: number): void;
  signal(h: number, code: SignalCode, opts?: { interaction?: E1Interaction; contact?: number }): void;
  send(h: number, body: Record<string, unknown>, who?: Who): void;
  /** The next daily sweep (06:00Z) at or after the earliest pending timer: it fires. */
  sweepNextTimer(): void;
};
type Story = { company: 'any' | 'passing' | 'failing' | 'assessment'; stage: string; live(d: Driver): void };

const likely = { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' };
const weak = { S1: 'LIKELY', S2: 'UNVERIFIED', S3: 'LIKELY', S4: 'NOT_PRESENT' };
const weak2 = { S1: 'LIKELY', S2: 'UNVERIFIED', S3: 'UNVERIFIED', S4: 'NOT_PRESENT' };

function toReview(d: Driver) {
  d.add(0);
  d.signal(2, 'E1', { interaction: 'comment' });
  d.send(48, { type: 'DOSSIER', scores: likely });
}
function toConfirmed(d: Driver) {
  toReview(d);
  d.send(52, { type: 'CRO_CONFIRM' }, 'cro');
}
function toBriefingReady(d: Driver, scheduledForH: number) {
  toConfirmed(d);
  d.send(72, { type: 'BRIEFING_SCHEDULED', scheduledFor: scheduledForH });
}
function toAssessment(d: Driver) {
  toBriefingReady(d, 24 * 7);
  d.send(24 * 8, { type: 'BRIEFING_COMPLETED' });
  d.send(24 * 9, { type: 'ASSESSMENT_QUALIFIED' });
}

/** Hours are offsets from the variant's start. `scheduledFor` given in hours is turned into a date. */
export const STORIES: Record<StoryName, Story> = {
  'prospect-new': { company: 'any', stage: 'PROSPECT', live: (d) => d.add(0) },
  'prospect-like-only': { company: 'passing', stage: 'PROSPECT', live: (d) => { d.add(0); d.signal(26, 'E1', { interaction: 'like' }); } },
  'prospect-gates-fail': { company: 'failing', stage: 'PROSPECT', live: (d) => { d.add(0); d.signal(30, 'E2'); } },
  'prospect-after-mql-stale': {
    company: 'passing', stage: 'PROSPECT',
    // A thin dossier first (MQL nurture: no dossier SLA left), so the next timer is the 90-day regression.
    live: (d) => { d.add(0); d.signal(3, 'E1', { interaction: 'comment' }); d.send(6, { type: 'DOSSIER', scores: weak2 }); d.sweepNextTimer(); },
  },
  // A new MQL owes its dossier (HO 4.3): MQL.dossier, its SLA timer pending.
  'mql-fresh': { company: 'passing', stage: 'MQL.dossier', live: (d) => { d.add(0); d.signal(2, 'E1', { interaction: 'comment' }); } },
  'mql-engaged-twice': {
    company: 'passing', stage: 'MQL.dossier',
    // Two contacts: one contact twice within 30 days would be a repeat engagement (E8) and fast-track to SQL.
    live: (d) => { d.add(0); d.signal(2, 'E2', { contact: 0 }); d.signal(24 * 20, 'E5', { contact: 1 }); },
  },
  'mql-dossier-failed': {
    company: 'passing', stage: 'MQL.nurture',
    live: (d) => { d.add(0); d.signal(2, 'E3'); d.send(26, { type: 'DOSSIER', scores: weak }); },
  },
  'mql-disputed': {
    company: 'passing', stage: 'MQL.nurture',
    live: (d) => { toReview(d); d.send(50, { type: 'CRO_DISPUTE', reason: 'buying signals overstated' }, 'cro'); },
  },
  'mql-after-sql-stale': {
    company: 'passing', stage: 'MQL.nurture',
    live: (d) => {
      d.add(0); d.signal(2, 'E3'); d.send(20, { type: 'DOSSIER', scores: likely }); d.send(22, { type: 'CRO_CONFIRM' }, 'cro');
      d.sweepNextTimer();
    },
  },
  'sql-dossier-sla-pending': { company: 'passing', stage: 'SQL.dossier', live: (d) => { d.add(0); d.signal(2, 'E3'); } },
  'sql-dossier-sla-breached': { company: 'passing', stage: 'SQL.dossier', live: (d) => { d.add(0); d.signal(2, 'E3'); d.sweepNextTimer(); } },
  'sql-review-sla-pending': { company: 'passing', stage: 'SQL.review', live: (d) => toReview(d) },
  'sql-review-sla-breached': { company: 'passing', stage: 'SQL.review', live: (d) => { toReview(d); d.sweepNextTimer(); } },
  'sql-confirmed': { company: 'passing', stage: 'SQL.confirmed', live: (d) => toConfirmed(d) },
  'sql-confirmed-briefing-request': { company: 'passing', stage: 'SQL.confirmed', live: (d) => { d.add(0); d.signal(2, 'E4'); } },
  'briefing-ready': { company: 'passing', stage: 'BRIEFING_READY', live: (d) => toBriefingReady(d, 24 * 10) },
  'assessment-qualified': { company: 'assessment', stage: 'ASSESSMENT_QUALIFIED', live: (d) => toAssessment(d) },
  won: { company: 'assessment', stage: 'WON', live: (d) => { toAssessment(d); d.send(24 * 40, { type: 'ASSESSMENT_WON' }); } },
  'disqualified-no-ecosystem': { company: 'any', stage: 'DISQUALIFIED', live: (d) => { d.add(0); d.send(24 * 5, { type: 'DISQUALIFY', reason: 'no-ecosystem' }); } },
  'disqualified-opt-out': {
    company: 'passing', stage: 'DISQUALIFIED',
    live: (d) => { d.add(0); d.signal(2, 'E1', { interaction: 'comment' }); d.send(24 * 3, { type: 'DISQUALIFY', reason: 'opt-out' }); },
  },
  recycled: { company: 'assessment', stage: 'RECYCLED', live: (d) => { toAssessment(d); d.send(24 * 30, { type: 'ASSESSMENT_LOST', reason: 'chose a competitor' }); } },
  archived: { company: 'any', stage: 'ARCHIVED', live: (d) => { d.add(0); d.send(24 * 10, { type: 'ARCHIVE' }); } },
};

/** Seeded companies from the demo's fleet generator, sorted by what their facts allow. */
function companyPools(seed: number, rules: RulesConfig) {
  const r = rng(seed ^ 0x5eed);
  const at = new Date(BASE).toISOString();
  const pools = { any: [] as FleetAccount[], passing: [] as FleetAccount[], failing: [] as FleetAccount[], assessment: [] as FleetAccount[] };
  for (let i = 0; i < 4000 && (pools.assessment.length < 64 || pools.failing.length < 64); i++) {
    const c = makeCompany(r, i, at, rules);
    pools.any.push(c);
    const pass = gatesPassing(evaluateGates(c.facts, [], at, rules)).pass;
    (pass ? pools.passing : pools.failing).push(c);
    if (pass && assessmentTierQualifies(c.tier)) pools.assessment.push(c);
  }
  for (const [k, v] of Object.entries(pools)) if (v.length === 0) throw new Error(`bench: no seeded company fits the "${k}" stories; the gates changed?`);
  return pools;
}

const iso = (ms: number) => new Date(ms).toISOString();
const nextDailySweep = (ms: number) => {
  const six = Math.floor(ms / DAY) * DAY + 6 * HOUR;
  return six >= ms ? six : six + DAY;
};

function liveStory(store: Store, engine: Engine, story: Story, tokens: Tokens, company: FleetAccount, startMs: number) {
  // E-mail contacts at the account's own domain: the stamper swaps the domain token, and the key stays canonical.
  const contacts = [0, 1, 2].map((k) => `contact${k}@${tokens.domain}`);
  let signals = 0;
  const who = { ops: { by: 'sales.ops', role: 'sales.ops' }, cro: { by: 'cro', role: 'cro' } } as const;
  const at = (h: number) => iso(startMs + h * HOUR);
  const driver: Driver = {
    add: (h) => {
      engine.addAccount(
        { domain: tokens.domain, name: tokens.name, hq: tokens.hq, tier: company.tier, icpScore: ICP_SENTINEL, facts: company.facts },
        { by: 'sales.ops', role: 'sales.ops', at: at(h), now: at(h), source: 'import' },
      );
    },
    signal: (h, code, opts = {}) => {
      const n = ++signals;
      const signal = {
        id: `${tokens.domain}-s${n}`, code, at: at(h), contact: contacts[(opts.contact ?? n - 1) % contacts.length]!,
        ...(opts.interaction ? { interaction: opts.interaction } : {}),
      };
      driver.send(h, { type: 'SIGNAL', signal });
    },
    send: (h, body, w = 'ops') => {
      const event = { ...body, at: at(h), ...who[w] } as Record<string, unknown>;
      if (typeof event.scheduledFor === 'number') event.scheduledFor = at(event.scheduledFor);
      engine.submit({ account: tokens.domain, source: 'cli', now: at(h), event: event as LadderCommandEvent });
    },
    sweepNextTimer: () => {
      const next = store.sqlite.prepare(`select min(due_at) as due from timers where status = 'pending'`).get() as { due: string | null };
      if (!next.due) throw new Error('bench: story sweeps, but no timer is pending');
      sweep(engine, { now: iso(nextDailySweep(Date.parse(next.due))), as: { by: 'system', role: 'system' }, source: 'bench' });
    },
  };
  story.live(driver);
}

/** Lives every story VARIANTS times (different start, different seeded company) and keeps the rows. */
export function buildTemplates(seed: number, rules: RulesConfig = DEFAULT_RULES): Map<StoryName, Template[]> {
  const pools = companyPools(seed, rules);
  const r = rng(seed ^ 0x7e3a);
  const out = new Map<StoryName, Template[]>();
  // One store, emptied after each story: a story's sweep must never meet another story's timers.
  const ladder = openLadder(':memory:', { mode: 'create', allowFuture: true });
  const { store, engine } = ladder;
  try {
    if (JSON.stringify(rules) !== JSON.stringify(engine.rules)) {
      engine.changeSettings((s) => ({ ...s, rules }), { by: 'system', role: 'sales.ops', now: new Date(0).toISOString(), change: 'bench rules', source: 'bench' });
    }
    const tables = userTables(store);
    let n = 0;
    for (const [name, story] of Object.entries(STORIES) as [StoryName, Story][]) {
      const variants: Template[] = [];
      for (let v = 0; v < VARIANTS; v++) {
        const id = String(++n).padStart(5, '0');
        const tokens: Tokens = { domain: `tpl${id}.bench-template.invalid`, name: `Tplname${id}`, hq: `Tplhq${id}` };
        liveStory(store, engine, story, tokens, r.pick(pools[story.company]), BASE + v * VARIANT_STEP);
        const t = extract(store, tables, name, v, tokens, story.stage);
        variants.push(t);
        store.sqlite.pragma('foreign_keys = OFF');
        for (const table of tables) store.sqlite.exec(`delete from "${table}"`);
        store.sqlite.pragma('foreign_keys = ON');
        // A story that never armed a business-day timer is the same at every start: a few variants do.
        if (!t.weekAligned && v + 1 >= 8) break;
      }
      out.set(name, variants);
    }
  } finally {
    store.close();
  }
  return out;
}

function userTables(store: Store): string[] {
  // The settings and data-migration records belong to the database, not to a story: they stay.
  return (store.sqlite.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%' and name not in ('settings', 'data_migrations')`).all() as { name: string }[])
    .map((t) => t.name);
}

function extract(store: Store, tables: string[], story: StoryName, variant: number, tokens: Tokens, expected: string): Template {
  const { sqlite } = store;
  const rows = {} as Record<StampedTable, Row[]>;
  for (const t of tables) {
    const all = sqlite.prepare(`select * from "${t}" order by rowid`).all() as Row[];
    if ((STAMPED_TABLES as readonly string[]).includes(t)) rows[t as StampedTable] = all;
    else if (all.length) throw new Error(`bench: story ${story} wrote ${all.length} row(s) to table ${t}, which the generator does not stamp; teach bench/stamp.ts about it`);
  }
  const actor = rows.actors[0]!;
  const stage = actor.substate ? `${actor.stage}.${actor.substate}` : String(actor.stage);
  if (stage !== expected) throw new Error(`bench: story ${story} (variant ${variant}) ends at ${stage}, expected ${expected}; the machine changed? update bench/templates.ts`);
  const times = rows.events.flatMap((e) => [Date.parse(String(e.at)), Date.parse(String(e.recorded_at))]);
  times.push(Date.parse(String(actor.updated_at)));
  const pendingDue = rows.timers.filter((t) => t.status === 'pending').map((t) => Date.parse(String(t.due_at))).sort((a, b) => a - b);
  const weekAligned = rows.timers.some((t) => String(t.timer_id).includes('_SLA'));
  return { story, variant, tokens, rows, stage, lastMs: Math.max(...times), pendingDue, weekAligned };
}
