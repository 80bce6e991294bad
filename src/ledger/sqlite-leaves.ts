// Leaf hashes straight from a SQLite ledger's blocks, through a read-only connection of its own: plain blocks are chain-checked and hashed without building records (sqlite-chain.ts), any other block record by record.
import { createChainVerifier } from './hash-chain.js';
import {
  type BlockEntries,
  expandRecord,
  parseBlock,
  type StoredBlock,
  UnreadableBlockError,
} from './sqlite-blocks.js';
import { createBlockChecker } from './sqlite-chain.js';
import { createFieldDictionary } from './sqlite-fields.js';
import { openDatabase, recordHashFormat, unavailable } from './sqlite-schema.js';
import {
  type ChainPoint,
  chainBroken,
  checkedRecordLeaf,
  type LeafReader,
  TREE_PAGE,
} from './tree-leaves.js';

const HASH_BYTES = 32;

/** A block that cannot be decoded fails as it does through the store's recordsAfter; anything else passes through. */
function unreadable(error: unknown): unknown {
  if (!(error instanceof UnreadableBlockError)) return error;
  return unavailable(`ledger read failed: ${error.message}`, error);
}

export interface SqliteLeafReader extends LeafReader {
  /**
   * The chain point the block holding `seq` stores before it: seq − 1 and the prev_hash slot of `seq`, unchecked
   * (a worker starts its span there; whoever joins the spans checks it against the span before). Null when no block
   * holds `seq` or its hashes are not the plain shape.
   */
  storedPointBefore(seq: number): ChainPoint | null;
  /**
   * Whether the blocks from the one holding `first` (every block, for seq 1) to the last tile by what their hashes
   * claim (each starts where the one before ends; none holds more than `maxRows`), and the last seq they claim.
   * Unchecked beyond that: for splitting work, never for trusting it. Null when they do not tile, as a block
   * inserted, overlapping or duplicated does not: then the work is not split.
   */
  claimedTiling(first: number, maxRows: number): { last: number } | null;
}

