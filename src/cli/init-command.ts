// specledger init: wires a repository up in one command — specs, client configs, lint config, CI — idempotently.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { ExitError } from '../errors.js';
import {
  CLIENTS,
  type ClientName,
  IN_REPO_CLIENTS,
  type InitStep,
  PRINTED_CLIENTS,
  printedSnippet,
  writeClientConfig,
  writeGitignore,
  writeLintConfig,
  writeWorkflow,
} from './init-files.js';
import { createExampleSpecs, detectLayout, type Layout, layoutLabel } from './init-layout.js';
import { printText } from './output.js';

interface InitOptions {
  specs?: string;
  client?: ClientName[];
  force?: boolean;
  workflow: boolean;
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('set SpecLedger up in this repository: specs, client configs, lint config, CI workflow')
    .option('--specs <dir>', 'spec root (default: the layout found, or a new specs/ with one example)')
    .addOption(
      new Option('--client <names...>', 'client configs to write or print (default: all)').choices([
        ...CLIENTS,
      ]),
    )
    .option('--force', 'replace entries and files that differ from what init writes')
    .option('--no-workflow', 'do not write the GitHub Actions workflow')
    .action((opts: InitOptions) => {
      const repo = process.cwd();
      const result = runInit(repo, opts, hasCommand(program, 'hooks'));
      printText(renderSummary(result));
      if (result.steps.some((s) => s.action === 'failed')) process.exitCode = 1;
    });
}

interface InitResult {
  layout: Layout;
  steps: InitStep[];
  snippets: Array<{ client: string; text: string }>;
  hooks: string;
  checkCommand: string;
}

function runInit(repo: string, opts: InitOptions, hooksAvailable: boolean): InitResult {
  const steps: InitStep[] = [];
  let layout: Layout;
  if (opts.specs !== undefined) {
    const specs = path.relative(repo, path.resolve(repo, opts.specs)).split(path.sep).join('/') || '.';
    if (specs.startsWith('..')) throw new ExitError(`--specs ${opts.specs} is outside this repository`, 2);
    if (!isDirectory(path.join(repo, specs))) throw new ExitError(`--specs ${opts.specs} is not a folder`, 2);
    layout = { kind: detectLayout(repo)?.kind ?? 'markdown', specs, evidence: `--specs ${specs}` };
  } else {
    const found = detectLayout(repo);
    if (found) layout = found;
    else {
      const created = createExampleSpecs(repo);
      layout = created.layout;
      steps.push(...created.steps);
    }
  }
  const clients = new Set<ClientName>(opts.client ?? CLIENTS);
  for (const client of IN_REPO_CLIENTS)
    if (clients.has(client)) steps.push(writeClientConfig(repo, client, layout.specs, opts.force === true));
  steps.push(writeGitignore(repo));
  steps.push(writeLintConfig(repo, opts.force === true));
  if (opts.workflow) steps.push(writeWorkflow(repo, layout.specs, opts.force === true));
  const snippets = PRINTED_CLIENTS.filter((c) => clients.has(c)).map((client) => ({
    client,
    text: printedSnippet(client, repo, layout.specs),
  }));
  return {
    layout,
    steps,
    snippets,
    hooks: installGitHooks(repo, hooksAvailable, layout.specs),
    checkCommand: `npx -y @modelcontextprotocol/inspector-cli --cli npx -y specledger serve --specs ${layout.specs} --method tools/call --tool-name read_root`,
  };
}

/**
 * The git hooks step: `specledger hooks install` (Spec-Run trailers and provenance notes, src/trace/hooks.ts), run
 * by the same CLI entry this process runs, so the hooks come from the installed version. It is idempotent and
 * chains any hook already there. A build without the command says so rather than writing hooks of its own.
 */
function installGitHooks(repo: string, available: boolean, specs: string): string {
  if (!available) return 'git hooks: skipped (`specledger hooks install` is not in this version)';
  const run = spawnSync(process.execPath, [process.argv[1] ?? '', 'hooks', 'install', '--specs', specs], {
    cwd: repo,
    encoding: 'utf8',
  });
  return run.status === 0
    ? 'git hooks: installed (`specledger hooks install`)'
    : `git hooks: \`specledger hooks install\` failed: ${(run.stderr || run.error?.message || '').trim()}`;
}

function renderSummary(result: InitResult): string {
  const lines = [
    `specledger init: specs layout ${layoutLabel(result.layout.kind)} (${result.layout.evidence}); spec root ${result.layout.specs}`,
  ];
  const width = Math.max(...result.steps.map((s) => s.action.length));
  for (const s of result.steps)
    lines.push(`  ${s.action.padEnd(width)}  ${s.path}${s.detail ? ` — ${s.detail}` : ''}`);
  lines.push(`  ${result.hooks}`);
  for (const { client, text } of result.snippets)
    lines.push('', `${client === 'codex' ? 'Codex' : 'Claude Desktop'}: add this to its config:`, text);
  lines.push('', 'Check that the server answers:', `  ${result.checkCommand}`);
  return lines.join('\n');
}

function hasCommand(program: Command, name: string): boolean {
  return program.commands.some((c) => c.name() === name);
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
