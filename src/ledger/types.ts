// The ledger's contract: what a read record holds and what every store (SQLite, PostgreSQL) must do.

export type ReadKind = 'root' | 'outline' | 'clause' | 'search' | 'resource' | 'path';

/**
 * How a run ID was learned, most explicit first. `none`: no hint and nothing the transport can witness
 * (sessionless HTTP), so reads are grouped per principal per server process.
 */
export const RUN_ID_SOURCES = [
  'argument',
  'meta',
  'traceparent',
  'baggage',
  'header',
  'env',
  'session',
  'connection',
  'none',
] as const;

export type RunIdSource = (typeof RUN_ID_SOURCES)[number];

export interface ReadRecordInput {
  /** ISO-8601 timestamp with milliseconds. */
  ts: string;
  run_id: string;
  run_id_source: RunIdSource;
  principal: string | null;
  session_id: string | null;
  client_name: string | null;
  client_version: string | null;
  transport: 'stdio' | 'http' | 'memory';
  tool: string;
  kind: ReadKind;
  spec_id: string | null;
  clause_id: string | null;
  spec_version: string | null;
  status: string | null;
  /** `sha256:<hex>` of the exact text served. */
  digest: string | null;
  git_commit: string | null;
  tokens: number;
  /** The exact text served; stored once per digest (content-addressed), not in the record itself. */
  text?: string;
}

export interface ReadRecord extends Omit<ReadRecordInput, 'text'> {
  seq: number;
  prev_hash: string;
  hash: string;
}

export interface RunSummary {
  run_id: string;
  run_id_source: RunIdSource;
  first_ts: string;
  last_ts: string;
  reads: number;
  principals: string[];
  clients: string[];
}

/**
 * The reads of one ref at one digest, by one run, from one principal and client: what a store keeps at commit
 * time so that who-read and stale cost what they answer, not what the ledger holds. Only reads of a spec.
 */
export interface ReadGroup {
  run_id: string;
  kind: ReadKind;
  spec_id: string;
  clause_id: string | null;
  digest: string | null;
  principal: string | null;
  client_name: string | null;
  client_version: string | null;
  reads: number;
  first_seq: number;
  last_seq: number;
  first_ts: string;
  last_ts: string;
}

/** A run's groups (stale), or the groups of a spec, optionally one clause and one digest (who-read). */
export type ReadGroupFilter = { run_id: string } | { spec_id: string; clause_id?: string; digest?: string };

export interface ReadFilter {
  run_id?: string;
  spec_id?: string;
  clause_id?: string;
  digest?: string;
}

export type VerifyResult =
  | { ok: true; records: number }
  | { ok: false; records: number; seq: number; reason: string };

export interface LedgerHealth {
  writable: boolean;
  /** Why the store cannot take writes, when it cannot. */
  problem?: string;
  /** Damage found when the ledger was opened (the store still records; `specledger verify` names it). */
  damage?: string;
}

/** Where a store reports what an operator must know: failed writes, their recovery, damage found at open. */
export type LedgerLog = (level: 'error' | 'warn' | 'info', message: string) => void;

/** What the Merkle tree keeps in the ledger: the latest signed checkpoint and the compact range it was signed over. */
export type TreeMetaKey = 'checkpoint' | 'checkpoint_range';

/**
 * How a ledger hashes its records, fixed when it is created and kept in it (SQLite and PostgreSQL `meta`,
 * `record_hash`). Both cover the record's canonical JSON, whose last field is prev_hash, so either chains.
 * - 'leaf' (every ledger created since SQLite schema 4 and PostgreSQL schema 3): SHA-256(0x00 ‖ canonical JSON),
 *   the record's RFC 6962 Merkle leaf. A tree built from scratch then hashes each record once, both to check its
 *   chain hash and to get its leaf, where 'prev-json' takes two hashes (~40% of a full build here,
 *   bench/ledger-proofs.mjs).
 * - 'prev-json' (every ledger created before): SHA-256(prev_hash hex ‖ canonical JSON). A ledger keeps its format
 *   for good: rehashing its records would throw away the evidence its chain is.
 * hash-chain.ts computes both.
 */
export type RecordHashFormat = 'leaf' | 'prev-json';

export interface LedgerStore {
  /** How this ledger hashes its records into the chain. */
  readonly recordHash: RecordHashFormat;
  /** Appends records in order, extending the hash chain; resolves only once they are durably committed. */
  append(records: readonly ReadRecordInput[]): Promise<ReadRecord[]>;
  /** Every run, in order of its first read. */
  runs(): Promise<RunSummary[]>;
  /** One run's summary, or null when the ledger holds no read of it. */
  run(runId: string): Promise<RunSummary | null>;
  /** The read groups matching the filter, in order of their first read. */
  readGroups(filter: ReadGroupFilter): Promise<ReadGroup[]>;
  reads(filter: ReadFilter): Promise<ReadRecord[]>;
  /** The exact text served under a digest, as the ledger stored it when it was read (its `snapshots` table), or null. */
  servedText(digest: string): Promise<string | null>;
  /** Walks the whole chain; `onProgress` hears how far it got (records checked, records in the ledger). */
  verify(options?: VerifyOptions): Promise<VerifyResult>;
  /** Up to `limit` records with seq > afterSeq, in seq order: how the Merkle tree reads the ledger, a page at a time. */
  recordsAfter(afterSeq: number, limit: number): Promise<ReadRecord[]>;
  /** A value the ledger keeps beside its records (the latest signed checkpoint, the tree state), or null. */
  treeMeta(key: TreeMetaKey): Promise<string | null>;
  /** Stores a tree value; the ledger must be writable. */
  setTreeMeta(key: TreeMetaKey, value: string): Promise<void>;
  /**
   * Whether the store can take writes, as far as it can tell without writing a record (for /readyz, which
   * orchestrators probe every few seconds): a write that failed keeps it unwritable until a write succeeds again.
   */
  health(): Promise<LedgerHealth>;
  close(): Promise<void>;
}

export interface VerifyOptions {
  onProgress?: (checked: number, total: number) => void;
}
