// What the ledger says about the audited roots: what nobody reads, what everybody reads, who read retired specs.
import { readTotals, type SpecReads, whoRead } from '../ledger/queries.js';
import type { LedgerStore } from '../ledger/types.js';
import { frontmatterLine } from '../parse/frontmatter.js';
import { qualify } from '../parse/root-refs.js';
import type { Clause, SpecDoc } from '../parse/types.js';
import type { LoadedRoot } from './root-audit.js';
import { AUDIT_KINDS, type AuditFinding, type LedgerSection, type ReadCount } from './types.js';

interface LedgerAuditOptions {
  unreadDays: number;
  /** How many of the most-read clauses to list. */
  top: number;
  now: Date;
}

const DAY_MS = 86_400_000;

/**
 * A read names the spec as it was served: `auth` by a server of one root, `payments:auth` by a server of several
 * (src/parse/root-refs.ts), so a root's reads are those of its qualified IDs plus those of the bare ID. A bare ID
 * that several audited roots hold cannot be told apart: its reads count for each, and the section says which IDs
 * those are. Roots are matched by name, so audit them under the names they are served with.
 */
export async function ledgerAudit(
  store: LedgerStore,
  roots: readonly LoadedRoot[],
  options: LedgerAuditOptions,
): Promise<{ section: LedgerSection; findings: AuditFinding[] }> {
  const byId = new Map<string, Array<{ root: LoadedRoot; spec: SpecDoc }>>();
  for (const root of roots)
    for (const spec of root.snapshot.specs) byId.set(spec.id, [...(byId.get(spec.id) ?? []), { root, spec }]);
  const ledgerIds = [...byId].flatMap(([id, holders]) => [
    id,
    ...holders.map((h) => qualify(h.root.name, id)),
  ]);
  const stored = new Map((await readTotals(store, ledgerIds)).map((t) => [t.spec_id, t]));
  const totals = new Map<string, SpecReads>();
  for (const [id, holders] of byId) {
    const merged = [id, ...holders.map((h) => qualify(h.root.name, id))]
      .map((key) => stored.get(key))
      .filter((t): t is SpecReads => t !== undefined)
      .reduce<SpecReads | undefined>((a, b) => (a === undefined ? b : mergeSpecReads(a, b)), undefined);
    if (merged) totals.set(id, merged);
  }
  const cutoff = new Date(options.now.getTime() - options.unreadDays * DAY_MS).toISOString();
  const rootsOf = (id: string) => (byId.get(id) ?? []).map((h) => h.root.name);

  const unreadSpecs: ReadCount[] = [];
  const unreadClauses: ReadCount[] = [];
  const clauseCounts: ReadCount[] = [];
  for (const [id, holders] of byId) {
    const t = totals.get(id);
    if (!t || t.last_ts < cutoff) {
      unreadSpecs.push({
        ref: id,
        roots: rootsOf(id),
        reads: t?.reads ?? 0,
        runs: t?.runs ?? 0,
        last_ts: t?.last_ts ?? null,
      });
      continue;
    }
    const read = new Map(t.clauses.map((c) => [c.clause_id, c]));
    for (const c of t.clauses)
      clauseCounts.push({
        ref: `${id}#${c.clause_id}`,
        roots: rootsOf(id),
        reads: c.reads,
        runs: c.runs,
        last_ts: c.last_ts,
      });
    // Clauses of the first holder: a spec ID in two roots has two clause lists, and its reads cannot be told apart.
    const spec = holders[0]!.spec;
    const clauseById = new Map(spec.clauses.map((c) => [c.id, c]));
    for (const clause of spec.clauses) {
      if (readSince(clause, clauseById, t, read, cutoff)) continue;
      const c = read.get(clause.id);
      unreadClauses.push({
        ref: clause.ref,
        roots: rootsOf(id),
        reads: c?.reads ?? 0,
        runs: c?.runs ?? 0,
        last_ts: c?.last_ts ?? null,
      });
    }
  }
  clauseCounts.sort((a, b) => b.reads - a.reads || b.runs - a.runs || (a.ref < b.ref ? -1 : 1));

  const findings: AuditFinding[] = [];
  for (const root of roots) {
    const superseded = new Set(root.snapshot.specs.flatMap((s) => s.supersedes));
    for (const spec of root.snapshot.specs) {
      const retired =
        spec.status === 'deprecated' ? 'deprecated' : superseded.has(spec.id) ? 'superseded' : null;
      if (retired === null || !totals.has(spec.id)) continue;
      const runs = [
        ...(await whoRead(store, spec.id)).runs,
        ...(await whoRead(store, qualify(root.name, spec.id))).runs,
      ];
      if (runs.length === 0) continue;
      const shown = runs
        .slice(0, 3)
        .map((r) => `${r.run_id} (${r.reads} read${r.reads === 1 ? '' : 's'}, last ${r.last_ts})`);
      findings.push({
        kind: 'deprecated-read',
        severity: AUDIT_KINDS['deprecated-read'],
        root: root.name,
        file: spec.path,
        line: frontmatterLine(spec, 'status', 1),
        message: `${runs.length} run${runs.length === 1 ? '' : 's'} read ${retired} spec "${spec.id}": ${shown.join(', ')}${runs.length > 3 ? ` and ${runs.length - 3} more` : ''}`,
        why: `the spec is ${retired} now; those runs may have followed what it no longer says`,
        related: [],
      });
    }
  }
  return {
    section: {
      unreadDays: options.unreadDays,
      unreadSpecs,
      unreadClauses,
      mostRead: clauseCounts.slice(0, options.top),
      ambiguous: [...byId]
        .filter(([, h]) => h.length > 1)
        .map(([id]) => id)
        .sort(),
    },
    findings,
  };
}

/** Read since the cut-off: the clause itself, a section around it, or the whole spec's text. */
function readSince(
  clause: Clause,
  byId: ReadonlyMap<string, Clause>,
  totals: SpecReads,
  read: ReadonlyMap<string, { last_ts: string }>,
  cutoff: string,
): boolean {
  if (totals.whole_last_ts !== null && totals.whole_last_ts >= cutoff) return true;
  for (let c: Clause | undefined = clause; c; c = c.parentId === null ? undefined : byId.get(c.parentId)) {
    const r = read.get(c.id);
    if (r && r.last_ts >= cutoff) return true;
  }
  return false;
}

/**
 * One spec's reads under two ledger IDs (bare and root-qualified). Runs are added, so a run that read the spec
 * under both IDs (from two servers) counts twice; reads and dates are exact.
 */
function mergeSpecReads(a: SpecReads, b: SpecReads): SpecReads {
  const later = (x: string | null, y: string | null) => (x === null ? y : y === null || x >= y ? x : y);
  const clauses = new Map(a.clauses.map((c) => [c.clause_id, { ...c }]));
  for (const c of b.clauses) {
    const have = clauses.get(c.clause_id);
    if (have === undefined) clauses.set(c.clause_id, { ...c });
    else {
      have.reads += c.reads;
      have.runs += c.runs;
      have.last_ts = later(have.last_ts, c.last_ts) as string;
    }
  }
  return {
    spec_id: a.spec_id,
    reads: a.reads + b.reads,
    runs: a.runs + b.runs,
    last_ts: later(a.last_ts, b.last_ts) as string,
    whole_last_ts: later(a.whole_last_ts, b.whole_last_ts),
    clauses: [...clauses.values()],
  };
}
