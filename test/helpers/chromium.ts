// Headless Chromium for the browser tests: Debian's package (apt-get install -y chromium, as .ci/run does), or
// CHROMIUM_PATH; never a downloaded browser. Missing in CI is a failure; missing elsewhere skips, saying so.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function findChromium(): string | null {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  try { return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || null; } catch { return null; }
}

/** The browser's path for the test file `what` (e.g. "test/report/browser.test.ts"), or null when it is skipped. */
export function chromiumFor(what: string): string | null {
  const path = findChromium();
  if (!path && process.env.CI) {
    throw new Error(`${what} must run in CI but Chromium is not installed: apt-get install -y chromium (see .ci/run), or set CHROMIUM_PATH`);
  }
  if (!path) console.warn(`SKIPPING ${what}: Chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH); CI always runs it.`);
  return path;
}
