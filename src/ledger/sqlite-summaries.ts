// The SQLite ledger's summaries, kept at commit time: each run, the blocks holding its reads, and who read what.
import type Database from 'better-sqlite3';
import type { EncodedBlock } from './sqlite-blocks.js';

/*
 * `runs list`, who-read and stale used to decode every block they might concern: ~1 s at 200k reads, growing with
 * the ledger. The summaries make each cost what it returns:
 *
 *   runs          one row per run: first and last seq and timestamp, reads, how the run ID was learned
 *   run_contexts  the contexts (principal, client…) each run read through, with the first seq of each
 *   block_runs    which blocks hold each run's reads (runs show, get_provenance, attest)
 *   run_targets   per (target, run, context): reads, first and last seq and timestamp; only reads of a spec.
 *                 who-read looks it up by target, stale by run
 *
 * Summary timestamps are stored as the block stores them (epoch milliseconds, or the string when it is not a
 * canonical one), and SQLite's min() and max() order them: numbers before strings.
 */

type Ts = number | string;

/** SQLite's order for the values a summary timestamp can hold: numbers before strings, then by value. */
function tsBefore(a: Ts, b: Ts): boolean {
  if (typeof a === typeof b) return a < b;
  return typeof a === 'number';
}

/**
 * A value SQLite can bind, for the summaries of an upgraded ledger whose records were tampered with (a run ID that
 * is not a string…): its JSON. verify fails on such a chain before it looks at the summaries.
 */
export function bindable(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' || typeof value === 'number' ? value : JSON.stringify(value);
}

/** A run ID as the runs table keys it (NOT NULL): a tampered null or object as its JSON, so the ledger still opens. */
function runKeyText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/** A timestamp as a summary keeps it: a JSON value that is neither a number nor a string (tampering) as its JSON. */
function summaryTs(ts: unknown): Ts {
  return typeof ts === 'number' || typeof ts === 'string' ? ts : JSON.stringify(ts ?? null);
}

interface Span {
  reads: number;
  firstSeq: number;
  lastSeq: number;
  firstTs: Ts;
  lastTs: Ts;
}

function widen(span: Span, seq: number, ts: Ts): void {
  span.reads += 1;
  if (seq < span.firstSeq) span.firstSeq = seq;
  if (seq > span.lastSeq) span.lastSeq = seq;
  if (tsBefore(ts, span.firstTs)) span.firstTs = ts;
  if (tsBefore(span.lastTs, ts)) span.lastTs = ts;
}

interface SummaryWriter {
  /** Updates every summary for one block, inside the transaction that inserts it. */
  write(block: EncodedBlock): void;
  committed(): void;
  rolledBack(): void;
}

