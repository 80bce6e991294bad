// Issue 19: the console's pages rendered server-side on a generated ledger of 1M reads (--quick: 100k): the runs page
// (first page, and filtered by client) and one run's page of 10k reads, each next to the bare store query the page
// is built on (store.runs(), store.reads({ run_id })), measured in the same run. Target: each page ≤ 300 ms.
//
// The ledger: runs of 100 reads, 8 in flight, committed 8 reads at a time (one per run in turn, the group-commit shape
// bench/ledger-scale.mjs uses), plus one run of 10k reads spread through it (one read in 100); 50 specs × 40 clauses, 3 clients, 20 principals. Deterministic (mulberry32, seed 19). Pages are
// rendered through the app's fetch handler (no socket), as the server does for each request.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { prng } from '../gen-corpus.mjs';
import { log, repoRoot, tempDir } from '../lib/env.mjs';
import { median, ratio, round } from '../lib/stats.mjs';

const dist = path.join(repoRoot, 'dist');
const TARGET_MS = 300;
const RUN_READS = 100;
const BIG_RUN = 'run-big-10k';
const BIG_READS = 10_000;
const IN_FLIGHT = 8;
const COMMIT_READS = 8;

function generator(seed) {
  const random = prng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const clients = [
    ['claude-code', '1.2.3'],
    ['cursor', '0.42.0'],
    ['copilot', '1.250.0'],
  ];
  const principals = Array.from({ length: 20 }, (_, i) => `dev-${i}`);
  const stored = new Set();
  const digests = new Map();
  const digestOf = (ref) => {
    let d = digests.get(ref);
    if (d === undefined) {
      d = `sha256:${createHash('sha256').update(ref).digest('hex')}`;
      digests.set(ref, d);
    }
    return d;
  };
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  let n = 0;
  return (run) => {
    n += 1;
    run.principal ??= pick(principals);
    run.client ??= pick(clients);
    const spec = `spec-${Math.floor(random() * 50)}`;
    const clause = `REQ-${Math.floor(random() * 40)}`;
    const digest = digestOf(`${spec}#${clause}`);
    const read = {
      ts: new Date(start + n * 50).toISOString(),
      run_id: run.id,
      run_id_source: 'header',
      principal: run.principal,
      session_id: null,
      client_name: run.client[0],
      client_version: run.client[1],
      transport: 'http',
      tool: 'get_clause',
      kind: 'clause',
      spec_id: spec,
      clause_id: clause,
      spec_version: '1.0.0',
      status: 'approved',
      digest,
      git_commit: null,
      tokens: 50 + Math.floor(random() * 700),
    };
    if (!stored.has(digest)) {
      stored.add(digest);
      read.text = `${spec}#${clause}\n`.repeat(4);
    }
    return read;
  };
}

async function generate(store, total) {
  const next = generator(19);
  const big = { id: BIG_RUN, left: BIG_READS };
  // Every this many reads, one read of the big run, so its reads spread through the whole ledger.
  const bigEvery = Math.floor(total / BIG_READS);
  let runIndex = 0;
  const open = Array.from({ length: IN_FLIGHT }, () => ({
    id: `run-${String(runIndex++).padStart(6, '0')}`,
    left: RUN_READS,
  }));
  let written = 0;
  const t0 = performance.now();
  while (written < total) {
    const batch = [];
    for (let i = 0; i < COMMIT_READS && written < total; i++, written++) {
      if (big.left > 0 && written % bigEvery === 0) {
        batch.push(next(big));
        big.left--;
        continue;
      }
      const slot = written % IN_FLIGHT;
      const run = open[slot];
      batch.push(next(run));
      if (--run.left === 0)
        open[slot] = { id: `run-${String(runIndex++).padStart(6, '0')}`, left: RUN_READS };
    }
    await store.append(batch);
    if (written % 100_000 === 0)
      log(`ui: ${written} reads written (${round((performance.now() - t0) / 1000, 1)} s)`);
  }
  return { seconds: round((performance.now() - t0) / 1000, 1) };
}

/** Median wall and CPU time: on a shared machine the wall clock also measures the neighbours, CPU time much less. */
async function timed(repeats, fn) {
  const walls = [];
  const cpus = [];
  let result;
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    result = await fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  return {
    median_ms: round(median(walls), 1),
    cpu_ms: round(median(cpus), 1),
    first_ms: round(walls[0], 1),
    result,
  };
}

export async function runUi({ quick = false, repeats = 7 } = {}) {
  const total = quick ? 100_000 : 1_000_000;
  const { openSqliteStore } = await import(path.join(dist, 'ledger', 'sqlite-store.js'));
  const { createConsoleApp } = await import(path.join(dist, 'ui', 'console.js'));
  const tmp = tempDir('ui');
  const file = path.join(tmp.dir, 'ledger.db');
  try {
    const writer = openSqliteStore(file);
    const generated = await generate(writer, total);
    await writer.close();
    log(`ui: ${total} reads generated in ${generated.seconds} s`);
    const store = openSqliteStore(file, { readonly: true });
    try {
      const app = createConsoleApp({
        sources: { store, corpus: null, repo: null, specsDir: null, walkChain: false },
      });
      const render = async (url) => {
        const response = await app.request(url);
        const body = await response.text();
        if (response.status !== 200)
          throw new Error(`${url} answered ${response.status}: ${body.slice(0, 200)}`);
        return body.length;
      };
      const measure = {
        runs_page: await timed(repeats, () => render('/')),
        runs_page_filtered: await timed(repeats, () => render('/?client=cursor&offset=50')),
        runs_query: await timed(repeats, async () => (await store.runs()).length),
        run_page: await timed(repeats, () => render(`/run?id=${BIG_RUN}`)),
        run_page_last: await timed(repeats, () => render(`/run?id=${BIG_RUN}&offset=9900`)),
        run_query: await timed(repeats, async () => (await store.reads({ run_id: BIG_RUN })).length),
      };
      if (measure.run_query.result !== BIG_READS)
        throw new Error(`the big run has ${measure.run_query.result} reads`);
      const out = {
        reads: total,
        runs: measure.runs_query.result,
        big_run_reads: BIG_READS,
        target_ms: TARGET_MS,
        repeats,
        generate_s: generated.seconds,
      };
      for (const [name, m] of Object.entries(measure))
        out[name] = { median_ms: m.median_ms, cpu_ms: m.cpu_ms, first_ms: m.first_ms };
      out.runs_page.bytes = measure.runs_page.result;
      out.run_page.bytes = measure.run_page.result;
      out.runs_page_vs_query = ratio(measure.runs_page.median_ms, measure.runs_query.median_ms);
      out.run_page_vs_query = ratio(measure.run_page.median_ms, measure.run_query.median_ms);
      out.met =
        measure.runs_page.median_ms <= TARGET_MS &&
        measure.runs_page_filtered.median_ms <= TARGET_MS &&
        measure.run_page.median_ms <= TARGET_MS;
      log(
        `ui: runs page ${out.runs_page.median_ms} ms, CPU ${out.runs_page.cpu_ms} ms (store.runs() ${out.runs_query.median_ms} ms), run page of ${BIG_READS} reads ${out.run_page.median_ms} ms, CPU ${out.run_page.cpu_ms} ms (store.reads ${out.run_query.median_ms} ms); target ≤ ${TARGET_MS} ms: ${out.met ? 'met' : 'MISSED'}`,
      );
      return out;
    } finally {
      await store.close();
    }
  } finally {
    tmp.remove();
  }
}
