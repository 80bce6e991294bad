// Issue 18's proof figures: on a generated SQLite ledger, the full tree build, a checkpoint from the last one, one
// receipt (proof + signed checkpoint) and its offline check, each next to a baseline measured in the same run.
// The tree reads its leaves the way the CLI and the checkpoint worker do (openLeafReader: the SQLite file hashed
// straight from its blocks, long spans on worker threads). Measured beside it: the same build on one thread, the
// build through the store's recordsAfter, the same records in a ledger of the record hash format every ledger had
// before schema 4 ('prev-json': a chain hash and a leaf hash per record, where a new ledger's chain hash is its
// leaf), and the floor no from-scratch build can go under here: the SHA-256 calls per record alone (the leaf, which
// is also the chain hash, and its share of the node hashes).
//
// Run after a build: npx tsc -p tsconfig.build.json && node bench/ledger-proofs.mjs
// Options: --records N (default 1000000; npm run bench passes 10000000), --added N (records appended between two checkpoints, default 10000),
//          --receipts N (default 1000), --old-format false (skip the prev-json ledger),
//          --out FILE (default bench/results/ledger-proofs.json).
//
// The ledger is written through the store's own append path, 1,000 records a commit. The incremental checkpoint
// hashes only the records added since the last one plus O(log n) stored hashes, so its cost does not depend on the
// ledger's size: it is measured after `--records` and after 10× fewer, and the two must agree.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, round } from './lib/stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist', 'ledger');
const { openSqliteStore } = await import(path.join(dist, 'sqlite-store.js'));
const { generateNoteKey, parseSignerKey, parseVerifierKey } = await import(path.join(dist, 'checkpoint.js'));
const { buildTree, openLeafReader, takeCheckpoint } = await import(path.join(dist, 'tree.js'));
const { storeLeafReader } = await import(path.join(dist, 'tree-leaves.js'));
const { openSqliteLeafReader } = await import(path.join(dist, 'sqlite-leaves.js'));
const { canonicalRecordJson } = await import(path.join(dist, 'hash-chain.js'));
const crypto = await import('node:crypto');
const { createReceipt, verifyReceipt } = await import(path.join(dist, 'receipts.js'));
const { verifyFromCheckpoint } = await import(path.join(dist, 'verify-incremental.js'));

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    added: { type: 'string', default: '10000' },
    receipts: { type: 'string', default: '1000' },
    'old-format': { type: 'string', default: 'true' },
    out: { type: 'string', default: path.join(here, 'results', 'ledger-proofs.json') },
  },
});
const RECORDS = Number(args.records);
const ADDED = Number(args.added);
const RECEIPTS = Number(args.receipts);
const log = (m) => console.error(`ledger-proofs: ${m}`);

function input(i) {
  const clause = i % 2000;
  return {
    ts: new Date(Date.UTC(2026, 0, 1) + i * 10).toISOString(),
    run_id: `run-${Math.floor(i / 1000)}`,
    run_id_source: 'argument',
    principal: 'ci-bot',
    session_id: null,
    client_name: 'claude-code',
    client_version: '2.1.332',
    transport: 'http',
    tool: 'get_clause',
    kind: 'clause',
    spec_id: `spec-${clause % 50}`,
    clause_id: `C-${clause}`,
    spec_version: '1.0.0',
    status: 'approved',
    digest: `sha256:${String(clause).padStart(64, '0')}`,
    git_commit: null,
    tokens: 100 + (i % 300),
  };
}

async function appendRange(store, from, to) {
  for (let i = from; i < to; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(to, i + 1000); j++) batch.push(input(j));
    await store.append(batch);
  }
}

// Wall time and this process's CPU time: on a machine shared with other work the CPU time is the steadier figure.
const time = async (fn) => {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = await fn();
  const cpu = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, value };
};

