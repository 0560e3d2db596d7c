// `ladder reply`, `ladder sequence …` and `ladder sends …` (issue 15, HO 5.2, 5.5, 5.6): the replies that move the
// ladder, each account's sequence and its tasks, and the day's touches — planned under the warm-up cap, handed to
// the SMTP executor (`sends run`) or exported for a team that sends from Apollo or by hand (`sends due`, then
// `sends record`). Thin: parse, call the engine, print.
import type { Command } from 'commander';
import { REPLY_CATEGORIES } from '../../../machines/sequence-config.js';
import { BadInputError } from '../../engine/errors.js';
import type { ActorApplied } from '../../engine/actors.js';
import { accountKey } from '../../queries.js';
import { listSends, sendingStatus, showSequence } from '../../sequence-queries.js';
import { runSmtp } from '../../sending/smtp.js';
import { emit } from '../output.js';
import type { Run } from './events.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function describe(a: ActorApplied): string {
  if (a.status === 'duplicate') return `${a.id}: already recorded (#${a.seq}); nothing changed`;
  const move = a.before === a.after ? `stays ${a.after}` : `${a.before ?? 'new'} → ${a.after}`;
  const caught = a.caughtUp.length ? `first, ${a.caughtUp.length} timer${a.caughtUp.length === 1 ? '' : 's'} that had fallen due; ` : '';
  const timers = a.armed.map((t) => `${t.timerId === 'task' ? 'task SLA' : t.timerId.split('.')[2] ?? t.timerId} due ${t.dueAt}`);
  return `${a.id}: ${caught}sequence ${move} (#${a.seq})${timers.length ? `; ${timers.join(', ')}` : ''}`;
}

