// How the SQLite ledger lays records out: a row per group commit, whose records point at shared fields stored once.
import { canonicalRecordJson, hashCanonical } from './hash-chain.js';
import { newReadRecord } from './records.js';
import type { ReadRecord, ReadRecordInput, RecordHashFormat } from './types.js';

/*
 * Why blocks: a read is recorded before its answer leaves, so the ledger's write sits in every agent's tool
 * loop. Measured here (bench/README.md), a row per read with its two indexes cost ~8 µs per read on top of the
 * commit, about as much as the rest of the ledger together. A block is one row per commit.
 *
 * Why shared fields: a record as JSON is ~470 bytes, most of it repeated from the run's other reads (run, session,
 * client) and from other reads of the same clause version (tool, spec, clause, version, status, digest, commit).
 * Those two groups are stored once each, as a *context* and a *target*, and a record keeps their ids:
 *
 *   records  JSON, one array per record: [ts, context id, target id, tokens]; ts is the epoch milliseconds when
 *            the string is exactly what toISOString gives for them, else the string itself
 *   hashes   BLOB: the first record's prev_hash, then each record's hash, 32 bytes each
 *
 * A record's seq is the block's first_seq plus its position and its prev_hash the slot before its hash, so neither
 * is stored. A record that does not fit that shape (only an upgraded ledger that was tampered with holds one) gets a
 * fifth element with the values as they were, so an upgrade never hides tampering from verify.
 */

/** The fields of a record that say who read, through what: shared by a run's reads. */
export const CONTEXT_FIELDS = [
  'run_id',
  'run_id_source',
  'principal',
  'session_id',
  'client_name',
  'client_version',
  'transport',
] as const satisfies readonly (keyof ReadRecord)[];

/** The fields of a record that say what was read, at which version: shared by the reads of one clause version. */
export const TARGET_FIELDS = [
  'tool',
  'kind',
  'spec_id',
  'clause_id',
  'spec_version',
  'status',
  'digest',
  'git_commit',
] as const satisfies readonly (keyof ReadRecord)[];

const HASH_BYTES = 32;
const HEX64 = /^[0-9a-f]{64}$/;
const CANONICAL_TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Ids of shared field values, assigned by the store (which may insert new ones) and looked up when decoding. */
export interface FieldDictionary {
  contextId(record: ReadRecord): number;
  targetId(record: ReadRecord): number;
  /** The CONTEXT_FIELDS values of an id, or undefined when the ledger holds no such context. */
  context(id: number): readonly unknown[] | undefined;
  target(id: number): readonly unknown[] | undefined;
  /** The timestamp string for a ts as a block stores it (see createTsDecoder). */
  timestamp(stored: unknown): unknown;
}

/** A record's place in its block and the shared fields it points at: what the summaries are built from. */
export interface EncodedRecord {
  record: ReadRecord;
  /** The seq its position gives it (the record's own, unless a tampered ledger was upgraded). */
  seq: number;
  context: number;
  target: number;
  /** ts as stored (see encodeTs): what the summaries compare and keep. */
  ts: number | string;
}

/** What one group commit writes: the block row, and each record with its shared-field ids. */
export interface EncodedBlock {
  firstSeq: number;
  lastSeq: number;
  lastHash: string;
  text: string;
  hashes: Buffer;
  entries: EncodedRecord[];
}

