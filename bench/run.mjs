#!/usr/bin/env node
// `npm run bench`: every benchmark of issue 8 in one run, servers on one core and the load generator on the
// other, each figure a median of repeated runs next to a baseline measured in the same run. Writes
// bench/results/*.json and BENCHMARKS.md. Options: --quick (1 run, short), --runs N, --only http,stdio,..., --render
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { LOAD_CORE, log, repoRoot, SERVER_CORE } from './lib/env.mjs';
import { hasTaskset } from './lib/proc.mjs';

const SUITES = [
  'cold-start',
  'stdio',
  'http',
  'context-economy',
  'retrieval',
  'reload-latency',
  'ledger-stores',
  'ledger-scale',
  'ledger-proofs',
  'ledger-checkpoint-load',
  'hostile-stall',
  'trace-scale',
  'ui',
  'audit',
  'roots',
];
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string' },
    'no-markdown': { type: 'boolean', default: false },
    // Runs nothing: BENCHMARKS.md again from bench/results/*.json (after merging branches that each ran a suite).
    render: { type: 'boolean', default: false },
  },
});

// The bench process is the load generator: it belongs on the other core than the servers. Re-exec once, pinned.
if (hasTaskset() && process.env.SPECLEDGER_BENCH_PINNED !== '1') {
  const child = spawnSync('taskset', ['-c', String(LOAD_CORE), process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, SPECLEDGER_BENCH_PINNED: '1' },
  });
  process.exit(child.status ?? 1);
}

const started = performance.now();
const runs = Number(args.runs ?? (args.quick ? 1 : 3));
const only = args.render ? [] : args.only ? args.only.split(',') : SUITES;
const unknown = only.filter((s) => !SUITES.includes(s));
if (unknown.length > 0) {
  console.error(`unknown suite(s) ${unknown.join(', ')}; choose from ${SUITES.join(', ')}`);
  process.exit(2);
}

// The suites run the built CLI, as users do: build when dist/ is missing (a fresh clone) or older than src/.
const builtAt = (() => {
  try {
    return statSync(path.join(repoRoot, 'dist/bundle/main.js')).mtimeMs;
  } catch {
    return 0;
  }
})();
const newestSource = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, e) => {
    const abs = path.join(dir, e.name);
    return Math.max(newest, e.isDirectory() ? newestSource(abs) : statSync(abs).mtimeMs);
  }, 0);
if (builtAt === 0 || newestSource(path.join(repoRoot, 'src')) > builtAt) {
  log(
    `dist/ is ${builtAt === 0 ? 'missing' : 'older than src/'}: building (tsc -p tsconfig.build.json, then the bundle)`,
  );
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'inherit' });
  } catch {
    // tsc still emits on type errors; what it emitted is bundled and benchmarked, with the failure on record.
    log('tsc reported errors; benchmarking the JavaScript it emitted');
  }
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: repoRoot, stdio: 'inherit' });
}

const machine = {
  date: new Date().toISOString(),
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  nproc: cpus().length,
  cpu: (
    readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ??
    cpus()[0]?.model ??
    'unknown'
  ).trim(),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  pinning: hasTaskset()
    ? `servers on core ${SERVER_CORE}, load generator on core ${LOAD_CORE} (taskset)`
    : 'none: taskset not found, processes unpinned',
  runs,
  loadavg_start: loadavg().map((x) => Math.round(x * 100) / 100),
};
log(
  `${machine.nproc} cores (${machine.cpu}), node ${machine.node}, ${machine.pinning}; load average ${machine.loadavg_start.join(' ')}`,
);

