// The SQLite ledger's file format: schema, pragmas and opening, kept apart from the store's append and query logic.
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { errorMessage, SpecLedgerError } from '../errors.js';
import { RECORD_COLUMNS } from './hash-chain.js';
import type { LedgerLog } from './types.js';

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
}

export const SCHEMA_VERSION = 2;

/** WAL pages after which a commit also checkpoints (SQLite's default is 1,000). */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Every ReadRecord column, in hashing order; a block's records are arrays of exactly these values. */
export const COLUMNS = RECORD_COLUMNS;

// Records live in blocks, one row per group commit (see sqlite-blocks.ts). The two index tables are what
// agents and the CLI query by: a run's reads (get_provenance, runs show, stale) and who-read (always by
// spec_id, optionally clause_id and digest). A digest-only filter scans. They hold one entry per distinct
// run or clause per block, not per read. `reads` is a view for people inspecting the file with sqlite3.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
  first_seq INTEGER PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  records TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS block_runs (
  run_id TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  PRIMARY KEY (run_id, first_seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS block_clauses (
  spec_id TEXT NOT NULL,
  clause_id TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  PRIMARY KEY (spec_id, clause_id, first_seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (digest TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE VIEW IF NOT EXISTS reads AS
  SELECT ${COLUMNS.map((c, i) => `r.value ->> ${i} AS ${c}`).join(', ')}
  FROM blocks AS b, json_each(b.records) AS r;
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}');
`;

// Version 1 kept a row per read in a `reads` table. Its rows become blocks of up to 1,000 records, with the
// same values (so the same hashes); the head in meta carries over unchanged.
const MIGRATE_FROM_1 = `
ALTER TABLE reads RENAME TO reads_v1;
DROP INDEX IF EXISTS reads_run_id;
DROP INDEX IF EXISTS reads_spec_clause;
DROP INDEX IF EXISTS reads_digest;
${SCHEMA}
INSERT INTO blocks (first_seq, last_seq, records)
  SELECT MIN(seq), MAX(seq), json_group_array(json(rec) ORDER BY seq)
  FROM (SELECT seq, (seq - 1) / 1000 AS grp, json_array(${COLUMNS.join(', ')}) AS rec FROM reads_v1)
  GROUP BY grp;
INSERT OR IGNORE INTO block_runs (run_id, first_seq)
  SELECT r.run_id, b.first_seq FROM reads_v1 AS r JOIN blocks AS b ON r.seq BETWEEN b.first_seq AND b.last_seq;
INSERT OR IGNORE INTO block_clauses (spec_id, clause_id, first_seq)
  SELECT r.spec_id, COALESCE(r.clause_id, ''), b.first_seq
  FROM reads_v1 AS r JOIN blocks AS b ON r.seq BETWEEN b.first_seq AND b.last_seq
  WHERE r.spec_id IS NOT NULL;
DROP TABLE reads_v1;
UPDATE meta SET value = '${SCHEMA_VERSION}' WHERE key = 'schema_version';
`;

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
        if (found === '1') database.exec(MIGRATE_FROM_1);
        else if (found === String(SCHEMA_VERSION) || (found === undefined && isEmpty(database)))
          database.exec(SCHEMA);
        // Anything else is left untouched and refused below.
      });
      untilNotBusy('creating or upgrading the ledger schema', deadline, () => migrate.immediate());
    }
    const version = schemaVersion(db);
    if (version === '1') {
      throw new Error(
        `ledger schema version 1 predates this SpecLedger's (${SCHEMA_VERSION}); open it once for writing (e.g. \`specledger serve\`) to upgrade it in place`,
      );
    }
    if (version === undefined)
      throw new Error('the file is not a SpecLedger ledger (it has no schema version)');
    if (Number(version) !== SCHEMA_VERSION) {
      throw new Error(
        `ledger schema version ${version} is not the one this SpecLedger reads (${SCHEMA_VERSION})`,
      );
    }
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    return db;
  } catch (cause) {
    db?.close();
    throw unavailable(`cannot open ledger at ${path}: ${errorMessage(cause)}`, cause);
  }
}
