// The built CLI as users run it: `serve` over stdio with the real SDK client, raw JSON-RPC on stdout, and the human commands.
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { textOf } from '../helpers/mcp.js';
import { repoRoot } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const CLI = 'dist/bundle/main.js';
/** The environment of an IDE launching the server: no run IDs or spec paths leaking in from this test process. */
const cleanEnv = (): Record<string, string> => ({ ...getDefaultEnvironment(), NO_COLOR: '1' });

describe('specledger serve over stdio, with the SDK client', () => {
  let tmp: TempDir;
  let client: Client;
  let transport: StdioClientTransport;
  let stderr = '';

  beforeAll(async () => {
    tmp = makeTempDir('specledger-e2e-');
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'serve', '--specs', 'specs-example', '--ledger', tmp.at('ledger.db')],
      cwd: repoRoot,
      env: cleanEnv(),
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    client = new Client({ name: 'e2e', version: '0.0.1' });
    await client.connect(transport);
  });
  afterAll(async () => {
    await client?.close();
    tmp?.remove();
  });

  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;

  it('says on stderr what it serves', async () => {
    // stderr and stdout are separate pipes: the banner may be read after the initialize response.
    await vi.waitFor(
      () =>
        expect(stderr).toMatch(
          /specledger: serving \d+ specs \(\d+ clauses\) from .*specs-example over stdio/,
        ),
      {
        timeout: 5000,
      },
    );
  });

  it('introduces itself and lists its tools', async () => {
    expect(client.getServerVersion()?.name).toBe('specledger');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'read_root',
        'get_outline',
        'get_clause',
        'search_specs',
        'specs_for_path',
        'get_provenance',
      ]),
    );
  });

  it('reads the root', async () => {
    const result = await call('read_root', {});
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain('Acme Payments API');
    expect((result.structuredContent as { always: Array<{ ref: string }> }).always[0]?.ref).toBe(
      'engineering-rules',
    );
  });

  it('outlines a spec', async () => {
    const shallow = textOf(await call('get_outline', { spec: 'refunds' }));
    expect(shallow).toContain('refunds#<id> — Refunds');
    expect(shallow).toContain('- requirements: Requirements');
    expect(shallow).not.toContain('FR-003');
    const deep = textOf(await call('get_outline', { spec: 'refunds', depth: 3 }));
    expect(deep).toMatch(/^ {4}- FR-003: /m);
  });

  it('reads a clause with its digest', async () => {
    const result = await call('get_clause', { ref: 'auth#token-lifetime' });
    const out = result.structuredContent as { text: string; digest: string; version: string };
    expect(out.text).toContain('15 minutes');
    expect(out.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(out.version).toBe('1.4.0');
  });

  it('searches', async () => {
    const result = await call('search_specs', { query: 'clock skew' });
    expect((result.structuredContent as { hits: Array<{ ref: string }> }).hits[0]?.ref).toBe('auth#AUTH-11');
  });

  it('answers an unknown reference with a tool error, and keeps serving', async () => {
    const result = await call('get_clause', { ref: 'auth#token-lifetim' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('did you mean auth#token-lifetime');
    expect((await call('get_clause', { ref: 'auth#overview' })).isError).toBeFalsy();
  });
});

describe('specledger serve stdout', () => {
  it('carries nothing but JSON-RPC messages, even when the client sends lines that are not', async () => {
    const tmp = makeTempDir('specledger-e2e-raw-');
    const child: ChildProcessWithoutNullStreams = spawn(
      process.execPath,
      [CLI, 'serve', '--specs', 'specs-example', '--ledger', tmp.at('ledger.db')],
      { cwd: repoRoot, env: cleanEnv() },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const responded = new Promise<void>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString('utf8');
        if (/"id":3\b/.test(stdout)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    try {
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      });
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      // A broken client line is reported on stderr and skipped; the session goes on.
      child.stdin.write('not json\n');
      send({ id: 9 });
      send({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'get_clause', arguments: { ref: 'auth#token-lifetime' } },
      });
      await responded;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGTERM'), 5000);
      await exited;
      clearTimeout(timer);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      tmp.remove();
    }
    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const messages = lines.map((line) => {
      const parsed = JSON.parse(line) as {
        jsonrpc?: string;
        id?: number;
        result?: { structuredContent?: { ref?: string } };
      };
      expect(parsed.jsonrpc).toBe('2.0');
      return parsed;
    });
    expect(messages.filter((m) => m.id !== undefined).map((m) => m.id)).toEqual([1, 2, 3]);
    expect(messages.find((m) => m.id === 3)?.result?.structuredContent?.ref).toBe('auth#token-lifetime');
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stderr).toContain('specledger: serving');
    expect(stderr).toContain('specledger: warn: stdio: a line on stdin is not JSON and was skipped');
    expect(stderr).toContain('a line on stdin is not a JSON-RPC message and was skipped: {"id":9}');
  });
});

