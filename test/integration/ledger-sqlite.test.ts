// The SQLite ledger: the store contract, tamper detection on a real file, and failing closed when it cannot write.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeRecordHash, RECORD_COLUMNS } from '../../src/ledger/hash-chain.js';
import { runsList, whoRead } from '../../src/ledger/queries.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import type { LedgerStore, ReadRecord } from '../../src/ledger/types.js';
import { oldRecords, writeVersion1Ledger, writeVersion2Ledger } from '../fixtures/ledger-old-formats.js';
import { readInput } from '../fixtures/ledger-records.js';
import { describeLedgerContract, describeLedgerQueryContract, type OpenedLedger } from './ledger-contract.js';

function tempLedgerPath(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'specledger-ledger-'));
  return { dir, path: join(dir, 'nested', 'ledger.db') };
}

async function openTempSqlite(): Promise<OpenedLedger> {
  const { dir, path } = tempLedgerPath();
  const stores: LedgerStore[] = [openSqliteStore(path)];
  return {
    store: stores[0] as LedgerStore,
    reopen: async () => {
      const store = openSqliteStore(path);
      stores.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeLedgerContract('sqlite', openTempSqlite);
describeLedgerQueryContract('sqlite', openTempSqlite);

describe('sqlite ledger store', () => {
  let dir: string;
  let path: string;
  let store: LedgerStore;
  /** A second connection, as a person with the file (or another process) would have. */
  let other: Database.Database;

  beforeEach(async () => {
    ({ dir, path } = tempLedgerPath());
    store = openSqliteStore(path);
    await store.append(Array.from({ length: 10 }, (_, i) => readInput({ clause_id: `AUTH-${i + 1}` })));
    other = new Database(path);
  });
  afterEach(async () => {
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the ledger file and its parent directories', () => {
    expect(existsSync(path)).toBe(true);
  });

  describe('tampering', () => {
    // The 10 records of beforeEach were appended together: one block whose records[i] is seq i + 1, an array
    // [ts, context, target, tokens], and whose hashes blob holds the first prev_hash then each record's hash.
    const TOKENS = 3;
    const TARGET = 2;
    type Block = { rows: unknown[][]; hashes: Buffer };
    const readBlock = (): Block => {
      const row = other.prepare('SELECT records, hashes FROM blocks WHERE first_seq = 1').get() as {
        records: string;
        hashes: Buffer;
      };
      return { rows: JSON.parse(row.records), hashes: row.hashes };
    };
    const writeBlock = ({ rows, hashes }: Block) =>
      other
        .prepare('UPDATE blocks SET records = ?, hashes = ? WHERE first_seq = 1')
        .run(JSON.stringify(rows), hashes);
    /** The first `n` records of the block, as if the rest had never been written. */
    const firstOf = (block: Block, n: number): Block => ({
      rows: block.rows.slice(0, n),
      hashes: block.hashes.subarray(0, 32 * (n + 1)),
    });

    it('fails verify at the record whose field was edited', async () => {
      const block = readBlock();
      (block.rows[3] as unknown[])[TOKENS] = 99;
      writeBlock(block);
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 4, records: 3 });
      expect(result.ok === false && result.reason).toContain('seq 4');
    });

    it('fails verify at the record pointed at another clause', async () => {
      const block = readBlock();
      (block.rows[3] as unknown[])[TARGET] = (block.rows[4] as unknown[])[TARGET];
      writeBlock(block);
      expect(await store.verify()).toMatchObject({ ok: false, seq: 4, records: 3 });
    });

    it('fails verify at the records of a shared field that was edited', async () => {
      other.prepare(`UPDATE contexts SET fields = json_replace(fields, '$[2]', 'mallory')`).run();
      expect(await store.verify()).toMatchObject({ ok: false, seq: 1, records: 0 });
    });

    it('fails verify at the next record when the edited record is re-hashed', async () => {
      const [fourth] = await store.reads({ spec_id: 'auth', clause_id: 'AUTH-4' });
      const block = readBlock();
      (block.rows[3] as unknown[])[TOKENS] = 1;
      block.hashes.write(
        computeRecordHash({ ...(fourth as ReadRecord), tokens: 1 }, store.recordHash),
        32 * 4,
        'hex',
      );
      writeBlock(block);
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 5, records: 4 });
      expect(result.ok === false && result.reason).toMatch(/^seq 5: /);
    });

    it('fails verify where a record was taken out of a block', async () => {
      const block = readBlock();
      block.rows.splice(5, 1);
      block.hashes = Buffer.concat([block.hashes.subarray(0, 32 * 6), block.hashes.subarray(32 * 7)]);
      writeBlock(block);
      // A record's seq is its position in the block: the one after it now stands where it stood.
      expect(await store.verify()).toMatchObject({ ok: false, seq: 6, records: 5 });
    });

    it('fails verify after a deleted block, naming the gap', async () => {
      await store.append([readInput({ clause_id: 'AUTH-11' })]);
      await store.append([readInput({ clause_id: 'AUTH-12' })]);
      other.prepare('DELETE FROM blocks WHERE first_seq = 11').run();
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 12 });
      expect(result.ok === false && result.reason).toMatch(/seq 11 is missing/);
    });

    it('fails verify when the newest records are cut off', async () => {
      writeBlock(firstOf(readBlock(), 8));
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 9 });
      expect(result.ok === false && result.reason).toContain('seq 10');
    });

    it('fails verify when a whole block is deleted', async () => {
      other.prepare('DELETE FROM blocks').run();
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 1 });
      expect(result.ok === false && result.reason).toContain('records were deleted from the end');
    });

    it('keeps reporting cut-off records after new appends', async () => {
      writeBlock(firstOf(readBlock(), 9));
      const [next] = await store.append([readInput()]);
      expect(next?.seq).toBe(11);
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 11 });
      expect(result.ok === false && result.reason).toContain('seq 10 is missing');
    });

    it('warns at open, and in health, when the newest records were edited or cut off, and still records', async () => {
      const logged: string[] = [];
      const log = (level: string, message: string) => logged.push(`${level}: ${message}`);
      const clean = openSqliteStore(path, { log });
      expect(await clean.health()).toEqual({ writable: true });
      await clean.close();
      expect(logged).toEqual([]);

      writeBlock(firstOf(readBlock(), 8));
      const reopened = openSqliteStore(path, { log });
      try {
        expect(logged).toEqual([
          expect.stringMatching(
            /^warn: the ledger at .* is damaged: the ledger head records seq 10 but the newest record is seq 8 \(records were deleted from the end\); new reads are still recorded/,
          ),
        ]);
        expect(await reopened.health()).toMatchObject({
          writable: true,
          damage: expect.stringContaining('records were deleted from the end'),
        });
        expect((await reopened.append([readInput()]))[0]?.seq).toBe(11);
      } finally {
        await reopened.close();
      }

      const block = readBlock();
      (block.rows[0] as unknown[])[TOKENS] = 7;
      writeBlock(block);
      logged.length = 0;
      await openSqliteStore(path, { log }).close();
      expect(logged).toEqual([
        expect.stringContaining("seq 1: hash does not match the record's content (the record was edited)"),
      ]);
    });

    it('fails verify at the first of two swapped records', async () => {
      const block = readBlock();
      const [third, seventh] = [block.rows[2], block.rows[6]];
      block.rows[2] = seventh as unknown[];
      block.rows[6] = third as unknown[];
      writeBlock(block);
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 3 });
      expect(result.ok === false && result.reason).toContain('seq 3');
    });

    it('names a block that is no longer readable, refuses queries over it, and keeps recording', async () => {
      other.prepare(`UPDATE blocks SET records = substr(records, 1, 100) WHERE first_seq = 1`).run();
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 1, records: 0 });
      expect(result.ok === false && result.reason).toContain('not readable');
      await expect(store.reads({ run_id: 'run-1' })).rejects.toMatchObject({
        code: 'LEDGER_UNAVAILABLE',
        message: expect.stringContaining('seq 1 is not readable'),
      });
      const [next] = await store.append([readInput({ run_id: 'after' })]);
      expect(next?.seq).toBe(11);
      expect(await store.reads({ run_id: 'after' })).toEqual([next]);
    });

    it('fails verify when a summary is edited, which would hide a read from who-read or stale', async () => {
      const target = other
        .prepare(`SELECT id FROM targets WHERE clause_id = 'AUTH-4'`)
        .pluck()
        .get() as number;
      other.prepare('DELETE FROM run_targets WHERE target = ?').run(target);
      expect(await store.readGroups({ spec_id: 'auth', clause_id: 'AUTH-4' })).toEqual([]);
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 4 });
      expect(result.ok === false && result.reason).toContain("run run-1's reads of auth#AUTH-4");
    });

    it('fails verify when a summary says a clause was last read earlier than it was (stale would miss it)', async () => {
      other.prepare(`UPDATE run_targets SET last_seq = first_seq - 1 WHERE first_seq = 7`).run();
      expect(await store.verify()).toMatchObject({ ok: false, seq: 7 });
    });

    it('fails verify when the indexed columns of a shared field disagree with it (who-read would name another principal)', async () => {
      other.prepare(`UPDATE contexts SET principal = 'mallory'`).run();
      expect((await whoRead(store, 'auth#AUTH-1')).runs[0]?.principals).toEqual(['mallory']);
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false });
      expect(result.ok === false && result.reason).toContain('indexed run, principal or client differ');
    });

    it("fails verify when a run's ID source or span is edited (runs would say where its ID came from, or when)", async () => {
      other.prepare(`UPDATE runs SET run_id_source = 'meta'`).run();
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 1 });
      expect(result.ok === false && result.reason).toContain('the summary of run run-1 does not match');
      other.prepare(`UPDATE runs SET run_id_source = 'argument', last_seq = 9`).run();
      expect(await store.verify()).toMatchObject({ ok: false, seq: 1 });
      other.prepare('UPDATE runs SET last_seq = 10').run();
      expect(await store.verify()).toEqual({ ok: true, records: 10 });
    });

    it('fails verify when a run summary or the run index is edited', async () => {
      other.prepare('UPDATE runs SET reads = 3').run();
      expect(await store.verify()).toMatchObject({ ok: false, seq: 1 });
      other.prepare('UPDATE runs SET reads = 10').run();
      expect(await store.verify()).toEqual({ ok: true, records: 10 });
      other.prepare('DELETE FROM block_runs').run();
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 1 });
      expect(result.ok === false && result.reason).toContain('missing from the run index');
    });
  });

  it('offers the records as a `reads` view for ad hoc SQL', () => {
    const rows = other.prepare('SELECT seq, clause_id, hash FROM reads ORDER BY seq').all() as ReadRecord[];
    expect(rows.map((r) => [r.seq, r.clause_id])).toEqual(
      Array.from({ length: 10 }, (_, i) => [i + 1, `AUTH-${i + 1}`]),
    );
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
  });

  describe('when the ledger cannot be written', () => {
    it('rejects every append of the batch with LEDGER_UNAVAILABLE and keeps serving reads', async () => {
      other.exec(
        `CREATE TRIGGER deny BEFORE INSERT ON blocks BEGIN SELECT RAISE(ABORT, 'disk says no'); END`,
      );
      const outcomes = await Promise.allSettled([
        store.append([readInput()]),
        store.append([readInput({ run_id: 'run-2' })]),
      ]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        const reason = outcome.status === 'rejected' ? (outcome.reason as Error) : undefined;
        expect(reason).toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
        expect(reason?.message).toMatch(/^ledger write failed: .*disk says no/);
      }
      expect(await store.reads({})).toHaveLength(10);
      expect(await store.verify()).toEqual({ ok: true, records: 10 });

      other.exec('DROP TRIGGER deny');
      const [next] = await store.append([readInput()]);
      expect(next?.seq).toBe(11);
    });

    it('fails append once another connection holds the write lock past the busy timeout, and says so until a write succeeds', async () => {
      const logged: string[] = [];
      const impatient = openSqliteStore(path, {
        busyTimeoutMs: 50,
        log: (level, message) => logged.push(`${level}: ${message}`),
      });
      other.exec('BEGIN EXCLUSIVE');
      try {
        for (let i = 0; i < 3; i++)
          await expect(impatient.append([readInput()])).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
        expect(await impatient.health()).toMatchObject({
          writable: false,
          problem: expect.stringContaining('database is locked (SQLITE_BUSY)'),
        });
        expect(await impatient.reads({ spec_id: 'auth', clause_id: 'AUTH-3' })).toHaveLength(1);
      } finally {
        other.exec('ROLLBACK');
      }
      await expect(impatient.append([readInput()])).resolves.toHaveLength(1);
      expect(await impatient.health()).toEqual({ writable: true });
      // One line for the three failed batches, with SQLite's cause, and one when writes work again.
      expect(logged).toEqual([
        expect.stringMatching(/^error: ledger write failed: database is locked \(SQLITE_BUSY\); reads fail/),
        'info: ledger writes succeed again (3 batch(es) of reads failed meanwhile)',
      ]);
      await impatient.close();
    });

    it('answers health without writing anything to the file', async () => {
      const version = () => other.pragma('data_version', { simple: true });
      const before = version();
      for (let i = 0; i < 5; i++) expect(await store.health()).toEqual({ writable: true });
      expect(version()).toBe(before);
    });

    it('waits a bounded time for a file another connection keeps locked while opening, then says so', () => {
      const locked = join(dir, 'locked.db');
      const holder = new Database(locked);
      holder.exec('CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1)');
      try {
        expect(() => openSqliteStore(locked, { busyTimeoutMs: 20, openTimeoutMs: 200 })).toThrow(
          expect.objectContaining({
            code: 'LEDGER_UNAVAILABLE',
            message: expect.stringContaining('stayed locked by another connection past the open timeout'),
          }),
        );
      } finally {
        holder.exec('ROLLBACK');
        holder.close();
      }
    });

    it('refuses to open a file that is not a ledger', async () => {
      const notLedger = join(dir, 'not-a-ledger.db');
      const db = new Database(notLedger);
      db.exec(
        `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '99')`,
      );
      db.close();
      expect(() => openSqliteStore(notLedger)).toThrow(
        expect.objectContaining({ code: 'LEDGER_UNAVAILABLE' }),
      );
    });
  });

  it('answers queries read-only without being able to append', async () => {
    const reader = openSqliteStore(path, { readonly: true });
    expect(await reader.verify()).toEqual({ ok: true, records: 10 });
    await expect(reader.append([readInput()])).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    await reader.close();
  });
});

