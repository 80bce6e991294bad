// The SQLite ledger's file format: schema, pragmas and opening, kept apart from the store's append and query logic.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { errorMessage, SpecLedgerError } from '../errors.js';
import { HASHED_FIELDS } from './hash-chain.js';
import type { ReadRecord } from './types.js';

export interface SqliteStoreOptions {
  /**
   * How long a write waits for another connection's lock before the ledger counts as unavailable.
   * 5000 ms by default: long enough to ride out another process's group commit, short enough that
   * a stuck lock fails the read instead of hanging the agent.
   */
  busyTimeoutMs?: number;
  /** Open an existing ledger for queries only (verify, show) without taking write locks. */
  readonly?: boolean;
}

export const SCHEMA_VERSION = 1;

/** WAL pages after which a commit also checkpoints (SQLite's default is 1,000). */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Every ReadRecord column, in hashing order; `reads` rows come back in exactly this shape. */
export const COLUMNS = [...HASHED_FIELDS, 'hash'] as const satisfies readonly (keyof ReadRecord)[];

export const SELECT_READS = `SELECT ${COLUMNS.join(', ')} FROM reads`;

// Every index is paid for on every read (one more B-tree insert and WAL page per commit), so only
// the queries agents and the CLI run get one: a run's reads (get_provenance, runs show, stale) and
// who-read (always by spec_id, optionally clause_id and digest, served by reads_spec_clause). A
// digest-only filter scans. Ledgers written before kept a reads_digest index; it is dropped on open.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reads (
  seq INTEGER PRIMARY KEY,
  ts TEXT NOT NULL,
  run_id TEXT NOT NULL,
  run_id_source TEXT NOT NULL,
  principal TEXT,
  session_id TEXT,
  client_name TEXT,
  client_version TEXT,
  transport TEXT NOT NULL,
  tool TEXT NOT NULL,
  kind TEXT NOT NULL,
  spec_id TEXT,
  clause_id TEXT,
  spec_version TEXT,
  status TEXT,
  digest TEXT,
  git_commit TEXT,
  tokens INTEGER NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (digest TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS reads_run_id ON reads (run_id);
CREATE INDEX IF NOT EXISTS reads_spec_clause ON reads (spec_id, clause_id);
DROP INDEX IF EXISTS reads_digest;
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}');
`;

export function unavailable(message: string, cause?: unknown): SpecLedgerError {
  return new SpecLedgerError('LEDGER_UNAVAILABLE', message, cause === undefined ? {} : { cause });
}

export function openDatabase(path: string, options: SqliteStoreOptions): Database.Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory && !options.readonly) mkdirSync(dirname(resolve(path)), { recursive: true });
  let db: Database.Database | undefined;
  try {
    db = new Database(path, {
      timeout: busyTimeoutMs,
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
    if (!options.readonly) {
      // WAL + synchronous=NORMAL: a commit reaches the OS before append() resolves, so a SIGKILL of
      // this process loses nothing; only a power loss can drop the last commits, which is the
      // trade for not paying an fsync per read.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Checkpoints run inside a commit, on the thread that answers agents, and fsync the WAL and the
      // database: at the default 1,000 pages that blocked the server for ~3/4 of a busy ledger's wall
      // time per read. 10,000 pages (~40 MB of WAL) makes them ten times rarer. Durability is
      // unchanged: a commit is in the WAL either way; checkpoints only move it into the main file.
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      // IMMEDIATE so two processes creating the same ledger at once do not race on the schema.
      const database = db;
      database.transaction(() => database.exec(SCHEMA)).immediate();
    }
    const row = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as
      | { value: string }
      | undefined;
    const version = Number(row?.value);
    if (version !== SCHEMA_VERSION) {
      throw new Error(
        `ledger schema version ${row?.value ?? 'missing'} is not the one this SpecLedger reads (${SCHEMA_VERSION})`,
      );
    }
    return db;
  } catch (cause) {
    db?.close();
    throw unavailable(`cannot open ledger at ${path}: ${errorMessage(cause)}`, cause);
  }
}
