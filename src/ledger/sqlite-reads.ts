// The SQLite ledger's read side: the head, blocks walked a page at a time, reads found through the run and target
// summaries, and the whole chain checked (verify). Every function runs inside the caller's read transaction.
import type Database from 'better-sqlite3';
import { createChainVerifier } from './hash-chain.js';
import {
  decodeBlock,
  expandRecord,
  parseBlock,
  type StoredBlock,
  UnreadableBlockError,
} from './sqlite-blocks.js';
import { createBlockChecker } from './sqlite-chain.js';
import { createFieldDictionary, type SqliteFieldDictionary } from './sqlite-fields.js';
import { findSummaryDamage } from './sqlite-summaries.js';
import { type GroupRow, groupsOf, type RunRow, runSummary } from './sqlite-summary-rows.js';
import type {
  ReadFilter,
  ReadGroup,
  ReadGroupFilter,
  ReadRecord,
  RecordHashFormat,
  RunSummary,
  VerifyOptions,
  VerifyResult,
} from './types.js';

/** Blocks read per statement when walking many: no statement may run while another iterates, so walks page. */
const PAGE_BLOCKS = 500;

export interface SqliteReads {
  /** Where the chain ends as meta records it (kept apart from the blocks), or null for an empty ledger. */
  head(): { seq: number; hash: string } | null;
  firstBlock(): StoredBlock | undefined;
  lastBlock(): StoredBlock | undefined;
  runs(): RunSummary[];
  run(runId: string): RunSummary | null;
  readGroups(filter: ReadGroupFilter): ReadGroup[];
  reads(filter: ReadFilter): ReadRecord[];
  recordsAfter(afterSeq: number, limit: number): ReadRecord[];
  /** The text served under a digest, as stored when it was read, or null. */
  servedText(digest: string): string | null;
  /** A value kept in meta beside the records, or null. */
  meta(key: string): string | null;
  verify(format: RecordHashFormat, options: VerifyOptions): VerifyResult;
}

