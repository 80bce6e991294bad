// What the HTTP transport refuses before a request reaches the MCP server, seen over raw HTTP.
import { type IncomingHttpHeaders, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { type HttpServerHandle, type HttpServerOptions, startHttpServer } from '../../src/transports/http.js';
import { isLoopbackHost } from '../../src/transports/http-security.js';
import { specsExample } from '../helpers/paths.js';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const LIST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

/** node:http rather than fetch, because fetch will not send a chosen Host header. */
function raw(
  url: string,
  init: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer[] } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: init.path ?? target.pathname,
        method: init.method ?? 'POST',
        headers: init.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    if (Array.isArray(init.body)) for (const chunk of init.body) req.write(chunk);
    else if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

const errorCode = (response: RawResponse): number =>
  (JSON.parse(response.body) as { error: { code: number } }).error.code;

const servers: HttpServerHandle[] = [];
const apps: App[] = [];

async function start(overrides: Partial<HttpServerOptions> = {}): Promise<HttpServerHandle> {
  const app = await createApp({ specs: specsExample, ledger: 'off', transport: 'http', env: {} });
  apps.push(app);
  const handle = await startHttpServer(app, {
    port: 0,
    stateless: true,
    bearerTokens: [],
    maxBodyBytes: 4096,
    readiness: async () => ({ ready: true, detail: { index: 'loaded' } }),
    log: () => {},
    ...overrides,
  });
  servers.push(handle);
  return handle;
}

afterEach(async () => {
  await Promise.allSettled(servers.splice(0).map((server) => server.close()));
  await Promise.allSettled(apps.splice(0).map((app) => app.close()));
});

describe('startHttpServer admission', () => {
  it('refuses a Host header outside the allowlist with 403', async () => {
    const { url, port } = await start();
    const evil = await raw(url, { headers: { ...MCP_HEADERS, host: `evil.example:${port}` }, body: LIST });
    expect(evil.status).toBe(403);
    expect(errorCode(evil)).toBe(-32000);
    const wrongPort = await raw(url, { headers: { ...MCP_HEADERS, host: 'localhost:1' }, body: LIST });
    expect(wrongPort.status).toBe(403);
    const loopback = await raw(url, { headers: { ...MCP_HEADERS, host: `localhost:${port}` }, body: LIST });
    expect(loopback.status).toBe(200);
  });

  it('accepts a configured host on any port', async () => {
    const { url } = await start({ allowedHosts: ['mcp.internal'] });
    expect(
      (await raw(url, { headers: { ...MCP_HEADERS, host: 'mcp.internal:443' }, body: LIST })).status,
    ).toBe(200);
    expect((await raw(url, { headers: { ...MCP_HEADERS, host: 'localhost' }, body: LIST })).status).toBe(403);
  });

  it('refuses a foreign Origin with 403 and accepts loopback origins', async () => {
    const { url } = await start();
    const evil = await raw(url, { headers: { ...MCP_HEADERS, origin: 'https://evil.example' }, body: LIST });
    expect(evil.status).toBe(403);
    expect((await raw(url, { headers: { ...MCP_HEADERS, origin: 'null' }, body: LIST })).status).toBe(403);
    const local = await raw(url, {
      headers: { ...MCP_HEADERS, origin: 'http://localhost:5173' },
      body: LIST,
    });
    expect(local.status).toBe(200);
  });

  it('answers 401 with WWW-Authenticate when the bearer token is missing or wrong', async () => {
    const { url } = await start({ bearerTokens: [{ name: 'ci', token: 's3cret' }] });
    const missing = await raw(url, { headers: MCP_HEADERS, body: LIST });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await raw(url, { headers: { ...MCP_HEADERS, authorization: 'Bearer s3cre' }, body: LIST });
    expect(wrong.status).toBe(401);
    const right = await raw(url, { headers: { ...MCP_HEADERS, authorization: 'bearer s3cret' }, body: LIST });
    expect(right.status).toBe(200);
  });

  it('answers 413 when Content-Length or the streamed body exceeds the limit', async () => {
    const { url } = await start();
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: { pad: 'x'.repeat(8000) },
    });
    const declared = await raw(url, { headers: MCP_HEADERS, body: big });
    expect(declared.status).toBe(413);
    expect(errorCode(declared)).toBe(-32000);
    const chunk = Buffer.alloc(2048, 0x20);
    const streamed = await raw(url, {
      headers: { ...MCP_HEADERS, 'transfer-encoding': 'chunked' },
      body: [chunk, chunk, chunk],
    });
    expect(streamed.status).toBe(413);
  });

  it('answers 400 with -32700 for malformed JSON and for a non-JSON-RPC body', async () => {
    const { url } = await start();
    const malformed = await raw(url, { headers: MCP_HEADERS, body: '{"jsonrpc":"2.0",' });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toEqual({
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error: Invalid JSON' },
      id: null,
    });
    const notRpc = await raw(url, { headers: MCP_HEADERS, body: '{"hello":"world"}' });
    expect(notRpc.status).toBe(400);
    expect(errorCode(notRpc)).toBe(-32700);
  });

  it('answers 415 for a non-JSON Content-Type and 406 for an Accept without both types', async () => {
    const { url } = await start();
    const text = await raw(url, { headers: { ...MCP_HEADERS, 'content-type': 'text/plain' }, body: LIST });
    expect(text.status).toBe(415);
    const jsonOnly = await raw(url, { headers: { ...MCP_HEADERS, accept: 'application/json' }, body: LIST });
    expect(jsonOnly.status).toBe(406);
  });

  it('answers 400 for an unsupported Mcp-Protocol-Version', async () => {
    const { url } = await start();
    const response = await raw(url, {
      headers: { ...MCP_HEADERS, 'mcp-protocol-version': '1999-01-01' },
      body: LIST,
    });
    expect(response.status).toBe(400);
  });
});

describe('startHttpServer routes', () => {
  it('answers 405 with Allow for a method the route does not take', async () => {
    const stateless = await start();
    const get = await raw(stateless.url, { method: 'GET', headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const stateful = await start({ stateless: false });
    const put = await raw(stateful.url, { method: 'PUT', headers: MCP_HEADERS, body: LIST });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, POST, DELETE');
    const probe = await raw(stateful.url, { method: 'POST', path: '/healthz' });
    expect(probe.status).toBe(405);
    expect(probe.headers.allow).toBe('GET, HEAD');
  });

  it('answers 404 JSON for an unknown path', async () => {
    const { url } = await start();
    const response = await raw(url, { method: 'GET', path: '/nope' });
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/json');
  });

  it('reports liveness on /healthz and readiness on /readyz', async () => {
    let ready = true;
    const { url } = await start({
      readiness: async () => ({ ready, detail: { ledger: ready ? 'ok' : 'down' } }),
    });
    const health = await raw(url, { method: 'GET', path: '/healthz' });
    expect([health.status, JSON.parse(health.body)]).toEqual([200, { status: 'ok' }]);
    const up = await raw(url, { method: 'GET', path: '/readyz' });
    expect([up.status, JSON.parse(up.body)]).toEqual([200, { ready: true, detail: { ledger: 'ok' } }]);
    ready = false;
    const down = await raw(url, { method: 'GET', path: '/readyz?verbose=1' });
    expect([down.status, JSON.parse(down.body)]).toEqual([503, { ready: false, detail: { ledger: 'down' } }]);
  });
});

describe('isLoopbackHost', () => {
  it('recognises loopback names and addresses only', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'LOCALHOST',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '128.0.0.1', '127.0.0.1.nip.io']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
