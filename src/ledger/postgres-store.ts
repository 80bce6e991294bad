// The fleet ledger: PostgreSQL through a pg Pool, one hash chain shared by every replica that appends to it.
import { Pool, type PoolClient, type QueryResult } from 'pg';
import { errorMessage, SpecLedgerError } from '../errors.js';
import { checkChainEnds, computeRecordHash, formatMismatch } from './hash-chain.js';
import { createPostgresReads, type Queryable } from './postgres-reads.js';
import {
  COLUMN_TYPES,
  COLUMNS,
  checkSchema,
  checkSchemaName,
  DEFAULT_SCHEMA,
  migrate,
  quoteIdent,
  readRecordHash,
  unavailable,
} from './postgres-schema.js';
import { newReadRecord, validateInput } from './records.js';
import type {
  LedgerHealth,
  LedgerLog,
  LedgerStore,
  ReadRecord,
  ReadRecordInput,
  RecordHashFormat,
} from './types.js';
import { trackWriteFailures } from './write-failures.js';

export interface PostgresStoreOptions {
  /**
   * How long a write waits for a connection or for the chain's head lock (another replica's
   * commit) before the ledger counts as unavailable. 5000 ms by default, as for SQLite: long enough
   * to ride out other replicas' group commits, short enough that a stuck lock fails the read
   * instead of hanging the agent.
   */
  busyTimeoutMs?: number;
  /** Query only (the CLI): no migrations, and append/ping refuse; the ledger must already exist. */
  readonly?: boolean;
  /** The schema holding the ledger tables; `specledger` by default. */
  schema?: string;
  /**
   * Connections in the pool. Appends use one at a time (batches are serialised by the head lock
   * anyway); the rest serve queries. 4 by default, so ten replicas cost 40 server connections.
   */
  maxConnections?: number;
  /** Errors of idle pooled connections (e.g. the server restarted); the next query reports them too. */
  onError?: (error: Error) => void;
  /** Failed writes and their recovery, and damage found at open. */
  log?: LedgerLog;
}

interface Pending {
  records: readonly ReadRecordInput[];
  resolve: (records: ReadRecord[]) => void;
  reject: (error: unknown) => void;
}

/** `postgres://user@host:port/db`, never the password: this ends up in error messages and logs. */
function describePostgresTarget(url: string): string {
  const withoutQuery = url.split('?')[0] ?? url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(withoutQuery)?.[0] ?? '';
  // The last @ before the query ends the user info (an unencoded @ in a password comes before it).
  const at = withoutQuery.lastIndexOf('@');
  if (at < scheme.length) return withoutQuery;
  const user = withoutQuery.slice(scheme.length, at).split(':')[0] ?? '';
  return `${scheme}${user}@${withoutQuery.slice(at + 1)}`;
}

/** Node reports a refused connection to a host with several addresses as an AggregateError with no message. */
function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map(errorMessage).join('; ') || 'connection failed';
  }
  return errorMessage(error);
}

