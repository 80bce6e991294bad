// A scripted agent session over stdio with a known run ID, then the provenance CLI asked about it.
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { runCli } from '../helpers/cli.js';
import { builtCli, specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const RUN_ID = 'run-e2e-provenance';
const cli = runCli;

type ClauseResult = { structuredContent: { digest: string; text: string } };

describe('provenance of a scripted agent session', () => {
  let tmp: TempDir;
  let specs: string;
  let ledger: string;
  let tokenLifetimeDigest = '';

  beforeAll(async () => {
    tmp = makeTempDir();
    specs = tmp.at('specs');
    ledger = tmp.at('ledger.db');
    cpSync(specsExample, specs, { recursive: true });
    const client = new Client({ name: 'scripted-agent', version: '1.2.3' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [builtCli, 'serve', '--specs', specs, '--ledger', ledger, '--no-watch'],
        env: { ...process.env, SPECLEDGER_RUN_ID: RUN_ID } as Record<string, string>,
        stderr: 'ignore',
      }),
    );
    await client.callTool({ name: 'read_root', arguments: {} });
    await client.callTool({ name: 'get_outline', arguments: { spec: 'payments' } });
    const lifetime = (await client.callTool({
      name: 'get_clause',
      arguments: { ref: 'auth#token-lifetime' },
    })) as unknown as ClauseResult;
    tokenLifetimeDigest = lifetime.structuredContent.digest;
    await client.callTool({ name: 'get_clause', arguments: { ref: 'refunds#FR-003' } });
    await client.callTool({ name: 'get_clause', arguments: { ref: 'errors#error-envelope' } });
    await client.close();

    // After the run: one clause is edited, one is removed, everything else stays.
    const auth = path.join(specs, 'specs/auth.md');
    writeFileSync(auth, readFileSync(auth, 'utf8').replace('15 minutes (900 s)', '10 minutes (600 s)'));
    const refunds = path.join(specs, 'specs/features/001-refunds/spec.md');
    const lines = readFileSync(refunds, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('**FR-003**'));
    let end = at + 1;
    while (end < lines.length && /^\s+\S/.test(lines[end]!)) end++;
    lines.splice(at, end - at);
    writeFileSync(refunds, lines.join('\n'));
  }, 60_000);

  afterAll(() => tmp.remove());

  it('lists the run with its source and client', async () => {
    const { stdout } = await cli(['runs', '--ledger', ledger, '--json']);
    const runs = JSON.parse(stdout).runs as Array<{
      run_id: string;
      run_id_source: string;
      clients: string[];
    }>;
    const mine = runs.find((r) => r.run_id === RUN_ID);
    expect(mine?.run_id_source).toBe('env');
    expect(mine?.clients).toContain('scripted-agent/1.2.3');
  });

  it('shows what the run read, in order, with versions and digests', async () => {
    const { stdout } = await cli(['runs', 'show', RUN_ID, '--ledger', ledger, '--json']);
    const shown = JSON.parse(stdout) as {
      run: { id: string };
      reads: Array<{ kind: string; ref: string | null; digest: string; version: string }>;
    };
    expect(shown.run.id).toBe(RUN_ID);
    const clauseReads = shown.reads.filter((r) => r.kind === 'clause').map((r) => r.ref);
    expect(clauseReads).toEqual(['auth#token-lifetime', 'refunds#FR-003', 'errors#error-envelope']);
    expect(shown.reads.find((r) => r.ref === 'auth#token-lifetime')).toMatchObject({
      digest: tokenLifetimeDigest,
      version: '1.4.0',
    });
    expect(shown.reads.some((r) => r.kind === 'outline' && r.ref === 'payments')).toBe(true);
  });

  it('answers who read a clause, at a digest and at any digest', async () => {
    const any = JSON.parse(
      (await cli(['who-read', 'auth#token-lifetime', '--ledger', ledger, '--json'])).stdout,
    );
    expect(any.runs.map((r: { run_id: string }) => r.run_id)).toEqual([RUN_ID]);
    const pinned = JSON.parse(
      (await cli(['who-read', `auth#token-lifetime@${tokenLifetimeDigest}`, '--ledger', ledger, '--json']))
        .stdout,
    );
    expect(pinned.runs).toHaveLength(1);
    const nobody = JSON.parse(
      (await cli(['who-read', 'payouts#overview', '--ledger', ledger, '--json'])).stdout,
    );
    expect(nobody.runs).toEqual([]);
  });

  it('reports exactly the clauses edited or removed after the run as stale', async () => {
    const { stdout, code } = await cli([
      'stale',
      '--run',
      RUN_ID,
      '--specs',
      specs,
      '--ledger',
      ledger,
      '--json',
    ]);
    const report = JSON.parse(stdout) as {
      stale: Array<{ ref: string; reason: string; read_digest: string }>;
    };
    expect(report.stale.map((s) => [s.ref, s.reason]).sort()).toEqual([
      ['auth#token-lifetime', 'changed'],
      ['refunds#FR-003', 'removed'],
    ]);
    expect(code).toBe(1);
  });

  it('returns the exact text the agent saw after the file changed', async () => {
    const { stdout } = await cli(['show', `auth#token-lifetime@${tokenLifetimeDigest}`, '--ledger', ledger]);
    expect(stdout).toContain('15 minutes (900 s)');
    const now = await cli(['show', 'auth#token-lifetime', '--specs', specs]);
    expect(now.stdout).toContain('10 minutes (600 s)');
  });

  it('attests the clauses read as SLSA resolved dependencies', async () => {
    const sha = 'a'.repeat(40);
    const { stdout, code } = await cli(['attest', '--run', RUN_ID, '--commit', sha, '--ledger', ledger]);
    expect(code).toBe(0);
    const statement = JSON.parse(stdout);
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    const deps = statement.predicate.buildDefinition.resolvedDependencies as Array<{
      uri: string;
      digest: { sha256: string };
    }>;
    expect(deps).toHaveLength(3);
    expect(deps.map((d) => d.uri)).toContain(`spec://auth/token-lifetime@${tokenLifetimeDigest}`);
    expect(deps.find((d) => d.uri.startsWith('spec://auth/'))?.digest.sha256).toBe(
      tokenLifetimeDigest.replace('sha256:', ''),
    );
  });

  it('verifies the chain', async () => {
    const { stdout, code } = await cli(['verify', '--ledger', ledger]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok: \d+ records/);
  });
});

