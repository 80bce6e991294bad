// The Streamable HTTP transport end to end: the real SDK client and the real app against both stateful and
// stateless modes, in both protocol eras. What a call saw (run, principal) is read back through get_provenance.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { type HttpServerHandle, type HttpServerOptions, startHttpServer } from '../../src/transports/http.js';
import { clientOptions, type EraMode } from '../helpers/cli.js';
import { specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const servers: HttpServerHandle[] = [];
const clients: Client[] = [];
const apps: App[] = [];
const dirs: TempDir[] = [];

async function start(overrides: Partial<HttpServerOptions> = {}): Promise<HttpServerHandle & { app: App }> {
  const tmp = makeTempDir('specledger-http-');
  dirs.push(tmp);
  const app = await createApp({
    specs: specsExample,
    ledger: tmp.at('ledger.db'),
    transport: 'http',
    env: {},
  });
  apps.push(app);
  const handle = await startHttpServer(app, {
    port: 0,
    stateless: false,
    bearerTokens: [],
    readiness: async () => ({ ready: true, detail: {} }),
    log: () => {},
    ...overrides,
  });
  servers.push(handle);
  return { ...handle, app };
}

async function connect(
  url: string,
  headers: Record<string, string> = {},
  era: EraMode = 'legacy',
): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: 'http-test-client', version: '0.0.0' }, clientOptions(era));
  client.onerror = () => {};
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** The run get_provenance says this call belongs to, after one clause read. */
async function runOf(client: Client): Promise<{ id: string; source: string }> {
  await client.callTool({ name: 'get_clause', arguments: { ref: 'auth#key-storage' } });
  const result = await client.callTool({ name: 'get_provenance', arguments: {} });
  return (result.structuredContent as { run: { id: string; source: string } }).run;
}

afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((client) => client.close()));
  await Promise.allSettled(servers.splice(0).map((server) => server.close()));
  await Promise.allSettled(apps.splice(0).map((app) => app.close()));
  for (const dir of dirs.splice(0)) dir.remove();
});

describe.each([
  { mode: 'stateful', stateless: false, era: 'legacy' },
  { mode: 'stateless', stateless: true, era: 'legacy' },
  { mode: 'stateful', stateless: false, era: 'modern' },
  { mode: 'stateless', stateless: true, era: 'modern' },
] as const)('startHttpServer ($mode, $era client)', ({ stateless, era }) => {
  it('files the read under the X-Run-Id header', async () => {
    const { url } = await start({ stateless });
    const client = await connect(url, { 'X-Run-Id': 'run-42' }, era);
    expect(await runOf(client)).toEqual({ id: 'run-42', source: 'header' });
  });

  it('keeps concurrent clients apart though they reuse JSON-RPC ids', async () => {
    const { url } = await start({ stateless });
    const fleet = await Promise.all(
      Array.from({ length: 6 }, (_, i) => connect(url, { 'X-Run-Id': `run-${i}` }, era)),
    );
    const runs = await Promise.all(fleet.map((client) => runOf(client)));
    expect(runs.map((run) => run.id)).toEqual(fleet.map((_, i) => `run-${i}`));
  });

  it('refuses a client without a token or with a wrong one and scopes the run to the named principal', async () => {
    const tokens = [
      { name: 'ci-bot', token: 'secret-one-0123456789' },
      { name: 'alice', token: 'secret-two-0123456789' },
    ];
    const { url } = await start({ stateless, bearerTokens: tokens });
    await expect(connect(url, {}, era)).rejects.toThrow();
    await expect(connect(url, { Authorization: 'Bearer secret-three-0123456789' }, era)).rejects.toThrow();
    const client = await connect(
      url,
      { Authorization: 'Bearer secret-two-0123456789', 'X-Run-Id': 'r1' },
      era,
    );
    expect(await runOf(client)).toEqual({ id: 'alice/r1', source: 'header' });
  });
});

describe('startHttpServer (stateful sessions)', () => {
  it('files a read with no run hint under the 2025-era session', async () => {
    const { url } = await start();
    const client = await connect(url);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await runOf(client)).toEqual({ id: sessionId, source: 'session' });
  });

  it('answers 404 for an unknown session and 400 for a missing one', async () => {
    const { url } = await start();
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const unknown = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'mcp-session-id': 'nope' },
      body,
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32001, message: 'Session not found' },
      id: null,
    });
    const missing = await fetch(url, { method: 'POST', headers, body });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { code: number } }).error.code).toBe(-32000);
  });

  it('ends a session on DELETE', async () => {
    const { url } = await start();
    const client = await connect(url);
    const transport = client.transport as StreamableHTTPClientTransport;
    const sessionId = transport.sessionId as string;
    await transport.terminateSession();
    const after = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
  });

  it('keeps a session to the principal that opened it', async () => {
    const tokens = [
      { name: 'alice', token: 'token-a-0123456789' },
      { name: 'bob', token: 'token-b-0123456789' },
    ];
    const { url } = await start({ bearerTokens: tokens });
    const client = await connect(url, { Authorization: 'Bearer token-a-0123456789' });
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId as string;
    const hijack = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: 'Bearer token-b-0123456789',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(404);
  });
});

describe('startHttpServer (sessionless)', () => {
  it('answers a 2025-03-26 batch with an array in request order and sends no session id', async () => {
    const { url } = await start({ stateless: true });
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-03-26',
      },
      body: JSON.stringify([
        {
          jsonrpc: '2.0',
          id: 'b',
          method: 'tools/call',
          params: { name: 'get_clause', arguments: { ref: 'auth' } },
        },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 7, method: 'tools/list' },
        { jsonrpc: '2.0', id: 8, method: 'no/such/method' },
      ]),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBeNull();
    const body = await response.text();
    const answers = (
      body.startsWith('[')
        ? JSON.parse(body)
        : body
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .flatMap((line) => JSON.parse(line.slice(6)))
    ) as Array<{ id: unknown; error?: { code: number } }>;
    expect(answers.map((answer) => answer.id).sort()).toEqual([7, 8, 'b'].sort());
    expect(answers.find((a) => a.id === 8)?.error?.code).toBe(-32601);
  });

  it('answers a POST of notifications only with 202 and no body', async () => {
    const { url } = await start({ stateless: true });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it('files hint-less 2026-07-28 reads per principal under run source "none", never across principals', async () => {
    const tokens = [
      { name: 'alice', token: 'secret-alice-0123456789' },
      { name: 'bob', token: 'secret-bob-0123456789' },
    ];
    const { url } = await start({ stateless: true, bearerTokens: tokens });
    const alice = await connect(url, { Authorization: 'Bearer secret-alice-0123456789' }, 'modern');
    const bob = await connect(url, { Authorization: 'Bearer secret-bob-0123456789' }, 'modern');
    const [a, b] = [await runOf(alice), await runOf(bob)];
    expect(a.source).toBe('none');
    expect(b.source).toBe('none');
    expect(a.id.startsWith('alice/')).toBe(true);
    expect(b.id.startsWith('bob/')).toBe(true);
  });
});
