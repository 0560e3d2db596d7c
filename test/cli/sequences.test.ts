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
  cli.ok(['settings', 'set', 'sequences.enabled', 'true'], as('ana', '2026-04-01T00:00:00.000Z'));
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

describe('replies (HO 5.6): each category has its handler, SLA and effect', () => {
  type Show = { state: string; sequence: string | null; schedule: string[]; tasks: { id: number; kind: string; role: string; dueAt: string; doneAt: string | null; breachedAt: string | null }[] };
  const show = (account: string, now: string) => cli.json<Show>(['sequence', 'show', account], as('ana', now));

  it('hot-positive: pulled from every sequence, a Briefing request on the ladder, and the CRO\'s 4-hour SLA flagged when missed', () => {
    const before = receivedBy('hal@hot.com').length;
    expect(before).toBe(3);
    const r = cli.json<{ after: string; ladder: { after: { stage: string; substate: string } } }>(['reply', 'hot.com', '--contact', 'HAL@hot.com', '--category', 'hot-positive', '--note', "Let's talk this week"], as('ana', day('2026-04-16', 11)));
    expect(r.after).toBe('stopped');
    // HO 5.6 #1 "move to Briefing": the reply is an E4 Briefing request, which fast-tracks an account whose gates pass.
    expect(r.ladder.after).toEqual({ stage: 'SQL', substate: 'confirmed' });
    expect(show('hot.com', day('2026-04-16', 11))).toMatchObject({ state: 'stopped', sequence: null, tasks: [{ id: 1, kind: 'engage', role: 'cro', dueAt: '2026-04-16T15:00:00.000Z', doneAt: null }] });
    // SQL confirmed calls for Activation, but a hot reply's hold is never auto-continued.
    expect(seqState('hot.com')).toBe('stopped');
    cli.ok(['sweep'], as('ana', day('2026-04-16', 16)));
    expect(show('hot.com', day('2026-04-16', 16)).tasks[0]).toMatchObject({ breachedAt: '2026-04-16T15:00:00.000Z', doneAt: null });
    expect(cli.query("select kind, severity from escalations where subject = 'sequence:hot.com:task-1'")).toEqual([{ kind: 'reply-sla', severity: 'flag' }]);
    // The task is the CRO's: sales.ops cannot close it; the CRO can.
    const denied = cli.run(['sequence', 'done', 'hot.com', '--task', '1'], as('ana', day('2026-04-16', 17)));
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('it is for the CRO');
    cli.ok(['sequence', 'done', 'hot.com', '--task', '1', '--note', 'called, Briefing booked for Tuesday'], as('marcus', day('2026-04-16', 17)));
    expect(show('hot.com', day('2026-04-16', 17)).tasks[0]).toMatchObject({ doneAt: '2026-04-16T17:00:00.000Z' });
  });

  it('hostile: removed, suppressed and disqualified with that reason at once', () => {
    const r = cli.json<{ after: string; ladder: { after: { stage: string } } }>(['reply', 'host.com', '--contact', 'hank@host.com', '--category', 'hostile', '--note', 'Stop emailing me'], as('ana', day('2026-04-16', 12)));
    expect(r.after).toBe('suppressed');
    expect(r.ladder.after.stage).toBe('DISQUALIFIED');
    expect(cli.query("select kind, value, reason from suppressions where value in ('host.com', 'hank@host.com') order by kind")).toEqual([
      { kind: 'account', value: 'host.com', reason: 'hostile' }, { kind: 'contact', value: 'hank@host.com', reason: 'hostile' },
    ]);
    expect(cli.query("select json_extract(payload, '$.reason') as reason from events where account = 'host.com' and type = 'DISQUALIFY'")).toEqual([{ reason: 'hostile' }]);
    // Same-day SLA: Ladder did it at once, so the task is done when it opens.
    expect(show('host.com', day('2026-04-16', 12)).tasks[0]).toMatchObject({ kind: 'remove', doneAt: '2026-04-16T12:00:00.000Z' });
  });

  it('ooo: paused, and resumed 2 business days after the return date (not the day they return), spacing kept', () => {
    const r = cli.json<{ after: string }>(['reply', 'ooo.com', '--contact', 'olga@ooo.com', '--category', 'ooo', '--return-date', '2026-04-24'], as('ana', day('2026-04-16', 13)));
    expect(r.after).toBe('paused.ooo');
    for (const d of ['2026-04-17', '2026-04-20', '2026-04-24', '2026-04-27']) routine(day(d));
    expect(receivedBy('olga@ooo.com')).toHaveLength(3);
    // Friday 24 April back; 2 business days after: Tuesday 28 April. Touches 4 and 5 (days 21 and 35) keep their 14 days apart.
    routine(day('2026-04-28'));
    expect(receivedBy('olga@ooo.com')).toHaveLength(4);
    expect(show('ooo.com', day('2026-04-28')).schedule.slice(3).map((d) => d.slice(0, 10))).toEqual(['2026-04-28', '2026-05-12']);
    expect(sendsOf('ooo.com').map((x) => [x.step, x.status, x.done_at?.slice(0, 10) ?? null])).toEqual([
      [1, 'sent', '2026-04-09'], [2, 'sent', '2026-04-14'], [3, 'sent', '2026-04-15'], [4, 'sent', '2026-04-28'],
    ]);
  });

  it('opt-out: removed from every sequence, suppressed, flagged; a touch an external sequencer then reports as sent is a SEV2 incident', () => {
    cli.ok(['sweep'], as('ana', day('2026-04-29', 9)));
    // sales.ops hands the day's touches to Apollo (the export) …
    const csv = cli.ok(['sends', 'due', '--date', '2026-04-29', '--csv'], as('ana', day('2026-04-29', 9))).stdout;
    expect(csv.split('\n')[0]).toBe('id,message_id,account,contact,sequence,step,template,subject,body');
    const otto = sendsOf('opt.com').find((x) => x.step === 4)!;
    expect(otto.status).toBe('exported');
    expect(csv).toContain(`${otto.id},<ladder.${otto.id}.opt.com.1.4@example.com>,opt.com,otto@opt.com,Nurture-MQL,4,`);
    // … then otto unsubscribes.
    const r = cli.json<{ after: string; ladder: { after: { stage: string } } }>(['reply', 'opt.com', '--contact', 'otto@opt.com', '--category', 'opt-out'], as('ana', day('2026-04-29', 10)));
    expect(r.after).toBe('suppressed');
    expect(r.ladder.after.stage).toBe('DISQUALIFIED');
    // Apollo had already sent it: recorded as it happened, and raised as SEV2 (HO 7).
    cli.ok(['sends', 'record', String(otto.id), '--sent'], as('ana', day('2026-04-29', 11)));
    expect(cli.query("select kind, severity from escalations where kind = 'sev2-suppressed-send'")).toEqual([{ kind: 'sev2-suppressed-send', severity: 'SEV2' }]);
    // A later Substack subscription (marketing consent) is logged, never acted on.
    const substack = cli.run(['signal', 'opt.com', '--code', 'E2', '--contact', 'otto@opt.com'], as('ana', day('2026-04-30')));
    expect(substack.code).not.toBe(0);
    expect(cli.query("select type from refusals where account = 'opt.com' and type = 'SIGNAL'")).toHaveLength(1);
  });

  it('no later path sends to a hostile or opted-out contact: not the plan, the export, the SMTP run, a reopen or a new list', () => {
    const reopen = cli.run(['cro', 'reopen', 'opt.com', '--reason', 'they seemed interested'], as('marcus', day('2026-04-30')));
    expect(reopen.code).not.toBe(0);
    const list = cli.run(['recipients', 'propose', '--template', 'nurture-mql-1.v1', '--entry', 'ooo.com=otto@opt.com'], as('ana', day('2026-04-30')));
    expect(list.code).not.toBe(0);
    expect(list.stderr).toContain('suppressed');
    const again = cli.run(['reply', 'opt.com', '--contact', 'otto@opt.com', '--category', 'warm-positive'], as('ana', day('2026-04-30')));
    expect(again.code).not.toBe(0);
    const hank = receivedBy('hank@host.com').length;
    const ottoCount = receivedBy('otto@opt.com').length;
    for (const d of ['2026-05-04', '2026-05-12', '2026-05-13', '2026-05-14']) {
      routine(day(d));
      const due = cli.json<{ sends: { account: string }[] }>(['sends', 'due', '--date', d.slice(0, 10), '--preview'], as('ana', day(d)));
      expect(due.sends.map((s) => s.account)).not.toContain('opt.com');
    }
    expect(receivedBy('hank@host.com')).toHaveLength(hank);
    expect(receivedBy('otto@opt.com')).toHaveLength(ottoCount);
    expect(sendsOf('host.com').filter((x) => x.status !== 'sent' && x.status !== 'cancelled')).toEqual([]);
    expect(sendsOf('opt.com').filter((x) => ['planned', 'queued'].includes(x.status))).toEqual([]);
    // And the hot account got nothing after its reply.
    expect(receivedBy('hal@hot.com')).toHaveLength(3);
  });
});
