// The ledger at fleet scale: generates a SQLite ledger of millions of reads through the store's own append path,
// then times runs, runs show, who-read and stale on it (from the summaries) against the same answers computed from
// the records (what the store did before it kept summaries), and how many bytes each read adds to the file.
//
// Run after a build: npx tsc -p tsconfig.build.json && node bench/ledger-scale.mjs
// Options: --reads N (default 10000000), --checkpoints a,b,c (sizes measured on the way; default
//          200000,1000000,3000000 and --reads), --baseline-max N (largest size the record walk is timed at,
//          default 1000000: it grows with the ledger), --repeats N (default 5), --dir DIR (default a temp
//          folder, removed at the end unless --keep), --out FILE (default bench/results/ledger-scale.json).
//
// The ledger: runs of exactly 1,000 reads, 16 in flight at a time, one commit of 8 reads (one per run in turn) at
// a time, the shape of a fleet's group commits. A corpus of 50 specs × 40 clauses; each run works on ~150 clauses
// drawn with a Zipf-like skew (so some clauses are read by nearly every run), with outline, root and search reads
// and re-reads; every 500k reads 5% of the clauses change version. Deterministic (mulberry32, seed 42).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { prng } from './gen-corpus.mjs';
import { median, round } from './lib/stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');
const cli = path.join(dist, 'cli', 'main.js');
const { openSqliteStore } = await import(path.join(dist, 'ledger', 'sqlite-store.js'));
const { runShow, runsList, staleReads, whoRead } = await import(path.join(dist, 'ledger', 'queries.js'));

const { values: args } = parseArgs({
  options: {
    reads: { type: 'string', default: '10000000' },
    checkpoints: { type: 'string' },
    'baseline-max': { type: 'string', default: '1000000' },
    repeats: { type: 'string', default: '5' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(here, 'results', 'ledger-scale.json') },
  },
});
const READS = Number(args.reads);
const CHECKPOINTS = [
  ...new Set(
    (args.checkpoints ?? '200000,1000000,3000000')
      .split(',')
      .map(Number)
      .filter((n) => n > 0 && n < READS)
      .concat(READS),
  ),
].sort((a, b) => a - b);
const BASELINE_MAX = Number(args['baseline-max']);
const REPEATS = Number(args.repeats);

const RUN_READS = 1000;
const IN_FLIGHT = 16;
const COMMIT_READS = 8;
const SPECS = 50;
const CLAUSES_PER_SPEC = 40;
const WORKING_SET = 150;
const BUMP_EVERY = 500_000;

const random = prng(42);
const pick = (list) => list[Math.floor(random() * list.length)];

const clauses = [];
for (let s = 0; s < SPECS; s++)
  for (let c = 0; c < CLAUSES_PER_SPEC; c++)
    clauses.push({ spec: `spec-${s}`, clause: `REQ-${s}-${c}`, version: 1 });
const digestCache = new Map();
function digestOf(key, version) {
  const k = `${key}@${version}`;
  let d = digestCache.get(k);
  if (d === undefined) {
    d = `sha256:${createHash('sha256').update(k).digest('hex')}`;
    digestCache.set(k, d);
  }
  return d;
}
/** Zipf-like rank: index i drawn with weight ~1/(i+1). */
function zipfIndex(n) {
  return Math.min(n - 1, Math.floor(Math.exp(random() * Math.log(n + 1)) - 1));
}

const PRINCIPALS = Array.from({ length: 20 }, (_, i) => (i < 5 ? `ci-bot-${i}` : `dev-${i}`));
const CLIENTS = [
  ['claude-code', '1.2.3'],
  ['cursor', '0.42.0'],
  ['copilot', '1.250.0'],
];

let nextRun = 0;
function newRun() {
  const index = nextRun++;
  const [client, version] = pick(CLIENTS);
  const working = Array.from({ length: WORKING_SET }, () => clauses[zipfIndex(clauses.length)]);
  return {
    id: `run-${String(index).padStart(6, '0')}`,
    principal: pick(PRINCIPALS),
    session: `session-${index}`,
    client,
    version,
    working,
    done: 0,
  };
}

