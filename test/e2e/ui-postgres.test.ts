// The console on a PostgreSQL ledger: the same pages from the fleet store, which it opens read-only.
import { afterAll, describe, expect, it } from 'vitest';
import { startUiCli } from '../helpers/browser.js';
import { connectStdioCli } from '../helpers/cli.js';
import { CLI_TEST_TIMEOUT } from '../helpers/git.js';
import { specsExample } from '../helpers/paths.js';
import { openTestPostgres } from '../helpers/postgres.js';

const found = await openTestPostgres();
if (!found.ok) console.warn(`skipping the console's PostgreSQL test: ${found.reason}`);
const pg = found.ok ? found.pg : undefined;
afterAll(async () => {
  await pg?.drop();
});

const RUN = 'run-console-pg';

describe.skipIf(!pg)('the console on a PostgreSQL ledger', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('lists the run and shows what it read, at which version, from the fleet store', async () => {
    const ledger = pg!.withSchema(pg!.freshSchema());
    const agent = await connectStdioCli(['--specs', specsExample, '--ledger', ledger], {
      env: { SPECLEDGER_RUN_ID: RUN },
      clientName: 'pg-agent',
    });
    const read = (await agent.client.callTool({
      name: 'get_clause',
      arguments: { ref: 'auth#token-lifetime' },
    })) as unknown as { structuredContent: { digest: string } };
    await agent.close();
    const ui = await startUiCli(['--specs', specsExample, '--ledger', ledger]);
    try {
      const runs = await (await fetch(ui.url)).text();
      expect(runs).toContain(`href="/run?id=${RUN}"`);
      expect(runs).toContain('pg-agent/0.0.1');
      const run = await (await fetch(`${ui.url}run?id=${RUN}`)).text();
      expect(run).toContain('auth#token-lifetime');
      expect(run).toContain(
        `sha256:${read.structuredContent.digest.slice('sha256:'.length, 'sha256:'.length + 8)}`,
      );
      expect(run).toContain('<span class="state-unchanged">unchanged</span>');
      const health = await (await fetch(`${ui.url}health`)).text();
      expect(health).toContain('Verified: 1 records, chain intact.');
    } finally {
      await ui.close();
    }
  });
});
