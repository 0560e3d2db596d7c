// The HTTP face of the emulator: POST /v2 as api.monday.com serves it, with faults, the request log and
// monday's transport-level refusals. The GraphQL work itself is in execute.ts.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ComplexityBudget, DEFAULT_COMPLEXITY_BUDGET } from './complexity.js';
import { type HttpRefusal, badRequest, gatewayTimeout, rateLimited, serverError, unauthorized } from './errors.js';
import { type ExecutionEnv, readBody, run } from './execute.js';
import { type FaultControl, type FaultKind, Faults } from './faults.js';
import { loadMondaySchema } from './schema.js';
import { type BoardSeed, PROSPECTS_BOARD } from './seed.js';
import { type EmulatorState, createState } from './state.js';
import { Store, isoSeconds } from './store.js';
import type { UpdateSnapshot } from './state.js';
import { type DeliveryRecord, type WebhookRecord, Webhooks } from './webhooks.js';

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Defaults to the Prospects board. */
  readonly boards?: readonly BoardSeed[];
  /** Seeds the fault generator (default 1). */
  readonly seed?: number;
  /** Milliseconds since the epoch; drives timestamps and the complexity window. Default Date.now. */
  readonly clock?: () => number;
  /** Complexity points per minute (default 10 000 000, a personal token on a paid plan). */
  readonly complexityBudget?: number;
  /** When given, only these Authorization values are accepted; otherwise any non-empty one is. */
  readonly tokens?: readonly string[];
  readonly accountId?: number;
  /** Defaults to test/fixtures/monday/schema.graphql above this module. */
  readonly schemaPath?: string;
  /** The app's signing secret: every webhook delivery carries an HS256 JWT signed with it (none: unsigned). */
  readonly signingSecret?: string;
  /** Real ms a webhook receiver has to answer before the attempt counts as a timeout (default 10 000). */
  readonly webhookTimeoutMs?: number;
  /**
   * Retry failed webhook deliveries on a real timer (every second, for those due by `clock`). Default: on when
   * no clock is given (the command-line emulator); tests pass a clock and call webhooks.deliverDue() themselves.
   */
  readonly webhookTimer?: boolean;
}

/** Who acts on the board, for the test hooks that play a person using monday. */
export interface BoardUser { readonly userId: string | number }

export interface EmulatorWebhooks {
  list(boardId?: string): WebhookRecord[];
  /** Every delivery, oldest first, with its attempts. */
  readonly deliveries: readonly DeliveryRecord[];
  /** Attempts the deliveries due by the emulator's clock (retries every minute); resolves when they are answered. */
  deliverDue(): Promise<DeliveryRecord[]>;
  /** Resolves once every attempt started so far was answered. */
  settled(): Promise<void>;
}

export interface RequestRecord {
  readonly seq: number;
  /** Emulator clock at arrival. */
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly apiVersion: string | null;
  /** Whether an Authorization header with a value came in; the value itself is never kept. */
  readonly authorized: boolean;
  operationName: string | null;
  /** Operation text as received (null when the socket was dropped before the body was read). */
  query: string | null;
  variables: Record<string, unknown> | null;
  /** HTTP status written; null when no response was written (dropped, lost, or still held). */
  status: number | null;
  /** extensions.code of every error in the answer, or the refusal's code. */
  errorCodes: string[];
  fault: FaultKind | null;
  /** Complexity cost of the operation when it got that far. */
  complexity: number | null;
}

export interface Emulator {
  /** e.g. http://127.0.0.1:54321/v2, the `endpoint` for the SDK's ApiClient. */
  readonly url: string;
  readonly port: number;
  readonly state: EmulatorState;
  readonly faults: FaultControl;
  /** Every request received, oldest first. */
  readonly requests: readonly RequestRecord[];
  readonly webhooks: EmulatorWebhooks;
  /**
   * Acts as a person on the board: sets a status column to `label` (a text column to that text; null clears it)
   * as monday user `userId`. Webhooks fire as for a change made in monday's UI; resolves with their deliveries
   * once each has had its first attempt.
   */
  changeColumn(itemId: string, columnId: string, label: string | null, as: BoardUser): Promise<DeliveryRecord[]>;
  /** Posts an update on an item as monday user `userId` (its creator_id). */
  postUpdate(itemId: string, body: string, as: BoardUser): UpdateSnapshot;
  close(): Promise<void>;
}

