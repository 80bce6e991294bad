// Issue 17's bad input through the built CLI: each refused before anything is served; a missing root fails alone.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdioCli, runCli } from '../helpers/cli.js';
import { structured, textOf } from '../helpers/mcp.js';
import { makeTempDir, type TempDir, writeTree } from '../helpers/temp.js';

let tmp: TempDir;
beforeAll(() => {
  tmp = makeTempDir('specledger-federation-startup-');
  writeTree(tmp.dir, {
    'payments/specs/auth.md':
      '---\nid: auth\nversion: 1.0.0\nstatus: approved\n---\n# Auth\n\n## Token lifetime {#token-lifetime}\n\nAccess tokens expire after 15 minutes.\n',
    'ledger/docs/auth.md':
      '---\nid: auth\nversion: 2.0.0\nstatus: approved\n---\n# Auth\n\n## Token lifetime {#token-lifetime}\n\nLedger tokens expire after 5 minutes.\n\n## Audit {#audit}\n\nEvery write is logged.\n',
    'notes.md': '# Notes\n',
  });
  mkdirSync(tmp.at('outside'));
  symlinkSync(tmp.at('outside'), tmp.at('payments/linked'));
});
afterAll(() => tmp.remove());

/** `NAME=DIR` with DIR inside the temp folder. */
const named = (spec: string): string => {
  const eq = spec.indexOf('=');
  return `${spec.slice(0, eq)}=${tmp.at(spec.slice(eq + 1))}`;
};
const serve = (...specs: string[]) =>
  runCli(['serve', '--no-watch', '--ledger', 'off', ...specs.flatMap((s) => ['--specs', named(s)])]);

describe('serve with several roots: start-up errors', () => {
  it.each([
    ['two roots with one name', ['a=payments/specs', 'a=ledger/docs'], /root name "a" is also used by/],
    [
      'a root inside another',
      ['all=payments', 'specs=payments/specs'],
      /root "specs" .* is inside root "all"/,
    ],
    ['a root that is a file', ['a=notes.md', 'b=ledger/docs'], /is a file, not a folder/],
    [
      'a symlinked root pointing elsewhere',
      ['a=payments/linked', 'b=ledger/docs'],
      /symbolic link to .* outside the folder it was named in/,
    ],
    ['an invalid name', ['pay ments=payments/specs'], /"pay ments" is not a usable root name/],
  ])('refuses %s with exit code 2 and one clear line, serving nothing', async (_what, specs, message) => {
    const run = await serve(...specs);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });

  it('names a bad config entry by file:line', async () => {
    writeFileSync(
      tmp.at('bad.yaml'),
      'roots:\n  - name: payments\n    path: payments/specs\n  - name: "pay ments"\n    path: ledger/docs\n',
    );
    const run = await runCli(['serve', '--no-watch', '--ledger', 'off', '--config', tmp.at('bad.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml:4: "pay ments" is not a usable root name/);
  });
});

describe('serve with several roots: a missing root fails alone', () => {
  it('serves the other roots, reports the missing one, and refuses a bare ref two roots share', async () => {
    const config = tmp.at('specledger.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        roots: [
          { name: 'payments', path: 'payments/specs' },
          { name: 'ledger', path: 'ledger/docs' },
          { name: 'gone', path: 'gone/specs' },
        ],
      }),
    );
    const cli = await connectStdioCli(['--config', config, '--ledger', 'off']);
    const call = async (name: string, args: object) =>
      (await cli.client.callTool({ name, arguments: args as Record<string, unknown> })) as CallToolResult;
    try {
      const root = structured<{ root: { text: string }; problems: number }>(await call('read_root', {}));
      expect(root.root.text).toMatch(/- gone: not served \(spec root ".*gone\/specs" does not exist/);
      expect(root.problems).toBe(1);
      expect(cli.stderr()).toMatch(/gone\/:1: root "gone" is not served/);
      const text = (ref: string) =>
        call('get_clause', { ref }).then((r) => structured<{ text: string }>(r).text);
      expect(await text('payments:auth#token-lifetime')).toMatch(/15 minutes/);
      expect(await text('ledger:auth#token-lifetime')).toMatch(/5 minutes/);
      // Only the ledger's auth has #audit, so the bare ref is not ambiguous.
      expect(await text('auth#audit')).toMatch(/Every write is logged/);
      const ambiguous = await call('get_clause', { ref: 'auth#token-lifetime' });
      expect(ambiguous.isError).toBe(true);
      const meta = ambiguous._meta?.['specledger/error'] as { candidates: string[] };
      expect([...meta.candidates].sort()).toEqual([
        'ledger:auth#token-lifetime',
        'payments:auth#token-lifetime',
      ]);
      expect(textOf(ambiguous)).toMatch(/is 2 clauses in 2 roots; name the root as ROOT:SPEC#CLAUSE/);
    } finally {
      await cli.close();
    }
  });
});
