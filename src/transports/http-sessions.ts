// 2025-era stateful sessions: one SDK NodeStreamableHTTPServerTransport and one McpServer per Mcp-Session-Id.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { AuthInfo, McpServer } from '@modelcontextprotocol/server';
import type { ParsedPost } from './http-body.js';
import { sendJsonRpcError } from './http-responses.js';

interface SessionRegistryOptions {
  createServer: () => { server: McpServer; close(): Promise<void> };
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** A session with no request for this long is closed (clients often vanish without DELETE). */
  idleMs: number;
  /** Sessions open at once, all principals together. */
  maxSessions: number;
  /** Sessions one principal (or, without tokens, everyone) may hold at once. */
  maxSessionsPerPrincipal: number;
}

/** Evicted session ids remembered so their clients learn why (each entry is ~100 bytes). */
const EVICTED_REMEMBERED = 1_000;

interface Session {
  readonly transport: NodeStreamableHTTPServerTransport;
  /** The token name that opened the session; only the same principal may use it. */
  readonly principal: string | undefined;
  lastSeen: number;
  /** Open HTTP requests, including a GET SSE stream: an idle sweep never closes a session someone is using. */
  active: number;
  /** Open GET SSE streams among `active`: a session only listening can be evicted, one being called cannot. */
  streams: number;
  /** Tells the client (on its SSE stream, if it has one) why its session ends, then closes it. */
  evict(reason: string): Promise<void>;
  close(): Promise<void>;
}

