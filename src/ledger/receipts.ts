// Receipts: one read's record, its inclusion proof and the signed checkpoint it is proved against, checked offline without the ledger.

import { SpecLedgerError } from '../errors.js';
import { decodeBase64 } from './base64.js';
import { type NoteVerifierKey, openCheckpoint } from './checkpoint.js';
import { computeRecordHash, RECORD_COLUMNS } from './hash-chain.js';
import { type MerkleTree, verifyInclusion } from './merkle.js';
import { buildTree, latestCheckpoint } from './tree.js';
import { type LeafReader, recordLeafHash } from './tree-leaves.js';
import type { LedgerStore, ReadRecord, RecordHashFormat } from './types.js';

/**
 * v2 says how the record's hash was computed (`record_hash`, its ledger's format); a v1 receipt, written before
 * ledgers had a choice, is a 'prev-json' one. An older SpecLedger refuses v2 as not a receipt, rather than calling a
 * 'leaf' record edited.
 */
export const RECEIPT_TYPE = 'https://specledger.dev/receipt/v2';
const RECEIPT_TYPE_V1 = 'https://specledger.dev/receipt/v1';

export interface Receipt {
  receipt: typeof RECEIPT_TYPE;
  /** The record hash format of the ledger the record is in. */
  record_hash: RecordHashFormat;
  record: ReadRecord;
  /** The record's position in the tree: seq − 1. */
  leaf_index: number;
  tree_size: number;
  /** RFC 6962 audit path, bottom up, base64. */
  inclusion_proof: string[];
  /** The signed checkpoint (C2SP signed note) whose root the proof leads to. */
  checkpoint: string;
}

/** The receipt of `record` in `tree`, proved against `checkpointNote`, which must sign tree.size leaves. */
export function createReceipt(
  record: ReadRecord,
  recordHash: RecordHashFormat,
  tree: MerkleTree,
  checkpointNote: string,
): Receipt {
  return {
    receipt: RECEIPT_TYPE,
    record_hash: recordHash,
    record,
    leaf_index: record.seq - 1,
    tree_size: tree.size,
    inclusion_proof: tree.inclusionProof(record.seq - 1).map((h) => h.toString('base64')),
    checkpoint: checkpointNote,
  };
}

/**
 * One receipt per record, proved against the latest stored checkpoint, which must cover them all. Builds the tree
 * of that checkpoint once (a walk of the ledger up to it); each receipt after that costs O(log² n) hashes. What
 * `prove` writes, and what get_provenance can return for a run on request.
 */
export async function proveRecords(
  store: LedgerStore,
  records: readonly ReadRecord[],
  leaves?: LeafReader,
): Promise<Receipt[]> {
  const latest = await latestCheckpoint(store);
  if (latest === null)
    throw new SpecLedgerError(
      'NOT_FOUND',
      'the ledger holds no checkpoint yet: run specledger checkpoint --key PRIV first (or prove --key)',
    );
  const newest = Math.max(...records.map((r) => r.seq));
  if (newest > latest.checkpoint.size)
    throw new SpecLedgerError(
      'NOT_FOUND',
      `seq ${newest} is newer than the latest checkpoint (size ${latest.checkpoint.size}): take one with specledger checkpoint --key PRIV (or prove --key)`,
    );
  const tree = await buildTree(store, latest.checkpoint.size, leaves);
  if (tree.size !== latest.checkpoint.size || !tree.root().equals(latest.checkpoint.root))
    throw new SpecLedgerError(
      'INVALID_ARGUMENT',
      `the ledger no longer matches its latest checkpoint (size ${latest.checkpoint.size}): run specledger verify --since with a checkpoint you kept`,
    );
  return records.map((record) => createReceipt(record, store.recordHash, tree, latest.note));
}

function invalid(message: string): SpecLedgerError {
  return new SpecLedgerError('INVALID_ARGUMENT', `receipt rejected: ${message}`);
}

/** A receipt parsed from JSON, every field checked for shape before anything is trusted. */
export function parseReceipt(text: string): Receipt {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw invalid(`not JSON (${(cause as Error).message})`);
  }
  const r = value as (Omit<Partial<Receipt>, 'receipt'> & { receipt?: unknown }) | null;
  if (r === null || typeof r !== 'object' || (r.receipt !== RECEIPT_TYPE && r.receipt !== RECEIPT_TYPE_V1))
    throw invalid(`not a receipt (expected "receipt": "${RECEIPT_TYPE}")`);
  if (r.receipt === RECEIPT_TYPE_V1) {
    if ('record_hash' in r) throw invalid('a v1 receipt has no record_hash');
    r.record_hash = 'prev-json';
    r.receipt = RECEIPT_TYPE;
  } else if (r.record_hash !== 'leaf' && r.record_hash !== 'prev-json')
    throw invalid('record_hash must be "leaf" or "prev-json"');
  if (!Number.isSafeInteger(r.leaf_index) || !Number.isSafeInteger(r.tree_size))
    throw invalid('leaf_index and tree_size must be whole numbers');
  if (
    !Array.isArray(r.inclusion_proof) ||
    !r.inclusion_proof.every((p) => typeof p === 'string' && decodeBase64(p)?.length === 32)
  )
    throw invalid('inclusion_proof must be a list of 32-byte hashes in canonical base64');
  if (typeof r.checkpoint !== 'string') throw invalid('checkpoint must be a signed note');
  const record = r.record as Record<string, unknown> | undefined;
  if (
    record === undefined ||
    typeof record !== 'object' ||
    record === null ||
    !RECORD_COLUMNS.every((c) => c in record)
  )
    throw invalid(`record must hold every field (${RECORD_COLUMNS.join(', ')})`);
  return r as Receipt;
}

/** What a receipt proves once checked: this record is entry `seq` of the log `origin` at `tree_size`. */
interface VerifiedReceipt {
  origin: string;
  tree_size: number;
  record: ReadRecord;
}

/**
 * Checks a receipt with the log's verifier key alone: the checkpoint is signed by the key and speaks for its log,
 * the record matches its own chain hash in the format the receipt names, and the inclusion proof leads from the record to the checkpoint's root.
 */
export function verifyReceipt(receipt: Receipt, key: NoteVerifierKey): VerifiedReceipt {
  let checkpoint: ReturnType<typeof openCheckpoint>;
  try {
    checkpoint = openCheckpoint(receipt.checkpoint, key);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const { record } = receipt;
  if (receipt.tree_size !== checkpoint.size)
    throw invalid(`tree_size ${receipt.tree_size} is not the checkpoint's size ${checkpoint.size}`);
  if (receipt.leaf_index !== record.seq - 1 || record.seq < 1)
    throw invalid(`leaf_index ${receipt.leaf_index} is not seq ${record.seq} − 1`);
  if (record.seq > checkpoint.size)
    throw invalid(`seq ${record.seq} is beyond the checkpoint (size ${checkpoint.size})`);
  if (computeRecordHash(record, receipt.record_hash) !== record.hash)
    throw invalid(`seq ${record.seq}: the record does not match its ${receipt.record_hash} hash (edited)`);
  const proof = receipt.inclusion_proof.map((p) => decodeBase64(p)!);
  if (!verifyInclusion(receipt.leaf_index, checkpoint.size, recordLeafHash(record), proof, checkpoint.root))
    throw invalid(
      `seq ${record.seq}: the inclusion proof does not lead to the checkpoint's root (the proof is truncated or altered, or the record was changed)`,
    );
  return { origin: checkpoint.origin, tree_size: checkpoint.size, record };
}
