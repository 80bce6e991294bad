// The Merkle tree over a ledger's records: read off the store a page at a time, never on the answer path, built in full or extended from the last checkpoint.
import { SpecLedgerError } from '../errors.js';
import {
  type Checkpoint,
  formatCheckpoint,
  type NoteSignerKey,
  noteText,
  openCheckpoint,
  parseCheckpoint,
  signNote,
} from './checkpoint.js';
import { canonicalRecordJson, createChainVerifier, GENESIS_HASH } from './hash-chain.js';
import { appendLeaf, type CompactRange, type Hash, leafHash, MerkleTree, rangeRoot } from './merkle.js';
import type { LedgerStore, ReadRecord } from './types.js';

/** Records read per page: 5,000 records are about 2 MB, and a page is one query. */
const TREE_PAGE = 5_000;

/** A record's Merkle leaf: SHA-256(0x00 ‖ its canonical JSON), the same bytes its chain hash covers. */
export function recordLeafHash(record: Omit<ReadRecord, 'hash'>): Hash {
  return leafHash(canonicalRecordJson(record));
}

/** Where the tree stood at the last checkpoint: its compact range and the chain hash of its last record. */
interface TreeState {
  range: CompactRange;
  lastHash: string;
}

function encodeState(state: TreeState): string {
  return JSON.stringify({
    size: state.range.size,
    hashes: state.range.hashes.map((h) => h.toString('hex')),
    last_hash: state.lastHash,
  });
}

function decodeState(text: string): TreeState | null {
  try {
    const v = JSON.parse(text) as { size: number; hashes: string[]; last_hash: string };
    return {
      range: { size: v.size, hashes: v.hashes.map((h) => Buffer.from(h, 'hex')) },
      lastHash: v.last_hash,
    };
  } catch {
    return null;
  }
}

/**
 * Every record after `from` up to `upTo` (all when absent), chain-checked as it is read: a tree must never be
 * signed over a broken chain. Throws naming the first bad record.
 */
async function* checkedRecords(
  store: LedgerStore,
  from: { seq: number; hash: string },
  upTo = Number.MAX_SAFE_INTEGER,
): AsyncGenerator<ReadRecord> {
  const verifier = createChainVerifier({ from });
  for (let after = from.seq; after < upTo; ) {
    const page = await store.recordsAfter(after, Math.min(TREE_PAGE, upTo - after));
    if (page.length === 0) return;
    for (const record of page) {
      const failure = verifier.push(record);
      if (failure)
        throw new SpecLedgerError('INVALID_ARGUMENT', `ledger verification failed: ${failure.reason}`);
      yield record;
    }
    after = (page.at(-1) as ReadRecord).seq;
  }
}

/** The whole tree of the first `upTo` records (all when absent), every subtree hash held for proofs. */
export async function buildTree(store: LedgerStore, upTo?: number): Promise<MerkleTree> {
  const chunks: Buffer[] = [];
  for await (const record of checkedRecords(store, { seq: 0, hash: GENESIS_HASH }, upTo))
    chunks.push(recordLeafHash(record));
  return new MerkleTree(Buffer.concat(chunks));
}

/** The stored checkpoint's text (origin, size, root), signatures unchecked, or null when none was taken. */
export async function latestCheckpoint(
  store: LedgerStore,
): Promise<{ note: string; checkpoint: Checkpoint } | null> {
  const note = await store.treeMeta('checkpoint');
  return note === null ? null : { note, checkpoint: parseCheckpoint(noteText(note)) };
}

/**
 * The stored tree state when it can be trusted: the stored checkpoint verifies under `key` and the stored range
 * hashes to its root, so the range is what was signed. Otherwise null, and the tree is built from the start.
 */
async function trustedState(store: LedgerStore, key: NoteSignerKey): Promise<TreeState | null> {
  const [note, stateText] = await Promise.all([
    store.treeMeta('checkpoint'),
    store.treeMeta('checkpoint_range'),
  ]);
  if (note === null || stateText === null) return null;
  const state = decodeState(stateText);
  try {
    const checkpoint = openCheckpoint(note, key);
    if (
      state === null ||
      state.range.size !== checkpoint.size ||
      !rangeRoot(state.range).equals(checkpoint.root)
    )
      return null;
  } catch {
    return null;
  }
  return state;
}

export interface TakeCheckpointOptions {
  /** Rebuild from the first record rather than extend the last checkpoint's range. */
  full?: boolean;
}

/**
 * Signs the current tree head as a checkpoint, stores it with the range it covers, and returns the signed note.
 * From a trusted last checkpoint it hashes only the records added since (10M records: see BENCHMARKS.md).
 */
export async function takeCheckpoint(
  store: LedgerStore,
  key: NoteSignerKey,
  options: TakeCheckpointOptions = {},
): Promise<{ note: string; checkpoint: Checkpoint }> {
  const state = (options.full ? null : await trustedState(store, key)) ?? {
    range: { size: 0, hashes: [] },
    lastHash: GENESIS_HASH,
  };
  for await (const record of checkedRecords(store, { seq: state.range.size, hash: state.lastHash })) {
    appendLeaf(state.range, recordLeafHash(record));
    state.lastHash = record.hash;
  }
  const checkpoint = { origin: key.name, size: state.range.size, root: rangeRoot(state.range) };
  const note = signNote(formatCheckpoint(checkpoint), key);
  await store.setTreeMeta('checkpoint_range', encodeState(state));
  await store.setTreeMeta('checkpoint', note);
  return { note, checkpoint };
}
