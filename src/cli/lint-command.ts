// specledger lint: the governance CI gate; exit 1 when findings reach --fail-on, 2 on usage errors.
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, CommanderError, Option } from 'commander';
import { parseRootArgs } from '../audit/roots.js';
import { ExitError, SpecLedgerError } from '../errors.js';
import { findingsToGithub, findingsToSarif } from '../governance/ci-formats.js';
import { renderFindingsText } from '../governance/report.js';
import { type Finding, type FindingSummary, type Severity, severityRank } from '../governance/types.js';
import { VERSION as SERVER_VERSION } from '../version.js';
import { defaultSpecs } from './options.js';
import { escapeControls, logErr, progressReporter } from './output.js';

interface LintOptions {
  /** Empty: the default root. */
  specs: string[];
  base?: string;
  format: 'text' | 'json' | 'sarif' | 'github';
  output?: string;
  quiet?: boolean;
  failOn: Severity;
  config?: string;
}

/** A CI tells "the specs failed lint" (1) from "lint was called wrongly" (2) by exit code. */
const USAGE_EXIT = 2;

export function registerLintCommand(program: Command): void {
  program
    .command('lint')
    .description('check that specs stay owned, versioned, stable and lean (a CI gate)')
    .option(
      '--specs <dir>',
      `spec root (default: ${defaultSpecs()}); repeat it, or give NAME=DIR, to lint several roots together`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--base <ref>',
      'git ref to compare with: version bumps and removed clause IDs (e.g. origin/main)',
    )
    .addOption(
      new Option(
        '--format <format>',
        'output format: sarif is SARIF 2.1.0, github is workflow-command annotations',
      )
        .choices(['text', 'json', 'sarif', 'github'])
        .default('text'),
    )
    .option('--output <file>', 'write the findings to FILE instead of stdout (e.g. lint.sarif for upload)')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe')
        .choices(['error', 'warning', 'info'])
        .default('error'),
    )
    .option('--quiet', 'no progress line, even on a terminal')
    .option('--config <file>', 'lint config (default: .specledger/lint.json or specledger.lint.json)')
    .exitOverride((error) => {
      // Commander has printed the message already; only the exit code changes.
      if (error.exitCode !== 0) throw new CommanderError(USAGE_EXIT, error.code, error.message);
      throw error;
    })
    .action(async (opts: LintOptions) => {
      const report =
        opts.specs.length > 1 ? await lintRoots(opts) : await lintOne(opts, opts.specs[0] ?? defaultSpecs());
      for (const w of report.warnings) logErr(`specledger: ${w}`);
      for (const n of report.notes) logErr(`specledger lint: ${n}`);
      const rendered = renderReport(report, opts.format);
      if (opts.output === undefined) process.stdout.write(rendered);
      else writeFileSync(opts.output, rendered);
      const threshold = severityRank(opts.failOn);
      if (report.findings.some((f) => severityRank(f.severity) >= threshold)) process.exitCode = 1;
    });
}

/** What every format renders: findings with `file` as the reader sees it (relative to the working directory). */
interface ShownReport {
  /** One root: its real path; several: their names and paths. */
  root: string | Array<{ name: string; root: string }>;
  specs: number;
  findings: Array<Finding & { root?: string }>;
  summary: FindingSummary;
  notes: string[];
  warnings: string[];
}

const shownPath = (root: string, file: string) =>
  path.relative(process.cwd(), path.join(root, file)).split(path.sep).join('/');

async function lintOne(opts: LintOptions, specs: string): Promise<ShownReport> {
  if (!isDirectory(specs)) throw new ExitError(`spec root ${specs} is not a folder`, USAGE_EXIT);
  // The rules (and the parser under them) load when lint runs, not when any command starts.
  const { runLint } = await import('../governance/lint.js');
  const report = await runLint({
    specs,
    base: opts.base,
    configFile: opts.config,
    onProgress: progressReporter({ quiet: opts.quiet === true }),
  });
  return {
    ...report,
    findings: report.findings.map((f) => ({ ...f, file: shownPath(report.root, f.file) })),
  };
}

async function lintRoots(opts: LintOptions): Promise<ShownReport> {
  let roots: ReturnType<typeof parseRootArgs>;
  try {
    roots = parseRootArgs(opts.specs);
  } catch (error) {
    if (error instanceof SpecLedgerError) throw new ExitError(error.message, USAGE_EXIT);
    throw error;
  }
  const { runLintRoots } = await import('../governance/lint-roots.js');
  const report = await runLintRoots({
    roots,
    base: opts.base,
    configFile: opts.config,
    onProgress: progressReporter({ quiet: opts.quiet === true }),
  });
  const pathOf = new Map(report.roots.map((r) => [r.name, r.root]));
  return {
    ...report,
    root: report.roots.map((r) => ({ name: r.name, root: r.root })),
    specs: report.roots.reduce((n, r) => n + r.specs, 0),
    findings: report.findings.map((f) => ({ ...f, file: shownPath(pathOf.get(f.root) ?? '', f.file) })),
  };
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The whole output for one format, ending in a newline; text is escaped for a terminal, the rest are data. */
function renderReport(report: ShownReport, format: LintOptions['format']): string {
  const display = (file: string) => file;
  const options = { displayPath: display, toolVersion: SERVER_VERSION };
  switch (format) {
    case 'sarif':
      return `${JSON.stringify(findingsToSarif(report.findings, options), null, 2)}\n`;
    case 'github': {
      const lines = findingsToGithub(report.findings, options);
      return lines === '' ? '' : `${lines}\n`;
    }
    case 'json':
      return `${JSON.stringify(
        {
          root: report.root,
          // One key order for every finding, so tools and diffs read them alike.
          findings: report.findings.map((f) => ({
            ...(f.root === undefined ? {} : { root: f.root }),
            rule: f.rule,
            severity: f.severity,
            file: display(f.file),
            line: f.line,
            ...(f.ref === undefined ? {} : { ref: f.ref }),
            message: f.message,
            ...(f.hint === undefined ? {} : { hint: f.hint }),
          })),
          summary: report.summary,
        },
        null,
        2,
      )}\n`;
    case 'text': {
      const text = escapeControls(
        renderFindingsText(report.findings, report.summary, { displayPath: display, specs: report.specs }),
        { layout: true },
      );
      return text.endsWith('\n') ? text : `${text}\n`;
    }
  }
}
