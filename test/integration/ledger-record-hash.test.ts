// A ledger's record hash format: a new ledger hashes each record as its Merkle leaf, a ledger created before keeps
// the prev-json hashes its chain was written with through every upgrade, a format SpecLedger does not know (or a
// format row changed or deleted) is refused, and receipts say which formula their record's hash is. Both stores.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from '../../src/ledger/checkpoint.js';
import { computeRecordHash } from '../../src/ledger/hash-chain.js';
import {
  COLUMNS,
  migrations,
  SCHEMA_VERSION as PG_SCHEMA_VERSION,
} from '../../src/ledger/postgres-schema.js';
import { openPostgresStore } from '../../src/ledger/postgres-store.js';
import { parseReceipt, proveRecords, RECEIPT_TYPE, verifyReceipt } from '../../src/ledger/receipts.js';
import { SCHEMA_VERSION } from '../../src/ledger/sqlite-schema.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { buildTree, openLeafReader, takeCheckpoint } from '../../src/ledger/tree.js';
import { storeLeafReader } from '../../src/ledger/tree-leaves.js';
import type { LedgerStore, RecordHashFormat } from '../../src/ledger/types.js';
import { verifyFromCheckpoint } from '../../src/ledger/verify-incremental.js';
import { oldRecords, writeVersion2Ledger } from '../fixtures/ledger-old-formats.js';
import { readInput } from '../fixtures/ledger-records.js';
import { removeLedger } from '../helpers/ledger-files.js';
import { openTestPostgres } from '../helpers/postgres.js';

const meta = (path: string, key: string): string | undefined => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)
      ?.value;
  } finally {
    db.close();
  }
};

/** The root of `store`'s tree read through `leaves`, and through the store's own records. */
async function roots(store: LedgerStore, path: string): Promise<[string, string]> {
  const fast = openLeafReader(path, store, { threads: 1 });
  try {
    const direct = (await buildTree(store, undefined, fast)).root().toString('hex');
    const viaRecords = (await buildTree(store, undefined, storeLeafReader(store))).root().toString('hex');
    return [direct, viaRecords];
  } finally {
    await fast.close();
  }
}

