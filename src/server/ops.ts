// What an operator watches (issue 13): GET /healthz for a load balancer or a person, GET /metrics for Prometheus.
// Both read counts the database already holds; neither needs a token (they carry no account data), so a
// monitor can scrape them without one: for that reason they name the database file, never its path on the
// server. /metrics is text format 0.0.4.
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Ladder } from '../ladder.js';

type Row = Record<string, unknown>;

/**
 * The last run of each routine (the server's own, or a CLI's), from the runs table: when, as of when, and how it
 * ended. Not the command line, which names who ran it (this answer needs no token).
 */
type LastRun = { startedAt: string; endedAt: string | null; asOf: string | null; outcome: string | null };
export function lastRuns(ladder: Ladder): Record<'sweep' | 'push', LastRun | null> {
  const q = ladder.store.sqlite.prepare('select started_at as startedAt, ended_at as endedAt, as_of as asOf, outcome from runs where command like ? order by id desc limit 1');
  const last = (pattern: string) => (q.get(pattern) as LastRun | undefined) ?? null;
  return { sweep: last('%sweep%'), push: last('%monday push%') };
}

export function health(ladder: Ladder, now: string) {
  const db = ladder.store.sqlite;
  const one = (sql: string, ...args: unknown[]) => Number((db.prepare(sql).get(...args) as Row | undefined)?.n ?? 0);
  db.prepare('select 1').get();
  const backlog = one('select count(*) as n from monday_items where state = \'ok\' and (desired_version > pushed_version or item_id is null)')
    + one("select count(*) as n from monday_comments where status in ('pending', 'uncertain')");
  const dead = one("select count(*) as n from monday_items where state = 'dead'") + one("select count(*) as n from monday_comments where status = 'dead'");
  const due = one("select count(*) as n from timers where status = 'pending' and due_at <= ?", now);
  const runs = lastRuns(ladder);
  return {
    ok: true, now, db: { file: basename(ladder.path), reachable: true, settingsVersion: ladder.engine.settingsVersion },
    runs, timersDue: due,
    monday: { board: ladder.monday() !== null, outboxBacklog: backlog, deadLetters: dead },
  };
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function metricsText(ladder: Ladder, now: string): string {
  const db = ladder.store.sqlite;
  const all = (sql: string, ...args: unknown[]) => db.prepare(sql).all(...args) as Row[];
  const one = (sql: string, ...args: unknown[]) => Number((db.prepare(sql).get(...args) as Row | undefined)?.n ?? 0);
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: { labels?: Record<string, string>; value: number }[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const s of samples) {
      const labels = s.labels && Object.keys(s.labels).length ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}` : '';
      out.push(`${name}${labels} ${s.value}`);
    }
  };
  metric('ladder_events_total', 'counter', 'Events recorded, by type.',
    all('select type, count(*) as n from events group by type order by type').map((r) => ({ labels: { type: String(r.type) }, value: Number(r.n) })));
  metric('ladder_refusals_total', 'counter', 'Refused attempts (each recorded with why), by event type.',
    all('select type, count(*) as n from refusals group by type order by type').map((r) => ({ labels: { type: String(r.type) }, value: Number(r.n) })));
  metric('ladder_accounts', 'gauge', 'Accounts, by stage.',
    all('select stage, count(*) as n from stage_history where exited_at is null group by stage order by stage').map((r) => ({ labels: { stage: String(r.stage) }, value: Number(r.n) })));
  metric('ladder_timers_pending', 'gauge', 'Pending timers.', [{ value: one("select count(*) as n from timers where status = 'pending'") }]);
  metric('ladder_timers_due', 'gauge', 'Pending timers already due (the next sweep fires them).', [{ value: one("select count(*) as n from timers where status = 'pending' and due_at <= ?", now) }]);
  metric('ladder_outbox_depth', 'gauge', 'Board updates waiting to be pushed to monday (items and comments).', [
    { labels: { kind: 'item' }, value: one("select count(*) as n from monday_items where state = 'ok' and (desired_version > pushed_version or item_id is null)") },
    { labels: { kind: 'comment' }, value: one("select count(*) as n from monday_comments where status in ('pending', 'uncertain')") },
  ]);
  metric('ladder_outbox_dead', 'gauge', 'Board updates parked after a permanent failure (ladder monday retry).', [
    { labels: { kind: 'item' }, value: one("select count(*) as n from monday_items where state = 'dead'") },
    { labels: { kind: 'comment' }, value: one("select count(*) as n from monday_comments where status = 'dead'") },
  ]);
  metric('ladder_push_errors', 'gauge', 'Outbox rows whose last push attempt failed.', [
    { value: one('select count(*) as n from monday_items where last_error is not null') + one("select count(*) as n from monday_comments where last_error is not null and status != 'posted'") },
  ]);
  const runs = all("select case when command like '%sweep%' then 'sweep' when command like '%monday push%' then 'push' else 'other' end as kind, coalesce(outcome, 'running') as outcome, count(*) as n from runs group by 1, 2 order by 1, 2");
  metric('ladder_runs_total', 'counter', 'Routine runs (sweeps, pushes, imports), by outcome.', runs.map((r) => ({ labels: { kind: String(r.kind), outcome: String(r.outcome) }, value: Number(r.n) })));
  return `${out.join('\n')}\n`;
}

export function registerOps(app: FastifyInstance, ladder: Ladder): void {
  app.get('/healthz', async (req, reply) => {
    try {
      return health(ladder, req.now);
    } catch (err) {
      req.log.error({ err }, 'health check failed');
      return reply.status(503).send({ ok: false, db: { file: basename(ladder.path), reachable: false }, error: { kind: 'Unavailable', message: 'the database cannot be read', field: null } });
    }
  });
  app.get('/metrics', async (req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(metricsText(ladder, req.now)));
}
