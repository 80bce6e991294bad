// The shape of lint findings and rule IDs, shared by the rules, the CLI and the server.

export const SEVERITIES = ['info', 'warning', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a config file may set a rule to: a severity, or `off` to drop its findings. */
export type RuleLevel = Severity | 'off';

export interface Finding {
  rule: string;
  severity: Severity;
  /** Path relative to the spec root, POSIX separators. */
  file: string;
  /** 1-based line in the file. */
  line: number;
  message: string;
  hint?: string;
  /** `SPEC#CLAUSE` when the finding is about one clause. */
  ref?: string;
}

export interface FindingSummary {
  error: number;
  warning: number;
  info: number;
}

/**
 * Rules lint runs itself, with their default severities. Missing owners, version and ID breaks are
 * errors because they are governance failures a reviewer must act on; the rest are advice.
 */
export const LINT_RULES = {
  'missing-owners': 'error',
  'unstable-id': 'warning',
  'version-not-bumped': 'error',
  'clause-removed': 'error',
  'standing-budget': 'warning',
  'near-duplicate': 'warning',
  'broken-ref': 'error',
  drift: 'warning',
} as const satisfies Record<string, Severity>;

/** Problems the parser and the corpus loader report; lint passes them on with their own severity. */
export const PARSER_RULES = [
  'frontmatter-schema',
  'frontmatter-syntax',
  'duplicate-clause-id',
  'duplicate-spec-id',
  'binary',
  'oversize',
  'unreadable',
  'broken-link',
  'path-outside-root',
] as const;

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function summarize(findings: ReadonlyArray<Pick<Finding, 'severity'>>): FindingSummary {
  const summary: FindingSummary = { error: 0, warning: 0, info: 0 };
  for (const f of findings) summary[f.severity]++;
  return summary;
}

/** Findings in reading order: by file, then line, then rule. */
export function sortFindings<T extends Finding>(findings: readonly T[]): T[] {
  return [...findings].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