const start = Date.parse('2025-01-01T00:00:00.000Z');
const storedDigests = new Set();
let readIndex = 0;

/** The next read of `run` at `ts`, as the recorder builds it (one object literal: this runs 10M times). */
function nextRead(run, ts) {
  const i = run.done++;
  readIndex += 1;
  const roll = random();
  let tool = 'get_clause';
  let kind = 'clause';
  let spec = null;
  let clause = null;
  let version = null;
  let digest = null;
  let tokens = 120;
  if (i === 0 || roll < 0.02) {
    tool = 'read_root';
    kind = 'root';
    digest = digestOf('root', 1);
    tokens = 900;
  } else if (roll < 0.07) {
    tool = 'search_specs';
    kind = 'search';
  } else {
    const target = run.working[Math.floor(random() * run.working.length)];
    spec = target.spec;
    if (roll < 0.17) {
      tool = 'get_outline';
      kind = 'outline';
      version = '1.0.0';
      digest = digestOf(target.spec, 1);
      tokens = 300;
    } else {
      clause = target.clause;
      version = `1.${target.version}.0`;
      digest = digestOf(`${target.spec}#${target.clause}`, target.version);
      tokens = 50 + Math.floor(random() * 700);
    }
  }
  const read = {
    ts,
    run_id: run.id,
    run_id_source: 'header',
    principal: run.principal,
    session_id: run.session,
    client_name: run.client,
    client_version: run.version,
    transport: 'http',
    tool,
    kind,
    spec_id: spec,
    clause_id: clause,
    spec_version: version,
    status: spec === null ? null : 'approved',
    digest,
    git_commit: null,
    tokens,
  };
  // The served text rides along the first time a digest is seen, as the recorder sends it.
  if (digest !== null && !storedDigests.has(digest)) {
    storedDigests.add(digest);
    read.text = `${digest} `.repeat(6);
  }
  return read;
}

function log(message) {
  process.stderr.write(`ledger-scale: ${message}\n`);
}

/**
 * Median wall and CPU time of `fn`, run `repeats` times, and the first (coldest) wall time. CPU time is reported
 * beside wall time because this machine is shared: other work stretches wall time, much less the CPU a query takes.
 */
async function timed(fn, repeats = REPEATS) {
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
    median: round(median(walls), 2),
    cpu: round(median(cpus), 2),
    first: round(walls[0], 2),
    result,
  };
}
const timings = (q) => Object.fromEntries(Object.entries(q).map(([k, { result: _r, ...v }]) => [k, v]));

/** A query as the CLI runs it: a read-only store opened for it and closed after. */
async function withReader(ledgerPath, fn) {
  const store = openSqliteStore(ledgerPath, { readonly: true });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

// What the store computed before it kept summaries, from the records (copied from the schema 2 code).
function runsFromRecords(records) {
  const runs = new Map();
  for (const r of records) {
    let run = runs.get(r.run_id);
    if (!run) {
      run = {
        run_id: r.run_id,
        run_id_source: r.run_id_source,
        reads: 0,
        first_ts: r.ts,
        last_ts: r.ts,
        principals: [],
        clients: [],
      };
      runs.set(r.run_id, run);
    }
    run.reads += 1;
    if (r.ts < run.first_ts) run.first_ts = r.ts;
    if (r.ts > run.last_ts) run.last_ts = r.ts;
    if (r.principal !== null && !run.principals.includes(r.principal)) run.principals.push(r.principal);
    const client = r.client_version === null ? r.client_name : `${r.client_name}/${r.client_version}`;
    if (r.client_name !== null && !run.clients.includes(client)) run.clients.push(client);
  }
  return [...runs.values()];
}
function whoReadFromRecords(records) {
  const byRun = new Map();
  for (const r of records) {
    const run = byRun.get(r.run_id) ?? { run_id: r.run_id, reads: 0, digests: new Set() };
    run.reads += 1;
    if (r.digest !== null) run.digests.add(r.digest);
    byRun.set(r.run_id, run);
  }
  return [...byRun.values()];
}
function staleFromRecords(records, current) {
  const last = new Map();
  for (const r of records) {
    if (!['clause', 'outline', 'root'].includes(r.kind) || r.spec_id === null || r.digest === null) continue;
    const ref = r.clause_id === null ? r.spec_id : `${r.spec_id}#${r.clause_id}`;
    last.delete(ref);
    last.set(ref, r);
  }
  return [...last.values()].filter((r) => current(r.spec_id, r.clause_id)?.digest !== r.digest);
}

function currentDigest(spec, clause) {
  if (clause === null) return { digest: digestOf(spec, 1) };
  const c = clauses.find((x) => x.spec === spec && x.clause === clause);
  return c ? { digest: digestOf(`${spec}#${clause}`, c.version) } : undefined;
}

/** Bytes of every table and index but the snapshots (dbstat, after a checkpoint folds the WAL in). */
function fileBytes(ledgerPath) {
  const db = new Database(ledgerPath);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const rows = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all();
    const by = Object.fromEntries(rows.map((r) => [r.name, r.bytes]));
    const snapshots = (by.snapshots ?? 0) + (by.sqlite_autoindex_snapshots_1 ?? 0);
    const total = rows.reduce((n, r) => n + r.bytes, 0);
    return {
      file_bytes: statSync(ledgerPath).size,
      pages_bytes: total,
      snapshot_bytes: snapshots,
      by_table: by,
    };
  } finally {
    db.close();
  }
}

