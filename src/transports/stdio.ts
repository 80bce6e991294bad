// stdio: what IDE configs launch. stdout carries only JSON-RPC; everything else goes to stderr.
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { serveStdio as serveSdkStdio } from '@modelcontextprotocol/server/stdio';
import type { App } from '../app.js';
import type { ClientInfo } from '../mcp/context.js';
import { MODERN_REVISION } from '../mcp/revisions.js';
import { SERVER_NAME, SERVER_VERSION } from '../mcp/server.js';
import { claimedEra, createFastLane, type Era, type FastLane } from './fast-lane.js';
import { isPlainObject } from './json-rpc-shape.js';
import { NdjsonTransport } from './ndjson-transport.js';

interface StdioOptions {
  /** false sends every request through the SDK (tests and the benchmark compare the two). Default true. */
  fastLane?: boolean;
}

/**
 * Serves one client on stdin/stdout, in whichever era its opening exchange picks (the SDK's serveStdio pins it:
 * `initialize` → 2025, `server/discover` or an enveloped request → 2026-07-28). One process is one connection, so
 * a read with no run hint is filed under the process's run. `log` gets what cannot be answered on the protocol: a
 * line that is not JSON-RPC, an oversize message, a client that stopped reading.
 */
export async function serveStdio(
  app: App,
  log: (message: string, level?: 'info' | 'warn') => void,
  options: StdioOptions = {},
): Promise<{ closed: Promise<void> }> {
  const surface = app.surface({ witnessed: true });
  const transport = new NdjsonTransport(process.stdin, process.stdout);
  const closed = new Promise<void>((resolve) => {
    void transport.ended.then(resolve);
    process.stdin.on('end', () => resolve());
  });
  if (options.fastLane !== false) {
    const lane = createFastLane({
      tools: surface.tools,
      serverInfo: { name: SERVER_NAME, version: SERVER_VERSION, title: 'SpecLedger' },
    });
    const answered = attachLane(transport, lane);
    void closed.then(() => log(`stdio: ${answered()} calls answered by the fast lane`, 'info'));
  }
  // The SDK builds the instance once the opening exchange has picked the era: said on stderr, for whoever wonders
  // what an IDE negotiated.
  serveSdkStdio(
    ({ era }) => {
      log(
        `stdio: the client speaks ${era === 'modern' ? MODERN_REVISION : 'a 2025 revision (initialize)'}`,
        'info',
      );
      return app.createServer(surface).server;
    },
    { transport, onerror: (error) => log(`stdio: ${error.message.split('\n')[0]}`, 'warn') },
  );
  return { closed };
}

const requestOf = (
  message: JSONRPCMessage,
): { id: string | number; method: string; params?: unknown } | null =>
  'method' in message && 'id' in message ? (message as { id: string | number; method: string }) : null;

/**
 * The fast lane on a stdio connection. It waits until the SDK has accepted the opening exchange (the era is then
 * the connection's), takes only plain tools/call requests after that, and drops the answer of a call the client
 * cancelled, as the SDK does.
 */
function attachLane(transport: NdjsonTransport, lane: FastLane): () => number {
  let era: Era | undefined;
  let answered = 0;
  let opening: { id: string | number; era: Era; client: ClientInfo | undefined } | undefined;
  let client: ClientInfo | undefined;
  const inFlight = new Set<string | number>();
  const cancelled = new Set<string | number>();
  const facts = { header: () => undefined, principal: null, sessionId: null };

  transport.observe = (message) => {
    if (era !== undefined || opening === undefined || !('id' in message) || message.id !== opening.id) return;
    if ('result' in message) {
      era = opening.era;
      client = opening.client;
    }
    opening = undefined;
  };
  transport.intercept = (message) => {
    const request = requestOf(message);
    if (era === undefined) {
      if (request !== null && opening === undefined) {
        const params = isPlainObject(request.params) ? request.params : {};
        const info = params.clientInfo as ClientInfo | undefined;
        opening = {
          id: request.id,
          era: request.method === 'initialize' ? 'legacy' : claimedEra(message),
          client: request.method === 'initialize' && typeof info?.name === 'string' ? info : undefined,
        };
      }
      return false;
    }
    if (request === null) {
      const notification = message as { method?: string; params?: { requestId?: string | number } };
      const id = notification.params?.requestId;
      if (notification.method === 'notifications/cancelled' && id !== undefined && inFlight.has(id))
        cancelled.add(id);
      return false;
    }
    if (request.method !== 'tools/call' || inFlight.has(request.id)) return false;
    const call = lane.take(message, era);
    if (call === null) return false;
    inFlight.add(call.id);
    answered++;
    void lane.answer(call, { ...facts, client }, era).then((json) => {
      inFlight.delete(call.id);
      if (!cancelled.delete(call.id)) void transport.sendLine(json);
    });
    return true;
  };
  return () => answered;
}
