// After tsc: bundles the command line (bundle-cli.mjs) and makes the built CLI executable. Migrations are read
// from the package root at run time, so nothing is copied.
import { chmodSync, existsSync } from 'node:fs';
import './bundle-cli.mjs';

const bin = new URL('../dist/src/cli/index.js', import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);