/** Epoch milliseconds for a timestamp toISOString would write exactly so, else the value itself. */
export function encodeTs(ts: unknown): unknown {
  if (typeof ts !== 'string' || !CANONICAL_TS.test(ts)) return ts;
  const ms = Date.parse(ts);
  return Number.isFinite(ms) && ms >= 0 && new Date(ms).toISOString() === ts ? ms : ts;
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00.000Z: from there toISOString writes six-digit years, which encodeTs never stores. */
const MAX_TS_MS = 253_402_300_800_000;
/** Days whose date a decoder keeps (a few years of reads); past that it starts over. */
const CACHED_DAYS = 4096;

/**
 * A decoder of stored timestamps (epoch milliseconds, or the string as given) back to the string. It formats each
 * day's date once and the time of day from tables: toISOString was ~1.4 µs a call, a third of listing 10k runs.
 * Exactly toISOString's output for the milliseconds encodeTs stores (1970 to 9999).
 */
export function createTsDecoder(): (stored: unknown) => unknown {
  const dates = new Map<number, string>();
  return (stored) => {
    // A number encodeTs never writes (1e300, -1, 1.5: an edited block) stays as stored, as a string does: the
    // record's hash then fails and verify names it, where formatting it threw and nothing was readable.
    if (typeof stored !== 'number' || !Number.isSafeInteger(stored) || stored < 0 || stored >= MAX_TS_MS)
      return stored;
    const day = Math.floor(stored / DAY_MS);
    let date = dates.get(day);
    if (date === undefined) {
      if (dates.size >= CACHED_DAYS) dates.clear();
      date = new Date(day * DAY_MS).toISOString().slice(0, 11);
      dates.set(day, date);
    }
    let rest = stored - day * DAY_MS;
    const hours = (rest / 3_600_000) | 0;
    rest -= hours * 3_600_000;
    const minutes = (rest / 60_000) | 0;
    rest -= minutes * 60_000;
    const seconds = (rest / 1000) | 0;
    return `${date}${PAD2[hours]}:${PAD2[minutes]}:${PAD2[seconds]}.${PAD3[rest - seconds * 1000]}Z`;
  };
}

/**
 * Numbers and hashes the inputs from (seq, prevHash) on, in order, in the ledger's `format`: the records append() returns. One canonical
 * JSON string per read serves the hash.
 */
export function chainRecords(
  batches: readonly (readonly ReadRecordInput[])[],
  from: { seq: number; hash: string },
  format: RecordHashFormat,
): ReadRecord[][] {
  let seq = from.seq;
  let prevHash = from.hash;
  const out: ReadRecord[][] = new Array(batches.length);
  for (let b = 0; b < batches.length; b++) {
    const inputs = batches[b] as readonly ReadRecordInput[];
    const records: ReadRecord[] = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      seq += 1;
      const record = newReadRecord(inputs[i] as ReadRecordInput, seq, prevHash);
      record.hash = hashCanonical(format, prevHash, canonicalRecordJson(record));
      prevHash = record.hash;
      records[i] = record;
    }
    out[b] = records;
  }
  return out;
}

/**
 * Renders records (consecutive, the first at `firstSeq`) as one block. Values that the compact shape cannot carry
 * exactly (see the file comment) go into the record's fifth element, so decodeBlock returns exactly `records`.
 * `chained` says the records come from chainRecords (seqs from firstSeq, each prev_hash the hash before, every
 * hash lower-case hex), which skips checking each for what it cannot hold: ~1 µs per read on the write path.
 */
export function encodeBlock(
  records: readonly ReadRecord[],
  firstSeq: number,
  dictionary: FieldDictionary,
  chained = false,
): EncodedBlock {
  const hashes = Buffer.alloc(HASH_BYTES * (records.length + 1));
  const parts: string[] = new Array(records.length);
  const entries: EncodedRecord[] = new Array(records.length);
  let lastTs: unknown;
  let lastEncoded: unknown;
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as ReadRecord;
    // Reads of one commit mostly share a timestamp string (the recorder makes one per millisecond).
    if (record.ts !== lastTs) {
      lastTs = record.ts;
      lastEncoded = encodeTs(record.ts);
    }
    const ts = lastEncoded as number | string;
    const context = dictionary.contextId(record);
    const target = dictionary.targetId(record);
    if (chained) {
      if (i === 0) hashes.write(record.prev_hash, 0, 'hex');
      hashes.write(record.hash, HASH_BYTES * (i + 1), 'hex');
      parts[i] =
        `[${typeof ts === 'number' ? ts : JSON.stringify(ts)},${context},${target},${record.tokens}]`;
      entries[i] = { record, seq: firstSeq + i, context, target, ts };
      continue;
    }
    const overrides: Record<string, unknown> = {};
    let overridden = false;
    if (typeof record.ts !== 'string') {
      overrides.ts = record.ts;
      overridden = true;
    }
    if (record.seq !== firstSeq + i) {
      overrides.seq = record.seq;
      overridden = true;
    }
    if (i === 0 && typeof record.prev_hash === 'string' && HEX64.test(record.prev_hash))
      hashes.write(record.prev_hash, 0, 'hex');
    const slot = hashes.toString('hex', HASH_BYTES * i, HASH_BYTES * (i + 1));
    if (record.prev_hash !== slot) {
      overrides.prev_hash = record.prev_hash;
      overridden = true;
    }
    if (typeof record.hash === 'string' && HEX64.test(record.hash))
      hashes.write(record.hash, HASH_BYTES * (i + 1), 'hex');
    else {
      overrides.hash = record.hash;
      overridden = true;
    }
    const fields = [overridden && 'ts' in overrides ? null : ts, context, target, record.tokens];
    parts[i] = JSON.stringify(overridden ? [...fields, overrides] : fields);
    entries[i] = { record, seq: firstSeq + i, context, target, ts };
  }
  const last = records.at(-1);
  return {
    firstSeq,
    lastSeq: last?.seq ?? firstSeq - 1,
    lastHash: last?.hash ?? '',
    text: `[${parts.join(',')}]`,
    hashes,
    entries,
  };
}