/** Opens the PostgreSQL ledger at `url`, creating or migrating its schema unless `readonly`. */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<LedgerStore> {
  const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
  const target = `${describePostgresTarget(url)} (schema ${schema})`;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const readonly = options.readonly ?? false;
  const pool = new Pool({
    connectionString: url,
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: busyTimeoutMs,
    lock_timeout: busyTimeoutMs,
    application_name: 'specledger',
    keepAlive: true,
  });
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', (error) => options.onError?.(error));
  if (readonly) {
    // Belt and braces for query-only opens: even a bug here cannot write through these connections.
    pool.on('connect', (client) => {
      client.query('SET default_transaction_read_only = on').catch(() => {});
    });
  }

  let recordHash: RecordHashFormat;
  try {
    const client = await pool.connect();
    try {
      await (readonly ? checkSchema(client, schema) : migrate(client, schema));
      recordHash = await readRecordHash(client, schema);
      client.release();
    } catch (error) {
      client.release(true);
      throw error;
    }
  } catch (cause) {
    await pool.end().catch(() => {});
    throw unavailable(`cannot open ledger at ${target}: ${describeError(cause)}`, cause);
  }

  const log = options.log ?? (() => {});
  const s = quoteIdent(schema);
  const reads = createPostgresReads(schema);
  const sql = {
    // Three statements sent as one simple query (one round trip, which is most of a batch's cost
    // on a busy host). The last row is a statement of its own, not a join: in READ COMMITTED it
    // then gets a snapshot taken after the head lock was granted, and so sees the commit of the
    // replica that held the lock before.
    beginAndLockHead: `BEGIN;
      SELECT seq, hash FROM ${s}.head WHERE id = 1 FOR UPDATE;
      SELECT seq, hash FROM ${s}.reads ORDER BY seq DESC LIMIT 1`,
    // One statement for the whole batch: every column as an array, rows rebuilt by unnest, so a
    // batch of any size costs one round trip instead of one per record.
    insertBatch: `
      WITH new_reads AS (
        INSERT INTO ${s}.reads (${COLUMNS.join(', ')})
        SELECT * FROM unnest(${COLUMNS.map((c, i) => `$${i + 1}::${COLUMN_TYPES[c]}[]`).join(', ')})
      ), new_snapshots AS (
        INSERT INTO ${s}.snapshots (digest, text)
        SELECT * FROM unnest($${COLUMNS.length + 1}::text[], $${COLUMNS.length + 2}::text[])
        ON CONFLICT (digest) DO NOTHING
      )
      UPDATE ${s}.head SET seq = $${COLUMNS.length + 3}, hash = $${COLUMNS.length + 4} WHERE id = 1`,
    setMeta: `INSERT INTO ${s}.meta (key, value) VALUES ($1, $2)
              ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    // Whether this connection could write at all, without writing: a hot standby, or a read-only default.
    writability: `SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS read_only`,
  };

  const writes = trackWriteFailures(log);

  // A damaged ledger is still appended to (new reads must be recorded), but not silently. Read-only opens check
  // too, without the warning: verify --since and --from-checkpoint compare where their walk ends with the head.
  let damage: string | null = null;
  try {
    const { head, first: firstRecord, last: lastRecord } = await reads.ends(pool);
    damage = checkChainEnds({ head, first: firstRecord, last: lastRecord, format: recordHash });
    const refuse = readonly
      ? null
      : (formatMismatch(firstRecord, recordHash) ?? formatMismatch(lastRecord, recordHash));
    if (refuse !== null)
      throw new Error(`${refuse}; new records would be hashed in a format its chain is not`);
  } catch (cause) {
    await pool.end().catch(() => {});
    throw unavailable(`cannot open ledger at ${target}: ${describeError(cause)}`, cause);
  }
  if (damage !== null && !readonly)
    log(
      'warn',
      `the ledger at ${target} is damaged: ${damage}; new reads are still recorded; run \`specledger verify\` for the full check`,
    );

  let queue: Pending[] = [];
  let draining = false;
  let drained: Promise<void> = Promise.resolve();
  let closed = false;

  /**
   * The chain step, serialised across replicas by the row lock on `head`: whoever holds it reads
   * the newest (seq, hash), inserts the batch after it and moves the head, all in one transaction,
   * so two replicas can never both extend the same record. Resolves only after COMMIT returns
   * (synchronous_commit, the server default, means the WAL is on disk by then).
   */
  async function appendBatch(batches: readonly (readonly ReadRecordInput[])[]): Promise<ReadRecord[][]> {
    const client = await pool.connect();
    let healthy = false;
    try {
      // pg answers a multi-statement simple query with one result per statement.
      const [, locked, newest] = (await client.query(sql.beginAndLockHead)) as unknown as QueryResult<{
        seq: string;
        hash: string;
      }>[];
      const head = locked?.rows[0];
      if (!head) throw new Error('the ledger head row is missing');
      const last = newest?.rows[0];
      // As in SQLite: continue from the head even when the newest rows are gone, so the gap stays
      // visible to verify; rows beyond the head (only possible by disabling the guards) win instead
      // of making every append collide with them.
      const from = last && Number(last.seq) > Number(head.seq) ? last : head;
      let seq = Number(from.seq);
      let prevHash = from.hash;
      const columns = COLUMNS.map(() => [] as unknown[]);
      const snapshotDigests: string[] = [];
      const snapshotTexts: string[] = [];
      const seen = new Set<string>();
      const results = batches.map((inputs) =>
        inputs.map((input) => {
          seq += 1;
          const record = newReadRecord(input, seq, prevHash);
          record.hash = computeRecordHash(record, recordHash);
          for (const [i, column] of COLUMNS.entries()) columns[i]?.push(record[column]);
          // First text per digest wins, within the batch as across batches (ON CONFLICT DO NOTHING).
          if (input.text !== undefined && record.digest !== null && !seen.has(record.digest)) {
            seen.add(record.digest);
            snapshotDigests.push(record.digest);
            snapshotTexts.push(input.text);
          }
          prevHash = record.hash;
          return record;
        }),
      );
      await client.query(sql.insertBatch, [...columns, snapshotDigests, snapshotTexts, seq, prevHash]);
      await client.query('COMMIT');
      healthy = true;
      return results;
    } catch (error) {
      // A failed ROLLBACK means the connection itself is gone: drop it rather than pool it.
      healthy = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      throw error;
    } finally {
      client.release(!healthy);
    }
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      let results: ReadRecord[][];
      try {
        results = await appendBatch(batch.map((pending) => pending.records));
      } catch (cause) {
        const error = unavailable(`ledger write failed: ${describeError(cause)}`, cause);
        writes.failed(error.message);
        for (const pending of batch) pending.reject(error);
        continue;
      }
      writes.succeeded();
      for (const [i, pending] of batch.entries()) pending.resolve(results[i] ?? []);
    }
    // Cleared in the same synchronous step as the last empty-queue check, so an append arriving
    // now starts a new drain instead of waiting for one that has already finished.
    draining = false;
  }

  function assertOpen(): void {
    if (closed) throw unavailable('ledger is closed');
  }

  /** Runs queries in one REPEATABLE READ snapshot, so a multi-query answer never mixes two moments. */
  async function inReadTransaction<T>(run: (client: PoolClient) => Promise<T>): Promise<T> {
    assertOpen();
    let client: PoolClient | undefined;
    let healthy = false;
    try {
      client = await pool.connect();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await run(client);
      await client.query('COMMIT');
      healthy = true;
      return result;
    } catch (cause) {
      if (client)
        healthy = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
      if (cause instanceof SpecLedgerError) throw cause;
      throw unavailable(`ledger read failed: ${describeError(cause)}`, cause);
    } finally {
      client?.release(!healthy);
    }
  }

  /** Reads on any pooled connection, reporting a failing database as LEDGER_UNAVAILABLE. */
  async function query<T>(run: (db: Queryable) => Promise<T>): Promise<T> {
    assertOpen();
    try {
      return await run(pool);
    } catch (cause) {
      throw unavailable(`ledger read failed: ${describeError(cause)}`, cause);
    }
  }

  return {
    recordHash,
    append(records) {
      try {
        assertOpen();
        if (readonly) throw unavailable('ledger write failed: the ledger was opened read-only');
        records.forEach(validateInput);
      } catch (error) {
        return Promise.reject(error);
      }
      if (records.length === 0) return Promise.resolve([]);
      return new Promise<ReadRecord[]>((resolvePromise, rejectPromise) => {
        queue.push({ records, resolve: resolvePromise, reject: rejectPromise });
        if (draining) return; // the running drain takes it into its next batch
        draining = true;
        // setImmediate rather than starting at once: the first batch also gathers the appends made
        // by this loop turn's other I/O callbacks (several HTTP requests); later batches form while
        // the previous one commits.
        drained = new Promise<void>((resolveTurn) => setImmediate(resolveTurn)).then(drain);
      });
    },

    runs: () => inReadTransaction((client) => reads.runs(client)),
    run: (runId) => inReadTransaction((client) => reads.run(client, runId)),
    readGroups: (filter) => query((db) => reads.readGroups(db, filter)),
    reads: (filter) => query((db) => reads.reads(db, filter)),
    servedText: (digest) => query((db) => reads.servedText(db, digest)),
    // The head and every page come from one snapshot, so replicas appending meanwhile neither
    // shift the pages nor make the head disagree with the rows.
    verify: (options = {}) => inReadTransaction((client) => reads.verify(client, recordHash, options)),
    recordsAfter: (afterSeq, limit) => query((db) => reads.recordsAfter(db, afterSeq, limit)),
    treeMeta: (key) => query((db) => reads.meta(db, `tree_${key}`)),

    async setTreeMeta(key, value) {
      if (readonly) throw unavailable('the ledger was opened read-only');
      await query((db) => db.query(sql.setMeta, [`tree_${key}`, value]));
    },

    async health(): Promise<LedgerHealth> {
      const known = damage === null ? {} : { damage };
      const unwritable = (problem: string): LedgerHealth => ({ writable: false, problem, ...known });
      if (closed) return unwritable('the ledger is closed');
      if (readonly) return unwritable('the ledger was opened read-only');
      const failure = writes.current();
      if (failure !== null) {
        if (!failure.retryDue) return unwritable(failure.message);
        // Drained replicas get no reads, so the one write that would clear the failure has to come from here: a
        // key in meta, never a record.
        try {
          await pool.query(sql.setMeta, ['write_check', new Date().toISOString()]);
          writes.succeeded();
        } catch (cause) {
          writes.failed(`ledger write failed: ${describeError(cause)}`);
          return unwritable(writes.current()?.message ?? describeError(cause));
        }
        return { writable: true, ...known };
      }
      try {
        const row = (await pool.query<{ standby: boolean; read_only: string }>(sql.writability)).rows[0];
        if (row?.standby) return unwritable('the database is a standby in recovery (read-only)');
        if (row?.read_only === 'on') return unwritable('the database session is read-only');
      } catch (cause) {
        return unwritable(`ledger unreachable: ${describeError(cause)}`);
      }
      return { writable: true, ...known };
    },

    async close() {
      if (closed) return;
      closed = true;
      await drained; // appends already accepted still get their commit (or their rejection)
      await pool.end();
    },
  };
}
