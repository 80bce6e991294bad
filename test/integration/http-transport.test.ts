// The Streamable HTTP transport end to end: the real SDK client against both stateful and stateless modes.
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { EmptyResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type HttpServerHandle, type HttpServerOptions, startHttpServer } from '../../src/transports/http.js';

interface Seen {
  tag?: string;
  runId?: string;
  principal?: string;
  sessionId?: string;
  authorizationVisible?: boolean;
}

function buildServer(): { server: McpServer; close(): Promise<void> } {
  const server = new McpServer({ name: 'http-test', version: '0.0.0' });
  server.registerTool(
    'echo_context',
    {
      description: 'Returns the request context the tool saw.',
      inputSchema: { tag: z.string().optional(), delay_ms: z.number().optional() },
    },
    async ({ tag, delay_ms }, extra) => {
      if (delay_ms) await sleep(delay_ms);
      const runId = extra.requestInfo?.headers['x-run-id'];
      const seen: Seen = {
        tag,
        runId: typeof runId === 'string' ? runId : undefined,
        principal: extra.authInfo?.clientId,
        sessionId: extra.sessionId,
        authorizationVisible: extra.requestInfo?.headers.authorization !== undefined,
      };
      return { content: [{ type: 'text', text: JSON.stringify(seen) }] };
    },
  );
  return { server, close: () => server.close() };
}

const servers: HttpServerHandle[] = [];
const clients: Client[] = [];

async function start(overrides: Partial<HttpServerOptions> = {}): Promise<HttpServerHandle> {
  const handle = await startHttpServer({
    port: 0,
    stateless: false,
    createServer: buildServer,
    tokens: [],
    readiness: async () => ({ ready: true, detail: {} }),
    log: () => {},
    ...overrides,
  });
  servers.push(handle);
  return handle;
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: 'http-test-client', version: '0.0.0' });
  client.onerror = () => {};
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function echo(client: Client, args: Record<string, unknown> = {}): Promise<Seen> {
  const result = await client.callTool({ name: 'echo_context', arguments: args });
  const [first] = result.content as Array<{ type: string; text: string }>;
  return JSON.parse(first?.text ?? '{}') as Seen;
}

afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((client) => client.close()));
  await Promise.allSettled(servers.splice(0).map((server) => server.close()));
});

describe.each([
  { mode: 'stateful', stateless: false },
  { mode: 'stateless', stateless: true },
])('startHttpServer ($mode)', ({ stateless }) => {
  it('lists and calls tools through the SDK client', async () => {
    const { url } = await start({ stateless });
    const client = await connect(url);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['echo_context']);
    expect(await echo(client, { tag: 'hello' })).toMatchObject({ tag: 'hello' });
  });

  it('passes the X-Run-Id header through to the tool', async () => {
    const { url } = await start({ stateless });
    const client = await connect(url, { 'X-Run-Id': 'run-42' });
    expect(await echo(client)).toMatchObject({ runId: 'run-42' });
  });

  it('gives each of several concurrent clients its own answers though they reuse JSON-RPC ids', async () => {
    const { url } = await start({ stateless });
    const fleet = await Promise.all(
      Array.from({ length: 6 }, (_, i) => connect(url, { 'X-Run-Id': `run-${i}` })),
    );
    const rounds = await Promise.all(
      fleet.map(async (client, i) => {
        const seen: Seen[] = [];
        for (let call = 0; call < 5; call++)
          seen.push(await echo(client, { tag: `${i}.${call}`, delay_ms: (i * 7) % 5 }));
        return seen;
      }),
    );
    rounds.forEach((seen, i) => {
      expect(seen.map((s) => s.tag)).toEqual([0, 1, 2, 3, 4].map((call) => `${i}.${call}`));
      expect(seen.every((s) => s.runId === `run-${i}`)).toBe(true);
    });
  });

  it('refuses a client without a token or with a wrong one and shows the named principal to tools', async () => {
    const tokens = [
      { name: 'ci-bot', token: 'secret-one' },
      { name: 'alice', token: 'secret-two' },
    ];
    const { url } = await start({ stateless, tokens });
    await expect(connect(url)).rejects.toMatchObject({ code: 401 });
    await expect(connect(url, { Authorization: 'Bearer secret-three' })).rejects.toMatchObject({ code: 401 });
    const client = await connect(url, { Authorization: 'Bearer secret-two' });
    expect(await echo(client)).toMatchObject({ principal: 'alice', authorizationVisible: false });
  });

  it('lets an in-flight slow tool call finish while close() is pending', async () => {
    const handle = await start({ stateless });
    const client = await connect(handle.url);
    const call = echo(client, { tag: 'slow', delay_ms: 300 });
    await sleep(50);
    const started = performance.now();
    const closing = handle.close();
    await expect(call).resolves.toMatchObject({ tag: 'slow' });
    await closing;
    // close() could only resolve after the call's remaining ~250 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    await expect(fetch(handle.url, { method: 'POST' })).rejects.toThrow();
  });
});

