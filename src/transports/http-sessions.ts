// Stateful MCP sessions: one SDK StreamableHTTPServerTransport and one McpServer per Mcp-Session-Id.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { ParsedPost } from './http-body.js';
import { sendJsonRpcError } from './http-responses.js';

export interface SessionRegistryOptions {
  createServer: () => { server: McpServer; close(): Promise<void> };
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** A session with no request for this long is closed (clients often vanish without DELETE). */
  idleMs: number;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  /** The token name that opened the session; only the same principal may use it. */
  readonly principal: string | undefined;
  lastSeen: number;
  /** Open HTTP requests, including a GET SSE stream: an idle sweep never closes a session someone is using. */
  active: number;
  close(): Promise<void>;
}

/** Handles every /mcp request in stateful mode; owned by one HTTP server instance. */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: SessionRegistryOptions) {
    // Checking a few times per idle period bounds how long an abandoned session outlives its timeout.
    this.sweeper = setInterval(
      () => this.sweep(Date.now()),
      Math.max(1_000, Math.min(options.idleMs / 4, 60_000)),
    );
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** POST (already parsed), GET and DELETE; statuses and errors match the SDK transport's own. */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    post: ParsedPost | undefined,
    authInfo: AuthInfo | undefined,
  ): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId !== 'string' || sessionId === '') {
      if (post?.initialize) return this.open(req, res, post, authInfo);
      sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    const session = this.sessions.get(sessionId);
    // Another principal's session answers exactly like an unknown one, so session ids cannot be probed.
    if (session === undefined || session.principal !== authInfo?.clientId) {
      sendJsonRpcError(res, 404, -32001, 'Session not found');
      return;
    }
    await this.forward(session, req, res, post, authInfo);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.sessions.values()].map((session) => session.close()));
  }

  private async open(
    req: IncomingMessage,
    res: ServerResponse,
    post: ParsedPost,
    authInfo: AuthInfo | undefined,
  ): Promise<void> {
    const built = this.options.createServer();
    let closing: Promise<void> | undefined;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      // JSON answers keep both modes' POST responses alike; server-initiated messages (logging, list_changed,
      // resource updates) still reach the client over the session's GET SSE stream.
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        this.sessions.set(id, session);
        this.options.log('info', `http session ${id} opened${authInfo ? ` by ${authInfo.clientId}` : ''}`);
      },
    });
    const session: Session = {
      transport,
      principal: authInfo?.clientId,
      lastSeen: Date.now(),
      active: 0,
      // Deferred by a microtask so `closing` is set before built.close() re-enters through transport.onclose.
      close: () =>
        (closing ??= Promise.resolve().then(async () => {
          const id = transport.sessionId;
          if (id !== undefined && this.sessions.get(id) === session) {
            this.sessions.delete(id);
            this.options.log('info', `http session ${id} closed`);
          }
          await built.close();
          await transport.close();
        })),
    };
    // Set before connect(): the protocol layer chains its own handlers after ours. DELETE closes the transport.
    transport.onclose = () => void session.close();
    transport.onerror = (error) => this.options.log('warn', `http session: ${error.message}`);
    await built.server.connect(transport);
    await this.forward(session, req, res, post, authInfo);
    // The SDK refused the initialize (bad params, protocol version): no session exists, so nothing may linger.
    if (transport.sessionId === undefined) await session.close();
  }

  private async forward(
    session: Session,
    req: IncomingMessage,
    res: ServerResponse,
    post: ParsedPost | undefined,
    authInfo: AuthInfo | undefined,
  ): Promise<void> {
    session.lastSeen = Date.now();
    session.active++;
    res.once('close', () => {
      session.active--;
      session.lastSeen = Date.now();
    });
    // The SDK transport reads the principal from req.auth and hands it to tools as extra.authInfo.
    (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo;
    await session.transport.handleRequest(req, res, post?.raw);
  }

  private sweep(now: number): void {
    for (const session of this.sessions.values()) {
      if (session.active === 0 && now - session.lastSeen > this.options.idleMs) void session.close();
    }
  }
}
