// Wall time and this process's CPU time (user + system) of a timed section. On a shared host the wall
// clock also counts waiting for a core; CPU time does not, so the report shows both.
/**
 * Ends a timed section that wrote: the WAL is checkpointed into the database file, so that no write the section
 * caused is left for after the clock (a larger wal_autocheckpoint would otherwise look free).
 */
export function settle(sqlite: { pragma(source: string): unknown }): void {
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
}

export function startClock(): () => { ms: number; cpuMs: number } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
  };
}
