// Issue 15, crash safety of sending (HO 5.5): `ladder sends run` is killed with SIGKILL mid-send and run again; the
// real SMTP server (its own process) counts what it accepted. Deterministic trials kill the sender as its k-th
// message arrives, before the server accepts it — the worst moment for a naive executor, which would either lose
// the touch or send it twice; Ladder's claim row (`sending`, committed before the network call) makes the re-run
// send exactly that touch again, with the same Message-ID, and nothing else. Seeded random trials kill at any
// moment and report how often a kill fell in the one window no SMTP client can close (after the server's 250,
// before the commit): there a retry re-sends the same Message-ID, which a receiving mailbox keeps once.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSING_FACTS } from '../helpers/store.js';
import { BIN, LadderCli } from '../helpers/cli.js';
import { SMTP_PASSWORD, smtpSettings, startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { VALUES, approveList, approveTemplates } from '../helpers/sequences.js';
import { childEnv, rng } from '../helpers/reliability.js';

const N = 20;
const MON = '2026-06-01T08:00:00.000Z';
const RUN_AT = '2026-06-01T10:00:00.000Z';
const OPS = { by: 'ana', role: 'sales.ops' } as const;
const TRIALS = Math.max(6, Math.round(Number(process.env.LADDER_CRASH_TRIALS ?? 20) / 4));

let smtp: TestSmtp;
beforeAll(async () => { smtp = await startSmtp(); process.env.LADDER_SMTP_PASSWORD = SMTP_PASSWORD; });
afterAll(async () => { await smtp?.close(); delete process.env.LADDER_SMTP_PASSWORD; });

/** A ladder with N touches queued-to-be for RUN_AT's day, each to its own address. */
function fixture(tag: string): LadderCli {
  const cli = new LadderCli();
  cli.ok(['settings', 'set', 'sequences.enabled', 'true'], { as: 'ana', now: '2026-05-01T00:00:00.000Z' });
  cli.ok(['settings', 'set', 'sequences.smtp', smtpSettings(smtp.port)], { as: 'ana', now: '2026-05-01T00:00:00.000Z' });
  cli.seed((s) => {
    const e = s.engine;
    const domains = Array.from({ length: N }, (_, i) => `${tag}-${i}.com`);
    for (const d of domains) {
      e.addAccount({ domain: d, name: d, hq: 'Porto', tier: 'Tier 2', icpScore: 70, facts: PASSING_FACTS, extra: VALUES }, { ...OPS, now: MON, source: 'cli' });
      e.submit({ account: d, source: 'cli', now: MON, event: { type: 'SIGNAL', at: MON, ...OPS, signal: { id: `s:${d}`, code: 'E1', interaction: 'comment', at: MON, contact: `ceo@${d}` } } as never });
    }
    const [t] = approveTemplates(e, 'Nurture-MQL', 1, MON);
    approveList(e, t!, domains.map((d) => ({ account: d, contact: `ceo@${d}` })), MON);
    e.sweep({ now: RUN_AT, as: OPS });
  });
  return cli;
}

const args = (cli: LadderCli) => ['--db', cli.db, '--now', RUN_AT, '--as', 'ana', '--json', 'sends', 'run'];
const env = () => childEnv({ LADDER_SMTP_PASSWORD: SMTP_PASSWORD });

/** Starts `ladder sends run`; `arm(pid)` is called once the child exists (to schedule its kill). */
function sendsRun(cli: LadderCli, arm: (pid: number, kill: () => void) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args(cli)], { cwd: cli.dir, env: env(), stdio: ['ignore', 'ignore', 'ignore'] });
    arm(child.pid!, () => child.kill('SIGKILL'));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
}

function acceptedFor(tag: string) {
  const mine = smtp.received.filter((m) => m.to.startsWith('ceo@') && m.to.endsWith('.com') && m.to.includes(`@${tag}-`));
  const ids = new Map<string, number>();
  for (const m of mine) ids.set(m.messageId, (ids.get(m.messageId) ?? 0) + 1);
  return { total: mine.length, distinct: ids.size, twice: [...ids.values()].filter((n) => n > 1).length };
}

describe('a SIGKILL mid-send, then the same command again: every touch sent, none twice', () => {
  it.each([1, 8, 20])('killed as message %i arrives (before the server accepts it): the re-run sends that touch once and nothing twice', async (k) => {
    const tag = `k${k}`;
    const cli = fixture(tag);
    try {
      const killed = await sendsRun(cli, (pid) => smtp.killAt(pid, smtp.arrived + k));
      smtp.noKill();
      expect(killed.signal).toBe('SIGKILL');
      // What the dead process left: k − 1 sent, the k-th claimed (sending), the rest queued.
      expect(cli.query('select status, count(*) as n from sends group by status order by status')).toEqual([
        ...(k > 1 ? [{ status: 'queued', n: N - k }] : [{ status: 'queued', n: N - 1 }]).filter((r) => r.n > 0),
        { status: 'sending', n: 1 },
        ...(k > 1 ? [{ status: 'sent', n: k - 1 }] : []),
      ]);
      const again = cli.json<{ sent: unknown[] }>(['sends', 'run'], { as: 'ana', now: RUN_AT });
      expect(again.sent).toHaveLength(N - k + 1);
      expect(acceptedFor(tag)).toEqual({ total: N, distinct: N, twice: 0 });
      expect(cli.query<{ n: number; attempts: number }>("select count(*) as n, max(attempts) as attempts from sends where status = 'sent'")).toEqual([{ n: N, attempts: 2 }]);
      // A third run finds nothing to send.
      expect(cli.json<{ sent: unknown[] }>(['sends', 'run'], { as: 'ana', now: RUN_AT }).sent).toEqual([]);
      expect(acceptedFor(tag).total).toBe(N);
    } finally {
      cli.cleanup();
    }
  });

  it(`${TRIALS} kills at seeded random moments: every touch sent; a second copy only when the kill fell between the server's 250 and the commit, always with the same Message-ID`, async () => {
    const r = rng(Number(process.env.LADDER_CRASH_SEED ?? 20261128));
    // The uninterrupted run's duration on this machine, to draw kill moments from.
    const base = fixture('base');
    const t0 = Date.now();
    base.ok(['sends', 'run'], { as: 'ana', now: RUN_AT });
    const runMs = Date.now() - t0;
    base.cleanup();
    let landed = 0;
    let doubled = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const tag = `r${trial}`;
      const cli = fixture(tag);
      try {
        const delay = Math.floor(r.next() * runMs * 1.1);
        const out = await sendsRun(cli, (_pid, kill) => { setTimeout(kill, delay); });
        if (out.signal === 'SIGKILL') landed++;
        cli.ok(['sends', 'run'], { as: 'ana', now: RUN_AT });
        const a = acceptedFor(tag);
        expect(a.distinct).toBe(N);
        expect(a.twice).toBeLessThanOrEqual(1);
        doubled += a.twice;
        expect(cli.query("select count(*) as n from sends where status = 'sent'")).toEqual([{ n: N }]);
      } finally {
        cli.cleanup();
      }
    }
    console.log(`sends crash: ${TRIALS} random kills (${landed} landed mid-run, uninterrupted run ${runMs} ms); ${doubled} touch(es) accepted twice with the same Message-ID (the 250→commit window)`);
    expect(landed).toBeGreaterThan(0);
  });
});
