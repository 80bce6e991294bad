// Streamable HTTP, both eras on one endpoint: admission (Host, Origin, bearer token, body), then the fast lane, the
// SDK's per-request entry (2026-07-28, and sessionless 2025) or a 2025-era session; reload publishing; shutdown.
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { type AuthInfo, classifyInboundRequest, createMcpHandler } from '@modelcontextprotocol/server';
import type { App } from '../app.js';
import type { Snapshot } from '../corpus/snapshot.js';
import { errorMessage } from '../errors.js';
import type { ClientInfo } from '../mcp/context.js';
import { catalogChanged, changedUris } from '../mcp/resources/subscriptions.js';
import { createSpecServer, SERVER_NAME, SERVER_VERSION } from '../mcp/server.js';
import { claimedEra, createFastLane, headerOf } from './fast-lane.js';
import {
  checkPostHeaders,
  type HttpRejection,
  isRejection,
  type ParsedPost,
  parseMessages,
  readBody,
  requestBodyTooLargeMessage,
} from './http-body.js';
import { AnswerQueue, serveFast } from './http-lane.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_SESSIONS_PER_PRINCIPAL,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SESSION_IDLE_MS,
} from './http-limits.js';
import { sendJson, sendJsonRpcError } from './http-responses.js';
import { createBearerAuth, createHostPolicy, type HostPolicy, redactAuthorization } from './http-security.js';
import { SessionRegistry } from './http-sessions.js';

export interface HttpServerOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** 0 = ephemeral. */
  port: number;
  /** --stateless: no sessions, for replicas behind a load balancer. */
  stateless: boolean;
  /** false sends every request through the SDK (tests and the benchmark compare the two). Default true. */
  fastLane?: boolean;
  /** Named bearer tokens (name = principal recorded in the ledger); empty = no auth. */
  bearerTokens: ReadonlyArray<{ name: string; token: string }>;
  /** Default: localhost, 127.0.0.1, [::1] with the bound port, plus the bind host. */
  allowedHosts?: string[];
  /** Default: http(s)://localhost|127.0.0.1|[::1] on any port; requests without Origin are allowed. */
  allowedOrigins?: string[];
  /** Default 1 MiB. */
  maxBodyBytes?: number;
  readiness: () => Promise<{ ready: boolean; detail: Record<string, unknown> }>;
  /** Goes to stderr; never stdout. */
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Stateful mode: a session without requests for this long is closed. Default 30 minutes. */
  sessionIdleMs?: number;
  /** Stateful mode: sessions open at once, all principals together. Default 500 (~340 KB each, measured). */
  maxSessions?: number;
  /** Stateful mode: sessions one principal may hold. Default 50. */
  maxSessionsPerPrincipal?: number;
  /** Time to receive a whole request, headers and body; then 408 and the connection is closed. Default 30 s. */
  requestTimeoutMs?: number;
  /** Answers GET and HEAD under /ui (the provenance console) once the Host and bearer-token checks have passed. */
  console?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export interface HttpServerHandle {
  /** The MCP endpoint, e.g. http://127.0.0.1:3000/mcp. */
  url: string;
  port: number;
  /** Requests the fast lane answered (the rest went to the SDK's entry or a session). */
  fastLaneAnswers(): number;
  /** Stops accepting, lets in-flight requests finish (10 s cap), closes sessions, servers and sockets. */
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 10_000;
// Longer than the 60 s idle timeout of common load balancers, so the balancer, not us, closes idle sockets.
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Counts requests that shutdown must wait for (everything on /mcp except long-lived GET SSE streams). */
function createInFlight(): { track(res: ServerResponse): void; drained(capMs: number): Promise<void> } {
  let count = 0;
  const waiters = new Set<() => void>();
  const onClose = (): void => {
    if (--count === 0) for (const wake of waiters) wake();
  };
  return {
    track(res) {
      count++;
      // 'close' is emitted once per response, so on() needs no once() wrapper.
      res.on('close', onClose);
    },
    drained(capMs) {
      if (count === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, capMs);
        waiters.add(done);
      });
    },
  };
}

/** Body bytes may still be on the wire: the connection is then closed so they are never read as a request. */
function hasUnreadBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function reject(
  req: IncomingMessage,
  res: ServerResponse,
  rejection: HttpRejection,
  headers?: OutgoingHttpHeaders,
) {
  const extra: OutgoingHttpHeaders = { ...headers };
  if (!req.readableEnded && hasUnreadBody(req)) {
    extra.connection = 'close';
    // Discard what is still arriving: closing with unread bytes would reset the socket under the answer.
    req.resume();
  }
  sendJsonRpcError(res, rejection.status, rejection.code, rejection.message, extra);
}

const header = (req: IncomingMessage, name: string): string | undefined => headerOf(req.headers, name);

