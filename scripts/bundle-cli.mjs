// The command line as one CommonJS script, dist/src/cli/ladder.cjs (issue 17: cold start), loaded by
// dist/src/cli/index.js with V8's code cache. Run by post-build.mjs after tsc: it bundles tsc's output, so the
// bundle is the code the tests type-checked. Every other entry point (the bench, the tests) keeps using the
// modules tsc emitted.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const outfile = fileURLToPath(new URL('../dist/src/cli/ladder.cjs', import.meta.url));

// Kept out of the bundle and loaded with require() when a command reaches them: better-sqlite3 (native) and the
// large packages no everyday command loads (the server, the monday SDK and GraphQL, Graphviz), so the script
// V8 reads and checks at every start stays small (2.4 MB instead of 7 MB).
const external = ['better-sqlite3', 'fastify', '@fastify/*', 'graphql', '@mondaydotcomorg/api', '@viz-js/viz', 'jose', 'playwright-core'];

await build({
  entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external,
  // import() becomes a lazy require of the bundled module, so a script run by vm.Script needs no ESM loader.
  supported: { 'dynamic-import': false },
  // The modules find migrations/ and package.json by walking up from their own file: the bundle sits in
  // dist/src/cli/, where main.js was.
  define: { 'import.meta.url': '__ladder_bundle_url' },
  banner: { js: "const __ladder_bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  // Whitespace and syntax only: names stay, so a stack trace still reads.
  minifyWhitespace: true, minifySyntax: true,
  logLevel: 'warning',
});

// The code cache of the new bundle is made by a first run (the old one would be rejected anyway).
rmSync(`${outfile}.cache`, { force: true });
const warm = spawnSync(process.execPath, [fileURLToPath(new URL('../dist/src/cli/index.js', import.meta.url)), '--help'], { stdio: 'ignore' });
if (warm.status !== 0) throw new Error(`bundle-cli: ladder --help exited ${warm.status} from the new bundle`);
