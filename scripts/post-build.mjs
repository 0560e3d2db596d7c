// Makes the built CLI executable and copies SQL migrations next to nothing: migrations are read from
// the package root at run time, so only the bin needs its mode bit.
import { chmodSync, existsSync } from 'node:fs';
const bin = new URL('../dist/src/cli/index.js', import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);
