// `verify --since`: whether the ledger today extends a checkpoint signed earlier, with an RFC 6962 consistency proof.
import { type NoteVerifierKey, openCheckpoint } from './checkpoint.js';
import { type Hash, type MerkleTree, rangeRoot, verifyConsistency } from './merkle.js';
import { buildTree, decodeTreeState } from './tree.js';
import { type LeafReader, storeLeafReader } from './tree-leaves.js';
import type { LedgerStore } from './types.js';

type SinceResult =
  | { ok: true; old_size: number; size: number; root: string; proof: string[] }
  | { ok: false; old_size: number; size: number; reason: string };

/** The perfect subtrees covering [0, size), largest first, as [lo, hi) ranges: the shape of a compact range. */
function rangeSpans(size: number): [number, number][] {
  const spans: [number, number][] = [];
  let lo = 0;
  for (let bit = 2 ** Math.floor(Math.log2(Math.max(size, 1))); bit >= 1; bit /= 2) {
    if (Math.floor(size / bit) % 2 === 1) {
      spans.push([lo, lo + bit]);
      lo += bit;
    }
  }
  return spans;
}

/**
 * Checks that the current tree extends the checkpoint signed by `key`. The whole chain is checked on the way (an
 * edited record fails there, naming its seq); a ledger rewritten consistently fails here. When the ledger still
 * holds the range stored with that checkpoint, the failure names the first span of records that differs.
 */
export async function verifySince(
  store: LedgerStore,
  checkpointNote: string,
  key: NoteVerifierKey,
  leaves: LeafReader = storeLeafReader(store),
): Promise<SinceResult> {
  const old = openCheckpoint(checkpointNote, key);
  const tree = await buildTree(store, undefined, leaves);
  const base = { old_size: old.size, size: tree.size };
  if (old.size > tree.size)
    return {
      ok: false,
      ...base,
      reason: `the checkpoint covers ${old.size} records but the ledger holds ${tree.size}: records were deleted from the end (or the checkpoint is from the future, or for another ledger)`,
    };
  if (!tree.root(old.size).equals(old.root)) {
    return {
      ok: false,
      ...base,
      reason: `${await firstDifference(store, tree, old)} (the ledger was rewritten)`,
    };
  }
  const root = tree.root();
  const proof = tree.consistencyProof(old.size);
  if (!verifyConsistency(old.size, tree.size, old.root, root, proof))
    return { ok: false, ...base, reason: 'the consistency proof does not check' };
  // The records left may extend the checkpoint and still not be the ledger's (its newest deleted, the head kept).
  const { damage } = await store.health();
  if (damage !== undefined) return { ok: false, ...base, reason: damage };
  return { ok: true, ...base, root: root.toString('base64'), proof: proof.map((h) => h.toString('base64')) };
}

async function firstDifference(
  store: LedgerStore,
  tree: MerkleTree,
  old: { size: number; root: Hash },
): Promise<string> {
  const generic = `records 1..${old.size} no longer hash to the checkpoint's root`;
  const stored = await store.treeMeta('checkpoint_range');
  if (stored === null) return generic;
  const state = decodeTreeState(stored);
  // Only a stored range that hashes to the signed root tells what the checkpoint covered.
  if (state === null || state.range.size !== old.size || !rangeRoot(state.range).equals(old.root))
    return generic;
  const { hashes } = state.range;
  const spans = rangeSpans(old.size);
  for (let i = 0; i < spans.length; i++) {
    const [lo, hi] = spans[i] as [number, number];
    if (!tree.subtree(lo, hi).equals(hashes[i] as Hash))
      return hi - lo === 1
        ? `seq ${lo + 1} differs from the record the checkpoint covered`
        : `the first record that differs is among seqs ${lo + 1}..${hi}`;
  }
  return generic;
}
