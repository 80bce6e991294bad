// `attest --commit SHA` without a ledger: an in-toto Statement whose subject is the commit, built from its note.
import { clauseUri, DEFAULT_BUILDER_ID, type ResourceDescriptor } from '../ledger/attest.js';
import { digestHex, parseRef } from '../ledger/refs.js';
import type { Note, NoteRun } from './note.js';

export interface CommitStatement {
  _type: 'https://in-toto.io/Statement/v1';
  subject: { name: string; digest: { gitCommit: string } }[];
  predicateType: 'https://slsa.dev/provenance/v1';
  predicate: {
    buildDefinition: {
      /** Not the ledger's run/v1: what is attested is the note git carries, which a ledger need not be at hand for. */
      buildType: 'https://specledger.dev/commit-note/v1';
      externalParameters: { commit: string; runs: Array<Pick<NoteRun, 'run' | 'via' | 'source' | 'client'>> };
      internalParameters: { attested_on: string; notes_ref: string };
      resolvedDependencies: ResourceDescriptor[];
    };
    runDetails: {
      builder: { id: string };
      metadata: { invocationId: string };
    };
  };
}

export interface AttestCommitOptions {
  builderId?: string;
  now?: Date;
  notesRef: string;
}

export function attestCommit(commit: string, note: Note, options: AttestCommitOptions): CommitStatement {
  const deps = new Map<string, ResourceDescriptor>();
  for (const c of note.clauses) {
    const parsed = parseRef(c.ref);
    const hex = digestHex(c.digest);
    const uri = clauseUri(parsed.spec_id, parsed.clause_id, hex);
    if (deps.has(uri)) continue;
    deps.set(uri, {
      name: c.ref,
      uri,
      digest: { sha256: hex },
      annotations: { spec_version: c.version, status: c.status, git_commit: c.commit, path: c.path },
    });
  }
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: `git+commit:${commit}`, digest: { gitCommit: commit } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: {
        buildType: 'https://specledger.dev/commit-note/v1',
        externalParameters: {
          commit,
          runs: note.runs.map((r) => ({ run: r.run, via: r.via, source: r.source, client: r.client })),
        },
        internalParameters: {
          attested_on: (options.now ?? new Date()).toISOString(),
          notes_ref: options.notesRef,
        },
        resolvedDependencies: [...deps.values()],
      },
      runDetails: {
        builder: { id: options.builderId ?? DEFAULT_BUILDER_ID },
        metadata: { invocationId: note.runs.map((r) => r.run).join(',') },
      },
    },
  };
}
