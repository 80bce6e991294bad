// The embedded ledger: better-sqlite3 in WAL mode, one hash chain per file even when several processes append to it.
import type Database from 'better-sqlite3';
import { errorMessage, SpecLedgerError } from '../errors.js';
import { computeRecordHash, GENESIS_HASH, verifyChain } from './hash-chain.js';
import { newReadRecord, validateInput } from './records.js';
import {
  COLUMNS,
  openDatabase,
  SELECT_READS,
  type SqliteStoreOptions,
  unavailable,
} from './sqlite-schema.js';
import type {
  LedgerStore,
  ReadFilter,
  ReadRecord,
  ReadRecordInput,
  RunSummary,
  VerifyResult,
} from './types.js';

export type { SqliteStoreOptions };

interface Pending {
  records: readonly ReadRecordInput[];
  resolve: (records: ReadRecord[]) => void;
  reject: (error: unknown) => void;
}

/** Opens (creating if needed) the SQLite ledger at `path`. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): LedgerStore {
  const db = openDatabase(path, options);
  const filterStatements = new Map<string, Database.Statement>();
  let queue: Pending[] = [];
  let flushScheduled = false;
  let closed = false;

  const statements = options.readonly
    ? undefined
    : {
        last: db.prepare('SELECT seq, hash FROM reads ORDER BY seq DESC LIMIT 1'),
        // Positional parameters in COLUMNS order: binding by name costs a lookup per column per row.
        insert: db.prepare(
          `INSERT INTO reads (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
        ),
        snapshot: db.prepare('INSERT OR IGNORE INTO snapshots (digest, text) VALUES (?, ?)'),
        setMeta: db.prepare(
          'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        ),
        // Both halves of the head in one statement: one upsert per batch.
        setHead: db.prepare(
          `INSERT INTO meta (key, value) VALUES ('head_seq', ?), ('head_hash', ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        ),
        // Changes whenever another connection (this process or another) commits to the file; not
        // when this one does. Read inside BEGIN IMMEDIATE, it says whether the cached head still holds.
        dataVersion: db.prepare('PRAGMA data_version').pluck(),
      };
  const getSnapshot = db.prepare('SELECT text FROM snapshots WHERE digest = ?');
  const getMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
  const allRows = db.prepare(`${SELECT_READS} ORDER BY seq`);
  const runGroups = db.prepare(`
    SELECT g.run_id, r.run_id_source, g.reads, g.first_ts, g.last_ts
    FROM (SELECT run_id, COUNT(*) AS reads, MIN(ts) AS first_ts, MAX(ts) AS last_ts, MIN(seq) AS first_seq
          FROM reads GROUP BY run_id) AS g
    JOIN reads AS r ON r.seq = g.first_seq
    ORDER BY g.first_seq`);
  const runPrincipals = db.prepare(`
    SELECT run_id, principal FROM reads WHERE principal IS NOT NULL
    GROUP BY run_id, principal ORDER BY MIN(seq)`);
  const runClients = db.prepare(`
    SELECT run_id, client_name, client_version FROM reads WHERE client_name IS NOT NULL
    GROUP BY run_id, client_name, client_version ORDER BY MIN(seq)`);

  function readHead(): { seq: number; hash: string } | null {
    const seq = (getMeta.get('head_seq') as { value: string } | undefined)?.value;
    const hash = (getMeta.get('head_hash') as { value: string } | undefined)?.value;
    return seq === undefined || hash === undefined ? null : { seq: Number(seq), hash };
  }

  // Where the chain continues, as of this connection's last commit, and the data_version it was
  // read or written under. Re-read from the file only when another connection has committed since.
  let cachedFrom: { seq: number; hash: string } | null = null;
  let cachedVersion = -1;

  /** The (seq, hash) the next record chains from; runs inside the batch's write transaction. */
  function chainFrom(version: number): { seq: number; hash: string } {
    if (cachedFrom !== null && version === cachedVersion) return cachedFrom;
    const last = statements?.last.get() as { seq: number; hash: string } | undefined;
    const head = readHead();
    // Continue from the recorded head when it is ahead of the rows: if the newest records were
    // deleted, chaining from the surviving row would hide that forever; chaining from the head
    // leaves a gap that verify keeps reporting.
    const from = head && head.seq >= (last?.seq ?? 0) ? head : last;
    return { seq: from?.seq ?? 0, hash: from?.hash ?? GENESIS_HASH };
  }

  // One BEGIN IMMEDIATE per batch: reading where the chain ends and inserting under the same write
  // lock is what keeps one chain when another process appends to the same file.
  const appendBatch = db.transaction((batches: readonly (readonly ReadRecordInput[])[]): ReadRecord[][] => {
    if (!statements) throw new Error('the ledger was opened read-only');
    const version = statements.dataVersion.get() as number;
    const from = chainFrom(version);
    let seq = from.seq;
    let prevHash = from.hash;
    const results: ReadRecord[][] = new Array(batches.length);
    for (let b = 0; b < batches.length; b++) {
      const inputs = batches[b] as readonly ReadRecordInput[];
      const records: ReadRecord[] = new Array(inputs.length);
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i] as ReadRecordInput;
        seq += 1;
        const record = newReadRecord(input, seq, prevHash);
        const hash = computeRecordHash(record);
        record.hash = hash;
        statements.insert.run(
          seq,
          record.ts,
          record.run_id,
          record.run_id_source,
          record.principal,
          record.session_id,
          record.client_name,
          record.client_version,
          record.transport,
          record.tool,
          record.kind,
          record.spec_id,
          record.clause_id,
          record.spec_version,
          record.status,
          record.digest,
          record.git_commit,
          record.tokens,
          prevHash,
          hash,
        );
        if (input.text !== undefined && record.digest !== null)
          statements.snapshot.run(record.digest, input.text);
        prevHash = hash;
        records[i] = record;
      }
      results[b] = records;
    }
    // The head, kept apart from the rows, lets verify notice records cut off the end of the chain.
    statements.setHead.run(String(seq), prevHash);
    // Only trusted once the COMMIT succeeds (see flush): a rolled-back batch must not move it.
    pendingFrom = { seq, hash: prevHash };
    pendingVersion = version;
    return results;
  });
  let pendingFrom: { seq: number; hash: string } | null = null;
  let pendingVersion = -1;

  function flush(): void {
    flushScheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let results: ReadRecord[][];
    const records: (readonly ReadRecordInput[])[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) records[i] = (batch[i] as Pending).records;
    try {
      pendingFrom = null;
      results = appendBatch.immediate(records);
      // Committed: this connection's own commit does not change its data_version, so the cache holds
      // until another connection writes.
      cachedFrom = pendingFrom;
      cachedVersion = pendingVersion;
    } catch (cause) {
      cachedFrom = null;
      const error = unavailable(`ledger write failed: ${errorMessage(cause)}`, cause);
      for (const pending of batch) pending.reject(error);
      return;
    }
    for (let i = 0; i < batch.length; i++) (batch[i] as Pending).resolve(results[i] ?? []);
  }

  function assertOpen(): void {
    if (closed) throw unavailable('ledger is closed');
  }

  /** Runs a query, reporting a failing database as LEDGER_UNAVAILABLE like a failing write. */
  function query<T>(run: () => T): T {
    assertOpen();
    try {
      return run();
    } catch (cause) {
      if (cause instanceof SpecLedgerError) throw cause;
      throw unavailable(`ledger read failed: ${errorMessage(cause)}`, cause);
    }
  }

  function filterStatement(filter: ReadFilter): { statement: Database.Statement; params: string[] } {
    const keys = (['run_id', 'spec_id', 'clause_id', 'digest'] as const).filter(
      (k) => filter[k] !== undefined,
    );
    const cacheKey = keys.join(',');
    let statement = filterStatements.get(cacheKey);
    if (!statement) {
      const where = keys.length === 0 ? '' : ` WHERE ${keys.map((k) => `${k} = ?`).join(' AND ')}`;
      statement = db.prepare(`${SELECT_READS}${where} ORDER BY seq`);
      filterStatements.set(cacheKey, statement);
    }
    return { statement, params: keys.map((k) => filter[k] as string) };
  }

  return {
    append(records) {
      try {
        assertOpen();
        if (!statements) throw unavailable('ledger write failed: the ledger was opened read-only');
        records.forEach(validateInput);
      } catch (error) {
        return Promise.reject(error);
      }
      if (records.length === 0) return Promise.resolve([]);
      return new Promise<ReadRecord[]>((resolvePromise, rejectPromise) => {
        queue.push({ records, resolve: resolvePromise, reject: rejectPromise });
        if (!flushScheduled) {
          flushScheduled = true;
          // setImmediate rather than a microtask: it also gathers appends made by the other I/O
          // callbacks of this loop turn (several HTTP requests), so they share one commit.
          setImmediate(flush);
        }
      });
    },

    async runs(): Promise<RunSummary[]> {
      return query(() =>
        db.transaction(() => {
          const principals = new Map<string, string[]>();
          for (const row of runPrincipals.iterate() as Iterable<{ run_id: string; principal: string }>) {
            principals.set(row.run_id, [...(principals.get(row.run_id) ?? []), row.principal]);
          }
          const clients = new Map<string, string[]>();
          type ClientRow = { run_id: string; client_name: string; client_version: string | null };
          for (const row of runClients.iterate() as Iterable<ClientRow>) {
            const client =
              row.client_version === null ? row.client_name : `${row.client_name}/${row.client_version}`;
            clients.set(row.run_id, [...(clients.get(row.run_id) ?? []), client]);
          }
          type GroupRow = Omit<RunSummary, 'principals' | 'clients'>;
          return (runGroups.all() as GroupRow[]).map((row) => ({
            ...row,
            principals: principals.get(row.run_id) ?? [],
            clients: clients.get(row.run_id) ?? [],
          }));
        })(),
      );
    },

    async reads(filter) {
      return query(() => {
        const { statement, params } = filterStatement(filter);
        return statement.all(...params) as ReadRecord[];
      });
    },

    async snapshot(digest) {
      return query(() => (getSnapshot.get(digest) as { text: string } | undefined)?.text ?? null);
    },

    async verify(): Promise<VerifyResult> {
      // One read transaction so the head and the rows come from the same snapshot even while
      // another process keeps appending; rows are streamed, not loaded, to verify large ledgers.
      return query(() =>
        db.transaction(() => {
          return verifyChain(allRows.iterate() as Iterable<ReadRecord>, { head: readHead() });
        })(),
      );
    },

    async ping() {
      assertOpen();
      if (!statements) throw unavailable('ledger is not writable: it was opened read-only');
      try {
        // A committed write, not just a lock: it also catches a full disk or a read-only file.
        db.transaction(() => statements.setMeta.run('last_ping', new Date().toISOString())).immediate();
      } catch (cause) {
        throw unavailable(`ledger is not writable: ${errorMessage(cause)}`, cause);
      }
    },

    async close() {
      if (closed) return;
      flush(); // appends already accepted still get their commit (or their rejection)
      closed = true;
      db.close();
    },
  };
}
