// A CRO command in process: engine.submit(CRO_CONFIRM) on accounts waiting at SQL review (none of their timers due), one IMMEDIATE
// transaction each, exactly as `ladder cro confirm` runs it after the CLI has started.
import type { Engine } from '../src/engine/engine.js';

export type CommandResult = {
  count: number; warmup: number; medianMs: number; p99Ms: number; meanMs: number; maxMs: number;
  /** This process's CPU time (user + system) per counted command, over the whole loop: what a command costs
   * when a core is free. (Per command, process.cpuUsage() itself would cost ~0.1 ms on this VM.) */
  cpuMeanMs: number;
};

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function croConfirms(engine: Engine, opts: { now: string; count: number; warmup: number }): CommandResult {
  // Accounts with no timer due by --now: the engine fires due timers before a command (a regressed SQL would
  // refuse the confirmation), and that is the sweep's cost, measured apart.
  const accounts = (engine.store.sqlite.prepare(`select account from actors where stage = 'SQL' and substate = 'review'
    and not exists (select 1 from timers t where t.account = actors.account and t.status = 'pending' and t.due_at <= ?) order by account limit ?`)
    .pluck().all(opts.now, opts.count + opts.warmup)) as string[];
  const warmup = Math.min(opts.warmup, Math.floor(accounts.length / 5));
  const times: number[] = [];
  let cpu0 = process.cpuUsage();
  for (const [i, account] of accounts.entries()) {
    if (i === warmup) cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const applied = engine.submit({ account, source: 'cli', now: opts.now, event: { type: 'CRO_CONFIRM', at: opts.now, by: 'cro', role: 'cro' } });
    const t1 = process.hrtime.bigint();
    if (applied.after.substate !== 'confirmed') throw new Error(`bench: CRO_CONFIRM left ${account} at ${applied.after.stage}.${applied.after.substate}`);
    if (i >= warmup) times.push(Number(t1 - t0) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    count: times.length, warmup, medianMs: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99),
    meanMs: times.reduce((s, x) => s + x, 0) / Math.max(1, times.length), maxMs: sorted.at(-1) ?? NaN,
    cpuMeanMs: (cpu.user + cpu.system) / 1000 / Math.max(1, times.length),
  };
}
