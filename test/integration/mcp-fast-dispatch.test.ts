// The fast tools/call path answers every message exactly as the stock SDK path does, byte for byte.
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { createSpecServer, type SpecServer } from '../../src/mcp/server.js';
import { specsExample } from '../helpers/paths.js';
import { makeTempDir } from '../helpers/temp.js';

/** A raw JSON-RPC peer: sends messages as given (no client-side validation) and collects what comes back. */
async function rawPeer(spec: SpecServer) {
  const [client, server] = InMemoryTransport.createLinkedPair();
  const received: JSONRPCMessage[] = [];
  const waiters = new Map<string | number, (m: JSONRPCMessage) => void>();
  client.onmessage = (m) => {
    received.push(m);
    const id = (m as { id?: string | number }).id;
    if (id !== undefined && 'result' in m) waiters.get(id)?.(m);
    if (id !== undefined && 'error' in m) waiters.get(id)?.(m);
  };
  await spec.server.connect(server);
  await client.start();
  return {
    received,
    /** The answer to `message`, or 'no answer' (a message neither path can classify is only reported). */
    async ask(message: Record<string, unknown>): Promise<JSONRPCMessage | 'no answer'> {
      const id = message.id as string | number;
      const answer = new Promise<JSONRPCMessage | 'no answer'>((resolve) => {
        waiters.set(id, resolve);
        setTimeout(() => resolve('no answer'), 500);
      });
      await client.send(message as JSONRPCMessage);
      return answer;
    },
    send: (message: Record<string, unknown>) => client.send(message as JSONRPCMessage),
    close: () => client.close(),
  };
}

const call = (id: string | number, name: string, args?: unknown, extra: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, ...(args === undefined ? {} : { arguments: args }), ...extra },
});

/** Requests whose answers do not depend on the ledger's state (get_provenance would differ by seq). */
const REQUESTS: Array<[string, Record<string, unknown>]> = [
  ['a clause', call(1, 'get_clause', { ref: 'auth#key-storage' })],
  ['the same clause again (render cache)', call(2, 'get_clause', { ref: 'auth#key-storage' })],
  ['a string id', call('s-1', 'get_clause', { ref: 'auth#token-lifetime', depth: 1 })],
  ['a truncated clause', call(3, 'get_clause', { ref: 'auth', max_tokens: 60 })],
  ['an unknown ref (tool error)', call(4, 'get_clause', { ref: 'auth#nope' })],
  ['a deprecated spec (tool error)', call(5, 'get_clause', { ref: 'webhooks-v1' })],
  ['arguments of the wrong type', call(6, 'get_clause', { ref: 42 })],
  ['a missing required argument', call(7, 'get_clause', {})],
  ['no arguments at all', call(8, 'get_clause')],
  ['out-of-range depth', call(9, 'get_clause', { ref: 'auth', depth: 99 })],
  ['an unknown tool', call(10, 'no_such_tool', {})],
  ['a tool name that is an Object.prototype key', call(11, 'toString', {})],
  [
    '_meta with a progress token',
    call(12, 'get_clause', { ref: 'auth#key-storage' }, { _meta: { progressToken: 7 } }),
  ],
  [
    '_meta naming a run',
    call(13, 'get_outline', { spec: 'auth' }, { _meta: { 'specledger/run_id': 'r-1' } }),
  ],
  ['a task-augmented call', call(14, 'get_clause', { ref: 'auth' }, { task: { ttl: 1000 } })],
  ['params without a name', { jsonrpc: '2.0', id: 15, method: 'tools/call', params: { arguments: {} } }],
  ['params that are not an object', { jsonrpc: '2.0', id: 16, method: 'tools/call', params: 'x' }],
  ['read_root', call(17, 'read_root', { max_tokens: 400 })],
  ['get_outline', call(18, 'get_outline', { spec: 'payments', depth: 2 })],
  ['search_specs', call(19, 'search_specs', { query: 'refund window', limit: 3 })],
  ['specs_for_path', call(20, 'specs_for_path', { path: 'src/auth/keys.ts' })],
  ['tools/list', { jsonrpc: '2.0', id: 21, method: 'tools/list' }],
  ['an unknown method', { jsonrpc: '2.0', id: 22, method: 'no/such/method' }],
  [
    'an extra top-level key',
    { jsonrpc: '2.0', id: 23, method: 'tools/call', params: { name: 'read_root' }, x: 1 },
  ],
];

/** Requests the direct entry declines (the protocol layer validates `_meta`, tasks and odd shapes). */
const LEFT_TO_THE_SDK = new Set([
  '_meta with a progress token',
  '_meta naming a run',
  'a task-augmented call',
  'params that are not an object',
  'an extra top-level key',
]);

describe('fast tools/call dispatch', () => {
  let app: App;
  let tmp: ReturnType<typeof makeTempDir>;
  let fast: Awaited<ReturnType<typeof rawPeer>>;
  let stock: Awaited<ReturnType<typeof rawPeer>>;
  let directServer: SpecServer;
  beforeAll(async () => {
    tmp = makeTempDir('specledger-fast-');
    app = await createApp({ specs: specsExample, ledger: tmp.at('ledger.db'), transport: 'memory', env: {} });
    fast = await rawPeer(createSpecServer(app.deps, { fastDispatch: true, connectionId: 'conn-same' }));
    stock = await rawPeer(createSpecServer(app.deps, { fastDispatch: false, connectionId: 'conn-same' }));
    directServer = createSpecServer(app.deps, { fastDispatch: true, connectionId: 'conn-same' });
    const init = {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    };
    expect(await fast.ask(init)).toEqual(await stock.ask(init));
    await fast.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await stock.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  });
  afterAll(async () => {
    await fast.close();
    await stock.close();
    await app.close();
    tmp.remove();
  });

  for (const [what, request] of REQUESTS) {
    it(`answers ${what} as the SDK does`, async () => {
      const stockAnswer = await stock.ask(structuredClone(request));
      const fastAnswer = await fast.ask(structuredClone(request));
      expect(JSON.stringify(fastAnswer)).toBe(JSON.stringify(stockAnswer));
    });
  }

  // The stateless HTTP path enters the tools/call handler directly (no protocol layer); same answers.
  for (const [what, request] of REQUESTS.filter(([, r]) => r.method === 'tools/call')) {
    it(`answers ${what} as the SDK does through the direct entry`, async () => {
      const stockAnswer = await stock.ask(structuredClone(request));
      const direct = directServer.directToolCall;
      expect(direct).toBeDefined();
      const directAnswer = direct?.(structuredClone(request) as unknown as JSONRPCRequest, {});
      // undefined: not plain, so the transport hands it to the protocol layer, which is the stock path.
      expect(directAnswer === undefined).toBe(LEFT_TO_THE_SDK.has(what));
      if (directAnswer !== undefined)
        expect(JSON.stringify(await directAnswer)).toBe(JSON.stringify(stockAnswer));
    });
  }

  it('records each successful read once, as the stock path does', async () => {
    const before = (await app.ledger.reads({ run_id: 'once-run' })).length;
    await fast.ask(call(100, 'get_clause', { ref: 'auth#key-storage', run_id: 'once-run' }));
    await fast.ask(call(101, 'get_clause', { ref: 42, run_id: 'once-run' }));
    await stock.ask(call(102, 'get_clause', { ref: 'auth#key-storage', run_id: 'once-run' }));
    expect((await app.ledger.reads({ run_id: 'once-run' })).length - before).toBe(2);
  });
});
