// serve --checkpoint-every: the running server signs checkpoints of what it records, and refuses bad flags before it starts.
import { chmodSync, readFileSync } from 'node:fs';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openCheckpoint, parseVerifierKey } from '../../src/ledger/checkpoint.js';
import { openLedger } from '../../src/ledger/open.js';
import { connectStdioCli, runCli, startHttpCli } from '../helpers/cli.js';
import { specsExample } from '../helpers/paths.js';
import { openTestPostgres } from '../helpers/postgres.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const postgres = await openTestPostgres();

/** The size of the latest checkpoint stored in the ledger, checked against the key; 0 when none is stored yet. */
async function signedSize(ledger: string, pub: string): Promise<number> {
  const store = await openLedger(ledger, { readonly: true });
  try {
    const note = await store.treeMeta('checkpoint');
    return note === null ? 0 : openCheckpoint(note, parseVerifierKey(readFileSync(pub, 'utf8'))).size;
  } finally {
    await store.close();
  }
}

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

  it('keeps answering when a checkpoint fails, says why on stderr, and exits cleanly on SIGTERM', async () => {
    const ledger = temp.at('failing.db');
    const server = await startHttpCli([
      '--specs',
      specsExample,
      '--ledger',
      ledger,
      '--checkpoint-every',
      '3',
      '--checkpoint-key',
      key,
    ]);
    let stderr = '';
    server.child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const client = new Client({ name: 'checkpoint-failure', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    const read = async () => {
      const result = await client.callTool({ name: 'get_clause', arguments: { ref: 'auth#token-lifetime' } });
      expect(result.isError).toBeFalsy();
      return result;
    };
    try {
      for (let i = 0; i < 3; i++) await read();
      await vi.waitFor(async () => expect(await signedSize(ledger, `${key}.pub`)).toBe(3), {
        timeout: 20_000,
        interval: 200,
      });
      // Two reads (not yet due: a checkpoint every 3), then the newest one edited in place, then the read that makes
      // the next checkpoint due: the worker finds the edit.
      await read();
      await read();
      const db = new Database(ledger);
      const edited = db
        .prepare(
          "UPDATE blocks SET records = json_replace(records, '$[#-1][3]', 7777) WHERE first_seq = (SELECT max(first_seq) FROM blocks)",
        )
        .run();
      db.close();
      expect(edited.changes).toBe(1);
      await read();
      await vi.waitFor(
        () =>
          expect(stderr).toMatch(
            /checkpoint failed \(retried at the next tick\): ledger verification failed: seq 5: hash does not match/,
          ),
        { timeout: 20_000, interval: 200 },
      );
      await read();
      expect(await signedSize(ledger, `${key}.pub`)).toBe(3);
    } finally {
      await client.close();
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });

  it('exits 0 on SIGTERM with its checkpoint worker idle and no client left', async () => {
    const ledger = temp.at('idle.db');
    const server = await startHttpCli([
      '--specs',
      specsExample,
      '--ledger',
      ledger,
      '--checkpoint-every',
      '100ms',
      '--checkpoint-key',
      key,
    ]);
    try {
      await vi.waitFor(
        async () => {
          const store = await openLedger(ledger, { readonly: true });
          try {
            expect(await store.treeMeta('checkpoint')).not.toBeNull();
          } finally {
            await store.close();
          }
        },
        { timeout: 20_000, interval: 200 },
      );
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });

  it.skipIf(!postgres.ok)('signs checkpoints of a PostgreSQL ledger while it serves', async () => {
    if (!postgres.ok) return;
    const pg = postgres.pg;
    const ledger = pg.withSchema(pg.freshSchema());
    const cli = await connectStdioCli(
      ['--specs', specsExample, '--ledger', ledger, '--checkpoint-every', '200ms', '--checkpoint-key', key],
      { env: { SPECLEDGER_RUN_ID: 'served-pg' } },
    );
    try {
      for (let i = 0; i < 4; i++)
        await cli.client.callTool({ name: 'get_clause', arguments: { ref: 'auth#token-lifetime' } });
      await vi.waitFor(async () => expect(await signedSize(ledger, `${key}.pub`)).toBe(4), {
        timeout: 20_000,
        interval: 300,
      });
    } finally {
      await cli.close();
      await pg.drop();
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
