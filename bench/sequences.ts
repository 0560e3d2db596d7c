// The sequences at scale (issue 15): a fleet of N MQLs (default 100 000) enrolled in Nurture through the engine,
// then the four costs a team pays, each against a baseline measured in the same run:
//   enrolment   — accounts made MQL per second with sequences on, against the same fleet with them off (the
//                 ladder hook's cost on the ladder's own path);
//   planning    — Day-1 touches planned per second by the sweep (timer fired, sends row with its Message-ID), against
//                 the bare pure transition() of the sequence machine over the same snapshots;
//   the day     — the day's plan over a backlog of N due touches under the cap (the priority order, approvals,
//                 suppression, rendering of what it takes, the roll of the rest);
//   sending     — touches handed to a local SMTP server by `ladder sends run` (claim, render, send, record),
//                 against nodemailer sending the same number of messages to the same server directly.
// Usage: npm run bench:sequences [-- --accounts 100000 --days 10]
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { transition } from 'xstate';
import { openLadder, type Ladder } from '../src/ladder.js';
import { runSmtp } from '../src/sending/smtp.js';
import { createSequenceMachine } from '../machines/sequence.js';
import { DEFAULT_SEQUENCE_SETTINGS } from '../machines/sequence-config.js';
import { parseTemplate } from '../machines/templates/parse.js';
import { DEFAULT_TEMPLATE_SETTINGS } from '../machines/templates/config.js';

const OPS = { by: 'bench', role: 'sales.ops' } as const;
const MON = '2026-06-01T07:00:00.000Z';
const VALUES = { sender_name: 'Rick', first_name: 'Jane', company_insight: 'three marketplaces launched in a year' };
const TEMPLATE = (step: number) => `---
sequence: Nurture-MQL
step: ${step}
subject: "{{company_name}} and the partner half of the forecast"
---

Hi {{first_name}},

I was reading up on {{company_name}} and one thing stood out: {{company_insight}}.
In my experience, that is the point where partner-sourced revenue grows faster than anyone can see it in the forecast.
RevOps handles one axis, ERI handles the other: which partners actually move a deal, and by how much.
I put together a short benchmark of how five peer companies track that second axis.
I can send the benchmark data — want me to?

Best,
{{sender_name}}

If this isn't useful, {{unsubscribe_link}} and I won't write again.
`;

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (n: number, ms: number) => n / (ms / 1000);
const domainOf = (i: number) => `seq${String(i).padStart(7, '0')}.example.com`;
function log(s: string) { process.stdout.write(`${s}\n`); }

function enrol(ladder: Ladder, n: number): number {
  const t0 = performance.now();
  for (let start = 0; start < n; start += 2000) {
    ladder.engine.batch((ops) => {
      for (let i = start; i < Math.min(n, start + 2000); i++) {
        const domain = domainOf(i);
        const meta = { ...OPS, now: MON, source: 'bench' as const };
        ops.addAccount({ domain, name: `Company ${i}`, hq: 'Porto', tier: i % 10 === 0 ? 'Tier 1' : 'Tier 2', icpScore: 70, extra: VALUES,
          facts: { employees: 1200, revenueUsd: 120_000_000, revenueConfirmed: true, partnerProgram: 'AWS', secondDegreeVpConnection: true, namedPartnerExec: true } }, meta);
        ops.submit({ account: domain, source: 'bench', now: MON, event: { type: 'SIGNAL', at: MON, ...OPS, signal: { id: `s${i}`, code: 'E1', interaction: 'comment', at: MON, contact: `ceo@${domain}` } } as never });
      }
    });
  }
  return performance.now() - t0;
}

