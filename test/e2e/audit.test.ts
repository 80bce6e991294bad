// specledger audit over a generated organisation of nine git repositories: every planted problem, nothing else.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { readInput } from '../fixtures/ledger-records.js';
import { connectStdioCli } from '../helpers/cli.js';
import { CLI_TEST_TIMEOUT, shellEnv } from '../helpers/git.js';
import { builtCli } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';
import { type Org, REPOS, writeOrg } from './audit-org.js';

const exec = promisify(execFile);

interface AuditJson {
  roots: Array<{
    name: string;
    specs: number;
    byOwner: Record<string, number>;
    agents: Array<{ file: string; over: string[] }>;
  }>;
  findings: Array<{
    kind: string;
    severity: string;
    root: string;
    file: string;
    line: number;
    message: string;
    why?: string;
    related: Array<{ root: string; file: string; line: number }>;
  }>;
  ledger: null | {
    unreadSpecs: Array<{ ref: string; reads: number; last_ts: string | null }>;
    unreadClauses: Array<{ ref: string }>;
    mostRead: Array<{ ref: string; reads: number; runs: number }>;
    ambiguous: string[];
  };
}

let tmp: TempDir;
let org: Org;
/** Billing is named `invoicing` on the command line: a root's name is not always its folder's. */
const ROOT_ARGS = REPOS.map((r) => (r === 'billing' ? 'invoicing=billing' : r));

