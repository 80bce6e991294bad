// Governance: `specledger lint`'s rules, config and reports, for the CLI and the server.

export { type CiFormatOptions, findingsToGithub, findingsToSarif } from './ci-formats.js';
export {
  CONFIG_FILES,
  DEFAULT_LINT_CONFIG,
  type LintConfig,
  LintConfigSchema,
  loadLintConfig,
  normalizeLintConfig,
} from './config.js';
export {
  type HistoryLint,
  type LintHistoryOptions,
  type LintReport,
  type LintSnapshotOptions,
  lintHistory,
  lintSnapshot,
  type RunLintOptions,
  runLint,
} from './lint.js';
export {
  type LintRootInput,
  type RootFinding,
  type RootsLintReport,
  type RunLintRootsOptions,
  runLintRoots,
} from './lint-roots.js';
export { renderFindingsText } from './report.js';
export {
  type Finding,
  type FindingSummary,
  LINT_RULES,
  PARSER_RULES,
  type RuleLevel,
  SEVERITIES,
  type Severity,
  severityRank,
  summarize,
} from './types.js';
