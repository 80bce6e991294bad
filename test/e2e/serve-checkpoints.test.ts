// serve --checkpoint-every: the running server signs checkpoints of what it records, and refuses bad flags before it starts.
import { chmodSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openCheckpoint, parseVerifierKey } from '../../src/ledger/checkpoint.js';
import { openLedger } from '../../src/ledger/open.js';
import { connectStdioCli, runCli } from '../helpers/cli.js';
import { specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

describe('serve --checkpoint-every (built CLI)', { timeout: 120_000 }, () => {
  let temp: TempDir;
  let key: string;
  beforeAll(async () => {
    temp = makeTempDir('specledger-serve-cp-');
    key = temp.at('log');
    expect((await runCli(['keygen', '--out', key, '--origin', 'example.com/served'])).code).toBe(0);
  });
  afterAll(() => temp.remove());

  it('signs checkpoints covering the reads it records while it serves', async () => {
    const ledger = temp.at('ledger.db');
    const cli = await connectStdioCli(
      ['--specs', specsExample, '--ledger', ledger, '--checkpoint-every', '200ms', '--checkpoint-key', key],
      { env: { SPECLEDGER_RUN_ID: 'served-run' } },
    );
    try {
      await cli.client.callTool({ name: 'get_clause', arguments: { ref: 'auth#token-lifetime' } });
      await cli.client.callTool({ name: 'read_root', arguments: {} });
      const verifier = parseVerifierKey(readFileSync(`${key}.pub`, 'utf8'));
      await vi.waitFor(
        async () => {
          const store = await openLedger(ledger, { readonly: true });
          try {
            const note = await store.treeMeta('checkpoint');
            const count = (await store.reads({})).length;
            expect(note).not.toBeNull();
            expect(openCheckpoint(note as string, verifier).size).toBe(count);
          } finally {
            await store.close();
          }
        },
        { timeout: 20_000, interval: 300 },
      );
    } finally {
      await cli.close();
    }
  });

  it('refuses --checkpoint-every without a key, with --ledger off, or with a key others can read', async () => {
    const noKey = await runCli(['serve', '--specs', specsExample, '--checkpoint-every', '1s']);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/--checkpoint-every needs --checkpoint-key FILE/);
    const off = await runCli([
      'serve',
      '--specs',
      specsExample,
      '--ledger',
      'off',
      '--checkpoint-every',
      '1s',
      '--checkpoint-key',
      key,
    ]);
    expect(off.code).toBe(2);
    expect(off.stderr).toMatch(/nothing to sign with --ledger off/);
    const bad = await runCli([
      'serve',
      '--specs',
      specsExample,
      '--checkpoint-every',
      'often',
      '--checkpoint-key',
      key,
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/record count .* or a period/);
    chmodSync(key, 0o640);
    const open = await runCli([
      'serve',
      '--specs',
      specsExample,
      '--checkpoint-every',
      '1s',
      '--checkpoint-key',
      key,
    ]);
    chmodSync(key, 0o600);
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/accessible by others \(mode 0640\)/);
  });
});
