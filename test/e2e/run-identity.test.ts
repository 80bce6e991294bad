// Run identity against the built server: principals never share runs or client names, run IDs are validated,
// traceparent follows W3C, and every CLI table escapes what a hostile run ID or client name could carry.
import { writeFileSync } from 'node:fs';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import type { ReadRecord } from '../../src/ledger/types.js';
import { cleanEnv, connectStdioCli, runCli, type StdioCli, startHttpCli } from '../helpers/cli.js';
import { textOf } from '../helpers/mcp.js';
import { specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef00';

async function readsOf(ledgerPath: string, filter: { run_id?: string } = {}): Promise<ReadRecord[]> {
  const store = await openLedger(ledgerPath, { readonly: true });
  try {
    return await store.reads(filter);
  } finally {
    await store.close();
  }
}

async function connectHttp(url: string, token: string, name: string): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  const headers = { authorization: `Bearer ${token}` };
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

const call = async (
  client: Client,
  name: string,
  args: Record<string, unknown>,
  meta?: Record<string, unknown>,
) => (await client.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) })) as CallToolResult;

type Provenance = { run: { id: string }; reads: Array<{ ref: string | null }> };

for (const mode of ['stateful', 'stateless'] as const) {
  describe(`principals over HTTP (${mode})`, () => {
    let tmp: TempDir;
    let url: string;
    let stop: () => void;
    let ledgerPath: string;

    beforeAll(async () => {
      tmp = makeTempDir();
      ledgerPath = tmp.at('ledger.db');
      writeFileSync(tmp.at('tokens.txt'), `alice:${ALICE}\nbob:${BOB}\n`);
      const server = await startHttpCli(
        [
          '--specs',
          specsExample,
          '--ledger',
          ledgerPath,
          '--token-file',
          tmp.at('tokens.txt'),
          ...(mode === 'stateless' ? ['--stateless'] : []),
        ],
        { env: cleanEnv() },
      );
      url = server.url;
      stop = () => server.child.kill('SIGKILL');
    }, 30_000);
    afterAll(() => {
      stop();
      tmp.remove();
    });

    it("keeps each principal's client name, even when another principal initializes later", async () => {
      const alice = await connectHttp(url, ALICE, 'alice-agent');
      const bob = await connectHttp(url, BOB, 'bob-agent');
      try {
        await call(alice, 'get_clause', { ref: 'auth#token-lifetime', run_id: 'client-names' });
        await call(bob, 'get_clause', { ref: 'auth#key-format', run_id: 'client-names' });
      } finally {
        await Promise.all([alice.close(), bob.close()]);
      }
      const byPrincipal = new Map(
        (await readsOf(ledgerPath)).filter((r) => r.tool === 'get_clause').map((r) => [r.principal, r]),
      );
      expect(byPrincipal.get('alice')).toMatchObject({
        client_name: 'alice-agent',
        clause_id: 'token-lifetime',
      });
      expect(byPrincipal.get('bob')).toMatchObject({ client_name: 'bob-agent', clause_id: 'key-format' });
    });

    it('files one run ID sent by two principals as two runs, and shows each only its own', async () => {
      const alice = await connectHttp(url, ALICE, 'alice-agent');
      const bob = await connectHttp(url, BOB, 'bob-agent');
      try {
        await call(alice, 'get_clause', { ref: 'errors#error-envelope', run_id: 'shared-run' });
        await call(bob, 'get_clause', { ref: 'auth#rotation', run_id: 'shared-run' });
        const seenByBob = (await call(bob, 'get_provenance', { run_id: 'shared-run' }))
          .structuredContent as Provenance;
        expect(seenByBob.reads.map((r) => r.ref)).toEqual(['auth#rotation']);
        // The run ID it answers with names the run for the CLI, and works when passed back.
        expect(seenByBob.run.id).toBe('bob/shared-run');
        const again = (await call(bob, 'get_provenance', { run_id: seenByBob.run.id }))
          .structuredContent as Provenance;
        expect(again.reads.map((r) => r.ref)).toEqual(['auth#rotation']);
      } finally {
        await Promise.all([alice.close(), bob.close()]);
      }
      const runs = JSON.parse((await runCli(['runs', '--json', '--ledger', ledgerPath])).stdout) as {
        runs: Array<{ run_id: string; principals: string[] }>;
      };
      const shared = runs.runs.filter((r) => r.run_id.endsWith('shared-run'));
      expect(shared.map((r) => [r.run_id, r.principals])).toEqual([
        ['alice/shared-run', ['alice']],
        ['bob/shared-run', ['bob']],
      ]);
    });

    it("never lists another principal's reads in the default run", async () => {
      const alice = await connectHttp(url, ALICE, 'alice-agent');
      const bob = await connectHttp(url, BOB, 'bob-agent');
      try {
        await call(alice, 'get_clause', { ref: 'auth#overview' });
        const seenByBob = (await call(bob, 'get_provenance', {})).structuredContent as Provenance;
        expect(seenByBob.reads).toEqual([]);
        const seenByAlice = (await call(alice, 'get_provenance', {})).structuredContent as Provenance;
        expect(seenByAlice.reads.map((r) => r.ref)).toContain('auth#overview');
      } finally {
        await Promise.all([alice.close(), bob.close()]);
      }
    });
  });
}

