// The PostgreSQL ledger's read side: the chain's ends, runs with who read for them, reads found through the
// summaries, and the whole chain checked (verify). Each function runs its statements on the connection it is
// given; the store decides which (any pooled one, or one REPEATABLE READ transaction) and reports failures.
import type { QueryResult, QueryResultRow } from 'pg';
import { createChainVerifier } from './hash-chain.js';
import { COLUMNS, GROUP_COLUMNS, quoteIdent, summaryDifferences } from './postgres-schema.js';
import { formatClient } from './refs.js';
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

/** A pg Pool or one of its clients: all a read needs. */
export interface Queryable {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

type Row = Omit<ReadRecord, 'seq'> & { seq: string | number };
type HeadRow = { seq: string; hash: string };
type RunRow = {
  run_id: string;
  run_id_source: RunSummary['run_id_source'];
  first_ts: string;
  last_ts: string;
  reads: string;
};
type IdentityRow = {
  run_id: string;
  principal: string | null;
  client_name: string | null;
  client_version: string | null;
};
type GroupRow = Omit<ReadGroup, 'reads' | 'first_seq' | 'last_seq'> & {
  reads: string;
  first_seq: string;
  last_seq: string;
};

/** verify() reads the chain in pages of this many rows, so memory stays flat however long the ledger. */
const VERIFY_PAGE_ROWS = 5000;

function toRecord(row: Row): ReadRecord {
  // bigint comes back as a string from pg (it may not fit a double); seqs stay far below 2^53.
  return { ...row, seq: Number(row.seq) };
}

function toHead(row: HeadRow | undefined): { seq: number; hash: string } | null {
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}

/** Run summaries with each run's principals and clients, in the order first read through (identities arrive so). */
function summarizeRuns(runs: readonly RunRow[], identities: readonly IdentityRow[]): RunSummary[] {
  const principals = new Map<string, string[]>();
  const clients = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, runId: string, value: string | null) => {
    if (value === null) return;
    const list = map.get(runId);
    if (list === undefined) map.set(runId, [value]);
    else if (!list.includes(value)) list.push(value);
  };
  for (const row of identities) {
    add(principals, row.run_id, row.principal);
    add(clients, row.run_id, formatClient(row.client_name, row.client_version));
  }
  return runs.map((row) => ({
    run_id: row.run_id,
    run_id_source: row.run_id_source,
    first_ts: row.first_ts,
    last_ts: row.last_ts,
    reads: Number(row.reads),
    principals: principals.get(row.run_id) ?? [],
    clients: clients.get(row.run_id) ?? [],
  }));
}

export interface ChainEnds {
  head: { seq: number; hash: string } | null;
  first: ReadRecord | undefined;
  last: ReadRecord | undefined;
}

export interface PostgresReads {
  /** The head row and the first and last records, for the checks at open. */
  ends(db: Queryable): Promise<ChainEnds>;
  /** Runs with who read for them; two statements, so give it one read transaction. */
  runs(db: Queryable): Promise<RunSummary[]>;
  run(db: Queryable, runId: string): Promise<RunSummary | null>;
  readGroups(db: Queryable, filter: ReadGroupFilter): Promise<ReadGroup[]>;
  reads(db: Queryable, filter: ReadFilter): Promise<ReadRecord[]>;
  servedText(db: Queryable, digest: string): Promise<string | null>;
  recordsAfter(db: Queryable, afterSeq: number, limit: number): Promise<ReadRecord[]>;
  meta(db: Queryable, key: string): Promise<string | null>;
  /** The whole chain, a page at a time, then the summaries against it; give it one read transaction. */
  verify(db: Queryable, format: RecordHashFormat, options: VerifyOptions): Promise<VerifyResult>;
}

