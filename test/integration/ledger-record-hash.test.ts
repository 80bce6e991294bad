// A ledger's record hash format: a new ledger hashes each record as its Merkle leaf, a ledger created before keeps
// the prev-json hashes its chain was written with through every upgrade, and a format SpecLedger does not know is
// refused. For both stores.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeRecordHash } from '../../src/ledger/hash-chain.js';
import {
  COLUMNS,
  migrations,
  SCHEMA_VERSION as PG_SCHEMA_VERSION,
} from '../../src/ledger/postgres-schema.js';
import { openPostgresStore } from '../../src/ledger/postgres-store.js';
import { SCHEMA_VERSION } from '../../src/ledger/sqlite-schema.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { buildTree, openLeafReader } from '../../src/ledger/tree.js';
import { storeLeafReader } from '../../src/ledger/tree-leaves.js';
import type { LedgerStore } from '../../src/ledger/types.js';
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
