// Tables only (STYLE 4). camelCase in TypeScript, snake_case in SQL. Migrations are generated from this
// file by drizzle-kit into migrations/ and committed.
import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** One row per company; the key is the normalized domain (LQ 6). */
export const accounts = sqliteTable('accounts', {
  domain: text('domain').primaryKey(),
  name: text('name').notNull(),
  hq: text('hq').notNull(),
  tier: text('tier').notNull(),
  icpScore: real('icp_score').notNull(),
  /** Anything else the intake carried (JSON object), kept verbatim. */
  extra: text('extra').notNull().default('{}'),
  createdAt: text('created_at').notNull(),
  createdBy: text('created_by').notNull(),
});

/** The persisted actor of each account: XState snapshot + machine version + row version. */
export const actors = sqliteTable('actors', {
  account: text('account').primaryKey().references(() => accounts.domain),
  machineVersion: integer('machine_version').notNull(),
  snapshot: text('snapshot').notNull(),
  stage: text('stage').notNull(),
  substate: text('substate'),
  /** Optimistic concurrency: bumped by every accepted event. */
  version: integer('version').notNull(),
  updatedAt: text('updated_at').notNull(),
}, (t) => [index('actors_stage').on(t.stage, t.substate)]);

/** Append-only: every accepted event, in order per account. Replaying it rebuilds the snapshot. */
export const events = sqliteTable('events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  account: text('account').notNull().references(() => accounts.domain),
  seq: integer('seq').notNull(),
  type: text('type').notNull(),
  payload: text('payload').notNull(),
  by: text('by').notNull(),
  role: text('role').notNull(),
  source: text('source').notNull(),
  at: text('at').notNull(),
  stageBefore: text('stage_before'),
  stageAfter: text('stage_after').notNull(),
  reason: text('reason'),
  /** Makes re-delivery harmless: a signal id, an import row, a fired timer. */
  idempotencyKey: text('idempotency_key'),
  /** When the engine recorded it (the command's --now); `at` is when it happened (a timer's due time). */
  recordedAt: text('recorded_at').notNull(),
  /** The settings version (rules) in force when it was applied: a replay uses the same rules (issue 11). */
  settingsVersion: integer('settings_version').notNull().default(1),
  /** The machine version that applied it: a replay needs that machine (events before issue 11 say 1). */
  machineVersion: integer('machine_version').notNull().default(1),
}, (t) => [
  uniqueIndex('events_account_seq').on(t.account, t.seq),
  uniqueIndex('events_idempotency').on(t.idempotencyKey),
  index('events_type_at').on(t.type, t.at),
  index('events_at').on(t.at),
]);

/** Refused events: who tried what, and why it was refused. Nothing else changes on a refusal. */
export const refusals = sqliteTable('refusals', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  account: text('account'),
  /** For an actor of another machine (issue 14): `template:nurture-mql-1.v2`, `recipients:list-7`. */
  subject: text('subject'),
  type: text('type').notNull(),
  payload: text('payload').notNull(),
  by: text('by').notNull(),
  role: text('role').notNull(),
  source: text('source').notNull(),
  at: text('at').notNull(),
  why: text('why').notNull(),
}, (t) => [index('refusals_account').on(t.account)]);

/** One row per stay in a stage (or SQL sub-state): time-in-stage is a query. */
export const stageHistory = sqliteTable('stage_history', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  account: text('account').notNull().references(() => accounts.domain),
  stage: text('stage').notNull(),
  substate: text('substate'),
  enteredAt: text('entered_at').notNull(),
  exitedAt: text('exited_at'),
  enteredBy: integer('entered_by').notNull(),
  exitedBy: integer('exited_by'),
}, (t) => [
  index('stage_history_account').on(t.account, t.enteredAt),
  index('stage_history_stage').on(t.stage, t.enteredAt),
]);

/** Durable timers: the machine's `after` transitions, armed and cancelled in the transition's transaction. */
export const timers = sqliteTable('timers', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  account: text('account').notNull().references(() => accounts.domain),
  timerId: text('timer_id').notNull(),
  event: text('event').notNull(),
  dueAt: text('due_at').notNull(),
  status: text('status', { enum: ['pending', 'fired', 'cancelled'] }).notNull(),
  armedBy: integer('armed_by').notNull(),
  closedBy: integer('closed_by'),
}, (t) => [
  index('timers_due').on(t.dueAt).where(sql`status = 'pending'`),
  uniqueIndex('timers_one_pending').on(t.account, t.timerId).where(sql`status = 'pending'`),
]);