/** Handles every /mcp request in stateful mode; owned by one HTTP server instance. */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  /** Sessions being opened (initialize in flight), per principal: counted against the caps before they exist. */
  private readonly opening = new Map<string | undefined, number>();
  /** Why recently evicted or expired sessions ended, by id, oldest first; answered after "Session not found". */
  private readonly evicted = new Map<string, { principal: string | undefined; reason: string }>();
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
      const evicted = this.evicted.get(sessionId);
      const why = evicted && evicted.principal === authInfo?.clientId ? `: ${evicted.reason}` : '';
      sendJsonRpcError(res, 404, -32001, `Session not found${why}`);
      return;
    }
    await this.forward(session, req, res, post, authInfo);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.sessions.values()].map((session) => session.close()));
  }

  /**
   * Makes room for one more session of `principal`: at a cap, the least recently used session that has no call
   * in flight is evicted — the principal's own at its own cap; at the overall cap, one of the principal holding
   * the most sessions, so no principal can push another out below its fair share. Returns why no room could be
   * made (every candidate is mid-call), or undefined.
   */
  private makeRoom(principal: string | undefined): string | undefined {
    const { maxSessions, maxSessionsPerPrincipal } = this.options;
    const held = new Map<string | undefined, number>(this.opening);
    for (const session of this.sessions.values())
      held.set(session.principal, (held.get(session.principal) ?? 0) + 1);
    const total = [...held.values()].reduce((a, b) => a + b, 0);
    let from: string | undefined;
    let reason: string;
    if ((held.get(principal) ?? 0) >= maxSessionsPerPrincipal) {
      from = principal;
      const who = principal === undefined ? 'clients without a token' : `principal ${principal}`;
      reason = `evicted: ${who} reached the limit of ${maxSessionsPerPrincipal} per principal and this was the least recently used session; start a new session (initialize)`;
    } else if (total >= maxSessions) {
      let most = -1;
      for (const [p, n] of held) if (n > most && this.sessionsOf(p).length > 0) [from, most] = [p, n];
      reason = `evicted: the server reached its limit of ${maxSessions} sessions and this was the least recently used of the principal holding the most; start a new session (initialize)`;
    } else {
      return undefined;
    }
    // Only listening (an SSE stream, no call in flight) is evictable; never listening at all goes first.
    const candidates = this.sessionsOf(from).filter((s) => s.active === s.streams);
    candidates.sort((a, b) => Number(a.streams > 0) - Number(b.streams > 0) || a.lastSeen - b.lastSeen);
    const victim = candidates[0];
    if (victim === undefined)
      return `Too many sessions: every one of the ${from === principal ? maxSessionsPerPrincipal : maxSessions} allowed is in the middle of a call; retry shortly or end a session with DELETE`;
    void victim.evict(reason);
    return undefined;
  }

  private sessionsOf(principal: string | undefined): Session[] {
    return [...this.sessions.values()].filter((s) => s.principal === principal);
  }

  private async open(
    req: IncomingMessage,
    res: ServerResponse,
    post: ParsedPost,
    authInfo: AuthInfo | undefined,
  ): Promise<void> {
    const principal = authInfo?.clientId;
    const refused = this.makeRoom(principal);
    if (refused !== undefined) {
      this.options.log(
        'warn',
        `http: refused a new session${principal ? ` of ${principal}` : ''}: ${refused}`,
      );
      sendJsonRpcError(res, 503, -32000, refused, { 'retry-after': '1' });
      return;
    }
    this.opening.set(principal, (this.opening.get(principal) ?? 0) + 1);
    let counted = true;
    // Once the session is in the table (or failed to open) it no longer counts as opening.
    const opened = (): void => {
      if (!counted) return;
      counted = false;
      const left = (this.opening.get(principal) ?? 1) - 1;
      if (left === 0) this.opening.delete(principal);
      else this.opening.set(principal, left);
    };
    try {
      await this.openSession(req, res, post, authInfo, opened);
    } finally {
      opened();
    }
  }

  private async openSession(
    req: IncomingMessage,
    res: ServerResponse,
    post: ParsedPost,
    authInfo: AuthInfo | undefined,
    opened: () => void,
  ): Promise<void> {
    const built = this.options.createServer();
    let closing: Promise<void> | undefined;
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      // JSON answers keep both modes' POST responses alike; server-initiated messages (logging, list_changed,
      // resource updates) still reach the client over the session's GET SSE stream.
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        this.sessions.set(id, session);
        opened();
        this.options.log('info', `http session ${id} opened${authInfo ? ` by ${authInfo.clientId}` : ''}`);
      },
    });
    const session: Session = {
      transport,
      principal: authInfo?.clientId,
      lastSeen: Date.now(),
      active: 0,
      streams: 0,
      evict: async (reason) => {
        const id = transport.sessionId;
        if (id !== undefined) {
          // Out of the table at once, so a burst of initializes cannot pick the same victim twice.
          if (this.sessions.get(id) === session) this.sessions.delete(id);
          this.evicted.set(id, { principal: authInfo?.clientId, reason });
          if (this.evicted.size > EVICTED_REMEMBERED)
            this.evicted.delete(this.evicted.keys().next().value as string);
          this.options.log('info', `http session ${id} ${reason.split(';')[0]}`);
        }
        // Reaches a client that keeps an SSE stream open; one that does not learns it from its next request.
        await built.server
          .sendLoggingMessage({ level: 'error', logger: 'specledger', data: `Session ${reason}` })
          .catch(() => {});
        await session.close();
      },
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
    const stream = req.method === 'GET';
    session.lastSeen = Date.now();
    session.active++;
    if (stream) session.streams++;
    res.once('close', () => {
      session.active--;
      if (stream) session.streams--;
      session.lastSeen = Date.now();
    });
    // The SDK transport reads the principal from req.auth and hands it to tools as extra.authInfo.
    (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo;
    await session.transport.handleRequest(req, res, post?.raw);
  }

  private sweep(now: number): void {
    const reason = `closed after ${Math.round(this.options.idleMs / 1000)} s without a request; start a new session (initialize)`;
    for (const session of this.sessions.values()) {
      if (session.active === 0 && now - session.lastSeen > this.options.idleMs) void session.evict(reason);
    }
  }
}
