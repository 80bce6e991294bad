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
import { openDatabase, unavailable } from './sqlite-schema.js';
import { type ChainPoint, chainBroken, type LeafReader, recordLeafHash, TREE_PAGE } from './tree-leaves.js';

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
  /** The last seq the blocks claim to hold, unchecked: for splitting work, never for trusting it. */
  claimedLastSeq(): number;
}

/** Opens `path` read-only (it must exist) for the tree; close() closes that connection only. */
export function openSqliteLeafReader(path: string): SqliteLeafReader {
  const db = openDatabase(path, { readonly: true });
  const dictionary = createFieldDictionary(db, false);
  const blocksFrom = db.prepare(
    `SELECT first_seq, records, hashes FROM blocks
     WHERE first_seq >= coalesce((SELECT max(first_seq) FROM blocks WHERE first_seq <= ?), 0)
     ORDER BY first_seq LIMIT ?`,
  );
  const blockHolding = db.prepare(
    'SELECT first_seq, last_seq, hashes FROM blocks WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1',
  );
  const lastSeq = db.prepare('SELECT max(last_seq) AS seq FROM blocks');
  const chain = createBlockChecker(dictionary);

  /** The same, record by record through expandRecord and the chain verifier: throws naming what is wrong. */
  function slowBlock(
    parsed: BlockEntries,
    start: number,
    end: number,
    prev: ChainPoint,
    out: Buffer,
    offset: number,
  ): ChainPoint {
    const verifier = createChainVerifier({ from: prev });
    let last = prev;
    try {
      for (let i = start; i < end; i++) {
        const record = expandRecord(parsed, i, dictionary);
        const failure = verifier.push(record);
        if (failure) throw chainBroken(failure);
        recordLeafHash(record).copy(out, offset + (i - start) * HASH_BYTES);
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
    claimedLastSeq() {
      const seq = (lastSeq.get() as { seq: unknown }).seq;
      return typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : 0;
    },
    async *pages(from, upTo = Number.MAX_SAFE_INTEGER) {
      let prev = from;
      // Blocks per query, sized from the last page so a page holds about TREE_PAGE records whether a block holds
      // one read (a quiet server) or a thousand.
      let limit = 64;
      while (prev.seq < upTo) {
        const blocks = blocksFrom.all(prev.seq + 1, limit) as StoredBlock[];
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
          // Only the first block can hold records at or before `prev` (it is the one holding prev.seq + 1); any
          // later block is taken whole, so a block overlapping another fails the chain check as it does in verify.
          const start = b === 0 ? Math.max(0, prev.seq + 1 - block.first_seq) : 0;
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
