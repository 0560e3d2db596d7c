// Switchable, seeded faults. Each HTTP request asks for one decision; the same seed and the same sequence of
// requests give the same faults. Requests a test makes through the state helpers never ask.
import { rng } from '../../demo/random.js';

/** Checked in this order, at the point of the request where each would happen in production. */
export const FAULT_KINDS = ['dropConnection', 'timeout', 'serverError', 'rateLimit', 'complexityExhausted', 'lostResponse'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type ServerErrorStatus = 500 | 502 | 503;
const SERVER_ERROR_STATUSES: readonly ServerErrorStatus[] = [500, 502, 503];

export interface FaultSettings {
  /** Probabilities 0..1 per kind; a kind left out is switched off. */
  readonly rateLimit?: number;
  readonly complexityExhausted?: number;
  readonly serverError?: number;
  readonly timeout?: number;
  readonly dropConnection?: number;
  readonly lostResponse?: number;
  /** Reseeds the generator; without it the sequence continues. */
  readonly seed?: number;
  /** How long a `timeout` holds the response before answering 504 (real milliseconds, default 120 000). */
  readonly timeoutMs?: number;
  /** Retry-After / retry_in_seconds of an injected rate limit (default 30). */
  readonly retryAfterSeconds?: number;
  /**
   * An injected rate limit says Retry-After as an HTTP-date (RFC 9110), as a proxy in front of monday may:
   * the date and a Date header from the emulator's clock, and no retry_in_seconds in the body.
   */
  readonly retryAfterDate?: boolean;
}

export interface FaultDecision {
  readonly kind: FaultKind;
  /** serverError only. */
  readonly status?: ServerErrorStatus;
}

export interface FaultControl {
  set(settings: FaultSettings): void;
  /** Force the next `count` requests to fail as `kind`, ahead of any probability. */
  queue(kind: FaultKind, count?: number, opts?: { status?: ServerErrorStatus }): void;
  /** Switch every fault off and empty the queue. */
  clear(): void;
  readonly timeoutMs: number;
  readonly retryAfterSeconds: number;
  readonly retryAfterDate: boolean;
}

// The project's one seeded PRNG (mulberry32), as the demo's and the bench's: fault sequences replay from a seed.
const generator = (seed: number): (() => number) => rng(seed).next;

export const DEFAULT_TIMEOUT_MS = 120_000; // longer than the SDK's largest timeoutMs (60 s)

export class Faults implements FaultControl {
  private probabilities: Partial<Record<FaultKind, number>> = {};
  private readonly pending: FaultDecision[] = [];
  private random: () => number;
  timeoutMs = DEFAULT_TIMEOUT_MS;
  retryAfterSeconds = 30;
  retryAfterDate = false;

  constructor(seed: number) {
    this.random = generator(seed);
  }

  set(settings: FaultSettings): void {
    const probabilities: Partial<Record<FaultKind, number>> = {};
    for (const kind of FAULT_KINDS) {
      const p = settings[kind];
      if (p === undefined) continue;
      if (!(p >= 0 && p <= 1)) throw new Error(`faults.set: ${kind} must be a probability between 0 and 1, got ${p}`);
      probabilities[kind] = p;
    }
    this.probabilities = probabilities;
    if (settings.seed !== undefined) this.random = generator(settings.seed);
    if (settings.timeoutMs !== undefined) this.timeoutMs = settings.timeoutMs;
    if (settings.retryAfterSeconds !== undefined) this.retryAfterSeconds = settings.retryAfterSeconds;
    if (settings.retryAfterDate !== undefined) this.retryAfterDate = settings.retryAfterDate;
  }

  queue(kind: FaultKind, count = 1, opts: { status?: ServerErrorStatus } = {}): void {
    if (!FAULT_KINDS.includes(kind)) throw new Error(`faults.queue: unknown fault ${String(kind)}; use one of ${FAULT_KINDS.join(', ')}`);
    for (let i = 0; i < count; i++) this.pending.push(opts.status === undefined ? { kind } : { kind, status: opts.status });
  }

  clear(): void {
    this.probabilities = {};
    this.pending.length = 0;
  }

  /** One decision per HTTP request. Every kind is drawn every time, so one kind's setting never shifts another's sequence. */
  decide(): FaultDecision | undefined {
    const draws = FAULT_KINDS.map(() => this.random());
    const statusDraw = this.random();
    const status = SERVER_ERROR_STATUSES[Math.floor(statusDraw * SERVER_ERROR_STATUSES.length)] ?? 500;
    const queued = this.pending.shift();
    if (queued) return queued.kind === 'serverError' && queued.status === undefined ? { kind: 'serverError', status } : queued;
    const index = FAULT_KINDS.findIndex((kind, i) => (draws[i] ?? 1) < (this.probabilities[kind] ?? 0));
    const kind = FAULT_KINDS[index];
    if (kind === undefined) return undefined;
    return kind === 'serverError' ? { kind, status } : { kind };
  }
}