describe('specledger CLI for people', () => {
  interface Out {
    stdout: string;
    stderr: string;
    code: number;
  }
  const cli = async (...args: string[]): Promise<Out> => {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
        cwd: repoRoot,
        env: cleanEnv(),
      });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout, stderr: e.stderr, code: e.code };
    }
  };
  const S = ['--specs', 'specs-example'];
  let out: Record<string, Out>;

  beforeAll(async () => {
    // Every command is its own process; run them side by side to keep the suite fast.
    const commands: Record<string, string[]> = {
      help: ['--help'],
      outlineHelp: ['outline', '--help'],
      outline: ['outline', 'auth', ...S],
      outlineJson: ['outline', 'auth', '--depth', '1', '--json', ...S],
      show: ['show', 'auth#token-lifetime', ...S],
      showJson: ['show', 'refunds#FR-003', '--json', ...S],
      search: ['search', 'clock', 'skew', ...S],
      searchJson: ['search', 'clock skew token', '--limit', '2', '--json', ...S],
      paths: ['paths', 'services/refunds/src/refund.ts', ...S],
      pathsJson: ['paths', 'services/refunds/src/refund.ts', '--json', ...S],
      unknown: ['show', 'auth#token-lifetim', ...S],
    };
    const results = await Promise.all(Object.values(commands).map((args) => cli(...args)));
    out = Object.fromEntries(Object.keys(commands).map((k, i) => [k, results[i]!]));
  });

  it('prints help listing the commands', () => {
    expect(out.help!.code).toBe(0);
    for (const command of ['serve', 'outline', 'show', 'search', 'paths'])
      expect(out.help!.stdout).toContain(command);
    expect(out.outlineHelp!.stdout).toContain('--json');
    expect(out.outlineHelp!.stdout).toContain('--depth');
  });

  it('prints an outline as text and as JSON', () => {
    expect(out.outline!.code).toBe(0);
    expect(out.outline!.stdout).toMatch(/^auth — Authentication and API keys \[approved v1\.4\.0/);
    expect(out.outline!.stdout).toContain('  - auth#token-lifetime — Token lifetime');
    const json = JSON.parse(out.outlineJson!.stdout) as {
      spec: { id: string };
      clauses: Array<{ ref: string; depth: number }>;
    };
    expect(json.spec.id).toBe('auth');
    expect(json.clauses.every((c) => c.depth === 1)).toBe(true);
    expect(json.clauses.map((c) => c.ref)).toContain('auth#access-tokens');
  });

  it('shows a clause as text and as JSON', () => {
    expect(out.show!.stdout).toMatch(
      /^auth#token-lifetime — Token lifetime \[approved v1\.4\.0, sha256:[0-9a-f]{64}\]/,
    );
    expect(out.show!.stdout).toContain('**AUTH-10**');
    const json = JSON.parse(out.showJson!.stdout) as { ref: string; title: string; digest: string };
    expect(json.ref).toBe('refunds#FR-003');
    expect(json.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('searches as text and as JSON', () => {
    expect(out.search!.stdout.split('\n')[0]).toMatch(/^auth#AUTH-11 — /);
    const json = JSON.parse(out.searchJson!.stdout) as { hits: Array<{ ref: string }> };
    expect(json.hits).toHaveLength(2);
    expect(json.hits[0]!.ref).toBe('auth#AUTH-11');
  });

  it('lists what governs a path as text and as JSON', () => {
    expect(out.paths!.stdout).toContain('spec   refunds');
    expect(out.paths!.stdout).toContain('agents services/refunds/AGENTS.md');
    const json = JSON.parse(out.pathsJson!.stdout) as {
      specs: Array<{ id: string }>;
      agents: Array<{ path: string }>;
    };
    expect(json.specs.map((s) => s.id).sort()).toEqual(['engineering-rules', 'refunds']);
    expect(json.agents.map((a) => a.path)).toEqual(['AGENTS.md', 'services/refunds/AGENTS.md']);
  });

  it('fails with one line on stderr, a non-zero exit code and nothing on stdout', () => {
    expect(out.unknown!.code).not.toBe(0);
    expect(out.unknown!.stdout).toBe('');
    expect(out.unknown!.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.unknown!.stderr).toMatch(/^specledger: .*did you mean auth#token-lifetime/);
  });
});
