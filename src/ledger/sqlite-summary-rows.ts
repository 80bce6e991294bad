// The SQLite summaries' rows as the store answers them: a run's summary (runs list, runs show) and the read groups of
// who-read and stale, merged from run_targets rows.
import { formatClient } from './refs.js';
import { type FieldDictionary, UnreadableBlockError } from './sqlite-blocks.js';
import type { ReadGroup, RunIdSource, RunSummary } from './types.js';

/** A timestamp as stored: epoch milliseconds, or the text a record came with. */
type Ts = number | string;

/** SQLite's order for stored timestamps (numbers before strings), as the summaries were built with. */
function tsBefore(a: Ts, b: Ts): boolean {
  if (typeof a === typeof b) return a < b;
  return typeof a === 'number';
}

/** run_id, run_id_source, first_ts, last_ts, reads, identities (JSON: [principal, client, version] each). */
export type RunRow = [string, RunIdSource, Ts, Ts, number, string];

/** A run row as the summary runs list and runs show answer, each principal and client once, in first-read order. */
export function runSummary(row: RunRow, dictionary: FieldDictionary): RunSummary {
  const principals: string[] = [];
  const clients: string[] = [];
  let identities: unknown;
  try {
    identities = JSON.parse(row[5]);
  } catch {
    identities = [];
  }
  for (const [principal, name, version] of identities as [string | null, string | null, string | null][]) {
    if (principal !== null && !principals.includes(principal)) principals.push(principal);
    const client = formatClient(name, version);
    if (client !== null && !clients.includes(client)) clients.push(client);
  }
  return {
    run_id: row[0],
    run_id_source: row[1],
    first_ts: dictionary.timestamp(row[2]) as string,
    last_ts: dictionary.timestamp(row[3]) as string,
    reads: row[4],
    principals,
    clients,
  };
}

/** target, run_id, reads, first_seq, last_seq, first_ts, last_ts, principal, client_name, client_version. */
export type GroupRow = [
  number,
  string,
  number,
  number,
  number,
  Ts,
  Ts,
  string | null,
  string | null,
  string | null,
];

/**
 * Merges run_targets rows into ReadGroups. A row is per (target, run, context), finer than a group: a target also
 * names the tool, version, status and commit, a context the session, transport and run ID source. Rows come in
 * index order, so a target's rows of one run are adjacent; a group spans several targets only when two targets
 * differ in nothing a group keeps (rare), and only then does merging need a map. Rows are streamed and allocation
 * kept to the groups themselves: at 10k runs of one clause, garbage collection was half of who-read's time.
 * The targets' fields are looked up first, as no statement may run while the rows are being iterated.
 */
export function groupsOf(
  dictionary: FieldDictionary,
  targetIds: readonly number[],
  eachRow: (add: (row: GroupRow) => void) => void,
): ReadGroup[] {
  const targets = new Map<number, { key: string; fields: readonly unknown[] }>();
  const targetOfKey = new Set<string>();
  let shared = false;
  for (const id of targetIds) {
    const fields = dictionary.target(id);
    if (fields === undefined)
      throw new UnreadableBlockError(0, 'a summary points at shared fields the ledger does not hold');
    const key = JSON.stringify([fields[1], fields[2], fields[3], fields[6]]);
    targets.set(id, { key, fields });
    if (targetOfKey.has(key)) shared = true;
    targetOfKey.add(key);
  }
  const groups: ReadGroup[] = [];
  // The stored (undecoded) timestamps of each group, beside it: compared as stored, decoded once at the end.
  const firstTs: Ts[] = [];
  const lastTs: Ts[] = [];
  const byKey = shared ? new Map<string, number>() : undefined;
  let previous: GroupRow | undefined;
  eachRow((row) => {
    const [targetId, runId, reads, firstSeq, lastSeq, first, last, principal, clientName, clientVersion] =
      row;
    const target = targets.get(targetId);
    if (target === undefined)
      throw new UnreadableBlockError(firstSeq, 'a summary points at shared fields the ledger does not hold');
    let at = -1;
    if (byKey !== undefined) {
      const key = JSON.stringify([runId, principal, clientName, clientVersion, target.key]);
      at = byKey.get(key) ?? -1;
      if (at < 0) byKey.set(key, groups.length);
    } else if (
      previous !== undefined &&
      previous[0] === targetId &&
      previous[1] === runId &&
      previous[7] === principal &&
      previous[8] === clientName &&
      previous[9] === clientVersion
    )
      at = groups.length - 1;
    previous = row;
    if (at < 0) {
      const fields = target.fields;
      groups.push({
        run_id: runId,
        kind: fields[1] as ReadGroup['kind'],
        spec_id: fields[2] as string,
        clause_id: fields[3] as string | null,
        digest: fields[6] as string | null,
        principal,
        client_name: clientName,
        client_version: clientVersion,
        reads,
        first_seq: firstSeq,
        last_seq: lastSeq,
        first_ts: '',
        last_ts: '',
      });
      firstTs.push(first);
      lastTs.push(last);
      return;
    }
    const group = groups[at] as ReadGroup;
    group.reads += reads;
    if (firstSeq < group.first_seq) group.first_seq = firstSeq;
    if (lastSeq > group.last_seq) group.last_seq = lastSeq;
    if (tsBefore(first, firstTs[at] as Ts)) firstTs[at] = first;
    if (tsBefore(lastTs[at] as Ts, last)) lastTs[at] = last;
  });
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] as ReadGroup;
    group.first_ts = dictionary.timestamp(firstTs[i]) as string;
    group.last_ts = dictionary.timestamp(lastTs[i]) as string;
  }
  return groups.sort((a, b) => a.first_seq - b.first_seq);
}
