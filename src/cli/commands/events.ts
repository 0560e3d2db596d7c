// Commands that send one event to one account through the engine.
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { BUYING_SCORES, DISQUALIFY_REASONS, GATES, SIGNAL_CODES, E1_INTERACTIONS } from '../../../machines/types.js';
import { BadInputError } from '../../engine/errors.js';
import { accountKey } from '../../queries.js';
import type { CliContext } from '../context.js';
import { describeApplied, emit } from '../output.js';
import { instantFlag, tierFlag } from '../flags.js';
import { parseDecimal } from '../../../machines/rules/values.js';
import type { LadderCommandEvent } from '../../../machines/events.js';

type Body = Record<string, unknown> & { type: LadderCommandEvent['type'] };
export type Run = (fn: (ctx: CliContext) => void | Promise<void>) => () => Promise<void>;

export function sendEvent(ctx: CliContext, accountInput: string, body: Body, opts: { at?: string; idempotencyKey?: string } = {}) {
  const account = accountKey(accountInput);
  const engine = ctx.engine();
  const now = ctx.now;
  const applied = engine.submit({
    account, source: 'cli', now, idempotencyKey: opts.idempotencyKey,
    event: { ...body, at: opts.at ?? now, ...ctx.actor() } as LadderCommandEvent,
  });
  emit(ctx, applied, describeApplied(applied));
  return applied;
}

const oneOf = (field: string, allowed: readonly string[], raw: string, normalize = (s: string) => s) => {
  const v = normalize(raw);
  if (!allowed.includes(v)) throw new BadInputError(`${field}: expected one of ${allowed.join(', ')}; got "${raw}"`, field);
  return v;
};
const score = (field: string, raw: string) => oneOf(field, BUYING_SCORES, raw, (s) => s.toUpperCase().replace(/[\s-]+/g, '_'));

/**
 * --fact key=value: true/false are booleans, decimal digits are numbers (the one decimal reader: `0x10` stays the
 * text "0x10", which the schema then refuses for a number), the rest is text. Built with Object.fromEntries, so a
 * key such as __proto__ is a field (refused by the schema, naming it), never the object's prototype.
 */