describe('startHttpServer (stateful sessions)', () => {
  it('shows the session id to tools', async () => {
    const { url } = await start();
    const client = await connect(url);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await echo(client)).toMatchObject({ sessionId });
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
      { name: 'alice', token: 'token-a' },
      { name: 'bob', token: 'token-b' },
    ];
    const { url } = await start({ tokens });
    const client = await connect(url, { Authorization: 'Bearer token-a' });
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId as string;
    const hijack = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: 'Bearer token-b',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(404);
  });
});

describe('startHttpServer (stateless fast path)', () => {
  it('answers a batch with an array in request order and sends no session id', async () => {
    const { url } = await start({ stateless: true });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify([
        {
          jsonrpc: '2.0',
          id: 'b',
          method: 'tools/call',
          params: { name: 'echo_context', arguments: { delay_ms: 30 } },
        },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 7, method: 'tools/list' },
        { jsonrpc: '2.0', id: 8, method: 'no/such/method' },
      ]),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('mcp-session-id')).toBeNull();
    const answers = (await response.json()) as Array<{
      id: unknown;
      result?: unknown;
      error?: { code: number };
    }>;
    expect(answers.map((answer) => answer.id)).toEqual(['b', 7, 8]);
    expect(answers[2]?.error?.code).toBe(-32601);
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

  it('aborts the tool handler when the HTTP client disconnects', async () => {
    const outcome: string[] = [];
    const { url } = await start({
      stateless: true,
      createServer: () => {
        const built = buildServer();
        built.server.registerTool(
          'wait_for_abort',
          { description: 'Waits until cancelled.' },
          async (extra) => {
            const aborted = await Promise.race([
              new Promise<boolean>((resolve) => extra.signal.addEventListener('abort', () => resolve(true))),
              sleep(2_000).then(() => false),
            ]);
            outcome.push(aborted ? 'aborted' : 'ran to the end');
            return { content: [] };
          },
        );
        return built;
      },
    });
    const controller = new AbortController();
    const call = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'wait_for_abort' },
      }),
      signal: controller.signal,
    });
    await sleep(100);
    controller.abort();
    await expect(call).rejects.toThrow();
    await expect.poll(() => outcome, { timeout: 1_000 }).toEqual(['aborted']);
  });

  it('refuses a server-to-client request at once instead of letting it time out', async () => {
    const { url } = await start({
      stateless: true,
      createServer: () => {
        const built = buildServer();
        built.server.registerTool('ping_client', { description: 'Pings the caller.' }, async (extra) => {
          const outcome = await extra
            .sendRequest({ method: 'ping' }, EmptyResultSchema, { timeout: 5_000 })
            .then(
              () => 'answered',
              (error: Error) => `refused: ${error.message}`,
            );
          return { content: [{ type: 'text', text: outcome }] };
        });
        return built;
      },
    });
    const client = await connect(url);
    const started = performance.now();
    const result = await client.callTool({ name: 'ping_client', arguments: {} });
    expect((result.content as Array<{ text: string }>)[0]?.text).toMatch(/^refused: .*stateful HTTP session/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
