// specledger lint: the governance CI gate; exit 1 when findings reach --fail-on, 2 on usage errors.
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, CommanderError, Option } from 'commander';
import { ExitError } from '../errors.js';
import { findingsToGithub, findingsToSarif } from '../governance/ci-formats.js';
import type { LintReport } from '../governance/index.js';
import { renderFindingsText } from '../governance/report.js';
import { type Severity, severityRank } from '../governance/types.js';
import { VERSION as SERVER_VERSION } from '../version.js';
import { defaultSpecs } from './options.js';
import { escapeControls, logErr, progressReporter } from './output.js';

interface LintOptions {
  specs: string;
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
    .option('--specs <dir>', 'spec root', defaultSpecs())
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
      if (!isDirectory(opts.specs))
        throw new ExitError(`spec root ${opts.specs} is not a folder`, USAGE_EXIT);
      // The rules (and the parser under them) load when lint runs, not when any command starts.
      const { runLint } = await import('../governance/lint.js');
      const report = await runLint({
        specs: opts.specs,
        base: opts.base,
        configFile: opts.config,
        onProgress: progressReporter({ quiet: opts.quiet === true }),
      });
      for (const w of report.warnings) logErr(`specledger: ${w}`);
      for (const n of report.notes) logErr(`specledger lint: ${n}`);
      const cwd = process.cwd();
      const display = (file: string) =>
        path.relative(cwd, path.join(report.root, file)).split(path.sep).join('/');
      const rendered = renderReport(report, opts.format, display);
      if (opts.output === undefined) process.stdout.write(rendered);
      else writeFileSync(opts.output, rendered);
      const threshold = severityRank(opts.failOn);
      if (report.findings.some((f) => severityRank(f.severity) >= threshold)) process.exitCode = 1;
    });
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The whole output for one format, ending in a newline; text is escaped for a terminal, the rest are data. */
function renderReport(
  report: LintReport,
  format: LintOptions['format'],
  display: (file: string) => string,
): string {
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
