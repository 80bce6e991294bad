// The fast lane's promise: for every request, the answer is the one the SDK's own entry gives — same status, same
// content type, same bytes. Each request goes to a server with the lane and to one without it. If an SDK update
// changes what the SDK answers, this fails (the lane is pinned to the SDK version it mirrors, package.json).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { type HttpServerHandle, startHttpServer } from '../../src/transports/http.js';
import { specsExample } from '../helpers/paths.js';

const ACCEPT = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'lane-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const modernHeaders = (name: string) => ({
  ...ACCEPT,
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': name,
});
const call = (id: unknown, name: string, args: unknown, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});

interface Case {
  name: string;
  headers: Record<string, string>;
  body: unknown;
  /** Whether the lane should answer it itself (the rest it must hand to the SDK). */
  lane: boolean;
}

const CASES: Case[] = [
  // 2026-07-28
  {
    name: 'modern get_clause',
    headers: modernHeaders('get_clause'),
    body: call(1, 'get_clause', { ref: 'auth#key-storage' }, ENVELOPE),
    lane: true,
  },
  {
    name: 'modern string id',
    headers: modernHeaders('get_outline'),
    body: call('a-1', 'get_outline', { spec: 'auth' }, ENVELOPE),
    lane: true,
  },
  {
    name: 'modern read_root',
    headers: modernHeaders('read_root'),
    body: call(2, 'read_root', {}, ENVELOPE),
    lane: true,
  },
  {
    name: 'modern search',
    headers: modernHeaders('search_specs'),
    body: call(3, 'search_specs', { query: 'refund window' }, ENVELOPE),
    lane: true,
  },
  {
    name: 'modern tool error',
    headers: modernHeaders('get_clause'),
    body: call(4, 'get_clause', { ref: 'nope#nope' }, ENVELOPE),
    lane: true,
  },
  {
    name: 'modern with trace meta',
    headers: modernHeaders('get_clause'),
    body: call(
      5,
      'get_clause',
      { ref: 'auth' },
      { ...ENVELOPE, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    ),
    lane: true,
  },
  {
    name: 'modern without clientInfo',
    headers: modernHeaders('get_clause'),
    body: call(
      6,
      'get_clause',
      { ref: 'auth' },
      {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    ),
    lane: true,
  },
  {
    name: 'modern with logLevel',
    headers: modernHeaders('get_clause'),
    body: call(7, 'get_clause', { ref: 'auth' }, { ...ENVELOPE, 'io.modelcontextprotocol/logLevel': 'info' }),
    lane: true,
  },
  {
    name: 'modern, Mcp-Name missing',
    headers: { ...ACCEPT, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' },
    body: call(8, 'get_clause', { ref: 'auth' }, ENVELOPE),
    lane: false,
  },
  {
    name: 'modern, Mcp-Name differs',
    headers: modernHeaders('read_root'),
    body: call(9, 'get_clause', { ref: 'auth' }, ENVELOPE),
    lane: false,
  },
  {
    name: 'modern, header version missing',
    headers: { ...ACCEPT, 'mcp-method': 'tools/call', 'mcp-name': 'get_clause' },
    body: call(10, 'get_clause', { ref: 'auth' }, ENVELOPE),
    lane: false,
  },
  {
    name: 'modern, unknown revision',
    headers: { ...modernHeaders('get_clause'), 'mcp-protocol-version': '2099-01-01' },
    body: call(
      11,
      'get_clause',
      { ref: 'auth' },
      { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' },
    ),
    lane: false,
  },
  {
    name: 'modern, bad clientInfo',
    headers: modernHeaders('get_clause'),
    body: call(
      12,
      'get_clause',
      { ref: 'auth' },
      { ...ENVELOPE, 'io.modelcontextprotocol/clientInfo': { name: 7 } },
    ),
    lane: false,
  },
  {
    name: 'modern, bad arguments',
    headers: modernHeaders('get_clause'),
    body: call(13, 'get_clause', { ref: 'auth', depth: 'deep' }, ENVELOPE),
    lane: false,
  },
  {
    name: 'modern, unknown tool',
    headers: modernHeaders('no_such_tool'),
    body: call(14, 'no_such_tool', {}, ENVELOPE),
    lane: false,
  },
  {
    name: 'modern, session id sent',
    headers: { ...modernHeaders('get_clause'), 'mcp-session-id': 'abc' },
    body: call(15, 'get_clause', { ref: 'auth' }, ENVELOPE),
    lane: false,
  },
  // 2025 era, sessionless
  {
    name: 'legacy get_clause',
    headers: ACCEPT,
    body: call(20, 'get_clause', { ref: 'auth#key-storage' }),
    lane: true,
  },
  {
    name: 'legacy with version header',
    headers: { ...ACCEPT, 'mcp-protocol-version': '2025-06-18' },
    body: call(21, 'get_clause', { ref: 'auth' }),
    lane: true,
  },
  {
    name: 'legacy tool error',
    headers: ACCEPT,
    body: call(22, 'get_clause', { ref: 'nope#nope' }),
    lane: true,
  },
  {
    name: 'legacy with traceparent meta',
    headers: ACCEPT,
    body: call(
      23,
      'get_clause',
      { ref: 'auth' },
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    ),
    lane: true,
  },
  { name: 'legacy, bad arguments', headers: ACCEPT, body: call(24, 'get_clause', { ref: '' }), lane: false },
  {
    name: 'legacy, unsupported version',
    headers: { ...ACCEPT, 'mcp-protocol-version': '1999-01-01' },
    body: call(25, 'get_clause', { ref: 'auth' }),
    lane: false,
  },
];

let apps: App[] = [];
let lane: HttpServerHandle;
let sdk: HttpServerHandle;

beforeAll(async () => {
  apps = await Promise.all(
    [0, 1].map(() => createApp({ specs: specsExample, ledger: 'off', transport: 'http', env: {} })),
  );
  const common = {
    port: 0,
    stateless: true,
    bearerTokens: [],
    readiness: async () => ({ ready: true, detail: {} }),
    log: () => {},
  };
  lane = await startHttpServer(apps[0] as App, { ...common, fastLane: true });
  sdk = await startHttpServer(apps[1] as App, { ...common, fastLane: false });
});

afterAll(async () => {
  await Promise.allSettled([lane?.close(), sdk?.close()]);
  await Promise.allSettled(apps.map((app) => app.close()));
});

async function post(url: string, c: Case): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(url, { method: 'POST', headers: c.headers, body: JSON.stringify(c.body) });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('the HTTP fast lane', () => {
  it.each(CASES)('answers "$name" byte for byte as the SDK does', async (c) => {
    const before = lane.fastLaneAnswers();
    const [mine, theirs] = [await post(lane.url, c), await post(sdk.url, c)];
    expect(mine).toEqual(theirs);
    expect(
      lane.fastLaneAnswers() - before,
      c.lane ? 'the lane should answer it' : 'the lane must leave it',
    ).toBe(c.lane ? 1 : 0);
    expect(sdk.fastLaneAnswers()).toBe(0);
  });
});
