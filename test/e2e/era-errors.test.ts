// Bad input at the protocol edge gets the error its revision prescribes, and the server stays up: a modern request
// without its envelope or headers, an unknown revision, a legacy request on a modern connection, a session ID sent
// with a 2026-07-28 request.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerOf, type HttpCli, startHttpCli } from '../helpers/cli.js';
import { builtCli, specsExample } from '../helpers/paths.js';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'era-errors', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const ACCEPT = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
const MODERN = { ...ACCEPT, 'mcp-protocol-version': '2026-07-28' };

interface Answer {
  id?: unknown;
  result?: { tools?: unknown[] };
  error?: { code: number; message: string; data?: unknown };
}

const CASES = [
  {
    name: 'a modern header without the _meta envelope',
    headers: { ...MODERN, 'mcp-method': 'tools/list' },
    body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    status: 400,
    code: -32602,
  },
  {
    name: 'an envelope without the Mcp-Method header',
    headers: MODERN,
    body: { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: ENVELOPE } },
    status: 400,
    code: -32020,
  },
  {
    name: 'an Mcp-Name header that disagrees with the body',
    headers: { ...MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'read_root' },
    body: {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'get_clause', arguments: { ref: 'auth' }, _meta: ENVELOPE },
    },
    status: 400,
    code: -32020,
  },
  {
    name: 'an unknown protocol revision',
    headers: { ...ACCEPT, 'mcp-protocol-version': '2030-01-01', 'mcp-method': 'tools/list' },
    body: {
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/list',
      params: { _meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2030-01-01' } },
    },
    status: 400,
    code: -32022,
  },
  {
    name: 'a 2025 initialize under a 2026-07-28 header',
    headers: MODERN,
    body: {
      jsonrpc: '2.0',
      id: 5,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    },
    status: 400,
    code: -32020,
  },
];

describe.each(['stateful', 'stateless'] as const)('over HTTP (%s)', (mode) => {
  let server: HttpCli;
  beforeAll(async () => {
    server = await startHttpCli([
      ...(mode === 'stateless' ? ['--stateless'] : []),
      '--specs',
      specsExample,
      '--ledger',
      'off',
    ]);
  }, 30_000);
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(server.url, { method: 'POST', headers, body: JSON.stringify(body) });

  it.each(CASES)('refuses $name with $code, then keeps serving', async (c) => {
    const response = await post(c.headers, c.body);
    expect(response.status).toBe(c.status);
    const answer = await answerOf<Answer>(response);
    expect(answer.error?.code, JSON.stringify(answer)).toBe(c.code);
    const ok = await post(
      { ...MODERN, 'mcp-method': 'tools/list' },
      {
        jsonrpc: '2.0',
        id: 99,
        method: 'tools/list',
        params: { _meta: ENVELOPE },
      },
    );
    expect(ok.status).toBe(200);
    expect((await answerOf<Answer>(ok)).result?.tools).toHaveLength(7);
  });

  it('names the revisions it serves when it refuses one', async () => {
    const answer = await answerOf<Answer>(await post(CASES[3]!.headers, CASES[3]!.body));
    expect(answer.error?.data).toMatchObject({ supported: ['2026-07-28'], requested: '2030-01-01' });
  });

  it('serves a 2026-07-28 request that carries a session ID without tying it to any session', async () => {
    const response = await post(
      {
        ...MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'get_provenance',
        'mcp-session-id': 'made-up-session',
      },
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'get_provenance', arguments: {}, _meta: ENVELOPE },
      },
    );
    expect(response.status).toBe(200);
    const answer = await answerOf<{ result: { structuredContent: { run: { id: string; source: string } } } }>(
      response,
    );
    expect(answer.result.structuredContent.run.source).toBe('none');
    expect(answer.result.structuredContent.run.id).not.toContain('made-up-session');
  });
});

describe('over stdio', () => {
  it('refuses a 2025 handshake, an envelope-less request and an unknown revision on a 2026-07-28 connection', async () => {
    const child = spawn(
      process.execPath,
      [builtCli, 'serve', '--no-watch', '--specs', specsExample, '--ledger', 'off'],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
      },
    );
    const answers = new Map<unknown, Answer>();
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as Answer;
      answers.set(message.id, message);
    });
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    try {
      send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: ENVELOPE } });
      await expect.poll(() => answers.get(1), { timeout: 15_000 }).toBeDefined();
      send({
        jsonrpc: '2.0',
        id: 2,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      });
      send({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
      send({
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/list',
        params: { _meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2030-01-01' } },
      });
      send({
        jsonrpc: '2.0',
        id: 5,
        method: 'resources/subscribe',
        params: { uri: 'spec://auth', _meta: ENVELOPE },
      });
      send({
        jsonrpc: '2.0',
        id: 6,
        method: 'tools/call',
        params: { name: 'get_clause', arguments: { ref: 'auth' }, _meta: ENVELOPE },
      });
      await expect.poll(() => answers.size, { timeout: 10_000 }).toBe(6);
      expect(answers.get(1)?.result?.tools).toHaveLength(7);
      expect(answers.get(2)?.error?.code).toBe(-32022);
      expect(answers.get(3)?.error?.code).toBe(-32602);
      expect(answers.get(4)?.error).toMatchObject({ code: -32022, data: { requested: '2030-01-01' } });
      // resources/subscribe is a 2025-era method: absent from the 2026-07-28 registry.
      expect(answers.get(5)?.error?.code).toBe(-32601);
      expect(answers.get(6)?.result).toBeDefined();
    } finally {
      child.kill();
    }
  }, 30_000);
});
