// The audit report's shape: per-root inventory, findings across roots, and the ledger's reading history.
import type { FindingSummary, Severity } from '../governance/types.js';

export interface AuditLocation {
  /** Root name. */
  root: string;
  /** Path relative to the root, POSIX separators. */
  file: string;
  /** 1-based line. */
  line: number;
}

/** What audit reports, beyond lint's own rules that it passes on per root (missing-owners, drift, parser errors). */
export const AUDIT_KINDS = {
  'forked-clause': 'warning',
  'overlapping-specs': 'info',
  'agents-over-budget': 'warning',
  'missing-instruction': 'info',
  'contradicting-instruction': 'warning',
  'deprecated-read': 'warning',
} as const satisfies Record<string, Severity>;

export interface AuditFinding extends AuditLocation {
  /** An audit kind above, or the lint rule passed on. */
  kind: string;
  severity: Severity;
  message: string;
  /** Why two things were paired or counted: the shared terms, the alternatives, the numbers. */
  why?: string;
  /** The other side(s): the clause it forks, the variants that have what this one lacks. */
  related: AuditLocation[];
  ref?: string;
}

export interface AgentsVariant {
  file: string;
  lines: number;
  instructions: number;
  tokens: number;
  /** Measures past the standing-instruction budget (lint's `budget`). */
  over: Array<'lines' | 'instructions' | 'tokens'>;
}

export interface RootInventory {
  name: string;
  path: string;
  /** HEAD of the repository around the root; null when it is not in one (drift then not checked). */
  commit: string | null;
  specs: number;
  clauses: number;
  byFormat: Record<string, number>;
  /** By role: declared status, else what the file is (`standing`, `unversioned`, …). */
  byStatus: Record<string, number>;
  /** Specs per owner; `(none)` counts the unowned. */
  byOwner: Record<string, number>;
  versioned: number;
  unversioned: number;
  agents: AgentsVariant[];
  budget: { lines: number; instructions: number; tokens: number };
}

export interface ReadCount {
  ref: string;
  /** Roots holding the spec (ledger reads name a spec ID, not a root). */
  roots: string[];
  reads: number;
  runs: number;
  last_ts: string | null;
}

export interface LedgerSection {
  unreadDays: number;
  /** Specs no run has read since the cut-off (never, or only before). */
  unreadSpecs: ReadCount[];
  /** Clauses of specs that were read, themselves not read since the cut-off. */
  unreadClauses: ReadCount[];
  mostRead: ReadCount[];
  /** Spec IDs served by more than one root: their reads count for each. */
  ambiguous: string[];
}

export interface AuditReport {
  roots: RootInventory[];
  findings: AuditFinding[];
  summary: FindingSummary;
  ledger: LedgerSection | null;
  /** Checks that could not run, per root. */
  notes: string[];
}