/** The read statements of the ledger in `schema` (already checked by checkSchemaName). */
export function createPostgresReads(schema: string): PostgresReads {
  const s = quoteIdent(schema);
  const selectReads = `SELECT ${COLUMNS.join(', ')} FROM ${s}.reads`;
  const GROUP = `${GROUP_COLUMNS.join(', ')}, reads, first_seq, last_seq, first_ts, last_ts`;
  const sql = {
    head: `SELECT seq, hash FROM ${s}.head WHERE id = 1`,
    page: `${selectReads} WHERE seq > $1 ORDER BY seq LIMIT $2`,
    firstRead: `${selectReads} ORDER BY seq LIMIT 1`,
    lastRead: `${selectReads} ORDER BY seq DESC LIMIT 1`,
    servedText: `SELECT text FROM ${s}.snapshots WHERE digest = $1`,
    meta: `SELECT value FROM ${s}.meta WHERE key = $1`,
    runs: `SELECT run_id, run_id_source, first_ts, last_ts, reads FROM ${s}.runs ORDER BY first_seq`,
    run: `SELECT run_id, run_id_source, first_ts, last_ts, reads FROM ${s}.runs WHERE run_id = $1`,
    identities: `SELECT run_id, principal, client_name, client_version FROM ${s}.run_identities
                 ORDER BY run_id, first_seq`,
    identitiesOf: `SELECT run_id, principal, client_name, client_version FROM ${s}.run_identities
                   WHERE run_id = $1 ORDER BY first_seq`,
    groupsOfRun: `SELECT ${GROUP} FROM ${s}.read_groups WHERE run_id = $1 ORDER BY first_seq`,
    groupsOfRef: `SELECT ${GROUP} FROM ${s}.read_groups
                  WHERE spec_id = $1 AND ($2::text IS NULL OR clause_id = $2) AND ($3::text IS NULL OR digest = $3)
                  ORDER BY first_seq`,
    summaryDifferences: summaryDifferences(s),
  };
  const rows = async <R extends QueryResultRow>(db: Queryable, text: string, values: unknown[] = []) =>
    (await db.query<R>(text, values)).rows;

  return {
    async ends(db) {
      const [head, first, last] = await Promise.all([
        rows<HeadRow>(db, sql.head),
        rows<Row>(db, sql.firstRead),
        rows<Row>(db, sql.lastRead),
      ]);
      return {
        head: toHead(head[0]),
        first: first[0] ? toRecord(first[0]) : undefined,
        last: last[0] ? toRecord(last[0]) : undefined,
      };
    },

    async runs(db) {
      const identities = await rows<IdentityRow>(db, sql.identities);
      return summarizeRuns(await rows<RunRow>(db, sql.runs), identities);
    },

    async run(db, runId) {
      const identities = await rows<IdentityRow>(db, sql.identitiesOf, [runId]);
      return summarizeRuns(await rows<RunRow>(db, sql.run, [runId]), identities)[0] ?? null;
    },

    async readGroups(db, filter) {
      const groups =
        'run_id' in filter
          ? await rows<GroupRow>(db, sql.groupsOfRun, [filter.run_id])
          : await rows<GroupRow>(db, sql.groupsOfRef, [
              filter.spec_id,
              filter.clause_id ?? null,
              filter.digest ?? null,
            ]);
      return groups.map(
        (row): ReadGroup => ({
          ...row,
          reads: Number(row.reads),
          first_seq: Number(row.first_seq),
          last_seq: Number(row.last_seq),
        }),
      );
    },

    async reads(db, filter) {
      const keys = (['run_id', 'spec_id', 'clause_id', 'digest'] as const).filter(
        (k) => filter[k] !== undefined,
      );
      const where = keys.length === 0 ? '' : ` WHERE ${keys.map((k, i) => `${k} = $${i + 1}`).join(' AND ')}`;
      const found = await rows<Row>(
        db,
        `${selectReads}${where} ORDER BY seq`,
        keys.map((k) => filter[k]),
      );
      return found.map(toRecord);
    },

    async servedText(db, digest) {
      return (await rows<{ text: string }>(db, sql.servedText, [digest]))[0]?.text ?? null;
    },

    async recordsAfter(db, afterSeq, limit) {
      return (await rows<Row>(db, sql.page, [afterSeq, limit])).map(toRecord);
    },

    async meta(db, key) {
      return (await rows<{ value: string }>(db, sql.meta, [key]))[0]?.value ?? null;
    },

    async verify(db, format, options) {
      const verifier = createChainVerifier({
        head: toHead((await rows<HeadRow>(db, sql.head))[0]),
        onProgress: options.onProgress,
        format,
      });
      let after = 0;
      for (;;) {
        const page = await rows<Row>(db, sql.page, [after, VERIFY_PAGE_ROWS]);
        for (const row of page) {
          const failure = verifier.push(toRecord(row));
          if (failure) return failure;
        }
        const lastRow = page.at(-1);
        if (page.length < VERIFY_PAGE_ROWS || !lastRow) break;
        after = Number(lastRow.seq);
      }
      const result = verifier.finish();
      // The summaries are judged only once the chain holds: they are derived from it.
      if (!result.ok) return result;
      type Difference = { summary: string; run_id: string; first_seq: string };
      const difference = (await rows<Difference>(db, sql.summaryDifferences))[0];
      if (difference === undefined) return result;
      const seq = Number(difference.first_seq);
      return {
        ok: false,
        records: result.records,
        seq,
        reason: `seq ${seq}: the ${difference.summary} summary of run ${difference.run_id} does not match its records (runs, who-read and stale answer from it)`,
      };
    },
  };
}
