// `ladder demo`: a small synthetic fleet living 120 days of the daily routine (signals, dossiers, CRO
// decisions, Briefings, the sweep). Every step goes through the engine, exactly as the CLI's would.
import type { Engine } from '../engine/engine.js';
import { RefusedError } from '../engine/errors.js';
import { sweep } from '../engine/sweep.js';
import { stageCounts } from '../queries.js';
import { listAccounts } from '../queries.js';
import type { BuyingScore, SignalCode, E1Interaction } from '../../machines/types.js';
import type { LadderCommandEvent, Role } from '../../machines/events.js';
import { makeCompany, type FleetAccount } from './fleet.js';
import { rng } from './random.js';
import { delayOf } from '../../machines/timers.js';

export type DemoOptions = { accounts: number; days: number; seed: number; start: string; onDay?: (day: number, at: string, counts: Record<string, number>) => void | Promise<void> };
export type DemoSummary = {
  accounts: number; days: number; seed: number; start: string; end: string;
  events: number; refused: number; timersFired: number; slaBreaches: number;
  transitions: Record<string, number>; counts: Record<string, number>;
};

const DAY = 86_400_000;
const SIGNAL_MIX: [SignalCode, number][] = [['E1', 40], ['E2', 14], ['E5', 10], ['E9', 4], ['E3', 8], ['E4', 3], ['E6', 6], ['E7', 4], ['E10', 3]];
const INTERACTIONS: [E1Interaction, number][] = [['like', 45], ['comment', 30], ['share', 15], ['save', 10]];
const SCORES: [BuyingScore, number][] = [['CONFIRMED', 25], ['LIKELY', 35], ['UNVERIFIED', 25], ['NOT_PRESENT', 15]];

export async function runDemo(engine: Engine, opts: DemoOptions): Promise<DemoSummary> {
  const r = rng(opts.seed);
  const startMs = Date.parse(opts.start);
  const ops = { by: 'sales.ops', role: 'sales.ops' as const };
  const cro = { by: 'cro', role: 'cro' as const };
  const fleet: FleetAccount[] = [];
  const summary: DemoSummary = { accounts: opts.accounts, days: opts.days, seed: opts.seed, start: new Date(startMs).toISOString(), end: '', events: 0, refused: 0, timersFired: 0, slaBreaches: 0, transitions: {}, counts: {} };
  let sig = 0;

  const send = (account: string, body: Record<string, unknown>, at: string, who: { by: string; role: Role } = ops) => {
    const moved = (before: { stage: string }, after: { stage: string }) => {
      if (before.stage === after.stage) return;
      const k = `${before.stage}→${after.stage}`;
      summary.transitions[k] = (summary.transitions[k] ?? 0) + 1;
    };
    try {
      const a = engine.submit({ account, source: 'demo', now: at, event: { ...body, at, ...who } as LadderCommandEvent });
      // Timers of the account that fell due since the last sweep fire first, dated when they fell due.
      for (const t of a.caughtUp) {
        summary.events++;
        summary.timersFired++;
        if (delayOf(t.timerId)?.endsWith('_SLA')) summary.slaBreaches++;
        moved(t.before, t.after);
      }
      summary.events++;
      moved(a.before, a.after);
    } catch (err) {
      if (!(err instanceof RefusedError)) throw err;
      summary.refused++;
    }
  };

  const created = new Date(startMs).toISOString();
  for (let i = 0; i < opts.accounts; i++) {
    const c = makeCompany(r, i, created, engine.rules);
    fleet.push(c);
    engine.addAccount({ domain: c.domain, name: c.name, hq: c.hq, tier: c.tier, icpScore: c.icpScore, facts: c.facts }, { ...ops, at: created, now: created, source: 'demo' });
    summary.events++;
  }

  for (let d = 1; d <= opts.days; d++) {
    const dayMs = startMs + d * DAY;
    const weekday = new Date(dayMs).getUTCDay();
    const at = (h: number) => new Date(dayMs + h * 3_600_000).toISOString();
    if (weekday !== 0 && weekday !== 6) {
      for (const c of fleet) {
        if (!r.chance(0.035)) continue;
        const code = r.weighted(SIGNAL_MIX);
        const when = at(r.int(0, 7));
        const signal = { id: `demo-${++sig}`, code, contact: r.pick(c.contacts), at: when, ...(code === 'E1' ? { interaction: r.weighted(INTERACTIONS) } : {}) };
        send(c.domain, { type: 'SIGNAL', signal }, when);
      }
      const byStage = (stage: string, substate?: string) => listAccounts(engine, { stage, substate }).map((x) => x.account);
      // HO 4.3: a new MQL's dossier is due within a business day; sales.ops compiles most of them in time.
      for (const a of [...byStage('MQL', 'dossier').filter(() => r.chance(0.7)), ...byStage('MQL', 'nurture').filter(() => r.chance(0.1)), ...byStage('SQL', 'dossier').filter(() => r.chance(0.7))]) {
        send(a, { type: 'DOSSIER', scores: { S1: r.weighted(SCORES), S2: r.weighted(SCORES), S3: r.weighted(SCORES), S4: r.weighted(SCORES) } }, at(8));
      }
      for (const a of byStage('SQL', 'review').filter(() => r.chance(0.6))) {
        const pick = r.weighted([['CRO_CONFIRM', 60], ['CRO_DISPUTE', 25], ['CRO_FLAG', 15]] as const);
        send(a, pick === 'CRO_DISPUTE' ? { type: pick, reason: 'buying signals overstated' } : { type: pick }, at(9), cro);
      }
      for (const a of byStage('SQL', 'confirmed').filter(() => r.chance(0.5))) send(a, { type: 'BRIEFING_SCHEDULED', scheduledFor: at(24 * 5) }, at(9));
      for (const a of byStage('BRIEFING_READY').filter(() => r.chance(0.3))) {
        const s = engine.load(a)!.snapshot.context as { briefing: { completedAt: string | null } | null; tier: string };
        if (!s.briefing?.completedAt) send(a, { type: 'BRIEFING_COMPLETED' }, at(10));
        else if (s.tier === 'Tier 1' || s.tier === 'Tier 2') send(a, r.chance(0.7) ? { type: 'ASSESSMENT_QUALIFIED' } : { type: 'ASSESSMENT_LOST', reason: 'no budget this year' }, at(10));
        else send(a, { type: 'ASSESSMENT_LOST', reason: 'not Assessment tier' }, at(10));
      }
      for (const a of byStage('ASSESSMENT_QUALIFIED').filter(() => r.chance(0.2))) {
        send(a, r.chance(0.45) ? { type: 'ASSESSMENT_WON' } : { type: 'ASSESSMENT_LOST', reason: 'chose a competitor' }, at(11));
      }
      if (r.chance(0.1)) {
        const c = r.pick(fleet);
        send(c.domain, { type: 'DISQUALIFY', reason: r.pick(['acquired', 'opt-out', 'no-ecosystem', 'bankruptcy'] as const) }, at(12));
      }
    }
    const swept = sweep(engine, { now: at(23), as: ops, source: 'demo' });
    summary.timersFired += swept.fired;
    // A timer the machine no longer accepts is closed with a refusal record.
    summary.refused += swept.skipped;
    summary.slaBreaches += swept.slaBreaches;
    for (const [k, v] of Object.entries(swept.transitions)) summary.transitions[k] = (summary.transitions[k] ?? 0) + v;
    summary.events += swept.fired;
    await opts.onDay?.(d, at(23), stageCounts(engine));
    summary.end = at(23);
  }
  summary.counts = stageCounts(engine);
  return summary;
}
