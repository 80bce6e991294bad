// The parallel leaf reader (worker threads hashing spans of a SQLite ledger, the built code as users run it) gives the tree exactly the leaves, and the verdicts, of the single walk; tampering anywhere falls back to that walk's error.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeRecordHash, GENESIS_HASH } from '../../src/ledger/hash-chain.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import type { ChainPoint, LeafReader, PageOptions } from '../../src/ledger/tree-leaves.js';
import { readInput } from '../fixtures/ledger-records.js';
import { copyBlockRows, flipHashSlot } from '../helpers/ledger-files.js';
import { repoRoot } from '../helpers/paths.js';

// Worker threads load JavaScript: the reader, its worker and the tree come from the build (global setup builds it).
const built = (file: string) => pathToFileURL(join(repoRoot, 'dist/ledger', file)).href;
const { parallelLeafReader } = (await import(
  built('leaf-workers.js')
)) as typeof import('../../src/ledger/leaf-workers.js');
const { openSqliteLeafReader } = (await import(
  built('sqlite-leaves.js')
)) as typeof import('../../src/ledger/sqlite-leaves.js');
const { buildTree } = (await import(built('tree.js'))) as typeof import('../../src/ledger/tree.js');

const SPAN_LEVELS = 3;
const GENESIS: ChainPoint = { seq: 0, hash: GENESIS_HASH };

type Outcome = { leaves: string; last: ChainPoint; byWorkers: boolean } | { error: string };

