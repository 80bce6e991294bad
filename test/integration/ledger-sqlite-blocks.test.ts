// Property-based: whatever a record holds, the SQLite ledger's compact blocks give it back exactly, written or upgraded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECORD_COLUMNS } from '../../src/ledger/hash-chain.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import type { ReadRecordInput } from '../../src/ledger/types.js';
import { chainPrevJson, writeVersion2Ledger } from '../fixtures/ledger-old-formats.js';

const RUNS = 40;

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('', 'run-1', 'auth', 'AUTH-1', '日本語', '\u0000', '\u0001x', '"quoted"', '[1,2]'),
);
const nullable = fc.option(text, { nil: null });
const ts = fc.oneof(
  fc
    .date({ min: new Date(0), max: new Date('2999-12-31T23:59:59.999Z'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2025-02-30T00:00:00.000Z',
    '2025-03-01T10:00:00Z',
    '2025-03-01 10:00:00',
    'yesterday',
    '1e3',
  ),
  fc.string({ minLength: 1, maxLength: 10 }),
);

const input: fc.Arbitrary<ReadRecordInput> = fc.record({
  ts,
  run_id: fc.constantFrom('run-a', 'run-b', 'run-é', 'run "q"'),
  run_id_source: fc.constantFrom('argument', 'header', 'env', 'session'),
  principal: fc.option(fc.constantFrom('alice', 'bob', ''), { nil: null }),
  session_id: nullable,
  client_name: nullable,
  client_version: nullable,
  transport: fc.constantFrom('stdio', 'http', 'memory'),
  tool: fc.constantFrom('get_clause', 'read_root', 'search_specs'),
  kind: fc.constantFrom('root', 'outline', 'clause', 'search', 'resource', 'path'),
  spec_id: fc.option(fc.constantFrom('auth', 'billing', 'sp ec/é'), { nil: null }),
  clause_id: nullable,
  spec_version: nullable,
  status: nullable,
  digest: nullable,
  git_commit: nullable,
  tokens: fc.nat({ max: 100_000 }),
}) as fc.Arbitrary<ReadRecordInput>;

describe('the SQLite block layout', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'specledger-blocks-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns every appended record exactly as append returned it, and verifies', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(input, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        async (batches) => {
          const store = openSqliteStore(join(dir, `ledger-${n++}.db`));
          try {
            const appended = (await Promise.all(batches.map((batch) => store.append(batch)))).flat();
            appended.sort((a, b) => a.seq - b.seq);
            expect(await store.reads({})).toEqual(appended);
            expect(await store.verify()).toEqual({ ok: true, records: appended.length });
            for (const runId of new Set(appended.map((r) => r.run_id)))
              expect(await store.reads({ run_id: runId })).toEqual(
                appended.filter((r) => r.run_id === runId),
              );
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('keeps every value of an upgraded version 2 ledger, tampered ones included', async () => {
    let n = 0;
    const tamper = fc.record({
      seq: fc.nat({ max: 30 }),
      column: fc.constantFrom(...RECORD_COLUMNS),
      value: fc.oneof(text, fc.integer(), fc.constant(null), fc.constant(true), fc.constant({ a: 1 })),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(input, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        fc.option(tamper, { nil: undefined }),
        async (inputs, blockSize, edit) => {
          const records = chainPrevJson(inputs);
          // What version 2 stored, as version 2 read it back: JSON values, in seq order within a block.
          const stored = records.map((r) => ({ ...r })) as Record<string, unknown>[];
          const path = join(dir, `v2-${n++}.db`);
          writeVersion2Ledger(path, records, blockSize, (row, seq) => {
            if (edit && seq === edit.seq) {
              const at = RECORD_COLUMNS.indexOf(edit.column);
              row[at] = edit.value;
              (stored[seq - 1] as Record<string, unknown>)[edit.column] = edit.value;
            }
          });
          const store = openSqliteStore(path);
          try {
            const expected = [];
            for (let i = 0; i < stored.length; i += blockSize)
              expected.push(...stored.slice(i, i + blockSize).sort((a, b) => Number(a.seq) - Number(b.seq)));
            expect(await store.reads({})).toEqual(expected);
            const verdict = await store.verify();
            if (edit === undefined) expect(verdict).toEqual({ ok: true, records: records.length });
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
