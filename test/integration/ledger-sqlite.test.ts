// The SQLite ledger: the store contract, tamper detection on a real file, and failing closed when it cannot write.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeRecordHash } from '../../src/ledger/hash-chain.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import type { LedgerStore, ReadRecord } from '../../src/ledger/types.js';
import { readInput } from '../fixtures/ledger-records.js';
import { describeLedgerContract } from './ledger-contract.js';

function tempLedgerPath(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'specledger-ledger-'));
  return { dir, path: join(dir, 'nested', 'ledger.db') };
}

describeLedgerContract('sqlite', async () => {
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
});

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
    it('fails verify at the record whose column was edited', async () => {
      other.prepare(`UPDATE reads SET clause_id = 'AUTH-99' WHERE seq = 4`).run();
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 4, records: 3 });
      expect(result.ok === false && result.reason).toContain('seq 4');
    });

    it('fails verify at the next record when the edited record is re-hashed', async () => {
      const row = other.prepare('SELECT * FROM reads WHERE seq = 4').get() as ReadRecord;
      const forged = { ...row, tokens: 1 };
      other.prepare('UPDATE reads SET tokens = 1, hash = ? WHERE seq = 4').run(computeRecordHash(forged));
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 5 });
      expect(result.ok === false && result.reason).toMatch(/seq 5: prev_hash/);
    });

    it('fails verify after a deleted record, naming the gap', async () => {
      other.prepare('DELETE FROM reads WHERE seq = 6').run();
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 7 });
      expect(result.ok === false && result.reason).toMatch(/seq 6 is missing/);
    });

    it('fails verify when the newest records are cut off', async () => {
      other.prepare('DELETE FROM reads WHERE seq >= 9').run();
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 9 });
      expect(result.ok === false && result.reason).toContain('seq 10');
    });

    it('keeps reporting cut-off records after new appends', async () => {
      other.prepare('DELETE FROM reads WHERE seq = 10').run();
      const [next] = await store.append([readInput()]);
      expect(next?.seq).toBe(11);
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 11 });
      expect(result.ok === false && result.reason).toContain('seq 10 is missing');
    });

    it('fails verify at the first of two swapped records', async () => {
      other.transaction(() => {
        other.prepare('UPDATE reads SET seq = -1 WHERE seq = 3').run();
        other.prepare('UPDATE reads SET seq = 3 WHERE seq = 7').run();
        other.prepare('UPDATE reads SET seq = 7 WHERE seq = -1').run();
      })();
      const result = await store.verify();
      expect(result).toMatchObject({ ok: false, seq: 3 });
      expect(result.ok === false && result.reason).toContain('seq 3');
    });
  });

  describe('when the ledger cannot be written', () => {
    it('rejects every append of the batch with LEDGER_UNAVAILABLE and keeps serving reads', async () => {
      other.exec(`CREATE TRIGGER deny BEFORE INSERT ON reads BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
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

    it('fails append and ping once another connection holds the write lock past the busy timeout', async () => {
      const impatient = openSqliteStore(path, { busyTimeoutMs: 50 });
      other.exec('BEGIN EXCLUSIVE');
      try {
        await expect(impatient.append([readInput()])).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
        await expect(impatient.ping()).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
        expect(await impatient.reads({ spec_id: 'auth', clause_id: 'AUTH-3' })).toHaveLength(1);
      } finally {
        other.exec('ROLLBACK');
      }
      await expect(impatient.append([readInput()])).resolves.toHaveLength(1);
      await impatient.close();
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
