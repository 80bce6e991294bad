// Runs the lint rules: the snapshot rules (pure, for the server) and the git history rules (for the CLI).

import { loadCorpus } from '../corpus/corpus.js';
import type { Snapshot } from '../corpus/snapshot.js';
import { SpecLedgerError } from '../errors.js';
import { createParseContext } from '../parse/parse-spec.js';
import { createTokenCounter, type TokenCounter } from '../parse/tokens.js';
import { DEFAULT_LINT_CONFIG, type LintConfig, loadLintConfig } from './config.js';
import { openGitRepo, resolveCommit } from './git.js';
import { createProseScanner } from './prose.js';
import type { SnapshotRule } from './rules/context.js';
import { lintDrift } from './rules/drift.js';
import { nearDuplicates } from './rules/near-duplicate.js';
import { missingOwners, unstableIds } from './rules/ownership.js';
import { parserProblems } from './rules/parser-problems.js';
import { brokenRefs } from './rules/references.js';
import { standingBudget } from './rules/standing-budget.js';
import { lintAgainstBase } from './rules/versioning.js';
import { type Finding, type FindingSummary, sortFindings, summarize } from './types.js';

/** Rule ID (null: the parser's many rules, filtered per finding) → rule. */
const SNAPSHOT_RULES: ReadonlyArray<readonly [string | null, SnapshotRule]> = [
  [null, parserProblems],
  ['missing-owners', missingOwners],
  ['unstable-id', unstableIds],
  ['standing-budget', standingBudget],
  ['near-duplicate', nearDuplicates],
  ['broken-ref', brokenRefs],
];

export interface LintSnapshotOptions {
  config?: LintConfig;
}

/**
 * The findings a snapshot alone can show (everything but the git rules), sorted, with the config's
 * severities applied. Pure and synchronous: the server can run it on each new snapshot.
 */
export function lintSnapshot(snapshot: Snapshot, options: LintSnapshotOptions = {}): Finding[] {
  const config = options.config ?? DEFAULT_LINT_CONFIG;
  const ctx = { snapshot, config, prose: createProseScanner() };
  const findings: Finding[] = [];
  for (const [id, rule] of SNAPSHOT_RULES) {
    // A rule switched off is not run at all: near-duplicate is the one that costs time.
    if (id !== null && config.rules[id] === 'off') continue;
    findings.push(...rule(ctx));
  }
  return applyLevels(findings, config);
}

export interface LintHistoryOptions {
  /** The real spec root (`corpus.root`). */
  root: string;
  config?: LintConfig;
  /** A git ref to compare with for version-not-bumped and clause-removed. */
  base?: string;
  tokens?: TokenCounter;
}

export interface HistoryLint {
  findings: Finding[];
  /** Why some checks did not run, for a line on stderr. */
  notes: string[];
}

/** The git rules: drift whenever the root is in a repository, and the base comparisons when `base` is given. */
export async function lintHistory(snapshot: Snapshot, options: LintHistoryOptions): Promise<HistoryLint> {
  const config = options.config ?? DEFAULT_LINT_CONFIG;
  const repo = await openGitRepo(options.root);
  const notes: string[] = [];
  if (!repo) {
    if (options.base !== undefined) {
      throw new SpecLedgerError(
        'INVALID_ARGUMENT',
        `--base ${options.base}: ${options.root} is not in a git repository`,
      );
    }
    notes.push('not a git repository: drift not checked');
    return { findings: [], notes };
  }
  const findings: Finding[] = [];
  if (options.base !== undefined) {
    const base = await resolveCommit(repo, options.base);
    if (!base) {
      throw new SpecLedgerError('INVALID_ARGUMENT', `--base ${options.base} names no commit in ${repo.top}`);
    }
    const parse = createParseContext(options.tokens ?? createTokenCounter());
    findings.push(...(await lintAgainstBase({ snapshot, repo, parse, base, ref: options.base })));
  } else {
    notes.push('no --base: version-not-bumped and clause-removed not checked');
  }
  if (config.rules.drift !== 'off') {
    findings.push(...(await lintDrift({ snapshot, repo, codeRoot: config.drift.codeRoot })));
  }
  return { findings: applyLevels(findings, config), notes };
}

export interface RunLintOptions {
  /** The spec root as given (relative to the working directory or absolute). */
  specs: string;
  base?: string;
  /** An explicit config file; otherwise one is looked for in the spec root, then the working directory. */
  configFile?: string;
  cwd?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface LintReport {
  /** The real, absolute spec root; finding paths are relative to it. */
  root: string;
  specs: number;
  findings: Finding[];
  summary: FindingSummary;
  notes: string[];
  /** Config problems that did not stop the run (e.g. an unknown rule ID). */
  warnings: string[];
}

/** Loads the corpus and the config, then runs every rule: what `specledger lint` reports. */
export async function runLint(options: RunLintOptions): Promise<LintReport> {
  const tokens = createTokenCounter();
  const corpus = loadCorpus({ root: options.specs, tokens, onProgress: options.onProgress });
  const { config, warnings } = loadLintConfig({
    root: corpus.root,
    cwd: options.cwd,
    file: options.configFile,
  });
  const snapshot = corpus.current();
  const history = await lintHistory(snapshot, { root: corpus.root, config, base: options.base, tokens });
  const findings = sortFindings([...lintSnapshot(snapshot, { config }), ...history.findings]);
  return {
    root: corpus.root,
    specs: snapshot.specs.length,
    findings,
    summary: summarize(findings),
    notes: history.notes,
    warnings,
  };
}

function applyLevels(findings: readonly Finding[], config: LintConfig): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const level = config.rules[f.rule];
    if (level === 'off') continue;
    out.push(level ? { ...f, severity: level } : f);
  }
  return sortFindings(out);
}
