// The Merkle tree over a ledger's records: read off the store a page at a time, never on the answer path, built in full or extended from the last checkpoint.
import { fileURLToPath } from 'node:url';
import {
  type Checkpoint,
  formatCheckpoint,
  type NoteSignerKey,
  type NoteVerifierKey,
  noteText,
  openCheckpoint,
  parseCheckpoint,
  signNote,
} from './checkpoint.js';
import { GENESIS_HASH } from './hash-chain.js';
import { type ParallelOptions, parallelLeafReader } from './leaf-workers.js';
import { appendLeaf, type CompactRange, MerkleTree, rangeRoot } from './merkle.js';
import { openSqliteLeafReader } from './sqlite-leaves.js';
import { type LeafPage, type LeafReader, storeLeafReader } from './tree-leaves.js';
import type { LedgerStore } from './types.js';

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

/** The stored tree state (`checkpoint_range`), or null when it is not the shape encodeState writes. */
export function decodeTreeState(text: string): TreeState | null {
  let v: { size?: unknown; hashes?: unknown; last_hash?: unknown };
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const hex = (h: unknown): h is string => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h);
  // A compact range holds one hash per set bit of its size; one with fewer (an edited row) whose last hash alone
  // equals the signed root once passed the root check, and the next append popped a hash that was not there.
  if (
    typeof v?.size !== 'number' ||
    !Number.isSafeInteger(v.size) ||
    v.size < 0 ||
    !Array.isArray(v.hashes) ||
    !v.hashes.every(hex) ||
    v.hashes.length !== setBits(v.size) ||
    !hex(v.last_hash)
  )
    return null;
  return {
    range: { size: v.size, hashes: v.hashes.map((h) => Buffer.from(h, 'hex')) },
    lastHash: v.last_hash,
  };
}

function setBits(n: number): number {
  let bits = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) bits += rest % 2;
  return bits;
}

/** The SQLite file a `--ledger` location names, or null for PostgreSQL, `off` and an in-memory database. */
function sqliteFile(location: string): string | null {
  const trimmed = location.trim();
  if (trimmed === 'off' || trimmed === '' || trimmed === ':memory:') return null;
  if (/^file:\/\//i.test(trimmed)) return fileURLToPath(trimmed);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? null : location;
}

/**
 * The fastest leaf reader for the ledger at `location` (opened as `store`): a SQLite file is read through a second,
 * read-only connection that hashes the stored blocks without building records (sqlite-leaves.ts), its long spans on
 * worker threads (leaf-workers.ts, `options.threads` of them), anything else through the store. Close it when done.
 */
export function openLeafReader(
  location: string,
  store: LedgerStore,
  options: ParallelOptions = {},
): LeafReader {
  const file = sqliteFile(location);
  return file === null
    ? storeLeafReader(store)
    : parallelLeafReader(file, openSqliteLeafReader(file), options);
}

/** The whole tree of the first `upTo` records (all when absent), every subtree hash held for proofs. */
export async function buildTree(
  store: LedgerStore,
  upTo?: number,
  leaves: LeafReader = storeLeafReader(store),
): Promise<MerkleTree> {
  const pages: LeafPage[] = [];
  for await (const page of leaves.pages({ seq: 0, hash: GENESIS_HASH }, upTo, { levels: true }))
    pages.push(page);
  return MerkleTree.fromPages(pages);
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
export async function trustedState(store: LedgerStore, key: NoteVerifierKey): Promise<TreeState | null> {
  const [note, stateText] = await Promise.all([
    store.treeMeta('checkpoint'),
    store.treeMeta('checkpoint_range'),
  ]);
  if (note === null || stateText === null) return null;
  const state = decodeTreeState(stateText);
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

/**
 * Adds every record after the state's last one to it, chain-checked from its last hash (the reader throws naming
 * the first bad record): how a checkpoint extends the last, and how `verify --from-checkpoint` walks what is new.
 */
export async function extendState(state: TreeState, leaves: LeafReader): Promise<void> {
  for await (const page of leaves.pages({ seq: state.range.size, hash: state.lastHash })) {
    for (let at = 0; at < page.leaves.length; at += 32)
      appendLeaf(state.range, page.leaves.subarray(at, at + 32));
    state.lastHash = page.last.hash;
  }
}

interface TakeCheckpointOptions {
  /** Rebuild from the first record rather than extend the last checkpoint's range. */
  full?: boolean;
  /** Where the leaves come from (openLeafReader); the store's recordsAfter when absent. */
  leaves?: LeafReader;
}

/** A checkpoint signed but not yet stored: the note, what it says, and the tree state to store beside it. */
export interface SignedCheckpoint {
  note: string;
  checkpoint: Checkpoint;
  /** The compact range the note signs, as stored under `checkpoint_range`. */
  state: string;
}

/**
 * Signs the current tree head as a checkpoint, without storing it: the part that reads and hashes, which the
 * checkpoint worker runs off the serving thread. From a trusted last checkpoint it hashes only the records added
 * since (10M records: see BENCHMARKS.md).
 */
export async function signCheckpoint(
  store: LedgerStore,
  key: NoteSignerKey,
  options: TakeCheckpointOptions = {},
): Promise<SignedCheckpoint> {
  const state = (options.full ? null : await trustedState(store, key)) ?? {
    range: { size: 0, hashes: [] },
    lastHash: GENESIS_HASH,
  };
  await extendState(state, options.leaves ?? storeLeafReader(store));
  const checkpoint = { origin: key.name, size: state.range.size, root: rangeRoot(state.range) };
  return { note: signNote(formatCheckpoint(checkpoint), key), checkpoint, state: encodeState(state) };
}

/** Stores a signed checkpoint as the latest, the range first: a note is only ever stored after its range. */
export async function storeCheckpoint(store: LedgerStore, signed: SignedCheckpoint): Promise<void> {
  await store.setTreeMeta('checkpoint_range', signed.state);
  await store.setTreeMeta('checkpoint', signed.note);
}

/** Signs the current tree head as a checkpoint, stores it with the range it covers, and returns the signed note. */
export async function takeCheckpoint(
  store: LedgerStore,
  key: NoteSignerKey,
  options: TakeCheckpointOptions = {},
): Promise<{ note: string; checkpoint: Checkpoint }> {
  const signed = await signCheckpoint(store, key, options);
  await storeCheckpoint(store, signed);
  return { note: signed.note, checkpoint: signed.checkpoint };
}
