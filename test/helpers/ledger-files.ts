// Ledger files for the proof tests: a scripted agent run into a SQLite ledger, and what someone who can write to it can do.
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openLedger } from '../../src/ledger/open.js';
import type { ReadRecord, ReadRecordInput } from '../../src/ledger/types.js';
import { connectStdioCli } from './cli.js';
import { specsExample } from './paths.js';

/** A scripted agent run over stdio: the reads a coding agent makes, recorded by the real server. */
export async function scriptedRun(ledger: string, runId: string): Promise<void> {
  const cli = await connectStdioCli(['--specs', specsExample, '--ledger', ledger], {
    env: { SPECLEDGER_RUN_ID: runId },
  });
  await cli.client.callTool({ name: 'read_root', arguments: {} });
  await cli.client.callTool({ name: 'get_clause', arguments: { ref: 'auth#token-lifetime' } });
  await cli.client.callTool({ name: 'search_specs', arguments: { query: 'clock skew' } });
  await cli.client.callTool({ name: 'get_outline', arguments: { spec: 'payments' } });
  await cli.close();
}

/** A self-contained copy of a SQLite ledger, its WAL included (copying the file alone could miss commits). */
export function copyLedger(from: string, to: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${to}${suffix}`, { force: true });
  const db = new Database(from, { readonly: true });
  db.prepare('VACUUM INTO ?').run(to);
  db.close();
}

/** Removes a SQLite ledger with its WAL and shared-memory files. */
export function removeLedger(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
}

/** Every record of a ledger, oldest first, as the store returns them. */
export async function allRecords(ledger: string): Promise<ReadRecord[]> {
  const store = await openLedger(ledger, { readonly: true });
  try {
    return await store.reads({});
  } finally {
    await store.close();
  }
}

/**
 * What someone who can write to the database can do: write a new ledger from the records as they like them, every
 * hash recomputed by the store itself, and put it in place of the old file. Optionally keeps the tree state too.
 */
export async function forgeLedger(
  ledger: string,
  records: readonly ReadRecord[],
  keepTreeMeta: boolean,
): Promise<void> {
  const forged = `${ledger}.forged`;
  rmSync(forged, { force: true });
  const store = await openLedger(forged);
  const inputs: ReadRecordInput[] = records.map(({ seq: _s, prev_hash: _p, hash: _h, ...input }) => input);
  await store.append(inputs);
  if (keepTreeMeta) {
    const original = await openLedger(ledger, { readonly: true });
    for (const key of ['checkpoint', 'checkpoint_range'] as const) {
      const value = await original.treeMeta(key);
      if (value !== null) await store.setTreeMeta(key, value);
    }
    await original.close();
  }
  await store.close();
  removeLedger(ledger);
  copyLedger(forged, ledger);
  removeLedger(forged);
}

/**
 * Inserts, as a block of its own at `at`, a copy of `count` records of the block starting at `block`, from its
 * `from`-th (0-based): their rows, the prev_hash slot before them and their hashes, as SpecLedger stores them.
 */
export function copyBlockRows(
  db: Database.Database,
  block: number,
  from: number,
  count: number,
  at: number,
): void {
  const rows = Array.from({ length: count }, (_, i) => `records -> ${from + i}`).join(', ');
  db.prepare(
    `INSERT INTO blocks (first_seq, last_seq, records, hashes)
     SELECT ?, ?, json_array(${rows}), substr(hashes, ? * 32 + 1, ? * 32) FROM blocks WHERE first_seq = ?`,
  ).run(at, at + count - 1, from, count + 1, block);
}

/** Flips one bit of hash slot `slot` (0: the prev_hash before the block's first record) of the block at `block`. */
export function flipHashSlot(db: Database.Database, block: number, slot: number): void {
  const { hashes } = db.prepare('SELECT hashes FROM blocks WHERE first_seq = ?').get(block) as {
    hashes: Buffer;
  };
  hashes.writeUInt8(hashes.readUInt8(slot * 32) ^ 1, slot * 32);
  db.prepare('UPDATE blocks SET hashes = ? WHERE first_seq = ?').run(hashes, block);
}
