// Where the Merkle tree gets its leaves: each record's leaf hash, chain-checked as it is read, a page at a time, from any store (sqlite-leaves.ts reads a SQLite file faster).
import { SpecLedgerError } from '../errors.js';
import { canonicalRecordJson, createChainVerifier, type VerifyFailure } from './hash-chain.js';
import { type Hash, leafHash } from './merkle.js';
import type { LedgerStore, ReadRecord, RecordHashFormat } from './types.js';

/** Records read per page: 5,000 records are about 2 MB, and a page is one query. */
export const TREE_PAGE = 5_000;

/** A record in the chain: its seq and hash (seq 0 with the genesis hash before the first). */
export interface ChainPoint {
  seq: number;
  hash: string;
}

/** The leaf hashes of consecutive records, 32 bytes each, and the last of those records. */
export interface LeafPage {
  leaves: Buffer;
  last: ChainPoint;
  /** Levels 1, 2, … above this page's own leaves (merkle.ts hashLevels), when asked for and hashed already. */
  levels?: Buffer[];
}

export interface PageOptions {
  /** Hash the levels above each page where that is cheap (on worker threads): a whole tree is being built. */
  levels?: boolean;
}

export interface LeafReader {
  /**
   * The leaves of the records after `from` up to seq `upTo` (all when absent), chain-checked from `from`: a tree must
   * never be signed over a broken chain. Throws INVALID_ARGUMENT naming the first bad record.
   */
  pages(from: ChainPoint, upTo?: number, options?: PageOptions): AsyncGenerator<LeafPage>;
  close(): Promise<void>;
}

/** A record's Merkle leaf: SHA-256(0x00 ‖ its canonical JSON), the same bytes its chain hash covers. */
export function recordLeafHash(record: Omit<ReadRecord, 'hash'>): Hash {
  return leafHash(canonicalRecordJson(record));
}

/**
 * The leaf of a record the chain check just accepted in a ledger of `format`: in the 'leaf' format that check was
 * this very hash, so it is not computed twice.
 */
export function checkedRecordLeaf(record: ReadRecord, format: RecordHashFormat): Hash {
  return format === 'leaf' ? Buffer.from(record.hash, 'hex') : recordLeafHash(record);
}

/** The error a broken chain stops the tree with. */
export function chainBroken(failure: VerifyFailure): SpecLedgerError {
  return new SpecLedgerError('INVALID_ARGUMENT', `ledger verification failed: ${failure.reason}`);
}

/** Leaves of records as any store returns them (PostgreSQL, an in-memory SQLite), through `recordsAfter`. */
export function storeLeafReader(store: LedgerStore): LeafReader {
  return {
    async *pages(from, upTo = Number.MAX_SAFE_INTEGER) {
      const verifier = createChainVerifier({ from, format: store.recordHash });
      for (let after = from.seq; after < upTo; ) {
        const page = await store.recordsAfter(after, Math.min(TREE_PAGE, upTo - after));
        if (page.length === 0) return;
        const leaves = Buffer.allocUnsafe(page.length * 32);
        for (let i = 0; i < page.length; i++) {
          const record = page[i] as ReadRecord;
          const failure = verifier.push(record);
          if (failure) throw chainBroken(failure);
          checkedRecordLeaf(record, store.recordHash).copy(leaves, i * 32);
        }
        const last = page.at(-1) as ReadRecord;
        yield { leaves, last: { seq: last.seq, hash: last.hash } };
        after = last.seq;
      }
    },
    async close() {},
  };
}
