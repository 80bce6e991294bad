// Ledger append throughput with many callers in flight, SQLite against PostgreSQL in the same run.
//
// Run after a build: npx tsc -p tsconfig.build.json && node bench/ledger-stores.mjs
// PostgreSQL: SPECLEDGER_TEST_PG (default postgres://specledger:specledger@127.0.0.1:5432/specledger_test,
// what `eval "$(sudo bash scripts/ci-postgres.sh)"` sets up); skipped with a message when unreachable.
// Options: --records N (default 20000), --concurrency N (default 32), --serial N (records for the
//          one-caller latency run, default 2000), --out FILE (default bench/results/ledger-stores.json).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { percentile, round } from './lib/stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');
const { openSqliteStore } = await import(path.join(dist, 'ledger', 'sqlite-store.js'));
const { openPostgresStore } = await import(path.join(dist, 'ledger', 'postgres-store.js'));

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '32' },
    serial: { type: 'string', default: '2000' },
    out: { type: 'string', default: path.join(here, 'results', 'ledger-stores.json') },
  },
});
const RECORDS = Number(args.records);
const CONCURRENCY = Number(args.concurrency);
const SERIAL = Number(args.serial);
const PG_URL =
  process.env.SPECLEDGER_TEST_PG || 'postgres://specledger:specledger@127.0.0.1:5432/specledger_test';
/** Distinct clauses read: a few hundred, as in a real corpus, so snapshots are written once and then skipped. */
const CLAUSES = 300;

const texts = Array.from(
  { length: CLAUSES },
  (_, i) => `AUTH-${i}: ${'a clause of moderate length. '.repeat(20)}`,
);
const digests = texts.map((t) => `sha256:${createHash('sha256').update(t).digest('hex')}`);

/** One read record like the recorder builds; the text rides along only the first time a digest is seen, as there. */
function input(i, seen) {
  const c = i % CLAUSES;
  const first = !seen.has(c);
  seen.add(c);
  return {
    ts: new Date().toISOString(),
    run_id: `run-${i % 64}`,
    run_id_source: 'argument',
    principal: 'bench',
    session_id: null,
    client_name: 'bench',
    client_version: '1.0.0',
    transport: 'http',
    tool: 'get_clause',
    kind: 'clause',
    spec_id: 'auth',
    clause_id: `AUTH-${c}`,
    spec_version: '1.4.0',
    status: 'approved',
    digest: digests[c],
    git_commit: 'a'.repeat(40),
    tokens: 180,
    ...(first ? { text: texts[c] } : {}),
  };
}

/** `total` one-record appends from `concurrency` callers, each awaiting its commit before the next (as a read does). */
async function drive(store, total, concurrency) {
  const latencies = [];
  const seen = new Set();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await store.append([input(i, seen)]);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    records: total,
    concurrency,
    seconds: round(seconds, 3),
    records_per_s: round(total / seconds),
    latency_ms: {
      p50: round(percentile(latencies, 50), 3),
      p99: round(percentile(latencies, 99), 3),
      max: round(Math.max(...latencies), 3),
    },
  };
}

async function measure(name, open, cleanup) {
  const store = await open();
  try {
    // Warm-up: connections, prepared statements and the first snapshots, outside the timing.
    await drive(store, 500, CONCURRENCY);
    const concurrent = await drive(store, RECORDS, CONCURRENCY);
    const serial = await drive(store, SERIAL, 1);
    const t0 = performance.now();
    const verified = await store.verify();
    const verifyMs = performance.now() - t0;
    if (!verified.ok) throw new Error(`${name}: verify failed after the run: ${verified.reason}`);
    return {
      concurrent,
      serial,
      verify: {
        records: verified.records,
        ms: round(verifyMs, 1),
        records_per_s: round(verified.records / (verifyMs / 1000)),
      },
    };
  } finally {
    await store.close();
    await cleanup();
  }
}

const results = {
  benchmark: 'ledger-stores',
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  records: RECORDS,
  concurrency: CONCURRENCY,
  stores: {},
};

const dir = mkdtempSync(path.join(tmpdir(), 'specledger-bench-'));
console.error(`sqlite: ${RECORDS} appends, ${CONCURRENCY} in flight …`);
results.stores.sqlite = await measure(
  'sqlite',
  async () => openSqliteStore(path.join(dir, 'ledger.db')),
  async () => rmSync(dir, { recursive: true, force: true }),
);

// A schema of its own, dropped afterwards, so the run neither sees nor leaves other ledgers' rows.
const schema = `bench_${randomBytes(4).toString('hex')}`;
let pg;
try {
  pg = await openPostgresStore(PG_URL, { schema, busyTimeoutMs: 2000 });
} catch (error) {
  results.stores.postgres = { skipped: `PostgreSQL unavailable: ${error.message}` };
  console.error(`postgres: skipped (${error.message})`);
}
if (pg) {
  console.error(`postgres: ${RECORDS} appends, ${CONCURRENCY} in flight …`);
  const { Pool } = await import('pg');
  results.stores.postgres = await measure(
    'postgres',
    async () => pg,
    async () => {
      const admin = new Pool({ connectionString: PG_URL, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  );
}

const rows = Object.entries(results.stores).map(([name, r]) =>
  r.skipped
    ? `${name.padEnd(9)} skipped: ${r.skipped}`
    : `${name.padEnd(9)} ${String(r.concurrent.records_per_s).padStart(7)} rec/s (${CONCURRENCY} in flight, p50 ${r.concurrent.latency_ms.p50} ms, p99 ${r.concurrent.latency_ms.p99} ms)` +
      `  ${String(r.serial.records_per_s).padStart(6)} rec/s serial (p50 ${r.serial.latency_ms.p50} ms)` +
      `  verify ${r.verify.records_per_s} rec/s`,
);
console.log(`ledger append throughput, ${RECORDS} records\n${rows.join('\n')}`);
mkdirSync(path.dirname(args.out), { recursive: true });
writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), args.out)}`);