export function createSummaryWriter(db: Database.Database): SummaryWriter {
  const upsertRun = db
    .prepare(
      `INSERT INTO runs (run_id, run_id_source, first_seq, last_seq, first_ts, last_ts, reads)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET
         first_seq = min(first_seq, excluded.first_seq), last_seq = max(last_seq, excluded.last_seq),
         first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts),
         reads = reads + excluded.reads
       RETURNING id`,
    )
    .pluck();
  // A run whose key this process knows is updated by key: a rowid lookup instead of the run ID's unique index.
  const updateRun = db.prepare(
    `UPDATE runs SET
       first_seq = min(first_seq, ?), last_seq = max(last_seq, ?),
       first_ts = min(first_ts, ?), last_ts = max(last_ts, ?), reads = reads + ?
     WHERE id = ?`,
  );
  const insertBlockRun = db.prepare('INSERT OR IGNORE INTO block_runs (run, first_seq) VALUES (?, ?)');
  const insertRunContext = db.prepare(
    'INSERT OR IGNORE INTO run_contexts (run, context, first_seq) VALUES (?, ?, ?)',
  );
  const upsertRunTarget = db.prepare(
    `INSERT INTO run_targets (target, run, context, reads, first_seq, last_seq, first_ts, last_ts)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (target, run, context) DO UPDATE SET
       reads = reads + excluded.reads,
       first_seq = min(first_seq, excluded.first_seq), last_seq = max(last_seq, excluded.last_seq),
       first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts)`,
  );

  // (run, context) pairs known to be in run_contexts: a run reads through one or a few contexts, so after its first
  // read this is a set lookup instead of a statement. Pairs of the committing transaction wait in `pending`.
  const knownRunContexts = new Set<string>();
  const pending: string[] = [];
  // Run keys are never reassigned, so a key once committed stays right; keys of the committing transaction wait.
  const runKeyOf = new Map<string, number>();
  const pendingRuns: string[] = [];

  return {
    write(block) {
      const runs = new Map<string, Span & { source: unknown }>();
      for (const { record, seq, ts } of block.entries) {
        const stored = summaryTs(ts);
        const runId = runKeyText(record.run_id);
        const run = runs.get(runId);
        if (run === undefined) {
          runs.set(runId, {
            source: bindable(record.run_id_source),
            reads: 1,
            firstSeq: seq,
            lastSeq: seq,
            firstTs: stored,
            lastTs: stored,
          });
        } else widen(run, seq, stored);
      }
      const runKeys = new Map<string, number>();
      for (const [runId, run] of runs) {
        let key = runKeyOf.get(runId);
        if (
          key !== undefined &&
          updateRun.run(run.firstSeq, run.lastSeq, run.firstTs, run.lastTs, run.reads, key).changes === 1
        ) {
          // updated in place
        } else {
          key = upsertRun.get(
            runId,
            run.source,
            run.firstSeq,
            run.lastSeq,
            run.firstTs,
            run.lastTs,
            run.reads,
          ) as number;
          runKeyOf.set(runId, key);
          pendingRuns.push(runId);
        }
        runKeys.set(runId, key);
        insertBlockRun.run(key, block.firstSeq);
      }
      const groups = new Map<string, Span & { target: number; run: number; context: number }>();
      for (const { record, seq, ts, context, target } of block.entries) {
        const run = runKeys.get(runKeyText(record.run_id)) as number;
        const pair = `${run}:${context}`;
        if (!knownRunContexts.has(pair)) {
          insertRunContext.run(run, context, seq);
          knownRunContexts.add(pair);
          pending.push(pair);
        }
        if (record.spec_id === null) continue; // who-read and stale only ask about reads of a spec
        const key = `${target}:${pair}`;
        const stored = summaryTs(ts);
        const group = groups.get(key);
        if (group === undefined) {
          groups.set(key, {
            target,
            run,
            context,
            reads: 1,
            firstSeq: seq,
            lastSeq: seq,
            firstTs: stored,
            lastTs: stored,
          });
        } else widen(group, seq, stored);
      }
      for (const g of groups.values())
        upsertRunTarget.run(g.target, g.run, g.context, g.reads, g.firstSeq, g.lastSeq, g.firstTs, g.lastTs);
    },
    committed() {
      pending.length = 0;
      pendingRuns.length = 0;
    },
    rolledBack() {
      for (const pair of pending) knownRunContexts.delete(pair);
      for (const runId of pendingRuns) runKeyOf.delete(runId);
      pending.length = 0;
      pendingRuns.length = 0;
    },
  };
}

interface SummaryDamage {
  seq: number;
  reason: string;
}

/**
 * Recomputes every summary from the blocks, in SQL (bounded memory however long the ledger), and reports the first
 * that differs from what is stored. Run by verify once the chain holds: an edited summary changes no hash, but it
 * could hide reads from runs list, who-read or stale, or change their answers.
 */
