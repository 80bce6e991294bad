// Bundles the compiled CLI (dist/, from tsc) into dist/bundle/: the `specledger` command users run.
//
// Why: Node 20 loads ES modules one file at a time, and `serve` imports about 430 of them (zod alone is 97, our own
// dist 141, markdown-it 53, @opentelemetry/api 51). Resolving, reading and linking them cost ~0.3 s of every
// start-up before any spec is read (9 roots × 5k clauses: modules were ready at ~0.8 s, bundled at ~0.5 s). Bundled,
// the same code loads from a few dozen files. The code is the same: esbuild only joins modules (no minifying, no
// transpiling), and tests run the bundle as users do.
//
// Layout: one flat folder. `main.js` is the CLI. The three worker threads (token-helper, leaf-workers,
// checkpoint-worker) start a Worker on their own module's URL, so each is an entry point of its own: its code
// then sits in a chunk that holds only what it imports, and a worker loads that chunk, not the whole server.
// Dynamic imports (`serve` loads the server only when it runs) stay separate chunks.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(repo, 'dist');
const bundleDir = path.join(dist, 'bundle');

/** dist/version.js reads ../package.json next to itself; the bundle carries the version inline instead. */
const inlineVersion = {
  name: 'inline-version',
  setup(b) {
    const { version } = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
    b.onLoad({ filter: /[\\/]dist[\\/]version\.js$/ }, () => ({
      contents: `export const VERSION = ${JSON.stringify(version)};`,
      loader: 'js',
    }));
  },
};

// esbuild writes chunks under new names and never deletes: the chunks of an older build would stay beside these.
rmSync(bundleDir, { recursive: true, force: true });
await build({
  entryPoints: [
    'cli/main.js',
    'parse/token-helper.js',
    'ledger/leaf-workers.js',
    'ledger/checkpoint-worker.js',
  ].map((f) => path.join(dist, f)),
  outdir: bundleDir,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // better-sqlite3 is a native addon, loaded from node_modules as it is; pg-native is pg's optional addon, and
  // fsevents chokidar's on macOS: neither is installed here, and both are required only if present.
  external: ['better-sqlite3', 'pg-native', 'fsevents'],
  // CommonJS dependencies call require(); in an ES module it is made from the chunk's own URL.
  banner: {
    js: "import { createRequire as __specledgerRequire } from 'node:module';\nconst require = __specledgerRequire(import.meta.url);",
  },
  plugins: [inlineVersion],
  // Licence comments of the bundled packages stay, at the end of each file (esbuild's default for bundles).
  legalComments: 'eof',
  logLevel: 'warning',
  write: true,
});
