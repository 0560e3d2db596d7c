// The import the bench times: a CSV of N rows as an intake list looks (LQ 6): mostly new companies, 5 % repeats of
// a row just above (another spelling of the domain, one more field), 3 % repeats of a row far above (another
// chunk), 2 % rejected (no domain, no HQ, a score out of range), 1 % Tier Reject. Seeded: the same file every run.
import { writeFileSync } from 'node:fs';
import { rng } from '../src/demo/random.js';

export function writeImportCsv(path: string, n: number, seed: number): { rows: number; bytes: number } {
  const r = rng(seed);
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lines = ['Name,Domain,HQ Location,Tier,ICP Score,Industry'];
  for (let i = 0; i < n; i++) {
    const roll = r.next();
    let domain = `company${i}.example.com`;
    let hq = r.pick(['Berlin', 'Austin', 'São Paulo', 'Zürich', 'Toronto', 'Singapore']);
    let score = String(r.int(0, 100));
    let tier = r.pick(['Tier 1', 'Tier 2', 'Tier 3']);
    let industry = '';
    if (roll < 0.05 && i > 10) { domain = `https://www.Company${i - r.int(1, 10)}.example.com/about`; industry = 'SaaS'; }
    else if (roll < 0.08 && i > 1500) domain = `company${r.int(0, i - 1200)}.example.com`;
    else if (roll < 0.09) domain = r.pick(['not a domain', 'acme', '192.168.0.1']);
    else if (roll < 0.095) hq = '';
    else if (roll < 0.10) score = '140';
    else if (roll < 0.11) tier = 'Reject';
    lines.push([q(`Company ${i} Ltd`), domain, q(hq), tier, score, industry].join(','));
  }
  const text = `${lines.join('\n')}\n`;
  writeFileSync(path, text);
  return { rows: n, bytes: Buffer.byteLength(text) };
}
