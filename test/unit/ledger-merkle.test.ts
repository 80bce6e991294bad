// The Merkle tree against Go's golang.org/x/mod/sumdb/tlog: roots, inclusion and consistency proofs for every shape up to 40 leaves.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  appendLeaf,
  EMPTY_ROOT,
  emptyRange,
  leafHash,
  MerkleTree,
  rangeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.js';
import { buildGoVerifier, goMissing } from '../helpers/verifiers.js';

const b64 = (b: Buffer): string => b.toString('base64');
const entries = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.from(`entry ${i}`));
const treeOf = (n: number): MerkleTree => new MerkleTree(Buffer.concat(entries(n).map((e) => leafHash(e))));

/** One byte of the base64 hash changed: the same length, a different hash. */
function flipByte(hash: Buffer): Buffer {
  const copy = Buffer.from(hash);
  copy[0] = (copy[0] as number) ^ 0x01;
  return copy;
}

const MAX = 40;

describe('MerkleTree (RFC 6962)', () => {
  it('hashes leaves as SHA-256(0x00 ‖ entry) and nodes as SHA-256(0x01 ‖ left ‖ right)', () => {
    const [a, b] = entries(2) as [Buffer, Buffer];
    const la = createHash('sha256')
      .update(Buffer.concat([Buffer.from([0]), a]))
      .digest();
    const lb = createHash('sha256')
      .update(Buffer.concat([Buffer.from([0]), b]))
      .digest();
    expect(treeOf(2).root()).toEqual(
      createHash('sha256')
        .update(Buffer.concat([Buffer.from([1]), la, lb]))
        .digest(),
    );
    expect(treeOf(0).root()).toEqual(EMPTY_ROOT);
  });

  it('keeps a compact range whose root matches the full tree at every size', () => {
    const range = emptyRange();
    const tree = treeOf(MAX);
    for (const [i, entry] of entries(MAX).entries()) {
      appendLeaf(range, leafHash(entry));
      expect(rangeRoot(range)).toEqual(tree.root(i + 1));
    }
  });

  it('checks its own proofs and rejects a one-byte change or a truncated proof', () => {
    const tree = treeOf(13);
    const proof = tree.inclusionProof(5);
    expect(verifyInclusion(5, 13, tree.leaf(5), proof, tree.root())).toBe(true);
    expect(verifyInclusion(5, 13, tree.leaf(5), proof.slice(0, -1), tree.root())).toBe(false);
    expect(
      verifyInclusion(5, 13, tree.leaf(5), [flipByte(proof[0] as Buffer), ...proof.slice(1)], tree.root()),
    ).toBe(false);
    expect(verifyInclusion(6, 13, tree.leaf(5), proof, tree.root())).toBe(false);
    const consistency = tree.consistencyProof(6);
    expect(verifyConsistency(6, 13, tree.root(6), tree.root(), consistency)).toBe(true);
    expect(verifyConsistency(6, 13, tree.root(6), tree.root(), consistency.slice(1))).toBe(false);
    expect(verifyConsistency(6, 13, flipByte(tree.root(6)), tree.root(), consistency)).toBe(false);
  });
});

describe.skipIf(goMissing())('MerkleTree against sumdb/tlog', () => {
  let go: ReturnType<typeof buildGoVerifier>;
  beforeAll(() => {
    go = buildGoVerifier();
  }, 120_000);

  it('computes the root Go computes from the same entries, for every size up to 40', () => {
    for (const n of [1, 2, 3, 7, 8, 9, 31, 32, 33, MAX]) {
      const r = go(['root'], JSON.stringify({ data: entries(n).map(b64) }));
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(b64(treeOf(n).root()));
    }
  });

  it('writes inclusion proofs Go accepts for every leaf of every size up to 40', () => {
    const tree = treeOf(MAX);
    const lines: string[] = [];
    for (let size = 1; size <= MAX; size++)
      for (let index = 0; index < size; index++)
        lines.push(
          JSON.stringify({
            size,
            root: b64(tree.root(size)),
            index,
            leaf: b64(tree.leaf(index)),
            proof: tree.inclusionProof(index, size).map(b64),
          }),
        );
    const r = go(['inclusion'], lines.join('\n'));
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`ok ${lines.length}`);
  });

  it('writes consistency proofs Go accepts for every pair of sizes up to 40', () => {
    const tree = treeOf(MAX);
    const lines: string[] = [];
    for (let size = 1; size <= MAX; size++)
      for (let oldSize = 1; oldSize <= size; oldSize++)
        lines.push(
          JSON.stringify({
            old_size: oldSize,
            old_root: b64(tree.root(oldSize)),
            size,
            root: b64(tree.root(size)),
            proof: tree.consistencyProof(oldSize, size).map(b64),
          }),
        );
    const r = go(['consistency'], lines.join('\n'));
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`ok ${lines.length}`);
  });

  it('has Go reject a proof with one byte changed, or one hash short', () => {
    const tree = treeOf(21);
    const proof = tree.inclusionProof(9);
    const base = { size: 21, root: b64(tree.root()), index: 9, leaf: b64(tree.leaf(9)) };
    expect(go(['inclusion'], JSON.stringify({ ...base, proof: proof.map(b64) })).code).toBe(0);
    const flipped = proof.map((h, i) => b64(i === 2 ? flipByte(h) : h));
    expect(go(['inclusion'], JSON.stringify({ ...base, proof: flipped })).code).toBe(1);
    expect(go(['inclusion'], JSON.stringify({ ...base, proof: proof.slice(0, -1).map(b64) })).code).toBe(1);
    const consistency = tree.consistencyProof(5).map(b64);
    const cbase = { old_size: 5, old_root: b64(tree.root(5)), size: 21, root: b64(tree.root()) };
    expect(go(['consistency'], JSON.stringify({ ...cbase, proof: consistency })).code).toBe(0);
    const bad = [...consistency];
    bad[0] = b64(flipByte(Buffer.from(bad[0] as string, 'base64')));
    expect(go(['consistency'], JSON.stringify({ ...cbase, proof: bad })).code).toBe(1);
  });
});