/** A block that cannot be decoded (edited or damaged outside SpecLedger, or pointing at missing shared fields). */
export class UnreadableBlockError extends Error {
  constructor(
    readonly firstSeq: number,
    detail = 'edited or damaged outside SpecLedger',
  ) {
    super(`the ledger block starting at seq ${firstSeq} is not readable (${detail})`);
  }
}

export interface StoredBlock {
  first_seq: number;
  records: string;
  hashes: Buffer;
}

/** A stored block's records and the shared-field ids each points at, parsed but not yet expanded. */
export interface BlockEntries {
  firstSeq: number;
  rows: unknown[][];
  hashes: Buffer;
}

/** Parses a block's records; throws UnreadableBlockError when they are not the shape encodeBlock writes. */
export function parseBlock(block: StoredBlock): BlockEntries {
  let rows: unknown;
  try {
    rows = JSON.parse(block.records);
  } catch {
    throw new UnreadableBlockError(block.first_seq);
  }
  if (!Array.isArray(rows) || !Buffer.isBuffer(block.hashes)) throw new UnreadableBlockError(block.first_seq);
  // A seq past 2^53 (an inserted row at 2^63 − 1) is no seq a read gets; a tree walk once stepped over it unseen.
  if (!Number.isSafeInteger(block.first_seq))
    throw new UnreadableBlockError(block.first_seq, 'its first seq is past the largest a read can have');
  // No commit writes an empty block; one inserted among the others passed verify and hid the records after it.
  if (rows.length === 0)
    throw new UnreadableBlockError(block.first_seq, 'it holds no records: inserted outside SpecLedger');
  for (const row of rows) if (!Array.isArray(row)) throw new UnreadableBlockError(block.first_seq);
  return { firstSeq: block.first_seq, rows: rows as unknown[][], hashes: block.hashes };
}

/** Expands the i-th parsed row into the record it stands for, values exactly as stored so verify judges them. */
export function expandRecord(block: BlockEntries, i: number, dictionary: FieldDictionary): ReadRecord {
  const row = block.rows[i] as unknown[];
  const context = dictionary.context(row[1] as number);
  const target = dictionary.target(row[2] as number);
  if (context === undefined || target === undefined)
    throw new UnreadableBlockError(
      block.firstSeq,
      `a record points at shared fields the ledger does not hold`,
    );
  const extra = row[4];
  const overrides = typeof extra === 'object' && extra !== null ? (extra as Record<string, unknown>) : null;
  const slot = (n: number): string =>
    block.hashes.length >= HASH_BYTES * (n + 1)
      ? block.hashes.toString('hex', HASH_BYTES * n, HASH_BYTES * (n + 1))
      : '';
  const record = {
    seq: overrides !== null && 'seq' in overrides ? overrides.seq : block.firstSeq + i,
    ts: overrides !== null && 'ts' in overrides ? overrides.ts : dictionary.timestamp(row[0]),
    run_id: context[0],
    run_id_source: context[1],
    principal: context[2],
    session_id: context[3],
    client_name: context[4],
    client_version: context[5],
    transport: context[6],
    tool: target[0],
    kind: target[1],
    spec_id: target[2],
    clause_id: target[3],
    spec_version: target[4],
    status: target[5],
    digest: target[6],
    git_commit: target[7],
    tokens: row[3] ?? null,
    prev_hash: overrides !== null && 'prev_hash' in overrides ? overrides.prev_hash : slot(i),
    hash: overrides !== null && 'hash' in overrides ? overrides.hash : slot(i + 1),
  };
  return record as ReadRecord;
}

/** Every record of a stored block, in position order. */
export function decodeBlock(block: StoredBlock, dictionary: FieldDictionary): ReadRecord[] {
  const parsed = parseBlock(block);
  const records: ReadRecord[] = new Array(parsed.rows.length);
  for (let i = 0; i < parsed.rows.length; i++) records[i] = expandRecord(parsed, i, dictionary);
  return records;
}
