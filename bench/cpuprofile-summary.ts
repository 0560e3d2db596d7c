// Where the time goes in a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by area
// (SQLite native calls, xstate, JSON, drizzle query building, zod, the project's own code), and the
// inclusive time of the project's functions.
//   node dist/bench/cpuprofile-summary.js prof/CPU.….cpuprofile [--top 25] [--inclusive name,name]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

export function area(f: CallFrame): string {
  const u = f.url;
  if (!u) {
    if (f.functionName === '(garbage collector)') return 'GC';
    if (f.functionName === '(idle)' || f.functionName === '(program)') return f.functionName;
    if (/^(all|get|run|iterate|prepare|exec|transaction|pluck|raw)$/.test(f.functionName)) return 'SQLite (native)';
    if (/JSON|stringify|parse/.test(f.functionName)) return 'JSON';
    return 'native/builtin';
  }
  if (u.includes('better-sqlite3')) return 'better-sqlite3 (JS)';
  if (u.includes('drizzle-orm')) return 'drizzle (query building)';
  if (u.includes('/xstate/')) return 'xstate';
  if (u.includes('/zod/')) return 'zod';
  if (u.includes('/machines/')) return 'machines/ (rules, guards)';
  if (u.includes('/src/engine/')) return 'src/engine';
  if (u.includes('/bench/')) return 'bench';
  if (u.startsWith('node:')) return 'node internals';
  return 'other JS';
}

export function summarize(p: Profile, top = 25, inclusiveOf: string[] = []) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => { self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)); });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fnSelf = new Map<string, number>();
  const areaSelf = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}` : ''}`.trim();
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + us);
    const a = area(f);
    areaSelf.set(a, (areaSelf.get(a) ?? 0) + us);
    // Inclusive: every distinct named ancestor on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur)!.callFrame.functionName;
      if (inclusiveOf.includes(name) && !seen.has(name)) { seen.add(name); inclusive.set(name, (inclusive.get(name) ?? 0) + us); }
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`;
  const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`;
  const rows = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return {
    totalMs: total / 1000,
    areas: rows(areaSelf, 20).map(([k, v]) => ({ area: k, ms: v / 1000, share: v / total })),
    functions: rows(fnSelf, top).map(([k, v]) => ({ fn: k, ms: v / 1000, share: v / total })),
    inclusive: inclusiveOf.map((k) => ({ fn: k, ms: (inclusive.get(k) ?? 0) / 1000, share: (inclusive.get(k) ?? 0) / total })),
    text: [
      `total sampled: ${ms(total)}`,
      'self time by area:',
      ...rows(areaSelf, 20).map(([k, v]) => `  ${pct(v).padStart(6)}  ${ms(v).padStart(9)}  ${k}`),
      `top ${top} functions by self time:`,
      ...rows(fnSelf, top).map(([k, v]) => `  ${pct(v).padStart(6)}  ${ms(v).padStart(9)}  ${k}`),
      ...(inclusiveOf.length ? ['inclusive time:', ...inclusiveOf.map((k) => `  ${pct(inclusive.get(k) ?? 0).padStart(6)}  ${ms(inclusive.get(k) ?? 0).padStart(9)}  ${k}`)] : []),
    ].join('\n'),
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/dist\//, '/'))) {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, inclusive: { type: 'string', default: '' } } });
  for (const file of positionals) {
    const s = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(values.top), values.inclusive ? values.inclusive.split(',') : []);
    process.stdout.write(`${file}\n${s.text}\n`);
  }
}
