// The SQLite ledger's file format: schema, pragmas and opening, kept apart from the store's append and query logic.
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { errorMessage, SpecLedgerError } from '../errors.js';
import { NEW_LEDGER_RECORD_HASH, parseRecordHashFormat, RECORD_COLUMNS } from './hash-chain.js';
import { CONTEXT_FIELDS, encodeBlock, TARGET_FIELDS } from './sqlite-blocks.js';
import { createFieldDictionary } from './sqlite-fields.js';
import { createSummaryWriter } from './sqlite-summaries.js';
import type { LedgerLog, ReadRecord, RecordHashFormat } from './types.js';

export interface SqliteStoreOptions {
  /**
   * How long a write waits for another connection's lock before the ledger counts as unavailable.
   * 5000 ms by default: long enough to ride out another process's group commit, short enough that
   * a stuck lock fails the read instead of hanging the agent.
   */
  busyTimeoutMs?: number;
  /** Open an existing ledger for queries only (verify, show) without taking write locks. */
  readonly?: boolean;
  /**
   * How long opening waits for other processes that are creating or upgrading the same file. 60 s by
   * default: an upgrade rewrites every block (about 10 s per million reads here), and a process that
   * starts meanwhile must wait for it rather than fail.
   */
  openTimeoutMs?: number;
  /** Failed writes and their recovery, and damage found at open. */
  log?: LedgerLog;
  /**
   * The record hash format a ledger created by this open gets ('leaf' by default, as every new ledger): 'prev-json'
   * writes one as SpecLedger did before schema 4, which the tests and bench/ledger-proofs.mjs compare against.
   */
  newLedgerRecordHash?: RecordHashFormat;
}

/** 4: meta `record_hash` names the ledger's record hash format (types.ts RecordHashFormat); 3 had none. */
export const SCHEMA_VERSION = 4;

/** WAL pages after which a commit also checkpoints (SQLite's default is 1,000). */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

const field = (table: string, i: number) => `${table}.fields ->> ${i}`;
const tsColumn = (v: string) =>
  `CASE WHEN typeof(${v}) = 'integer' THEN strftime('%Y-%m-%dT%H:%M:%S', ${v} / 1000, 'unixepoch') || printf('.%03dZ', ${v} % 1000) ELSE ${v} END`;

