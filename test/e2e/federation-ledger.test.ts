// Issue 17: each read records its root and that root's own commit, in a ledger whose chain still verifies.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { connectStdioCli, runCli } from '../helpers/cli.js';
import { CLI_TEST_TIMEOUT, gitRepo } from '../helpers/git.js';
import { makeTempDir } from '../helpers/temp.js';

const spec = (minutes: number) =>
  `---\nid: auth\nversion: 1.0.0\nstatus: approved\n---\n# Auth\n\n## Token lifetime {#token-lifetime}\n\nTokens expire after ${minutes} minutes.\n`;

describe('ledger reads across roots', () => {
  it(
    'records each read under its root-qualified spec ID with the commit of that root’s repository',
    async () => {
      const payments = gitRepo();
      const ledger = gitRepo();
      const tmp = makeTempDir('specledger-federation-ledger-');
      try {
        payments.write('specs/auth.md', spec(15));
        const paymentsHead = payments.commit('payments auth');
        ledger.write('docs/auth.md', spec(5));
        ledger.commit('first');
        ledger.write('docs/auth.md', spec(7));
        const ledgerHead = ledger.commit('ledger auth, shorter');
        expect(ledgerHead).not.toBe(paymentsHead);
        const db = tmp.at('ledger.db');
        const cli = await connectStdioCli([
          '--specs',
          `payments=${path.join(payments.dir, 'specs')}`,
          '--specs',
          `ledger=${path.join(ledger.dir, 'docs')}`,
          '--ledger',
          db,
        ]);
        try {
          for (const ref of ['payments:auth#token-lifetime', 'ledger:auth#token-lifetime']) {
            const result = await cli.client.callTool({
              name: 'get_clause',
              arguments: { ref, run_id: 'fed-run' },
            });
            expect(result.isError).toBeFalsy();
          }
        } finally {
          await cli.close();
        }
        const store = await openLedger(db, {});
        try {
          const reads = await store.reads({ run_id: 'fed-run' });
          expect(reads.map((r) => [r.spec_id, r.clause_id, r.git_commit])).toEqual([
            ['payments:auth', 'token-lifetime', paymentsHead],
            ['ledger:auth', 'token-lifetime', ledgerHead],
          ]);
          expect(await store.verify()).toMatchObject({ ok: true });
        } finally {
          await store.close();
        }
        const who = await runCli(['who-read', 'ledger:auth#token-lifetime', '--ledger', db, '--json']);
        expect(who.code).toBe(0);
        expect(
          (JSON.parse(who.stdout) as { runs: Array<{ run_id: string }> }).runs.map((r) => r.run_id),
        ).toEqual(['fed-run']);
      } finally {
        payments.remove();
        ledger.remove();
        tmp.remove();
      }
    },
    CLI_TEST_TIMEOUT,
  );
});
