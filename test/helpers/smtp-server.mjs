// A real SMTP server (smtp-server) in its own process, so a test that runs the CLI with spawnSync never blocks it.
// It checks the login, appends every message it accepts to received.jsonl (before it answers 250), refuses the
// recipients listed in bounce.json with 550, and — when kill.json names a process and a message number — kills
// that process (SIGKILL) as that message arrives, before accepting it.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

const dir = process.argv[2];
const USER = process.argv[3];
const PASSWORD = process.argv[4];
const json = (name, fallback) => (existsSync(join(dir, name)) ? JSON.parse(readFileSync(join(dir, name), 'utf8')) : fallback);
let arrived = 0;

function header(raw, name) {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const m = head.replace(/\r?\n[ \t]+/g, ' ').match(new RegExp(`^${name}:\\s*(.*)$`, 'im'));
  return m?.[1]?.trim() ?? '';
}

const server = new SMTPServer({
  disabledCommands: ['STARTTLS'], allowInsecureAuth: true, logger: false,
  onAuth(auth, _s, cb) {
    if (auth.username === USER && auth.password === PASSWORD) cb(null, { user: auth.username });
    else cb(new Error('535 authentication failed'));
  },
  onRcptTo(address, _s, cb) {
    if (json('bounce.json', []).includes(address.address.toLowerCase())) {
      const err = new Error(`550 5.1.1 <${address.address}>: no such user`);
      err.responseCode = 550;
      cb(err);
    } else cb();
  },
  onData(stream, session, cb) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      arrived++;
      const kill = json('kill.json', null);
      if (kill && kill.atMessage === arrived) {
        try { process.kill(kill.pid, 'SIGKILL'); } catch {}
        appendFileSync(join(dir, 'killed.jsonl'), `${JSON.stringify({ pid: kill.pid, atMessage: arrived })}\n`);
        return; // never accepted: the sender died waiting for the answer
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const m = { messageId: header(raw, 'Message-ID'), to: session.envelope.rcptTo.map((r) => r.address).join(','), from: header(raw, 'From'), subject: header(raw, 'Subject'), raw };
      appendFileSync(join(dir, 'received.jsonl'), `${JSON.stringify(m)}\n`);
      cb();
    });
  },
});
// A sender killed mid-conversation resets its connection: the server logs it and goes on (a real server does).
server.on('error', (err) => { process.stderr.write(`test smtp server: ${err.message}\n`); });
server.listen(0, '127.0.0.1', () => { process.stdout.write(`${server.server.address().port}\n`); });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