function parseFacts(pairs: string[]): Record<string, unknown> {
  return Object.fromEntries(pairs.map((pair) => {
    const i = pair.indexOf('=');
    if (i <= 0) throw new BadInputError(`--fact: expected key=value (e.g. employees=1200, partnerProgram=AWS); got "${pair}"`, 'fact');
    const key = pair.slice(0, i).trim();
    const raw = pair.slice(i + 1).trim();
    const n = parseDecimal(raw);
    return [key, raw === 'true' ? true : raw === 'false' ? false : n.ok ? n.value : raw];
  }));
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerEventCommands(program: Command, run: Run) {
  program.command('signal')
    .description('record engagement: one signal (--code) on ACCOUNT, or signal notes (NOTE.md … / --dir DIR)')
    .argument('[targets...]', 'ACCOUNT with --code, else signal-note files')
    .option('--code <E>', `engagement signal: ${SIGNAL_CODES.join(', ')}`)
    .option('--contact <who>', 'the contact (LinkedIn URL or e-mail) the signal came from')
    .option('--interaction <kind>', `for E1: ${E1_INTERACTIONS.join(', ')}`)
    .option('--at <iso>', 'when it happened (default: --now)')
    .option('--id <id>', 'a stable id; re-sending the same id records nothing twice')
    .option('--source <text>', 'where it was seen')
    .option('--dir <dir>', 'read every *.md signal note in DIR')
    .action(function (this: Command, targets: string[]) {
      const o = this.opts();
      return run(async (ctx) => {
        if (!o.code) {
          const { runSignalNotes } = await import('./notes.js');
          return runSignalNotes(ctx, targets, o.dir);
        }
        if (targets.length !== 1) throw new BadInputError('signal: with --code give exactly one ACCOUNT (e.g. ladder signal acme.com --code E1 --interaction comment --contact jane)', 'account');
        const code = oneOf('--code', SIGNAL_CODES, String(o.code).toUpperCase());
        if (!o.contact) throw new BadInputError('--contact: required: who engaged (signals aggregate per contact onto the account)', 'contact');
        const interaction = o.interaction ? oneOf('--interaction', E1_INTERACTIONS, String(o.interaction).toLowerCase()) : undefined;
        const at = o.at === undefined ? ctx.now : instantFlag('--at', o.at);
        const account = accountKey(targets[0]!);
        const id = o.id ?? `cli:${createHash('sha256').update([account, code, o.contact, interaction ?? '', at].join('|')).digest('hex').slice(0, 16)}`;
        sendEvent(ctx, account, { type: 'SIGNAL', signal: { id, code, contact: o.contact, at, ...(interaction ? { interaction } : {}), ...(o.source ? { source: o.source } : {}) } },
          { idempotencyKey: `signal:${account}:${id}` });
      })();
    });

  program.command('facts')
    .description('record the facts ICP gates are computed from, or a manual gate verdict (with --why)')
    .argument('<account>')
    .option('--fact <key=value>', 'a fact (employees, revenueUsd, partnerProgram, namedReferral, …); repeatable', collect, [])
    .option('--gate <G>', `manual verdict for a gate: ${GATES.join(', ')}`)
    .option('--pass', 'the manual verdict passes the gate')
    .option('--fail', 'the manual verdict fails the gate')
    .option('--why <text>', 'why (required with --gate)')
    .option('--tier <tier>', 're-tier on material change: Tier 1, Tier 2, Tier 3, Network, Reject (also T1-T3 or 1-3)')
    .action(function (this: Command, account: string) {
      const o = this.opts();
      return run((ctx) => {
        let verdict: Record<string, unknown> | undefined;
        if (o.gate) {
          if (Boolean(o.pass) === Boolean(o.fail)) throw new BadInputError('--gate: give exactly one of --pass or --fail', 'pass');
          verdict = { gate: oneOf('--gate', GATES, String(o.gate).toUpperCase()), pass: Boolean(o.pass), why: o.why ?? '' };
        }
        const tier = o.tier ? tierFlag('--tier', o.tier) : undefined;
        if (!o.fact.length && !verdict && !tier) throw new BadInputError('facts: nothing to record; give --fact key=value, --gate G --pass|--fail --why …, or --tier', 'fact');
        sendEvent(ctx, account, { type: 'FACTS', facts: parseFacts(o.fact), ...(verdict ? { verdict } : {}), ...(tier ? { tier } : {}) });
      })();
    });

  const dossier = program.command('dossier')
    .description('record the SQL dossier: S1-S4 each CONFIRMED, LIKELY, UNVERIFIED or NOT_PRESENT (HO 4.3)')
    .argument('<account>');
  for (const s of ['s1', 's2', 's3', 's4']) {
    dossier.requiredOption(`--${s} <score>`, `${s.toUpperCase()} score`).option(`--evidence-${s} <text>`, `${s.toUpperCase()} evidence`);
  }
  dossier.action(function (this: Command, account: string) {
    const o = this.opts();
    return run((ctx) => {
      const scores = Object.fromEntries(['S1', 'S2', 'S3', 'S4'].map((s) => [s, score(`--${s.toLowerCase()}`, o[s.toLowerCase()])]));
      const evidence = Object.fromEntries(['S1', 'S2', 'S3', 'S4'].flatMap((s) => (o[`evidence${s}`] ? [[s, o[`evidence${s}`]]] : [])));
      sendEvent(ctx, account, { type: 'DOSSIER', scores, ...(Object.keys(evidence).length ? { evidence } : {}) });
    })();
  });

  const cro = program.command('cro').description("the CRO's decisions (CRO only)");
  cro.command('confirm').argument('<account>').option('--note <text>').description('confirm an SQL at review')
    .action(function (this: Command, a: string) { const o = this.opts(); return run((ctx) => { sendEvent(ctx, a, { type: 'CRO_CONFIRM', ...(o.note ? { note: o.note } : {}) }); })(); });
  cro.command('dispute').argument('<account>').option('--reason <text>', 'why (kept for signal calibration; required)').description('dispute an SQL at review: back to MQL')
    .action(function (this: Command, a: string) { const o = this.opts(); return run((ctx) => { sendEvent(ctx, a, { type: 'CRO_DISPUTE', reason: o.reason ?? '' }); })(); });
  cro.command('flag').argument('<account>').option('--note <text>').description('flag for immediate outreach: confirmed, high priority')
    .action(function (this: Command, a: string) { const o = this.opts(); return run((ctx) => { sendEvent(ctx, a, { type: 'CRO_FLAG', ...(o.note ? { note: o.note } : {}) }); })(); });
  cro.command('override').argument('<account>')
    .option('--gate <G>', 'the failed gate').option('--justification <text>', 'why the override is justified')
    .option('--compensating <signal>', 'a compensating signal present; repeatable', collect, [])
    .description('override one failed ICP gate (HO 3.6)')
    .action(function (this: Command, a: string) {
      const o = this.opts();
      return run((ctx) => {
        const gate = oneOf('--gate', GATES, String(o.gate ?? '').toUpperCase());
        sendEvent(ctx, a, { type: 'CRO_OVERRIDE', gate, justification: o.justification ?? '', compensatingSignals: o.compensating });
      })();
    });
  cro.command('reopen').argument('<account>').option('--reason <text>', 'why (required)').description('reopen a disqualified account (not opt-out, hostile, competitor)')
    .action(function (this: Command, a: string) { const o = this.opts(); return run((ctx) => { sendEvent(ctx, a, { type: 'CRO_REOPEN', reason: o.reason ?? '' }); })(); });

  const briefing = program.command('briefing').description('the free Briefing');
  briefing.command('scheduled').argument('<account>').option('--for <iso>', 'when it will be held')
    .action(function (this: Command, a: string) { const o = this.opts(); return run((ctx) => { sendEvent(ctx, a, { type: 'BRIEFING_SCHEDULED', ...(o.for ? { scheduledFor: instantFlag('--for', o.for) } : {}) }); })(); });
  briefing.command('completed').argument('<account>')
    .action((a: string) => run((ctx) => { sendEvent(ctx, a, { type: 'BRIEFING_COMPLETED' }); })());

  const assessment = program.command('assessment').description('the $2,500 Assessment');
  assessment.command('qualified').argument('<account>').action((a: string) => run((ctx) => { sendEvent(ctx, a, { type: 'ASSESSMENT_QUALIFIED' }); })());
  assessment.command('won').argument('<account>').action((a: string) => run((ctx) => { sendEvent(ctx, a, { type: 'ASSESSMENT_WON' }); })());
  assessment.command('lost').argument('<account>').option('--reason <text>', 'why it was lost (required)')
    .action(function (this: Command, a: string) { const o = this.opts(); return run((ctx) => { sendEvent(ctx, a, { type: 'ASSESSMENT_LOST', reason: o.reason ?? '' }); })(); });

  program.command('disqualify').argument('<account>')
    .option('--reason <code>', `reason code: ${DISQUALIFY_REASONS.join(', ')}`).option('--note <text>')
    .description('remove from the pipeline with a reason code (HO 3.5); opt-out and hostile also suppress')
    .action(function (this: Command, a: string) {
      const o = this.opts();
      return run((ctx) => {
        const reason = oneOf('--reason', DISQUALIFY_REASONS, String(o.reason ?? ''));
        sendEvent(ctx, a, { type: 'DISQUALIFY', reason, ...(o.note ? { note: o.note } : {}) });
      })();
    });
  program.command('archive').argument('<account>').option('--reason <text>').description('archive by hand')
    .action(function (this: Command, a: string) { const o = this.opts(); return run((ctx) => { sendEvent(ctx, a, { type: 'ARCHIVE', ...(o.reason ? { reason: o.reason } : {}) }); })(); });
}
