// specledger init's files: client configs merged into what is there, .gitignore, lint config, CI workflow.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_LINT_CONFIG } from '../governance/config.js';

/** What one step did to one file; `kept` means a different entry is there and only --force replaces it. */
export interface InitStep {
  path: string;
  action: 'created' | 'merged' | 'replaced' | 'unchanged' | 'kept' | 'skipped' | 'failed';
  detail?: string;
}

export const IN_REPO_CLIENTS = ['claude-code', 'vscode', 'cursor'] as const;
export const PRINTED_CLIENTS = ['codex', 'claude-desktop'] as const;
export const CLIENTS = [...IN_REPO_CLIENTS, ...PRINTED_CLIENTS] as const;
export type ClientName = (typeof CLIENTS)[number];

/** The variable VS Code and Cursor expand in mcp.json to the workspace's folder (a literal `${…}`, not a template). */
const WORKSPACE_FOLDER = '$' + '{workspaceFolder}';

/** The name every client config files the server under. */
const SERVER_KEY = 'specledger';

/** The installable package's launch line: `npx -y specledger serve --specs DIR` (plus what a client needs). */
function serveArgs(specs: string, extra: readonly string[] = []): string[] {
  return ['-y', 'specledger', 'serve', '--specs', specs, ...extra];
}

interface ClientFile {
  file: string;
  /** The top-level key servers live under. */
  key: 'mcpServers' | 'servers';
  entry: Record<string, unknown>;
}

/**
 * Each in-repository client's file and entry. Claude Code starts project servers in the project folder, so relative
 * paths hold; VS Code is told its working directory (`cwd`), and Cursor gets `${workspaceFolder}` paths, the
 * variables each documents for mcp.json.
 */
function clientFile(client: (typeof IN_REPO_CLIENTS)[number], specs: string): ClientFile {
  switch (client) {
    case 'claude-code':
      return {
        file: '.mcp.json',
        key: 'mcpServers',
        entry: { type: 'stdio', command: 'npx', args: serveArgs(specs), env: {} },
      };
    case 'vscode':
      return {
        file: '.vscode/mcp.json',
        key: 'servers',
        entry: { type: 'stdio', command: 'npx', args: serveArgs(specs), cwd: WORKSPACE_FOLDER },
      };
    case 'cursor':
      return {
        file: '.cursor/mcp.json',
        key: 'mcpServers',
        entry: {
          command: 'npx',
          args: serveArgs(posixJoin(WORKSPACE_FOLDER, specs), [
            '--ledger',
            `${WORKSPACE_FOLDER}/.specledger/ledger.db`,
          ]),
        },
      };
  }
}

/**
 * Adds the server to a client's JSON config: a missing file is created, other servers and keys are kept, an equal
 * entry is left alone, a different one only with `force`. A file that does not parse is reported with its line and
 * left as it was.
 */
export function writeClientConfig(
  repo: string,
  client: (typeof IN_REPO_CLIENTS)[number],
  specs: string,
  force: boolean,
): InitStep {
  const { file, key, entry } = clientFile(client, specs);
  const abs = path.join(repo, file);
  if (!existsSync(abs)) {
    writeJson(abs, { [key]: { [SERVER_KEY]: entry } });
    return { path: file, action: 'created' };
  }
  const text = readFileSync(abs, 'utf8');
  const parsed = parseJson(text);
  if (!parsed.ok)
    return {
      path: file,
      action: 'failed',
      detail: `${file}:${parsed.line}: not valid JSON (${parsed.message}); left untouched. Fix it, or add this under "${key}" by hand (JSON with comments cannot be merged safely): ${JSON.stringify({ [SERVER_KEY]: entry })}`,
    };
  const config = parsed.value;
  if (!isObject(config) || (config[key] !== undefined && !isObject(config[key])))
    return {
      path: file,
      action: 'failed',
      detail: `${file}: expected an object with "${key}" an object; left untouched`,
    };
  const servers = (config[key] ?? {}) as Record<string, unknown>;
  const existing = servers[SERVER_KEY];
  if (existing !== undefined && JSON.stringify(existing) === JSON.stringify(entry))
    return { path: file, action: 'unchanged' };
  if (existing !== undefined && !force)
    return {
      path: file,
      action: 'kept',
      detail: `a different "${SERVER_KEY}" entry is there; --force replaces it`,
    };
  writeJson(abs, { ...config, [key]: { ...servers, [SERVER_KEY]: entry } });
  return { path: file, action: existing === undefined ? 'merged' : 'replaced' };
}

/** The exact snippet for clients whose config lives outside the repository; absolute paths, as they run anywhere. */
export function printedSnippet(
  client: (typeof PRINTED_CLIENTS)[number],
  repo: string,
  specs: string,
): string {
  const args = serveArgs(path.resolve(repo, specs), [
    '--ledger',
    path.join(repo, '.specledger', 'ledger.db'),
  ]);
  if (client === 'codex')
    return [
      '# ~/.codex/config.toml',
      `[mcp_servers.${SERVER_KEY}]`,
      'command = "npx"',
      `args = [${args.map((a) => JSON.stringify(a)).join(', ')}]`,
    ].join('\n');
  return [
    '// Claude Desktop: claude_desktop_config.json (Settings → Developer → Edit Config), under "mcpServers"',
    JSON.stringify({ mcpServers: { [SERVER_KEY]: { command: 'npx', args } } }, null, 2),
  ].join('\n');
}