describe('SQLite record hash format', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'specledger-record-hash-'));
    path = join(dir, 'ledger.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records leaf for a new ledger, at the current schema version', async () => {
    const store = openSqliteStore(path);
    await store.append([readInput()]);
    await store.close();
    expect(meta(path, 'record_hash')).toBe('leaf');
    expect(meta(path, 'schema_version')).toBe(String(SCHEMA_VERSION));
  });

  /** A version 3 file, as SpecLedger wrote it before record_hash: prev-json hashes and no record_hash row. */
  async function writeVersion3(count: number): Promise<void> {
    writeVersion2Ledger(path, oldRecords(count), 7);
    await openSqliteStore(path).close();
    const db = new Database(path);
    db.exec(
      `DELETE FROM meta WHERE key = 'record_hash'; UPDATE meta SET value = '3' WHERE key = 'schema_version'`,
    );
    db.close();
  }

  it('reads a version 3 ledger as it is, read-only, as prev-json, its tree the same by either reader', async () => {
    await writeVersion3(300);
    const store = openSqliteStore(path, { readonly: true });
    try {
      expect(store.recordHash).toBe('prev-json');
      expect(await store.verify()).toEqual({ ok: true, records: 300 });
      const [direct, viaRecords] = await roots(store, path);
      expect(direct).toBe(viaRecords);
    } finally {
      await store.close();
    }
    expect(meta(path, 'schema_version')).toBe('3');
  });

  it('upgrades a version 3 ledger in place keeping prev-json, and appends to it in that format', async () => {
    await writeVersion3(300);
    const store = openSqliteStore(path);
    try {
      expect(store.recordHash).toBe('prev-json');
      const [next] = await store.append([readInput()]);
      expect(next?.hash).toBe(computeRecordHash(next as NonNullable<typeof next>, 'prev-json'));
      expect(await store.verify()).toEqual({ ok: true, records: 301 });
    } finally {
      await store.close();
    }
    expect(meta(path, 'record_hash')).toBe('prev-json');
    expect(meta(path, 'schema_version')).toBe(String(SCHEMA_VERSION));
  });

  it('catches an edited record in either format, on the fast path and record by record', async () => {
    for (const format of ['leaf', 'prev-json'] as const) {
      removeLedger(path);
      if (format === 'leaf') {
        const store = openSqliteStore(path);
        for (let i = 0; i < 3; i++) await store.append(Array.from({ length: 10 }, () => readInput()));
        await store.close();
      } else await writeVersion3(30);
      // Seq 13's tokens, in whichever block holds it.
      const db = new Database(path);
      const first = db
        .prepare('SELECT max(first_seq) FROM blocks WHERE first_seq <= 13')
        .pluck()
        .get() as number;
      db.prepare(
        `UPDATE blocks SET records = json_replace(records, '$[${13 - first}][3]', 999) WHERE first_seq = ?`,
      ).run(first);
      db.close();
      const store = openSqliteStore(path, { readonly: true });
      try {
        expect(store.recordHash).toBe(format);
        expect(await store.verify()).toMatchObject({ ok: false, seq: 13 });
        await expect(buildTree(store, undefined, storeLeafReader(store))).rejects.toThrow(/seq 13: hash/);
      } finally {
        await store.close();
      }
    }
  });

  it('refuses to append to a ledger whose record_hash was flipped, and verify says what changed', async () => {
    const store = openSqliteStore(path);
    await store.append([readInput(), readInput()]);
    await store.close();
    const db = new Database(path);
    db.prepare(`UPDATE meta SET value = 'prev-json' WHERE key = 'record_hash'`).run();
    db.close();
    expect(() => openSqliteStore(path)).toThrow(
      /for writing: seq 1: hashed as leaf, but the ledger's meta record_hash says prev-json \(the meta row was changed\); new records would be hashed in a format its chain is not/,
    );
    const reader = openSqliteStore(path, { readonly: true });
    try {
      expect(await reader.verify()).toMatchObject({
        ok: false,
        seq: 1,
        reason: expect.stringMatching(/hashed as leaf, but the ledger's meta record_hash says prev-json/),
      });
    } finally {
      await reader.close();
    }
  });

  it('still refuses a writer when an end block cannot be read, and names the flip in verify --from-checkpoint', async () => {
    const store = openSqliteStore(path);
    for (let i = 0; i < 3; i++) await store.append([readInput(), readInput()]);
    const keys = generateNoteKey('test.example/flip');
    await takeCheckpoint(store, parseSignerKey(keys.signer));
    await store.close();
    const db = new Database(path);
    db.prepare(`UPDATE meta SET value = 'prev-json' WHERE key = 'record_hash'`).run();
    db.close();
    const reader = openSqliteStore(path, { readonly: true });
    try {
      expect(
        await verifyFromCheckpoint(reader, parseVerifierKey(keys.verifier), storeLeafReader(reader)),
      ).toMatchObject({
        ok: false,
        reason: expect.stringMatching(
          /^seq 6: hashed as leaf, but the ledger's meta record_hash says prev-json/,
        ),
      });
    } finally {
      await reader.close();
    }
    // The newest block emptied: its records cannot be read, and the first one still shows the flip.
    const edit = new Database(path);
    edit.prepare(`UPDATE blocks SET records = '[]' WHERE first_seq = 5`).run();
    edit.close();
    expect(() => openSqliteStore(path)).toThrow(/for writing: seq 1: hashed as leaf/);
  });

  it('refuses a current-version ledger whose record_hash row is gone, rather than guessing its format', async () => {
    const store = openSqliteStore(path);
    await store.append([readInput()]);
    await store.close();
    const db = new Database(path);
    db.prepare(`DELETE FROM meta WHERE key = 'record_hash'`).run();
    db.close();
    for (const readonly of [false, true])
      expect(() => openSqliteStore(path, { readonly })).toThrow(/meta holds no record_hash/);
  });

  it('refuses to open a ledger whose record_hash it does not know, for writing and read-only', async () => {
    const store = openSqliteStore(path);
    await store.append([readInput()]);
    await store.close();
    const db = new Database(path);
    db.prepare(`UPDATE meta SET value = 'sha3' WHERE key = 'record_hash'`).run();
    db.close();
    for (const readonly of [false, true])
      expect(() => openSqliteStore(path, { readonly })).toThrow(
        /cannot open ledger .*record_hash is "sha3", not one this SpecLedger knows/,
      );
  });
});

describe('receipts name the record hash they were made with', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'specledger-receipt-format-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const keys = generateNoteKey('test.example/receipts');
  const verifier = parseVerifierKey(keys.verifier);

  /** Receipts for every read of a ledger of `format`, as JSON a verifier is handed. */
  async function receipts(format: RecordHashFormat): Promise<Record<string, unknown>[]> {
    const store = openSqliteStore(join(dir, `${format}.db`), { newLedgerRecordHash: format });
    try {
      await store.append([readInput(), readInput({ clause_id: 'AUTH-2' }), readInput()]);
      await takeCheckpoint(store, parseSignerKey(keys.signer));
      const made = await proveRecords(store, await store.reads({}));
      return made.map((r) => JSON.parse(JSON.stringify(r)));
    } finally {
      await store.close();
    }
  }
  const check = (receipt: unknown) => verifyReceipt(parseReceipt(JSON.stringify(receipt)), verifier);

  it('checks each with the formula it names, and only that one', async () => {
    for (const format of ['leaf', 'prev-json'] as const) {
      const made = await receipts(format);
      for (const receipt of made) {
        expect(receipt).toMatchObject({ receipt: RECEIPT_TYPE, record_hash: format });
        expect(check(receipt).record.seq).toBe((receipt.record as { seq: number }).seq);
        const other = format === 'leaf' ? 'prev-json' : 'leaf';
        expect(() => check({ ...receipt, record_hash: other })).toThrow(
          new RegExp(`does not match its ${other} hash \\(edited\\)`),
        );
      }
    }
  });

  it('still checks a v1 receipt (from before ledgers had a choice) as prev-json, and refuses any other record_hash', async () => {
    const [prevJson] = await receipts('prev-json');
    const { record_hash: _format, ...rest } = prevJson as Record<string, unknown>;
    const v1 = { ...rest, receipt: 'https://specledger.dev/receipt/v1' };
    expect(check(v1).record.seq).toBe(1);
    const [leaf] = await receipts('leaf');
    const { record_hash: _leafFormat, ...leafRest } = leaf as Record<string, unknown>;
    expect(() => check({ ...leafRest, receipt: 'https://specledger.dev/receipt/v1' })).toThrow(
      /does not match its prev-json hash/,
    );
    expect(() => check({ ...leaf, record_hash: 'sha3' })).toThrow(
      /record_hash must be "leaf" or "prev-json"/,
    );
    expect(() => check({ ...v1, record_hash: 'leaf' })).toThrow(/a v1 receipt has no record_hash/);
  });
});