describe('run IDs a client declares over stdio', () => {
  let tmp: TempDir;
  let stdio: StdioCli;
  let ledgerPath: string;

  beforeAll(async () => {
    tmp = makeTempDir();
    ledgerPath = tmp.at('ledger.db');
    stdio = await connectStdioCli(['--specs', specsExample, '--ledger', ledgerPath]);
  }, 30_000);
  afterAll(async () => {
    await stdio.close();
    tmp.remove();
  });

  it('refuses a run_id argument holding control characters, naming the character, and records nothing', async () => {
    const result = await call(stdio.client, 'get_clause', {
      ref: 'auth#token-lifetime',
      run_id: 'evil\u001b[2J\r\nforged-row',
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/run ID from the run_id argument is not usable: .*U\+001B/);
    expect(textOf(result)).not.toContain('\u001b');
    expect((await readsOf(ledgerPath)).filter((r) => r.run_id.startsWith('evil'))).toEqual([]);
  });

  it('refuses a percent-encoded control character in baggage', async () => {
    const result = await call(
      stdio.client,
      'get_clause',
      { ref: 'auth#token-lifetime' },
      {
        baggage: 'other=1,run_id=evil%1B%5B31mred',
      },
    );
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/run ID from _meta.baggage is not usable: .*U\+001B/);
  });

  it('answers baggage that is not valid percent-encoding with a clear error, not "URI malformed"', async () => {
    const result = await call(
      stdio.client,
      'get_clause',
      { ref: 'auth#token-lifetime' },
      {
        baggage: 'run_id=%E0%A4%A',
      },
    );
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/baggage member "run_id" is not valid percent-encoded UTF-8/);
    expect(textOf(result)).not.toMatch(/URI malformed/);
  });

  it('ignores a malformed baggage member of another system', async () => {
    const result = await call(
      stdio.client,
      'get_clause',
      { ref: 'auth#token-lifetime' },
      {
        baggage: 'vendor=%E0%A4%A,run_id=ok-run',
      },
    );
    expect(result.isError).toBeFalsy();
    expect((await readsOf(ledgerPath, { run_id: 'ok-run' })).map((r) => r.run_id_source)).toEqual([
      'baggage',
    ]);
  });

  it('names the run after the trace ID of a newer-version traceparent, as the span parent does', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await call(
      stdio.client,
      'get_clause',
      { ref: 'auth#key-format' },
      {
        traceparent: `01-${traceId}-00f067aa0ba902b7-01-future-field`,
      },
    );
    expect((await readsOf(ledgerPath, { run_id: traceId })).map((r) => r.run_id_source)).toEqual([
      'traceparent',
    ]);
  });
});

describe('CLI tables over a ledger holding hostile names', () => {
  let tmp: TempDir;
  let ledgerPath: string;
  const hostileRun = 'run\u001b[2J\r\nFORGED  row\u202e';

  beforeAll(async () => {
    tmp = makeTempDir();
    ledgerPath = tmp.at('ledger.db');
    // What an older server stored: run IDs and client names were written as the client sent them.
    const store = await openLedger(ledgerPath);
    await store.append([
      {
        ts: new Date().toISOString(),
        run_id: hostileRun,
        run_id_source: 'argument',
        principal: null,
        session_id: null,
        client_name: 'agent\u0007\u009b',
        client_version: '1',
        transport: 'stdio',
        tool: 'get_clause',
        kind: 'clause',
        spec_id: 'auth',
        clause_id: 'rotation',
        spec_version: '1.0.0',
        status: 'approved',
        digest: `sha256:${'a'.repeat(64)}`,
        git_commit: null,
        tokens: 1,
      },
    ]);
    await store.close();
  });
  afterAll(() => tmp.remove());

  // Newlines separate rows; every other control or format character must arrive escaped.
  const controls = /(?!\n)[\p{Cc}\p{Cf}]/u;

  it('escapes control characters in runs, runs show and who-read', async () => {
    const outputs = await Promise.all([
      runCli(['runs', '--ledger', ledgerPath]),
      runCli(['runs', 'show', hostileRun, '--ledger', ledgerPath]),
      runCli(['who-read', 'auth#rotation', '--ledger', ledgerPath]),
    ]);
    for (const { stdout, code } of outputs) {
      expect(code).toBe(0);
      expect(stdout).not.toMatch(controls);
      expect(stdout).toContain('run\\x1b[2J\\r\\nFORGED  row\\u{202e}');
    }
    // One line per run: the CR/LF inside the run ID cannot start a row of its own.
    expect(outputs[0]!.stdout.trim().split('\n')).toHaveLength(2);
    expect(outputs[0]!.stdout).toContain('agent\\x07\\x9b/1');
  });
});