async function audit(args: readonly string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [builtCli, 'audit', ...args], {
      cwd: org.dir,
      env: shellEnv({ HOME: org.dir }),
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

beforeAll(() => {
  tmp = makeTempDir('specledger-audit-');
  org = writeOrg(tmp.at('org'));
});
afterAll(() => tmp.remove());

describe('specledger audit', () => {
  it(
    'finds every planted problem across nine repositories, and nothing else',
    async () => {
      const { stdout, code } = await audit([...ROOT_ARGS, '--json']);
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as AuditJson;
      const found = report.findings.map((f) => `${f.kind} ${f.root}:${f.file}:${f.line}`).sort();
      expect(found).toEqual(
        [
          `forked-clause identity:specs/session-tokens.md:${org.lines.tokenLifetime}`,
          'overlapping-specs identity:specs/session-tokens.md:1',
          `missing-owners invoicing:specs/invoices.md:${org.lines.ownersLine}`,
          `drift storage:specs/blobs.md:${org.lines.appliesTo}`,
          'missing-instruction mobile:AGENTS.md:1',
          `contradicting-instruction search:AGENTS.md:${org.lines.npm}`,
          'agents-over-budget platform:AGENTS.md:1',
        ].sort(),
      );
      const byKind = new Map(report.findings.map((f) => [f.kind, f]));
      // Each says what differs and why it was paired.
      expect(byKind.get('forked-clause')!.message).toContain('"60" where payments says "15"');
      expect(byKind.get('forked-clause')!.related).toEqual([
        { root: 'payments', file: 'specs/session-tokens.md', line: org.lines.tokenLifetime },
      ]);
      const npm = byKind.get('contradicting-instruction')!;
      expect(npm.message).toContain('picks npm where 8 other variants pick pnpm');
      expect(npm.why).toContain('package managers');
      expect(npm.related).toHaveLength(8);
      expect(byKind.get('missing-instruction')!.message).toContain(
        '"Write a regression test for every bug fix."',
      );
      expect(byKind.get('missing-instruction')!.message).toContain('8 of 9 variants');
      expect(byKind.get('agents-over-budget')!.message).toMatch(/326 instructions \(budget 150\)/);
      // The inventory: nine roots, the unowned spec counted, the bloated variant flagged.
      expect(report.roots.map((r) => r.name)).toEqual(ROOT_ARGS.map((a) => a.split('=')[0]));
      expect(report.roots.find((r) => r.name === 'invoicing')!.byOwner['(none)']).toBe(1);
      expect(report.roots.find((r) => r.name === 'platform')!.agents[0]!.over).toEqual([
        'lines',
        'instructions',
        'tokens',
      ]);
      expect(report.ledger).toBeNull();
    },
    CLI_TEST_TIMEOUT,
  );

  it(
    'writes a Markdown report a lead can paste into a ticket',
    async () => {
      const { stdout, code } = await audit([...ROOT_ARGS, '--format', 'markdown']);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^# Spec audit: 9 repositories\n/);
      expect(stdout).toContain('| Root | Commit | Specs |');
      expect(stdout).toMatch(/^\| invoicing \| [0-9a-f]{7} \| 2 \| 3 \| 2\/2 \| 1 \|/m);
      expect(stdout).toContain('### Forked policy (2)');
      expect(stdout).toContain('### AGENTS.md variants (3)');
      expect(stdout).toContain('### Ownership and drift (2)');
      // Locations as paths relative to where audit ran, in code spans so Markdown leaves them alone.
      expect(stdout).toContain(
        '- **error** `billing/specs/invoices.md:4` missing-owners: approved spec "invoices" has no owners',
      );
      expect(stdout).toContain('`search/AGENTS.md:3`');
    },
    CLI_TEST_TIMEOUT,
  );

  it(
    'exits 1 only with --fail-on, when findings reach it',
    async () => {
      expect((await audit([...ROOT_ARGS, '--fail-on', 'error'])).code).toBe(1);
      expect((await audit(['payments', 'search', '--fail-on', 'error'])).code).toBe(0);
      expect((await audit(['payments', 'search', '--fail-on', 'warning'])).code).toBe(1);
    },
    CLI_TEST_TIMEOUT,
  );

  it(
    'refuses bad roots before reading anything, with exit code 2',
    async () => {
      const twice = await audit(['a=payments', 'a=identity']);
      expect(twice.code).toBe(2);
      expect(twice.stderr).toContain('the root name "a" is also used by');
      const nested = await audit(['payments', 'payments/specs']);
      expect(nested.code).toBe(2);
      expect(nested.stderr).toMatch(/is inside root "payments"/);
      const file = await audit(['payments/AGENTS.md']);
      expect(file.stderr).toContain('is a file, not a folder');
      const missing = await audit(['nowhere']);
      expect(missing.stderr).toMatch(/spec root ".*nowhere" does not exist/);
    },
    CLI_TEST_TIMEOUT,
  );

  it(
    'with --ledger: unread specs and clauses, the most-read clauses, and runs that read a deprecated spec',
    async () => {
      const ledger = tmp.at('ledger.db');
      const messaging = path.join(org.dir, 'messaging');
      const reads: Array<[string, string[]]> = [
        [
          'run-a',
          [
            'queue-delivery#retries',
            'queue-delivery#retries',
            'queue-delivery#retries',
            'queue-delivery#ordering',
          ],
        ],
        ['run-b', ['queue-delivery#retries', 'legacy-queue']],
      ];
      for (const [run, refs] of reads) {
        const cli = await connectStdioCli(['--specs', messaging, '--ledger', ledger], {
          env: { SPECLEDGER_RUN_ID: run },
        });
        try {
          for (const ref of refs) {
            const result = await cli.client.callTool({
              name: 'get_clause',
              arguments: { ref, allow_deprecated: true },
            });
            expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
          }
        } finally {
          await cli.close();
        }
      }
      // A read 90 days ago: read once, but not within the 30 days audit asks about.
      const store = openSqliteStore(ledger);
      const longAgo = new Date(Date.now() - 90 * 86_400_000).toISOString();
      await store.append([
        readInput({ ts: longAgo, run_id: 'run-old', spec_id: 'invoices', clause_id: 'numbering' }),
      ]);
      await store.close();

      const { stdout, code } = await audit([...ROOT_ARGS, '--ledger', ledger, '--json']);
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as AuditJson;
      const l = report.ledger!;
      expect(l.mostRead.slice(0, 2)).toEqual([
        expect.objectContaining({ ref: 'queue-delivery#retries', reads: 4, runs: 2 }),
        expect.objectContaining({ ref: 'queue-delivery#ordering', reads: 1, runs: 1 }),
      ]);
      expect(l.unreadClauses.map((c) => c.ref)).toContain('queue-delivery#dead-letters');
      expect(l.unreadClauses.map((c) => c.ref)).not.toContain('queue-delivery#retries');
      expect(l.unreadSpecs.find((s) => s.ref === 'invoices')).toEqual(
        expect.objectContaining({ reads: 1, last_ts: longAgo }),
      );
      expect(l.unreadSpecs.map((s) => s.ref)).toContain('payments-rules');
      expect(l.unreadSpecs.map((s) => s.ref)).not.toContain('queue-delivery');
      expect(l.ambiguous).toEqual(['AGENTS', 'session-tokens']);
      const retired = report.findings.filter((f) => f.kind === 'deprecated-read');
      expect(retired).toEqual([
        expect.objectContaining({ root: 'messaging', file: 'specs/legacy-queue.md', line: 4 }),
      ]);
      expect(retired[0]!.message).toContain('1 run read deprecated spec "legacy-queue": run-b');
      // --unread-days 365 puts the old read inside the window.
      const wide = JSON.parse(
        (await audit([...ROOT_ARGS, '--ledger', ledger, '--unread-days', '365', '--json'])).stdout,
      ) as AuditJson;
      expect(wide.ledger!.unreadSpecs.map((s) => s.ref)).not.toContain('invoices');
    },
    CLI_TEST_TIMEOUT * 2,
  );

  it(
    'counts the reads of a server of several roots (refs ROOT:SPEC) for the root it names',
    async () => {
      const ledger = tmp.at('federated-ledger.db');
      const cli = await connectStdioCli(
        [
          '--specs',
          `messaging=${path.join(org.dir, 'messaging')}`,
          '--specs',
          `invoicing=${path.join(org.dir, 'billing')}`,
          '--ledger',
          ledger,
        ],
        { env: { SPECLEDGER_RUN_ID: 'run-fed' } },
      );
      try {
        const result = await cli.client.callTool({
          name: 'get_clause',
          arguments: { ref: 'messaging:queue-delivery#dead-letters' },
        });
        expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      } finally {
        await cli.close();
      }
      const report = JSON.parse(
        (await audit([...ROOT_ARGS, '--ledger', ledger, '--json'])).stdout,
      ) as AuditJson;
      const l = report.ledger!;
      expect(l.mostRead[0]).toEqual(
        expect.objectContaining({
          ref: 'queue-delivery#dead-letters',
          reads: 1,
          runs: 1,
          roots: ['messaging'],
        }),
      );
      expect(l.unreadClauses.map((c) => c.ref)).not.toContain('queue-delivery#dead-letters');
      expect(l.unreadClauses.map((c) => c.ref)).toContain('queue-delivery#retries');
      expect(l.unreadSpecs.map((s) => s.ref)).toContain('invoices');
    },
    CLI_TEST_TIMEOUT * 2,
  );
});
