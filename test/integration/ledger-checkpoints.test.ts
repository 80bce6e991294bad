// Checkpoints on both stores: extended incrementally, signed in the background while reads are recorded, one tree across PostgreSQL replicas.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckpointEvery } from '../../src/cli/options.js';
import {
  generateNoteKey,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
} from '../../src/ledger/checkpoint.js';
import { startCheckpointing } from '../../src/ledger/checkpoint-schedule.js';
import { verifySince } from '../../src/ledger/consistency.js';
import { openLedger } from '../../src/ledger/open.js';
import { proveRecords, verifyReceipt } from '../../src/ledger/receipts.js';
import { buildTree, takeCheckpoint } from '../../src/ledger/tree.js';
import { storeLeafReader } from '../../src/ledger/tree-leaves.js';
import type { LedgerStore } from '../../src/ledger/types.js';
import { verifyFromCheckpoint } from '../../src/ledger/verify-incremental.js';
import { readInput } from '../fixtures/ledger-records.js';
import { openTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const keys = generateNoteKey('example.com/checkpoints');
const signer = parseSignerKey(keys.signer);
const verifier = parseVerifierKey(keys.verifier);
const reads = (n: number, run = 'run-1') =>
  Array.from({ length: n }, (_, i) => readInput({ run_id: run, clause_id: `C-${i}`, tokens: i }));

describe('parseCheckpointEvery', () => {
  it('reads a bare number as records and a number with a unit as a period', () => {
    expect(parseCheckpointEvery('1000')).toEqual({ records: 1000 });
    expect(parseCheckpointEvery('1s')).toEqual({ ms: 1000 });
    expect(parseCheckpointEvery('5m')).toEqual({ ms: 300_000 });
    expect(() => parseCheckpointEvery('0')).toThrow(/record count .* or a period/);
    expect(() => parseCheckpointEvery('soon')).toThrow(/record count .* or a period/);
  });
});

function storeSuite(
  name: string,
  open: () => Promise<{ store: LedgerStore; other?: LedgerStore; done(): Promise<void> }>,
) {
  describe(`checkpoints on ${name}`, () => {
    let store: LedgerStore;
    let other: LedgerStore | undefined;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ store, other, done } = await open());
    });
    afterAll(() => done());

    it('extends the last checkpoint to the same root a full rebuild gives, and proves reads against it', async () => {
      await store.append(reads(37));
      const first = await takeCheckpoint(store, signer);
      expect(first.checkpoint.size).toBe(37);
      await (other ?? store).append(reads(20, 'run-2'));
      const second = await takeCheckpoint(store, signer);
      expect(second.checkpoint.size).toBe(57);
      expect(second.checkpoint.root).toEqual((await buildTree(store)).root());
      expect((await takeCheckpoint(store, signer, { full: true })).checkpoint.root).toEqual(
        second.checkpoint.root,
      );
      expect(await verifySince(store, first.note, verifier)).toMatchObject({
        ok: true,
        old_size: 37,
        size: 57,
      });
      const run2 = await store.reads({ run_id: 'run-2' });
      const receipts = await proveRecords(store, run2);
      expect(receipts.map((r) => verifyReceipt(JSON.parse(JSON.stringify(r)), verifier).record.seq)).toEqual(
        run2.map((r) => r.seq),
      );
    });

    it('signs in the background while reads keep being recorded, each checkpoint extending the one before', async () => {
      const scheduler = startCheckpointing(store, signer, { ms: 100 }, () => {});
      const notes: string[] = [];
      for (let i = 0; i < 10; i++) {
        await store.append(reads(25, `run-bg-${i}`));
        await new Promise((r) => setTimeout(r, 60));
        const note = await store.treeMeta('checkpoint');
        if (note !== null && !notes.includes(note)) notes.push(note);
      }
      await scheduler.stop();
      expect(notes.length).toBeGreaterThan(2);
      const sizes = notes.map((n) => openCheckpoint(n, verifier).size);
      expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
      const last = await takeCheckpoint(store, signer);
      for (const note of notes) expect((await verifySince(store, note, verifier)).ok).toBe(true);
      expect(last.checkpoint.size).toBe(57 + 250);
    });

    it('rebuilds from the first record when the stored range is not a compact range of its size', async () => {
      // 307 records (three set bits): one forged hash, the signed root itself, once passed the root check, and the
      // next checkpoint failed with "Cannot read properties of undefined".
      const signed = await takeCheckpoint(store, signer);
      expect(signed.checkpoint.size).toBe(307);
      await store.setTreeMeta(
        'checkpoint_range',
        JSON.stringify({
          size: 307,
          hashes: [signed.checkpoint.root.toString('hex')],
          last_hash: (await store.recordsAfter(306, 1))[0]!.hash,
        }),
      );
      await store.append(reads(5, 'run-after-forgery'));
      const next = await takeCheckpoint(store, signer);
      expect(next.checkpoint.size).toBe(312);
      expect(next.checkpoint.root).toEqual((await buildTree(store)).root());
    });
  });
}

