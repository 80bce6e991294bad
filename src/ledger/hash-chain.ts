// The ledger's hash chain: each record's hash covers the previous hash, so edits, deletions and reordering show up in verify.
import { sha256 } from '../sha256.js';
import { leafDigest } from './merkle.js';
import type { ReadRecord, RecordHashFormat, VerifyResult } from './types.js';

/** The format of a ledger created now. */
export const NEW_LEDGER_RECORD_HASH: RecordHashFormat = 'leaf';

/**
 * The format a ledger's meta `record_hash` names. Absent is 'prev-json' only where `absentAllowed` (a ledger of the
 * schema version before the key, read as it is); in a ledger that must hold the key, its absence is refused, since
 * reading it as either format would append records hashed in a format the chain is not.
 */
export function parseRecordHashFormat(
  stored: string | null | undefined,
  absentAllowed: boolean,
): RecordHashFormat {
  if (stored === undefined || stored === null) {
    if (absentAllowed) return 'prev-json';
    throw new Error(
      "the ledger's meta holds no record_hash, which its schema version must hold (the row was deleted?)",
    );
  }
  if (stored === 'leaf' || stored === 'prev-json') return stored;
  throw new Error(`the ledger's record_hash is "${stored}", not one this SpecLedger knows (leaf, prev-json)`);
}

/** The other format: what a record that does not match its ledger's format is checked against, to say so. */
function otherFormat(format: RecordHashFormat): RecordHashFormat {
  return format === 'leaf' ? 'prev-json' : 'leaf';
}

type RecordHashVerdict = { kind: 'ok' } | { kind: 'flipped' | 'edited'; message: string };

/**
 * What `record`'s stored hash says of it under `format`: `ok` when it is its content's hash in that format,
 * `flipped` when it is the other format's (the ledger's record_hash was changed after records were written),
 * `edited` otherwise. Each formula is computed at most once.
 */
function recordHashVerdict(record: ReadRecord, format: RecordHashFormat): RecordHashVerdict {
  if (computeRecordHash(record, format) === record.hash) return { kind: 'ok' };
  const other = otherFormat(format);
  return computeRecordHash(record, other) === record.hash
    ? {
        kind: 'flipped',
        message: `seq ${record.seq}: hashed as ${other}, but the ledger's meta record_hash says ${format} (the meta row was changed)`,
      }
    : {
        kind: 'edited',
        message: `seq ${record.seq}: hash does not match the record's content (the record was edited)`,
      };
}

/**
 * Null when `record` (one end of the chain) is hashed in the `format` the ledger's meta names, or is absent; otherwise
 * why a writer must not append: records hashed in the declared format would break the chain for good. An edited
 * record is not this (verify names it; new reads are still recorded): only one that the other format explains.
 */
export function formatMismatch(record: ReadRecord | undefined, format: RecordHashFormat): string | null {
  if (record === undefined) return null;
  const verdict = recordHashVerdict(record, format);
  return verdict.kind === 'flipped' ? verdict.message : null;
}

/** Null when `record`'s hash is its content's in `format`; otherwise why not: flipped format, or edited. */
export function recordHashProblem(record: ReadRecord, format: RecordHashFormat): string | null {
  const verdict = recordHashVerdict(record, format);
  return verdict.kind === 'ok' ? null : verdict.message;
}

/** prev_hash of the first record (seq 1). */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Every ReadRecord field except `hash`, in a fixed order. The order is part of the on-disk format:
 * changing it (or adding a field) invalidates every existing chain, so a new field needs a new
 * schema version, not an edit here.
 */
export const HASHED_FIELDS = [
  'seq',
  'ts',
  'run_id',
  'run_id_source',
  'principal',
  'session_id',
  'client_name',
  'client_version',
  'transport',
  'tool',
  'kind',
  'spec_id',
  'clause_id',
  'spec_version',
  'status',
  'digest',
  'git_commit',
  'tokens',
  'prev_hash',
] as const satisfies readonly (keyof Omit<ReadRecord, 'hash'>)[];