const REDACTED = '[redacted]';

/** Belt and braces: a token pasted into a query or variables is not copied into the log either. */
function scrub<T>(value: T, secrets: readonly string[]): T {
  let text = JSON.stringify(value);
  for (const secret of secrets) if (secret.length >= 4) text = text.split(JSON.stringify(secret).slice(1, -1)).join(REDACTED);
  return JSON.parse(text) as T;
}

function readRaw(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    // a client that goes away mid-body never sends 'end'
    req.on('close', () => { if (!req.complete) reject(new Error('client closed the connection before the body was read')); });
  });
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const clock = opts.clock ?? Date.now;
  const schema = loadMondaySchema(opts.schemaPath);
  const store = new Store(opts.boards ?? [PROSPECTS_BOARD], clock);
  const budget = new ComplexityBudget(opts.complexityBudget ?? DEFAULT_COMPLEXITY_BUDGET, clock);
  const faults = new Faults(opts.seed ?? 1);
  const accountId = opts.accountId ?? 1;
  const webhooks = new Webhooks({ clock, signingSecret: opts.signingSecret, accountId, timeoutMs: opts.webhookTimeoutMs });
  let triggered: DeliveryRecord[] | null = null;
  store.onColumnChange = (change) => {
    const fired = webhooks.onColumnChange(change);
    triggered?.push(...fired);
  };
  const env: ExecutionEnv = { schema, store, budget, webhooks };
  const requests: RequestRecord[] = [];
  const held = new Set<{ timer: NodeJS.Timeout; res: ServerResponse }>();

  function rateLimitHeaders(): Record<string, string> {
    // rate-limits doc, "Rate limit headers": only the complexity policy is modelled
    return {
      'RateLimit-Policy': `"complexityMinute";q=${budget.limit};w=60;qu="content-bytes"`,
      RateLimit: `"complexityMinute";r=${budget.remaining()};t=${budget.resetInSeconds()}`,
    };
  }

  function send(res: ServerResponse, record: RequestRecord, status: number, headers: Record<string, string>, body: HttpRefusal['body']): void {
    if (res.destroyed) return; // the client left: nothing was written, status stays null
    record.status = status;
    const payload = body.kind === 'json'
      ? JSON.stringify({
        ...body.json,
        ...('errors' in body.json ? { account_id: accountId } : {}),
        extensions: { request_id: `emulator-${String(record.seq).padStart(8, '0')}` },
      })
      : body.html;
    res.writeHead(status, {
      'Content-Type': body.kind === 'json' ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
      ...rateLimitHeaders(),
      ...headers,
    });
    res.end(payload);
  }

  function refuse(res: ServerResponse, record: RequestRecord, refusal: HttpRefusal): void {
    record.errorCodes = refusal.codes;
    send(res, record, refusal.status, refusal.headers, refusal.body);
  }

  function receive(req: IncomingMessage): RequestRecord {
    const apiVersion = req.headers['api-version'];
    const record: RequestRecord = {
      seq: requests.length + 1, at: isoSeconds(clock()), method: req.method ?? 'GET', path: req.url ?? '/',
      apiVersion: typeof apiVersion === 'string' ? apiVersion : null, authorized: (req.headers.authorization ?? '').trim() !== '',
      operationName: null, query: null, variables: null, status: null, errorCodes: [], fault: null, complexity: null,
    };
    requests.push(record);
    return record;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, record: RequestRecord): Promise<void> {
    const authorization = (req.headers.authorization ?? '').trim();
    const secrets = authorization ? [authorization, authorization.replace(/^Bearer\s+/i, '')] : [];
    const fault = faults.decide();
    record.fault = fault?.kind ?? null;

    if (fault?.kind === 'dropConnection') {
      req.socket.destroy();
      return;
    }
    const raw = await readRaw(req);
    if ((req.url ?? '').split('?')[0] !== '/v2') return refuse(res, record, { ...badRequest(`No route for ${req.url ?? '/'}; POST to /v2`), status: 404 });
    if (req.method !== 'POST') return refuse(res, record, { ...badRequest('GraphQL requests are POSTed to /v2 with a JSON body'), status: 405 });
    const parsed = readBody(raw);
    if (parsed.ok) {
      record.query = scrub(parsed.body.query, secrets);
      record.variables = scrub(parsed.body.variables, secrets);
      record.operationName = parsed.body.operationName;
    }

    if (fault?.kind === 'timeout') {
      const entry = {
        res,
        timer: setTimeout(() => {
          held.delete(entry);
          refuse(res, record, gatewayTimeout());
        }, faults.timeoutMs),
      };
      held.add(entry);
      res.on('close', () => {
        clearTimeout(entry.timer);
        held.delete(entry);
      });
      return;
    }
    if (fault?.kind === 'serverError') return refuse(res, record, serverError(fault.status ?? 500));
    if (fault?.kind === 'rateLimit') return refuse(res, record, rateLimited(faults.retryAfterSeconds, faults.retryAfterDate ? clock() : null));
    if (!authorization || (opts.tokens && !opts.tokens.includes(authorization))) return refuse(res, record, unauthorized());
    if (!parsed.ok) return refuse(res, record, parsed.refusal);

    const outcome = await run(env, parsed.body, { exhausted: fault?.kind === 'complexityExhausted' });
    record.complexity = outcome.cost;
    if (outcome.kind === 'refusal') return refuse(res, record, outcome.refusal);
    record.errorCodes = outcome.codes;
    if (fault?.kind === 'lostResponse') {
      // the writes above are committed; only the answer is lost on the way back
      req.socket.destroy();
      return;
    }
    send(res, record, 200, {}, { kind: 'json', json: outcome.body });
  }

  const server: Server = createServer((req, res) => {
    const record = receive(req);
    handle(req, res, record).catch((error: unknown) => {
      // an emulator bug must show up as a 500 the test can see, not as a hung request
      if (!res.headersSent && !res.destroyed) {
        record.status = 500;
        res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ errors: [{ message: `emulator failure: ${(error as Error).message}`, extensions: { code: 'EMULATOR_BUG' } }] }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  let closing: Promise<void> | undefined;
  const retryTimer = (opts.webhookTimer ?? opts.clock === undefined) ? setInterval(() => { void webhooks.deliverDue(); }, 1000) : undefined;
  retryTimer?.unref();

  return {
    url: `http://${host}:${port}/v2`,
    port,
    state: createState(store, budget),
    faults,
    requests,
    webhooks: {
      list: (boardId) => webhooks.list(boardId),
      deliveries: webhooks.deliveries,
      deliverDue: () => webhooks.deliverDue(),
      settled: () => webhooks.settled(),
    },
    async changeColumn(itemId, columnId, label, as) {
      const item = store.requireItem(itemId);
      const column = store.requireBoard(item.boardId).columns.find((c) => c.id === columnId);
      const value = label === null ? null : column?.type === 'status' ? { label } : label;
      triggered = [];
      let fired: DeliveryRecord[];
      try {
        store.changeColumnValues(item.boardId, itemId, { [columnId]: value }, { mode: 'json', createLabelsIfMissing: false, userId: String(as.userId) });
      } finally {
        fired = triggered;
        triggered = null;
      }
      await webhooks.settled();
      return fired;
    },
    postUpdate(itemId, body, as) {
      return { ...store.createUpdate(itemId, body, String(as.userId)) };
    },
    close() {
      if (retryTimer) clearInterval(retryTimer);
      closing ??= new Promise<void>((resolve) => {
        for (const entry of held) {
          clearTimeout(entry.timer);
          entry.res.destroy();
        }
        held.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