let temp: TempDir;
storeSuite('SQLite', async () => {
  temp = makeTempDir('specledger-checkpoints-');
  const store = await openLedger(temp.at('ledger.db'));
  return {
    store,
    done: async () => {
      await store.close();
      temp.remove();
    },
  };
});

const pg = await openTestPostgres();
describe.skipIf(!pg.ok)('PostgreSQL', () => {
  let db: TestPostgres;
  beforeAll(() => {
    if (pg.ok) db = pg.pg;
  });
  storeSuite('PostgreSQL (two replicas, one tree)', async () => {
    const url = db.withSchema(db.freshSchema());
    const store = await openLedger(url);
    const other = await openLedger(url);
    return {
      store,
      other,
      done: async () => {
        await store.close();
        await other.close();
        await db.drop();
      },
    };
  });
});

describe('verifySince', () => {
  it('fails a ledger rewritten consistently from an earlier point, which a plain verify passes', async () => {
    const dir = makeTempDir('specledger-since-');
    try {
      const honest = await openLedger(dir.at('honest.db'));
      await honest.append(reads(12));
      const { note } = await takeCheckpoint(honest, signer);
      const records = await honest.reads({});
      await honest.close();
      const forged = await openLedger(dir.at('forged.db'));
      await forged.append(
        records.map(({ seq, prev_hash: _p, hash: _h, ...input }) =>
          seq === 5 ? { ...input, tokens: 999 } : input,
        ),
      );
      await forged.append(reads(3, 'run-later'));
      expect(await forged.verify()).toMatchObject({ ok: true, records: 15 });
      expect(await verifySince(forged, note, verifier)).toMatchObject({
        ok: false,
        reason: "records 1..12 no longer hash to the checkpoint's root (the ledger was rewritten)",
      });
      await forged.close();
    } finally {
      dir.remove();
    }
  });

  it('fails, as verify does, a ledger whose newest records were deleted while the head was kept', async () => {
    // The records left still extend the checkpoint: once both checks said "chain intact" (found by review).
    const dir = makeTempDir('specledger-since-');
    try {
      const path = dir.at('ledger.db');
      const writer = await openLedger(path);
      await writer.append(reads(10));
      const { note } = await takeCheckpoint(writer, signer);
      for (let i = 0; i < 3; i++) await writer.append(reads(10, `run-${i}`));
      await writer.close();
      const db = new Database(path);
      db.prepare('DELETE FROM blocks WHERE first_seq >= 31').run();
      db.close();
      const store = await openLedger(path, { readonly: true });
      try {
        expect(await store.verify()).toMatchObject({ ok: false, seq: 31 });
        const since = await verifySince(store, note, verifier);
        expect(since).toMatchObject({ ok: false, reason: expect.stringMatching(/head records seq 40/) });
        expect(await verifyFromCheckpoint(store, verifier, storeLeafReader(store))).toMatchObject({
          ok: false,
          reason: expect.stringMatching(/head records seq 40/),
        });
      } finally {
        await store.close();
      }
    } finally {
      dir.remove();
    }
  });
});
