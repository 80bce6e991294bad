// Multi-root lint: duplicate IDs count within a root, near-duplicates across roots; through the built CLI.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { resolveRootList } from '../../src/roots/root-list.js';
import { structured } from '../helpers/mcp.js';
import { builtCli } from '../helpers/paths.js';
import { makeTempDir, type TempDir, writeTree } from '../helpers/temp.js';
import { specText } from './lint-fixtures.js';

const exec = promisify(execFile);
let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('specledger-lint-roots-');
});
afterEach(() => tmp.remove());

const POLICY = (days: number) =>
  `# Refunds\n\n## Window {#window}\n\nRefunds are issued to the original payment method only, never to a different card or account, and a refund request is accepted for ${days} days after capture. A refund that fails at the issuer is retried for three days and then reported to the merchant.\n`;
const refunds = (days: number) =>
  specText({ id: 'refunds', version: '1.0.0', status: 'approved', owners: '[pay]' }, POLICY(days));

async function lint(args: readonly string[]) {
  try {
    const { stdout } = await exec(process.execPath, [builtCli, 'lint', ...args, '--format', 'json'], {
      cwd: tmp.dir,
    });
    return { code: 0, json: JSON.parse(stdout) };
  } catch (error) {
    const e = error as { stdout: string; code: number; stderr: string };
    return { code: e.code, json: e.stdout ? JSON.parse(e.stdout) : null, stderr: e.stderr };
  }
}

/** Two roots: one refund policy forked between them (30 days, 90 days), and a spec ID used twice in shop. */
function writeForkedRoots(): void {
  writeTree(tmp.at('pay'), {
    'refunds.md': refunds(30),
    'notes.md': specText({ id: 'notes' }, '# Notes\n'),
  });
  writeTree(tmp.at('shop'), {
    'refunds.md': refunds(90),
    'a.md': specText({ id: 'notes', status: 'draft' }, '# A\n'),
    'b.md': specText({ id: 'notes', status: 'draft' }, '# B\n'),
  });
}

describe('specledger lint --specs A --specs B', () => {
  it('reports a spec ID twice in one root, not once in each of two, and a clause forked across roots', async () => {
    writeForkedRoots();
    const { code, json } = await lint(['--specs', 'pay', '--specs', 'shop']);
    expect(code).toBe(1);
    expect(json.root).toEqual([
      { name: 'pay', root: tmp.at('pay') },
      { name: 'shop', root: tmp.at('shop') },
    ]);
    const found = json.findings.map(
      (f: { rule: string; root: string; file: string }) => `${f.rule} ${f.root} ${f.file}`,
    );
    expect(found).toEqual([
      'duplicate-spec-id shop shop/a.md',
      'duplicate-spec-id shop shop/b.md',
      'near-duplicate shop shop/refunds.md',
    ]);
    const dup = json.findings.find((f: { rule: string }) => f.rule === 'near-duplicate');
    expect(dup.message).toContain('pay:refunds#window (pay/refunds.md:');
  });

  it('lints one root as before: no root names, paths relative to the working directory', async () => {
    writeTree(tmp.at('pay'), {
      'refunds.md': refunds(30),
      'copy.md': refunds(30).replace('id: refunds', 'id: copy'),
    });
    const { json } = await lint(['--specs', 'pay']);
    expect(json.root).toBe(tmp.at('pay'));
    expect(json.findings).toEqual([expect.not.objectContaining({ root: expect.anything() })]);
    expect(json.findings[0]).toEqual(
      expect.objectContaining({ rule: 'near-duplicate', file: 'pay/refunds.md' }),
    );
  });

  it('is what spec_status reports for the same roots served together, each root under its own config', async () => {
    writeForkedRoots();
    writeTree(tmp.at('shop'), {
      'unowned.md': specText({ id: 'unowned', version: '1.0.0', status: 'approved' }, '# Unowned\n'),
      // shop's own config: a forked policy is an error there, and missing owners are not its concern.
      '.specledger/lint.json': JSON.stringify({
        rules: { 'near-duplicate': 'error', 'missing-owners': 'off' },
      }),
    });
    writeTree(tmp.at('pay'), {
      'unowned.md': specText({ id: 'unowned', version: '1.0.0', status: 'approved' }, '# Unowned\n'),
    });
    const { json } = await lint(['--specs', 'pay', '--specs', 'shop']);
    const fromLint = json.findings
      .map((f: { rule: string; severity: string; file: string }) => `${f.rule} ${f.severity} ${f.file}`)
      .sort();
    expect(fromLint).toEqual([
      'duplicate-spec-id error shop/a.md',
      'duplicate-spec-id error shop/b.md',
      'missing-owners error pay/unowned.md',
      'near-duplicate error shop/refunds.md',
    ]);
    const roots = resolveRootList({ specs: ['pay=pay', 'shop=shop'], cwd: tmp.dir, fallback: 'specs' });
    const app = await createApp({
      specs: roots.roots[0]!.real,
      roots,
      ledger: 'off',
      transport: 'memory',
      env: {},
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await app.createServer(app.surface({ witnessed: true })).server.connect(serverSide);
    const client = new Client({ name: 'specledger-tests', version: '1.0.0' });
    await client.connect(clientSide);
    try {
      const status = structured<{
        findings: Array<{ rule: string; severity: string; file: string; ref?: string }>;
      }>((await client.callTool({ name: 'spec_status', arguments: { severity: 'info' } })) as never);
      expect(status.findings.map((f) => `${f.rule} ${f.severity} ${f.file}`).sort()).toEqual(fromLint);
      // Refs in findings are the federation's, so get_clause takes them as they are.
      const dup = status.findings.find((f) => f.rule === 'near-duplicate');
      expect(dup?.ref).toBe('shop:refunds#window');
    } finally {
      await client.close();
      await app.close();
    }
  });
});
