// The report's "Email sequences" section (HO 5.5, 5.6, 6.1, 7) on the handmade week of sequences-fixture.ts, every
// figure computed by hand from the story told there. Touch ids (#n) are the sends table's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../src/report/html.js';
import { weeklyReport } from '../../src/report/report.js';
import { computeSequences, taskOutcome } from '../../src/report/sequences.js';
import type { SequenceRows, TaskRow } from '../../src/report/sequences-queries.js';
import { reportText } from '../../src/report/text.js';
import { parseIsoWeek } from '../../src/report/week.js';
import { DEFAULT_SEQUENCE_SETTINGS } from '../../machines/sequence-config.js';
import { PASSING_FACTS, SYSTEM, tempEngine } from '../helpers/store.js';
import { enableSequences, approveTemplates } from '../helpers/sequences.js';
import { at, buildSequenceWeek, SEQ_NOW, SEQ_WEEK } from './sequences-fixture.js';

let env: ReturnType<typeof tempEngine>;
beforeAll(() => {
  env = tempEngine();
  buildSequenceWeek(env.engine);
});
afterAll(() => env.cleanup());

const zeroSla = (sla: string) => ({ sla, opened: 0, met: 0, breached: 0, open: 0, compliance: null });

describe('the email sequences section of the weekly report (HO 5.5, 5.6, 6.1, 7)', () => {
  it('reports exactly the figures computed by hand for the week', () => {
    const report = weeklyReport(env.engine, { now: SEQ_NOW, week: SEQ_WEEK });
    const x = report.sequences!;
    expect(x.asOf).toBe('2026-04-27T00:00:00.000Z');
    expect(x.warmupStart).toBe('2026-04-08');
    // Warm-up week = days since 8 April ÷ 7 + 1: Monday (12 days) and Tuesday are week 2 at 2 a day; Wednesday
    // (14 days) on, week 3 at 3. Thursday and Friday were paused (Thu 10:00 → Fri 15:30); the weekend takes nothing.
    expect(x.days).toEqual([
      { day: '2026-04-20', businessDay: true, warmupWeek: 2, cap: 2, taken: 2, sent: 2, bounced: 0, overCap: false, paused: false },
      { day: '2026-04-21', businessDay: true, warmupWeek: 2, cap: 2, taken: 2, sent: 1, bounced: 1, overCap: false, paused: false },
      { day: '2026-04-22', businessDay: true, warmupWeek: 3, cap: 3, taken: 3, sent: 3, bounced: 0, overCap: false, paused: false },
      { day: '2026-04-23', businessDay: true, warmupWeek: 3, cap: 3, taken: 3, sent: 2, bounced: 1, overCap: false, paused: true },
      { day: '2026-04-24', businessDay: true, warmupWeek: 3, cap: 3, taken: 0, sent: 0, bounced: 0, overCap: false, paused: true },
      { day: '2026-04-25', businessDay: false, warmupWeek: 3, cap: 0, taken: 0, sent: 0, bounced: 0, overCap: false, paused: false },
      { day: '2026-04-26', businessDay: false, warmupWeek: 3, cap: 0, taken: 0, sent: 0, bounced: 0, overCap: false, paused: false },
    ]);
    expect(x.touches).toEqual({
      taken: 10,
      // #3 #9 Mon, #4 Tue, #6 #7 #8 Wed, #10 #11 Thu; bounced #5 Tue, #14 Thu.
      sent: 8, bounced: 2,
      // #2 (foxtrot's Nurture, by its stage change on Monday) and #12 (echo's, by its not-now reply).
      cancelled: 2,
      // Due this week and moved: #4 #5 #10 #11 #12 once; #6 #7 #8 #13 twice.
      rolled: 9, rolls: 13,
      // #13 golf's touch 2: rolled to Friday, when sending was paused.
      waiting: 1, unrecorded: 0,
    });
    // The 7 days before the cutoff: 8 sent and 2 bounced = 20 %, on the line, not over it.
    expect(x.bounce).toEqual({ windowDays: 7, from: '2026-04-20T00:00:00.000Z', to: '2026-04-27T00:00:00.000Z', sends: 10, bounced: 2, rate: 0.2, maxRate: 0.2, minSends: 6, over: false });
    expect(x.pauses).toEqual([{
      at: at('04-23'), rate: 0.2222, bounced: 2, sends: 9, windowDays: 7, maxRate: 0.2,
      resumedAt: at('04-24', '15:30'), resumedBy: 'ana', reason: 'bounced addresses removed from the list',
    }]);
    expect(x.pausedAtCutoff).toBe(false);
    // golf's hot-positive reply came on Monday 27: next week's.
    expect(x.replies).toEqual({
      total: 7,
      byCategory: {
        'hot-positive': 1, 'warm-positive': 1, 'not-now': 1, 'wrong-person-referral': 0, 'wrong-person': 1,
        objection: 1, hostile: 0, 'opt-out': 1, ooo: 1, 'no-response': 0,
      },
    });
    // Nurture-MQL: sent to alpha, bravo, charlie (#10; #5 bounced), delta, echo, golf = 6; replied: alpha, bravo,
    // charlie (twice), delta, echo = 5. Activation-SQL: foxtrot sent #9; its OOO is no reply a person wrote.
    expect(x.replyRate.bySequence).toEqual([
      { sequence: 'Nurture-MQL', count: 5, of: 6, rate: 0.8333, replies: 6 },
      { sequence: 'Activation-SQL', count: 0, of: 1, rate: 0, replies: 0 },
      { sequence: 'Re-engagement', count: 0, of: 0, rate: null, replies: 0 },
    ]);
    // Each reply counts for the newest touch of its sequence sent before it: alpha #3 and bravo #4 (v1), echo #7 and
    // delta #6 (v2: delta's #11 went an hour after its opt-out), charlie #10 (step 2) both times.
    expect(x.replyRate.byTemplate).toEqual([
      { template: 'activation-sql-1.v1', sequence: 'Activation-SQL', count: 0, of: 1, rate: 0, replies: 0 },
      { template: 'nurture-mql-1.v1', sequence: 'Nurture-MQL', count: 2, of: 2, rate: 1, replies: 2 },
      { template: 'nurture-mql-1.v2', sequence: 'Nurture-MQL', count: 2, of: 3, rate: 0.6667, replies: 2 },
      { template: 'nurture-mql-2.v1', sequence: 'Nurture-MQL', count: 1, of: 2, rate: 0.5, replies: 2 },
    ]);
    // alpha done in 2 of its 4 hours; charlie's one-pager an hour late; echo's acknowledgment 30 minutes early;
    // charlie's research due Tuesday 28; bravo's response never; delta's opt-out handled by Ladder at once.
    expect(x.sla.byCategory).toEqual({
      'hot-positive': { sla: '4 hours', opened: 1, met: 1, breached: 0, open: 0, compliance: 1 },
      'warm-positive': { sla: '24 hours', opened: 1, met: 0, breached: 1, open: 0, compliance: 0 },
      'not-now': { sla: '48 hours', opened: 1, met: 1, breached: 0, open: 0, compliance: 1 },
      'wrong-person-referral': zeroSla('24 hours'),
      'wrong-person': { sla: '2 business days', opened: 1, met: 0, breached: 0, open: 1, compliance: null },
      objection: { sla: '48 hours', opened: 1, met: 0, breached: 1, open: 0, compliance: 0 },
      hostile: zeroSla('same day'),
      'opt-out': { sla: 'same day', opened: 1, met: 1, breached: 0, open: 0, compliance: 1 },
      ooo: zeroSla('auto (no task)'),
      'no-response': zeroSla('auto (no task)'),
    });
    expect(x.sla.croTasks).toEqual(zeroSla('1 business day'));
    expect(x.sla.overall).toEqual({ sla: '', opened: 6, met: 3, breached: 2, open: 1, compliance: 0.6 });
    expect(x.sla.breaches).toEqual([
      { account: 'bravo.com', task: 1, kind: 'respond', category: 'objection', role: 'cro', openedAt: at('04-21', '12:00'), dueAt: at('04-23', '12:00'), doneAt: null, how: 'flagged' },
      { account: 'charlie.com', task: 1, kind: 'one-pager', category: 'warm-positive', role: 'cro', openedAt: at('04-23', '14:00'), dueAt: at('04-24', '14:00'), doneAt: at('04-24', '15:00'), how: 'flagged' },
    ]);
    expect(x.objections).toEqual([{ type: 'already covered', count: 1, accounts: ['bravo.com'] }]);
    expect(x.sev2.map((e) => [e.subject, e.at])).toEqual([['send:<ladder.11.delta.com.1.2@ladder.invalid>', at('04-23', '12:00')]]);
  });

  it('raises the HO 7 alerts: a send to an opted-out contact (SEV2), the bounce pause, the breached reply SLAs', () => {
    const report = weeklyReport(env.engine, { now: SEQ_NOW, week: SEQ_WEEK });
    const ids: string[] = ['sequence-sev2-send', 'sequence-bounce-pause', 'reply-sla-breached'];
    const mine = report.alerts.filter((a) => ids.includes(a.id));
    expect(mine.map((a) => [a.id, a.holds])).toEqual([['sequence-sev2-send', true], ['sequence-bounce-pause', true], ['reply-sla-breached', true]]);
    expect(report.alerts.slice(-3)).toEqual(mine); // after the ladder's four and the approvals' three
    expect(mine[0]!.detail).toContain('<ladder.11.delta.com.1.2@ladder.invalid> at 2026-04-23T12:00:00.000Z');
    expect(mine[0]!.detail).toContain('CAN-SPAM compliance review by legal.exec');
    expect(mine[1]!.detail).toContain('2026-04-23T10:00:00.000Z at 22.2% (2 of 9 in 7 days), resumed 2026-04-24T15:30:00.000Z by ana');
    expect(mine[2]!.detail).toContain('bravo.com task 1 (objection) due 2026-04-23T12:00:00.000Z, not done; charlie.com task 1 (warm-positive)');
  });

  it('stops a running week at --now: paused sending, a handed-over touch not yet recorded, tasks still open', () => {
    // Thursday 10:30: the pause of 10:00 holds; delta's #11 is handed over (recorded only at 12:00); bravo's
    // objection is due at 12:00, so nothing is breached yet; no SEV2 yet.
    const x = weeklyReport(env.engine, { now: at('04-23', '10:30'), week: SEQ_WEEK }).sequences!;
    expect(x.asOf).toBe(at('04-23', '10:30'));
    expect(x.days.map((d) => [d.day, d.taken, d.sent, d.bounced, d.paused])).toEqual([
      ['2026-04-20', 2, 2, 0, false], ['2026-04-21', 2, 1, 1, false], ['2026-04-22', 3, 3, 0, false], ['2026-04-23', 3, 1, 1, true],
    ]);
    expect(x.touches).toEqual({ taken: 10, sent: 7, bounced: 2, cancelled: 2, rolled: 9, rolls: 13, waiting: 1, unrecorded: 1 });
    // (16 April 10:30, 23 April 10:30]: foxtrot's #1 of the 15th is outside; 7 sent, 2 bounced = 22.2 % > 20 %.
    expect(x.bounce).toMatchObject({ sends: 9, bounced: 2, rate: 0.2222, over: true });
    expect(x.pausedAtCutoff).toBe(true);
    expect(x.pauses.map((p) => [p.at, p.resumedAt])).toEqual([[at('04-23'), null]]);
    expect(x.replies.total).toBe(3);
    expect(x.sla.overall).toEqual({ sla: '', opened: 3, met: 1, breached: 0, open: 2, compliance: 1 });
    expect(x.sla.breaches).toEqual([]);
    expect(x.sev2).toEqual([]);
    const report = weeklyReport(env.engine, { now: at('04-23', '10:30'), week: SEQ_WEEK });
    expect(report.alerts.filter((a) => a.holds).map((a) => a.id)).toContain('sequence-bounce-pause');
    expect(report.alerts.find((a) => a.id === 'sequence-sev2-send')?.holds).toBe(false);
    expect(report.alerts.find((a) => a.id === 'reply-sla-breached')?.holds).toBe(false);
  });

  it('reads a past week as it stood at its end: foxtrot\'s first touch, nothing of what came after', () => {
    const x = weeklyReport(env.engine, { now: SEQ_NOW, week: '2026-W16' }).sequences!;
    expect(x.days.filter((d) => d.taken > 0).map((d) => [d.day, d.warmupWeek, d.cap, d.taken, d.sent])).toEqual([['2026-04-15', 2, 2, 1, 1]]);
    // #2 fell due Friday 17, but no sweep ran until Monday 20, which planned it and cancelled it at once (W17's).
    expect(x.touches).toEqual({ taken: 1, sent: 1, bounced: 0, cancelled: 0, rolled: 0, rolls: 0, waiting: 0, unrecorded: 0 });
    expect(x.replyRate.bySequence[0]).toEqual({ sequence: 'Nurture-MQL', count: 0, of: 1, rate: 0, replies: 0 });
    expect(x.replies.total).toBe(0);
  });

  it('prints the section in the terminal', () => {
    const lines = reportText(weeklyReport(env.engine, { now: SEQ_NOW, week: SEQ_WEEK }));
    const from = lines.findIndex((l) => l.startsWith('email sequences'));
    expect(lines.slice(from, from + 12)).toEqual([
      'email sequences (HO 5.5, 5.6) as of 2026-04-27T00:00:00.000Z: 8 sent, 2 bounced, 2 cancelled, 9 rolled (13 moves), 1 waiting, 0 with no outcome yet',
      '  sends per day (taken/cap): 04-20 2/2, 04-21 2/2, 04-22 3/3, 04-23 3/3 paused, 04-24 0/3 paused, 04-25 —, 04-26 —',
      '  bounce rate over 7 days: 20.0% (2/10; pause over 20.0%)',
      '  reply rate: Nurture-MQL 83.3% (5/6), Activation-SQL 0.0% (0/1), Re-engagement n/a (0/0)',
      '    activation-sql-1.v1 0.0% (0/1)',
      '    nurture-mql-1.v1 100.0% (2/2)',
      '    nurture-mql-1.v2 66.7% (2/3)',
      '    nurture-mql-2.v1 50.0% (1/2)',
      '  replies by category: hot-positive 1, warm-positive 1, not-now 1, wrong-person-referral 0, wrong-person 1, objection 1, hostile 0, opt-out 1, ooo 1, no-response 0',
      '  reply SLAs (tasks opened this week): 3 in time, 2 breached, 1 open = 60.0%',
      '    breached: bravo.com task 1 (objection) due 2026-04-23T12:00:00.000Z, not done',
      '    breached: charlie.com task 1 (warm-positive) due 2026-04-24T14:00:00.000Z, done 2026-04-24T15:00:00.000Z',
    ]);
    expect(lines[from + 12]).toBe('  objections: already covered 1');
  });

  it('draws the section on the page with all ten categories, zeros shown, and the numbers in the JSON', () => {
    const report = weeklyReport(env.engine, { now: SEQ_NOW, week: SEQ_WEEK });
    const html = renderReportHtml(report, '<svg></svg>', { db: 'x', now: SEQ_NOW });
    const section = html.slice(html.indexOf('<section id="sequences">'), html.indexOf('</section>', html.indexOf('<section id="sequences">')));
    expect(html).toContain('<a href="#sequences">sequences</a>');
    expect([...section.matchAll(/<tr data-category="([\w-]+)" data-count="(\d+)">/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual([
      'hot-positive 1', 'warm-positive 1', 'not-now 1', 'wrong-person-referral 0', 'wrong-person 1', 'objection 1', 'hostile 0', 'opt-out 1', 'ooo 1', 'no-response 0',
    ]);
    expect(section).toContain('data-metric="touches-sent">8<');
    expect(section).toContain('data-metric="bounce-rate">20.0%<');
    expect(section).toContain('data-metric="reply-sla">60.0%<');
    expect(section).toContain('data-metric="sev2-sends">1<');
    expect(section).toMatch(/<g data-day="2026-04-23" data-taken="3" data-cap="3">/);
    expect(section).not.toMatch(/\b(src|href)=|url\(/); // nothing to fetch
    const json = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!) as typeof report;
    expect(json.sequences).toEqual(report.sequences);
  });
});

describe('when the section appears', () => {
  it('leaves it out while no touch was ever taken by a day\'s plan and no reply recorded', () => {
    const fresh = tempEngine();
    try {
      const e = fresh.engine;
      enableSequences(e);
      const now = at('04-20', '07:00');
      e.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Porto', tier: 'Tier 2', icpScore: 70, facts: PASSING_FACTS }, { by: 'ana', role: 'sales.ops', now, source: 'cli' });
      e.submit({ account: 'acme.com', source: 'cli', now, event: { type: 'SIGNAL', signal: { id: 's1', code: 'E1', interaction: 'comment', contact: 'jane@acme.com', at: now }, at: now, by: 'ana', role: 'sales.ops' } as never });
      approveTemplates(e, 'Nurture-MQL', 5, now);
      e.sweep({ now: at('04-20', '09:00'), as: SYSTEM }); // Nurture's touch 1 is planned: a sequence, but nothing sent
      expect(e.store.sqlite.prepare('select count(*) from sends').pluck().get()).toBe(1);
      const report = weeklyReport(e, { now: at('04-21'), week: SEQ_WEEK });
      expect('sequences' in report).toBe(false);
      expect(report.alerts.map((a) => a.id)).not.toContain('sequence-sev2-send');
      expect(reportText(report).some((l) => l.startsWith('email sequences'))).toBe(false);
      expect(renderReportHtml(report, '<svg></svg>', { db: 'x', now: at('04-21') })).not.toContain('id="sequences"');
      // The first reply puts it on the page.
      e.sequences.reply('acme.com', { contact: 'jane@acme.com', category: 'not-now', timeline: '2026-10-01' }, { by: 'marcus', role: 'cro', now: at('04-21'), source: 'cli' });
      expect(weeklyReport(e, { now: at('04-21', '11:00'), week: SEQ_WEEK }).sequences?.replies.byCategory['not-now']).toBe(1);
    } finally {
      fresh.cleanup();
    }
  });
});

describe('a reply task at the cutoff (HO 5.6)', () => {
  const task = (t: Partial<TaskRow>): TaskRow => ({ account: 'a.com', task: 1, kind: 'engage', role: 'cro', category: 'hot-positive', openedAt: at('04-21', '11:00'), dueAt: at('04-21', '15:00'), doneAt: null, breachedAt: null, ...t });
  const until = at('04-22');
  it.each([
    { name: 'done before its deadline is in time', t: { doneAt: at('04-21', '14:59') }, out: { outcome: 'met' } },
    { name: 'done after the cutoff, deadline passed, not flagged, is overdue', t: { doneAt: at('04-23') }, out: { outcome: 'breached', how: 'overdue' } },
    { name: 'flagged by its timer is breached even when done later', t: { breachedAt: at('04-21', '15:00'), doneAt: at('04-21', '16:00') }, out: { outcome: 'breached', how: 'flagged' } },
    { name: 'done late with no flag is late', t: { doneAt: at('04-21', '16:00') }, out: { outcome: 'breached', how: 'late' } },
    { name: 'not done with its deadline after the cutoff is open', t: { dueAt: at('04-23') }, out: { outcome: 'open' } },
  ])('a task $name', ({ t, out }) => {
    expect(taskOutcome(task(t), until)).toEqual(out);
  });

  it('counts the CRO\'s own tasks apart from the reply categories', () => {
    const rows: SequenceRows = {
      started: true, firstQueued: null, touches: [], replies: [], pauses: [], resumes: [], sev2: [],
      tasks: [task({ category: null, kind: 'direct-outreach', dueAt: at('04-21', '20:00') })],
    };
    const x = computeSequences(rows, parseIsoWeek(SEQ_WEEK), until, { settings: DEFAULT_SEQUENCE_SETTINGS, holidays: [] });
    expect(x.sla.croTasks).toEqual({ sla: '1 business day', opened: 1, met: 0, breached: 1, open: 0, compliance: 0 });
    expect(x.sla.byCategory['hot-positive'].opened).toBe(0);
    expect(x.sla.breaches.map((b) => [b.kind, b.how])).toEqual([['direct-outreach', 'overdue']]);
  });
});