/** Every ReadRecord field as stored, in hashing order: the hashed fields, then `hash`. Both stores' column order. */
export const RECORD_COLUMNS = [...HASHED_FIELDS, 'hash'] as const satisfies readonly (keyof ReadRecord)[];

/**
 * JSON of the hashed fields in HASHED_FIELDS order. An array of values rather than an object so
 * the result does not depend on how a store happened to build the row (column order, extra keys);
 * `undefined` is written as null because SQL NULL comes back as null and must hash the same.
 * Written out field by field (the order is HASHED_FIELDS'; a unit test holds the two together)
 * because it runs once per read on the write path.
 */
export function canonicalRecordJson(r: Omit<ReadRecord, 'hash'>): string {
  return JSON.stringify([
    r.seq ?? null,
    r.ts ?? null,
    r.run_id ?? null,
    r.run_id_source ?? null,
    r.principal ?? null,
    r.session_id ?? null,
    r.client_name ?? null,
    r.client_version ?? null,
    r.transport ?? null,
    r.tool ?? null,
    r.kind ?? null,
    r.spec_id ?? null,
    r.clause_id ?? null,
    r.spec_version ?? null,
    r.status ?? null,
    r.digest ?? null,
    r.git_commit ?? null,
    r.tokens ?? null,
    r.prev_hash ?? null,
  ]);
}

/**
 * The record hash from its parts, in `format`: for a writer that keeps the canonical JSON it hashed. Hex, as stored
 * and compared in records, or a 'binary' string (one char a byte) for a reader comparing it with stored bytes.
 */
export function hashCanonical(
  format: RecordHashFormat,
  prevHash: string,
  canonicalJson: string,
  encoding: 'hex' | 'binary' = 'hex',
): string {
  switch (format) {
    case 'leaf':
      return leafDigest(canonicalJson, encoding);
    case 'prev-json':
      // prev_hash's 64 lower-case hex characters, then the JSON, both as UTF-8.
      return sha256(prevHash + canonicalJson, encoding);
    default:
      throw new Error(`unknown record hash format ${String(format)}`);
  }
}

/** The hash `record` (without `hash`) gets in a ledger of `format`, hex. */
export function computeRecordHash(record: Omit<ReadRecord, 'hash'>, format: RecordHashFormat): string {
  return hashCanonical(format, record.prev_hash ?? '', canonicalRecordJson(record));
}

interface VerifyChainOptions {
  /** The ledger's record hash format. */
  format: RecordHashFormat;
  /**
   * The newest (seq, hash) the store recorded separately from the rows. A chain alone cannot show
   * that its tail was cut off; comparing against a head kept elsewhere can.
   */
  head?: { seq: number; hash: string } | null;
  /** Where the walk starts: the last record already checked (its seq and hash); the genesis when absent. */
  from?: { seq: number; hash: string };
  /** Called every PROGRESS_EVERY records checked, with the count so far and the head's seq (0 without a head). */
  onProgress?: (checked: number, total: number) => void;
}

const PROGRESS_EVERY = 10_000;

export type VerifyFailure = Extract<VerifyResult, { ok: false }>;

/**
 * verifyChain one record at a time, for stores that stream rows asynchronously (PostgreSQL pages
 * through the chain): a synchronous Iterable cannot wait for the next page.
 */
interface ChainVerifier {
  /** Checks the next record in seq order; the failure once the chain breaks, null while it holds. */
  push(record: ReadRecord): VerifyFailure | null;
  /** The verdict after the last record, including the comparison against the head. */
  finish(): VerifyResult;
  /** The last record checked (seq and hash; the start point before any): where a batch checked elsewhere begins. */
  point(): { seq: number; hash: string };
  /** Takes `records` records checked elsewhere, from point() on and ending at `to`, as pushed (progress included). */
  skip(to: { seq: number; hash: string }, records: number): void;
}

