// Edit-to-served latency of live reload: time from a write to the moment corpus.current() serves the new clause.
//
// Run after a build: npx tsc -p tsconfig.build.json && node bench/reload-latency.mjs
// Options: --files N (default 1000), --runs N (default 100), --poll, --atomic (save by temp file + rename),
//          --debounce MS, --keep (leave the generated tree for profiling), --out FILE
//          (default bench/results/reload-latency.json).

import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prng } from './gen-corpus.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');
const { loadCorpus } = await import(path.join(dist, 'index', 'corpus.js'));
const { watchCorpus } = await import(path.join(dist, 'source', 'watcher.js'));

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '100' },
    poll: { type: 'boolean', default: false },
    atomic: { type: 'boolean', default: false },
    debounce: { type: 'string' },
    keep: { type: 'boolean', default: false },
    seed: { type: 'string', default: '20240611' },
    out: { type: 'string', default: path.join(here, 'results', 'reload-latency.json') },
  },
});
const FILES = Number(args.files);
const RUNS = Number(args.runs);
const WARMUP = 5;
/** Past the watcher's 75 ms re-check window, so one run's follow-up stat never lands in the next run's timing. */
const GAP_MS = 120;
const TIMEOUT_MS = 10_000;

/** mulberry32 (shared with gen-corpus): a fixed seed gives the same tree on every machine, so runs are comparable. */
const rng = prng;

const WORDS = (
  'request response token key merchant refund charge payout webhook retry idempotent ledger audit scope ' +
  'limit window header status error envelope field value currency amount balance account session secret ' +
  'rotate revoke expire store hash verify sign deliver queue backoff timeout cursor page filter order'
).split(' ');

function sentence(next, words) {
  const out = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(next() * WORDS.length)]);
  return `${out.join(' ')}.`.replace(/^./, (c) => c.toUpperCase());
}

function paragraph(next) {
  const n = 2 + Math.floor(next() * 3);
  return Array.from({ length: n }, () => sentence(next, 8 + Math.floor(next() * 10))).join(' ');
}

/** One spec: frontmatter, a title, 5–10 anchored sections, some with bold-ID requirements. */
function specFile(next, id, clauseTexts) {
  const lines = [
    '---',
    `id: ${id}`,
    `title: Spec ${id}`,
    `summary: ${sentence(next, 6)}`,
    `version: 1.${Math.floor(next() * 10)}.0`,
    'status: approved',
    'owners: [platform-team]',
    `applies_to: ["src/${id}/**"]`,
    '---',
    '',
    `# Spec ${id}`,
    '',
    paragraph(next),
    '',
  ];
  clauseTexts.forEach((text, i) => {
    lines.push(`## Section ${i + 1} {#s${i + 1}}`, '', text, '');
    if (next() < 0.4) {
      for (let r = 1; r <= 3; r++)
        lines.push(`- **${id.replace(/\W/g, '').toUpperCase()}-${i + 1}${r}**: ${sentence(next, 12)}`);
      lines.push('');
    }
  });
  return lines.join('\n');
}

function generateTree(root, files, seed) {
  const next = rng(seed);
  const specs = [];
  for (let i = 0; i < files; i++) {
    const dir = `area-${String(i % 25).padStart(2, '0')}`;
    const id = `${dir}/spec-${String(i).padStart(4, '0')}`;
    const clauses = Array.from({ length: 5 + Math.floor(next() * 6) }, () => paragraph(next));
    const rel = `${id}.md`;
    mkdirSync(path.join(root, dir), { recursive: true });
    // Each file keeps its own generator state so a later edit rewrites it byte-identically apart from the edit.
    const fileSeed = Math.floor(next() * 2 ** 32);
    writeFileSync(path.join(root, rel), specFile(rng(fileSeed), id, clauses));
    specs.push({ rel, id, clauses, fileSeed });
  }
  return specs;
}

function quantile(sorted, q) {
  // Nearest rank: with 100 runs, p99 is the 99th smallest sample, not an interpolation.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const tmp = mkdtempSync(path.join(tmpdir(), 'specledger-reload-bench-'));
const root = path.join(tmp, 'specs');
mkdirSync(root);
try {
  let t = performance.now();
  const specs = generateTree(root, FILES, Number(args.seed));
  const generateMs = performance.now() - t;
  t = performance.now();
  const corpus = loadCorpus({ root });
  const loadMs = performance.now() - t;
  const snap = corpus.current();
  if (snap.specs.length !== FILES) throw new Error(`expected ${FILES} specs, loaded ${snap.specs.length}`);

  /** The pending edit: resolved by the reload that swaps in a snapshot serving its marker. */
  let pending = null;
  const watcher = await watchCorpus(corpus, {
    poll: args.poll,
    ...(args.debounce ? { debounceMs: Number(args.debounce) } : {}),
    log: (m) => process.stderr.write(`${m}\n`),
    onReload: () => {
      const served = performance.now();
      if (!pending) return;
      let text;
      try {
        text = corpus.current().resolve(pending.ref).clause?.text;
      } catch {
        return;
      }
      if (text?.includes(pending.marker)) {
        const p = pending;
        pending = null;
        p.resolve(served);
      }
    },
  });

  const pick = rng(Number(args.seed) ^ 0x5eed);
  const samples = [];
  for (let run = 0; run < WARMUP + RUNS; run++) {
    const spec = specs[Math.floor(pick() * specs.length)];
    const clause = Math.floor(pick() * spec.clauses.length);
    const marker = `edit-${run}-${Math.floor(pick() * 1e9).toString(36)}`;
    spec.clauses[clause] = `${sentence(pick, 10)} Marker ${marker}.`;
    const text = specFile(rng(spec.fileSeed), spec.id, spec.clauses);
    const ref = `${spec.id}#s${clause + 1}`;
    const served = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`run ${run}: ${ref} not served within ${TIMEOUT_MS} ms`)),
        TIMEOUT_MS,
      );
      pending = {
        ref,
        marker,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
    });
    const file = path.join(root, spec.rel);
    const start = performance.now();
    if (args.atomic) {
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    } else {
      writeFileSync(file, text);
    }
    const at = await served;
    if (run >= WARMUP) samples.push(at - start);
    await sleep(GAP_MS);
  }
  await watcher.close();

  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x) => Math.round(x * 100) / 100;
  const result = {
    median_ms: round(quantile(sorted, 0.5)),
    p99_ms: round(quantile(sorted, 0.99)),
    files: FILES,
    runs: RUNS,
    min_ms: round(sorted[0]),
    max_ms: round(sorted[sorted.length - 1]),
    mean_ms: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    clauses: snap.clauseCount,
    mode: args.poll ? 'poll' : 'native',
    save: args.atomic ? 'rename' : 'write',
    debounce_ms: args.debounce ? Number(args.debounce) : 25,
    generate_ms: round(generateMs),
    initial_load_ms: round(loadMs),
    // Latency on a shared machine tracks its load; recorded so a slow run can be told from a slow watcher.
    loadavg_1m: Math.round(loadavg()[0] * 100) / 100,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  mkdirSync(path.dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  if (args.keep) process.stderr.write(`tree kept at ${root}\n`);
  else rmSync(tmp, { recursive: true, force: true });
}
