// A writer process for the concurrency suite (test/reliability/concurrency.test.ts): opens the ladder
// database with the BUILT engine (dist/) and issues COUNT seeded commands on overlapping accounts —
// signals, facts, dossiers, CRO decisions, Briefings, disqualifications, sweeps — half of them with an
// `expectedVersion` read before its previous command (so other processes often move the account in between).
// Prints one JSON document: every command and what became of it.
//
// node reliability-worker.mjs DB WORKER COUNT SEED START_ISO ACCOUNT[,ACCOUNT…] [START_AT_MS]
import { openLadder } from '../../dist/src/ladder.js';
import { RefusedError, BadInputError } from '../../dist/src/engine/errors.js';
import { sweep } from '../../dist/src/engine/sweep.js';
import { rng } from '../../dist/src/demo/random.js';

const [db, workerArg, countArg, seedArg, start, accountsArg, startAtArg] = process.argv.slice(2);
const worker = Number(workerArg);
const r = rng(Number(seedArg) * 1009 + worker);
const accounts = accountsArg.split(',');
// The one factory, on the existing database (its settings: the rules in force, the board if any).
const { store, engine } = openLadder(db, { mode: 'write' });
const OPS = { by: `ops-${worker}`, role: 'sales.ops' };
const CRO = { by: `cro-${worker}`, role: 'cro' };
const CMO = { by: `cmo-${worker}`, role: 'cmo' };
const SCORES = ['CONFIRMED', 'LIKELY', 'UNVERIFIED', 'NOT_PRESENT'];

// Every process starts at the same instant (a shared deadline), so the first commands already collide.
const startAt = Number(startAtArg ?? 0);
while (Date.now() < startAt) { /* spin: the processes were spawned a moment apart */ }

/** One seeded command for an account: the body and who sends it. */
function command(n) {
  const roll = r.next();
  const contact = `https://www.linkedin.com/in/contact-${r.int(0, 2)}`;
  if (roll < 0.30) {
    const code = r.weighted([['E1', 45], ['E2', 10], ['E5', 10], ['E3', 15], ['E6', 8], ['E4', 4], ['E9', 3], ['E10', 5]]);
    return { body: { type: 'SIGNAL', signal: { id: `w${worker}-${n}`, code, contact, at: null, ...(code === 'E1' ? { interaction: r.pick(['comment', 'share', 'like']) } : {}) } }, who: r.chance(0.2) ? CMO : OPS };
  }
  if (roll < 0.50) return { body: { type: 'DOSSIER', scores: { S1: r.pick(SCORES), S2: r.pick(SCORES), S3: r.pick(SCORES), S4: r.pick(SCORES) } }, who: OPS };
  if (roll < 0.60) return { body: { type: 'CRO_CONFIRM' }, who: r.chance(0.1) ? OPS : CRO };
  if (roll < 0.66) return { body: { type: 'CRO_DISPUTE', reason: `overstated (${worker}/${n})` }, who: CRO };
  if (roll < 0.70) return { body: { type: 'CRO_FLAG' }, who: CRO };
  if (roll < 0.75) return { body: { type: 'BRIEFING_SCHEDULED' }, who: OPS };
  if (roll < 0.78) return { body: { type: 'BRIEFING_COMPLETED' }, who: OPS };
  if (roll < 0.80) return { body: r.chance(0.5) ? { type: 'ASSESSMENT_QUALIFIED' } : { type: 'ASSESSMENT_LOST', reason: 'no budget' }, who: OPS };
  if (roll < 0.85) return { body: { type: 'FACTS', facts: { employees: r.int(150, 5000) } }, who: OPS };
  if (roll < 0.88) return { body: { type: 'DISQUALIFY', reason: r.pick(['acquired', 'no-ecosystem']) }, who: OPS };
  if (roll < 0.91) return { body: { type: 'CRO_REOPEN', reason: `new leadership (${worker}/${n})` }, who: CRO };
  return { sweep: true };
}

const results = [];
const readAhead = new Map(); // account → the version read before the previous command
const latestAt = store.sqlite.prepare('select max(at) from events where account = ?').pluck();
const t0 = Date.parse(start);
for (let n = 0; n < Number(countArg); n++) {
  // Tells a waiting test that writes are under way (the backup suite backs up while this process writes).
  if (n === 1) process.stderr.write('started\n');
  // The ladder's clock: two hours per command, the same pace in every process.
  const clock = t0 + n * 7_200_000 + worker * 60_000;
  const account = r.pick(accounts);
  const cmd = command(n);
  const sweepNow = new Date(clock).toISOString();
  if (cmd.sweep) {
    try {
      const s = sweep(engine, { now: sweepNow, batchSize: 25, as: { by: 'system', role: 'system' } });
      results.push({ n, kind: 'sweep', now: sweepNow, fired: s.fired, skipped: s.skipped });
    } catch (err) {
      results.push({ n, kind: 'sweep', now: sweepNow, outcome: 'error', error: `${err.code ?? err.name}: ${err.message}` });
    }
    continue;
  }
  const key = `w${worker}:${n}`;
  const stale = readAhead.get(account);
  const useVersion = r.chance(0.5) && stale !== undefined;
  readAhead.set(account, engine.load(account).version);
  // Events are recorded in time order (issue 11): like a client that read the account before acting, the command
  // is dated after the latest event it saw (processes run at different paces). Another process may still record
  // a later event between this read and the write: then it is refused for time order, a race like a stale version.
  const now = new Date(Math.max(clock, Date.parse(latestAt.get(account) ?? start) + 60_000)).toISOString();
  const body = cmd.body.type === 'SIGNAL' ? { ...cmd.body, signal: { ...cmd.body.signal, at: now } } : cmd.body;
  const rec = { n, kind: 'command', account, type: body.type, key, now, by: cmd.who.by, ...(useVersion ? { expectedVersion: stale } : {}) };
  try {
    const a = engine.submit({ account, source: 'api', now, idempotencyKey: key, event: { ...body, at: now, ...cmd.who }, ...(useVersion ? { expectedVersion: stale } : {}) });
    results.push({ ...rec, outcome: a.status, eventId: a.eventId, version: a.version, caughtUp: a.caughtUp.length });
  } catch (err) {
    if (err instanceof RefusedError) results.push({ ...rec, outcome: 'refused', why: err.message });
    else if (err instanceof BadInputError) results.push({ ...rec, outcome: 'bad', why: err.message });
    else results.push({ ...rec, outcome: 'error', error: `${err.code ?? err.name}: ${err.message}` });
  }
}
store.close();
process.stdout.write(JSON.stringify({ worker, results }));