const found = await openTestPostgres();
const pg = found.ok ? found.pg : undefined;
if (!found.ok) console.warn(`skipping PostgreSQL record hash tests: ${found.reason}`);
afterAll(async () => {
  await pg?.drop();
});

describe.skipIf(pg === undefined)('PostgreSQL record hash format', () => {
  const db = pg as NonNullable<typeof pg>;

  const recordHashRow = async (schema: string) =>
    (await db.admin.query(`SELECT value FROM ${schema}.meta WHERE key = 'record_hash'`)).rows;

  it('records leaf for a schema it creates', async () => {
    const schema = db.freshSchema();
    const store = await openPostgresStore(db.url, { schema });
    try {
      expect(store.recordHash).toBe('leaf');
      const [record] = await store.append([readInput()]);
      expect(record?.hash).toBe(computeRecordHash(record as NonNullable<typeof record>, 'leaf'));
    } finally {
      await store.close();
    }
    expect(await recordHashRow(schema)).toEqual([{ value: 'leaf' }]);
  });

  it('refuses any change to the record_hash row, even by the owner, and refuses writers once it was forced', async () => {
    const schema = db.freshSchema();
    const store = await openPostgresStore(db.url, { schema });
    await store.append([readInput(), readInput()]);
    await store.close();
    for (const change of [
      `UPDATE ${schema}.meta SET value = 'prev-json' WHERE key = 'record_hash'`,
      `DELETE FROM ${schema}.meta WHERE key = 'record_hash'`,
      `TRUNCATE ${schema}.meta`,
    ])
      await expect(db.admin.query(change)).rejects.toThrow(/record_hash is fixed when the ledger is created/);
    // Past the guard (deliberate DDL by the owner): writers are refused, and verify names the row.
    await db.admin.query(`ALTER TABLE ${schema}.meta DISABLE TRIGGER record_hash_fixed`);
    await db.admin.query(`UPDATE ${schema}.meta SET value = 'prev-json' WHERE key = 'record_hash'`);
    await expect(openPostgresStore(db.url, { schema })).rejects.toThrow(
      /seq 1: hashed as leaf, but the ledger's meta record_hash says prev-json .*new records would be hashed in a format its chain is not/,
    );
    const reader = await openPostgresStore(db.url, { schema, readonly: true });
    try {
      expect(await reader.verify()).toMatchObject({
        ok: false,
        seq: 1,
        reason: expect.stringMatching(/hashed as leaf/),
      });
    } finally {
      await reader.close();
    }
  });

  it('keeps prev-json for a version 2 schema: read-only as it is, and through the migration', async () => {
    // A version 2 schema as an earlier SpecLedger left it: its own migrations, prev-json records.
    const schema = db.freshSchema();
    for (const step of migrations(schema).slice(0, 2)) await db.admin.query(step);
    await db.admin.query(`INSERT INTO ${schema}.meta (key, value) VALUES ('schema_version', '2')`);
    const written = oldRecords(40);
    for (const r of written)
      await db.admin.query(
        `INSERT INTO ${schema}.reads (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
        COLUMNS.map((c) => r[c]),
      );
    const last = written.at(-1) as (typeof written)[number];
    await db.admin.query(`UPDATE ${schema}.head SET seq = $1, hash = $2`, [last.seq, last.hash]);

    const reader = await openPostgresStore(db.url, { schema, readonly: true });
    try {
      expect(reader.recordHash).toBe('prev-json');
      expect(await reader.verify()).toEqual({ ok: true, records: 40 });
    } finally {
      await reader.close();
    }
    const store = await openPostgresStore(db.url, { schema });
    try {
      expect(store.recordHash).toBe('prev-json');
      const [next] = await store.append([readInput()]);
      expect(next?.hash).toBe(computeRecordHash(next as NonNullable<typeof next>, 'prev-json'));
      expect(await store.verify()).toEqual({ ok: true, records: 41 });
    } finally {
      await store.close();
    }
    expect(await recordHashRow(schema)).toEqual([{ value: 'prev-json' }]);
    const version = await db.admin.query(`SELECT value FROM ${schema}.meta WHERE key = 'schema_version'`);
    expect(version.rows).toEqual([{ value: String(PG_SCHEMA_VERSION) }]);
  });
});