/** Opens `path` read-only (it must exist) for the tree; close() closes that connection only. */
export function openSqliteLeafReader(path: string): SqliteLeafReader {
  const db = openDatabase(path, { readonly: true });
  const dictionary = createFieldDictionary(db, false);
  const format = recordHashFormat(db);
  const blocksFrom = db.prepare(
    `SELECT first_seq, records, hashes FROM blocks
     WHERE first_seq >= coalesce((SELECT max(first_seq) FROM blocks WHERE first_seq <= ?), 0)
     ORDER BY first_seq LIMIT ?`,
  );
  const blockHolding = db.prepare(
    'SELECT first_seq, last_seq, hashes FROM blocks WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1',
  );
  // A blob's length is read from its record header: the hashes themselves are not loaded.
  const blockSizes = db.prepare(
    'SELECT first_seq, length(hashes) AS bytes FROM blocks WHERE first_seq >= ? ORDER BY first_seq',
  );
  // Continuing a walk: every block after the last one taken, so one inserted between two pages is seen.
  const blocksAfter = db.prepare(
    'SELECT first_seq, records, hashes FROM blocks WHERE first_seq > ? ORDER BY first_seq LIMIT ?',
  );
  const chain = createBlockChecker(dictionary, format);

  /** The same, record by record through expandRecord and the chain verifier: throws naming what is wrong. */
  function slowBlock(
    parsed: BlockEntries,
    start: number,
    end: number,
    prev: ChainPoint,
    out: Buffer,
    offset: number,
  ): ChainPoint {
    const verifier = createChainVerifier({ from: prev, format });
    let last = prev;
    try {
      for (let i = start; i < end; i++) {
        const record = expandRecord(parsed, i, dictionary);
        const failure = verifier.push(record);
        if (failure) throw chainBroken(failure);
        checkedRecordLeaf(record, format).copy(out, offset + (i - start) * HASH_BYTES);
        last = { seq: record.seq, hash: record.hash };
      }
    } catch (error) {
      throw unreadable(error);
    }
    return last;
  }

  return {
    storedPointBefore(seq) {
      const block = blockHolding.get(seq) as
        | { first_seq: number; last_seq: number; hashes: unknown }
        | undefined;
      if (block === undefined || seq > block.last_seq || !Buffer.isBuffer(block.hashes)) return null;
      const at = seq - block.first_seq;
      if (block.hashes.length < HASH_BYTES * (at + 1)) return null;
      return { seq: seq - 1, hash: block.hashes.toString('hex', HASH_BYTES * at, HASH_BYTES * (at + 1)) };
    },
    claimedTiling(first, maxRows) {
      const holding =
        first === 1 ? undefined : (blockHolding.get(first) as { first_seq: number } | undefined);
      let expected: number | null = null;
      for (const row of blockSizes.iterate(holding?.first_seq ?? Number.MIN_SAFE_INTEGER) as Iterable<{
        first_seq: number;
        bytes: unknown;
      }>) {
        const { first_seq: at, bytes } = row;
        if (typeof bytes !== 'number' || bytes % HASH_BYTES !== 0 || bytes < HASH_BYTES) return null;
        const rows = bytes / HASH_BYTES - 1;
        if (rows > maxRows) return null;
        if (
          expected === null ? at > first || at + rows <= first || (first === 1 && at !== 1) : at !== expected
        )
          return null;
        expected = at + rows;
      }
      return expected === null ? null : { last: expected - 1 };
    },
    async *pages(from, upTo = Number.MAX_SAFE_INTEGER) {
      let prev = from;
      // Blocks per query, sized from the last page so a page holds about TREE_PAGE records whether a block holds
      // one read (a quiet server) or a thousand.
      let limit = 64;
      // The first_seq of the last block taken; from the genesis, every block is taken (one stored before seq 1
      // must fail the walk, as it fails verify), and each later page goes on after the last block taken, never
      // from the block holding the next seq, which would step over a block inserted between the two.
      let lastBlock: number | null = from.seq === 0 ? Number.MIN_SAFE_INTEGER : null;
      while (prev.seq < upTo) {
        const blocks = (
          lastBlock === null ? blocksFrom.all(prev.seq + 1, limit) : blocksAfter.all(lastBlock, limit)
        ) as StoredBlock[];
        let records = 0;
        const spans: { parsed: BlockEntries; start: number; end: number }[] = [];
        for (let b = 0; b < blocks.length; b++) {
          const block = blocks[b] as StoredBlock;
          let parsed: BlockEntries;
          try {
            parsed = parseBlock(block);
          } catch (error) {
            throw unreadable(error);
          }
          const count = parsed.rows.length;
          // Only the walk's first block can hold records at or before `prev` (it is the one holding prev.seq + 1);
          // any later block is taken whole, so a block overlapping another fails the chain check as in verify.
          const start = b === 0 && lastBlock === null ? Math.max(0, prev.seq + 1 - block.first_seq) : 0;
          lastBlock = block.first_seq;
          const end = Math.min(count, upTo - block.first_seq + 1);
          if (end > start) {
            spans.push({ parsed, start, end });
            records += end - start;
          }
          if (block.first_seq + count - 1 >= upTo) break;
        }
        if (records === 0) return;
        const leaves = Buffer.allocUnsafe(records * HASH_BYTES);
        let offset = 0;
        for (const { parsed, start, end } of spans) {
          prev =
            chain.check(parsed, start, end, prev, { out: leaves, offset }) ??
            slowBlock(parsed, start, end, prev, leaves, offset);
          offset += (end - start) * HASH_BYTES;
        }
        yield { leaves: leaves.subarray(0, offset), last: prev };
        if (blocks.length < limit) return;
        limit = Math.max(16, Math.min(4096, Math.ceil((TREE_PAGE * blocks.length) / records)));
      }
    },
    async close() {
      db.close();
    },
  };
}
