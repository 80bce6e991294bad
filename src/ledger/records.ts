// Record shapes shared by every store and query: validating input, the hashed row, a run's reads.
import { SpecLedgerError } from '../errors.js';
import {
  type LedgerStore,
  type ReadKind,
  type ReadRecord,
  type ReadRecordInput,
  RUN_ID_SOURCES,
  type RunIdSource,
} from './types.js';

const KINDS: ReadonlySet<ReadKind> = new Set(['root', 'outline', 'clause', 'search', 'resource', 'path']);
const SOURCES: ReadonlySet<RunIdSource> = new Set(RUN_ID_SOURCES);
const TRANSPORTS: ReadonlySet<string> = new Set(['stdio', 'http', 'memory']);

/** The record fields that may be null (a string otherwise); every other field is required. */
export const NULLABLE_FIELDS = [
  'principal',
  'session_id',
  'client_name',
  'client_version',
  'spec_id',
  'clause_id',
  'spec_version',
  'status',
  'digest',
  'git_commit',
] as const satisfies readonly (keyof ReadRecordInput)[];

function invalid(message: string): SpecLedgerError {
  return new SpecLedgerError('INVALID_ARGUMENT', `invalid ledger record: ${message}`);
}

/**
 * Rejects a malformed record before it joins a group commit: one bad record must fail its own
 * caller, not every read that happened to share the transaction.
 */
export function validateInput(input: ReadRecordInput): void {
  for (const field of ['ts', 'run_id', 'tool'] as const) {
    if (typeof input[field] !== 'string' || input[field] === '')
      throw invalid(`${field} must be a non-empty string`);
  }
  if (!SOURCES.has(input.run_id_source))
    throw invalid(`unknown run_id_source "${String(input.run_id_source)}"`);
  if (!TRANSPORTS.has(input.transport)) throw invalid(`unknown transport "${String(input.transport)}"`);
  if (!KINDS.has(input.kind)) throw invalid(`unknown kind "${String(input.kind)}"`);
  if (!Number.isSafeInteger(input.tokens) || input.tokens < 0)
    throw invalid('tokens must be a non-negative integer');
  for (const field of NULLABLE_FIELDS) {
    const value: unknown = input[field];
    if (value !== null && value !== undefined && typeof value !== 'string')
      throw invalid(`${field} must be a string or null`);
  }
  if (input.text !== undefined && typeof input.text !== 'string') throw invalid('text must be a string');
}

/**
 * The record as stored and hashed, in column order, with absent optional fields as null (what a store
 * reads back must be exactly what was hashed, and SQL gives NULL, never undefined), and `hash` left
 * empty for the caller to fill in once computed: one object per read on the write path.
 */
export function newReadRecord(input: ReadRecordInput, seq: number, prevHash: string): ReadRecord {
  return {
    seq,
    ts: input.ts,
    run_id: input.run_id,
    run_id_source: input.run_id_source,
    principal: input.principal ?? null,
    session_id: input.session_id ?? null,
    client_name: input.client_name ?? null,
    client_version: input.client_version ?? null,
    transport: input.transport,
    tool: input.tool,
    kind: input.kind,
    spec_id: input.spec_id ?? null,
    clause_id: input.clause_id ?? null,
    spec_version: input.spec_version ?? null,
    status: input.status ?? null,
    digest: input.digest ?? null,
    git_commit: input.git_commit ?? null,
    tokens: input.tokens,
    prev_hash: prevHash,
    hash: '',
  };
}

/** The error for a run the ledger holds no read of. */
export function unknownRun(runId: string): SpecLedgerError {
  return new SpecLedgerError(
    'NOT_FOUND',
    `no reads recorded for run "${runId}" (list runs with: specledger runs list)`,
  );
}

/** The run's reads in seq order; throws NOT_FOUND when the ledger holds none. */
export async function readsOfRun(store: LedgerStore, runId: string): Promise<ReadRecord[]> {
  const records = await store.reads({ run_id: runId });
  if (records.length === 0) throw unknownRun(runId);
  return records;
}

/** newReadRecord without the hash slot, for code that hashes a record before it has one. */
export function toReadRecord(
  input: ReadRecordInput,
  seq: number,
  prevHash: string,
): Omit<ReadRecord, 'hash'> {
  const { hash: _unset, ...record } = newReadRecord(input, seq, prevHash);
  return record;
}