/** A CSV field: quoted when needed; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
function csvField(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function registerSequenceCommands(program: Command, run: Run): void {
  program.command('reply').argument('<account>').description('record a reply (HO 5.6): its handler, SLA and effect on the sequence and the ladder')
    .requiredOption('--contact <who>', 'who replied (LinkedIn URL or e-mail)')
    .requiredOption('--category <c>', REPLY_CATEGORIES.join(', '))
    .option('--return-date <date>', 'ooo: the return date (resumes 2 business days after)')
    .option('--timeline <date>', 'not-now: their stated timeline (a trigger 6 weeks before)')
    .option('--referral <who>', 'wrong-person-referral: the person they named')
    .option('--objection <type>', 'objection: its kind, for pattern analysis (e.g. "already covered")')
    .option('--note <text>', 'what they said')
    .option('--key <idempotency-key>', 'a retry with the same key records the reply once')
    .action(function (this: Command, account: string) {
      const o = this.opts<{ contact: string; category: string; returnDate?: string; timeline?: string; referral?: string; objection?: string; note?: string; key?: string }>();
      return run((ctx) => {
        const body: Record<string, unknown> = { contact: o.contact, category: o.category };
        if (o.returnDate !== undefined) body.returnDate = o.returnDate;
        if (o.timeline !== undefined) body.timeline = o.timeline;
        if (o.referral !== undefined) body.referral = o.referral;
        if (o.objection !== undefined) body.objection = o.objection;
        if (o.note !== undefined) body.note = o.note;
        const r = ctx.engine().sequences.reply(account, body, { ...ctx.actor(), now: ctx.now, source: 'cli', ...(o.key ? { idempotencyKey: o.key } : {}) });
        const ladder = r.ladder ? (r.ladder.status === 'refused' ? `; the ladder refused ${r.ladder.type}: ${r.ladder.why}` : `; ladder: ${r.ladder.before.stage} → ${r.ladder.after.stage}${r.ladder.after.substate ? `.${r.ladder.after.substate}` : ''}`) : '';
        emit(ctx, r, `${describe(r)}${ladder}`);
      })();
    });

  const seq = program.command('sequence').description('an account\'s email sequence (HO 5.2): touches, replies, tasks');
  seq.command('show').argument('<account>').description('the sequence, its touches and their sends, replies and tasks with their SLA')
    .action((account: string) => run((ctx) => {
      const s = showSequence(ctx.reader().engine, accountKey(account));
      emit(ctx, s, [
        `${s.account}: ${s.state}${s.sequence ? ` — ${s.sequence} run ${s.run}, ${s.planned} of ${s.schedule.length} touches planned` : ''} (stage ${s.stage})`,
        ...(s.pause ? [`paused (${s.pause.reason}) since ${s.pause.at}${s.pause.resumeAt ? `; resumes ${s.pause.resumeAt}` : '; resumes when a person says so (ladder sequence resume)'}`] : []),
        ...(s.schedule.length ? [`schedule: ${s.schedule.map((d, i) => `${i + 1}: ${d.slice(0, 10)}`).join(', ')}`] : []),
        ...(s.sends.length ? ['sends:', ...s.sends.map((x) => `  #${x.id} ${x.sequence} run ${x.run} step ${x.step} ${x.status}${x.queuedFor ? ` on ${x.queuedFor}` : ` for ${x.plannedFor}`}${x.contact ? ` to ${x.contact}` : ''}${x.detail ? ` — ${x.detail}` : ''}`)] : []),
        ...(s.replies.length ? ['replies:', ...s.replies.map((x) => `  ${x.at} ${x.category} from ${x.contact} (by ${x.by})${x.objection ? ` — objection: ${x.objection}` : ''}${x.note ? ` — ${x.note}` : ''}`)] : []),
        ...(s.tasks.length ? ['tasks:', ...s.tasks.map((t) => `  ${t.id}. [${t.doneAt ? 'done' : t.breachedAt ? 'LATE' : 'open'}] ${t.role}: ${t.what} — due ${t.dueAt}${t.doneAt ? `, done ${t.doneAt} by ${t.doneBy}` : ''}`)] : []),
      ]);
    })());
  seq.command('list').description('accounts by sequence state').option('--state <s>', 'only this state (active, paused.ooo, stopped, …)')
    .action(function (this: Command) {
      const o = this.opts<{ state?: string }>();
      return run((ctx) => {
        const rows = ctx.reader().store.sqlite.prepare(`select id as account, state, updated_at as updatedAt from machine_actors where kind = 'sequence' ${o.state ? 'and state = ?' : ''} order by id`).all(...(o.state ? [o.state] : [])) as { account: string; state: string }[];
        emit(ctx, rows, rows.length ? rows.map((r) => `${r.account.padEnd(28)} ${r.state}`) : 'no sequences yet');
      })();
    });
  seq.command('done').argument('<account>').requiredOption('--task <n>', 'the task number (ladder sequence show)').option('--note <text>', 'what was done')
    .description('close a reply\'s task (its handler: the CRO or sales.ops) before its SLA')
    .action(function (this: Command, account: string) {
      const o = this.opts<{ task: string; note?: string }>();
      return run((ctx) => {
        const task = Number(o.task);
        if (!Number.isInteger(task) || task < 1 || String(task) !== o.task.trim()) throw new BadInputError(`--task: expected a task number (1, 2, …); got ${JSON.stringify(o.task)}`, 'task');
        const r = ctx.engine().sequences.command(account, { type: 'TASK_DONE', task, ...(o.note ? { note: o.note } : {}) }, { ...ctx.actor(), now: ctx.now, source: 'cli' });
        emit(ctx, r, `${describe(r)}; task ${task} done`);
      })();
    });
  seq.command('resume').argument('<account>').requiredOption('--reason <text>', 'why (e.g. the warm lead went quiet)')
    .description('restart a sequence a warm reply paused, or the stage\'s sequence after a reply stopped it')
    .action(function (this: Command, account: string) {
      const o = this.opts<{ reason: string }>();
      return run((ctx) => { const r = ctx.engine().sequences.command(account, { type: 'SEQUENCE_RESUME', reason: o.reason }, { ...ctx.actor(), now: ctx.now, source: 'cli' }); emit(ctx, r, describe(r)); })();
    });
  seq.command('contact').argument('<account>').requiredOption('--contact <who>', 'the right contact (after a wrong-person reply)')
    .description('start a fresh sequence with the right contact (HO 5.6 #5; sales.ops)')
    .action(function (this: Command, account: string) {
      const o = this.opts<{ contact: string }>();
      return run((ctx) => { const r = ctx.engine().sequences.command(account, { type: 'SEQUENCE_CONTACT', contact: o.contact }, { ...ctx.actor(), now: ctx.now, source: 'cli' }); emit(ctx, r, describe(r)); })();
    });

  const sends = program.command('sends').description('the day\'s touches (HO 5.5): the plan under the warm-up cap, the SMTP executor, the export for Apollo or by hand');
  const dayOpt = (cmd: Command) => cmd.option('--date <YYYY-MM-DD>', 'the day (default: the day of --now)');
  const dayOf = (ctx: { now: string }, raw?: string) => {
    if (raw !== undefined && !DAY.test(raw)) throw new BadInputError(`--date: expected a calendar date YYYY-MM-DD; got ${JSON.stringify(raw)}`, 'date');
    return raw ?? ctx.now.slice(0, 10);
  };
  const planText = (p: ReturnType<ReturnType<import('../context.js').CliContext['engine']>['sequences']['plan']>) => p.off
    ? `${p.day}: sequences are off (ladder settings set sequences.enabled true): nothing planned or handed over`
    : p.paused
    ? `${p.day}: sending is paused (bounce rate, HO 5.5): nothing planned; ladder sends resume --reason …`
    : !p.businessDay ? `${p.day} is not a business day: nothing planned`
      : `${p.day}: ${p.used} of ${p.cap} (the day's cap); ${p.queued} newly queued, ${p.rolled} rolled to the next business day${p.cancelled ? `, ${p.cancelled} cancelled (suppressed)` : ''}${p.blocked.length ? `, ${p.blocked.length} blocked:\n  ${p.blocked.slice(0, 20).map((b) => `#${b.id} ${b.account}: ${b.why}`).join('\n  ')}${p.blocked.length > 20 ? `\n  … ${p.blocked.length - 20} more` : ''}` : ''}`;

  dayOpt(sends.command('plan').description('plan the day: take due touches in priority order up to the cap; the rest roll to the next business day'))
    .action(function (this: Command) {
      const o = this.opts<{ date?: string }>();
      return run((ctx) => { const p = ctx.engine().sequences.plan(dayOf(ctx, o.date), { ...ctx.actor(), now: ctx.now, source: 'cli' }); emit(ctx, p, planText(p)); })();
    });
  dayOpt(sends.command('due').description('the day\'s touches, rendered, handed to an external sequencer (record each with ladder sends record)'))
    .option('--csv', 'as CSV (id, message_id, account, contact, sequence, step, subject, body)')
    .option('--preview', 'show them without handing them over')
    .action(function (this: Command) {
      const o = this.opts<{ date?: string; csv?: boolean; preview?: boolean }>();
      return run((ctx) => {
        const r = ctx.engine().sequences.due(dayOf(ctx, o.date), { ...ctx.actor(), now: ctx.now, source: 'cli', preview: o.preview });
        if (o.csv && !ctx.json) {
          const cols = ['id', 'messageId', 'account', 'contact', 'sequence', 'step', 'template', 'subject', 'body'] as const;
          ctx.io.out([['id', 'message_id', 'account', 'contact', 'sequence', 'step', 'template', 'subject', 'body'].join(','), ...r.sends.map((s) => cols.map((c) => csvField(s[c])).join(','))].join('\n'));
          return;
        }
        emit(ctx, r, [planText(r.plan), ...r.sends.map((s) => `#${s.id} ${s.account} → ${s.contact}: ${s.sequence} step ${s.step} (${s.template}) "${s.subject}" ${s.messageId}`),
          r.sends.length ? (o.preview ? '(preview: nothing handed over)' : `${r.sends.length} handed over; record each: ladder sends record ID --sent | --bounced`) : 'nothing to hand over']);
      })();
    });
  sends.command('record').argument('<id>', 'the send (#id in ladder sends due / list)')
    .option('--sent', 'it went out').option('--bounced', 'it bounced').option('--reason <text>', 'the bounce message, or a note')
    .description('record what an external sequencer did with a touch; a bounce counts toward the rate that pauses sending (HO 5.5)')
    .action(function (this: Command, id: string) {
      const o = this.opts<{ sent?: boolean; bounced?: boolean; reason?: string }>();
      return run((ctx) => {
        if (Boolean(o.sent) === Boolean(o.bounced)) throw new BadInputError('--sent or --bounced: say which one happened', 'outcome');
        const n = Number(id);
        if (!Number.isInteger(n) || n < 1 || String(n) !== id.trim()) throw new BadInputError(`id: expected a send number; got ${JSON.stringify(id)}`, 'id');
        const engine = ctx.engine();
        const r = engine.sequences.record(n, o.sent ? 'sent' : 'bounced', { ...ctx.actor(), now: ctx.now, source: 'cli', ...(o.reason ? { reason: o.reason } : {}) });
        const paused = engine.sequences.sendingState() === 'paused';
        emit(ctx, { ...r, sending: paused ? 'paused' : 'sending' }, `#${r.id} ${r.account}: ${r.status}${paused ? '; sending is paused: the bounce rate passed its threshold (HO 5.5)' : ''}`);
      })();
    });
  sends.command('run').description('send the day\'s queued touches through the SMTP server of the settings (password: LADDER_SMTP_PASSWORD)')
    .action(() => run(async (ctx) => {
      const r = await runSmtp(ctx.engine(), { now: ctx.now, as: ctx.actor(), source: 'cli', env: ctx.io.env });
      emit(ctx, r, [planText(r.plan), `${r.sent.length} sent, ${r.bounced.length} bounced, ${r.skipped.length} skipped`,
        ...r.bounced.map((b) => `  bounced #${b.id} ${b.to}: ${b.why}`), ...r.skipped.map((s) => `  skipped #${s.id}: ${s.why}`), ...(r.stopped ? [`stopped: ${r.stopped}`] : [])]);
    })());
  sends.command('resume').requiredOption('--reason <text>', 'what was fixed (the list cleaned, the domain checked)')
    .description('resume every sequence after a bounce pause (sales.ops, HO 5.5)')
    .action(function (this: Command) {
      const o = this.opts<{ reason: string }>();
      return run((ctx) => { const r = ctx.engine().sequences.resumeSending(o.reason, { ...ctx.actor(), now: ctx.now, source: 'cli' }); emit(ctx, r, `sending: ${r.before} → ${r.after}`); })();
    });
  dayOpt(sends.command('list').description('touches by day or status'))
    .option('--status <s>', 'planned, queued, exported, sending, sent, bounced, cancelled').option('--account <domain>', 'one account')
    .action(function (this: Command) {
      const o = this.opts<{ date?: string; status?: string; account?: string }>();
      return run((ctx) => {
        const rows = listSends(ctx.reader().engine, { ...(o.date ? { day: dayOf(ctx, o.date) } : {}), ...(o.status ? { status: o.status } : {}), ...(o.account ? { account: accountKey(o.account) } : {}) });
        emit(ctx, rows, rows.length ? rows.map((x) => `#${x.id} ${x.account.padEnd(24)} ${x.sequence} step ${x.step} ${x.status.padEnd(9)} ${x.queuedFor ?? x.plannedFor}${x.rolls ? ` (rolled ${x.rolls}×)` : ''}${x.detail ? ` — ${x.detail}` : ''}`) : 'no sends');
      })();
    });
  dayOpt(sends.command('status').description('sending or paused, the day\'s cap and use, the bounce rate over its window'))
    .action(function (this: Command) {
      const o = this.opts<{ date?: string }>();
      return run((ctx) => {
        const s = sendingStatus(ctx.reader().engine, dayOf(ctx, o.date), ctx.now);
        emit(ctx, s, `${s.state}; ${s.day}: ${s.used} of ${s.cap} (week ${s.week} of the warm-up); bounce rate ${(s.bounceRate * 100).toFixed(1)} % (${s.bounced} of ${s.done} in ${s.windowDays} days; pauses over ${(s.maxRate * 100).toFixed(0)} %)`);
      })();
    });
}