/** HO 3.5, 5.6: suppressed accounts and contacts are never re-engaged. */
export const suppressions = sqliteTable('suppressions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind', { enum: ['account', 'contact'] }).notNull(),
  value: text('value').notNull(),
  reason: text('reason').notNull(),
  at: text('at').notNull(),
  by: text('by').notNull(),
  eventId: integer('event_id'),
}, (t) => [uniqueIndex('suppressions_value').on(t.kind, t.value)]);

/** Escalations raised by rules outside the machine (LQ 7.2 intake triggers, HO 7 alerts). */
export const escalations = sqliteTable('escalations', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind').notNull(),
  severity: text('severity').notNull(),
  subject: text('subject').notNull(),
  detail: text('detail').notNull(),
  at: text('at').notNull(),
}, (t) => [uniqueIndex('escalations_kind_subject').on(t.kind, t.subject)]);

/** Accepted signal notes (LQ 5): front matter and body kept verbatim, linked to the SIGNAL event. */
export const intakeNotes = sqliteTable('intake_notes', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  account: text('account').notNull().references(() => accounts.domain),
  eventId: integer('event_id').notNull(),
  sender: text('sender').notNull(),
  path: text('path'),
  contentHash: text('content_hash').notNull(),
  frontMatter: text('front_matter').notNull(),
  body: text('body').notNull(),
  /** LQ 5.2: captured more than 14 days before intake: accepted, to be re-validated. */
  stale: integer('stale', { mode: 'boolean' }).notNull(),
  at: text('at').notNull(),
}, (t) => [uniqueIndex('intake_notes_hash').on(t.contentHash)]);

/** Notes that bounced for missing or mangled fields, per sender (LQ 5.2, 7.2: three bounces escalate). */
export const intakeBounces = sqliteTable('intake_bounces', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  sender: text('sender').notNull(),
  path: text('path'),
  problems: text('problems').notNull(),
  at: text('at').notNull(),
}, (t) => [index('intake_bounces_sender').on(t.sender)]);

/** One row per import batch (LQ 6-7): the weekly rejected rate and batch duplicate rate come from here. */
export const importBatches = sqliteTable('import_batches', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  file: text('file').notNull(),
  contentHash: text('content_hash').notNull(),
  at: text('at').notNull(),
  by: text('by').notNull(),
  total: integer('total').notNull(),
  unique: integer('unique_rows').notNull(),
  duplicates: integer('duplicates').notNull(),
  rejected: integer('rejected').notNull(),
  report: text('report'),
}, (t) => [index('import_batches_at').on(t.at)]);

/**
 * The monday outbox, item side: the desired column values of each account's item, coalesced (many
 * transitions between pushes give one write of the latest values). Written in the transition's transaction.
 */
export const mondayItems = sqliteTable('monday_items', {
  account: text('account').primaryKey().references(() => accounts.domain),
  itemId: text('item_id'),
  desired: text('desired').notNull(),
  desiredVersion: integer('desired_version').notNull(),
  pushedVersion: integer('pushed_version').notNull().default(0),
  /** 'dead': a permanent failure parked until `ladder monday retry`. */
  state: text('state', { enum: ['ok', 'dead'] }).notNull().default('ok'),
  deadReason: text('dead_reason'),
  deadFix: text('dead_fix'),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  updatedAt: text('updated_at').notNull(),
}, (t) => [
  index('monday_items_dirty').on(t.account).where(sql`desired_version > pushed_version or item_id is null`),
  index('monday_items_item').on(t.itemId),
]);

/** The monday outbox, comment side: one row per audit comment, keyed so it is posted exactly once. */
export const mondayComments = sqliteTable('monday_comments', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  account: text('account').notNull().references(() => accounts.domain),
  key: text('key').notNull(),
  body: text('body').notNull(),
  /** 'uncertain': sent, but the answer was lost; the item's updates are checked before re-posting. */
  status: text('status', { enum: ['pending', 'uncertain', 'posted', 'dead'] }).notNull().default('pending'),
  updateId: text('update_id'),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  deadFix: text('dead_fix'),
  createdAt: text('created_at').notNull(),
  postedAt: text('posted_at'),
}, (t) => [
  uniqueIndex('monday_comments_key').on(t.key),
  index('monday_comments_open').on(t.status, t.id).where(sql`status in ('pending', 'uncertain')`),
]);

