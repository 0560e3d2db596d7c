// `ladder history ACCOUNT --diagram out.svg`: the ladder with the path one account took, dated.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweep } from '../../src/engine/sweep.js';
import { accountPathDot, pathSteps, writeAccountPathDiagram } from '../../src/diagram/path.js';
import { ladderGraph } from '../../src/diagram/model.js';
import { createLadderMachine } from '../../machines/ladder.js';
import { DEFAULT_RULES } from '../../machines/rules/config.js';
import { PASSING_FACTS, SYSTEM, day, tempEngine } from '../helpers/store.js';

const T0 = '2026-03-02T10:00:00.000Z';
let env: ReturnType<typeof tempEngine> | undefined;
afterEach(() => { env?.cleanup(); env = undefined; });

function climbAndRegress() {
  env = tempEngine();
  const { engine } = env;
  const ops = { by: 'ana', role: 'sales.ops' as const };
  const cro = { by: 'marcus', role: 'cro' as const };
  engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...ops, at: T0, source: 'cli', now: T0 });
  const submit = (at: string, event: Record<string, unknown>, who: { by: string; role: 'sales.ops' | 'cro' } = ops) =>
    engine.submit({ account: 'acme.com', source: 'cli', now: at, event: { ...event, ...who, at } as never });
  submit(day(T0, 1), { type: 'SIGNAL', signal: { id: 's1', code: 'E1', interaction: 'comment', contact: 'https://www.linkedin.com/in/jane-doe', at: day(T0, 1) } });
  submit(day(T0, 3), { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'LIKELY', S3: 'LIKELY', S4: 'NOT_PRESENT' } });
  submit(day(T0, 4), { type: 'CRO_FLAG' }, cro);
  sweep(engine, { now: day(T0, 40), as: SYSTEM }); // 30 days without engagement from SQL entry on day 3: back to MQL on day 33
  return engine;
}

describe('one account\'s path through the ladder', () => {
  it('reads the moves from the event log and finds the machine transition each one took', () => {
    const engine = climbAndRegress();
    const steps = pathSteps(ladderGraph(engine.machine, engine.rules), engine.store.sqlite.prepare(
      'select seq, at, type, stage_before as "from", stage_after as "to" from events where account = ? order by seq',
    ).all('acme.com') as never);
    expect(steps.map((s) => [s.step, s.at.slice(0, 10), s.event.replace(/\.ladder.*/, ''), s.from, s.to, s.transition])).toEqual([
      [1, '2026-03-02', 'ACCOUNT_ADDED', null, 'PROSPECT', '__start'],
      // Machine v2: a new classification lands in MQL: dossier; the DOSSIER_SLA / REVIEW_SLA timers that fire on
      // the way only flag a breach (the account stays), so they are not moves.
      [2, '2026-03-03', 'SIGNAL', 'PROSPECT', 'MQL.dossier', 'PROSPECT SIGNAL #2'],
      // DOSSIER is declared on MQL itself: the move from MQL: dossier is matched through its parent.
      [3, '2026-03-05', 'DOSSIER', 'MQL.dossier', 'SQL.review', 'MQL DOSSIER #0'],
      [4, '2026-03-06', 'CRO_FLAG', 'SQL.review', 'SQL.confirmed', 'SQL.review CRO_FLAG #0'],
      // The timer is declared on SQL itself: the move from SQL: confirmed is matched through its parent; it
      // targets MQL, which the account enters at its initial sub-state, MQL: nurture.
      [5, '2026-04-04', 'xstate.after.SQL_STALE', 'SQL.confirmed', 'MQL.nurture', 'SQL xstate.after.SQL_STALE.ladder.SQL #0'],
    ]);
  });

  it('writes an SVG with the path highlighted and each step dated', async () => {
    const engine = climbAndRegress();
    const out = join(env!.path, '..', 'acme-path.svg');
    const { steps } = await writeAccountPathDiagram(engine, 'acme.com', out);
    // Graphviz writes '-' in text as &#45;.
    const svg = readFileSync(out, 'utf8').replace(/&#45;/g, '-');
    expect(steps).toHaveLength(5);
    expect(svg).toContain('acme.com: path through the ladder (last move 2026-04-04)');
    for (const caption of ['1 · 2026-03-02 added', '2 · 2026-03-03', '3 · 2026-03-05', '4 · 2026-03-06', '5 · 2026-04-04', 'now, since 2026-04-04']) {
      expect(svg).toContain(caption);
    }
    // The path's arrows are drawn in the path colour, the rest faded.
    expect(svg.match(/stroke="#d97706" stroke-width="3"/g)?.length).toBeGreaterThanOrEqual(4);
    expect(svg).toContain('stroke="#c7ccd4"');
  });

  it('draws a move the machine no longer has as an extra dashed arrow instead of dropping it', () => {
    const { dot, steps } = accountPathDot(createLadderMachine(DEFAULT_RULES), DEFAULT_RULES, 'old.com', [
      { seq: 1, at: T0, type: 'ACCOUNT_ADDED', from: null, to: 'PROSPECT' },
      { seq: 2, at: day(T0, 1), type: 'TELEPORT', from: 'PROSPECT', to: 'WON' },
    ]);
    expect(steps[1]!.transition).toBeNull();
    expect(dot).toContain('"PROSPECT" -> "WON" [style=dashed');
    expect(dot).toContain('2 · 2026-03-03 TELEPORT');
  });
});