describe('a version 1 ledger (a row per read)', () => {
  let dir: string;
  let path: string;

  const writeVersion1 = (count: number): ReadRecord[] => writeVersion1Ledger(path, count);

  beforeEach(() => {
    ({ dir, path } = tempLedgerPath());
    mkdirSync(dirname(path), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is upgraded in place on first open for writing, keeping every record, hash and query', async () => {
    const written = writeVersion1(1200);
    const store = openSqliteStore(path);
    try {
      expect(await store.verify()).toEqual({ ok: true, records: 1200 });
      expect(await store.reads({})).toEqual(written);
      expect(await store.reads({ run_id: 'run-1' })).toEqual(written.filter((r) => r.run_id === 'run-1'));
      expect(await store.reads({ spec_id: 'auth', clause_id: 'AUTH-3' })).toEqual(
        written.filter((r) => r.clause_id === 'AUTH-3'),
      );
      const [next] = await store.append([readInput()]);
      expect(next).toMatchObject({ seq: 1201, prev_hash: written.at(-1)?.hash });
      expect(await store.verify()).toEqual({ ok: true, records: 1201 });
    } finally {
      await store.close();
    }
  });

  it('is refused read-only with a message saying how to upgrade it', () => {
    writeVersion1(3);
    expect(() => openSqliteStore(path, { readonly: true })).toThrow(
      /schema version 1 .*open it once for writing/,
    );
  });
});

describe('a version 2 ledger (every field of every record as JSON, no summaries)', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    ({ dir, path } = tempLedgerPath());
    mkdirSync(dirname(path), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is upgraded in place on first open for writing, keeping every record and hash, with summaries built', async () => {
    const written = oldRecords(2500);
    writeVersion2Ledger(path, written, 7);
    const store = openSqliteStore(path);
    try {
      expect(await store.verify()).toEqual({ ok: true, records: 2500 });
      expect(await store.reads({})).toEqual(written);
      expect(await store.reads({ run_id: 'run-1' })).toEqual(written.filter((r) => r.run_id === 'run-1'));
      expect((await runsList(store)).map((r) => [r.run_id, r.reads])).toEqual([
        ['run-1', 834],
        ['run-2', 833],
        ['run-0', 833],
      ]);
      const who = await whoRead(store, 'auth#AUTH-3');
      expect(who.runs.map((r) => [r.run_id, r.reads])).toEqual(
        ['run-0', 'run-1', 'run-2']
          .map((run) => [run, written.filter((r) => r.run_id === run && r.clause_id === 'AUTH-3').length])
          .sort((a, b) => {
            const first = (run: unknown) =>
              written.find((r) => r.run_id === run && r.clause_id === 'AUTH-3')?.seq ?? 0;
            return first(a[0]) - first(b[0]);
          }),
      );
      const [next] = await store.append([readInput()]);
      expect(next).toMatchObject({ seq: 2501, prev_hash: written.at(-1)?.hash });
      expect(await store.verify()).toEqual({ ok: true, records: 2501 });
    } finally {
      await store.close();
    }
    // The upgrade shrank the file's records: the same 2,500 reads in a fraction of the bytes of every field as JSON.
    const db = new Database(path, { readonly: true });
    try {
      const bytes = db
        .prepare('SELECT sum(length(records)) + sum(length(hashes)) FROM blocks')
        .pluck()
        .get() as number;
      expect(bytes / 2501).toBeLessThan(150);
    } finally {
      db.close();
    }
  });

  it('keeps tampering visible to verify through the upgrade', async () => {
    const written = oldRecords(20);
    const at = (name: string) => RECORD_COLUMNS.indexOf(name as (typeof RECORD_COLUMNS)[number]);
    // A prev_hash, then a hash, edited without re-hashing: upgraded, each must still fail verify where it was.
    writeVersion2Ledger(path, written, 10, (row, seq) => {
      if (seq === 4) row[at('prev_hash')] = 'f'.repeat(64);
    });
    let store = openSqliteStore(path);
    let result = await store.verify();
    await store.close();
    expect(result).toMatchObject({ ok: false, seq: 4 });
    expect(result.ok === false && result.reason).toContain('prev_hash does not match');

    rmSync(path);
    writeVersion2Ledger(path, written, 10, (row, seq) => {
      if (seq === 13) row[at('hash')] = 'not a hash';
    });
    store = openSqliteStore(path);
    result = await store.verify();
    expect(result).toMatchObject({ ok: false, seq: 13 });
    expect((await store.reads({})).find((r) => r.seq === 13)?.hash).toBe('not a hash');
    await store.close();
  });

  it('carries an unreadable block over as unreadable', async () => {
    writeVersion2Ledger(path, oldRecords(30), 10);
    const db = new Database(path);
    db.prepare(`UPDATE blocks SET records = substr(records, 1, 50) WHERE first_seq = 11`).run();
    db.close();
    const store = openSqliteStore(path);
    try {
      expect(await store.verify()).toMatchObject({ ok: false, seq: 11, records: 10 });
    } finally {
      await store.close();
    }
  });

  it('is refused read-only with a message saying how to upgrade it', () => {
    writeVersion2Ledger(path, oldRecords(3), 2);
    expect(() => openSqliteStore(path, { readonly: true })).toThrow(
      /schema version 2 .*open it once for writing/,
    );
  });
});