export function createSqliteReads(db: Database.Database, dictionary: SqliteFieldDictionary): SqliteReads {
  const getMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
  const getServedText = db.prepare('SELECT text FROM snapshots WHERE digest = ?').pluck();
  const BLOCK = 'first_seq, records, hashes';
  // The block holding seq afterSeq + 1 and those after it (blocks cover contiguous seq ranges).
  const blocksFrom = db.prepare(
    `SELECT ${BLOCK} FROM blocks WHERE first_seq >= coalesce((SELECT max(first_seq) FROM blocks WHERE first_seq <= ?), 0)
     ORDER BY first_seq LIMIT ?`,
  );
  const blocksPage = db.prepare(`SELECT ${BLOCK} FROM blocks WHERE first_seq > ? ORDER BY first_seq LIMIT ?`);
  const firstBlock = db.prepare(`SELECT ${BLOCK} FROM blocks ORDER BY first_seq LIMIT 1`);
  const lastBlock = db.prepare(`SELECT ${BLOCK} FROM blocks ORDER BY first_seq DESC LIMIT 1`);
  const runKey = db.prepare('SELECT id FROM runs WHERE run_id = ?').pluck();
  const blocksOfRunKey = db.prepare(`
    SELECT b.first_seq, b.records, b.hashes FROM block_runs AS i JOIN blocks AS b ON b.first_seq = i.first_seq
    WHERE i.run = ? ORDER BY i.first_seq`);
  const runsOfTarget = db.prepare('SELECT DISTINCT run FROM run_targets WHERE target = ?').pluck();
  // A run with who read for it (principal, client name and version of each context it read through, in the order
  // first read through), in one statement: a statement per run would be most of the cost of listing 10k runs.
  const RUN = `u.run_id, u.run_id_source, u.first_ts, u.last_ts, u.reads,
    (SELECT json_group_array(json_array(c.principal, c.client_name, c.client_version) ORDER BY rc.first_seq)
     FROM run_contexts AS rc JOIN contexts AS c ON c.id = rc.context WHERE rc.run = u.id) AS identities`;
  const allRuns = db.prepare(`SELECT ${RUN} FROM runs AS u ORDER BY u.first_seq`).raw();
  const oneRun = db.prepare(`SELECT ${RUN} FROM runs AS u WHERE u.run_id = ?`).raw();
  // Each group row with who read (from its context) joined in, for the same reason.
  const GROUP = `rt.target, c.run_id, rt.reads, rt.first_seq, rt.last_seq, rt.first_ts, rt.last_ts,
    c.principal, c.client_name, c.client_version
    FROM run_targets AS rt JOIN contexts AS c ON c.id = rt.context`;
  const groupsOfTarget = db.prepare(`SELECT ${GROUP} WHERE rt.target = ?`).raw();
  const groupsOfRunKey = db.prepare(`SELECT ${GROUP} WHERE rt.run = ?`).raw();
  const targetsOfRunKey = db.prepare('SELECT DISTINCT target FROM run_targets WHERE run = ?').pluck();

  function meta(key: string): string | null {
    return (getMeta.get(key) as string | undefined) ?? null;
  }

  function head(): { seq: number; hash: string } | null {
    const seq = meta('head_seq');
    const hash = meta('head_hash');
    return seq === null || hash === null ? null : { seq: Number(seq), hash };
  }

  /** Every block in seq order, a page per statement. */
  function* everyBlock(): Generator<StoredBlock> {
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const page = blocksPage.all(after, PAGE_BLOCKS) as StoredBlock[];
      yield* page;
      const last = page.at(-1);
      if (last === undefined || page.length < PAGE_BLOCKS) return;
      after = last.first_seq;
    }
  }

  /** The blocks holding reads of any of the given runs (keys), in seq order, each once. */
  function blocksOfRuns(keys: Iterable<number>): StoredBlock[] {
    const byFirstSeq = new Map<number, StoredBlock>();
    for (const key of keys)
      for (const block of blocksOfRunKey.all(key) as StoredBlock[]) byFirstSeq.set(block.first_seq, block);
    return [...byFirstSeq.values()].sort((a, b) => a.first_seq - b.first_seq);
  }

  const matches = (r: ReadRecord, filter: ReadFilter): boolean =>
    (filter.run_id === undefined || r.run_id === filter.run_id) &&
    (filter.spec_id === undefined || r.spec_id === filter.spec_id) &&
    (filter.clause_id === undefined || r.clause_id === filter.clause_id) &&
    (filter.digest === undefined || r.digest === filter.digest);

  /**
   * The reads matching the filter. By run: the run's blocks (block_runs), skipping other runs' records before
   * expanding them. By spec, clause or digest: the runs that read a matching target (run_targets), then their blocks.
   */
  function readsMatching(filter: ReadFilter): ReadRecord[] {
    let blocks: Iterable<StoredBlock>;
    let wantedTargets: Set<number> | undefined;
    if (filter.run_id !== undefined) {
      const key = runKey.get(filter.run_id) as number | undefined;
      if (key === undefined) return [];
      blocks = blocksOfRuns([key]);
    } else if (filter.spec_id !== undefined || filter.digest !== undefined) {
      wantedTargets = new Set(dictionary.targetsOf(filter));
      const runKeys = new Set<number>();
      for (const target of wantedTargets)
        for (const run of runsOfTarget.all(target) as number[]) runKeys.add(run);
      blocks = blocksOfRuns(runKeys);
    } else blocks = everyBlock();
    const out: ReadRecord[] = [];
    for (const block of blocks) {
      const parsed = parseBlock(block);
      for (let i = 0; i < parsed.rows.length; i++) {
        const row = parsed.rows[i] as unknown[];
        if (wantedTargets !== undefined && !wantedTargets.has(row[2] as number)) continue;
        if (filter.run_id !== undefined && dictionary.context(row[1] as number)?.[0] !== filter.run_id)
          continue;
        const record = expandRecord(parsed, i, dictionary);
        if (matches(record, filter)) out.push(record);
      }
    }
    return out;
  }

  return {
    head,
    meta,
    servedText: (digest) => (getServedText.get(digest) as string | undefined) ?? null,
    firstBlock: () => firstBlock.get() as StoredBlock | undefined,
    lastBlock: () => lastBlock.get() as StoredBlock | undefined,
    runs: () => (allRuns.all() as RunRow[]).map((row) => runSummary(row, dictionary)),
    run(runId) {
      const row = oneRun.get(runId) as RunRow | undefined;
      return row === undefined ? null : runSummary(row, dictionary);
    },
    readGroups(filter) {
      if ('run_id' in filter) {
        const key = runKey.get(filter.run_id) as number | undefined;
        if (key === undefined) return [];
        return groupsOf(dictionary, targetsOfRunKey.all(key) as number[], (add) => {
          for (const row of groupsOfRunKey.iterate(key) as Iterable<GroupRow>) add(row);
        });
      }
      const targets = dictionary.targetsOf(filter);
      return groupsOf(dictionary, targets, (add) => {
        for (const target of targets)
          for (const row of groupsOfTarget.iterate(target) as Iterable<GroupRow>) add(row);
      });
    },
    reads: readsMatching,
    recordsAfter(afterSeq, limit) {
      const out: ReadRecord[] = [];
      for (const block of blocksFrom.iterate(afterSeq + 1, limit) as IterableIterator<StoredBlock>) {
        // By position, not by the record's own seq: a tampered seq must reach verify, not be skipped.
        const records = decodeBlock(block, dictionary);
        for (let i = 0; i < records.length && out.length < limit; i++)
          if (block.first_seq + i > afterSeq) out.push(records[i] as ReadRecord);
        if (out.length >= limit) break;
      }
      return out;
    },
    verify(format, options) {
      const verifier = createChainVerifier({
        head: head(),
        onProgress: options.onProgress,
        format,
      });
      // Shared fields as the file holds them now, not as this process cached them when it wrote them.
      const fresh = createFieldDictionary(db, false);
      // A plain block is checked without building its records (~5× faster); any other, record by record.
      const chain = createBlockChecker(fresh, format);
      try {
        for (const block of everyBlock()) {
          const parsed = parseBlock(block);
          const count = parsed.rows.length;
          const checked = chain.check(parsed, 0, count, verifier.point());
          if (checked !== null) {
            verifier.skip(checked, count);
            continue;
          }
          // Every record decoded before any is judged, so an undecodable block counts as it always did.
          for (const record of decodeBlock(block, fresh)) {
            const failure = verifier.push(record);
            if (failure) return failure;
          }
        }
      } catch (error) {
        if (!(error instanceof UnreadableBlockError)) throw error;
        const records = verifier.finish().records;
        return {
          ok: false,
          records,
          seq: error.firstSeq,
          reason: `seq ${error.firstSeq}: ${error.message}`,
        };
      }
      const result = verifier.finish();
      // The summaries are judged only once the chain holds: they are derived from it.
      if (!result.ok) return result;
      const damage = findSummaryDamage(db);
      return damage === null ? result : { ok: false, records: result.records, ...damage };
    },
  };
}
