#!/usr/bin/env node
// What one ledger commit costs in SQLite on this machine, by what it writes: the floor under the ledger's cost per
// read (bench/README.md, "Costs that remain"). Bare better-sqlite3, WAL + synchronous=NORMAL as the ledger opens
// it, BEGIN IMMEDIATE … COMMIT around: a block row of a given size, then + the head upsert, + the two index rows,
// and, for comparison, ten rows of a row-per-read table with two indexes (the layout before blocks).
// Usage: node bench/sqlite-commit.mjs [--commits N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

const { values: args } = parseArgs({ options: { commits: { type: 'string', default: '20000' } } });
const COMMITS = Number(args.commits);
const record = JSON.stringify([
  1,
  '2026-11-25T20:04:46.123Z',
  'run-abcdef-123456',
  'connection',
  null,
  null,
  'bench',
  '1.0.0',
  'stdio',
  'get_clause',
  'clause',
  'auth',
  'key-storage',
  '1.2.0',
  'approved',
  `sha256:${'a'.repeat(64)}`,
  null,
  120,
  'b'.repeat(64),
  'c'.repeat(64),
]);

function measure(label, setup) {
  const dir = mkdtempSync(path.join(tmpdir(), 'specledger-commit-'));
  const db = new Database(path.join(dir, 'ledger.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 10000');
  const commit = db.transaction(setup(db));
  for (let i = 0; i < 200; i++) commit.immediate(); // warm the page cache and the WAL
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < COMMITS; i++) commit.immediate();
  const wall = Number(process.hrtime.bigint() - t0) / 1000 / COMMITS;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${label.padEnd(48)} ${wall.toFixed(1).padStart(6)} µs wall ${((cpu.user + cpu.system) / COMMITS).toFixed(1).padStart(6)} µs CPU (${(cpu.system / COMMITS).toFixed(1)} system) per commit`,
  );
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

const blockTables = (db) =>
  db.exec(`
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE blocks (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, records TEXT NOT NULL);
    CREATE TABLE block_runs (run_id TEXT NOT NULL, first_seq INTEGER NOT NULL, PRIMARY KEY (run_id, first_seq)) WITHOUT ROWID;
    CREATE TABLE block_clauses (spec_id TEXT NOT NULL, clause_id TEXT NOT NULL, first_seq INTEGER NOT NULL,
      PRIMARY KEY (spec_id, clause_id, first_seq)) WITHOUT ROWID;`);

for (const reads of [1, 8, 16]) {
  const text = `[${Array(reads).fill(record).join(',')}]`;
  for (const [what, head, index] of [
    ['block', false, false],
    ['block + head', true, false],
    ['block + head + indexes (the ledger)', true, true],
  ]) {
    measure(`${reads} read(s): ${what}`, (db) => {
      blockTables(db);
      const block = db.prepare('INSERT INTO blocks VALUES (?, ?, ?)');
      const setHead = db.prepare(
        `INSERT INTO meta VALUES ('head_seq', ?), ('head_hash', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      );
      const run = db.prepare('INSERT OR IGNORE INTO block_runs VALUES (?, ?)');
      const clause = db.prepare('INSERT OR IGNORE INTO block_clauses VALUES (?, ?, ?)');
      let seq = 1;
      return () => {
        block.run(seq, seq + reads - 1, text);
        if (head) setHead.run(String(seq + reads - 1), 'c'.repeat(64));
        if (index) {
          run.run('run-abcdef-123456', seq);
          clause.run('auth', 'key-storage', seq);
        }
        seq += reads;
      };
    });
  }
}

measure('8 reads: a row per read, two indexes (before)', (db) => {
  db.exec(`
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE reads (seq INTEGER PRIMARY KEY, ts TEXT, run_id TEXT, run_id_source TEXT, principal TEXT,
      session_id TEXT, client_name TEXT, client_version TEXT, transport TEXT, tool TEXT, kind TEXT, spec_id TEXT,
      clause_id TEXT, spec_version TEXT, status TEXT, digest TEXT, git_commit TEXT, tokens INTEGER,
      prev_hash TEXT, hash TEXT);
    CREATE INDEX reads_run_id ON reads (run_id);
    CREATE INDEX reads_spec_clause ON reads (spec_id, clause_id);`);
  const insert = db.prepare(`INSERT INTO reads VALUES (${Array(20).fill('?').join(', ')})`);
  const setHead = db.prepare(
    `INSERT INTO meta VALUES ('head_seq', ?), ('head_hash', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  );
  const values = JSON.parse(record);
  let seq = 1;
  return () => {
    for (let i = 0; i < 8; i++) {
      values[0] = seq++;
      insert.run(...values);
    }
    setHead.run(String(seq - 1), 'c'.repeat(64));
  };
});
