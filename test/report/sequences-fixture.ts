// A handmade week of email sequences, 2026-W17 (Mon 20 – Sun 26 April 2026), built through the real engine:
// templates and lists approved, accounts enrolled by their signals, the sweep planning touches, the day's plan under
// a small warm-up cap (`sends due`), outcomes recorded, replies, tasks done and breached, a bounce pause and its
// resume. Small enough to compute every figure of the "Email sequences" section by hand (sequences.test.ts).
// Times are UTC; touches fall due at the send time, 09:00.
import type { Engine } from '../../src/engine/engine.js';
import { PASSING_FACTS, SYSTEM } from '../helpers/store.js';
import { VALUES, approveList, approveTemplates } from '../helpers/sequences.js';

export const SEQ_WEEK = '2026-W17';
/** Monday of W18, after the week: the numbers stop at the week's end. */
export const SEQ_NOW = '2026-04-27T08:00:00.000Z';
export const at = (day: string, time = '10:00') => `2026-${day}T${time}:00.000Z`;
export const mail = (account: string) => `${account.split('.')[0]}@${account}`;

const ops = (now: string) => ({ by: 'ana', role: 'sales.ops', now, source: 'cli' as const });
const cro = (now: string) => ({ by: 'marcus', role: 'cro', now, source: 'cli' as const });
const pat = (now: string) => ({ by: 'pat', role: 'category.positioning', now, source: 'cli' as const });
const NURTURE = ['alpha.com', 'bravo.com', 'charlie.com', 'delta.com', 'echo.com', 'golf.com'];

/**
 * Settings: the warm-up began Wednesday 8 April with 2 a day, 3 a day from its week 3 (so W17's Monday and Tuesday
 * are in week 2 at 2, Wednesday on in week 3 at 3); sequences pause over a 20 % bounce rate on 6+ sends in 7 days.
 * foxtrot (Tier 1: first in the overflow order) and the six Nurture accounts (Tier 2) are on approved lists.
 *
 * W16 Wed 15: foxtrot becomes MQL; its Nurture touch 1 is sent (#1). Its touch 2 falls due Fri 17; no sweep runs.
 * W17 Mon 20: 07:00 alpha…golf become MQL (Nurture); 07:40 foxtrot's dossier first fires its touch 2's timer (#2)
 *   and then cancels #2 (the stage changed); 07:45 the CRO confirms it → Activation. 09:00 sweep: Activation 1
 *   (#9) and six Nurture touch 1s (#3-#8). Plan (cap 2): #9 foxtrot, #3 alpha taken, both sent; #4-#8 rolled.
 * Tue 21: plan (cap 2): #4 bravo sent, #5 charlie bounced; #6-#8 rolled again. 11:00 alpha hot-positive (engage,
 *   4 h: done 13:00); 12:00 bravo objection "already covered" (respond, 48 h: never done). 14:30 the CMO approves
 *   nurture-mql-1.v2.
 * Wed 22: 09:00 sweep: Nurture touch 2 for charlie, delta, echo, golf (#10-#13). Plan (cap 3): #6 delta, #7 echo,
 *   #8 golf (touch 1, now v2) sent; #10 over the cap, #11-#13 one touch per account a day: rolled. 11:30 echo
 *   not-now (acknowledge, 48 h: done Fri 11:00) cancels #12.
 * Thu 23: 09:00 sweep: Activation 2 (#14). Plan (cap 3): #14, #10 charlie, #11 delta taken; #13 golf rolled to
 *   Friday. 10:00 #10 sent, then #14 bounced: 2 bounced of 9 in 7 days = 22.2 % → every sequence paused. 11:00
 *   delta opts out (suppressed; Ladder does the task at once); 12:00 #11, already handed over, is recorded sent:
 *   SEV2. 13:00 sweep flags bravo's objection task. 14:00 charlie warm-positive (one-pager, 24 h).
 * Fri 24: the plan takes nothing (paused). 11:00 echo's task done; 14:00 foxtrot OOO until 4 May; 15:00 charlie's
 *   task done, an hour late (its SLA timer fires first); 15:30 sales.ops resumes sending; 16:00 charlie says
 *   wrong person (research, 2 business days: due Tue 28).
 * Mon 27 07:30, after the week: golf replies hot-positive (not this week's).
 */