const resultsDir = path.join(repoRoot, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const results = {};
const seconds = { http: args.quick ? 2 : 5, stdio: args.quick ? 1.5 : 3 };

async function suite(name, fn) {
  if (!only.includes(name)) return;
  const t0 = performance.now();
  log(`--- ${name}`);
  try {
    results[name] = await fn();
  } catch (error) {
    results[name] = { failed: String(error?.stack ?? error) };
    log(`${name} failed: ${error?.message ?? error}`);
  }
  results[name].elapsed_s = Math.round((performance.now() - t0) / 100) / 10;
  writeFileSync(
    path.join(resultsDir, `${name}.json`),
    `${JSON.stringify({ machine, ...results[name] }, null, 2)}\n`,
  );
}

await suite('cold-start', async () =>
  (await import('./suites/cold-start.mjs')).runColdStart({ runs, sizes: [1_000, 10_000, 100_000] }));
await suite('stdio', async () =>
  (await import('./suites/stdio.mjs')).runStdio({ runs, seconds: seconds.stdio }));
await suite('http', async () => (await import('./suites/http.mjs')).runHttp({ runs, seconds: seconds.http }));
await suite('context-economy', async () =>
  (await import('./suites/context-economy.mjs')).runContextEconomy());
await suite('retrieval', async () => (await import('./suites/retrieval.mjs')).runRetrieval());
const { runExternal } = await import('./suites/external.mjs');
await suite('reload-latency', () =>
  runExternal(
    'reload-latency.mjs',
    ['--out', path.join(resultsDir, 'reload-latency.json'), ...(args.quick ? ['--runs', '30'] : [])],
    { core: SERVER_CORE },
  ));
await suite('ledger-stores', () =>
  runExternal(
    'ledger-stores.mjs',
    ['--out', path.join(resultsDir, 'ledger-stores.json'), ...(args.quick ? ['--records', '5000'] : [])],
    { core: SERVER_CORE },
  ));

// Generating a 10M-read ledger takes ~8 minutes here; --quick measures 200k reads (compare with the baseline only).
await suite('ledger-scale', () =>
  runExternal(
    'ledger-scale.mjs',
    [
      '--out',
      path.join(resultsDir, 'ledger-scale.json'),
      ...(args.quick ? ['--reads', '200000', '--checkpoints', '50000', '--repeats', '3'] : []),
    ],
    { core: SERVER_CORE, timeoutMs: 45 * 60_000 },
  ));

// Issue 18: tree build, checkpoints and receipts on a generated ledger of 10M reads, the size its targets name, and
// the same records in a prev-json ledger (two generations of ~7 minutes each here; --quick 100k).
await suite('ledger-proofs', () =>
  runExternal(
    'ledger-proofs.mjs',
    [
      '--out',
      path.join(resultsDir, 'ledger-proofs.json'),
      ...(args.quick ? ['--records', '100000', '--receipts', '200'] : ['--records', '10000000']),
    ],
    // Every core: full builds hash on all of them, and the one-thread build beside them is the same-run baseline.
    { core: 'all', timeoutMs: 60 * 60_000 },
  ));
// The load generator here, the two servers on the server core (startHttpServer pins them).
await suite('ledger-checkpoint-load', () =>
  runExternal(
    'ledger-checkpoint-load.mjs',
    [
      '--out',
      path.join(resultsDir, 'ledger-checkpoint-load.json'),
      ...(args.quick ? ['--runs', '1', '--seconds', '2'] : []),
    ],
    { timeoutMs: 10 * 60_000 },
  ));

await suite('hostile-stall', () =>
  runExternal('hostile-stall.mjs', ['--out', path.join(resultsDir, 'hostile-stall.json')], {
    core: SERVER_CORE,
  }));

// Issue 15: trace, report and trace PATH:LINE against a scripted 10k-commit repository; --quick scripts 2k commits.
await suite('trace-scale', () =>
  runExternal(
    'trace-scale.mjs',
    [
      '--out',
      path.join(resultsDir, 'trace-scale.json'),
      '--runs',
      String(Math.max(3, runs)),
      ...(args.quick ? ['--commits', '2000', '--notes', '500'] : []),
    ],
    { core: SERVER_CORE, timeoutMs: 15 * 60_000 },
  ));

// Issue 19: the console's runs page and a run page of 10k reads, server-side, on a generated 1M-read ledger (--quick 100k).
await suite('ui', async () => (await import('./suites/ui.mjs')).runUi({ quick: args.quick }));

// Issue 17: audit on 9 repositories × 5k clauses, against multi-root lint on the same roots.
await suite('audit', async () =>
  (await import('./suites/audit.mjs')).runAudit({ runs, ...(args.quick ? { clausesPerRoot: 2_000 } : {}) }));

// Issue 17: nine roots in one server against one root with the same clauses.
await suite('roots', async () => (await import('./suites/roots.mjs')).runRoots({ runs }));

// The soak takes ten minutes, so it is its own command (`npm run soak`); its last result is shown as it is.
try {
  results.soak = JSON.parse(readFileSync(path.join(resultsDir, 'soak.json'), 'utf8'));
} catch {}

// With --only, the suites not run keep their last results (bench/results/<suite>.json), marked with their date, so
// BENCHMARKS.md still shows every figure.
for (const name of SUITES) {
  if (only.includes(name) || results[name]) continue;
  try {
    const { machine: earlier, ...kept } = JSON.parse(
      readFileSync(path.join(resultsDir, `${name}.json`), 'utf8'),
    );
    if (!kept.failed && !kept.skipped) results[name] = { ...kept, earlier_run: earlier?.date ?? 'unknown' };
  } catch {}
}

machine.loadavg_end = loadavg().map((x) => Math.round(x * 100) / 100);
machine.elapsed_s = Math.round((performance.now() - started) / 100) / 10;
const { targetsOf, renderMarkdown } = await import('./lib/report.mjs');
const targets = targetsOf(results);
writeFileSync(
  path.join(resultsDir, 'latest.json'),
  `${JSON.stringify({ machine, targets, results }, null, 2)}\n`,
);
if (!args['no-markdown'])
  writeFileSync(path.join(repoRoot, 'BENCHMARKS.md'), renderMarkdown(machine, targets, results));
for (const t of targets)
  log(`#${t.id} ${t.what}: ${t.result} — ${t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED'}`);
log(`done in ${machine.elapsed_s} s; results in bench/results/, summary in BENCHMARKS.md`);