function cliWall(argv, repeats = 3) {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, [cli, ...argv], {
      stdio: ['ignore', 'ignore', 'ignore'],
      maxBuffer: 1 << 30,
    });
    times.push(performance.now() - t0);
  }
  return round(median(times), 1);
}

async function measure(ledgerPath, size, firstRunId) {
  const bytes = fileBytes(ledgerPath);
  const runsShown = await withReader(ledgerPath, (s) => s.runs());
  const complete = runsShown.filter((r) => r.reads === RUN_READS);
  const showRun = complete[Math.floor(complete.length / 2)]?.run_id ?? firstRunId;
  const staleRun = complete[0]?.run_id ?? firstRunId;
  // The most-read clause (read by nearly every run) and one of middling popularity.
  const popular = `${clauses[0].spec}#${clauses[0].clause}`;
  const middling = `${clauses[clauses.length / 2].spec}#${clauses[clauses.length / 2].clause}`;
  const q = {};
  q.runs = await timed(() => withReader(ledgerPath, (s) => runsList(s)));
  q.runs_show = await timed(() => withReader(ledgerPath, (s) => runShow(s, showRun)));
  q.who_read_popular = await timed(() => withReader(ledgerPath, (s) => whoRead(s, popular)));
  q.who_read_middling = await timed(() => withReader(ledgerPath, (s) => whoRead(s, middling)));
  q.stale = await timed(() => withReader(ledgerPath, (s) => staleReads(s, staleRun, currentDigest)));
  const out = {
    reads: size,
    runs: q.runs.result.length,
    show_run_reads: q.runs_show.result.reads.length,
    who_read_popular_runs: q.who_read_popular.result.runs.length,
    who_read_middling_runs: q.who_read_middling.result.runs.length,
    stale_refs: q.stale.result.stale.length,
    bytes_per_read: round((bytes.pages_bytes - bytes.snapshot_bytes) / size, 1),
    ...bytes,
    queries_ms: timings(q),
  };
  if (size <= BASELINE_MAX) {
    log(`${size}: timing the answers from the records (baseline)`);
    const b = {};
    b.runs = await timed(() => withReader(ledgerPath, async (s) => runsFromRecords(await s.reads({}))), 3);
    b.runs_show = await timed(() => withReader(ledgerPath, (s) => s.reads({ run_id: showRun })), 3);
    const [ps, pc] = popular.split('#');
    const [ms, mc] = middling.split('#');
    b.who_read_popular = await timed(
      () =>
        withReader(ledgerPath, async (s) =>
          whoReadFromRecords(await s.reads({ spec_id: ps, clause_id: pc })),
        ),
      3,
    );
    b.who_read_middling = await timed(
      () =>
        withReader(ledgerPath, async (s) =>
          whoReadFromRecords(await s.reads({ spec_id: ms, clause_id: mc })),
        ),
      3,
    );
    b.stale = await timed(
      () =>
        withReader(ledgerPath, async (s) =>
          staleFromRecords(await s.reads({ run_id: staleRun }), currentDigest),
        ),
      3,
    );
    if (b.runs.result.length !== out.runs) throw new Error('baseline and summary disagree on the runs');
    if (b.who_read_popular.result.length !== out.who_read_popular_runs)
      throw new Error('baseline and summary disagree on who-read');
    if (b.stale.result.length !== out.stale_refs) throw new Error('baseline and summary disagree on stale');
    out.baseline_ms = timings(b);
  }
  log(`${size}: CLI wall times`);
  out.cli_ms = {
    startup_version: cliWall(['--version']),
    runs: cliWall(['runs', '--json', '--ledger', ledgerPath]),
    runs_show: cliWall(['runs', 'show', showRun, '--json', '--ledger', ledgerPath]),
    who_read_popular: cliWall(['who-read', popular, '--json', '--ledger', ledgerPath]),
  };
  return out;
}

