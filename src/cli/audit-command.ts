// specledger audit ROOT...: the platform team's audit of many repositories; loads src/audit only when it runs.
import path from 'node:path';
import { type Command, CommanderError, Option } from 'commander';
import { ExitError, SpecLedgerError } from '../errors.js';
import { type Severity, severityRank } from '../governance/types.js';
import { integerOption } from './options.js';
import { escapeControls, logErr, progressReporter } from './output.js';

interface AuditOptions {
  format: 'text' | 'json' | 'markdown';
  json?: boolean;
  ledger?: string;
  unreadDays: number;
  top: number;
  failOn?: Severity;
  config?: string;
  quiet?: boolean;
}

/** As lint: 1 means the findings reached --fail-on, 2 that the command was called wrongly. */
const USAGE_EXIT = 2;

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description(
      'audit several repositories at once: inventory, forked policy, AGENTS.md variants, drift, and (with --ledger) what runs read',
    )
    .argument('<roots...>', 'each a folder, or NAME=FOLDER (default name: the folder name)')
    .addOption(
      new Option('--format <format>', 'text, json, or markdown (a report to paste into a ticket)')
        .choices(['text', 'json', 'markdown'])
        .default('text'),
    )
    .option('--json', 'same as --format json')
    .option(
      '--ledger <path>',
      'a ledger (SQLite file or postgres:// URL): unread, most-read and retired-spec reads',
    )
    .option(
      '--unread-days <n>',
      'with --ledger: unread means not read in N days',
      integerOption(1, 36_500),
      30,
    )
    .option('--top <n>', 'with --ledger: how many most-read clauses to list', integerOption(1, 1000), 10)
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 when a finding is at least this severe (default: always exit 0)',
      ).choices(['error', 'warning', 'info']),
    )
    .option('--config <file>', "lint config for every root (default: each root's own)")
    .option('--quiet', 'no progress lines, even on a terminal')
    .exitOverride((error) => {
      if (error.exitCode !== 0) throw new CommanderError(USAGE_EXIT, error.code, error.message);
      throw error;
    })
    .action(async (rootArgs: string[], opts: AuditOptions) => {
      const { parseRootArgs, renderAuditMarkdown, renderAuditText, runAudit } = await import(
        '../audit/index.js'
      );
      let roots: ReturnType<typeof parseRootArgs>;
      try {
        roots = parseRootArgs(rootArgs);
      } catch (error) {
        if (error instanceof SpecLedgerError) throw new ExitError(error.message, USAGE_EXIT);
        throw error;
      }
      const tty = process.stderr.isTTY && opts.quiet !== true;
      const report = await runAudit({
        roots,
        configFile: opts.config,
        ledger: opts.ledger,
        unreadDays: opts.unreadDays,
        top: opts.top,
        onProgress: tty ? (m) => logErr(`specledger audit: ${m}`) : undefined,
        onIndexing: progressReporter({ quiet: opts.quiet === true }),
      });
      const cwd = process.cwd();
      const byName = new Map(report.roots.map((r) => [r.name, r.path]));
      const where = (l: { root: string; file: string; line: number }) =>
        `${path
          .relative(cwd, path.join(byName.get(l.root) ?? '', l.file))
          .split(path.sep)
          .join('/')}:${l.line}`;
      const format = opts.json ? 'json' : opts.format;
      if (format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const render = format === 'markdown' ? renderAuditMarkdown : renderAuditText;
        process.stdout.write(escapeControls(render(report, { where }), { layout: true }));
      }
      if (opts.failOn !== undefined) {
        const threshold = severityRank(opts.failOn);
        if (report.findings.some((f) => severityRank(f.severity) >= threshold)) process.exitCode = 1;
      }
    });
}
