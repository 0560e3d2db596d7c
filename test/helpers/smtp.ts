// A real SMTP server for the tests (smtp-server, kept by nodemailer's authors), run in its own process
// (smtp-server.mjs) so the CLI can be run with spawnSync: it checks the login, records every message it accepted
// with its Message-ID, refuses listed recipients for good (550, a bounce), and can kill a sender mid-send.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Received = { messageId: string; to: string; from: string; subject: string; raw: string };
export const SMTP_USER = 'rick@example.com';
export const SMTP_PASSWORD = 'app-password-not-in-any-row';

export class TestSmtp {
  port = 0;
  private constructor(readonly dir: string, private readonly child: ChildProcess) {}

  static async start(): Promise<TestSmtp> {
    const dir = mkdtempSync(join(tmpdir(), 'ladder-smtp-'));
    const child = spawn(process.execPath, [join(import.meta.dirname, 'smtp-server.mjs'), dir, SMTP_USER, SMTP_PASSWORD], { stdio: ['ignore', 'pipe', 'inherit'] });
    const s = new TestSmtp(dir, child);
    s.port = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (code) => reject(new Error(`the test SMTP server exited (${code})`)));
    });
    return s;
  }

  /** Every message accepted (250), in order: a message accepted twice appears twice. */
  get received(): Received[] {
    const f = join(this.dir, 'received.jsonl');
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Received) : [];
  }
  get killed(): { pid: number; atMessage: number }[] {
    const f = join(this.dir, 'killed.jsonl');
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { pid: number; atMessage: number }) : [];
  }
  /** Recipients refused with 550 from now on. */
  bounce(addresses: string[]): void { writeFileSync(join(this.dir, 'bounce.json'), JSON.stringify(addresses.map((a) => a.toLowerCase()))); }
  /** Kill `pid` when the server's `atMessage`-th message (counted since it started) arrives, before accepting it. */
  killAt(pid: number, atMessage: number): void { writeFileSync(join(this.dir, 'kill.json'), JSON.stringify({ pid, atMessage })); }
  noKill(): void { rmSync(join(this.dir, 'kill.json'), { force: true }); }
  /** Messages that arrived so far (accepted or killed at). */
  get arrived(): number { return this.received.length + this.killed.length; }

  async close(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const startSmtp = () => TestSmtp.start();

/** The settings value that points Ladder's executor at the test server. */
export const smtpSettings = (port: number) => JSON.stringify({ host: '127.0.0.1', port, secure: false, user: SMTP_USER, from: SMTP_USER, fromName: 'Rick' });
