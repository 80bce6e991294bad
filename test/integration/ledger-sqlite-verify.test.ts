// Property-based: `verify` on a SQLite ledger, which checks plain blocks without building their records, reaches the verdict a record-by-record walk of the decoded records reaches, tampered or not.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeRecordHash, NEW_LEDGER_RECORD_HASH, verifyChain } from '../../src/ledger/hash-chain.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import type { ReadRecord } from '../../src/ledger/types.js';
import { readInput } from '../fixtures/ledger-records.js';
import { flipHashSlot } from '../helpers/ledger-files.js';

/** Timestamps as an edited block might store them: out of Date's range, negative, fractional, past year 9999. */
const HOSTILE_TS = ['1e300', '-1', '1.5', '8640000000000001', '253402300800000'];

/** A new ledger at `path` of `blocks` commits of `size` reads each; the records it holds. */
async function writeBlocks(path: string, blocks: number, size: number): Promise<ReadRecord[]> {
  const writer = openSqliteStore(path);
  try {
    const records: ReadRecord[] = [];
    for (let b = 0; b < blocks; b++)
      records.push(
        ...(await writer.append(
          Array.from({ length: size }, (_, k) => readInput({ clause_id: `C-${b}-${k}` })),
        )),
      );
    return records;
  } finally {
    await writer.close();
  }
}

describe('verify on a SQLite ledger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'specledger-verify-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reaches the verdict of a record-by-record walk, tampered or not', async () => {
    let n = 0;
    const tamper = fc.record({
      kind: fc.constantFrom('tokens', 'ts', 'ts-number', 'hash', 'prev', 'delete', 'context', 'target'),
      block: fc.nat(),
      at: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }),
        fc.option(tamper, { nil: undefined }),
        async (batches, edit) => {
          const path = join(dir, `ledger-${n++}.db`);
          const writer = openSqliteStore(path);
          let i = 0;
          for (const size of batches)
            await writer.append(
              Array.from({ length: size }, () =>
                readInput({ clause_id: `C-${i % 3}`, run_id: `run-${i % 2}`, tokens: i++ }),
              ),
            );
          await writer.close();
          const db = new Database(path);
          if (edit) {
            const blocks = db.prepare('SELECT first_seq, last_seq FROM blocks ORDER BY first_seq').all() as {
              first_seq: number;
              last_seq: number;
            }[];
            const block = blocks[edit.block % blocks.length] as { first_seq: number; last_seq: number };
            const k = edit.at % (block.last_seq - block.first_seq + 1);
            const at = block.first_seq;
            if (edit.kind === 'tokens')
              db.prepare(
                `UPDATE blocks SET records = json_replace(records, '$[${k}][3]', 999) WHERE first_seq = ?`,
              ).run(at);
            else if (edit.kind === 'ts')
              db.prepare(
                `UPDATE blocks SET records = json_replace(records, '$[${k}][0]', 'yesterday') WHERE first_seq = ?`,
              ).run(at);
            else if (edit.kind === 'ts-number')
              // Numbers a stored ts (epoch ms) never is: once they threw RangeError, and nothing was readable.
              db.prepare(
                `UPDATE blocks SET records = json_replace(records, '$[${k}][0]', ${HOSTILE_TS[edit.at % HOSTILE_TS.length]}) WHERE first_seq = ?`,
              ).run(at);
            else if (edit.kind === 'delete') db.prepare('DELETE FROM blocks WHERE first_seq = ?').run(at);
            else if (edit.kind === 'context')
              db.prepare(
                `UPDATE contexts SET fields = json_replace(fields, '$[3]', 'forged') WHERE id = (SELECT min(id) FROM contexts)`,
              ).run();
            else if (edit.kind === 'target')
              db.prepare(
                `UPDATE targets SET fields = json_replace(fields, '$[4]', '9.9.9') WHERE id = (SELECT max(id) FROM targets)`,
              ).run();
            else flipHashSlot(db, at, edit.kind === 'prev' ? 0 : k + 1);
          }
          const meta = (key: string) =>
            (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)
              ?.value;
          const head = { seq: Number(meta('head_seq')), hash: meta('head_hash') as string };
          db.close();
          const store = openSqliteStore(path, { readonly: true });
          try {
            const walked = verifyChain(await store.recordsAfter(0, 1_000), {
              head,
              format: store.recordHash,
            });
            const verdict = await store.verify();
            if (!walked.ok) expect(verdict).toEqual(walked);
            // An intact chain may still carry an edited summary (a shared field's indexed copy): verify reports it.
            else if (!verdict.ok) expect(verdict.reason).toMatch(/^(target|context) \d+: its indexed/);
            else expect(verdict).toEqual(walked);
            if (edit === undefined) expect(verdict).toEqual({ ok: true, records: i });
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('fails an empty block inserted among the others, which once passed and hid the records after it', async () => {
    const path = join(dir, 'empty.db');
    await writeBlocks(path, 3, 10);
    const db = new Database(path);
    db.prepare(
      "INSERT INTO blocks (first_seq, last_seq, records, hashes) SELECT 15, 14, '[]', substr(hashes, 129, 32) FROM blocks WHERE first_seq = 11",
    ).run();
    db.close();
    const store = openSqliteStore(path, { readonly: true });
    try {
      expect(await store.verify()).toMatchObject({
        ok: false,
        seq: 15,
        reason: expect.stringMatching(/holds no records/),
      });
      // prove reads through recordsAfter: it names the block rather than answering without seqs 16–20.
      await expect(store.recordsAfter(15, 1)).rejects.toThrow(/seq 15 is not readable \(it holds no records/);
    } finally {
      await store.close();
    }
  });

  it('names the gap in a chain rewritten consistently across it', async () => {
    // Two commits of five; the second block is moved to seq 7 and its chain rehashed from seq 5's hash, so every
    // hash holds and only the seqs show that seq 6 is gone.
    const path = join(dir, 'gap.db');
    const records = await writeBlocks(path, 2, 5);
    let prev = (records[4] as ReadRecord).hash;
    const moved = records.slice(5).map((r) => {
      const record = { ...r, seq: r.seq + 1, prev_hash: prev };
      record.hash = computeRecordHash(record, NEW_LEDGER_RECORD_HASH);
      prev = record.hash;
      return record;
    });
    const db = new Database(path);
    const hashes = Buffer.concat([records[4] as ReadRecord, ...moved].map((r) => Buffer.from(r.hash, 'hex')));
    db.prepare('UPDATE blocks SET first_seq = 7, last_seq = 11, hashes = ? WHERE first_seq = 6').run(hashes);
    db.prepare("UPDATE meta SET value = '11' WHERE key = 'head_seq'").run();
    db.prepare("UPDATE meta SET value = ? WHERE key = 'head_hash'").run(prev);
    db.close();
    const store = openSqliteStore(path, { readonly: true });
    try {
      expect(await store.verify()).toEqual({
        ok: false,
        records: 5,
        seq: 7,
        reason: 'seq 7: expected seq 6 after seq 5; seq 6 is missing (deleted)',
      });
    } finally {
      await store.close();
    }
  });
});
