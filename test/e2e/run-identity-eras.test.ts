// Run identity needs no session: each source of a run ID, in both eras, read back from the ledger file the
// server wrote. First match wins (README, "Run identity"); a read with no hint is filed as such, never dropped.
import { writeFileSync } from 'node:fs';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import type { ReadRecord } from '../../src/ledger/types.js';
import { clientOptions, connectStdioCli, type EraMode, type HttpCli, startHttpCli } from '../helpers/cli.js';
import { specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE}-00f067aa0ba902b7-01`;
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef00';

async function lastRead(ledgerPath: string, tag: string): Promise<ReadRecord> {
  const store = await openLedger(ledgerPath, { readonly: true });
  try {
    const reads = (await store.reads({})).filter((r) => r.clause_id === tag);
    const last = reads[reads.length - 1];
    if (!last) throw new Error(`no read of ${tag} in ${ledgerPath}`);
    return last;
  } finally {
    await store.close();
  }
}

/** One clause per case, so each case's read is found by its clause ID. */
const CLAUSES = [
  'key-storage',
  'token-lifetime',
  'api-keys',
  'rotation',
  'key-types',
  'key-format',
  'token-format',
  'failed-attempts',
];

interface Case {
  name: string;
  args?: Record<string, unknown>;
  meta?: Record<string, unknown>;
  headers?: Record<string, string>;
  expected: { source: string; id: string | RegExp };
}

const COMMON: Case[] = [
  {
    name: 'the run_id argument',
    args: { run_id: 'arg-run' },
    meta: { 'specledger/run_id': 'loses' },
    expected: { source: 'argument', id: 'arg-run' },
  },
  {
    name: '_meta specledger/run_id',
    meta: { 'specledger/run_id': 'meta-run', traceparent: TRACEPARENT },
    expected: { source: 'meta', id: 'meta-run' },
  },
  {
    name: '_meta baggage',
    meta: { baggage: 'other=1,specledger.run_id=ci%2F7' },
    expected: { source: 'baggage', id: 'ci/7' },
  },
  {
    name: '_meta traceparent (its trace ID)',
    meta: { traceparent: TRACEPARENT },
    expected: { source: 'traceparent', id: TRACE },
  },
];

describe.each(['legacy', 'modern'] as const)('run identity, %s era', (era: EraMode) => {
  let tmp: TempDir;
  let server: HttpCli;
  let envServer: HttpCli;
  beforeAll(async () => {
    tmp = makeTempDir('specledger-runid-');
    writeFileSync(tmp.at('tokens.txt'), `alice:${ALICE}\nbob:${BOB}\n`);
    server = await startHttpCli([
      '--stateless',
      '--specs',
      specsExample,
      '--ledger',
      tmp.at('http.db'),
      '--token-file',
      tmp.at('tokens.txt'),
    ]);
    envServer = await startHttpCli(['--stateless', '--specs', specsExample, '--ledger', tmp.at('env.db')], {
      env: { ...process.env, SPECLEDGER_RUN_ID: 'env-run' },
    });
  }, 30_000);
  afterAll(async () => {
    for (const s of [server, envServer]) {
      s?.child.kill('SIGTERM');
      await s?.exited;
    }
    tmp.remove();
  });

  async function http(url: string, headers: Record<string, string>): Promise<Client> {
    const client = new Client({ name: `runid-${era}`, version: '1' }, clientOptions(era));
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
    return client;
  }

  const read = (client: Client, clause: string, c: Pick<Case, 'args' | 'meta'>) =>
    client.callTool({
      name: 'get_clause',
      arguments: { ref: `auth#${clause}`, ...c.args },
      ...(c.meta ? { _meta: c.meta } : {}),
    });

  describe('over stdio', () => {
    it.each([
      ...COMMON,
      { name: 'the environment', expected: { source: 'env', id: 'env-run' } },
      { name: 'nothing: the process is the run', expected: { source: 'connection', id: /^conn-/ } },
    ] as Case[])('takes $name', async (c) => {
      const ledger = tmp.at(`stdio-${era}-${c.expected.source}.db`);
      const env: Record<string, string> = c.expected.source === 'env' ? { SPECLEDGER_RUN_ID: 'env-run' } : {};
      const cli = await connectStdioCli(['--specs', specsExample, '--ledger', ledger], { era, env });
      try {
        const result = await read(cli.client, 'key-storage', c);
        expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      } finally {
        await cli.close();
      }
      const record = await lastRead(ledger, 'key-storage');
      expect(record.run_id_source).toBe(c.expected.source);
      expect(record.run_id).toMatch(
        c.expected.id instanceof RegExp ? c.expected.id : new RegExp(`^${c.expected.id}$`),
      );
    });
  });

  describe('over sessionless HTTP', () => {
    const cases: Case[] = [
      ...COMMON,
      {
        name: 'the X-Run-Id header',
        headers: { 'x-run-id': 'hdr-run' },
        expected: { source: 'header', id: 'hdr-run' },
      },
      {
        name: 'nothing but a traceparent header',
        headers: { traceparent: TRACEPARENT },
        expected: { source: 'traceparent', id: TRACE },
      },
      {
        name: 'the baggage header',
        headers: { baggage: 'run_id=bag-run' },
        expected: { source: 'baggage', id: 'bag-run' },
      },
      {
        name: 'nothing: filed per principal under source none',
        expected: { source: 'none', id: /^alice\/conn-/ },
      },
    ];
    it.each(cases.map((c, i) => ({ ...c, clause: CLAUSES[i % CLAUSES.length] as string, i })))(
      'takes $name',
      async (c) => {
        const client = await http(server.url, { authorization: `Bearer ${ALICE}`, ...c.headers });
        try {
          const result = await read(client, c.clause, c);
          expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
        } finally {
          await client.close();
        }
        const record = await lastRead(tmp.at('http.db'), c.clause);
        expect(record.run_id_source).toBe(c.expected.source);
        const id = c.expected.id instanceof RegExp ? c.expected.id : new RegExp(`^alice/${c.expected.id}$`);
        expect(record.run_id).toMatch(id);
        expect(record.principal).toBe('alice');
      },
    );

    it('takes the environment of the server', async () => {
      const client = await http(envServer.url, {});
      try {
        await read(client, 'key-storage', {});
      } finally {
        await client.close();
      }
      const record = await lastRead(tmp.at('env.db'), 'key-storage');
      expect([record.run_id_source, record.run_id]).toEqual(['env', 'env-run']);
    });

    it('keeps two principals who send the same run_id apart', async () => {
      const alice = await http(server.url, { authorization: `Bearer ${ALICE}` });
      const bob = await http(server.url, { authorization: `Bearer ${BOB}` });
      try {
        await read(alice, 'overview', { args: { run_id: `same-${era}` } });
        await read(bob, 'overview', { args: { run_id: `same-${era}` } });
        const mine = await alice.callTool({ name: 'get_provenance', arguments: { run_id: `same-${era}` } });
        const theirs = await bob.callTool({ name: 'get_provenance', arguments: { run_id: `same-${era}` } });
        expect((mine.structuredContent as { run: { id: string } }).run.id).toBe(`alice/same-${era}`);
        expect((theirs.structuredContent as { run: { id: string } }).run.id).toBe(`bob/same-${era}`);
        expect((mine.structuredContent as { reads: unknown[] }).reads).toHaveLength(1);
        expect((theirs.structuredContent as { reads: unknown[] }).reads).toHaveLength(1);
      } finally {
        await alice.close();
        await bob.close();
      }
    });
  });
});
