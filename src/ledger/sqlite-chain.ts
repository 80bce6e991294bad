// The chain check of a plain SQLite block without building its records: each record's canonical JSON assembled from its block row and its shared fields' JSON, its chain hash compared with the stored one, and (for the tree) its leaf, which in a ledger of the 'leaf' format is that chain hash.
import { hashCanonical } from './hash-chain.js';
import { leafHashInto } from './merkle.js';
import type { BlockEntries, FieldDictionary } from './sqlite-blocks.js';
import type { ChainPoint } from './tree-leaves.js';
import type { RecordHashFormat } from './types.js';

/*
 * Why a path of its own: through recordsAfter, a record cost ~18 µs to turn into a leaf (1M records: 18 s), and
 * `verify` pays most of that too, most of it building the ReadRecord object and writing its canonical JSON. Here
 * the JSON of a record is `[seq,ts,<context JSON>,<target JSON>,tokens,prev_hash]`: the context and target fields are
 * contiguous in HASHED_FIELDS (CONTEXT_FIELDS and TARGET_FIELDS, in that order), so each shared value's part is
 * written once per ledger and the rest per record. The result is byte-for-byte what canonicalRecordJson writes for
 * the record expandRecord would build (the leaf-reader property tests hold the two together). A block that is not
 * exactly the shape encodeBlock writes for a chained batch is refused here (null), and the caller goes record by
 * record through expandRecord and the ordinary chain check, so a damaged ledger gets the same verdict, naming the
 * same record.
 */

const HASH_BYTES = 32;
const CONTEXT_COUNT = 7;
const TARGET_COUNT = 8;

/** `values` padded or cut to `count`, absent values null, as JSON without the brackets: a part of the record's JSON. */
function fieldsPart(values: readonly unknown[], count: number): string {
  const out: unknown[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = values[i] ?? null;
  return JSON.stringify(out).slice(1, -1);
}

interface BlockChecker {
  /**
   * Checks rows [start, end) of a block as the chain from `prev`, writing their leaves into `leaves.out` from
   * `leaves.offset` when given; the new chain point, or null when anything is not the plain shape or does not hold
   * (then nothing written is to be trusted, and the caller checks the rows one by one).
   */
  check(
    parsed: BlockEntries,
    start: number,
    end: number,
    prev: ChainPoint,
    leaves?: { out: Buffer; offset: number },
  ): ChainPoint | null;
}

/** A checker over the shared fields of `dictionary`, each field's JSON part written once, for a ledger of `format`. */
export function createBlockChecker(dictionary: FieldDictionary, format: RecordHashFormat): BlockChecker {
  const contextParts = new Map<number, string | undefined>();
  const targetParts = new Map<number, string | undefined>();
  const part = (
    cache: Map<number, string | undefined>,
    id: unknown,
    context: boolean,
  ): string | undefined => {
    if (typeof id !== 'number') return undefined;
    if (cache.has(id)) return cache.get(id);
    const values = context ? dictionary.context(id) : dictionary.target(id);
    const text =
      values === undefined ? undefined : fieldsPart(values, context ? CONTEXT_COUNT : TARGET_COUNT);
    cache.set(id, text);
    return text;
  };
  const leafFormat = format === 'leaf';
  return {
    check(parsed, start, end, prev, leaves) {
      const { hashes, rows } = parsed;
      if (parsed.firstSeq + start !== prev.seq + 1 || hashes.length !== HASH_BYTES * (rows.length + 1))
        return null;
      // The span's stored hashes as hex (each record's JSON ends with the one before it) and as 'binary' strings
      // (to compare with the digests), one conversion each per span: a conversion per record cost ~0.3 µs.
      const hex = hashes.toString('hex', HASH_BYTES * start, HASH_BYTES * (end + 1));
      const binary = hashes.toString('latin1', HASH_BYTES * start, HASH_BYTES * (end + 1));
      let prevHash = prev.hash;
      if (hex.slice(0, 2 * HASH_BYTES) !== prevHash) return null;
      for (let i = start; i < end; i++) {
        const row = rows[i] as unknown[];
        if (row.length !== 4) return null;
        const context = part(contextParts, row[1], true);
        const target = part(targetParts, row[2], false);
        if (context === undefined || target === undefined) return null;
        const ts = JSON.stringify(dictionary.timestamp(row[0]) ?? null);
        const tokens = JSON.stringify(row[3] ?? null);
        const json = `[${parsed.firstSeq + i},${ts},${context},${target},${tokens},"${prevHash}"]`;
        const k = i - start + 1;
        const stored = binary.slice(HASH_BYTES * k, HASH_BYTES * (k + 1));
        // 'binary' rather than hex: returning hex costs ~0.5 µs more a call.
        if (stored !== hashCanonical(format, prevHash, json, 'binary')) return null;
        // In the 'leaf' format the chain hash just checked is the leaf, copied below; otherwise it is hashed here.
        if (!leafFormat && leaves) leafHashInto(json, leaves.out, leaves.offset + (i - start) * HASH_BYTES);
        prevHash = hex.slice(2 * HASH_BYTES * k, 2 * HASH_BYTES * (k + 1));
      }
      if (leafFormat && leaves)
        hashes.copy(leaves.out, leaves.offset, HASH_BYTES * (start + 1), HASH_BYTES * (end + 1));
      return { seq: parsed.firstSeq + end - 1, hash: prevHash };
    },
  };
}
