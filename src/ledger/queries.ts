// Ledger queries behind the CLI and MCP (runs, who-read, stale), written against LedgerStore so every store answers alike.
import { readsOfRun, unknownRun } from './records.js';
import { formatClient, formatRef, normalizeDigest, parseRef } from './refs.js';
import type {
  LedgerStore,
  ReadGroup,
  ReadGroupFilter,
  ReadKind,
  ReadRecord,
  RunIdSource,
  RunSummary,
} from './types.js';

export { type AttestOptions, attest, type InTotoStatement } from './attest.js';
export { readsOfRun } from './records.js';

interface RunInfo {
  id: string;
  /** How the run ID was learned, from the run's first read. */
  source: RunIdSource;
  principals: string[];
  clients: string[];
  first_ts: string;
  last_ts: string;
}

interface RunShowRead {
  seq: number;
  ts: string;
  kind: ReadKind;
  /** `spec#clause`, the spec id alone, or null for reads not tied to a spec (e.g. search). */
  ref: string | null;
  digest: string | null;
  version: string | null;
  tool: string;
  principal: string | null;
  transport: ReadRecord['transport'];
}

interface RunShow {
  run: RunInfo;
  reads: RunShowRead[];
}

interface WhoReadRun {
  run_id: string;
  /** Reads of the ref by this run. */
  reads: number;
  /** Distinct digests of the ref this run read, in the order first read. */
  digests: string[];
  principals: string[];
  clients: string[];
  first_ts: string;
  last_ts: string;
}

interface WhoReadResult {
  ref: string;
  digest: string | null;
  runs: WhoReadRun[];
}

interface StaleRead {
  ref: string;
  read_digest: string;
  /** null when the clause no longer exists. */
  current_digest: string | null;
  reason: 'changed' | 'removed';
}

interface StaleReport {
  run: string;
  stale: StaleRead[];
}

/**
 * The digest a ref has now, or undefined when it is gone. `kind` says which text the run read (an
 * outline and a whole spec share the ref `spec` but not a digest).
 */
type CurrentDigest = (
  specId: string,
  clauseId: string | null,
  kind: ReadKind,
) => { digest: string } | undefined;

/** What currentDigests needs of the specs as served now: a spec by ID, with its clauses' digests. */
interface CurrentSpecs {
  spec(
    specId: string,
  ): { digest: string; clauses: ReadonlyArray<{ id: string; digest: string }> } | undefined;
}

/** The digest each ref has in the specs now, for judging what a run read; everything is "removed" without specs. */
export function currentDigests(specs: CurrentSpecs | null): CurrentDigest {
  return (specId, clauseId) => {
    const spec = specs?.spec(specId);
    if (!spec) return undefined;
    if (clauseId === null) return { digest: spec.digest };
    const clause = spec.clauses.find((c) => c.id === clauseId);
    return clause ? { digest: clause.digest } : undefined;
  };
}

/** Kinds whose digest names text the agent relied on; search results and resources are not compared. */
const STALE_KINDS: ReadonlySet<ReadKind> = new Set(['clause', 'outline', 'root']);

interface Summary {
  principals: string[];
  clients: string[];
  first_ts: string;
  last_ts: string;
}

/** Distinct principals and clients in first-seen order, and the earliest and latest timestamps. */
function summarize(records: readonly ReadRecord[]): Summary {
  const principals = new Set<string>();
  const clients = new Set<string>();
  let first = records[0]?.ts ?? '';
  let last = first;
  for (const record of records) {
    if (record.principal !== null) principals.add(record.principal);
    const client = formatClient(record.client_name, record.client_version);
    if (client !== null) clients.add(client);
    // ISO-8601 UTC strings order lexically; two processes' clocks can interleave, so no seq order.
    if (record.ts < first) first = record.ts;
    if (record.ts > last) last = record.ts;
  }
  return { principals: [...principals], clients: [...clients], first_ts: first, last_ts: last };
}

export async function runsList(store: LedgerStore): Promise<RunSummary[]> {
  return store.runs();
}

export async function runShow(store: LedgerStore, runId: string): Promise<RunShow> {
  const records = await readsOfRun(store, runId);
  const first = records[0] as ReadRecord;
  return {
    run: { id: runId, source: first.run_id_source, ...summarize(records) },
    reads: records.map((r) => ({
      seq: r.seq,
      ts: r.ts,
      kind: r.kind,
      ref: formatRef(r.spec_id, r.clause_id),
      digest: r.digest,
      version: r.spec_version,
      tool: r.tool,
      principal: r.principal,
      transport: r.transport,
    })),
  };
}

