// `specledger init` in fresh git repositories of each layout: the written .mcp.json starts a server that answers
// read_root, a second run changes nothing, and existing configs are merged, never lost.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { cleanEnv } from '../helpers/cli.js';
import { builtCli } from '../helpers/paths.js';

interface Repo {
  dir: string;
  write(rel: string, text: string): void;
  read(rel: string): string;
}

const repos: string[] = [];
afterEach(() => {
  for (const dir of repos.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh git repository with `files`, where `specledger` resolves for `npx` as it would once installed: a
 * node_modules/.bin/specledger launcher for the built CLI (the packed-tarball test covers the real install).
 */
function freshRepo(files: Record<string, string>): Repo {
  const dir = mkdtempSync(path.join(tmpdir(), 'specledger-init-'));
  repos.push(dir);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  const bin = path.join(dir, 'node_modules/.bin/specledger');
  mkdirSync(path.dirname(bin), { recursive: true });
  mkdirSync(path.join(dir, 'node_modules/specledger'), { recursive: true });
  writeFileSync(
    path.join(dir, 'node_modules/specledger/package.json'),
    '{"name":"specledger","version":"0.0.0-test"}',
  );
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${builtCli}" "$@"\n`);
  chmodSync(bin, 0o755);
  return { dir, write, read: (rel) => readFileSync(path.join(dir, rel), 'utf8') };
}

function init(repo: Repo, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [builtCli, 'init', ...args], { cwd: repo.dir }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Every file init may touch, with its digest: what "changes nothing" is checked against. */
function digestTree(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (entry.name === '.git' || entry.name === 'node_modules' || entry.name === '.specledger') continue;
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, digestTree(dir, child));
    else
      out[child] = createHash('sha256')
        .update(readFileSync(path.join(dir, child)))
        .digest('hex');
  }
  return out;
}

/** Starts the server from .mcp.json exactly as Claude Code does (command, args, env, in the project) and reads the root. */
async function readRootFromMcpJson(repo: Repo): Promise<Array<{ id: string }>> {
  const config = JSON.parse(repo.read('.mcp.json'));
  const entry = config.mcpServers.specledger as {
    command: string;
    args: string[];
    env: Record<string, string>;
  };
  const transport = new StdioClientTransport({
    command: entry.command,
    args: entry.args,
    env: cleanEnv({ ...entry.env, PATH: process.env.PATH ?? '', npm_config_offline: 'true' }),
    cwd: repo.dir,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'init-e2e', version: '0.0.1' });
  await client.connect(transport);
  try {
    const result = await client.callTool({ name: 'read_root', arguments: {} });
    expect(result.isError).toBeFalsy();
    return (result.structuredContent as { specs: Array<{ id: string }> }).specs;
  } finally {
    await client.close();
  }
}

const LAYOUTS = {
  'Spec Kit': {
    files: {
      '.specify/memory/constitution.md':
        '# Constitution\n\n### I. Library-First\n\nEvery feature starts as a library.\n',
      'specs/001-login/spec.md':
        '# Feature: Login\n\n## Requirements\n\n- **FR-001**: System MUST lock an account after 5 failures.\n',
      'README.md': '# App\n',
    },
    specs: '.',
    label: 'Spec Kit',
    expect: ['001-login', 'constitution'],
  },
  Kiro: {
    files: {
      '.kiro/specs/login/requirements.md':
        '# Requirements\n\n### Requirement 1\n\n1. WHEN a user logs in THEN the system SHALL record it\n',
      '.kiro/steering/product.md': '# Product\n\nA login service.\n',
    },
    specs: '.',
    label: 'Kiro',
    expect: ['requirements', 'product'],
  },
  OpenSpec: {
    files: {
      'openspec/specs/auth/spec.md':
        '# Auth\n\n### Requirement: Login\n\nThe system SHALL log users in.\n\n#### Scenario: ok\n\n- WHEN valid\n- THEN in\n',
      'openspec/project.md': '# Project\n',
    },
    specs: '.',
    label: 'OpenSpec',
    expect: ['auth'],
  },
  'plain Markdown': {
    files: {
      'docs/specs/api.md': '---\nid: api\ntitle: API\n---\n\n# API\n\n## Errors {#errors}\n\nJSON.\n',
    },
    specs: 'docs/specs',
    label: 'plain Markdown',
    expect: ['api'],
  },
  'no specs yet': {
    files: { 'src/index.js': 'export {};\n' },
    specs: 'specs',
    label: 'none yet',
    expect: ['example'],
  },
} as const;

describe('specledger init', { timeout: 180_000 }, () => {
  for (const [name, layout] of Object.entries(LAYOUTS)) {
    it(`detects a ${name} repository, writes configs the server starts from, and is idempotent`, async () => {
      const repo = freshRepo(layout.files);
      const first = await init(repo);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`specs layout ${layout.label}`);
      expect(first.stdout).toContain(`spec root ${layout.specs}`);
      expect(JSON.parse(repo.read('.mcp.json'))).toEqual({
        mcpServers: {
          specledger: {
            type: 'stdio',
            command: 'npx',
            args: ['-y', 'specledger', 'serve', '--specs', layout.specs],
            env: {},
          },
        },
      });
      expect(JSON.parse(repo.read('.vscode/mcp.json')).servers.specledger).toMatchObject({ type: 'stdio' });
      expect(JSON.parse(repo.read('.cursor/mcp.json')).mcpServers.specledger.command).toBe('npx');
      expect(repo.read('.gitignore')).toContain('.specledger/\n');
      const workflow = parseYaml(repo.read('.github/workflows/specledger.yml'));
      const steps = workflow.jobs.lint.steps as Array<{ run?: string; uses?: string }>;
      expect(steps.some((s) => s.run?.includes('--format github'))).toBe(true);
      expect(steps.some((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))).toBe(true);
      const report = workflow.jobs.report as { if: string; steps: Array<{ run?: string }> };
      expect(report.if).toContain("github.event_name == 'pull_request'");
      expect(report.steps.map((s) => s.run ?? '').join('\n')).toContain(
        `specledger report "origin/$BASE_REF..$HEAD_SHA" --specs ${layout.specs}`,
      );
      expect(first.stdout).toContain('git hooks: installed (`specledger hooks install`)');
      for (const hook of ['prepare-commit-msg', 'post-commit'])
        expect(repo.read(`.git/hooks/${hook}`)).toContain('specledger');

      const ids = (await readRootFromMcpJson(repo)).map((s) => s.id);
      for (const want of layout.expect) expect(ids.some((id) => id.includes(want))).toBe(true);

      const before = digestTree(repo.dir);
      const second = await init(repo);
      expect(second.code).toBe(0);
      expect(second.stdout).not.toMatch(/^\s+(created|merged|replaced)\s/m);
      expect(digestTree(repo.dir)).toEqual(before);
    });
  }

  it('merges into existing configs, keeps a different entry without --force, and replaces it with --force', async () => {
    const repo = freshRepo({ 'specs/a.md': '# A\n' });
    const other = { command: 'node', args: ['other.js'] };
    repo.write('.mcp.json', JSON.stringify({ mcpServers: { other } }));
    repo.write(
      '.cursor/mcp.json',
      JSON.stringify({ mcpServers: { specledger: { command: 'old' } }, extra: 1 }),
    );
    repo.write('.gitignore', 'node_modules');
    const run = await init(repo, ['--client', 'claude-code', 'cursor']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/merged\s+\.mcp\.json/);
    expect(run.stdout).toMatch(
      /kept\s+\.cursor\/mcp\.json — a different "specledger" entry is there; --force/,
    );
    const mcp = JSON.parse(repo.read('.mcp.json'));
    expect(mcp.mcpServers.other).toEqual(other);
    expect(mcp.mcpServers.specledger.command).toBe('npx');
    expect(JSON.parse(repo.read('.cursor/mcp.json')).mcpServers.specledger).toEqual({ command: 'old' });
    expect(repo.read('.gitignore')).toBe("node_modules\n# SpecLedger's local ledger\n.specledger/\n");
    expect(() => repo.read('.vscode/mcp.json')).toThrow();

    const forced = await init(repo, ['--client', 'cursor', '--force']);
    expect(forced.stdout).toMatch(/replaced\s+\.cursor\/mcp\.json/);
    const cursor = JSON.parse(repo.read('.cursor/mcp.json'));
    expect(cursor.extra).toBe(1);
    expect(cursor.mcpServers.specledger.command).toBe('npx');
  });

  it('reports a malformed config with file:line, leaves it untouched, writes the rest and exits 1', async () => {
    const repo = freshRepo({ 'specs/a.md': '# A\n' });
    const broken = '{\n  "servers": {\n    "x": { "command": "a" },\n  }\n}\n';
    repo.write('.vscode/mcp.json', broken);
    const run = await init(repo);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/failed\s+\.vscode\/mcp\.json — \.vscode\/mcp\.json:4: not valid JSON/);
    expect(run.stdout).toContain('left untouched');
    expect(repo.read('.vscode/mcp.json')).toBe(broken);
    expect(JSON.parse(repo.read('.mcp.json')).mcpServers.specledger.command).toBe('npx');
  });

  it('prints Codex and Claude Desktop snippets with absolute paths instead of writing outside the repository', async () => {
    const repo = freshRepo({ 'specs/a.md': '# A\n' });
    const run = await init(repo, ['--client', 'codex', 'claude-desktop']);
    expect(run.code).toBe(0);
    const specs = path.join(repo.dir, 'specs');
    expect(run.stdout).toContain(
      `[mcp_servers.specledger]\ncommand = "npx"\nargs = ["-y", "specledger", "serve", "--specs", ${JSON.stringify(specs)}, "--ledger", ${JSON.stringify(path.join(repo.dir, '.specledger/ledger.db'))}]`,
    );
    const desktop = run.stdout.slice(run.stdout.indexOf('{\n  "mcpServers"'));
    const json = JSON.parse(desktop.slice(0, desktop.indexOf('\n}\n') + 2));
    expect(json.mcpServers.specledger.args).toContain(specs);
    expect(() => repo.read('.mcp.json')).toThrow();
  });
});
