// `ladder demo`, the newcomer's first command: it creates ./ladder-demo.db in the working folder and
// its summary agrees with what the database holds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LadderCli, readRows } from '../helpers/cli.js';

type Summary = {
  db: string; accounts: number; days: number; events: number; refused: number; timersFired: number; slaBreaches: number;
  transitions: Record<string, number>; counts: Record<string, number>;
};
type Row = { account: string; stage: string; substate: string | null };

let cli: LadderCli;
let summary: Summary;
const demoDb = () => join(cli.dir, 'ladder-demo.db');

beforeAll(() => {
  cli = new LadderCli();
  // No --db: the demo picks ./ladder-demo.db in the working folder.
  summary = cli.json<Summary>(['demo', '--accounts', '50', '--days', '30'], { db: null });
});
afterAll(() => cli?.cleanup());

describe('ladder demo --accounts 50 --days 30 --json', () => {
  it('creates ladder-demo.db in the working folder', () => {
    expect(existsSync(demoDb())).toBe(true);
    expect(summary).toMatchObject({ db: demoDb(), accounts: 50, days: 30 });
  });

  it('reports stage counts equal to the database’s (list --json)', () => {
    const rows = cli.json<Row[]>(['list'], { db: demoDb() });
    expect(rows).toHaveLength(50);
    const counted: Record<string, number> = {};
    for (const r of rows) {
      const k = r.substate ? `${r.stage}.${r.substate}` : r.stage;
      counted[k] = (counted[k] ?? 0) + 1;
    }
    expect(summary.counts).toEqual(counted);
    // A month of the daily routine moves some accounts off PROSPECT.
    expect(Object.keys(counted).length).toBeGreaterThan(1);
  });

  it('reports events, refusals and fired timers equal to the database’s', () => {
    const q = (sql: string) => readRows<{ n: number }>(demoDb(), sql)[0]!.n;
    expect({
      events: q('select count(*) as n from events'),
      refused: q('select count(*) as n from refusals'),
      timersFired: q("select count(*) as n from timers where status = 'fired'"),
      slaBreaches: q("select count(*) as n from events where type like 'xstate.after.%\\_SLA.%' escape '\\'"),
    }).toEqual({ events: summary.events, refused: summary.refused, timersFired: summary.timersFired, slaBreaches: summary.slaBreaches });
  });
});
