// Governance: `specledger lint`'s rules, config and reports, for the CLI and the server.

export { DEFAULT_LINT_CONFIG, type LintConfig, loadLintConfig, normalizeLintConfig } from './config.js';
export { lintSnapshot, runLint } from './lint.js';
export { lintRootSnapshots } from './lint-roots.js';
export { renderFindingsText } from './report.js';
export { problemFindings } from './rules/parser-problems.js';
export { type Finding, summarize } from './types.js';
