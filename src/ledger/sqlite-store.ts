// The embedded ledger: better-sqlite3 in WAL mode, one hash chain per file even when several processes append to it.
import { errorMessage, SpecLedgerError } from '../errors.js';
import { createChainVerifier, GENESIS_HASH } from './hash-chain.js';
import { validateInput } from './records.js';
import { decodeBlock, encodeBlock, summarizeRuns, UnreadableBlockError } from './sqlite-blocks.js';
import { openDatabase, type SqliteStoreOptions, unavailable } from './sqlite-schema.js';
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
  let queue: Pending[] = [];
  let flushScheduled = false;
  let closed = false;

  const statements = options.readonly
    ? undefined
    : {
        lastBlock: db.prepare('SELECT first_seq, records FROM blocks ORDER BY first_seq DESC LIMIT 1'),
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
    const row = statements?.lastBlock.get() as BlockRow | undefined;
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
