// `attest`: a run's reads as an in-toto Statement v1 with an SLSA v1 provenance predicate, one dependency per clause read.
import { createHash } from 'node:crypto';
import { SpecLedgerError } from '../errors.js';
import { readsOfRun } from './records.js';
import { digestHex, formatRef } from './refs.js';
import type { LedgerStore, ReadRecord, RunIdSource } from './types.js';

export interface AttestOptions {
  /** The commit the run produced; when given it is the subject, otherwise the run itself is. */
  commit?: string;
  /** SLSA `builder.id`: who vouches for the statement. */
  builderId?: string;
  /** When the statement is made; injectable so output is reproducible in tests. */
  now?: Date;
}

export interface ResourceDescriptor {
  name?: string;
  uri: string;
  digest: Record<string, string>;
  annotations?: Record<string, string | null>;
}

export interface InTotoStatement {
  _type: 'https://in-toto.io/Statement/v1';
  subject: { name: string; digest: Record<string, string> }[];
  predicateType: 'https://slsa.dev/provenance/v1';
  predicate: {
    buildDefinition: {
      buildType: 'https://specledger.dev/run/v1';
      externalParameters: { run_id: string; run_id_source: RunIdSource };
      internalParameters: { attested_on: string; reads: number };
      resolvedDependencies: ResourceDescriptor[];
    };
    runDetails: {
      builder: { id: string };
      metadata: { invocationId: string; startedOn: string; finishedOn: string };
    };
  };
}

export const DEFAULT_BUILDER_ID = 'https://specledger.dev/builder/v1';

// in-toto's gitCommit digest is the full object name: 40 hex (SHA-1) or 64 hex (SHA-256 repositories).
const COMMIT_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * sha256 over the run's record hashes in seq order: it pins the statement to the exact ledger
 * records, so anyone holding the ledger can recompute it, and any later edit breaks the match.
 */
function runDigest(records: readonly ReadRecord[]): string {
  const hash = createHash('sha256');
  for (const record of records) hash.update(`${record.seq}:${record.hash}\n`);
  return hash.digest('hex');
}

export function clauseUri(specId: string, clauseId: string | null, hex: string): string {
  const path =
    clauseId === null
      ? encodeURIComponent(specId)
      : `${encodeURIComponent(specId)}/${encodeURIComponent(clauseId)}`;
  return `spec://${path}@sha256:${hex}`;
}

/** One entry per distinct (clause, digest) the run read, in the order first read. */
function resolvedDependencies(records: readonly ReadRecord[]): ResourceDescriptor[] {
  const seen = new Map<string, ResourceDescriptor>();
  for (const record of records) {
    if (record.kind !== 'clause' || record.spec_id === null || record.digest === null) continue;
    const hex = digestHex(record.digest);
    const uri = clauseUri(record.spec_id, record.clause_id, hex);
    if (seen.has(uri)) continue;
    seen.set(uri, {
      name: formatRef(record.spec_id, record.clause_id) as string,
      uri,
      digest: { sha256: hex },
      annotations: {
        spec_version: record.spec_version,
        status: record.status,
        git_commit: record.git_commit,
      },
    });
  }
  return [...seen.values()];
}

export async function attest(
  store: LedgerStore,
  runId: string,
  options: AttestOptions = {},
): Promise<InTotoStatement> {
  const commit = options.commit?.trim().toLowerCase();
  if (commit !== undefined && !COMMIT_RE.test(commit)) {
    throw new SpecLedgerError(
      'INVALID_ARGUMENT',
      `invalid commit "${options.commit}": expected the full 40-hex SHA (e.g. from git rev-parse HEAD)`,
    );
  }
  const records = await readsOfRun(store, runId);
  const first = records[0] as ReadRecord;
  let startedOn = first.ts;
  let finishedOn = first.ts;
  for (const record of records) {
    if (record.ts < startedOn) startedOn = record.ts;
    if (record.ts > finishedOn) finishedOn = record.ts;
  }
  const subject =
    commit === undefined
      ? [{ name: `run:${runId}`, digest: { sha256: runDigest(records) } }]
      : [{ name: `git+commit:${commit}`, digest: { gitCommit: commit } }];
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject,
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: {
        buildType: 'https://specledger.dev/run/v1',
        externalParameters: { run_id: runId, run_id_source: first.run_id_source },
        internalParameters: { attested_on: (options.now ?? new Date()).toISOString(), reads: records.length },
        resolvedDependencies: resolvedDependencies(records),
      },
      runDetails: {
        builder: { id: options.builderId ?? DEFAULT_BUILDER_ID },
        metadata: { invocationId: runId, startedOn, finishedOn },
      },
    },
  };
}
