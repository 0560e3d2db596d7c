// `ladder template …` and `ladder recipients …` (issue 14, HO 5.1-5.4): email-sequence templates as immutable
// versions, their approval (category.positioning submits, the CMO approves messaging, the CRO gives GO / NO-GO on
// Activation), and recipient lists the CRO approves. Every decision goes through the engine (roles, SLAs, refusals).
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { parse as parseCsv } from 'csv-parse/sync';
import { createTwoFilesPatch } from 'diff';
import { BadInputError } from '../../engine/errors.js';
import type { ActorApplied } from '../../engine/actors.js';
import { listRecipientLists, listTemplates, showRecipientList, showTemplate } from '../../template-queries.js';
import { emit } from '../output.js';
import type { Run } from './events.js';

const MAX_TEMPLATE_BYTES = 200_000;
const STATE_WORDS: Record<string, string> = {
  draft: 'draft', cmoReview: 'waiting for the CMO', croReview: 'waiting for the CRO (GO / NO-GO)', approved: 'approved', retired: 'retired',
  proposed: 'waiting for the CRO', rejected: 'rejected', withdrawn: 'withdrawn',
};
const words = (s: string | null) => (s ? STATE_WORDS[s] ?? s : 'new');

export function describeActor(a: ActorApplied): string {
  if (a.status === 'duplicate') return `${a.id}: already recorded (#${a.seq}); it is ${words(a.after)}; nothing changed`;
  const caught = a.caughtUp.map((t) => `first, ${t.timerId.includes('ESCALATION') ? 'the 48-hour escalation' : 'the SLA'} had fallen due at ${t.at}; `).join('');
  const move = a.before === null ? `stored: ${words(a.after)}` : a.before === a.after ? `stays ${words(a.after)}` : `${words(a.before)} → ${words(a.after)}`;
  const timers = a.armed.map((t) => `${t.timerId.includes('ESCALATION') ? 'escalates to chief.staff at' : 'SLA due'} ${t.dueAt}`);
  return `${a.id}: ${caught}${move} (#${a.seq})${timers.length ? `; ${timers.join(', ')}` : ''}`;
}

function readTemplateFile(path: string): { name: string; text: string } {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new BadInputError(`${path}: no such file`, 'file');
  if (!st.isFile()) throw new BadInputError(`${path}: not a file`, 'file');
  if (st.size > MAX_TEMPLATE_BYTES) throw new BadInputError(`${path}: ${st.size} bytes; a template is at most ${MAX_TEMPLATE_BYTES} bytes`, 'file');
  return { name: basename(path), text: readFileSync(path, 'utf8') };
}