describe('a server killed with SIGKILL under load', () => {
  it('keeps a record of every read whose response the client received, and a valid chain', async () => {
    const tmp = makeTempDir();
    const ledgerPath = tmp.at('ledger.db');
    try {
      const child = spawn(
        process.execPath,
        [builtCli, 'serve', '--specs', specsExample, '--ledger', ledgerPath, '--no-watch'],
        {
          stdio: ['pipe', 'pipe', 'ignore'],
        },
      );
      const answered = new Set<number>();
      let buffer = '';
      let nextId = 10;
      const send = (msg: object) => child.stdin.write(`${JSON.stringify(msg)}\n`);
      const refs = [
        'auth#token-lifetime',
        'refunds#FR-003',
        'errors#error-envelope',
        'rate-limits',
        'payments#capture',
      ];
      const sendRead = () => {
        const id = nextId++;
        send({
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: 'get_clause', arguments: { ref: refs[id % refs.length], run_id: `crash-${id}` } },
        });
      };
      const killed = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          let nl = buffer.indexOf('\n');
          while (nl >= 0) {
            const msg = JSON.parse(buffer.slice(0, nl)) as { id?: number; result?: { isError?: boolean } };
            buffer = buffer.slice(nl + 1);
            nl = buffer.indexOf('\n');
            if (msg.id === 1) {
              send({ jsonrpc: '2.0', method: 'notifications/initialized' });
              for (let i = 0; i < 16; i++) sendRead();
            } else if (typeof msg.id === 'number' && !msg.result?.isError) {
              answered.add(msg.id);
              if (answered.size >= 400) {
                child.kill('SIGKILL');
                resolve();
                return;
              }
              sendRead();
            }
          }
        });
      });
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'crash', version: '1' },
        },
      });
      await killed;
      await new Promise((r) => child.once('exit', r));

      const store = await openLedger(ledgerPath);
      try {
        const runs = new Set((await store.runs()).map((r) => r.run_id));
        const missing = [...answered].filter((id) => !runs.has(`crash-${id}`));
        expect(missing).toEqual([]);
        expect(await store.verify()).toMatchObject({ ok: true });
      } finally {
        await store.close();
      }
    } finally {
      tmp.remove();
    }
  }, 60_000);
});
