// The embedded ledger: better-sqlite3 in WAL mode, one hash chain per file even when several processes append to it.
import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errorMessage, SpecLedgerError } from '../errors.js';
import { checkChainEnds, createChainVerifier, GENESIS_HASH } from './hash-chain.js';
import { validateInput } from './records.js';
import { decodeBlock, encodeBlock, summarizeRuns, UnreadableBlockError } from './sqlite-blocks.js';
import {
  openDatabase,
  type SqliteStoreOptions,
  unavailable,
  unwritableFile,
  unwritableLedgerFiles,
} from './sqlite-schema.js';
import type {
  LedgerHealth,
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

/**
 * Free space below which health() reports the ledger unwritable before a write has failed: a commit of one block
 * needs a few pages of WAL, a checkpoint more. 1 MiB is a few hundred commits.
 */
const MIN_FREE_BYTES = 1024 * 1024;

/** While writes fail, health() tries one small write (to `meta`, never to records) at most this often. */
const WRITE_RETRY_MS = 1000;

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

  // The last write failure, kept until a write succeeds again: /readyz reports it without writing anything.
  let writeFailure: { message: string; retryAt: number } | null = null;
  let failedBatches = 0;

  function noteWriteFailure(message: string): void {
    failedBatches += 1;
    // One line per distinct failure, not one per batch: a full disk under load fails thousands of batches.
    if (writeFailure?.message !== message)
      log('error', `${message}; reads fail until the ledger can be written again`);
    writeFailure = { message, retryAt: Date.now() + WRITE_RETRY_MS };
  }

  function noteWriteSuccess(): void {
    if (writeFailure === null) return;
    log('info', `ledger writes succeed again (${failedBatches} batch(es) of reads failed meanwhile)`);
    writeFailure = null;
    failedBatches = 0;
  }

  const statements = options.readonly
    ? undefined
    : {
        insertBlock: db.prepare('INSERT INTO blocks (first_seq, last_seq, records) VALUES (?, ?, ?)'),
        indexRun: db.prepare('INSERT OR IGNORE INTO block_runs (run_id, first_seq) VALUES (?, ?)'),
        indexClause: db.prepare(
          'INSERT OR IGNORE INTO block_clauses (spec_id, clause_id, first_seq) VALUES (?, ?, ?)',
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
  const allBlocks = db.prepare('SELECT first_seq, records FROM blocks ORDER BY first_seq');
  const blocksOfRun = db.prepare(`
    SELECT first_seq, records FROM blocks
    WHERE first_seq IN (SELECT first_seq FROM block_runs WHERE run_id = ?) ORDER BY first_seq`);
  const blocksOfSpec = db.prepare(`
    SELECT first_seq, records FROM blocks
    WHERE first_seq IN (SELECT first_seq FROM block_clauses WHERE spec_id = ?) ORDER BY first_seq`);
  const blocksOfClause = db.prepare(`
    SELECT first_seq, records FROM blocks
    WHERE first_seq IN (SELECT first_seq FROM block_clauses WHERE spec_id = ? AND clause_id = ?)
    ORDER BY first_seq`);
  const firstBlock = db.prepare('SELECT first_seq, records FROM blocks ORDER BY first_seq LIMIT 1');
  const lastBlockRow = db.prepare('SELECT first_seq, records FROM blocks ORDER BY first_seq DESC LIMIT 1');
  const runIndex = db.prepare('SELECT run_id, first_seq FROM block_runs');
  const clauseIndex = db.prepare('SELECT spec_id, clause_id, first_seq FROM block_clauses');

  type BlockRow = { first_seq: number; records: string };

  /** Every record of the given blocks, in seq order. */
  function* recordsOf(rows: Iterable<BlockRow>): Generator<ReadRecord> {
    for (const row of rows) yield* decodeBlock(row.records, row.first_seq);
  }

  /** The newest record of a block; undefined for a damaged block (the head then says where the chain ends). */
  function lastRecordOf(row: BlockRow): ReadRecord | undefined {
    try {
      return decodeBlock(row.records, row.first_seq).at(-1);
    } catch (error) {
      if (error instanceof UnreadableBlockError) return undefined;
      throw error;
    }
  }

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
    const row = lastBlockRow.get() as BlockRow | undefined;
    const last = row ? lastRecordOf(row) : undefined;
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
    const block = encodeBlock(batches, chainFrom(version));
    statements.insertBlock.run(block.firstSeq, block.lastSeq, block.text);
    for (const run of block.runs) statements.indexRun.run(run, block.firstSeq);
    for (const [spec, clause] of block.clauses) statements.indexClause.run(spec, clause, block.firstSeq);
    for (let b = 0; b < batches.length; b++) {
      const inputs = batches[b] as readonly ReadRecordInput[];
      const records = block.records[b] as ReadRecord[];
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
    return block.records;
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
    } catch (cause) {
      cachedFrom = null;
      const error =
        cause instanceof SpecLedgerError
          ? cause
          : unavailable(`ledger write failed: ${describeFailure(cause)}`, cause);
      noteWriteFailure(error.message);
      for (const pending of batch) pending.reject(error);
      return;
    }
    noteWriteSuccess();
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
      throw unavailable(`ledger read failed: ${errorMessage(cause)}`, cause);
    }
  }

  /** The blocks that can hold reads matching the filter, by the most selective index it allows. */
  function candidateBlocks(filter: ReadFilter): Iterable<BlockRow> {
    if (filter.run_id !== undefined) return blocksOfRun.iterate(filter.run_id) as Iterable<BlockRow>;
    if (filter.spec_id !== undefined && filter.clause_id !== undefined)
      return blocksOfClause.iterate(filter.spec_id, filter.clause_id) as Iterable<BlockRow>;
    if (filter.spec_id !== undefined) return blocksOfSpec.iterate(filter.spec_id) as Iterable<BlockRow>;
    return allBlocks.iterate() as Iterable<BlockRow>;
  }

  const matches = (r: ReadRecord, filter: ReadFilter): boolean =>
    (filter.run_id === undefined || r.run_id === filter.run_id) &&
    (filter.spec_id === undefined || r.spec_id === filter.spec_id) &&
    (filter.clause_id === undefined || r.clause_id === filter.clause_id) &&
    (filter.digest === undefined || r.digest === filter.digest);

  /**
   * Checks that records are findable through the indexes: a run or clause entry removed from them would hide reads
   * from get_provenance and who-read without touching the chain. Loads the index keys once; `check` is then called
   * for each record during verify's single walk over the blocks.
   */
  function indexChecker(): (record: ReadRecord, firstSeq: number) => { seq: number; reason: string } | null {
    const runs = new Set<string>();
    for (const row of runIndex.iterate() as Iterable<{ run_id: string; first_seq: number }>)
      runs.add(`${row.first_seq}\u0000${row.run_id}`);
    const clauses = new Set<string>();
    type ClauseRow = { spec_id: string; clause_id: string; first_seq: number };
    for (const row of clauseIndex.iterate() as Iterable<ClauseRow>)
      clauses.add(`${row.first_seq}\u0000${row.spec_id}\u0000${row.clause_id}`);
    return (r, firstSeq) => {
      if (!runs.has(`${firstSeq}\u0000${r.run_id}`))
        return { seq: r.seq, reason: `seq ${r.seq}: missing from the run index (run ${r.run_id})` };
      if (r.spec_id !== null && !clauses.has(`${firstSeq}\u0000${r.spec_id}\u0000${r.clause_id ?? ''}`))
        return {
          seq: r.seq,
          reason: `seq ${r.seq}: missing from the clause index (${r.spec_id}#${r.clause_id ?? ''})`,
        };
      return null;
    };
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

  /** Both ends of the chain against the head: two block decodes, cheap enough for every open. */
  function chainEndsDamage(): string | null {
    const first = firstBlock.get() as BlockRow | undefined;
    const last = lastBlockRow.get() as BlockRow | undefined;
    try {
      return checkChainEnds({
        head: readHead(),
        first: first ? decodeBlock(first.records, first.first_seq)[0] : undefined,
        last: last ? decodeBlock(last.records, last.first_seq).at(-1) : undefined,
      });
    } catch (error) {
      if (error instanceof UnreadableBlockError) return error.message;
      throw error;
    }
  }

  // A damaged ledger is still appended to (new reads must be recorded), but not silently.
  const damage = statements ? chainEndsDamage() : null;
  if (damage !== null)
    log(
      'warn',
      `the ledger at ${path} is damaged: ${damage}; new reads are still recorded; run \`specledger verify\` for the full check`,
    );

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
        db.transaction(() => summarizeRuns(recordsOf(allBlocks.iterate() as Iterable<BlockRow>)))(),
      );
    },

    async reads(filter) {
      return query(() => {
        const out: ReadRecord[] = [];
        for (const r of recordsOf(candidateBlocks(filter))) if (matches(r, filter)) out.push(r);
        return out;
      });
    },

    async snapshot(digest) {
      return query(() => (getSnapshot.get(digest) as { text: string } | undefined)?.text ?? null);
    },

    async verify(): Promise<VerifyResult> {
      // One read transaction so the head and the blocks come from the same snapshot even while another
      // process keeps appending; blocks are streamed, not loaded, and walked once, to verify large ledgers.
      return query(() =>
        db.transaction((): VerifyResult => {
          const verifier = createChainVerifier({ head: readHead() });
          const checkIndexes = indexChecker();
          // The chain's verdict comes first; the first index problem is reported only when the chain holds.
          let indexProblem: { seq: number; reason: string } | null = null;
          try {
            for (const row of allBlocks.iterate() as Iterable<BlockRow>) {
              for (const record of decodeBlock(row.records, row.first_seq)) {
                const failure = verifier.push(record);
                if (failure) return failure;
                indexProblem ??= checkIndexes(record, row.first_seq);
              }
            }
          } catch (error) {
            if (!(error instanceof UnreadableBlockError)) throw error;
            const records = verifier.finish().records;
            return {
              ok: false,
              records,
              seq: error.firstSeq,
              reason: `seq ${error.firstSeq}: ${error.message}`,
            };
          }
          const result = verifier.finish();
          if (!result.ok || indexProblem === null) return result;
          return { ok: false, records: result.records, ...indexProblem };
        })(),
      );
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
      if (writeFailure !== null && Date.now() >= writeFailure.retryAt) {
        // Drained replicas get no reads, so the one write that would clear the failure has to come from here: a
        // key in meta, never a record.
        try {
          db.transaction(() => statements.setMeta.run('write_check', new Date().toISOString())).immediate();
          noteWriteSuccess();
        } catch (cause) {
          noteWriteFailure(`ledger write failed: ${describeFailure(cause)}`);
        }
      }
      return writeFailure === null ? { writable: true, ...known } : unwritable(writeFailure.message);
    },

    async close() {
      if (closed) return;
      flush(); // appends already accepted still get their commit (or their rejection)
      closed = true;
      if (shmProblem === null) db.close(); // else closing would write to the mapping (see assertShmWritable)
    },
  };
}
