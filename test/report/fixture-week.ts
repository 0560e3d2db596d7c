// A handmade ladder for the week 2026-W16 (Mon 13 – Sun 19 April 2026), built through the real engine
// (addAccount + submit + sweep), small enough to compute every number of the report by hand.
// The hand computation is written out in test/report/fixture-week.test.ts.
import type { Engine } from '../../src/engine/engine.js';
import { sweep } from '../../src/engine/sweep.js';
import type { LadderCommandEvent } from '../../machines/events.js';
import type { AccountFacts, BuyingScore } from '../../machines/types.js';
import { PASSING_FACTS, SYSTEM } from '../helpers/store.js';

export const FIXTURE_NOW = '2026-04-20T09:00:00.000Z';
export const FIXTURE_WEEK = '2026-W16';

const ops = { by: 'ana', role: 'sales.ops' as const };
const cro = { by: 'marcus', role: 'cro' as const };
/** G1 fails (80 employees < 100, LQ 3.1); every other gate passes: one gate the CRO may override. */
const FAILS_G1: AccountFacts = { ...PASSING_FACTS, employees: 80 };
const at = (day: string, time = '10:00') => `2026-${day}T${time}:00.000Z`;
const three: Record<'S1' | 'S2' | 'S3' | 'S4', BuyingScore> = { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' };
const two: Record<'S1' | 'S2' | 'S3' | 'S4', BuyingScore> = { S1: 'LIKELY', S2: 'UNVERIFIED', S3: 'LIKELY', S4: 'NOT_PRESENT' };

export function buildFixtureWeek(engine: Engine): void {
  let n = 0;
  const add = (domain: string, name: string, when: string, facts: AccountFacts = PASSING_FACTS) =>
    engine.addAccount({ domain, name, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts }, { ...ops, at: when, now: when, source: 'cli' });
  const send = (account: string, when: string, body: Record<string, unknown>, who: { by: string; role: 'sales.ops' | 'cro' } = ops) =>
    engine.submit({ account, source: 'cli', now: when, event: { ...body, at: when, ...who } as LadderCommandEvent });
  const signal = (account: string, when: string, code: string, extra: Record<string, unknown> = {}) =>
    send(account, when, { type: 'SIGNAL', signal: { id: `s${++n}`, code, contact: `https://linkedin.com/in/${account.split('.')[0]}`, at: when, ...(code === 'E1' ? { interaction: 'comment' } : {}), ...extra } });

  // W13: golf.com requests a Briefing (E4): auto-SQL, straight to SQL: confirmed; nothing since.
  add('golf.com', 'Golf', at('03-25'));
  signal('golf.com', at('03-25'), 'E4');

  // W14: the rest of the fleet arrives; alpha becomes MQL; india passes through a CRO override of G1.
  add('alpha.com', 'Alpha', at('04-01'));
  for (const [d, name] of [['bravo.com', 'Bravo'], ['charlie.com', 'Charlie'], ['delta.com', 'Delta'], ['foxtrot.com', 'Foxtrot'], ['hotel.com', 'Hotel'], ['juliet.com', 'Juliet']] as const) add(d, name, at('04-01'));
  add('echo.com', 'Echo', at('04-01'), FAILS_G1);
  add('india.com', 'India', at('04-01'), FAILS_G1);
  signal('alpha.com', at('04-01'), 'E1');
  signal('india.com', at('04-02', '09:00'), 'E1');
  send('india.com', at('04-02'), { type: 'CRO_OVERRIDE', gate: 'G1', justification: '80 people but the densest partner ecosystem we track', compensatingSignals: ['AWS and Azure co-sell', 'named partner exec'] }, cro);

  // W15: bravo becomes MQL.
  signal('bravo.com', at('04-06'), 'E2');

  // W16, Monday: charlie and delta become MQL; echo signals but its G1 fails, so it stays PROSPECT.
  signal('charlie.com', at('04-13'), 'E5');
  signal('delta.com', at('04-13'), 'E1');
  signal('echo.com', at('04-13'), 'E2');
  // Tuesday: alpha's dossier (3 of 4) → SQL: review; the CRO overrides echo's G1 → MQL; foxtrot DMs (E3) →
  // SQL: dossier; hotel's E9 note, captured last Friday, is filed only now (classification SLA missed).
  send('alpha.com', at('04-14'), { type: 'DOSSIER', scores: three });
  send('echo.com', at('04-14'), { type: 'CRO_OVERRIDE', gate: 'G1', justification: 'spun out of a Tier 1 partner, same team', compensatingSignals: ['named exec referral'] }, cro);
  signal('foxtrot.com', at('04-14'), 'E3');
  signal('hotel.com', at('04-14'), 'E9', { at: at('04-10') });
  // Wednesday: the CRO confirms alpha before its review deadline; charlie's dossier has 2 of 4 (stays MQL);
  // the sweep flags foxtrot's dossier SLA (due Wednesday 10:00).
  send('alpha.com', at('04-15', '09:00'), { type: 'CRO_CONFIRM' }, cro);
  send('charlie.com', at('04-15'), { type: 'DOSSIER', scores: two });
  sweep(engine, { now: at('04-15', '12:00'), as: SYSTEM });
  // Thursday: alpha's Briefing is scheduled; delta's and foxtrot's dossiers (3 of 4) → SQL: review.
  send('alpha.com', at('04-16'), { type: 'BRIEFING_SCHEDULED' });
  send('delta.com', at('04-16'), { type: 'DOSSIER', scores: three });
  send('foxtrot.com', at('04-16'), { type: 'DOSSIER', scores: three });
  // Friday: the CRO disputes foxtrot in time (→ MQL); delta's review deadline passes and the sweep flags it.
  send('foxtrot.com', at('04-17', '09:00'), { type: 'CRO_DISPUTE', reason: 'S2 restructuring is a rumour' }, cro);
  sweep(engine, { now: at('04-17', '12:00'), as: SYSTEM });
  // Monday of W17: the morning sweep (nothing due: golf's 30-day regression falls due on 24 April).
  sweep(engine, { now: FIXTURE_NOW, as: SYSTEM });
}