export function createChainVerifier(options: VerifyChainOptions): ChainVerifier {
  let count = 0;
  let prevSeq = options.from?.seq ?? 0;
  let prevHash = options.from?.hash ?? GENESIS_HASH;
  const advance = (to: { seq: number; hash: string }, records: number): void => {
    const before = count;
    count += records;
    prevSeq = to.seq;
    prevHash = to.hash;
    // Every multiple of PROGRESS_EVERY passed, as pushing the records one by one reports them.
    if (options.onProgress)
      for (
        let n = (Math.floor(before / PROGRESS_EVERY) + 1) * PROGRESS_EVERY;
        n <= count;
        n += PROGRESS_EVERY
      )
        options.onProgress(n, options.head?.seq ?? 0);
  };
  return {
    push(record) {
      const expected = prevSeq + 1;
      if (record.seq !== expected) {
        const reason =
          record.seq > expected
            ? `seq ${record.seq}: expected seq ${expected} after seq ${prevSeq}; ${
                record.seq - expected === 1 ? `seq ${expected} is` : `seqs ${expected}..${record.seq - 1} are`
              } missing (deleted)`
            : `seq ${record.seq}: appears after seq ${prevSeq} (reordered or duplicated)`;
        return { ok: false, records: count, seq: record.seq, reason };
      }
      if (record.prev_hash !== prevHash) {
        const previous = prevSeq === 0 ? 'the genesis hash' : `the hash of seq ${prevSeq}`;
        return {
          ok: false,
          records: count,
          seq: record.seq,
          reason: `seq ${record.seq}: prev_hash does not match ${previous} (a record was deleted, reordered or edited)`,
        };
      }
      const problem = recordHashProblem(record, options.format);
      if (problem !== null) return { ok: false, records: count, seq: record.seq, reason: problem };
      advance(record, 1);
      return null;
    },
    point: () => ({ seq: prevSeq, hash: prevHash }),
    skip: advance,
    finish() {
      const head = options.head;
      if (head && (head.seq !== prevSeq || head.hash !== prevHash)) {
        const reason =
          head.seq > prevSeq
            ? `seq ${prevSeq + 1}: missing; the ledger head records seq ${head.seq} but the last record is seq ${prevSeq} (records were deleted from the end)`
            : `seq ${prevSeq}: the last record does not match the ledger head (seq ${head.seq}); the head or the last records were edited`;
        return { ok: false, records: count, seq: head.seq > prevSeq ? prevSeq + 1 : prevSeq, reason };
      }
      return { ok: true, records: count };
    },
  };
}

/** Walks records in seq order (starting at seq 1) and reports the first one that breaks the chain. */
export function verifyChain(records: Iterable<ReadRecord>, options: VerifyChainOptions): VerifyResult {
  const verifier = createChainVerifier(options);
  for (const record of records) {
    const failure = verifier.push(record);
    if (failure) return failure;
  }
  return verifier.finish();
}

/**
 * What a look at both ends of a chain shows, cheaply enough for every open: the first record starts the chain,
 * and the newest matches its own hash and the head recorded beside the rows. Null when both ends hold (verify
 * walks everything in between); otherwise what is wrong, one line.
 */
export function checkChainEnds(ends: {
  head: { seq: number; hash: string } | null;
  first: ReadRecord | undefined;
  last: ReadRecord | undefined;
  format: RecordHashFormat;
}): string | null {
  const { head, first, last, format } = ends;
  if (first === undefined || last === undefined) {
    return head && head.seq > 0
      ? `the ledger head records seq ${head.seq} but the ledger holds no records (records were deleted)`
      : null;
  }
  if (Number(first.seq) !== 1 || first.prev_hash !== GENESIS_HASH)
    return `the first record is seq ${first.seq}, not the start of the chain (records were deleted from the start)`;
  for (const record of first === last ? [first] : [first, last]) {
    const problem = recordHashProblem(record, format);
    if (problem !== null) return problem;
  }
  if (head === null) return `the ledger head is missing (the newest record is seq ${last.seq})`;
  if (head.seq > Number(last.seq))
    return `the ledger head records seq ${head.seq} but the newest record is seq ${last.seq} (records were deleted from the end)`;
  if (head.seq !== Number(last.seq) || head.hash !== last.hash)
    return `the newest record (seq ${last.seq}) does not match the ledger head (seq ${head.seq})`;
  return null;
}
