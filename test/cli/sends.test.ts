// The day's plan and deliverability (issue 15, HO 5.5), through the built `ladder` with a real SMTP server: 60
// touches due on a 25-a-day warm-up day → 25 sent in priority order (flagged high, Tier 1, fast-track first), 35
// rolled to the next business day and never dropped; a bounce rate of 6 % pauses every sequence with an
// escalation, and only sales.ops resumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSING_FACTS } from '../helpers/store.js';
import { LadderCli } from '../helpers/cli.js';
import { SMTP_PASSWORD, smtpSettings, startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { VALUES, approveList, approveTemplates } from '../helpers/sequences.js';
import type { Engine } from '../../src/engine/engine.js';
import type { Tier } from '../../machines/types.js';

const SCORES3 = { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' } as const;
const OPS = { by: 'ana', role: 'sales.ops' } as const;
const CRO = { by: 'marcus', role: 'cro' } as const;
const as = (who: string, now: string) => ({ as: who, now });

let smtp: TestSmtp;
beforeAll(async () => { smtp = await startSmtp(); process.env.LADDER_SMTP_PASSWORD = SMTP_PASSWORD; });
afterAll(async () => { await smtp?.close(); delete process.env.LADDER_SMTP_PASSWORD; });

function account(e: Engine, domain: string, tier: Tier, at: string, code = 'E1') {
  e.addAccount({ domain, name: domain, hq: 'Porto', tier, icpScore: 70, facts: PASSING_FACTS, extra: VALUES }, { ...OPS, now: at, source: 'cli' });
  e.submit({ account: domain, source: 'cli', now: at, event: { type: 'SIGNAL', at, ...OPS, signal: { id: `s:${domain}`, code, at, contact: `ceo@${domain}`, ...(code === 'E1' ? { interaction: 'comment' } : {}) } } as never });
}
const send = (e: Engine, domain: string, at: string, body: Record<string, unknown>, who: { by: string; role: string } = OPS) =>
  e.submit({ account: domain, source: 'cli', now: at, event: { ...body, at, ...who } as never });

describe('the daily cap (HO 5.5): over it, touches roll to the next business day in priority order, never dropped', () => {
  const MON = '2026-06-01T08:00:00.000Z';
  let cli: LadderCli;
  const flagged = Array.from({ length: 5 }, (_, i) => `flag${i}.com`);
  const fast = Array.from({ length: 5 }, (_, i) => `fast${i}.com`);
  const tier1 = Array.from({ length: 10 }, (_, i) => `t1-${i}.com`);
  const rest = Array.from({ length: 40 }, (_, i) => `t2-${String(i).padStart(2, '0')}.com`);
  beforeAll(() => {
    cli = new LadderCli();
    cli.ok(['settings', 'set', 'sequences.enabled', 'true'], as('ana', '2026-05-01T00:00:00.000Z'));
    cli.ok(['settings', 'set', 'sequences.smtp', smtpSettings(smtp.port)], as('ana', '2026-05-01T00:00:00.000Z'));
    cli.seed((s) => {
      const e = s.engine;
      // Created in the reverse of the priority order, so the order is the rule's, not the rows'.
      for (const d of rest) account(e, d, 'Tier 2', MON);
      for (const d of tier1) account(e, d, 'Tier 1', MON);
      for (const d of fast) { account(e, d, 'Tier 2', MON, 'E3'); send(e, d, MON, { type: 'DOSSIER', scores: SCORES3 }); send(e, d, MON, { type: 'CRO_CONFIRM' }, CRO); }
      for (const d of flagged) { account(e, d, 'Tier 2', MON); send(e, d, MON, { type: 'DOSSIER', scores: SCORES3 }); send(e, d, MON, { type: 'CRO_FLAG' }, CRO); }
      const [n1] = approveTemplates(e, 'Nurture-MQL', 1, MON);
      const [a1] = approveTemplates(e, 'Activation-SQL', 1, MON);
      approveList(e, n1!, [...rest, ...tier1].map((d) => ({ account: d, contact: `ceo@${d}` })), MON);
      approveList(e, a1!, [...fast, ...flagged].map((d) => ({ account: d, contact: `ceo@${d}` })), MON);
    });
  });
  afterAll(() => cli?.cleanup());

  it('60 touches due on a 25-a-day warm-up day: 25 sent (flagged high, Tier 1, fast-track, then the rest), 35 rolled', () => {
    cli.ok(['sweep'], as('ana', '2026-06-01T10:00:00.000Z'));
    expect(cli.query("select count(*) as n from sends where status = 'planned' and planned_for = '2026-06-01'")).toEqual([{ n: 60 }]);
    const first = smtp.received.length;
    const run = cli.json<{ sent: { account: string }[]; plan: { cap: number; queued: number; rolled: number } }>(['sends', 'run'], as('ana', '2026-06-01T10:00:00.000Z'));
    expect(run.plan).toMatchObject({ cap: 25, queued: 25, rolled: 35 });
    expect(smtp.received.length - first).toBe(25);
    const sent = run.sent.map((x) => x.account);
    expect(sent.slice(0, 20)).toEqual([...flagged, ...tier1, ...fast]);
    expect(sent.slice(20)).toEqual(rest.slice(0, 5));
    const rolled = cli.query<{ account: string; planned_for: string; rolls: number; detail: string }>("select account, planned_for, rolls, detail from sends where status = 'planned' order by rank, due_at, id");
    expect(rolled).toHaveLength(35);
    expect(rolled.every((r) => r.planned_for === '2026-06-02' && r.rolls === 1 && r.detail.includes('over the 25-a-day cap on 2026-06-01'))).toBe(true);
    expect(rolled.map((r) => r.account)).toEqual(rest.slice(5));
    // A second run the same day sends nothing more: the cap is spent.
    expect(cli.json<{ sent: unknown[] }>(['sends', 'run'], as('ana', '2026-06-01T15:00:00.000Z')).sent).toEqual([]);
  });

  it('the rolled touches go first the next business days, until none is left', () => {
    const tue = cli.json<{ sent: { account: string }[] }>(['sends', 'run'], as('ana', '2026-06-02T10:00:00.000Z'));
    expect(tue.sent.map((x) => x.account)).toEqual(rest.slice(5, 30));
    const wed = cli.json<{ sent: { account: string }[] }>(['sends', 'run'], as('ana', '2026-06-03T10:00:00.000Z'));
    expect(wed.sent.map((x) => x.account)).toEqual(rest.slice(30));
    expect(cli.query("select count(*) as n from sends where status = 'sent'")).toEqual([{ n: 60 }]);
    expect(new Set(smtp.received.map((m) => m.messageId)).size).toBe(smtp.received.length);
  });
});

describe('deliverability (HO 5.5): a bounce rate over 5 % pauses every sequence; sales.ops resumes', () => {
  const MON = '2026-06-08T08:00:00.000Z';
  let cli: LadderCli;
  const domains = Array.from({ length: 50 }, (_, i) => `b${String(i).padStart(2, '0')}.com`);
  beforeAll(() => {
    cli = new LadderCli();
    cli.ok(['settings', 'set', 'sequences.enabled', 'true'], as('ana', '2026-05-01T00:00:00.000Z'));
    cli.ok(['settings', 'set', 'sequences.smtp', smtpSettings(smtp.port)], as('ana', '2026-05-01T00:00:00.000Z'));
    cli.seed((s) => {
      for (const d of domains) account(s.engine, d, 'Tier 2', MON);
      const nurture = approveTemplates(s.engine, 'Nurture-MQL', 5, MON);
      approveList(s.engine, nurture[0]!, domains.map((d) => ({ account: d, contact: `ceo@${d}` })), MON);
    });
    // The last three of the second day's batch do not exist.
    smtp.bounce(domains.slice(47).map((d) => `ceo@${d}`));
  });
  afterAll(() => { cli?.cleanup(); smtp.bounce([]); });

  it('2 bounces in 49 (4.1 %) do not pause; the third (3 in 50, 6 %) pauses everything and raises an escalation', () => {
    cli.ok(['sweep'], as('ana', '2026-06-08T10:00:00.000Z'));
    expect(cli.json<{ sent: unknown[]; bounced: unknown[] }>(['sends', 'run'], as('ana', '2026-06-08T10:00:00.000Z')).sent).toHaveLength(25);
    const tue = cli.json<{ sent: unknown[]; bounced: { to: string; why: string }[]; stopped: string | null }>(['sends', 'run'], as('ana', '2026-06-09T10:00:00.000Z'));
    expect(tue.sent).toHaveLength(22);
    expect(tue.bounced.map((b) => b.to)).toEqual(domains.slice(47).map((d) => `ceo@${d}`));
    expect(tue.bounced[0]!.why).toContain('550');
    expect(tue.stopped).toContain('paused');
    expect(cli.query("select state from machine_actors where kind = 'sending'")).toEqual([{ state: 'paused' }]);
    const esc = cli.query<{ kind: string; detail: string }>("select kind, detail from escalations where kind = 'bounce-rate'");
    expect(esc).toHaveLength(1);
    expect(esc[0]!.detail).toContain('bounce rate 6.0 % (3 of 50 in 14 days) is over 5 %');
    const events = cli.query<{ type: string; rate: number }>("select type, json_extract(payload, '$.rate') as rate from machine_events where kind = 'sending' order by seq");
    expect(events).toEqual([{ type: 'SENDING_OPENED', rate: null }, { type: 'BOUNCE_PAUSE', rate: 0.06 }]);
  });

  it('paused: nothing is planned or sent, whatever the path; the touches wait, never dropped', () => {
    cli.ok(['sweep'], as('ana', '2026-06-10T10:00:00.000Z')); // Day 3 touches of the first accounts fall due
    const before = smtp.received.length;
    const run = cli.json<{ sent: unknown[]; stopped: string }>(['sends', 'run'], as('ana', '2026-06-10T10:00:00.000Z'));
    expect(run.sent).toEqual([]);
    expect(run.stopped).toContain('paused');
    expect(cli.json<{ sends: unknown[]; plan: { paused: boolean } }>(['sends', 'due', '--date', '2026-06-10'], as('ana', '2026-06-10T10:00:00.000Z'))).toMatchObject({ sends: [], plan: { paused: true } });
    expect(smtp.received.length).toBe(before);
    expect(cli.query<{ n: number }>("select count(*) as n from sends where status = 'planned'")[0]!.n).toBeGreaterThan(0);
  });

  it('only sales.ops resumes (the CRO is refused, recorded); then the waiting touches go out', () => {
    const cro = cli.run(['sends', 'resume', '--reason', 'looks fine'], as('marcus', '2026-06-10T11:00:00.000Z'));
    expect(cro.code).not.toBe(0);
    expect(cro.stderr).toContain('sales.ops');
    expect(cli.query("select type, role from refusals where subject = 'sending:email'")).toEqual([{ type: 'SENDING_RESUME', role: 'cro' }]);
    cli.ok(['sends', 'resume', '--reason', 'removed the three dead addresses from the list'], as('ana', '2026-06-10T11:00:00.000Z'));
    expect(cli.json<{ sent: unknown[] }>(['sends', 'run'], as('ana', '2026-06-10T12:00:00.000Z')).sent.length).toBeGreaterThan(0);
  });

  it('turning sequences off stops every hand-over, the touches already planned included', () => {
    cli.ok(['settings', 'set', 'sequences.enabled', 'false'], as('ana', '2026-06-11T08:00:00.000Z'));
    cli.ok(['sweep'], as('ana', '2026-06-11T10:00:00.000Z'));
    const before = smtp.received.length;
    const run = cli.json<{ sent: unknown[]; stopped: string }>(['sends', 'run'], as('ana', '2026-06-11T10:00:00.000Z'));
    expect(run).toMatchObject({ sent: [], stopped: expect.stringContaining('sequences are off') });
    expect(cli.json<{ sends: unknown[]; plan: { off: boolean } }>(['sends', 'due', '--date', '2026-06-11'], as('ana', '2026-06-11T10:00:00.000Z'))).toMatchObject({ sends: [], plan: { off: true } });
    expect(smtp.received.length).toBe(before);
  });
});