async function leavesOf(
  reader: LeafReader,
  from: ChainPoint,
  upTo?: number,
  options?: PageOptions,
): Promise<Outcome> {
  try {
    const chunks: Buffer[] = [];
    let last = from;
    let byWorkers = false;
    for await (const page of reader.pages(from, upTo, options)) {
      chunks.push(page.leaves);
      last = page.last;
      byWorkers ||= page.levels !== undefined;
    }
    return { leaves: Buffer.concat(chunks).toString('hex'), last, byWorkers };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The single walk's outcome and the parallel reader's over the same file. */
async function both(path: string, from: ChainPoint, upTo?: number) {
  const single = openSqliteLeafReader(path);
  const parallel = parallelLeafReader(path, openSqliteLeafReader(path), {
    threads: 2,
    spanLevels: SPAN_LEVELS,
  });
  try {
    return {
      single: await leavesOf(single, from, upTo),
      parallel: await leavesOf(parallel, from, upTo, { levels: true }),
    };
  } finally {
    await single.close();
    await parallel.close();
  }
}

const withoutWorkers = (o: Outcome) => ('error' in o ? o : { leaves: o.leaves, last: o.last });

describe('the parallel leaf reader (built)', { timeout: 120_000 }, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'specledger-leaf-workers-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function ledger(name: string, batches: number[]): Promise<string> {
    const path = join(dir, name);
    const store = openSqliteStore(path);
    let n = 0;
    for (const size of batches)
      await store.append(
        Array.from({ length: size }, () => readInput({ clause_id: `C-${n}`, tokens: n++ % 97 })),
      );
    await store.close();
    return path;
  }

  it('hashes long spans on worker threads and builds the tree the single walk builds', async () => {
    const path = await ledger('healthy.db', [30, 3, 27, 1, 32, 29, 31, 17, 30]);
    const { single, parallel } = await both(path, GENESIS);
    expect(parallel).toEqual({ ...single, byWorkers: true });
    expect(single).toMatchObject({ last: { seq: 200 }, byWorkers: false });

    const store = openSqliteStore(path, { readonly: true });
    try {
      const one = await buildTree(store, undefined, openSqliteLeafReader(path));
      const many = await buildTree(
        store,
        undefined,
        parallelLeafReader(path, openSqliteLeafReader(path), { threads: 2, spanLevels: SPAN_LEVELS }),
      );
      for (const size of [1, 7, 8, 9, 64, 150, 200]) expect(many.root(size)).toEqual(one.root(size));
      for (const index of [0, 63, 64, 199])
        expect(many.inclusionProof(index)).toEqual(one.inclusionProof(index));
      expect(many.consistencyProof(37)).toEqual(one.consistencyProof(37));
    } finally {
      await store.close();
    }
  });

  it('gives the single walk its verdict, from any record, up to any record, tampered or not', async () => {
    let n = 0;
    const tamper = fc.record({
      kind: fc.constantFrom('edit', 'delete', 'hash', 'prev'),
      block: fc.nat(),
      at: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(
        // Blocks of up to four spans (32 records) are split; larger ones leave the whole walk to one thread.
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 2, maxLength: 8 }),
        fc.nat(),
        fc.nat(),
        fc.option(tamper, { nil: undefined }),
        async (batches, a, b, edit) => {
          const path = await ledger(`ledger-${n++}.db`, batches);
          const total = batches.reduce((x, y) => x + y, 0);
          const db = new Database(path);
          const blocks = db.prepare('SELECT first_seq, last_seq FROM blocks ORDER BY first_seq').all() as {
            first_seq: number;
            last_seq: number;
          }[];
          // The chain point the walk starts from, read before any tampering (as a trusted checkpoint would be).
          const fromSeq = a % total;
          const reader = openSqliteLeafReader(path);
          const at = (await leavesOf(reader, GENESIS, fromSeq)) as { last: ChainPoint };
          await reader.close();
          if (edit) {
            const block = blocks[edit.block % blocks.length] as { first_seq: number; last_seq: number };
            const k = edit.at % (block.last_seq - block.first_seq + 1);
            if (edit.kind === 'edit')
              db.prepare(
                `UPDATE blocks SET records = json_replace(records, '$[${k}][3]', 7777) WHERE first_seq = ?`,
              ).run(block.first_seq);
            else if (edit.kind === 'delete')
              db.prepare('DELETE FROM blocks WHERE first_seq = ?').run(block.first_seq);
            else flipHashSlot(db, block.first_seq, edit.kind === 'prev' ? 0 : k + 1);
          }
          db.close();
          const upTo = fromSeq + 1 + (b % (total - fromSeq));
          const whole = await both(path, at.last);
          expect(withoutWorkers(whole.parallel)).toEqual(withoutWorkers(whole.single));
          const part = await both(path, at.last, upTo);
          expect(withoutWorkers(part.parallel)).toEqual(withoutWorkers(part.single));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('refuses spans that are each consistent but do not join, as the single walk does', async () => {
    // Six commits of 8, a block each: span 3 (seqs 17..24) starts on a block. The chain from seq 17 on is rewritten
    // consistently from a forged prev_hash, so only the join between spans 2 and 3 can see it.
    const path = await ledger('forked.db', [8, 8, 8, 8, 8, 8]);
    const store = openSqliteStore(path, { readonly: true });
    const records = await store.recordsAfter(0, 100);
    const format = store.recordHash;
    await store.close();
    let prev = createHash('sha256').update('another chain').digest('hex');
    for (const record of records.slice(16)) {
      record.prev_hash = prev;
      record.hash = computeRecordHash(record, format);
      prev = record.hash;
    }
    const db = new Database(path);
    const blocks = db.prepare('SELECT first_seq, last_seq FROM blocks ORDER BY first_seq').all();
    expect(blocks).toHaveLength(6);
    for (const { first_seq, last_seq } of blocks as { first_seq: number; last_seq: number }[]) {
      const span = records.slice(first_seq - 1, last_seq);
      const hashes = Buffer.concat(
        [span[0]?.prev_hash ?? '', ...span.map((r) => r.hash)].map((h) => Buffer.from(h, 'hex')),
      );
      db.prepare('UPDATE blocks SET hashes = ? WHERE first_seq = ?').run(hashes, first_seq);
    }
    db.close();
    const { single, parallel } = await both(path, GENESIS);
    expect(single).toEqual({ error: expect.stringMatching(/seq 17: prev_hash does not match/) });
    expect(parallel).toEqual(single);
  });

  it('refuses a block duplicated between two spans, as the single walk does', async () => {
    // Spans of 8 from seq 1: a copy of seqs 7..8 sits between span 1 (ending on block 1's end) and span 2.
    const path = await ledger('duplicated.db', [8, 8, 8, 8, 8, 8]);
    const db = new Database(path);
    copyBlockRows(db, 1, 6, 2, 7);
    // And one that starts inside a span: a copy of seqs 19..21 of the block holding 17..24.
    copyBlockRows(db, 17, 2, 3, 19);
    db.close();
    const { single, parallel } = await both(path, GENESIS);
    expect(single).toEqual({ error: expect.stringMatching(/seq 7: appears after seq 8/) });
    expect(parallel).toEqual(single);
  });

  it('splits by what the blocks claim without trusting it: a last_seq of 10^15 costs one failed span', async () => {
    const path = await ledger('claims.db', [40, 40]);
    const db = new Database(path);
    db.prepare('UPDATE blocks SET last_seq = 1000000000000000 WHERE first_seq = 41').run();
    db.close();
    const { single, parallel } = await both(path, GENESIS);
    expect(withoutWorkers(parallel)).toEqual(withoutWorkers(single));
    expect(single).toMatchObject({ last: { seq: 80 } });
  });

  it('leaves a short span to the single walk', async () => {
    const path = await ledger('short.db', [31]);
    const { single, parallel } = await both(path, GENESIS);
    expect(parallel).toEqual(single);
    expect(parallel).toMatchObject({ byWorkers: false, last: { seq: 31 } });
  });
});
