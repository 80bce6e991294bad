// How the SQLite ledger lays records out: one row per group commit, holding that commit's records as JSON.
import { canonicalRecordJson, hashCanonical, RECORD_COLUMNS } from './hash-chain.js';
import { newReadRecord } from './records.js';
import type { ReadRecord, ReadRecordInput, RunSummary } from './types.js';

/*
 * Why blocks: a read is recorded before its answer leaves, so the ledger's write sits in every agent's tool
 * loop. Measured here (bench/README.md), a row per read with its two indexes cost ~8 µs per read on top of the
 * commit, about as much as the rest of the ledger together. A block is one row per commit: its records are the
 * canonical JSON already built to hash them, so storing a read adds a string join, and the two query indexes
 * grow by one entry per distinct run and clause in the commit instead of one per read.
 *
 * A block's `records` is a JSON array of records, each an array of COLUMNS values: the hashed fields in
 * HASHED_FIELDS order (exactly the array the hash covers), then the hash.
 */

/** What one group commit writes: the block's text and the keys its two indexes get. */
export interface EncodedBlock {
  records: ReadRecord[][];
  text: string;
  runs: string[];
  /** Distinct [spec_id, clause_id] pairs; '' stands for a null clause_id. */
  clauses: [string, string][];
  firstSeq: number;
  lastSeq: number;
  lastHash: string;
}

/**
 * Numbers and hashes the inputs from (seq, prevHash) on, in order, and renders the block. One string per
 * read (the canonical JSON) serves both the hash and the stored row.
 */
export function encodeBlock(
  batches: readonly (readonly ReadRecordInput[])[],
  from: { seq: number; hash: string },
): EncodedBlock {
  let seq = from.seq;
  let prevHash = from.hash;
  const parts: string[] = [];
  const runs: string[] = [];
  const clauseKeys = new Set<string>();
  const clauses: [string, string][] = [];
  const records: ReadRecord[][] = new Array(batches.length);
  for (let b = 0; b < batches.length; b++) {
    const inputs = batches[b] as readonly ReadRecordInput[];
    const out: ReadRecord[] = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      seq += 1;
      const record = newReadRecord(inputs[i] as ReadRecordInput, seq, prevHash);
      const canonical = canonicalRecordJson(record);
      const hash = hashCanonical(prevHash, canonical);
      record.hash = hash;
      parts.push(`${canonical.slice(0, -1)},"${hash}"]`);
      if (!runs.includes(record.run_id)) runs.push(record.run_id);
      if (record.spec_id !== null) {
        const clause = record.clause_id ?? '';
        const key = `${record.spec_id}\u0000${clause}`;
        if (!clauseKeys.has(key)) {
          clauseKeys.add(key);
          clauses.push([record.spec_id, clause]);
        }
      }
      prevHash = hash;
      out[i] = record;
    }
    records[b] = out;
  }
  return {
    records,
    text: `[${parts.join(',')}]`,
    runs,
    clauses,
    firstSeq: from.seq + 1,
    lastSeq: seq,
    lastHash: prevHash,
  };
}

/** A block whose text is not a JSON array of record arrays: edited or damaged outside SpecLedger. */
export class UnreadableBlockError extends Error {
  constructor(readonly firstSeq: number) {
    super(
      `the ledger block starting at seq ${firstSeq} is not readable (edited or damaged outside SpecLedger)`,
    );
  }
}

/**
 * The records of a stored block, in seq order, with values exactly as stored so that verify, not this decoder,
 * judges them. Throws UnreadableBlockError when the text is not a JSON array of arrays.
 */
export function decodeBlock(text: string, firstSeq: number): ReadRecord[] {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    throw new UnreadableBlockError(firstSeq);
  }
  if (!Array.isArray(rows)) throw new UnreadableBlockError(firstSeq);
  const records: ReadRecord[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as unknown;
    if (!Array.isArray(row)) throw new UnreadableBlockError(firstSeq);
    const record: Record<string, unknown> = {};
    for (let f = 0; f < RECORD_COLUMNS.length; f++) record[RECORD_COLUMNS[f] as string] = row[f] ?? null;
    records[i] = record as unknown as ReadRecord;
  }
  // Within a block records are written in seq order; sorting keeps a swap of two elements from reading
  // as a gap, so verify reports what actually changed (the records' content against their hashes).
  records.sort((a, b) => Number(a.seq) - Number(b.seq));
  return records;
}

/** Run summaries in order of each run's first read, as the `runs` query returns them. */
export function summarizeRuns(records: Iterable<ReadRecord>): RunSummary[] {
  const runs = new Map<string, RunSummary>();
  for (const r of records) {
    let run = runs.get(r.run_id);
    if (run === undefined) {
      run = {
        run_id: r.run_id,
        run_id_source: r.run_id_source,
        reads: 0,
        first_ts: r.ts,
        last_ts: r.ts,
        principals: [],
        clients: [],
      };
      runs.set(r.run_id, run);
    }
    run.reads += 1;
    if (r.ts < run.first_ts) run.first_ts = r.ts;
    if (r.ts > run.last_ts) run.last_ts = r.ts;
    if (r.principal !== null && !run.principals.includes(r.principal)) run.principals.push(r.principal);
    if (r.client_name !== null) {
      const client = r.client_version === null ? r.client_name : `${r.client_name}/${r.client_version}`;
      if (!run.clients.includes(client)) run.clients.push(client);
    }
  }
  return [...runs.values()];
}