/**
 * Process leases: one row per exclusive job. `monday-push` is held by the push delivering the outbox, so two
 * pushes (a cron push beside commands that push after themselves) never send the same items or comments.
 * Liveness is real time and the holder's pid, not the command's --now: it is about processes, not the ladder.
 */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  token: text('token').notNull(),
  pid: integer('pid').notNull(),
  host: text('host').notNull(),
  acquiredAt: text('acquired_at').notNull(),
  heartbeatAt: text('heartbeat_at').notNull(),
});

/**
 * The ladder's settings (rules, the monday board, users → roles, the clock's tolerances), one row per version,
 * append-only: the newest row is in force, and every event records the version it was applied under, so the
 * log replays under the rules of its time. Rows are written by the engine alone (ladder settings set|import).
 */
export const settings = sqliteTable('settings', {
  version: integer('version').primaryKey(),
  /** The whole settings document (JSON), validated by src/settings/schema.ts. */
  body: text('body').notNull(),
  /** When it took effect (the command's --now). */
  at: text('at').notNull(),
  by: text('by').notNull(),
  role: text('role').notNull(),
  /** What changed, in words ("set rules.timers.sqlStaleDays = 45", "import ladder.config.json"). */
  change: text('change').notNull(),
});

/** One-off data migrations that SQL cannot express (e.g. canonical contact keys); each runs once. */
export const dataMigrations = sqliteTable('data_migrations', {
  id: text('id').primaryKey(),
  at: text('at').notNull(),
  detail: text('detail').notNull(),
});

/**
 * Long-running commands (an import, a sweep, a push), one row each while they run: a command that finds the
 * database busy says which one holds it; the server of issue 13 shows the last runs. Real time, not --now: it
 * is about processes, not the ladder.
 */
export const runs = sqliteTable('runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** The command line as typed, minus secrets (ladder import prospects.csv). */
  command: text('command').notNull(),
  pid: integer('pid').notNull(),
  host: text('host').notNull(),
  startedAt: text('started_at').notNull(),
  endedAt: text('ended_at'),
  /** done, failed, skipped (the server's routine found its lease held, or the work already done), or null while it runs (or if it was killed). */
  outcome: text('outcome'),
  /** What it did or why it was skipped or failed, in words (issue 13). */
  detail: text('detail'),
  /** The ladder instant it acted as of (a sweep's --now): a missed scheduled sweep is one with nothing done as of its time. */
  asOf: text('as_of'),
}, (t) => [index('runs_open').on(t.id).where(sql`ended_at is null`)]);

/**
 * API tokens of the users of the settings (issue 13): only a SHA-256 hash of each is stored. A token is 32
 * random bytes, so it cannot be guessed and a slow password hash (bcrypt, scrypt) would protect nothing more:
 * those exist to stretch low-entropy passwords. The role is the user's in the settings, read at each request.
 */
export const userTokens = sqliteTable('user_tokens', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  user: text('user').notNull(),
  hash: text('hash').notNull(),
  createdAt: text('created_at').notNull(),
  createdBy: text('created_by').notNull(),
  revokedAt: text('revoked_at'),
  /** Sessions of the review page carry the generation they were opened in; signing out starts the next one. */
  sessionGeneration: integer('session_generation').notNull().default(0),
}, (t) => [uniqueIndex('user_tokens_hash').on(t.hash), index('user_tokens_user').on(t.user)]);

/**
 * The monday webhook deliveries Ladder acted on (issue 13: the board as a control plane), one row per monday
 * trigger. Its triggerUuid makes a re-delivery answer 200 and change nothing: the row is written in the same
 * transaction as the event the delivery caused. It also holds what the board is owed in return, delivered by the
 * push exactly once: an update on the item explaining a refusal (`reply`, posted with a marker, checked for
 * after a lost answer) and the reset of the decision column.
 */
