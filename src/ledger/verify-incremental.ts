// verify --from-checkpoint: trust what the last signed checkpoint covers, check only the records after it.
import type { NoteVerifierKey } from './checkpoint.js';
import { recordHashProblem } from './hash-chain.js';
import { appendLeaf, emptyRange, rangeRoot } from './merkle.js';
import { extendState, trustedState } from './tree.js';
import { type LeafReader, recordLeafHash, TREE_PAGE } from './tree-leaves.js';
import type { LedgerStore, ReadRecord } from './types.js';

type IncrementalVerify =
  | {
      ok: true;
      /** Records in the ledger: the signed checkpoint's and those after it. */
      records: number;
      /** Records the checkpoint covers, trusted because its signature and its stored range check out. */
      trusted: number;
      /** Records after it, chain-checked and added to the tree. */
      checked: number;
      origin: string;
      /** The tree head over every record now (hex), which the next checkpoint will sign. */
      root: string;
    }
  | { ok: false; reason: string; seq?: number };

/**
 * The cost follows the records since the checkpoint (plus the few the checkpoint's last subtree holds, to tie the
 * chain's last hash to what was signed), not the ledger. What it cannot see: a record the checkpoint covers that
 * was edited after it was signed (`verify --since CHECKPOINT` or a full `verify` walks those), and newest records
 * deleted along with the store's head (a full `verify` compares the head).
 */
export async function verifyFromCheckpoint(
  store: LedgerStore,
  key: NoteVerifierKey,
  leaves: LeafReader,
): Promise<IncrementalVerify> {
  const state = await trustedState(store, key);
  if (state === null)
    return {
      ok: false,
      reason: `no stored checkpoint verifies under the key for "${key.name}" (take one with specledger checkpoint)`,
    };
  const trusted = state.range.size;
  if (trusted > 0) {
    // The range's last hash is the subtree of the last lowbit(size) records: recomputing it ties the stored last
    // chain hash to the signed root, so the walk below starts from a hash the signature covers.
    const span = lowestPowerOfTwo(trusted);
    const sub = emptyRange();
    let last: ReadRecord | undefined;
    // Paged as the tree reads the ledger: a checkpoint at a power of two spans every record it covers.
    for (let after = trusted - span; after < trusted; ) {
      const page = await store.recordsAfter(after, Math.min(TREE_PAGE, trusted - after));
      if (page.length === 0) break;
      for (const record of page) appendLeaf(sub, recordLeafHash(record));
      last = page.at(-1) as ReadRecord;
      after = last.seq;
    }
    if (sub.size !== span || !rangeRoot(sub).equals(state.range.hashes.at(-1) as Buffer) || !last)
      return {
        ok: false,
        seq: trusted - span + 1,
        reason: `records ${trusted - span + 1}..${trusted} are not those the checkpoint signed (edited, deleted or reordered)`,
      };
    const problem = recordHashProblem(last, store.recordHash);
    if (problem !== null || last.hash !== state.lastHash)
      return {
        ok: false,
        seq: trusted,
        reason: problem ?? `seq ${trusted}: its stored hash is not the one the checkpoint was taken at`,
      };
  }
  try {
    await extendState(state, leaves);
  } catch (error) {
    const reason = (error as Error).message.replace(/^ledger verification failed: /, '');
    const seq = /^seq (\d+)/.exec(reason)?.[1];
    return { ok: false, reason, ...(seq === undefined ? {} : { seq: Number(seq) }) };
  }
  // What the walk reached must be where the ledger's head says it ends: records deleted from the end, the head kept.
  const { damage } = await store.health();
  if (damage !== undefined) return { ok: false, reason: damage };
  return {
    ok: true,
    records: state.range.size,
    trusted,
    checked: state.range.size - trusted,
    origin: key.name,
    root: rangeRoot(state.range).toString('hex'),
  };
}

/** The largest power of two dividing n (n ≥ 1): a compact range's last subtree. Not `n & -n`, which is 32-bit. */
function lowestPowerOfTwo(n: number): number {
  let p = 1;
  while (n % (p * 2) === 0) p *= 2;
  return p;
}
