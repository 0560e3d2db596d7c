// `ladder runs`: the recorded sweeps and pushes, the server routine's and the CLI's, newest first, with what they
// did or why they were skipped; and `ladder sweep` refusing to run beside another sweep (the `sweep` lease).
// The built binary, on a real database file; the routine runs in this process on the same file, with a moved clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ladder } from '../../src/ladder.js';
import { startRoutine, type Routine, type RoutineLog } from '../../src/server/routine.js';
import { acquireLease, SWEEP_LEASE } from '../../src/store/lease.js';
import { LadderCli } from '../helpers/cli.js';
import { openTestLadder } from '../helpers/store.js';

const MON_0900 = '2026-04-06T09:00:00.000Z';
const quiet = { info: () => {}, warn: () => {}, error: () => {} } as unknown as RoutineLog;

type RunDoc = { command: string; startedAt: string; endedAt: string | null; outcome: string; host: string; pid: number; asOf: string | null; detail: string | null };

let cli: LadderCli;
let ladder: Ladder;
let routine: Routine;

beforeAll(async () => {
  cli = new LadderCli();
  cli.ok(['sweep'], { now: MON_0900, as: 'ana' });
  ladder = openTestLadder(cli.db);
  routine = startRoutine(ladder, { clock: () => Date.parse(MON_0900), log: quiet, timers: false });
  await routine.settled(); // nothing missed: the CLI swept as of 09:00, after the 06:00 slot
  await routine.runDue(Date.parse('2026-04-07T06:00:00.000Z'));
  const other = openTestLadder(cli.db);
  const held = await acquireLease(other.store, SWEEP_LEASE); // another server's sweep in flight
  await routine.runDue(Date.parse('2026-04-08T06:00:00.000Z'));
  held.release();
  other.close();
});
afterAll(async () => {
  await routine?.stop();
  ladder?.close();
  cli?.cleanup();
});

describe('ladder runs', () => {
  it('lists the recorded runs newest first: started, ended, outcome, command, host and pid, and what each did', () => {
    const lines = cli.ok(['runs']).stdout.trimEnd().split('\n');
    const ts = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(new RegExp(`^${ts}  ${ts}  skipped  routine sweep  \\(.+, pid ${process.pid}\\)$`));
    expect(lines[1]).toMatch(/^ {4}as of 2026-04-08T06:00:00\.000Z: another sweep is running: the sweep lease is held by pid \d+ on .+ since .+$/);
    expect(lines[2]).toMatch(new RegExp(`^${ts}  ${ts}  done     routine sweep  \\(.+, pid ${process.pid}\\)$`));
    expect(lines[3]).toBe('    as of 2026-04-07T06:00:00.000Z: 0 timers fired (0 SLA breaches flagged, 0 no longer accepted)');
    expect(lines[4]).toMatch(new RegExp(`^${ts}  ${ts}  done     ladder sweep --now ${MON_0900}  \\(.+, pid \\d+\\)$`));
    expect(lines[5]).toBe(`    as of ${MON_0900}: 0 timers fired (0 SLA breaches flagged, 0 no longer accepted)`);
  });

  it('--json is one document; --limit keeps the newest', () => {
    const doc = cli.json<{ runs: RunDoc[] }>(['runs', '--limit', '2']);
    expect(doc.runs.map((r) => [r.command, r.outcome, r.asOf])).toEqual([
      ['routine sweep', 'skipped', '2026-04-08T06:00:00.000Z'],
      ['routine sweep', 'done', '2026-04-07T06:00:00.000Z'],
    ]);
    expect(doc.runs[0]).toMatchObject({ pid: process.pid, endedAt: expect.any(String), startedAt: expect.any(String), host: expect.any(String) });
  });

  it('refuses a --limit that is not a whole number from 1 to 10000', () => {
    const r = cli.run(['runs', '--limit', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ladder: --limit: /);
  });
});

describe('ladder sweep beside another sweep', () => {
  it('waits for the sweep lease, then exits 2 naming its holder; nothing swept, nothing recorded', async () => {
    const held = await acquireLease(ladder.store, SWEEP_LEASE);
    const before = cli.query('select count(*) as n from runs');
    const saved = process.env.LADDER_BUSY_TIMEOUT_MS;
    process.env.LADDER_BUSY_TIMEOUT_MS = '300';
    try {
      const r = cli.run(['sweep'], { now: '2026-04-08T07:00:00.000Z', as: 'ana' });
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(new RegExp(`^ladder: the sweep lease is held by pid ${process.pid} on .+ since .+; waited 0\\.\\d s for it\\. Another sweep is running \\(the server's routine, or another ladder sweep\\); nothing was changed: run ladder sweep again when it has ended \\(ladder runs shows the sweeps\\)$`));
    } finally {
      if (saved === undefined) delete process.env.LADDER_BUSY_TIMEOUT_MS;
      else process.env.LADDER_BUSY_TIMEOUT_MS = saved;
      held.release();
    }
    expect(cli.query('select count(*) as n from runs')).toEqual(before);
    expect(cli.ok(['sweep'], { now: '2026-04-08T07:00:00.000Z', as: 'ana' }).code).toBe(0);
  });
});
