#!/usr/bin/env node
// `ladder`: starts the command line from one bundled script (dist/src/cli/ladder.cjs, made by
// scripts/bundle-cli.mjs after tsc) compiled with V8's code cache, or from the modules tsc emitted when there is
// no bundle. Issue 17: a cold `ladder status` spent ~280 ms over a bare `node -e 0` resolving, reading and
// compiling ~900 modules; one file with its compiled code cached costs a fraction of that. Node 20 has no
// module compile cache (module.enableCompileCache is Node 22), hence vm.Script's cachedData.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, 'ladder.cjs');

if (existsSync(bundle)) runBundle(bundle);
else await import('./main.js');

function runBundle(file: string): void {
  const cacheFile = `${file}.cache`;
  let cachedData: Buffer | undefined;
  try { cachedData = readFileSync(cacheFile); } catch { cachedData = undefined; }
  const wrapper = (Module as unknown as { wrap(src: string): string }).wrap(readFileSync(file, 'utf8'));
  const script = new Script(wrapper, { filename: file, cachedData });
  // A missing or stale cache (another node version) is written again after this run, which has compiled what a
  // command needs; never under flags (a profiler, an inspector): V8 would reject it for the usual runs.
  if ((!cachedData || script.cachedDataRejected) && process.execArgv.length === 0) {
    process.once('beforeExit', () => saveCache(script, cacheFile));
  }
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  const module = { exports: {} };
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
}

/** Best effort: a read-only install just runs without it. Written aside and renamed: a reader never sees half. */
function saveCache(script: Script, cacheFile: string): void {
  try {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
  } catch {
    // not writable: nothing to do
  }
}