const dir = mkdtempSync(path.join(tmpdir(), 'specledger-proofs-bench-'));
const { signer, verifier } = generateNoteKey('bench.example/specledger');
const key = parseSignerKey(signer);
const pub = parseVerifierKey(verifier);
const result = {
  what: `SQLite ledger of ${RECORDS.toLocaleString('en')} generated reads (1,000 per commit); checkpoints extended by ${ADDED.toLocaleString('en')} reads`,
  machine: { nproc: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavg_start: loadavg() },
  records: RECORDS,
  added: ADDED,
};
try {
  const file = path.join(dir, 'ledger.db');
  const store = openSqliteStore(file);
  const leaves = openLeafReader(file, store);
  const small = Math.floor(RECORDS / 10);
  log(`generating ${small} records`);
  await appendRange(store, 0, small);
  await takeCheckpoint(store, key, { leaves });
  await appendRange(store, small, small + ADDED);
  const incSmall = await time(() => takeCheckpoint(store, key, { leaves }));
  const buildSmall = await time(() => buildTree(store, undefined, leaves));
  log(`generating up to ${RECORDS} records`);
  await appendRange(store, small + ADDED, RECORDS - ADDED);
  const full = await time(() => takeCheckpoint(store, key, { full: true, leaves }));
  await appendRange(store, RECORDS - ADDED, RECORDS);
  // verify --from-checkpoint: the signed checkpoint trusted, the records after it walked.
  const incVerify = await time(() => verifyFromCheckpoint(store, pub, leaves));
  if (!incVerify.value.ok || incVerify.value.checked !== ADDED)
    throw new Error(`verify --from-checkpoint: ${JSON.stringify(incVerify.value)}`);
  const inc = await time(() => takeCheckpoint(store, key, { leaves }));
  // Baseline: reading the same new records alone, without the chain check or any tree work.
  const readNew = await time(() => store.recordsAfter(RECORDS - ADDED, ADDED));
  log('building the tree');
  const build = await time(() => buildTree(store, undefined, leaves));
  // Baseline for the parallel build: the same build on one thread (the single walk the spans fall back to).
  const oneThread = openSqliteLeafReader(file);
  const buildOne = await time(() => buildTree(store, undefined, oneThread));
  await oneThread.close();
  if (!buildOne.value.root().equals(build.value.root()))
    throw new Error('the parallel and single-thread roots differ');
  const viaStore = await time(() => buildTree(store, undefined, storeLeafReader(store)));
  // Baseline for the build: `specledger verify`'s full walk of the chain, in the same run.
  const walk = await time(() => store.verify());
  if (store.recordHash !== 'leaf') throw new Error(`a new ledger has record_hash ${store.recordHash}`);
  // The hashing floor, on a sample of real records' canonical JSON: SHA-256 calls alone, scaled to the ledger.
  const sample = (await store.recordsAfter(0, 100_000)).map((r) => canonicalRecordJson(r));
  const node = Buffer.alloc(65, 1);
  // The calls as the build makes them: digests as 'binary' strings (merkle.ts, sqlite-chain.ts say why).
  const floor = await time(() => {
    for (const json of sample) {
      crypto.hash('sha256', `\u0000${json}`, 'binary');
      crypto.hash('sha256', node, 'binary');
    }
  });
  // Baseline: the same records in a ledger of the old format, its tree built the same way.
  let oldFormat = null;
  if (args['old-format'] !== 'false') {
    log(`generating ${RECORDS} records in a prev-json ledger`);
    const oldFile = path.join(dir, 'prev-json.db');
    const oldStore = openSqliteStore(oldFile, { newLedgerRecordHash: 'prev-json' });
    await appendRange(oldStore, 0, RECORDS);
    const oldLeaves = openLeafReader(oldFile, oldStore);
    oldFormat = await time(() => buildTree(oldStore, undefined, oldLeaves));
    await oldLeaves.close();
    await oldStore.close();
    rmSync(oldFile, { force: true });
  }
  const floorMs = (floor.ms / sample.length) * RECORDS;
  const floorCpuMs = (floor.cpuMs / sample.length) * RECORDS;
  const tree = build.value;
  const note = inc.value.note;
  const proveMs = [];
  const checkMs = [];
  let state = 7;
  for (let n = 0; n < RECEIPTS; n++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const seq = 1 + (state % RECORDS);
    const t0 = performance.now();
    const [record] = await store.recordsAfter(seq - 1, 1);
    const receipt = createReceipt(record, store.recordHash, tree, note);
    const t1 = performance.now();
    verifyReceipt(JSON.parse(JSON.stringify(receipt)), pub);
    proveMs.push(t1 - t0);
    checkMs.push(performance.now() - t1);
  }
  await leaves.close();
  await store.close();
  Object.assign(result, {
    checkpoint_incremental_ms: round(inc.ms, 1),
    verify_incremental_ms: round(incVerify.ms, 1),
    checkpoint_incremental_at_tenth_ms: round(incSmall.ms, 1),
    read_new_records_ms: round(readNew.ms, 1),
    checkpoint_full_ms: round(full.ms),
    tree_build_ms: round(build.ms),
    tree_build_at_tenth_ms: round(buildSmall.ms),
    tree_build_records_per_s: round(RECORDS / (build.ms / 1000)),
    tree_build_one_thread_ms: round(buildOne.ms),
    tree_build_vs_one_thread: round(build.ms / buildOne.ms, 3),
    tree_build_via_store_ms: round(viaStore.ms),
    verify_walk_ms: round(walk.ms),
    sha256_floor_ms: round(floorMs),
    tree_build_vs_verify: round(build.ms / walk.ms, 3),
    tree_build_vs_via_store: round(build.ms / viaStore.ms, 3),
    tree_build_vs_sha256_floor: round(build.ms / floorMs, 3),
    ...(oldFormat && {
      tree_build_prev_json_ms: round(oldFormat.ms),
      tree_build_vs_prev_json: round(build.ms / oldFormat.ms, 3),
    }),
    receipt_ms: { p50: round(median(proveMs), 3), max: round(Math.max(...proveMs), 3) },
    receipt_check_ms: { p50: round(median(checkMs), 3), max: round(Math.max(...checkMs), 3) },
    tree_build_10m_estimate_s: round(((build.ms / RECORDS) * 10_000_000) / 1000, 1),
    tree_build_one_thread_10m_estimate_s: round(((buildOne.ms / RECORDS) * 10_000_000) / 1000, 1),
    cpu_ms: {
      tree_build: round(build.cpuMs),
      tree_build_one_thread: round(buildOne.cpuMs),
      tree_build_via_store: round(viaStore.cpuMs),
      ...(oldFormat && { tree_build_prev_json: round(oldFormat.cpuMs) }),
      verify_walk: round(walk.cpuMs),
      sha256_floor: round(floorCpuMs),
      checkpoint_incremental: round(inc.cpuMs, 1),
      verify_incremental: round(incVerify.cpuMs, 1),
      tree_build_10m_estimate_s: round(((build.cpuMs / RECORDS) * 10_000_000) / 1000, 1),
    },
    sha256_floor_10m_estimate_s: round(((floorMs / RECORDS) * 10_000_000) / 1000, 1),
    loadavg_end: loadavg(),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result));