async function main() {
  const { values } = parseArgs({ options: { accounts: { type: 'string', default: '100000' }, days: { type: 'string', default: '10' }, out: { type: 'string', default: join(process.cwd(), 'bench', 'results') } } });
  const n = Number(values.accounts);
  const days = Number(values.days);
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'ladder-bench-seq-'));
  const received: number[] = [];
  const server = new SMTPServer({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true, logger: false,
    onAuth: (_a, _s, cb) => cb(null, { user: 'bench' }),
    onData: (stream, _s, cb) => { stream.on('data', () => {}); stream.on('end', () => { received.push(Date.now()); cb(); }); } });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  const out: Record<string, unknown> = { accounts: n, days, startedAt: new Date().toISOString() };
  try {
    log(`ladder bench: sequences, ${n.toLocaleString('en')} MQLs`);
    // Enrolment: the same fleet with sequences off, then on.
    const off = openLadder(join(dir, 'off.db'), { mode: 'create', allowFuture: true });
    const offMs = enrol(off, n);
    off.close();
    const on = openLadder(join(dir, 'on.db'), { mode: 'create', allowFuture: true });
    on.engine.changeSettings((s) => ({ ...s, sequences: { ...s.sequences, enabled: true } }), { ...OPS, now: '2026-05-01T00:00:00.000Z', change: 'bench: sequences on', source: 'bench' });
    const onMs = enrol(on, n);
    const e = on.engine;
    log(`enrolment: ${rate(n, onMs).toFixed(0)} accounts/s with sequences (${secs(onMs)}), ${rate(n, offMs).toFixed(0)}/s without (${secs(offMs)}): ratio ${(offMs / onMs).toFixed(2)}`);
    out.enrolment = { withSequences: { ms: onMs, perSec: rate(n, onMs) }, without: { ms: offMs, perSec: rate(n, offMs) }, ratio: offMs / onMs };

    // Approved templates and CRO-approved lists (5 000 a list, HO 5.4.3).
    const t1 = performance.now();
    const tpl = e.templates.add({ name: 'nurture-1.md', text: TEMPLATE(1) }, { by: 'pat', role: 'category.positioning', now: MON, source: 'bench' });
    e.templates.decide(tpl.template, { type: 'TEMPLATE_SUBMIT' }, { by: 'pat', role: 'category.positioning', now: MON, source: 'bench' });
    e.templates.decide(tpl.template, { type: 'CMO_APPROVE' }, { by: 'carla', role: 'cmo', now: MON, source: 'bench' });
    for (let start = 0; start < n; start += 5000) {
      const entries = Array.from({ length: Math.min(5000, n - start) }, (_, k) => ({ account: domainOf(start + k), contact: `ceo@${domainOf(start + k)}` }));
      const l = e.templates.proposeRecipients({ template: tpl.template, entries }, { ...OPS, now: MON, source: 'bench' });
      e.templates.decideRecipients(l.list, { type: 'RECIPIENTS_APPROVE' }, { by: 'marcus', role: 'cro', now: MON, source: 'bench' });
    }
    const listMs = performance.now() - t1;
    log(`recipient lists: ${n.toLocaleString('en')} entries checked twice (proposal, approval) in ${secs(listMs)} (${rate(n, listMs).toFixed(0)} entries/s)`);
    out.lists = { ms: listMs, entriesPerSec: rate(n, listMs) };

    // Planning: the sweep fires every Day-1 touch timer; baseline: the bare pure step over the same snapshots.
    const snapshots = on.store.sqlite.prepare(`select snapshot from machine_actors where kind = 'sequence'`).pluck().all() as string[];
    const machine = createSequenceMachine({ sequences: DEFAULT_SEQUENCE_SETTINGS, holidays: [] });
    const event = { type: 'xstate.after.NEXT_TOUCH.sequence.active', at: '2026-06-01T09:00:00.000Z', by: 'system', role: 'system' } as never;
    const t2 = performance.now();
    for (const s of snapshots) transition(machine, machine.resolveState(JSON.parse(s)), event);
    const bareMs = performance.now() - t2;
    const sweep = e.sweep({ now: '2026-06-01T09:30:00.000Z', as: OPS, source: 'bench' });
    const sweepMs = performance.now() - t2 - bareMs;
    const planned = on.store.sqlite.prepare(`select count(*) from sends where status = 'planned'`).pluck().get() as number;
    log(`planning: ${planned.toLocaleString('en')} touches planned by the sweep in ${secs(sweepMs)} (${rate(planned, sweepMs).toFixed(0)}/s); bare transition() ${rate(snapshots.length, bareMs).toFixed(0)}/s: ratio ${(bareMs / sweepMs).toFixed(3)}`);
    out.planning = { touches: planned, fired: sweep.fired, ms: sweepMs, perSec: rate(planned, sweepMs), bare: { steps: snapshots.length, ms: bareMs, perSec: rate(snapshots.length, bareMs) }, ratio: bareMs / sweepMs };

    // The day's plan over the whole backlog (cap 50 from week 4 of the warm-up).
    e.changeSettings((s) => ({ ...s, sequences: { ...s.sequences, warmupStart: '2026-05-01', smtp: { host: '127.0.0.1', port, secure: false, user: 'bench', from: 'rick@example.com', fromName: 'Rick' } } }),
      { ...OPS, now: '2026-06-01T09:31:00.000Z', change: 'bench: the local SMTP server', source: 'bench' });
    const t3 = performance.now();
    const plan = e.sequences.plan('2026-06-01', { ...OPS, now: '2026-06-01T09:40:00.000Z', source: 'bench' });
    const planMs = performance.now() - t3;
    log(`the day's plan: ${(plan.queued + plan.rolled).toLocaleString('en')} due touches, ${plan.queued} queued under the cap of ${plan.cap}, ${plan.rolled.toLocaleString('en')} rolled, in ${secs(planMs)} (${rate(plan.queued + plan.rolled, planMs).toFixed(0)} touches/s)`);
    out.dayPlan = { candidates: plan.queued + plan.rolled, queued: plan.queued, rolled: plan.rolled, cap: plan.cap, ms: planMs, perSec: rate(plan.queued + plan.rolled, planMs) };

    // Sending: `sends run` on `days` business days (each plans its day, then hands over its cap).
    let sent = 0;
    let sendMs = 0;
    let planDaysMs = 0;
    let day = Date.parse('2026-06-01T10:00:00.000Z');
    for (let d = 0; d < days; d++) {
      while ([0, 6].includes(new Date(day).getUTCDay())) day += 86_400_000;
      const tp = performance.now();
      e.sequences.plan(new Date(day).toISOString().slice(0, 10), { ...OPS, now: new Date(day).toISOString(), source: 'bench' });
      planDaysMs += performance.now() - tp;
      const t = performance.now();
      const r = await runSmtp(e, { now: new Date(day).toISOString(), as: OPS, source: 'bench', env: { LADDER_SMTP_PASSWORD: 'bench' } });
      sendMs += performance.now() - t;
      sent += r.sent.length;
      day += 86_400_000;
    }
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, auth: { user: 'bench', pass: 'bench' }, pool: true, maxConnections: 1 });
    const content = parseTemplate(TEMPLATE(1), Object.keys(DEFAULT_TEMPLATE_SETTINGS.types));
    const body = content.ok ? content.template.body : '';
    const t4 = performance.now();
    for (let i = 0; i < sent; i++) await transport.sendMail({ from: 'rick@example.com', to: `ceo@${domainOf(i)}`, subject: 'bench', text: body, messageId: `<bare.${i}@example.com>` });
    const bareSendMs = performance.now() - t4;
    transport.close();
    log(`sending: ${sent} touches over ${days} days in ${secs(sendMs)} (${rate(sent, sendMs).toFixed(1)}/s: claim, render, SMTP, record); nodemailer alone ${rate(sent, bareSendMs).toFixed(1)}/s: ratio ${(bareSendMs / sendMs).toFixed(3)}; each day's plan over the backlog ${secs(planDaysMs / days)}`);
    out.sending = { sent, days, ms: sendMs, perSec: rate(sent, sendMs), bare: { ms: bareSendMs, perSec: rate(sent, bareSendMs) }, ratio: bareSendMs / sendMs, received: received.length, planPerDayMs: planDaysMs / days };
    on.close();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
  out.finishedAt = new Date().toISOString();
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(join(values.out!, 'sequences.json'), `${JSON.stringify(out, null, 2)}\n`);
  log(`written: ${join(values.out!, 'sequences.json')}`);
}

main().catch((err: unknown) => { process.stderr.write(`${(err as Error).stack ?? String(err)}\n`); process.exitCode = 1; });