// Records live in blocks, one row per group commit, pointing at shared fields (sqlite-blocks.ts); the summaries
// (sqlite-summaries.ts) answer runs list, runs show, who-read and stale. `reads` is a view of every record, for
// people inspecting the file with sqlite3.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
  first_seq INTEGER PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  records TEXT NOT NULL,
  hashes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS contexts (
  id INTEGER PRIMARY KEY,
  run_id TEXT,
  principal TEXT,
  client_name TEXT,
  client_version TEXT,
  fields TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS targets (
  id INTEGER PRIMARY KEY,
  spec_id TEXT,
  clause_id TEXT,
  digest TEXT,
  fields TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS targets_by_ref ON targets (spec_id, clause_id, digest);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL UNIQUE,
  run_id_source TEXT,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  first_ts NOT NULL,
  last_ts NOT NULL,
  reads INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS run_contexts (
  run INTEGER NOT NULL,
  context INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  PRIMARY KEY (run, context)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS block_runs (
  run INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  PRIMARY KEY (run, first_seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_targets (
  target INTEGER NOT NULL,
  run INTEGER NOT NULL,
  context INTEGER NOT NULL,
  reads INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  first_ts NOT NULL,
  last_ts NOT NULL,
  PRIMARY KEY (target, run, context)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS run_targets_by_run ON run_targets (run);
CREATE TABLE IF NOT EXISTS snapshots (digest TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE VIEW IF NOT EXISTS reads AS
  SELECT
    coalesce(r.value ->> '$[4].seq', b.first_seq + r.key) AS seq,
    coalesce(r.value ->> '$[4].ts', ${tsColumn('r.value ->> 0')}) AS ts,
    ${CONTEXT_FIELDS.map((f, i) => `${field('c', i)} AS ${f}`).join(', ')},
    ${TARGET_FIELDS.map((f, i) => `${field('t', i)} AS ${f}`).join(', ')},
    r.value ->> 3 AS tokens,
    coalesce(r.value ->> '$[4].prev_hash', lower(hex(substr(b.hashes, 1 + 32 * r.key, 32)))) AS prev_hash,
    coalesce(r.value ->> '$[4].hash', lower(hex(substr(b.hashes, 33 + 32 * r.key, 32)))) AS hash
  FROM blocks AS b, json_each(b.records) AS r
  JOIN contexts AS c ON c.id = r.value ->> 1
  JOIN targets AS t ON t.id = r.value ->> 2;
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}');
`;

// Version 1 kept a row per read in a \`reads\` table. Its rows become version 2 blocks (the records as JSON arrays of
// RECORD_COLUMNS values) of up to 1,000 records, with the same values (so the same hashes), which the upgrade from
// version 2 then rewrites; the head in meta carries over unchanged.
const MIGRATE_FROM_1 = `
ALTER TABLE reads RENAME TO reads_v1;
DROP INDEX IF EXISTS reads_run_id;
DROP INDEX IF EXISTS reads_spec_clause;
DROP INDEX IF EXISTS reads_digest;
CREATE TABLE blocks (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, records TEXT NOT NULL);
INSERT INTO blocks (first_seq, last_seq, records)
  SELECT MIN(seq), MAX(seq), json_group_array(json(rec) ORDER BY seq)
  FROM (SELECT seq, (seq - 1) / 1000 AS grp, json_array(${RECORD_COLUMNS.join(', ')}) AS rec FROM reads_v1)
  GROUP BY grp;
DROP TABLE reads_v1;
UPDATE meta SET value = '2' WHERE key = 'schema_version';
`;

/** Version 2 blocks read during the upgrade, this many at a time (a statement cannot run while another iterates). */
const UPGRADE_PAGE_BLOCKS = 500;

/**
 * A version 2 block's records, values exactly as stored and in seq order (as version 2 read them), or null when
 * its text is not a JSON array of record arrays; such a block is carried over as it is, still unreadable.
 */
function decodeVersion2Block(text: string): ReadRecord[] | null {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) return null;
  const records = (rows as unknown[][]).map((row) => {
    const record: Record<string, unknown> = {};
    for (let f = 0; f < RECORD_COLUMNS.length; f++) record[RECORD_COLUMNS[f] as string] = row[f] ?? null;
    return record as unknown as ReadRecord;
  });
  return records.sort((a, b) => Number(a.seq) - Number(b.seq));
}

/**
 * Version 2 stored each record's every field as JSON and had no summaries. Each block is rewritten through the same
 * encoder and summary writer as a commit, keeping every value (and so every hash) as it was.
 */
function upgradeFrom2(db: Database.Database): void {
  db.exec(`
    ALTER TABLE blocks RENAME TO blocks_v2;
    DROP TABLE IF EXISTS block_runs;
    DROP TABLE IF EXISTS block_clauses;
    DROP VIEW IF EXISTS reads;
    ${SCHEMA}`);
  const dictionary = createFieldDictionary(db, true);
  const summaries = createSummaryWriter(db);
  const page = db.prepare(
    'SELECT first_seq, last_seq, records FROM blocks_v2 WHERE first_seq > ? ORDER BY first_seq LIMIT ?',
  );
  const insert = db.prepare('INSERT INTO blocks (first_seq, last_seq, records, hashes) VALUES (?, ?, ?, ?)');
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const rows = page.all(after, UPGRADE_PAGE_BLOCKS) as {
      first_seq: number;
      last_seq: number;
      records: string;
    }[];
    for (const row of rows) {
      const records = decodeVersion2Block(row.records);
      if (records === null || records.length === 0) {
        insert.run(row.first_seq, row.last_seq, row.records, Buffer.alloc(0));
        continue;
      }
      const block = encodeBlock(records, row.first_seq, dictionary);
      insert.run(row.first_seq, row.last_seq, block.text, block.hashes);
      summaries.write(block);
    }
    const last = rows.at(-1);
    if (last === undefined) break;
    after = last.first_seq;
  }
  db.exec(`DROP TABLE blocks_v2; UPDATE meta SET value = '3' WHERE key = 'schema_version';`);
}

/** Version 3 to 4: the chain was written with 'prev-json' hashes, and stays so. */
function upgradeFrom3(db: Database.Database): void {
  setRecordHash(db, 'prev-json');
  db.exec(`UPDATE meta SET value = '${SCHEMA_VERSION}' WHERE key = 'schema_version';`);
}

function setRecordHash(db: Database.Database, format: RecordHashFormat): void {
  db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('record_hash', ?)`).run(format);
}

/** The record hash format of an open ledger (meta `record_hash`, which only a version 3 file, read as it is, lacks). */
export function recordHashFormat(db: Database.Database): RecordHashFormat {
  // The version first: an upgrade committing between the two reads can only add the row, never take it away.
  const versionThree = schemaVersion(db) === '3';
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'record_hash'`).get() as
    | { value: string }
    | undefined;
  return parseRecordHashFormat(row?.value, versionThree);
}

function isEmpty(db: Database.Database): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master LIMIT 1`).get() === undefined;
}

function schemaVersion(db: Database.Database): string | undefined {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get();
  if (!hasMeta) return undefined;
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as
    | { value: string }
    | undefined;
  return row?.value;
}

export function unavailable(message: string, cause?: unknown): SpecLedgerError {
  return new SpecLedgerError('LEDGER_UNAVAILABLE', message, cause === undefined ? {} : { cause });
}

/** SQLite's "database is locked" family (SQLITE_BUSY, SQLITE_BUSY_RECOVERY, SQLITE_BUSY_SNAPSHOT…). */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** Blocks the thread for `ms`: opening is synchronous, and nothing else may run on this connection meanwhile. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `step` until it stops failing with SQLITE_BUSY, or throws once `deadline` has passed. For the statements
 * SQLite can fail with SQLITE_BUSY at once, without calling the busy handler: switching a file to WAL takes a read
 * lock and then asks for the exclusive one, and SQLite refuses that upgrade outright when another connection holds
 * a lock (waiting could deadlock), so two processes creating one ledger made one of them fail. Each step must be
 * safe to repeat (a pragma, or one transaction, which SQLite rolls back when it fails).
 */
function untilNotBusy<T>(what: string, deadline: number, step: () => T): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return step();
    } catch (error) {
      const left = deadline - Date.now();
      if (!isBusy(error) || left <= 0) {
        if (isBusy(error)) {
          throw new Error(
            `${what}: the file stayed locked by another connection past the open timeout (another process creating or upgrading it?)`,
            { cause: error },
          );
        }
        throw error;
      }
      // Jittered and growing, so processes that collided do not collide again in step.
      sleepSync(Math.min(left, Math.ceil(Math.random() * Math.min(50, 2 * 2 ** Math.min(attempt, 5)))));
    }
  }
}

