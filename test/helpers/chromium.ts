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

/** Headless Chromium as every browser test launches it: no network service, no first-run, no GPU. */
export async function launchChromium(executablePath: string): Promise<import('playwright-core').Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

/** Opens a page file, recording console errors and warnings, page errors and every request it makes. */
export async function openRecorded(browser: import('playwright-core').Browser, path: string): Promise<{ page: import('playwright-core').Page; errors: string[]; requests: string[] }> {
  const { pathToFileURL } = await import('node:url');
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  return { page, errors, requests };
}
