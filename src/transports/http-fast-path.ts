// The sessionless POST path: every request reaches ONE long-lived McpServer through the JSON-RPC mux.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InitializeRequestSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { errorMessage } from '../errors.js';
import type { ClientInfo } from '../mcp/context.js';
import type { DirectToolCall } from '../mcp/fast-dispatch.js';
import type { ParsedPost } from './http-body.js';
import { sendAccepted, sendJsonOk } from './http-responses.js';
import { JsonRpcMux, type MuxExchange } from './json-rpc-mux.js';

/** What the HTTP transport needs from a built server; `directToolCall` is the fast-dispatch entry, when installed. */
export interface BuiltServer {
  server: McpServer;
  directToolCall?: DirectToolCall | undefined;
  close(): Promise<void>;
}

/** What a transport tells the server it builds. */
export interface BuiltServerOptions {
  /** For a server many clients share: the client each principal introduced with `initialize`. */
  clientInfo?: (principal: string | null) => ClientInfo | undefined;
}

export type ServerFactory = (options?: BuiltServerOptions) => BuiltServer;

export interface FastPathOptions {
  createServer: ServerFactory;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface FastPath {
  /**
   * Answers the POST. Returns the exchange still waiting for answers (the caller cancels it when the HTTP
   * client goes away), or undefined when the POST was answered at once (202: nothing to answer).
   */
  handlePost(
    req: IncomingMessage,
    res: ServerResponse,
    post: ParsedPost,
    authInfo: AuthInfo | undefined,
  ): MuxExchange | undefined;
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
 * tools/call straight to the fast-dispatch handler, everything else to the protocol layer. Nothing on this path
 * can cancel a request (a client that goes away only drops its answer in the mux) or receive a notification,
 * so the protocol layer's per-request abort controller and promise chain buy nothing here.
 */
function requestEntry(
  built: BuiltServer,
  mux: JsonRpcMux,
  log: FastPathOptions['log'],
): JsonRpcMux['requestSink'] {
  const sdkEntry = protocolRequestEntry(built.server);
  const direct = built.directToolCall;
  if (sdkEntry === undefined || direct === undefined) return sdkEntry;
  const send = (answer: JSONRPCMessage) =>
    mux.send(answer).catch((error: unknown) => log('warn', `http fast path: ${errorMessage(error)}`));
  return (request, extra) => {
    const answer = request.method === 'tools/call' ? direct(request, extra) : undefined;
    if (answer === undefined) sdkEntry(request, extra);
    else void answer.then(send);
  };
}

/**
 * Answers waiting to be written, as (response, body) pairs. Why queue: each answer used to be written from its
 * own microtask, and every write to a socket wakes its reader. Writing the answers of one turn of the event loop
 * together on setImmediate lets the loop first take in every request that is already readable (measured on the
 * bench machine with --ledger off: 159 → 101 µs of server CPU per call). With the ledger on the group commit
 * already settles answers together; the queue then costs one setImmediate per batch.
 */
class AnswerQueue {
  private readonly items: Array<ServerResponse | string | Buffer> = [];
  private scheduled = false;
  private readonly flushNow = (): void => this.flush();

  push(res: ServerResponse, json: string | Buffer): void {
    this.items.push(res, json);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flushNow);
  }

  /** Writes everything queued; also called at close, so answers queued by the shutdown itself still leave. */
  flush(): void {
    this.scheduled = false;
    const items = this.items;
    // Live length: a write that synchronously queues another answer is written in this same pass.
    for (let i = 0; i < items.length; i += 2) {
      sendJsonOk(items[i] as ServerResponse, items[i + 1] as string | Buffer);
    }
    items.length = 0;
  }
}

/** Notes who introduced itself, if the initialize is well-formed (the protocol layer answers a malformed one). */
function rememberClient(
  clients: Map<string | null, ClientInfo>,
  message: JSONRPCMessage | undefined,
  principal: string | null,
): void {
  const parsed = InitializeRequestSchema.safeParse(message);
  if (!parsed.success) return;
  const { name, version } = parsed.data.params.clientInfo;
  clients.set(principal, { name, version });
}

/**
 * Why one server: the SDK's stock stateless transport builds a server and a transport per request, which caps
 * it near 1–2k calls/s; a single connected server plus id rewriting costs one JSON.parse and one stringify.
 */
export async function createFastPath(options: FastPathOptions): Promise<FastPath> {
  // The one server sees every client's initialize, so the SDK's single "client version" would be whoever
  // initialized last. Kept per principal instead: bounded by the token file (plus one entry without auth).
  const clients = new Map<string | null, ClientInfo>();
  const built = options.createServer({ clientInfo: (principal) => clients.get(principal) });
  const mux = new JsonRpcMux();
  const answers = new AnswerQueue();
  // Set before connect(): the protocol layer chains its own handler after ours.
  mux.onerror = (error) => options.log('warn', `http fast path: ${error.message}`);
  await built.server.connect(mux);
  mux.requestSink = requestEntry(built, mux, options.log);
  if (mux.requestSink === undefined)
    options.log('warn', 'http fast path: SDK request entry not found; using onmessage');

  return {
    handlePost(req, res, post, authInfo) {
      if (post.initialize) rememberClient(clients, post.messages[0], authInfo?.clientId ?? null);
      // req.headers is passed as is (no copy): tools read X-Run-Id, traceparent and baggage from it, and the
      // Authorization header has already been removed by the security checks.
      const exchange = mux.dispatch(
        post.messages,
        post.batch,
        { requestInfo: { headers: req.headers }, authInfo },
        res,
        answers,
      );
      if (exchange.requests === 0) {
        sendAccepted(res);
        return undefined;
      }
      return exchange;
    },
    async close() {
      await built.close();
      // The factory's close() normally closes the server and with it the mux; this covers one that does not.
      await mux.close();
      // Answers queued by the shutdown ("Server is shutting down") leave before the sockets are cut.
      answers.flush();
    },
  };
}