/** `--entry acme.com=jane@acme.com` (repeatable) and `--file list.csv` (columns account, contact). */
function recipientsOf(entries: string[], file?: string): { account: string; contact: string }[] {
  const out = entries.map((e) => {
    const i = e.indexOf('=');
    if (i <= 0 || i === e.length - 1) throw new BadInputError(`--entry: expected ACCOUNT=CONTACT (acme.com=jane@acme.com or acme.com=https://linkedin.com/in/jane); got ${JSON.stringify(e)}`, 'entry');
    return { account: e.slice(0, i).trim(), contact: e.slice(i + 1).trim() };
  });
  if (file) {
    const st = statSync(file, { throwIfNoEntry: false });
    if (!st?.isFile()) throw new BadInputError(`--file: ${file} is not a file`, 'file');
    let rows: Record<string, string>[];
    try {
      rows = parseCsv(readFileSync(file, 'utf8'), { bom: true, columns: (h: string[]) => h.map((x) => x.trim().toLowerCase()), skip_empty_lines: true }) as Record<string, string>[];
    } catch (err) {
      throw new BadInputError(`--file: ${file} is not a CSV with a header row account,contact (${(err as Error).message})`, 'file');
    }
    for (const [i, r] of rows.entries()) {
      if (!r.account || !r.contact) throw new BadInputError(`--file: ${file} row ${i + 2}: needs the columns account and contact`, 'file');
      out.push({ account: r.account.trim(), contact: r.contact.trim() });
    }
  }
  return out;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerTemplateCommands(program: Command, run: Run): void {
  const template = program.command('template').description('email-sequence templates (HO 5): versions, content rules, approval (CMO, then CRO GO / NO-GO for Activation)');

  template.command('add').argument('<files...>', 'template files: Markdown with front matter (sequence, step, subject)')
    .description('store each file as a new version (a draft), after checking the content rules of HO 5.3 (category.positioning)')
    .action((files: string[]) => run((ctx) => {
      const read = files.map(readTemplateFile);
      const engine = ctx.engine();
      const out = read.map((f) => engine.templates.add(f, { ...ctx.actor(), now: ctx.now, source: 'cli' }));
      emit(ctx, out.length === 1 ? out[0] : out, out.map((r) => (r.duplicate ? `${r.template}: this text is version ${r.versionOf} already; nothing stored` : `${r.template}: stored as version ${r.versionOf} (draft); submit it with: ladder template submit ${r.template}`)));
    })());

  template.command('list').description('template versions and where their approval stands')
    .option('--sequence <type>', 'only this sequence type (Nurture-MQL, Activation-SQL, Re-engagement, Post-Briefing)')
    .option('--state <state>', 'only this state: draft, cmoReview, croReview, approved, retired')
    .action(function (this: Command) {
      const o = this.opts<{ sequence?: string; state?: string }>();
      return run((ctx) => {
        const rows = listTemplates(ctx.reader().engine, o);
        const w = Math.max(8, ...rows.map((r) => r.id.length));
        emit(ctx, rows, rows.length ? rows.map((r) => `${r.id.padEnd(w)}  ${r.sequence.padEnd(15)} step ${String(r.step).padEnd(3)} ${words(r.state).padEnd(32)} ${r.subject}`) : 'no templates (ladder template add FILE)');
      })();
    });

  template.command('show').argument('<id>').description('a version: its text, approval, SLA timers, feedback, recipient lists and history')
    .action((id: string) => run((ctx) => {
      const t = showTemplate(ctx.reader().engine, id);
      emit(ctx, t, [
        `${t.id} (${t.sequence}, step ${t.step}, version ${t.version}, ${t.flow} flow) — ${words(t.state)}${t.waitingSince ? ` since ${t.waitingSince}` : ''}`,
        `added ${t.addedAt} by ${t.addedBy} from ${t.file}; sha256 ${t.hash.slice(0, 16)}…`,
        ...(t.timers.length ? [`timers: ${t.timers.map((x) => `${x.timer} due ${x.dueAt}`).join(', ')}`] : []),
        ...(t.slaBreaches.length ? [`SLA missed: ${t.slaBreaches.map((m) => `${m.step.toUpperCase()} (round ${m.round}, due ${m.dueAt})`).join(', ')}`] : []),
        ...(t.escalations.length ? [`escalated to chief.staff: ${t.escalations.map((m) => `${m.step.toUpperCase()} (round ${m.round})`).join(', ')}`] : []),
        ...t.feedback.map((f) => `feedback from the ${f.step.toUpperCase()} (${f.by}, ${f.at}): ${f.text}`),
        ...(t.recipientLists.length ? [`recipient lists: ${t.recipientLists.map((l) => `${l.id} ${words(l.state)}`).join(', ')}`] : []),
        'history:', ...t.events.map((e) => `  #${e.seq} ${e.at} ${e.type} by ${e.by} (${e.role})${e.from && e.from !== e.to ? `: ${words(e.from)} → ${words(e.to)}` : ''}${e.reason ? ` — ${e.reason}` : ''}`),
        ...(t.refusals.length ? ['refused:', ...t.refusals.map((r) => `  ${r.at} ${r.type} by ${r.by} (${r.role}): ${r.why}`)] : []),
        '', t.text,
      ]);
    })());

  template.command('diff').argument('<a>').argument('<b>').description('what changed between two versions (a unified diff of the files)')
    .action((a: string, b: string) => run((ctx) => {
      const engine = ctx.reader().engine;
      const x = showTemplate(engine, a);
      const y = showTemplate(engine, b);
      const patch = createTwoFilesPatch(a, b, x.text, y.text, x.addedAt, y.addedAt);
      emit(ctx, { a, b, patch, same: x.hash === y.hash }, x.hash === y.hash ? `${a} and ${b} have the same text` : patch.trimEnd());
    })());

  const decide = (name: string, type: string, description: string, extra?: { flag: string; field: string; help: string }) => {
    const cmd = template.command(name).argument('<id>').description(description);
    if (extra) cmd.option(extra.flag, extra.help);
    cmd.option('--version <n>', 'the version of the approval you read (ladder template show): refused if it moved since');
    cmd.action(function (this: Command, id: string) {
      const o = this.opts<Record<string, string | undefined>>();
      return run((ctx) => {
        const field = extra?.field;
        const value = field ? o[field] : undefined;
        if (extra && (value === undefined || value.trim() === '')) throw new BadInputError(`${extra.flag.split(' ')[0]}: required: ${extra.help}`, field!);
        const expectedVersion = o.version === undefined ? undefined : Number.parseInt(o.version, 10);
        if (o.version !== undefined && (!Number.isInteger(expectedVersion) || String(expectedVersion) !== o.version.trim())) throw new BadInputError(`--version: expected a whole number; got ${JSON.stringify(o.version)}`, 'version');
        const r = ctx.engine().templates.decide(id, { type, ...(field ? { [field]: value } : {}) }, { ...ctx.actor(), now: ctx.now, source: 'cli', expectedVersion });
        emit(ctx, r, describeActor(r));
      })();
    });
  };
  decide('submit', 'TEMPLATE_SUBMIT', 'submit a draft for approval (category.positioning): the CMO has 1 business day');
  decide('approve', 'CMO_APPROVE', 'approve the messaging and brand (CMO); Activation then goes to the CRO for GO / NO-GO');
  decide('reject', 'CMO_REJECT', 'send it back to category.positioning with feedback (CMO)', { flag: '--feedback <text>', field: 'feedback', help: 'what the messaging needs' });
  decide('go', 'CRO_GO', 'GO on the sales narrative of an Activation template (CRO)');
  decide('no-go', 'CRO_NO_GO', 'NO-GO: back to category.positioning with feedback; the CRO never edits the copy (CRO)', { flag: '--feedback <text>', field: 'feedback', help: 'what the sales narrative needs' });
  decide('retire', 'TEMPLATE_RETIRE', 'withdraw an approved version from use (CMO)', { flag: '--reason <text>', field: 'reason', help: 'why it is withdrawn' });

  const recipients = program.command('recipients').description('recipient lists of a template version, approved by the CRO (HO 5.4.1-5.4.3)');
  recipients.command('propose').requiredOption('--template <id>', 'the template version')
    .option('--entry <account=contact>', 'a recipient: ACCOUNT=CONTACT; repeatable', collect, [])
    .option('--file <list.csv>', 'recipients from a CSV with the columns account and contact')
    .option('--note <text>', 'why this batch')
    .description('propose a list (sales.ops): each recipient is checked (not suppressed, at the sequence\'s target stage)')
    .action(function (this: Command) {
      const o = this.opts<{ template: string; entry: string[]; file?: string; note?: string }>();
      return run((ctx) => {
        const entries = recipientsOf(o.entry, o.file);
        const r = ctx.engine().templates.proposeRecipients({ template: o.template, entries, ...(o.note ? { note: o.note } : {}) }, { ...ctx.actor(), now: ctx.now, source: 'cli' });
        emit(ctx, r, `${r.list}: ${entries.length} recipient${entries.length === 1 ? '' : 's'} for ${o.template}, waiting for the CRO (1 business day); ${describeActor(r)}`);
      })();
    });
  const listDecision = (name: string, type: string, description: string, extra?: { flag: string; field: string; help: string }) => {
    const cmd = recipients.command(name).argument('<list>').description(description);
    if (extra) cmd.option(extra.flag, extra.help);
    cmd.action(function (this: Command, list: string) {
      const o = this.opts<Record<string, string | undefined>>();
      return run((ctx) => {
        const field = extra?.field;
        const value = field ? o[field] : undefined;
        if (extra && (value === undefined || value.trim() === '')) throw new BadInputError(`${extra.flag.split(' ')[0]}: required: ${extra.help}`, field!);
        const r = ctx.engine().templates.decideRecipients(list, { type, ...(field ? { [field]: value } : {}) }, { ...ctx.actor(), now: ctx.now, source: 'cli' });
        emit(ctx, r, describeActor(r));
      })();
    });
  };
  listDecision('approve', 'RECIPIENTS_APPROVE', 'approve a list (CRO): checked again now (suppression, stage, the template\'s approval)');
  listDecision('reject', 'RECIPIENTS_REJECT', 'reject a list with feedback (CRO)', { flag: '--feedback <text>', field: 'feedback', help: 'why these are not the right recipients' });
  listDecision('withdraw', 'RECIPIENTS_WITHDRAW', 'withdraw a list (sales.ops or the CRO)', { flag: '--reason <text>', field: 'reason', help: 'why it is withdrawn' });
  recipients.command('list').option('--template <id>').option('--state <state>', 'proposed, approved, rejected, withdrawn').description('recipient lists, newest first')
    .action(function (this: Command) {
      const o = this.opts<{ template?: string; state?: string }>();
      return run((ctx) => {
        const rows = listRecipientLists(ctx.reader().engine, o);
        emit(ctx, rows, rows.length ? rows.map((r) => `${r.id.padEnd(9)} ${r.template.padEnd(24)} ${String(r.entries).padStart(5)} recipients  ${words(r.state).padEnd(22)} proposed ${r.proposedAt} by ${r.proposedBy}`) : 'no recipient lists (ladder recipients propose)');
      })();
    });
  recipients.command('show').argument('<list>').description('a list: its recipients with why each is on it, its approval and history')
    .action((list: string) => run((ctx) => {
      const l = showRecipientList(ctx.reader().engine, list);
      emit(ctx, l, [
        `${l.id} for ${l.template} — ${words(l.state)}; proposed ${l.proposedAt} by ${l.proposedBy}${l.note ? ` (${l.note})` : ''}`,
        ...(l.decision ? [`decided ${l.decision.at} by ${l.decision.by}${l.decision.feedback ? `: ${l.decision.feedback}` : ''}`] : []),
        ...(l.timers.length ? [`timers: ${l.timers.map((x) => `${x.timer} due ${x.dueAt}`).join(', ')}`] : []),
        ...(l.escalations.length ? ['escalated to chief.staff (48 hours)'] : []),
        `${l.entries.length} recipients:`, ...l.entries.map((e) => `  ${e.account}  ${e.contact}  (${e.why})`),
        ...(l.refusals.length ? ['refused:', ...l.refusals.map((r) => `  ${r.at} ${r.type} by ${r.by} (${r.role}): ${r.why}`)] : []),
      ]);
    })());
}