export const mondayDeliveries = sqliteTable('monday_deliveries', {
  triggerUuid: text('trigger_uuid').primaryKey(),
  /** The server's clock when it was acted on. */
  receivedAt: text('received_at').notNull(),
  boardId: text('board_id').notNull(),
  itemId: text('item_id').notNull(),
  columnId: text('column_id').notNull(),
  mondayUser: text('monday_user').notNull(),
  /** The Ladder user the monday user maps to (settings mondayUsers) and their role; null when none. */
  user: text('user'),
  role: text('role'),
  /** The account of the item's Domain, when it is on the ladder. */
  account: text('account'),
  /** The label set on the board (Confirm / Dispute / Flag). */
  decision: text('decision').notNull(),
  outcome: text('outcome', { enum: ['applied', 'refused', 'ignored'] }).notNull(),
  /** What happened, in words (the engine's refusal, or why the delivery was ignored). */
  detail: text('detail').notNull(),
  /** The event it recorded, when applied. */
  eventId: integer('event_id'),
  reply: text('reply'),
  /** 'uncertain': sent, but the answer was lost; the item's updates are checked for its marker before re-posting. */
  replyStatus: text('reply_status', { enum: ['none', 'pending', 'uncertain', 'posted', 'dead'] }).notNull(),
  replyUpdateId: text('reply_update_id'),
  /** Clearing the decision column, so the next decision is a new change. */
  resetStatus: text('reset_status', { enum: ['none', 'pending', 'done', 'dead'] }).notNull(),
  lastError: text('last_error'),
  answeredAt: text('answered_at'),
}, (t) => [index('monday_deliveries_open').on(t.receivedAt).where(sql`reply_status in ('pending', 'uncertain') or reset_status = 'pending'`)]);

// ---- the machines beside the ladder (issue 14): a template version's approval, a recipient list's ----
// The ladder's own tables above stay as they are (keyed by account, tuned for a million of them); these hold the
// actors of the other machines, one row per (kind, id), written by the same engine (src/engine/actors.ts): the
// same transaction, refusal record, timer rows and sweep.

/** The persisted actor of each other machine: kind ('template', 'recipients'), its id, snapshot and versions. */
export const machineActors = sqliteTable('machine_actors', {
  kind: text('kind').notNull(),
  id: text('id').notNull(),
  machineVersion: integer('machine_version').notNull(),
  snapshot: text('snapshot').notNull(),
  /** The state as a label ("cmoReview"), for queries. */
  state: text('state').notNull(),
  version: integer('version').notNull(),
  updatedAt: text('updated_at').notNull(),
}, (t) => [uniqueIndex('machine_actors_key').on(t.kind, t.id), index('machine_actors_state').on(t.kind, t.state)]);

/** Append-only: every accepted event of those actors, in order per actor. Replaying it rebuilds the snapshot. */
export const machineEvents = sqliteTable('machine_events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind').notNull(),
  actorId: text('actor_id').notNull(),
  seq: integer('seq').notNull(),
  type: text('type').notNull(),
  payload: text('payload').notNull(),
  by: text('by').notNull(),
  role: text('role').notNull(),
  source: text('source').notNull(),
  at: text('at').notNull(),
  recordedAt: text('recorded_at').notNull(),
  stateBefore: text('state_before'),
  stateAfter: text('state_after').notNull(),
  reason: text('reason'),
  idempotencyKey: text('idempotency_key'),
  settingsVersion: integer('settings_version').notNull(),
  machineVersion: integer('machine_version').notNull(),
}, (t) => [
  uniqueIndex('machine_events_actor_seq').on(t.kind, t.actorId, t.seq),
  uniqueIndex('machine_events_idempotency').on(t.idempotencyKey),
  index('machine_events_type_at').on(t.type, t.at),
]);

/** Durable timers of those actors (an approval step's SLA and escalation), fired by the daily sweep. */
export const machineTimers = sqliteTable('machine_timers', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind').notNull(),
  actorId: text('actor_id').notNull(),
  timerId: text('timer_id').notNull(),
  event: text('event').notNull(),
  dueAt: text('due_at').notNull(),
  status: text('status', { enum: ['pending', 'fired', 'cancelled'] }).notNull(),
  armedBy: integer('armed_by').notNull(),
  closedBy: integer('closed_by'),
}, (t) => [
  index('machine_timers_due').on(t.dueAt).where(sql`status = 'pending'`),
  uniqueIndex('machine_timers_one_pending').on(t.kind, t.actorId, t.timerId).where(sql`status = 'pending'`),
]);

/**
 * Email-sequence template versions (HO 5.1-5.4): immutable; a change is a new version of the same key
 * (sequence type and step), which goes through approval again. The approval is the actor (kind 'template').
 */
