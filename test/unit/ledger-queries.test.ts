// Ledger queries (runs show, who-read, stale, attest) answered from a real SQLite ledger.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attest, runShow, runsList, staleReads, whoRead } from '../../src/ledger/queries.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import type { LedgerStore } from '../../src/ledger/types.js';
import { digestFor, readInput } from '../fixtures/ledger-records.js';

const V1 = digestFor('AUTH-1 v1');
const V2 = digestFor('AUTH-1 v2');
const AUTH2 = digestFor('AUTH-2');
const OUTLINE = digestFor('auth outline');
const COMMIT = `${'c0ffee'.repeat(6)}c0ff`;

let dir: string;
let store: LedgerStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'specledger-queries-'));
  store = openSqliteStore(join(dir, 'ledger.db'));
  await store.append([
    readInput({
      ts: '2025-03-01T10:00:00.000Z',
      kind: 'outline',
      clause_id: null,
      digest: OUTLINE,
      tool: 'get_outline',
    }),
    readInput({ ts: '2025-03-01T10:01:00.000Z', digest: V1, spec_version: '1.0.0' }),
    readInput({ ts: '2025-03-01T10:02:00.000Z', clause_id: 'AUTH-2', digest: AUTH2, principal: 'alice' }),
    readInput({
      ts: '2025-03-01T10:03:00.000Z',
      kind: 'search',
      spec_id: null,
      clause_id: null,
      digest: null,
      tool: 'search',
    }),
    readInput({ ts: '2025-03-01T10:04:00.000Z', digest: V1 }),
    readInput({
      ts: '2025-03-01T11:00:00.000Z',
      run_id: 'run-2',
      digest: V2,
      spec_version: '1.1.0',
      principal: 'bob',
    }),
    readInput({
      ts: '2025-03-01T11:01:00.000Z',
      run_id: 'run-2',
      spec_id: 'sp ec/é',
      clause_id: 'X-1',
      digest: AUTH2,
    }),
  ]);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('runShow', () => {
  it('lists the run with its reads as refs in seq order', async () => {
    const shown = await runShow(store, 'run-1');
    expect(shown.run).toEqual({
      id: 'run-1',
      source: 'argument',
      principals: ['ci-bot', 'alice'],
      clients: ['claude-code/1.2.3'],
      first_ts: '2025-03-01T10:00:00.000Z',
      last_ts: '2025-03-01T10:04:00.000Z',
    });
    expect(shown.reads.map((r) => r.ref)).toEqual([
      'auth',
      'auth#AUTH-1',
      'auth#AUTH-2',
      null,
      'auth#AUTH-1',
    ]);
    expect(shown.reads[1]).toEqual({
      seq: 2,
      ts: '2025-03-01T10:01:00.000Z',
      kind: 'clause',
      ref: 'auth#AUTH-1',
      digest: V1,
      version: '1.0.0',
      tool: 'get_clause',
      principal: 'ci-bot',
      transport: 'http',
    });
  });

  it('reports an unknown run as NOT_FOUND', async () => {
    await expect(runShow(store, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('runsList', () => {
  it('lists every run once, oldest first', async () => {
    expect((await runsList(store)).map((r) => [r.run_id, r.reads])).toEqual([
      ['run-1', 5],
      ['run-2', 2],
    ]);
  });
});

describe('whoRead', () => {
  it('lists the runs that read a clause with their counts and time span', async () => {
    const result = await whoRead(store, 'auth#AUTH-1');
    expect(result.ref).toBe('auth#AUTH-1');
    expect(result.digest).toBeNull();
    expect(result.runs).toEqual([
      expect.objectContaining({
        run_id: 'run-1',
        reads: 2,
        digests: [V1],
        first_ts: '2025-03-01T10:01:00.000Z',
        last_ts: '2025-03-01T10:04:00.000Z',
      }),
      expect.objectContaining({ run_id: 'run-2', reads: 1, digests: [V2], principals: ['bob'] }),
    ]);
  });

  it('narrows to one digest, given as an argument or as REF@DIGEST, with or without the sha256: prefix', async () => {
    for (const result of [
      await whoRead(store, 'auth#AUTH-1', V2),
      await whoRead(store, `auth#AUTH-1@${V2}`),
      await whoRead(store, 'auth#AUTH-1', V2.replace('sha256:', '')),
    ]) {
      expect(result.digest).toBe(V2);
      expect(result.runs.map((r) => r.run_id)).toEqual(['run-2']);
    }
  });

  it('matches any part of a spec when the ref names no clause', async () => {
    expect((await whoRead(store, 'auth')).runs.map((r) => [r.run_id, r.reads])).toEqual([
      ['run-1', 4],
      ['run-2', 1],
    ]);
  });

  it('rejects a malformed ref or digest as INVALID_ARGUMENT', async () => {
    await expect(whoRead(store, '#AUTH-1')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(whoRead(store, 'auth#AUTH-1', 'sha256:xyz')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

describe('staleReads', () => {
  it('reports changed and removed refs once each, judged by the last digest read, and nothing current', async () => {
    await store.append([
      readInput({ ts: '2025-03-01T10:05:00.000Z', clause_id: 'AUTH-3', digest: digestFor('AUTH-3') }),
    ]);
    const current = new Map<string, string>([
      ['auth', OUTLINE],
      ['auth#AUTH-1', V2],
      ['auth#AUTH-2', AUTH2],
    ]);
    const report = await staleReads(store, 'run-1', (spec, clause) => {
      const digest = current.get(clause === null ? spec : `${spec}#${clause}`);
      return digest === undefined ? undefined : { digest };
    });
    expect(report).toEqual({
      run: 'run-1',
      stale: [
        { ref: 'auth#AUTH-1', read_digest: V1, current_digest: V2, reason: 'changed' },
        { ref: 'auth#AUTH-3', read_digest: digestFor('AUTH-3'), current_digest: null, reason: 'removed' },
      ],
    });
  });

  it('reports nothing once the run re-read the new text', async () => {
    const report = await staleReads(store, 'run-2', () => ({ digest: V2 }));
    expect(report.stale.map((s) => s.ref)).toEqual(['sp ec/é#X-1']);
    await store.append([readInput({ run_id: 'run-2', spec_id: 'sp ec/é', clause_id: 'X-1', digest: V2 })]);
    expect((await staleReads(store, 'run-2', () => ({ digest: V2 }))).stale).toEqual([]);
  });
});

describe('attest', () => {
  it('produces an in-toto statement with one dependency per clause version read', async () => {
    const now = new Date('2025-03-02T00:00:00.000Z');
    const statement = await attest(store, 'run-1', {
      commit: COMMIT,
      builderId: 'https://ci.example/runner',
      now,
    });
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(statement.subject).toEqual([{ name: `git+commit:${COMMIT}`, digest: { gitCommit: COMMIT } }]);
    const { buildDefinition, runDetails } = statement.predicate;
    expect(buildDefinition.buildType).toBe('https://specledger.dev/run/v1');
    expect(buildDefinition.externalParameters).toEqual({ run_id: 'run-1', run_id_source: 'argument' });
    expect(buildDefinition.resolvedDependencies).toEqual([
      {
        name: 'auth#AUTH-1',
        uri: `spec://auth/AUTH-1@${V1}`,
        digest: { sha256: V1.slice('sha256:'.length) },
        annotations: { spec_version: '1.0.0', status: 'approved', git_commit: 'a'.repeat(40) },
      },
      expect.objectContaining({ uri: `spec://auth/AUTH-2@${AUTH2}`, digest: { sha256: AUTH2.slice(7) } }),
    ]);
    expect(runDetails).toEqual({
      builder: { id: 'https://ci.example/runner' },
      metadata: {
        invocationId: 'run-1',
        startedOn: '2025-03-01T10:00:00.000Z',
        finishedOn: '2025-03-01T10:04:00.000Z',
      },
    });
    expect(JSON.parse(JSON.stringify(statement))).toEqual(statement);
  });

  it('makes the run the subject when no commit is given, and URI-encodes spec ids', async () => {
    const statement = await attest(store, 'run-2');
    expect(statement.subject).toEqual([
      { name: 'run:run-2', digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } },
    ]);
    expect(statement.predicate.buildDefinition.resolvedDependencies.map((d) => d.uri)).toEqual([
      `spec://auth/AUTH-1@${V2}`,
      `spec://sp%20ec%2F%C3%A9/X-1@${AUTH2}`,
    ]);
  });

  it('rejects a short or malformed commit', async () => {
    await expect(attest(store, 'run-1', { commit: 'abc123' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
