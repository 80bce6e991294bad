// The sessionless POST path: every request reaches ONE long-lived McpServer through the JSON-RPC mux.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ParsedPost } from './http-body.js';
import { sendAccepted, sendJsonText } from './http-responses.js';
import { JsonRpcMux } from './json-rpc-mux.js';

export interface FastPathOptions {
  createServer: () => { server: McpServer; close(): Promise<void> };
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface FastPath {
  handlePost(
    req: IncomingMessage,
    res: ServerResponse,
    post: ParsedPost,
    authInfo: AuthInfo | undefined,
  ): void;
  close(): Promise<void>;
}

/**
 * The protocol layer's own request entry point, when this SDK version has it (see JsonRpcMux.requestSink).
 * It is private API, hence the shape check and the fallback to onmessage; the integration tests exercise it.
 */
function protocolRequestEntry(server: McpServer): JsonRpcMux['requestSink'] {
  const protocol = server.server as unknown as { _onrequest?: unknown };
  const entry = protocol._onrequest;
  if (typeof entry !== 'function' || entry.length !== 2) return undefined;
  return (request, extra) => entry.call(protocol, request, extra);
}

/**
 * Why one server: the SDK's stock stateless transport builds a server and a transport per request, which caps
 * it near 1–2k calls/s; a single connected server plus id rewriting costs one JSON.parse and one stringify.
 */
export async function createFastPath(options: FastPathOptions): Promise<FastPath> {
  const built = options.createServer();
  const mux = new JsonRpcMux();
  // Set before connect(): the protocol layer chains its own handler after ours.
  mux.onerror = (error) => options.log('warn', `http fast path: ${error.message}`);
  await built.server.connect(mux);
  mux.requestSink = protocolRequestEntry(built.server);
  if (mux.requestSink === undefined)
    options.log('warn', 'http fast path: SDK request entry not found; using onmessage');

  return {
    handlePost(req, res, post, authInfo) {
      // req.headers is passed as is (no copy): tools read X-Run-Id, traceparent and baggage from it, and the
      // Authorization header has already been removed by the security checks.
      const exchange = mux.dispatch(
        post.messages,
        post.batch,
        { requestInfo: { headers: req.headers }, authInfo },
        (json) => sendJsonText(res, 200, json),
      );
      if (exchange.requests === 0) {
        sendAccepted(res);
        return;
      }
      res.once('close', () => exchange.cancel('HTTP client disconnected'));
    },
    async close() {
      await built.close();
      // The factory's close() normally closes the server and with it the mux; this covers one that does not.
      await mux.close();
    },
  };
}
