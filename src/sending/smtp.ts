// The built-in executor (HO 5.5: Gmail with an app password): hands the day's queued touches to an SMTP server
// through nodemailer. The engine owns both writes around the network call: the claim (queued → sending, committed
// before a byte is sent) and the outcome (sent, bounced, or queued again). A run that dies between the two leaves
// the touch `sending`; the next run sends it again with the same Message-ID (at-least-once; the receiving mailbox
// keeps one copy). The password comes from the environment (LADDER_SMTP_PASSWORD), never from the settings, and
// never reaches a log, an error or a row.
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { BadInputError } from '../engine/errors.js';
import type { Engine, Source } from '../engine/engine.js';

export type SmtpRunResult = {
  day: string;
  plan: ReturnType<Engine['sequences']['plan']>;
  sent: { id: number; account: string; to: string; messageId: string }[];
  bounced: { id: number; account: string; to: string; why: string }[];
  skipped: { id: number; why: string }[];
  /** Why the run stopped before the end (a server that refused for now, a bounce pause), or null. */
  stopped: string | null;
};

/** The server's words without anything that could carry the password (nodemailer never echoes it; this is belt and braces). */
function safeWhy(err: unknown, secret: string): string {
  const e = err as { response?: string; message?: string; code?: string };
  const text = e.response ?? e.message ?? String(err);
  return (secret ? text.split(secret).join('[secret]') : text).slice(0, 500);
}

export async function runSmtp(engine: Engine, o: { now: string; as: { by: string; role: string }; source?: Source; env?: NodeJS.ProcessEnv; transport?: Transporter }): Promise<SmtpRunResult> {
  const source = o.source ?? 'cli';
  const meta = { ...o.as, now: o.now, source };
  engine.authorizeCommand('SENDS_RUN', 'send the day\'s touches', o.as, o.now, { account: null, subject: 'sending:email', type: 'SENDS_RUN', payload: { type: 'SENDS_RUN', now: o.now }, source });
  const smtp = engine.settings.sequences.smtp;
  if (!smtp) {
    throw new BadInputError('sequences.smtp: no SMTP server is set (ladder settings set sequences.smtp \'{"host":"smtp.gmail.com","user":"rick@example.com","from":"rick@example.com"}\'); '
      + 'or hand the day\'s touches to another sequencer: ladder sends due --date D --csv', 'sequences.smtp');
  }
  const env = o.env ?? process.env;
  const pass = env.LADDER_SMTP_PASSWORD ?? '';
  if (!o.transport && !pass) throw new BadInputError('LADDER_SMTP_PASSWORD: not set; the SMTP password (a Gmail app password) comes from the environment, never from the settings', 'LADDER_SMTP_PASSWORD');
  const day = new Date(Date.parse(o.now)).toISOString().slice(0, 10);
  const plan = engine.sequences.plan(day, meta);
  const out: SmtpRunResult = { day, plan, sent: [], bounced: [], skipped: [], stopped: null };
  if (plan.off) { out.stopped = 'sequences are off (sequences.enabled false): nothing is sent'; return out; }
  if (plan.paused) { out.stopped = 'sending is paused (bounce rate, HO 5.5): ladder sends resume --reason …'; return out; }
  const transport = o.transport ?? nodemailer.createTransport({
    host: smtp.host, port: smtp.port, secure: smtp.secure, auth: { user: smtp.user, pass },
    // One connection for the whole run (one login, as Gmail prefers), one message at a time, in the plan's order.
    pool: true, maxConnections: 1,
    connectionTimeout: 20_000, greetingTimeout: 20_000, socketTimeout: 60_000,
  });
  try {
    for (const id of engine.sequences.sendable(day)) {
      const c = engine.sequences.claim(id, meta);
      if ('skipped' in c) { out.skipped.push({ id, why: c.skipped }); continue; }
      const unsubscribe = engine.settings.sequences.unsubscribeUrl.replaceAll('{{message_id}}', encodeURIComponent(c.row.messageId));
      try {
        await transport.sendMail({
          from: smtp.fromName ? { name: smtp.fromName, address: smtp.from } : smtp.from,
          to: c.to, subject: c.subject, text: c.body, messageId: c.row.messageId,
          headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'X-Ladder-Touch': `${c.row.sequence} step ${c.row.step}` },
        });
        engine.sequences.settle(id, 'sent', null, meta);
        out.sent.push({ id, account: c.row.account, to: c.to, messageId: c.row.messageId });
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        const why = safeWhy(err, pass);
        if (code !== undefined && code >= 500 && code < 600) {
          // A permanent refusal of the recipient (550 no such user): a bounce, counted toward the rate.
          engine.sequences.settle(id, 'bounced', why, meta);
          out.bounced.push({ id, account: c.row.account, to: c.to, why });
          if (engine.sequences.sendingState() === 'paused') { out.stopped = 'the bounce rate passed its threshold: every sequence is paused (HO 5.5)'; break; }
        } else {
          // For now (4xx, a connection lost): queued again, tried on the next run; stop here.
          engine.sequences.settle(id, 'retry', `SMTP: ${why}`, meta);
          out.stopped = `the SMTP server refused for now (${why}); the touch stays queued for the next run`;
          break;
        }
      }
    }
  } finally {
    if (!o.transport) transport.close();
  }
  return out;
}