/**
 * Why `file` cannot be written, or null when it can or does not exist yet (SQLite creates it). access(2) reports
 * an immutable file (chattr +i) as EPERM even to root, which is the case that matters for the `-shm` file.
 */
export function unwritableFile(file: string): string | null {
  try {
    accessSync(file, constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    if (code === 'ENOENT') return null;
    return `${file} is not writable (${code}${code === 'EPERM' ? ': immutable, e.g. chattr +i?' : ''})`;
  }
}

/**
 * The ledger's files that SQLite writes, each with why it cannot be written. The `-shm` file matters most: SQLite
 * maps it into memory and writes through the mapping, so one that cannot be written kills the process with SIGBUS
 * (nothing on stderr) on the first read or commit, where the WAL and the database file only fail the statement.
 */
export function unwritableLedgerFiles(path: string): string[] {
  const problems: string[] = [];
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    const problem = unwritableFile(file);
    if (problem !== null) problems.push(problem);
  }
  return problems;
}

export function openDatabase(path: string, options: SqliteStoreOptions): Database.Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const openTimeoutMs = Math.max(options.openTimeoutMs ?? 60_000, busyTimeoutMs);
  const deadline = Date.now() + openTimeoutMs;
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory && !options.readonly) {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    const problems = unwritableLedgerFiles(path);
    if (problems.length > 0) {
      throw unavailable(
        `cannot open ledger at ${path}: ${problems.join('; ')} (SQLite must write the database, its -wal and its -shm, which it maps into memory)`,
      );
    }
  }
  let db: Database.Database | undefined;
  try {
    // The busy handler is installed by the constructor, before the first statement: while opening, every lock
    // waits for up to openTimeoutMs (another process may be creating or upgrading the file); once open, writes
    // wait busyTimeoutMs.
    db = new Database(path, {
      timeout: openTimeoutMs,
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
    if (!options.readonly) {
      const database = db;
      // WAL + synchronous=NORMAL: a commit reaches the OS before append() resolves, so a SIGKILL of
      // this process loses nothing; only a power loss can drop the last commits, which is the
      // trade for not paying an fsync per read.
      const mode = untilNotBusy('switching the ledger to WAL', deadline, () =>
        database.pragma('journal_mode = WAL', { simple: true }),
      );
      if (!inMemory && mode !== 'wal') {
        throw new Error(
          `the ledger needs WAL mode, but SQLite kept journal_mode "${String(mode)}" (a file system without shared memory, e.g. a network mount?)`,
        );
      }
      database.pragma('synchronous = NORMAL');
      // Checkpoints run inside a commit, on the thread that answers agents, and fsync the WAL and the
      // database: at the default 1,000 pages that blocked the server for ~3/4 of a busy ledger's wall
      // time per read. 10,000 pages (~40 MB of WAL) makes them ten times rarer. Durability is
      // unchanged: a commit is in the WAL either way; checkpoints only move it into the main file.
      database.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      // IMMEDIATE so two processes creating (or upgrading) the same ledger at once do not race: the second waits
      // for the first's transaction, then finds the schema in place.
      const migrate = database.transaction(() => {
        const found = schemaVersion(database);
        // Ledgers created before version 4 keep the record hash their chain was written with.
        if (found === '1') {
          database.exec(MIGRATE_FROM_1);
          upgradeFrom2(database);
          upgradeFrom3(database);
        } else if (found === '2') {
          upgradeFrom2(database);
          upgradeFrom3(database);
        } else if (found === '3') upgradeFrom3(database);
        else if (found === undefined && isEmpty(database)) {
          database.exec(SCHEMA);
          setRecordHash(database, options.newLedgerRecordHash ?? NEW_LEDGER_RECORD_HASH);
        } else if (found === String(SCHEMA_VERSION)) database.exec(SCHEMA);
        // Anything else is left untouched and refused below.
      });
      untilNotBusy('creating or upgrading the ledger schema', deadline, () => migrate.immediate());
    }
    const version = schemaVersion(db);
    // Version 3 differs from 4 only by the record_hash it lacks, which reads as 'prev-json': readable as it is.
    const readableAsIs = options.readonly === true && version === '3';
    if (!readableAsIs && (version === '1' || version === '2' || version === '3')) {
      throw new Error(
        `ledger schema version ${version} predates this SpecLedger's (${SCHEMA_VERSION}); open it once for writing (e.g. \`specledger serve\`) to upgrade it in place`,
      );
    }
    if (version === undefined)
      throw new Error('the file is not a SpecLedger ledger (it has no schema version)');
    if (!readableAsIs && Number(version) !== SCHEMA_VERSION) {
      throw new Error(
        `ledger schema version ${version} is not the one this SpecLedger reads (${SCHEMA_VERSION})`,
      );
    }
    recordHashFormat(db); // one this SpecLedger does not know is refused here, as the open's error
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    return db;
  } catch (cause) {
    db?.close();
    throw unavailable(`cannot open ledger at ${path}: ${errorMessage(cause)}`, cause);
  }
}
