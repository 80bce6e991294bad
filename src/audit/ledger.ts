// What the ledger says about the audited roots: what nobody reads, what everybody reads, who read retired specs.
import { readTotals, type SpecReads, whoRead } from '../ledger/queries.js';
import type { LedgerStore } from '../ledger/types.js';
import { frontmatterLine } from '../parse/frontmatter.js';
import type { Clause, SpecDoc } from '../parse/types.js';
import type { LoadedRoot } from './root-audit.js';
import { AUDIT_KINDS, type AuditFinding, type LedgerSection, type ReadCount } from './types.js';

export interface LedgerAuditOptions {
  unreadDays: number;
  /** How many of the most-read clauses to list. */
  top: number;
  now: Date;
}

const DAY_MS = 86_400_000;

/**
 * Reads name a spec ID, not a root (until reads record their root), so a spec ID served by several roots counts
 * its reads for each, and the section says which IDs those are.
 */
export async function ledgerAudit(
  store: LedgerStore,
  roots: readonly LoadedRoot[],
  options: LedgerAuditOptions,
): Promise<{ section: LedgerSection; findings: AuditFinding[] }> {
  const byId = new Map<string, Array<{ root: LoadedRoot; spec: SpecDoc }>>();
  for (const root of roots)
    for (const spec of root.snapshot.specs) byId.set(spec.id, [...(byId.get(spec.id) ?? []), { root, spec }]);
  const totals = new Map((await readTotals(store, [...byId.keys()])).map((t) => [t.spec_id, t]));
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
      const { runs } = await whoRead(store, spec.id);
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
