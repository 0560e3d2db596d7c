// `ladder monday push`: drains the outbox onto the board. At-least-once delivery with idempotent effects:
// column writes are re-sendable; items are re-matched by Domain before any re-create; comments carry a
// marker and, after an ambiguous failure, the item's updates are checked before re-posting. A crash at any
// point leaves rows pending or 'uncertain', never lost and never posted twice.
// A push is rounds of four steps (src/monday/steps/), each sending through one session (src/monday/session.ts).
import type { Store } from '../store/open.js';
import { counts, hasWork } from './backlog.js';
import type { MondayConfig } from './config.js';
import { acquirePushLease, type Lease } from './lease.js';
import { realSleep } from './retry.js';
import { openSession } from './session.js';
import { answerBoard } from './steps/answer.js';
import { createItems } from './steps/create.js';
import { deliver } from './steps/deliver.js';
import { matchItems } from './steps/match.js';
import { settleUncertain } from './steps/settle.js';
import { newTally, type PushContext, type Step, type Tally } from './steps/step.js';
import type { Transport } from './transport.js';

export { commentMarker } from './comment-marker.js';
export { counts, hasWork } from './backlog.js';

export type PushOptions = {
  /** Waits between retries; tests pass one that advances the emulator's clock instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now: () => string;
  maxRounds?: number;
  log?: (line: string) => void;
  /** How long to wait for another push to end (real time; default LEASE_WAIT_MS). */
  leaseWaitMs?: number;
};

export type PushResult = {
  /** This push's own traffic (the transport may have served other pushes before). */
  requests: number; bytesSent: number; bytesReceived: number;
  retries: number; retryReasons: Record<string, number>; waitedMs: number;
  matched: number; created: number; columnWrites: number; commentsPosted: number; commentsFoundPosted: number;
  /** Answers to decisions set on the board (webhook): explanations posted and decision columns reset. */
  boardAnswers: number;
  deadItems: number; deadComments: number; pendingItems: number; pendingComments: number;
  /** Comments waiting on an item that is a dead letter and was never created: they go out after the item's fix. */
  blockedComments: number;
  /** Board answers still owed (left for the next push). */
  pendingAnswers: number;
  gaveUp: string | null;
};

/**
 * In this order: matching before creating never creates an item twice; settling before delivering never posts a
 * comment twice; the board's answers go last, after the transition's own comment and columns they follow.
 */
const STEPS: readonly Step[] = [matchItems, createItems, settleUncertain, deliver, answerBoard];

/** Delivers the outbox while holding the push lease: one push at a time, whoever starts it. */
export async function push(store: Store, cfg: MondayConfig, transport: Transport, opts: PushOptions): Promise<PushResult> {
  const lease = await acquirePushLease(store, { waitMs: opts.leaseWaitMs });
  try {
    return await pushHolding(store, cfg, transport, opts, lease);
  } finally {
    // A failed release must not hide the push's own outcome; the lease is taken over once this process ends.
    try { lease.release(); } catch (err) { opts.log?.(transport.redact(`monday push: the push lease was not released (${(err as Error).message}); the next push takes it over once this process has ended`)); }
  }
}

async function pushHolding(store: Store, cfg: MondayConfig, transport: Transport, opts: PushOptions, lease: Lease): Promise<PushResult> {
  const log = opts.log ?? (() => {});
  const session = openSession({ store, transport, lease, retry: cfg.retry, sleep: opts.sleep ?? realSleep, random: opts.random ?? Math.random, log });
  const p: PushContext = { store, cfg, session, now: opts.now, redact: transport.redact };
  const traffic0 = { ...transport.stats };
  const tally = newTally();
  let gaveUp: string | null = null;
  const maxRounds = opts.maxRounds ?? 10_000;
  for (let round = 0; round < maxRounds && gaveUp === null; round++) {
    const before = tally.progress;
    let clean = true;
    for (const step of STEPS) {
      const { end, tally: done } = await step(p);
      add(tally, done);
      if (end.kind === 'clean') continue;
      clean = false;
      if (end.kind === 'stop') gaveUp = transport.redact(end.reason);
      break;
    }
    // A clean round that moved nothing will not move anything the next time either (e.g. no item matches
    // and createItems is off): what is left waits for its fix, not for another round.
    if (clean && (!hasWork(store) || tally.progress === before)) break;
  }
  const traffic = transport.stats;
  const left = counts(store);
  // In this order: `--json monday push` prints it as it is.
  const r: PushResult = {
    requests: traffic.requests - traffic0.requests, bytesSent: traffic.bytesSent - traffic0.bytesSent, bytesReceived: traffic.bytesReceived - traffic0.bytesReceived,
    ...session.stats(),
    matched: tally.matched, created: tally.created, columnWrites: tally.columnWrites, commentsPosted: tally.commentsPosted, commentsFoundPosted: tally.commentsFoundPosted,
    boardAnswers: tally.answers,
    deadItems: left.deadItems, deadComments: left.deadComments, pendingItems: left.pendingItems, pendingComments: left.pendingComments, blockedComments: left.blockedComments, pendingAnswers: left.pendingAnswers,
    gaveUp,
  };
  if (gaveUp) log(gaveUp);
  return r;
}

function add(into: Tally, from: Tally): void {
  for (const k of Object.keys(into) as (keyof Tally)[]) into[k] += from[k];
}