export function buildSequenceWeek(e: Engine) {
  e.changeSettings((s) => ({
    ...s,
    sequences: {
      ...s.sequences, enabled: true, warmupStart: '2026-04-08',
      dailyCaps: [{ fromWeek: 1, perDay: 2 }, { fromWeek: 3, perDay: 3 }],
      bounce: { maxRate: 0.2, windowDays: 7, minSends: 6 },
    },
  }), { ...ops(at('04-01', '08:00')), change: 'test: a small warm-up' });
  for (const d of [...NURTURE, 'foxtrot.com']) {
    e.addAccount({ domain: d, name: d.split('.')[0]!, hq: 'Porto', tier: d === 'foxtrot.com' ? 'Tier 1' : 'Tier 2', icpScore: 70, facts: PASSING_FACTS, extra: VALUES }, ops(at('04-01', '09:00')));
  }
  const nurture = approveTemplates(e, 'Nurture-MQL', 5, at('04-01', '09:00'));
  const activation = approveTemplates(e, 'Activation-SQL', 5, at('04-01', '09:00'));
  const signal = (account: string, when: string) => e.submit({ account, source: 'cli', now: when, event: { type: 'SIGNAL', signal: { id: `s-${account}`, code: 'E1', interaction: 'comment', contact: mail(account), at: when }, at: when, by: 'ana', role: 'sales.ops' } as never });
  const ladder = (account: string, when: string, body: Record<string, unknown>, who: { by: string; role: string }) => e.submit({ account, source: 'cli', now: when, event: { ...body, at: when, ...who } as never });
  const sweep = (when: string) => e.sweep({ now: when, as: SYSTEM });
  const due = (day: string, when: string) => e.sequences.due(day, ops(when)).sends;
  const record = (id: number, outcome: 'sent' | 'bounced', when: string) => e.sequences.record(id, outcome, ops(when));
  const reply = (account: string, category: string, when: string, extra: Record<string, unknown> = {}) => e.sequences.reply(account, { contact: mail(account), category, ...extra }, cro(when));
  const done = (account: string, task: number, when: string) => e.sequences.command(account, { type: 'TASK_DONE', task }, cro(when));
  const touch = (account: string, sequence: string, step: number) => e.store.sqlite.prepare('select id from sends where account = ? and sequence = ? and step = ?').pluck().get(account, sequence, step) as number;

  // W16
  signal('foxtrot.com', at('04-15', '08:00'));
  approveList(e, nurture[0]!, [{ account: 'foxtrot.com', contact: mail('foxtrot.com') }], at('04-15', '08:30'));
  sweep(at('04-15', '09:00'));
  for (const s of due('2026-04-15', at('04-15', '09:30'))) record(s.id, 'sent', at('04-15', '10:00'));

  // Monday
  for (const a of NURTURE) signal(a, at('04-20', '07:00'));
  approveList(e, nurture[0]!, NURTURE.map((a) => ({ account: a, contact: mail(a) })), at('04-20', '07:30'));
  ladder('foxtrot.com', at('04-20', '07:40'), { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' } }, { by: 'ana', role: 'sales.ops' });
  ladder('foxtrot.com', at('04-20', '07:45'), { type: 'CRO_CONFIRM' }, { by: 'marcus', role: 'cro' });
  approveList(e, activation[0]!, [{ account: 'foxtrot.com', contact: mail('foxtrot.com') }], at('04-20', '07:50'));
  sweep(at('04-20', '09:00'));
  for (const s of due('2026-04-20', at('04-20', '09:30'))) record(s.id, 'sent', at('04-20', '10:00'));

  // Tuesday
  sweep(at('04-21', '09:00'));
  due('2026-04-21', at('04-21', '09:30'));
  record(touch('bravo.com', 'Nurture-MQL', 1), 'sent', at('04-21', '10:00'));
  record(touch('charlie.com', 'Nurture-MQL', 1), 'bounced', at('04-21', '10:00'));
  reply('alpha.com', 'hot-positive', at('04-21', '11:00'));
  reply('bravo.com', 'objection', at('04-21', '12:00'), { objection: 'already covered' });
  done('alpha.com', 1, at('04-21', '13:00'));
  const v1 = e.store.sqlite.prepare("select text from templates where id = 'nurture-mql-1.v1'").pluck().get() as string;
  const { template: v2 } = e.templates.add({ name: 'nurture-mql-1.md', text: v1.replace('Best,', 'Cheers,') }, pat(at('04-21', '14:00')));
  e.templates.decide(v2, { type: 'TEMPLATE_SUBMIT' }, pat(at('04-21', '14:00')));
  e.templates.decide(v2, { type: 'CMO_APPROVE' }, { by: 'carla', role: 'cmo', now: at('04-21', '14:30'), source: 'cli' });

  // Wednesday
  sweep(at('04-22', '09:00'));
  for (const s of due('2026-04-22', at('04-22', '09:30'))) record(s.id, 'sent', at('04-22', '10:00'));
  reply('echo.com', 'not-now', at('04-22', '11:30'), { timeline: '2026-10-01' });

  // Thursday
  sweep(at('04-23', '09:00'));
  due('2026-04-23', at('04-23', '09:30'));
  record(touch('charlie.com', 'Nurture-MQL', 2), 'sent', at('04-23', '10:00'));
  record(touch('foxtrot.com', 'Activation-SQL', 2), 'bounced', at('04-23', '10:00'));
  reply('delta.com', 'opt-out', at('04-23', '11:00'));
  record(touch('delta.com', 'Nurture-MQL', 2), 'sent', at('04-23', '12:00'));
  sweep(at('04-23', '13:00'));
  reply('charlie.com', 'warm-positive', at('04-23', '14:00'));

  // Friday
  sweep(at('04-24', '09:00'));
  due('2026-04-24', at('04-24', '09:30'));
  done('echo.com', 1, at('04-24', '11:00'));
  reply('foxtrot.com', 'ooo', at('04-24', '14:00'), { returnDate: '2026-05-04' });
  done('charlie.com', 1, at('04-24', '15:00'));
  e.sequences.resumeSending('bounced addresses removed from the list', ops(at('04-24', '15:30')));
  reply('charlie.com', 'wrong-person', at('04-24', '16:00'));

  // After the week
  sweep(at('04-27', '07:00'));
  reply('golf.com', 'hot-positive', at('04-27', '07:30'));
}