const dir = args.dir ?? mkdtempSync(path.join(tmpdir(), 'specledger-scale-'));
mkdirSync(dir, { recursive: true });
const ledgerPath = path.join(dir, 'ledger.db');
rmSync(ledgerPath, { force: true });
const results = {
  benchmark: 'ledger-scale',
  what: `SQLite ledger generated through the store's append path: runs of ${RUN_READS} reads, ${IN_FLIGHT} in flight, commits of ${COMMIT_READS} reads; ${SPECS * CLAUSES_PER_SPEC} clauses, ${WORKING_SET} per run (Zipf-like), 5% change every ${BUMP_EVERY} reads. Queries through read-only stores opened per query (as the CLI does), median of ${REPEATS}; baseline: the same answers computed from the records.`,
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  loadavg_start: loadavg().map((x) => round(x, 2)),
  target_reads: READS,
  sizes: [],
};

const store = openSqliteStore(ledgerPath);
const active = Array.from({ length: IN_FLIGHT }, newRun);
const firstRunId = active[0].id;
let turn = 0;
const t0 = performance.now();
let generatedMs = 0;
for (const checkpoint of CHECKPOINTS) {
  const g0 = performance.now();
  while (readIndex < checkpoint) {
    const batch = [];
    // The reads of one commit arrive within a millisecond: one timestamp string, as the recorder makes.
    const ts = new Date(start + readIndex * 20).toISOString();
    for (let k = 0; k < COMMIT_READS && readIndex < checkpoint; k++) {
      const slot = turn++ % IN_FLIGHT;
      if (active[slot].done >= RUN_READS) active[slot] = newRun();
      batch.push(nextRead(active[slot], ts));
      if (readIndex % BUMP_EVERY === 0) {
        for (let b = 0; b < clauses.length / 20; b++)
          clauses[Math.floor(random() * clauses.length)].version += 1;
      }
    }
    await store.append(batch);
    if (readIndex % 1_000_000 === 0)
      log(`${readIndex / 1e6}M reads, ${round((performance.now() - t0) / 1000, 1)} s`);
  }
  generatedMs += performance.now() - g0;
  log(`${checkpoint} reads generated (${round(generatedMs / 1000, 1)} s so far); measuring`);
  const m = await measure(ledgerPath, checkpoint, firstRunId);
  m.generation_s = round(generatedMs / 1000, 1);
  m.generation_reads_per_s = round(checkpoint / (generatedMs / 1000));
  results.sizes.push(m);
  log(`${checkpoint}: ${JSON.stringify(m.queries_ms)} ${m.bytes_per_read} B/read`);
}
await store.close();
results.loadavg_end = loadavg().map((x) => round(x, 2));
// Growth per read between the first and the last size: what each further read adds.
const [first, last] = [results.sizes[0], results.sizes.at(-1)];
if (first !== last) {
  results.growth_bytes_per_read = round(
    (last.pages_bytes - last.snapshot_bytes - (first.pages_bytes - first.snapshot_bytes)) /
      (last.reads - first.reads),
    1,
  );
}
if (!args.keep && !args.dir) rmSync(dir, { recursive: true, force: true });
mkdirSync(path.dirname(args.out), { recursive: true });
writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results));
