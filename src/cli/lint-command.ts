// specledger lint: the governance CI gate; exit 1 when findings reach --fail-on, 2 on usage errors.
import { statSync } from 'node:fs';
import path from 'node:path';
import { type Command, CommanderError, Option } from 'commander';
import { ExitError } from '../errors.js';
import { renderFindingsText, runLint, type Severity, severityRank } from '../governance/index.js';
import { defaultSpecs } from './options.js';
import { logErr, printJson, printText, progressReporter } from './output.js';

interface LintOptions {
  specs: string;
  base?: string;
  format: 'text' | 'json';
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
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe')
        .choices(['error', 'warning', 'info'])
        .default('error'),
    )
    .option('--config <file>', 'lint config (default: .specledger/lint.json or specledger.lint.json)')
    .exitOverride((error) => {
      // Commander has printed the message already; only the exit code changes.
      if (error.exitCode !== 0) throw new CommanderError(USAGE_EXIT, error.code, error.message);
      throw error;
    })
    .action(async (opts: LintOptions) => {
      if (!isDirectory(opts.specs))
        throw new ExitError(`spec root ${opts.specs} is not a folder`, USAGE_EXIT);
      const report = await runLint({
        specs: opts.specs,
        base: opts.base,
        configFile: opts.config,
        onProgress: progressReporter(),
      });
      for (const w of report.warnings) logErr(`specledger: ${w}`);
      for (const n of report.notes) logErr(`specledger lint: ${n}`);
      const cwd = process.cwd();
      const display = (file: string) =>
        path.relative(cwd, path.join(report.root, file)).split(path.sep).join('/');
      if (opts.format === 'json') {
        printJson({
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
        });
      } else {
        printText(
          renderFindingsText(report.findings, report.summary, { displayPath: display, specs: report.specs }),
        );
      }
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