export const templates = sqliteTable('templates', {
  /** `nurture-mql-1.v2`: the key and the version. */
  id: text('id').primaryKey(),
  /** `nurture-mql-1`: the sequence type (slug) and the step. */
  key: text('key').notNull(),
  sequence: text('sequence').notNull(),
  step: integer('step').notNull(),
  version: integer('version').notNull(),
  /** SHA-256 of the file's text: the same text is the same version. */
  hash: text('hash').notNull(),
  subject: text('subject').notNull(),
  /** The whole file as added (front matter and body). */
  text: text('text').notNull(),
  file: text('file').notNull(),
  addedAt: text('added_at').notNull(),
  addedBy: text('added_by').notNull(),
}, (t) => [uniqueIndex('templates_hash').on(t.hash), uniqueIndex('templates_key_version').on(t.key, t.version)]);

/** Recipient lists (HO 5.4.1-5.4.3): which contacts of which accounts a template version may be sent to. */
export const recipientLists = sqliteTable('recipient_lists', {
  /** `list-7`. */
  id: text('id').primaryKey(),
  template: text('template').notNull().references(() => templates.id),
  proposedAt: text('proposed_at').notNull(),
  proposedBy: text('proposed_by').notNull(),
  note: text('note'),
}, (t) => [index('recipient_lists_template').on(t.template)]);

/** One row per recipient: the account, the contact (canonical key), and why it is on the list when proposed. */
export const recipientEntries = sqliteTable('recipient_entries', {
  list: text('list').notNull().references(() => recipientLists.id),
  account: text('account').notNull().references(() => accounts.domain),
  contact: text('contact').notNull(),
  /** The account's stage, and the contact's latest signal, when the list was proposed. */
  stage: text('stage').notNull(),
  why: text('why').notNull(),
}, (t) => [
  uniqueIndex('recipient_entries_key').on(t.list, t.account, t.contact), index('recipient_entries_contact').on(t.contact),
  index('recipient_entries_account').on(t.account),
]);

/**
 * Every touch of every sequence (HO 5.2, 5.5), planned when its timer fires, in the same transaction. One row per
 * (account, run, step): a touch is planned once. Its Message-ID is fixed when it is planned, so a retry after a
 * crash carries the same id (a receiving mailbox keeps one copy). Status: planned (waiting for its day and the
 * cap) → queued (the day's plan took it) → exported (handed to an external sequencer) or sending (the SMTP
 * executor claimed it) → sent / bounced; or cancelled (the run ended, a reply, suppression), never deleted.
 */
export const sends = sqliteTable('sends', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  account: text('account').notNull().references(() => accounts.domain),
  sequence: text('sequence').notNull(),
  run: integer('run').notNull(),
  step: integer('step').notNull(),
  messageId: text('message_id').notNull(),
  /** When the touch fell due, and the day (YYYY-MM-DD) it may go out: later when the cap rolled it. */
  dueAt: text('due_at').notNull(),
  plannedFor: text('planned_for').notNull(),
  /** 0 first: flagged high, then Tier 1, then an E8 / fast-track SQL (HO 5.5 overflow order). */
  rank: integer('rank').notNull(),
  status: text('status', { enum: ['planned', 'queued', 'exported', 'sending', 'sent', 'bounced', 'cancelled'] }).notNull(),
  rolls: integer('rolls').notNull().default(0),
  /** Set when the day's plan takes it: the day, the contact, the approved template version and list. */
  queuedFor: text('queued_for'),
  contact: text('contact'),
  template: text('template'),
  list: text('list'),
  executor: text('executor'),
  attempts: integer('attempts').notNull().default(0),
  /** Why it waits (blocked), why it was cancelled or bounced, or the executor's last error. */
  detail: text('detail'),
  plannedAt: text('planned_at').notNull(),
  doneAt: text('done_at'),
  doneBy: text('done_by'),
  /** The machine event that planned it. */
  eventId: integer('event_id').notNull(),
}, (t) => [
  uniqueIndex('sends_touch').on(t.account, t.run, t.step),
  uniqueIndex('sends_message_id').on(t.messageId),
  index('sends_plan').on(t.status, t.plannedFor),
  index('sends_day').on(t.queuedFor, t.status),
  index('sends_done').on(t.status, t.doneAt),
]);
