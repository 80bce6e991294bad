// The built `serve --http` at its limits: session caps with eviction, options parsed before anything starts,
// listen failures that exit, token files that authenticate nobody, and requests that arrive too slowly.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanEnv, type HttpCli, startHttpCli } from '../helpers/cli.js';
import { builtCli, specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef00';

let tmp: TempDir;
const servers: HttpCli[] = [];

beforeAll(() => {
  tmp = makeTempDir();
  writeFileSync(tmp.at('tokens.txt'), `# two agents\nalice:${ALICE}\nbob:${BOB}\n`);
  return () => tmp.remove();
});
afterEach(() => {
  for (const server of servers.splice(0)) server.child.kill('SIGKILL');
});

async function serve(args: readonly string[]): Promise<HttpCli> {
  const server = await startHttpCli(
    ['--specs', specsExample, '--ledger', 'off', '--token-file', tmp.at('tokens.txt'), ...args],
    { env: cleanEnv() },
  );
  servers.push(server);
  return server;
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** A raw initialize: a session that never opens an SSE stream. Returns its session id. */
async function initialize(url: string, token: string): Promise<string> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { ...HEADERS, authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  await res.text();
  return res.headers.get('mcp-session-id') as string;
}

async function listTools(
  url: string,
  token: string,
  session: string,
): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    headers: {
      ...HEADERS,
      authorization: `Bearer ${token}`,
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
    },
  });
  return { status: res.status, text: await res.text() };
}

describe('serve --http session caps', () => {
  it("evicts a principal's least recently used session beyond its cap, and tells that client why", async () => {
    const { url } = await serve(['--max-sessions-per-principal', '2']);
    const [first, second, third] = [
      await initialize(url, ALICE),
      await initialize(url, ALICE),
      await initialize(url, ALICE),
    ];
    const evicted = await listTools(url, ALICE, first);
    expect(evicted.status).toBe(404);
    expect(evicted.text).toMatch(
      /Session not found: evicted: principal alice reached the limit of 2 per principal/,
    );
    expect((await listTools(url, ALICE, second)).status).toBe(200);
    expect((await listTools(url, ALICE, third)).status).toBe(200);
    // Another principal asking about the evicted session learns nothing about it.
    expect((await listTools(url, BOB, first)).text).not.toMatch(/evicted/);
  });

  it('at the overall cap, evicts from the principal holding the most sessions, not the newcomer', async () => {
    const { url } = await serve(['--max-sessions', '3', '--max-sessions-per-principal', '3']);
    const alices = [await initialize(url, ALICE), await initialize(url, ALICE), await initialize(url, ALICE)];
    const bobs = await initialize(url, BOB);
    expect((await listTools(url, BOB, bobs)).status).toBe(200);
    const oldest = await listTools(url, ALICE, alices[0] as string);
    expect(oldest.status).toBe(404);
    expect(oldest.text).toMatch(/evicted: the server reached its limit of 3 sessions/);
    expect((await listTools(url, ALICE, alices[2] as string)).status).toBe(200);
  });

  it('evicts an SDK client that is only listening on its SSE stream, with an error it can read', async () => {
    const { url } = await serve(['--max-sessions-per-principal', '1']);
    const connect = async () => {
      const client = new Client({ name: 'capped', version: '1.0.0' });
      client.onerror = () => {};
      const headers = { authorization: `Bearer ${ALICE}` };
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
      return client;
    };
    const older = await connect();
    const notices: string[] = [];
    older.setNotificationHandler('notifications/message', (n) => {
      notices.push(String(n.params.data));
    });
    await older.listTools();
    const newer = await connect();
    try {
      await expect(newer.listTools()).resolves.toBeDefined();
      await expect(older.listTools()).rejects.toThrow(
        /Session not found: evicted: principal alice reached the limit of 1 per principal/,
      );
      await vi.waitFor(() => expect(notices.join('\n')).toMatch(/Session evicted/), { timeout: 5_000 });
    } finally {
      await Promise.allSettled([older.close(), newer.close()]);
    }
  });
});

describe('serve --http request timeout', () => {
  it('answers 408 and closes the connection when the body stops arriving', async () => {
    const { url } = await serve(['--request-timeout', '300ms']);
    const { hostname, port } = new URL(url);
    const socket = net.connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /mcp HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${ALICE}\r\n` +
        'Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n' +
        'Content-Length: 1000\r\n\r\n{"jsonrpc":"2.0",',
    );
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });
});

/** Runs `specledger serve ARGS` to its exit; a server still running after 20 s counts as not exiting. */
async function serveToExit(
  args: readonly string[],
  env: NodeJS.ProcessEnv = cleanEnv(),
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [builtCli, 'serve', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  return { code, stderr };
}

describe('serve options', () => {
  const base = ['--http', '--specs', specsExample, '--ledger', 'off', '--no-watch'];

  it('refuses numeric options that do not parse, before starting', async () => {
    for (const [flag, value] of [
      ['--max-body', 'abc'],
      ['--port', 'abc'],
      ['--port', '70000'],
      ['--request-timeout', '30'],
      ['--max-sessions', '0'],
    ] as const) {
      const { code, stderr } = await serveToExit([...base, flag, value]);
      expect(code, `${flag} ${value}`).not.toBe(0);
      expect(code, `${flag} ${value}`).not.toBeNull();
      expect(stderr).toContain(`argument '${value}' is invalid`);
    }
  });

  it('takes sizes with units and enforces them', async () => {
    const { url } = await serve(['--max-body', '1KiB']);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(2048) } });
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { ...HEADERS, authorization: `Bearer ${ALICE}` },
    });
    expect(res.status).toBe(413);
  });

  it('exits non-zero when the port is taken or the host does not resolve', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const taken = String((blocker.address() as net.AddressInfo).port);
      const inUse = await serveToExit([...base, '--port', taken]);
      expect(inUse.code).toBe(1);
      expect(inUse.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
    const unresolvable = await serveToExit([
      ...base,
      ...['--port', '0', '--host', 'no-such-host.invalid', '--insecure-no-auth'],
    ]);
    expect(unresolvable.code).toBe(1);
    expect(unresolvable.stderr).toMatch(/cannot listen on no-such-host\.invalid:0: .*ENOTFOUND/);
  });

  it('refuses a token file that holds no token instead of serving without authentication', async () => {
    writeFileSync(tmp.at('comments.txt'), '# alice:replace-me\n\n   # nobody yet\n');
    const { code, stderr } = await serveToExit([
      ...base,
      '--port',
      '0',
      '--token-file',
      tmp.at('comments.txt'),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/holds no token .*refusing to serve without authentication/);
  });

  it('refuses a token name that cannot be a principal', async () => {
    writeFileSync(tmp.at('bad-name.txt'), `ci bot/7:${ALICE}\n`);
    const { code, stderr } = await serveToExit([
      ...base,
      '--port',
      '0',
      '--token-file',
      tmp.at('bad-name.txt'),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/bad-name\.txt:1: token name "ci bot\/7" is not usable/);
  });
});