/**
 * Runs that read `ref` (`SPEC#CLAUSE`, optionally `@DIGEST`, or `SPEC` for any part of a spec),
 * optionally only at `digest`, in the order they first read it. Answered from the store's read groups,
 * kept at commit time: the cost follows the runs listed, not the size of the ledger.
 */
export async function whoRead(store: LedgerStore, ref: string, digest?: string): Promise<WhoReadResult> {
  const parsed = parseRef(ref);
  const wanted = digest === undefined ? parsed.digest : normalizeDigest(digest);
  const filter: ReadGroupFilter = {
    spec_id: parsed.spec_id,
    ...(parsed.clause_id === null ? {} : { clause_id: parsed.clause_id }),
    ...(wanted === null ? {} : { digest: wanted }),
  };
  // Groups come in order of their first read, so each list below keeps first-read order. Plain arrays (a run has a
  // digest or two, a principal and a client or two): this runs once per group, 10k times for a clause every run read.
  const byRun = new Map<string, WhoReadRun>();
  const runs: WhoReadRun[] = [];
  for (const group of await store.readGroups(filter)) {
    let run = byRun.get(group.run_id);
    if (run === undefined) {
      run = {
        run_id: group.run_id,
        reads: 0,
        digests: [],
        principals: [],
        clients: [],
        first_ts: group.first_ts,
        last_ts: group.last_ts,
      };
      byRun.set(group.run_id, run);
      runs.push(run);
    }
    run.reads += group.reads;
    if (group.digest !== null && !run.digests.includes(group.digest)) run.digests.push(group.digest);
    if (group.principal !== null && !run.principals.includes(group.principal))
      run.principals.push(group.principal);
    const client = formatClient(group.client_name, group.client_version);
    if (client !== null && !run.clients.includes(client)) run.clients.push(client);
    // ISO-8601 UTC strings order lexically; two processes' clocks can interleave, so no seq order.
    if (group.first_ts < run.first_ts) run.first_ts = group.first_ts;
    if (group.last_ts > run.last_ts) run.last_ts = group.last_ts;
  }
  return { ref: formatRef(parsed.spec_id, parsed.clause_id) as string, digest: wanted, runs };
}

type ClauseStateNow = 'unchanged' | 'changed' | 'removed';

interface RunClauseState {
  ref: string;
  spec_id: string;
  clause_id: string | null;
  kind: ReadKind;
  read_digest: string;
  /** null when the clause no longer exists. */
  current_digest: string | null;
  state: ClauseStateNow;
}

/**
 * Every ref a run read, in the order of its last read, with its state now. Each ref is judged once, by the last
 * digest the run read for it: re-reading a clause after it changed means the run saw the new text.
 */
export async function runClauseStates(
  store: LedgerStore,
  runId: string,
  current: CurrentDigest,
): Promise<RunClauseState[]> {
  const groups = await store.readGroups({ run_id: runId });
  if (groups.length === 0 && (await store.run(runId)) === null) throw unknownRun(runId);
  const lastRead = new Map<string, ReadGroup & { digest: string }>();
  for (const group of groups) {
    if (!STALE_KINDS.has(group.kind) || group.digest === null) continue;
    const ref = formatRef(group.spec_id, group.clause_id) as string;
    const seen = lastRead.get(ref);
    if (seen === undefined || group.last_seq > seen.last_seq)
      lastRead.set(ref, group as ReadGroup & { digest: string });
  }
  return [...lastRead]
    .sort((a, b) => a[1].last_seq - b[1].last_seq)
    .map(([ref, group]) => {
      const now = current(group.spec_id, group.clause_id, group.kind);
      const state: ClauseStateNow =
        now === undefined ? 'removed' : now.digest === group.digest ? 'unchanged' : 'changed';
      return {
        ref,
        spec_id: group.spec_id,
        clause_id: group.clause_id,
        kind: group.kind,
        read_digest: group.digest,
        current_digest: now?.digest ?? null,
        state,
      };
    });
}

/** What the run read that has changed or gone since, judged as runClauseStates judges it. */
export async function staleReads(
  store: LedgerStore,
  runId: string,
  current: CurrentDigest,
): Promise<StaleReport> {
  const stale: StaleRead[] = [];
  for (const c of await runClauseStates(store, runId, current)) {
    if (c.state !== 'unchanged')
      stale.push({
        ref: c.ref,
        read_digest: c.read_digest,
        current_digest: c.current_digest,
        reason: c.state,
      });
  }
  return { run: runId, stale };
}