export function findSummaryDamage(db: Database.Database): SummaryDamage | null {
  const bad = <T>(sql: string): T | undefined => db.prepare(sql).get() as T | undefined;
  const target = bad<{ id: number }>(`
    SELECT id FROM targets
    WHERE spec_id IS NOT fields ->> 2 OR clause_id IS NOT fields ->> 3 OR digest IS NOT fields ->> 6
    LIMIT 1`);
  if (target)
    return {
      seq: 0,
      reason: `target ${target.id}: its indexed spec, clause or digest differ from its fields`,
    };
  const context = bad<{ id: number }>(`
    SELECT id FROM contexts
    WHERE run_id IS NOT fields ->> 0 OR principal IS NOT fields ->> 2 OR client_name IS NOT fields ->> 4
       OR client_version IS NOT fields ->> 5
    LIMIT 1`);
  if (context)
    return {
      seq: 0,
      reason: `context ${context.id}: its indexed run, principal or client differ from its fields`,
    };

  const blockRun = bad<{ first_seq: number; run_id: string | null; missing: number }>(`
    WITH expected AS (
      SELECT DISTINCT b.first_seq, c.fields ->> 0 AS run_id
      FROM blocks AS b, json_each(b.records) AS r JOIN contexts AS c ON c.id = r.value ->> 1
    ), stored AS (
      SELECT i.first_seq, u.run_id FROM block_runs AS i LEFT JOIN runs AS u ON u.id = i.run
    )
    SELECT first_seq, run_id, 1 AS missing FROM (SELECT * FROM expected EXCEPT SELECT * FROM stored)
    UNION ALL
    SELECT first_seq, run_id, 0 AS missing FROM (SELECT * FROM stored EXCEPT SELECT * FROM expected)
    ORDER BY first_seq LIMIT 1`);
  if (blockRun) {
    return {
      seq: blockRun.first_seq,
      reason: blockRun.missing
        ? `seq ${blockRun.first_seq}: the block holding it is missing from the run index (run ${blockRun.run_id}), which would hide its reads from runs show`
        : `seq ${blockRun.first_seq}: the run index lists the block holding it under a run it holds no read of (${blockRun.run_id ?? 'an unknown run'})`,
    };
  }

  // Everything below is computed from one pass over the records, grouped as finely as run_targets is.
  db.exec(`
    DROP TABLE IF EXISTS temp.verify_groups;
    CREATE TEMP TABLE verify_groups AS
      SELECT r.value ->> 2 AS target, c.fields ->> 0 AS run_id, r.value ->> 1 AS context,
             count(*) AS reads, min(b.first_seq + r.key) AS first_seq, max(b.first_seq + r.key) AS last_seq,
             min(r.value ->> 0) AS first_ts, max(r.value ->> 0) AS last_ts
      FROM blocks AS b, json_each(b.records) AS r JOIN contexts AS c ON c.id = r.value ->> 1
      GROUP BY 1, 2, 3;`);
  try {
    const run = bad<{ run_id: string; first_seq: number }>(`
      WITH totals AS (
        SELECT run_id, min(first_seq) AS first_seq, max(last_seq) AS last_seq, min(first_ts) AS first_ts,
               max(last_ts) AS last_ts, sum(reads) AS reads
        FROM verify_groups GROUP BY run_id
      ), firsts AS (
        -- A lone min() makes the bare context column that of the run's first read, whose source the run keeps.
        SELECT run_id, context, min(first_seq) AS first_seq FROM verify_groups GROUP BY run_id
      ), expected AS (
        -- Totals and first contexts are each one row a run: joining them, not the groups, is 2.7x faster at 1M reads.
        SELECT t.run_id, c.fields ->> 1 AS source, t.first_seq, t.last_seq, t.first_ts, t.last_ts, t.reads
        FROM totals AS t JOIN firsts AS f ON f.run_id = t.run_id JOIN contexts AS c ON c.id = f.context
      ), stored AS (
        SELECT run_id, run_id_source, first_seq, last_seq, first_ts, last_ts, reads FROM runs
      )
      SELECT run_id, first_seq FROM (SELECT * FROM expected EXCEPT SELECT * FROM stored)
      UNION ALL
      SELECT run_id, first_seq FROM (SELECT * FROM stored EXCEPT SELECT * FROM expected)
      ORDER BY first_seq LIMIT 1`);
    if (run) {
      return {
        seq: run.first_seq,
        reason: `seq ${run.first_seq}: the summary of run ${run.run_id} does not match its records (runs lists it from there)`,
      };
    }
    const runContext = bad<{ run_id: string; first_seq: number }>(`
      WITH expected AS (
        SELECT run_id, context, min(first_seq) AS first_seq FROM verify_groups GROUP BY run_id, context
      ), stored AS (
        SELECT u.run_id, rc.context, rc.first_seq FROM run_contexts AS rc LEFT JOIN runs AS u ON u.id = rc.run
      )
      SELECT run_id, first_seq FROM (SELECT * FROM expected EXCEPT SELECT * FROM stored)
      UNION ALL
      SELECT run_id, first_seq FROM (SELECT * FROM stored EXCEPT SELECT * FROM expected)
      ORDER BY first_seq LIMIT 1`);
    if (runContext) {
      return {
        seq: runContext.first_seq,
        reason: `seq ${runContext.first_seq}: the principals and clients summarised for run ${runContext.run_id} do not match its records`,
      };
    }
    const group = bad<{ run_id: string; first_seq: number; spec_id: string; clause_id: string | null }>(`
      WITH expected AS (
        SELECT g.target, g.run_id, g.context, g.reads, g.first_seq, g.last_seq, g.first_ts, g.last_ts
        FROM verify_groups AS g JOIN targets AS t ON t.id = g.target WHERE t.spec_id IS NOT NULL
      ), stored AS (
        SELECT rt.target, u.run_id, rt.context, rt.reads, rt.first_seq, rt.last_seq, rt.first_ts, rt.last_ts
        FROM run_targets AS rt LEFT JOIN runs AS u ON u.id = rt.run
      ), differing AS (
        SELECT target, run_id, first_seq FROM (SELECT * FROM expected EXCEPT SELECT * FROM stored)
        UNION ALL
        SELECT target, run_id, first_seq FROM (SELECT * FROM stored EXCEPT SELECT * FROM expected)
      )
      SELECT d.run_id, d.first_seq, t.spec_id, t.clause_id
      FROM differing AS d LEFT JOIN targets AS t ON t.id = d.target
      ORDER BY d.first_seq LIMIT 1`);
    if (group) {
      const ref = group.clause_id === null ? group.spec_id : `${group.spec_id}#${group.clause_id}`;
      return {
        seq: group.first_seq,
        reason: `seq ${group.first_seq}: the summary of run ${group.run_id}'s reads of ${ref} does not match its records (who-read and stale answer from it)`,
      };
    }
    return null;
  } finally {
    db.exec('DROP TABLE IF EXISTS temp.verify_groups');
  }
}