/** `.specledger/` (the local ledger) in .gitignore, appended once. */
export function writeGitignore(repo: string): InitStep {
  const file = path.join(repo, '.gitignore');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : null;
  const lines = (text ?? '').split(/\r?\n/).map((l) => l.trim());
  if (lines.some((l) => /^\/?\.specledger\/?(\*\*?)?$/.test(l)))
    return { path: '.gitignore', action: 'unchanged' };
  const prefix = text === null || text === '' || text.endsWith('\n') ? '' : '\n';
  writeFileSync(file, `${text ?? ''}${prefix}# SpecLedger's local ledger\n.specledger/\n`);
  return { path: '.gitignore', action: text === null ? 'created' : 'merged' };
}

/** The lint config at the repository's top (`.specledger/` is ignored, so not there), with the default thresholds. */
const LINT_CONFIG_FILE = 'specledger.lint.json';

export function writeLintConfig(repo: string, force: boolean): InitStep {
  const { budget, nearDuplicate } = DEFAULT_LINT_CONFIG;
  return writeOwnedFile(
    repo,
    LINT_CONFIG_FILE,
    `${JSON.stringify({ rules: {}, budget, nearDuplicate }, null, 2)}\n`,
    force,
  );
}

const WORKFLOW_FILE = '.github/workflows/specledger.yml';

/**
 * A GitHub Actions workflow: lint as pull-request annotations, and a SARIF upload for code scanning. `--base` is the
 * PR's target branch (or the default branch on push), fetched in full so version bumps and removed IDs are checked.
 * On a pull request, a second job fetches the provenance notes and posts `specledger report` as a comment (updating
 * its last one).
 */
function workflowText(specs: string): string {
  const lint = `npx -y specledger lint --specs ${shellWord(specs)} --base "origin/\${{ github.base_ref || github.event.repository.default_branch }}"`;
  const report = `npx -y specledger report "origin/$BASE_REF..$HEAD_SHA" --specs ${shellWord(specs)}`;
  return `# SpecLedger: lint the specs on every pull request, and report the provenance of its commits (written by \`specledger init\`).
name: specledger
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
  security-events: write
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Lint specs (annotations on the pull request)
        run: ${lint} --format github
      - name: Lint specs (SARIF for code scanning)
        if: \${{ !cancelled() }}
        run: ${lint} --format sarif --output specledger.sarif --fail-on info || test -s specledger.sarif
      - name: Upload SARIF
        if: \${{ !cancelled() }}
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: specledger.sarif
          category: specledger
  report:
    # The provenance of the pull request's commits (runs, clauses read, what changed since) as a comment.
    if: \${{ github.event_name == 'pull_request' }}
    runs-on: ubuntu-latest
    permissions:
      contents: read
      pull-requests: write
    steps:
      - uses: actions/checkout@v4
        with:
          # The PR's own head, not the merge commit GitHub makes (that commit has no provenance of its own).
          ref: \${{ github.event.pull_request.head.sha }}
          fetch-depth: 0
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Fetch the provenance notes (neither a clone nor checkout fetches them)
        run: git fetch origin '+refs/notes/specledger:refs/notes/specledger' || echo "no provenance notes pushed yet"
      - name: Provenance report (add --fail-on stale to make it a gate)
        env:
          BASE_REF: \${{ github.base_ref }}
          HEAD_SHA: \${{ github.event.pull_request.head.sha }}
        run: ${report} > specledger-report.md
      - name: Comment on the pull request
        if: always() && hashFiles('specledger-report.md') != ''
        # A pull request from a fork gets a read-only token: the report is still in the job log.
        continue-on-error: true
        env:
          GH_TOKEN: \${{ github.token }}
          PR: \${{ github.event.pull_request.number }}
        run: |
          cat specledger-report.md
          gh pr comment "$PR" --body-file specledger-report.md --edit-last || gh pr comment "$PR" --body-file specledger-report.md
`;
}

export function writeWorkflow(repo: string, specs: string, force: boolean): InitStep {
  return writeOwnedFile(repo, WORKFLOW_FILE, workflowText(specs), force);
}

/** A file init writes whole: created when missing, unchanged when equal, replaced only with `force`. */
function writeOwnedFile(repo: string, rel: string, text: string, force: boolean): InitStep {
  const abs = path.join(repo, rel);
  if (existsSync(abs)) {
    if (readFileSync(abs, 'utf8') === text) return { path: rel, action: 'unchanged' };
    if (!force)
      return { path: rel, action: 'kept', detail: 'it differs from what init writes; --force replaces it' };
    writeFileSync(abs, text);
    return { path: rel, action: 'replaced' };
  }
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, text);
  return { path: rel, action: 'created' };
}

function writeJson(abs: string, value: unknown): void {
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, `${JSON.stringify(value, null, 2)}\n`);
}

type Parsed = { ok: true; value: unknown } | { ok: false; line: number; message: string };

/** JSON.parse with the 1-based line of the error, from the position V8 reports. */
function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = (error as Error).message;
    const lineCol = /line (\d+) column \d+/.exec(message);
    const position = /position (\d+)/.exec(message);
    const line = lineCol
      ? Number(lineCol[1])
      : position
        ? text.slice(0, Number(position[1])).split('\n').length
        : text.split('\n').length;
    return { ok: false, line, message: message.replace(/\s*\(line \d+ column \d+\)/, '') };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function posixJoin(base: string, rel: string): string {
  return rel === '.' ? base : `${base}/${rel}`;
}

/** A spec root as one shell word in the workflow (paths from detection are plain; quote anything else). */
function shellWord(word: string): string {
  return /^[\w./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
