// Sequences and replies (issue 15, HO 5.2, 5.5, 5.6), end to end through the built `ladder` on a real database
// with a moved clock and a real SMTP server (smtp-server) that counts what it accepted: Nurture touches on days 1,
// 3 and 7 skipping a weekend and a configured holiday, the switch to Activation when the account becomes SQL
// confirmed, a hot-positive reply stopping every send with its 4-hour SLA, an OOO reply resuming 2 business days
// after the return date, hostile and opt-out replies that no later path can send past.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSING_FACTS } from '../helpers/store.js';
import { LadderCli } from '../helpers/cli.js';
import { SMTP_PASSWORD, smtpSettings, startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { VALUES, approveList, approveTemplates } from '../helpers/sequences.js';

const THU = '2026-04-09T08:00:00.000Z'; // a Thursday; Monday 2026-04-13 is a configured holiday
const SCORES3 = { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' } as const;
const day = (d: string, h = 10) => `${d}T${String(h).padStart(2, '0')}:00:00.000Z`;

let cli: LadderCli;
let smtp: TestSmtp;
const as = (who: string, now: string) => ({ as: who, now });
const sendsOf = (account: string) => cli.query<{ id: number; sequence: string; run: number; step: number; status: string; planned_for: string; queued_for: string | null; done_at: string | null; detail: string | null; message_id: string }>(
  'select id, sequence, run, step, status, planned_for, queued_for, done_at, detail, message_id from sends where account = ? order by id', account);
const seqState = (account: string) => cli.query<{ state: string }>("select state from machine_actors where kind = 'sequence' and id = ?", account)[0]?.state;
const receivedBy = (to: string) => smtp.received.filter((m) => m.to === to);

/** The daily routine of a team that sends through Ladder: the sweep, then the SMTP executor. */
function routine(now: string) {
  cli.ok(['sweep'], as('ana', now));
  return cli.json<{ sent: { account: string; to: string }[]; bounced: unknown[]; skipped: { id: number; why: string }[]; plan: { cap: number; used: number; rolled: number } }>(['sends', 'run'], as('ana', now));
}

beforeAll(async () => {
  smtp = await startSmtp();
  process.env.LADDER_SMTP_PASSWORD = SMTP_PASSWORD;
  cli = new LadderCli();
  cli.ok(['settings', 'set', 'rules.holidays', '["2026-04-13"]'], as('ana', '2026-04-01T00:00:00.000Z'));
  cli.ok(['settings', 'set', 'sequences.smtp', smtpSettings(smtp.port)], as('ana', '2026-04-01T00:00:00.000Z'));
  cli.seed((s) => {
    const e = s.engine;
    for (const [domain, contact] of [['acme.com', 'jane@acme.com'], ['hot.com', 'hal@hot.com'], ['ooo.com', 'olga@ooo.com'], ['opt.com', 'otto@opt.com'], ['host.com', 'hank@host.com']] as const) {
      e.addAccount({ domain, name: domain.split('.')[0]!.replace(/^./, (c) => c.toUpperCase()), hq: 'Porto', tier: 'Tier 2', icpScore: 70, facts: PASSING_FACTS, extra: VALUES },
        { by: 'ana', role: 'sales.ops', now: THU, source: 'cli' });
      s.signal(domain, THU, 'E1', contact, 'comment');
    }
    const nurture = approveTemplates(e, 'Nurture-MQL', 5, THU);
    approveList(e, nurture[0]!, [['acme.com', 'jane@acme.com'], ['hot.com', 'hal@hot.com'], ['ooo.com', 'olga@ooo.com'], ['opt.com', 'otto@opt.com'], ['host.com', 'hank@host.com']].map(([account, contact]) => ({ account: account!, contact: contact! })), THU);
  });
});
afterAll(async () => {
  cli?.cleanup();
  await smtp?.close();
  delete process.env.LADDER_SMTP_PASSWORD;
});

describe('enrolment follows the ladder (HO 5.2)', () => {
  it('an MQL gets Nurture touches on days 1, 3 and 7, skipping the weekend and the configured holiday', () => {
    expect(seqState('acme.com')).toBe('active');
    const show = cli.json<{ sequence: string; schedule: string[] }>(['sequence', 'show', 'acme.com'], as('ana', THU));
    // Day 1 Thursday; Day 3 is Saturday → Monday is a holiday → Tuesday; Day 7 Wednesday; then weeks 3-6.
    expect(show.sequence).toBe('Nurture-MQL');
    expect(show.schedule.map((d) => d.slice(0, 10))).toEqual(['2026-04-09', '2026-04-14', '2026-04-15', '2026-04-29', '2026-05-13']);

    for (const d of ['2026-04-09', '2026-04-10', '2026-04-11', '2026-04-12', '2026-04-13', '2026-04-14', '2026-04-15']) routine(day(d));
    const mine = receivedBy('jane@acme.com');
    expect(mine).toHaveLength(3);
    expect(mine[0]!.subject).toBe('Acme and the partner half of the forecast');
    expect(mine[0]!.raw.replace(/=\r?\n/g, '')).toContain('three marketplaces launched in a year');
    expect(new Set(mine.map((m) => m.messageId)).size).toBe(3);
    const sent = sendsOf('acme.com').filter((r) => r.status === 'sent');
    expect(sent.map((r) => [r.step, r.done_at!.slice(0, 10)])).toEqual([[1, '2026-04-09'], [2, '2026-04-14'], [3, '2026-04-15']]);
    expect(sent.map((r) => `<${r.message_id.slice(1, -1)}>`)).toEqual(mine.map((m) => m.messageId));
  });

  it('becomes SQL and switches to Activation: Nurture ends, Activation starts on Day 1', () => {
    cli.ok(['dossier', 'acme.com', '--s1', SCORES3.S1, '--s2', SCORES3.S2, '--s3', SCORES3.S3, '--s4', SCORES3.S4], as('ana', day('2026-04-16', 8)));
    expect(seqState('acme.com')).toBe('idle'); // SQL review: no sequence (HO 5.2 Activation targets SQLs ready for Briefing)
    cli.ok(['cro', 'confirm', 'acme.com'], as('marcus', day('2026-04-16', 8)));
    expect(seqState('acme.com')).toBe('active');
    cli.seed((s) => {
      const activation = approveTemplates(s.engine, 'Activation-SQL', 5, day('2026-04-16', 8));
      approveList(s.engine, activation[0]!, [{ account: 'acme.com', contact: 'jane@acme.com' }], day('2026-04-16', 8));
    });
    routine(day('2026-04-16'));
    const mine = receivedBy('jane@acme.com');
    expect(mine).toHaveLength(4);
    expect(mine[3]!.subject).toBe('Jane, a thought after your comment on the partner post');
    const rows = sendsOf('acme.com');
    expect(rows.filter((r) => r.sequence === 'Activation-SQL').map((r) => [r.run, r.step, r.status])).toEqual([[2, 1, 'sent']]);
    // Nurture's touches 4 and 5 were never planned: its timers ended with the run.
    expect(rows.filter((r) => r.sequence === 'Nurture-MQL').map((r) => r.step)).toEqual([1, 2, 3]);
    const show = cli.json<{ schedule: string[] }>(['sequence', 'show', 'acme.com'], as('ana', day('2026-04-16')));
    expect(show.schedule.map((d) => d.slice(0, 10))).toEqual(['2026-04-16', '2026-04-20', '2026-04-23', '2026-04-29', '2026-05-06']);
  });
});