/** Publishes a reload on the 2026-07-28 listen streams; the SDK's router filters per stream and subscription. */
function publishReload(
  notify: ReturnType<typeof createMcpHandler>['notify'],
  before: Snapshot,
  after: Snapshot,
): void {
  if (catalogChanged(before, after)) notify.resourcesChanged();
  for (const uri of changedUris(before, after)) notify.resourceUpdated(uri);
}

const hostLiteral = (host: string): string =>
  host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;

/**
 * Serves `app` over Streamable HTTP. The SDK's per-request instances and the fast lane serve every 2026-07-28
 * request, and every 2025-era request in stateless mode, from one surface whose connection is not witnessed (a
 * read with no hint is filed under run source `none`); stateful mode gives each 2025-era session its own instance.
 */
export async function startHttpServer(app: App, options: HttpServerOptions): Promise<HttpServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { log, stateless } = options;
  const auth = createBearerAuth(options.bearerTokens);
  const inFlight = createInFlight();
  // Sessionless clients introduce themselves once per principal; bounded by the token file (+1 without auth).
  const clients = new Map<string | null, ClientInfo>();
  const surface = app.surface({ witnessed: false, clientInfo: (principal) => clients.get(principal) });
  const sessionSurface = app.surface({ witnessed: false });
  // One entry for every request the SDK serves per request: 2026-07-28 always, 2025-era too in stateless mode.
  const entry = createMcpHandler(() => createSpecServer(surface).server, {
    legacy: stateless ? 'stateless' : 'reject',
  });
  const sdkEntry = toNodeHandler(entry, { onerror: (error) => log('error', `http: ${error.message}`) });
  app.onReload((before, after) => publishReload(entry.notify, before, after));
  const fastLane =
    options.fastLane === false
      ? undefined
      : createFastLane({
          tools: surface.tools,
          serverInfo: { name: SERVER_NAME, version: SERVER_VERSION, title: 'SpecLedger' },
        });
  const answers = new AnswerQueue();
  const sessions = stateless
    ? undefined
    : new SessionRegistry({
        createServer: () => app.createServer(sessionSurface),
        log,
        idleMs: options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS,
        maxSessions: options.maxSessions ?? DEFAULT_MAX_SESSIONS,
        maxSessionsPerPrincipal: options.maxSessionsPerPrincipal ?? DEFAULT_MAX_SESSIONS_PER_PRINCIPAL,
      });
  const allow = stateless ? 'POST' : 'GET, POST, DELETE';
  // Per-instance state; the Host policy needs the bound port, known once listening.
  let policy: HostPolicy | undefined;
  let closing = false;
  let closed: Promise<void> | undefined;
  let fastLaneAnswers = 0;

  async function handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { host: hostHeader, origin } = req.headers;
    if (policy === undefined || !policy.isHostAllowed(hostHeader)) {
      log('warn', `http: refused Host ${JSON.stringify(hostHeader)}`);
      return reject(req, res, { status: 403, code: -32000, message: `Invalid Host header: ${hostHeader}` });
    }
    if (!policy.isOriginAllowed(origin)) {
      log('warn', `http: refused Origin ${JSON.stringify(origin)}`);
      return reject(req, res, { status: 403, code: -32000, message: `Invalid Origin header: ${origin}` });
    }
    let authInfo: AuthInfo | undefined;
    if (auth.enabled) {
      authInfo = auth.authenticate(req.headers.authorization);
      if (authInfo === undefined) {
        const message = 'Unauthorized: a valid bearer token is required';
        return reject(req, res, { status: 401, code: -32000, message }, { 'www-authenticate': 'Bearer' });
      }
      redactAuthorization(req);
    }
    const method = req.method ?? '';
    if (method !== 'POST' && (stateless || (method !== 'GET' && method !== 'DELETE'))) {
      return reject(req, res, { status: 405, code: -32000, message: 'Method not allowed.' }, { allow });
    }
    if (closing) {
      const rejection = { status: 503, code: -32000, message: 'Server is shutting down' };
      return reject(req, res, rejection, { connection: 'close', 'retry-after': '1' });
    }
    if (method !== 'GET') inFlight.track(res);

    let post: ParsedPost | undefined;
    if (method === 'POST') {
      const refused = checkPostHeaders(req, maxBodyBytes);
      if (refused) return reject(req, res, refused);
      const body = await readBody(req, maxBodyBytes);
      if (body === undefined) {
        return reject(req, res, {
          status: 413,
          code: -32000,
          message: requestBodyTooLargeMessage(maxBodyBytes),
        });
      }
      const parsed = parseMessages(body);
      if (isRejection(parsed)) return reject(req, res, parsed);
      post = parsed;
    }

    if (post === undefined) {
      // GET and DELETE are 2025-era session operations (stateless mode refused them above).
      await sessions?.handle(req, res, undefined, authInfo);
      return;
    }
    // The fast lane first: the SDK's classifier alone costs more than a whole fast-lane call (~40–100 µs).
    const claimed = claimedEra(post.raw);
    if (claimed === 'legacy' && post.initialize && !sessions) noteClient(post, authInfo);
    if (
      fastLane &&
      (claimed === 'modern' || !sessions) &&
      serveFast(fastLane, answers, req, res, post.raw, claimed, authInfo)
    ) {
      fastLaneAnswers++;
      return;
    }
    const route = classifyInboundRequest({
      httpMethod: 'POST',
      protocolVersionHeader: header(req, 'mcp-protocol-version'),
      mcpMethodHeader: header(req, 'mcp-method'),
      mcpNameHeader: header(req, 'mcp-name'),
      body: post.raw,
    });
    if (route.kind === 'legacy' && sessions) {
      await sessions.handle(req, res, post, authInfo);
      return;
    }
    // The SDK answers everything else, including the errors 2026-07-28 prescribes for malformed modern requests.
    (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo;
    await sdkEntry(req, res, post.raw);
  }

  function noteClient(post: ParsedPost, authInfo: AuthInfo | undefined): void {
    const params = (post.messages[0] as { params?: { clientInfo?: unknown } }).params;
    const client = params?.clientInfo as { name?: unknown; version?: unknown } | undefined;
    if (typeof client?.name === 'string' && typeof client.version === 'string') {
      clients.set(authInfo?.clientId ?? null, { name: client.name, version: client.version });
    }
  }

  async function handleProbe(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { error: 'Method not allowed' }, { allow: 'GET, HEAD' });
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    // Failing readiness first lets a load balancer drain this replica while in-flight requests finish.
    if (closing) return sendJson(res, 503, { ready: false, detail: { shutting_down: true } });
    try {
      const result = await options.readiness();
      sendJson(res, result.ready ? 200 : 503, result);
    } catch (error) {
      sendJson(res, 503, { ready: false, detail: { error: errorMessage(error) } });
    }
  }

  /** The console behind the same admission as /mcp: an allowed Host, a valid token when auth is on; it only reads. */
  function handleConsole(
    req: IncomingMessage,
    res: ServerResponse,
    serve: NonNullable<HttpServerOptions['console']>,
  ) {
    if (policy === undefined || !policy.isHostAllowed(req.headers.host))
      return sendJson(res, 403, { error: `Invalid Host header: ${req.headers.host}` });
    if (auth.enabled && auth.authenticate(req.headers.authorization) === undefined)
      return sendJson(
        res,
        401,
        { error: 'a valid bearer token is required' },
        { 'www-authenticate': 'Bearer' },
      );
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, { error: 'Method not allowed' }, { allow: 'GET, HEAD' });
    redactAuthorization(req);
    return serve(req, res);
  }

  function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (path === '/mcp') return handleMcp(req, res);
    // Probes skip the Host/token checks: orchestrators call them by pod IP and without credentials.
    if (path === '/healthz' || path === '/readyz') return handleProbe(path, req, res);
    if (options.console && (path === '/ui' || path.startsWith('/ui/')))
      return Promise.resolve(handleConsole(req, res, options.console));
    sendJson(res, 404, { error: 'Not found', routes: ['/mcp', '/healthz', '/readyz'] });
    return Promise.resolve();
  }

  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const serverOptions = {
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Node answers 408 and closes a connection whose request (headers and body) has not fully arrived in time;
    // idle keep-alive connections are not affected (verified on Node 20), nor are SSE streams or slow answers.
    requestTimeout,
    headersTimeout: requestTimeout,
    // How often Node looks for such connections (its default, 30 s, would double a 30 s timeout).
    connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(requestTimeout / 4))),
  };
  const server = createServer(serverOptions, (req, res) => {
    route(req, res).catch((error: unknown) => {
      // A client that hangs up mid-upload is routine, not a server fault.
      log(req.destroyed ? 'info' : 'error', `http ${req.method} ${req.url}: ${errorMessage(error)}`);
      if (!res.headersSent) sendJsonRpcError(res, 500, -32603, 'Internal error', { connection: 'close' });
      else res.destroy();
    });
  });

  try {
    await new Promise<void>((resolve, fail) => {
      server.once('error', fail);
      server.listen(options.port, host, () => {
        server.off('error', fail);
        resolve();
      });
    });
  } catch (error) {
    await Promise.allSettled([entry.close(), sessions?.closeAll()]);
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  policy = createHostPolicy({
    bindHost: host,
    port,
    allowedHosts: options.allowedHosts,
    allowedOrigins: options.allowedOrigins,
  });
  server.on('error', (error) => log('error', `http server: ${error.message}`));

  return {
    url: `http://${hostLiteral(host)}:${port}/mcp`,
    port,
    fastLaneAnswers: () => fastLaneAnswers,
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Ends 2026-07-28 listen streams gracefully (an empty result, then the stream closes) and in-flight calls.
        await entry.close();
        await inFlight.drained(SHUTDOWN_GRACE_MS);
        await sessions?.closeAll();
        answers.flush();
        // Anything still open after the grace period (a stuck call, an SSE stream) is cut.
        server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}
