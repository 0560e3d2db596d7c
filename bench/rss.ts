// Peak resident set size of this process, in KiB. On Linux from /proc/self/status VmHWM: the kernel's
// ru_maxrss survives exec, so a child spawned by a big parent (the bench runner, after generating a 1M
// fleet) would report the parent's peak instead of its own.
import { readFileSync } from 'node:fs';

export function peakRssKb(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS;
}
