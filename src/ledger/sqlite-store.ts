// The embedded ledger: better-sqlite3 in WAL mode, one hash chain per file even when several processes append to it.
import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errorMessage, SpecLedgerError } from '../errors.js';
import { checkChainEnds, formatMismatch, GENESIS_HASH } from './hash-chain.js';
import { validateInput } from './records.js';
import {
  chainRecords,
  decodeBlock,
  encodeBlock,
  type StoredBlock,
  UnreadableBlockError,
} from './sqlite-blocks.js';
import { createFieldDictionary } from './sqlite-fields.js';
import { createSqliteReads } from './sqlite-reads.js';
import {
  openDatabase,
  recordHashFormat,
  type SqliteStoreOptions,
  unavailable,
  unwritableFile,
  unwritableLedgerFiles,
} from './sqlite-schema.js';
import { createSummaryWriter } from './sqlite-summaries.js';
import type { LedgerHealth, LedgerStore, ReadRecord, ReadRecordInput } from './types.js';
import { trackWriteFailures } from './write-failures.js';

export type { SqliteStoreOptions };

interface Pending {
  records: readonly ReadRecordInput[];
  resolve: (records: ReadRecord[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Free space below which health() reports the ledger unwritable before a write has failed: a commit of one block
 * needs a few pages of WAL, a checkpoint more. 1 MiB is a few hundred commits.
 */
const MIN_FREE_BYTES = 1024 * 1024;

/** The message of a failed statement with SQLite's error code, so a log line says what the OS or SQLite refused. */
function describeFailure(cause: unknown): string {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `${errorMessage(cause)} (${code})` : errorMessage(cause);
}

/** Opens (creating if needed) the SQLite ledger at `path`. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): LedgerStore {
  const db = openDatabase(path, options);
  const log = options.log ?? (() => {});
  const inMemory = path === ':memory:' || path === '';
  let queue: Pending[] = [];
  let flushScheduled = false;
  let closed = false;

  // The -shm file is mapped into memory: once it cannot be written (made immutable while we run), any statement
  // can die of SIGBUS, which no JavaScript can catch or report. So every transaction first checks it (one
  // access(2), ~2 µs), and once it fails the connection is never used again. Watched only when it was writable at
  // open: a read-only open may have mapped an unwritable one read-only, which is safe.
  const shmFile = inMemory ? null : `${path}-shm`;
  const watchShm = shmFile !== null && unwritableFile(shmFile) === null;
  let shmProblem: string | null = null;

  /** Throws LEDGER_UNAVAILABLE, before SQLite touches the mapping, once the -shm file cannot be written. */
  function assertShmWritable(): void {
    if (shmProblem === null) {
      const problem = watchShm && shmFile !== null ? unwritableFile(shmFile) : null;
      if (problem === null) return;
      shmProblem = `${problem}; SQLite writes that file through a memory mapping, so the ledger is no longer touched (doing so would kill the process with SIGBUS): restart once it is writable`;
      log('error', `ledger unusable: ${shmProblem}`);
      // sqlite3_close would write to the mapping, and better-sqlite3 closes every open database when the process
      // exits on its own; process.exit skips that teardown, so an exit that would have crashed ends normally.
      process.once('exit', (code) => {
        void db; // the handle must stay referenced: collecting it would close it too
        process.exit(code);
      });
    }
    throw unavailable(`ledger unusable: ${shmProblem}`);
  }

  const writes = trackWriteFailures(log);

  const writable = !options.readonly;
  const recordHash = recordHashFormat(db);
  const dictionary = createFieldDictionary(db, writable);
  const summaries = writable ? createSummaryWriter(db) : undefined;
  const statements = writable
    ? {
        insertBlock: db.prepare(
          'INSERT INTO blocks (first_seq, last_seq, records, hashes) VALUES (?, ?, ?, ?)',
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
      }
    : undefined;
  const reads = createSqliteReads(db, dictionary);

  /** A block's first or last record; undefined when there is no such block, or it is damaged (the head then says where the chain ends). */
  function endRecord(block: StoredBlock | undefined, end: 'first' | 'last'): ReadRecord | undefined {
    if (block === undefined) return undefined;
    try {
      const records = decodeBlock(block, dictionary);
      return end === 'first' ? records[0] : records.at(-1);
    } catch (error) {
      if (error instanceof UnreadableBlockError) return undefined;
      throw error;
    }
  }

  // Where the chain continues, as of this connection's last commit, and the data_version it was
  // read or written under. Re-read from the file only when another connection has committed since.
  let cachedFrom: { seq: number; hash: string } | null = null;
  let cachedVersion = -1;

  /** The (seq, hash) the next record chains from; runs inside the batch's write transaction. */
  function chainFrom(version: number): { seq: number; hash: string } {
    if (cachedFrom !== null && version === cachedVersion) return cachedFrom;
    const row = reads.lastBlock();
    const last = endRecord(row, 'last');
    const head = reads.head();
    // Continue from the recorded head when it is ahead of the rows: if the newest records were
    // deleted, chaining from the surviving row would hide that forever; chaining from the head
    // leaves a gap that verify keeps reporting.
    const from = head && head.seq >= Number(last?.seq ?? 0) ? head : last;
    return { seq: Number(from?.seq ?? 0), hash: from?.hash ?? GENESIS_HASH };
  }

  // One BEGIN IMMEDIATE per batch: reading where the chain ends and inserting under the same write
  // lock is what keeps one chain when another process appends to the same file.
  const appendBatch = db.transaction((batches: readonly (readonly ReadRecordInput[])[]): ReadRecord[][] => {
    if (!statements || !summaries) throw new Error('the ledger was opened read-only');
    const version = statements.dataVersion.get() as number;
    const from = chainFrom(version);
    const chained = chainRecords(batches, from, recordHash);
    const block = encodeBlock(chained.flat(), from.seq + 1, dictionary, true);
    statements.insertBlock.run(block.firstSeq, block.lastSeq, block.text, block.hashes);
    summaries.write(block);
    for (let b = 0; b < batches.length; b++) {
      const inputs = batches[b] as readonly ReadRecordInput[];
      const records = chained[b] as ReadRecord[];
      for (let i = 0; i < inputs.length; i++) {
        const text = (inputs[i] as ReadRecordInput).text;
        const digest = (records[i] as ReadRecord).digest;
        if (text !== undefined && digest !== null) statements.snapshot.run(digest, text);
      }
    }
    // The head, kept apart from the blocks, lets verify notice records cut off the end of the chain.
    statements.setHead.run(String(block.lastSeq), block.lastHash);
    // Only trusted once the COMMIT succeeds (see flush): a rolled-back batch must not move it.
    pendingFrom = { seq: block.lastSeq, hash: block.lastHash };
    pendingVersion = version;
    return chained;
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
      assertShmWritable();
      pendingFrom = null;
      results = appendBatch.immediate(records);
      // Committed: this connection's own commit does not change its data_version, so the cache holds
      // until another connection writes.
      cachedFrom = pendingFrom;
      cachedVersion = pendingVersion;
      dictionary.committed();
      summaries?.committed();
    } catch (cause) {
      cachedFrom = null;
      dictionary.rolledBack();
      summaries?.rolledBack();
      const error =
        cause instanceof SpecLedgerError
          ? cause
          : unavailable(`ledger write failed: ${describeFailure(cause)}`, cause);
      writes.failed(error.message);
      for (const pending of batch) pending.reject(error);
      return;
    }
    writes.succeeded();
    for (let i = 0; i < batch.length; i++) (batch[i] as Pending).resolve(results[i] ?? []);
  }

  function assertOpen(): void {
    if (closed) throw unavailable('ledger is closed');
  }

  /** Runs a query, reporting a failing database as LEDGER_UNAVAILABLE like a failing write. */
  function query<T>(run: () => T): T {
    assertOpen();
    assertShmWritable();
    try {
      return run();
    } catch (cause) {
      if (cause instanceof SpecLedgerError) throw cause;
      if (cause instanceof UnreadableBlockError)
        throw unavailable(`ledger read failed: ${cause.message}`, cause);
      throw unavailable(`ledger read failed: ${errorMessage(cause)}`, cause);
    }
  }

  /** Bytes free to this process on the ledger's file system, or null where statfs cannot say. */
  function freeBytes(): number | null {
    try {
      const stats = statfsSync(dirname(resolve(path)));
      // Root may write into the blocks reserved for it; anyone else stops at bavail.
      return (process.getuid?.() === 0 ? stats.bfree : stats.bavail) * stats.bsize;
    } catch {
      return null;
    }
  }

  /**
   * Both ends of the chain against the head: two block decodes, cheap enough for every open. `refuse` is set when a
   * writer must not append: an end record is hashed in the other format than the one meta names.
   */
  function chainEndsDamage(): { damage: string | null; refuse: string | null } {
    const firstRow = reads.firstBlock();
    const lastRow = reads.lastBlock();
    const mismatch = (first: ReadRecord | undefined, last: ReadRecord | undefined) =>
      formatMismatch(first, recordHash) ?? formatMismatch(last, recordHash);
    try {
      const first = firstRow ? decodeBlock(firstRow, dictionary)[0] : undefined;
      const last = lastRow ? decodeBlock(lastRow, dictionary).at(-1) : undefined;
      return {
        damage: checkChainEnds({ head: reads.head(), first, last, format: recordHash }),
        refuse: mismatch(first, last),
      };
    } catch (error) {
      if (!(error instanceof UnreadableBlockError)) throw error;
      // One end cannot be decoded: the other still says whether the format was changed.
      return {
        damage: error.message,
        refuse: mismatch(endRecord(firstRow, 'first'), endRecord(lastRow, 'last')),
      };
    }
  }

  // A damaged ledger is still appended to (new reads must be recorded), but not silently. Read-only opens check
  // too, without the warning: verify --since and --from-checkpoint compare where their walk ends with the head.
  const { damage, refuse } = chainEndsDamage();
  if (refuse !== null && statements) {
    db.close();
    throw unavailable(
      `cannot open ledger at ${path} for writing: ${refuse}; new records would be hashed in a format its chain is not`,
    );
  }
  if (damage !== null && statements)
    log(
      'warn',
      `the ledger at ${path} is damaged: ${damage}; new reads are still recorded; run \`specledger verify\` for the full check`,
    );

  return {
    recordHash,
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

    async runs() {
      return query(() => db.transaction(reads.runs)());
    },

    async run(runId) {
      return query(() => db.transaction(() => reads.run(runId))());
    },

    async readGroups(filter) {
      return query(() => db.transaction(() => reads.readGroups(filter))());
    },

    async reads(filter) {
      return query(() => db.transaction(() => reads.reads(filter))());
    },

    async servedText(digest) {
      return query(() => reads.servedText(digest));
    },

    async verify(options = {}) {
      // One read transaction so the head, the blocks and the summaries come from the same snapshot even while
      // another process keeps appending; blocks are read a page at a time and walked once.
      return query(() => db.transaction(() => reads.verify(recordHash, options))());
    },

    async recordsAfter(afterSeq, limit) {
      return query(() => db.transaction(() => reads.recordsAfter(afterSeq, limit))());
    },

    async treeMeta(key) {
      return query(() => reads.meta(`tree_${key}`));
    },

    async setTreeMeta(key, value) {
      if (!statements) throw unavailable('the ledger was opened read-only');
      query(() => statements.setMeta.run(`tree_${key}`, value));
    },

    async health(): Promise<LedgerHealth> {
      const known = damage === null ? {} : { damage };
      const unwritable = (problem: string): LedgerHealth => ({ writable: false, problem, ...known });
      if (closed) return unwritable('the ledger is closed');
      if (!statements) return unwritable('the ledger was opened read-only');
      try {
        assertShmWritable();
      } catch (error) {
        return unwritable(errorMessage(error));
      }
      if (!inMemory) {
        // Cheap checks that need no write: permissions, immutable files, a full file system.
        const files = unwritableLedgerFiles(path);
        if (files.length > 0) return unwritable(files.join('; '));
        const free = freeBytes();
        if (free !== null && free < MIN_FREE_BYTES)
          return unwritable(`the file system holding the ledger has ${Math.floor(free / 1024)} KiB free`);
      }
      if (writes.current()?.retryDue) {
        // Drained replicas get no reads, so the one write that would clear the failure has to come from here: a
        // key in meta, never a record.
        try {
          db.transaction(() => statements.setMeta.run('write_check', new Date().toISOString())).immediate();
          writes.succeeded();
        } catch (cause) {
          writes.failed(`ledger write failed: ${describeFailure(cause)}`);
        }
      }
      const failure = writes.current();
      return failure === null ? { writable: true, ...known } : unwritable(failure.message);
    },

    async close() {
      if (closed) return;
      flush(); // appends already accepted still get their commit (or their rejection)
      closed = true;
      if (shmProblem === null) db.close(); // else closing would write to the mapping (see assertShmWritable)
    },
  };
}
