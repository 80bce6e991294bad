// The built server over Streamable HTTP, driven by the real SDK client: tools, resources, identity, admission, shutdown.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { type HttpCli, startHttpCli } from '../helpers/cli.js';
import { builtCli, specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const TOKEN = 'ci-bot-token-0123456789abcdef';

type Served = HttpCli;
const startServer = startHttpCli;

function connect(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'http-e2e', version: '9.9.9' });
  return client
    .connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }))
    .then(() => client);
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${TOKEN}`,
      ...headers,
    },
  });

for (const mode of ['stateful', 'stateless'] as const) {
  describe(`serve --http (${mode})`, () => {
    let tmp: TempDir;
    let server: Served;
    let ledgerPath: string;

    beforeAll(async () => {
      tmp = makeTempDir();
      ledgerPath = tmp.at('ledger.db');
      writeFileSync(tmp.at('tokens.txt'), `# name:token\nci-bot:${TOKEN}\n`);
      server = await startServer([
        '--specs',
        specsExample,
        '--ledger',
        ledgerPath,
        '--token-file',
        tmp.at('tokens.txt'),
        ...(mode === 'stateless' ? ['--stateless'] : []),
      ]);
    }, 30_000);

    afterAll(() => {
      server.child.kill('SIGKILL');
      tmp.remove();
    });

    it('serves tools and resources and records the run, principal and transport of each read', async () => {
      const client = await connect(server.url, {
        authorization: `Bearer ${TOKEN}`,
        'x-run-id': `http-${mode}`,
      });
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain('get_clause');
      const clause = (await client.callTool({
        name: 'get_clause',
        arguments: { ref: 'auth#token-lifetime' },
      })) as unknown as {
        structuredContent: { digest: string; text: string };
      };
      expect(clause.structuredContent.text).toContain('{#token-lifetime}');
      const resource = await client.readResource({ uri: 'spec://idempotency/key-scope' });
      expect((resource.contents[0] as { text: string }).text).toContain('{#key-scope}');
      await client.close();

      const store = await openLedger(ledgerPath, { readonly: true });
      try {
        // A principal's runs are filed under its name: another token's `http-${mode}` is another run.
        const reads = await store.reads({ run_id: `ci-bot/http-${mode}` });
        expect(reads.map((r) => [r.kind, r.spec_id, r.clause_id])).toEqual([
          ['clause', 'auth', 'token-lifetime'],
          ['resource', 'idempotency', 'key-scope'],
        ]);
        expect(reads[0]).toMatchObject({
          principal: 'ci-bot',
          transport: 'http',
          run_id_source: 'header',
          digest: clause.structuredContent.digest,
        });
        if (mode === 'stateful') expect(reads[0]!.session_id).toMatch(/^[0-9a-f-]{36}$/);
      } finally {
        await store.close();
      }
    });

    it('answers 401 without a token and with a wrong one', async () => {
      const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
      expect((await post(server.url, init, { authorization: '' })).status).toBe(401);
      const wrong = await post(server.url, init, { authorization: 'Bearer not-the-token-at-all-000000' });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('answers 403 to a foreign Origin (DNS rebinding)', async () => {
      const res = await post(server.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), {
        origin: 'http://evil.example',
      });
      expect(res.status).toBe(403);
    });

    it('answers 413 to an oversize body and 400 with a parse error to malformed JSON', async () => {
      const big = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'ping',
        params: { pad: 'x'.repeat(2 * 1024 * 1024) },
      });
      expect((await post(server.url, big)).status).toBe(413);
      const bad = await post(server.url, '{"jsonrpc": "2.0", "id": 1, "method": ');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32700);
    });

    if (mode === 'stateful') {
      it('answers 404 to an unknown session', async () => {
        const res = await post(server.url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), {
          'mcp-session-id': '00000000-0000-4000-8000-000000000000',
        });
        expect(res.status).toBe(404);
      });
    }
  });
}

describe('serve --http shutdown', () => {
  it('exits cleanly on SIGTERM with every answered read in a valid ledger', async () => {
    const tmp = makeTempDir();
    try {
      const server = await startServer(['--specs', specsExample, '--ledger', tmp.at('ledger.db')]);
      const client = await connect(server.url, { 'x-run-id': 'before-sigterm' });
      const calls = Array.from({ length: 20 }, () =>
        client.callTool({ name: 'get_clause', arguments: { ref: 'errors#error-envelope' } }),
      );
      await Promise.all(calls);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      const store = await openLedger(tmp.at('ledger.db'), { readonly: true });
      try {
        expect(await store.reads({ run_id: 'before-sigterm' })).toHaveLength(20);
        expect(await store.verify()).toMatchObject({ ok: true });
      } finally {
        await store.close();
      }
    } finally {
      tmp.remove();
    }
  }, 30_000);

  it('refuses to bind a public address without a token', async () => {
    const child = spawn(
      process.execPath,
      [
        builtCli,
        'serve',
        '--http',
        '--host',
        '0.0.0.0',
        '--port',
        '0',
        '--specs',
        specsExample,
        '--ledger',
        'off',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, SPECLEDGER_TOKEN: '' },
      },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('refusing to bind 0.0.0.0 without a bearer token');
  });
});

/** A POST with a Host header of our choosing, as a reverse proxy sends it (fetch does not let a caller set Host). */
function postWithHost(url: string, host: string): Promise<number> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          host,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
        },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('serve --http --allowed-hosts (behind a reverse proxy)', () => {
  it('accepts the Host the proxy passes on, and no longer the loopback defaults it replaces', async () => {
    const server = await startServer([
      '--specs',
      specsExample,
      '--ledger',
      'off',
      '--stateless',
      '--allowed-hosts',
      'specs.internal.example:8443',
      '--allowed-hosts',
      'lb.example',
    ]);
    try {
      const own = new URL(server.url).host;
      expect(await postWithHost(server.url, 'specs.internal.example:8443')).toBe(200);
      expect(await postWithHost(server.url, 'lb.example:9000')).toBe(200);
      expect(await postWithHost(server.url, 'specs.internal.example:9999')).toBe(403);
      expect(await postWithHost(server.url, own)).toBe(403);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 30_000);

  it('refuses an empty list before listening', async () => {
    const child = spawn(
      process.execPath,
      [builtCli, 'serve', '--http', '--allowed-hosts', ' , ', '--ledger', 'off'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(err).toContain("option '--allowed-hosts <hosts>' argument ' , ' is invalid");
  });
});