export interface RunsFilter {
  /** Case-insensitive substring of a client (`name/version`). */
  client?: string;
  /** Case-insensitive substring of a principal. */
  principal?: string;
  source?: RunIdSource;
  /** ISO-8601 bounds: runs active at some time within [from, to]. */
  from?: string;
  to?: string;
}

interface RunsPage {
  /** Runs matching the filter, before paging. */
  total: number;
  /** Newest first (by first read), `limit` from `offset`. */
  runs: RunSummary[];
}

const contains = (values: readonly string[], needle: string): boolean => {
  const wanted = needle.toLowerCase();
  return values.some((v) => v.toLowerCase().includes(wanted));
};

/** One page of the runs matching a filter, newest first: the console's runs list. */
export async function runsPage(
  store: LedgerStore,
  filter: RunsFilter,
  page: { offset: number; limit: number },
): Promise<RunsPage> {
  const matching: RunSummary[] = [];
  const all = await store.runs();
  for (let i = all.length - 1; i >= 0; i--) {
    const run = all[i] as RunSummary;
    if (filter.source !== undefined && run.run_id_source !== filter.source) continue;
    if (filter.client !== undefined && !contains(run.clients, filter.client)) continue;
    if (filter.principal !== undefined && !contains(run.principals, filter.principal)) continue;
    // ISO-8601 UTC strings order lexically.
    if (filter.from !== undefined && run.last_ts < filter.from) continue;
    if (filter.to !== undefined && run.first_ts > filter.to) continue;
    matching.push(run);
  }
  return { total: matching.length, runs: matching.slice(page.offset, page.offset + page.limit) };
}

/** Tokens served to a run, summed over its reads. */
export async function runTokens(store: LedgerStore, runId: string): Promise<number> {
  let tokens = 0;
  for (const record of await store.reads({ run_id: runId })) tokens += record.tokens;
  return tokens;
}

export interface ClauseReads {
  clause_id: string;
  reads: number;
  /** Distinct runs that read it. */
  runs: number;
  last_ts: string;
}

export interface SpecReads {
  spec_id: string;
  /** Every read of the spec: outlines, clauses, the whole text. */
  reads: number;
  runs: number;
  last_ts: string;
  /** The latest read of the whole text (a clause read without a clause, a resource), which covers every clause. */
  whole_last_ts: string | null;
  clauses: ClauseReads[];
}

const WHOLE_TEXT_KINDS: ReadonlySet<ReadKind> = new Set(['clause', 'resource']);

/**
 * Read totals per spec and clause for the given specs (those read at all), from the store's read groups: one
 * query per spec, so the cost follows the specs asked about, not the size of the ledger. `specledger audit`.
 */
export async function readTotals(store: LedgerStore, specIds: readonly string[]): Promise<SpecReads[]> {
  const out: SpecReads[] = [];
  for (const spec_id of specIds) {
    const groups = await store.readGroups({ spec_id });
    if (groups.length === 0) continue;
    const spec: SpecReads = { spec_id, reads: 0, runs: 0, last_ts: '', whole_last_ts: null, clauses: [] };
    const specRuns = new Set<string>();
    const clauses = new Map<string, ClauseReads & { runIds: Set<string> }>();
    for (const g of groups) {
      spec.reads += g.reads;
      specRuns.add(g.run_id);
      if (g.last_ts > spec.last_ts) spec.last_ts = g.last_ts;
      if (g.clause_id === null) {
        if (WHOLE_TEXT_KINDS.has(g.kind) && (spec.whole_last_ts === null || g.last_ts > spec.whole_last_ts))
          spec.whole_last_ts = g.last_ts;
        continue;
      }
      let c = clauses.get(g.clause_id);
      if (c === undefined) {
        c = { clause_id: g.clause_id, reads: 0, runs: 0, last_ts: g.last_ts, runIds: new Set() };
        clauses.set(g.clause_id, c);
      }
      c.reads += g.reads;
      c.runIds.add(g.run_id);
      if (g.last_ts > c.last_ts) c.last_ts = g.last_ts;
    }
    spec.runs = specRuns.size;
    for (const { runIds, ...c } of clauses.values()) spec.clauses.push({ ...c, runs: runIds.size });
    out.push(spec);
  }
  return out;
}
