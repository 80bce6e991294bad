// A Transport that lets ONE long-lived McpServer answer many concurrent HTTP requests by rewriting JSON-RPC ids.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  MessageExtraInfo,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { serializeMessage, stringifyMessage } from './immutable-json.js';

/** Why a server-to-client request (sampling, elicitation, roots) fails on the sessionless path. */
export const SERVER_REQUEST_REFUSAL = 'Server-to-client requests need a stateful HTTP session';

/** One HTTP request's share of the mux; its sink gets the answer once every JSON-RPC request in it is answered. */
export interface MuxExchange {
  /** JSON-RPC requests awaiting an answer; 0 means the POST carried only notifications or responses. */
  readonly requests: number;
  /** Gives up on the outstanding answers (the HTTP client went away) and cancels their handlers. */
  cancel(reason: string): void;
}

/**
 * Receives the serialized answer (an object for a single request, an array for a batch) with the target the
 * exchange was opened for. One sink serves every exchange, so no callback is allocated per request.
 */
export interface MuxReplySink<T> {
  /** `json` is UTF-8 bytes when the answer wraps a memoized tool result (see immutable-json.ts). */
  push(target: T, json: string | Buffer): void;
}

interface Pending {
  originalId: RequestId;
  exchange: Exchange;
  slot: number;
}

class Exchange implements MuxExchange {
  readonly answers: JSONRPCMessage[] = [];
  readonly internalIds: number[] = [];
  remaining = 0;
  done = false;

  constructor(
    private readonly mux: JsonRpcMux,
    readonly batch: boolean,
    readonly target: unknown,
    readonly sink: MuxReplySink<unknown>,
  ) {}

  get requests(): number {
    return this.internalIds.length;
  }

  cancel(reason: string): void {
    this.mux.cancelExchange(this, reason);
  }
}

const isRequest = (message: JSONRPCMessage): message is JSONRPCRequest =>
  'method' in message && 'id' in message;
const isResponse = (message: JSONRPCMessage): boolean => 'result' in message || 'error' in message;

/**
 * Why ids are rewritten: every HTTP client numbers its requests from 0, so two clients' `id: 1` would collide
 * in the protocol layer's handler and abort maps. Each request gets a process-unique internal id for the trip
 * through the server, and the answer gets the client's id back before it is written.
 *
 * No stream exists on this path, so messages the server sends outside an answer (logging, list_changed,
 * progress) are dropped, and a request the server sends to the client is refused at once instead of hanging
 * until its timeout.
 */
export class JsonRpcMux implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void) | undefined;

  /**
   * Optional direct entry into the protocol layer for requests, set by the owner after connect(). The handler
   * the protocol installs as onmessage classifies every message by zod-parsing it as a response first; for a
   * request both parses fail and each builds a ZodError with a stack trace — about 30% of the CPU of a call on
   * this path. Requests reaching dispatch() have already been validated as requests, so that work is redundant.
   */
  requestSink?: ((request: JSONRPCRequest, extra: MessageExtraInfo) => void) | undefined;

  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  async start(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const waiting = new Set<Exchange>();
    for (const { exchange } of this.pending.values()) waiting.add(exchange);
    for (const exchange of waiting) this.failExchange(exchange, -32000, 'Server is shutting down');
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (isResponse(message)) {
      const answer = message as JSONRPCMessage & { id?: RequestId };
      const entry = typeof answer.id === 'number' ? this.pending.get(answer.id) : undefined;
      // No entry: the client disconnected and the request was cancelled; nobody is waiting.
      if (entry === undefined) return;
      this.pending.delete(answer.id as number);
      answer.id = entry.originalId;
      this.settle(entry.exchange, entry.slot, answer);
      return;
    }
    if (isRequest(message)) {
      const refusal: JSONRPCErrorResponse = {
        jsonrpc: '2.0',
        id: message.id,
        error: { code: -32000, message: SERVER_REQUEST_REFUSAL },
      };
      // Delivered on a later tick: the protocol layer registers its response handler around send().
      queueMicrotask(() => this.onmessage?.(refusal));
    }
  }

  /**
   * Routes one HTTP request's messages into the server. Ids are rewritten in place: the messages were just
   * parsed from this request's body and nothing else holds them.
   */
  dispatch<T>(
    messages: JSONRPCMessage[],
    batch: boolean,
    extra: MessageExtraInfo,
    target: T,
    sink: MuxReplySink<T>,
  ): MuxExchange {
    const exchange = new Exchange(this, batch, target, sink as MuxReplySink<unknown>);
    if (this.closed) {
      for (const message of messages) if (isRequest(message)) this.register(exchange, message);
      this.failExchange(exchange, -32000, 'Server is shutting down');
      return exchange;
    }
    for (const message of messages) {
      if (isRequest(message)) this.register(exchange, message);
    }
    // Every slot exists before the first delivery, because an answer (e.g. "method not found") can come back
    // synchronously from inside onmessage.
    for (const message of messages) {
      // A client's responses could only answer server requests, which this path never sends; its
      // cancellations name its own ids, which could match another client's request. Neither may pass.
      if (isResponse(message) || (message as JSONRPCNotification).method === 'notifications/cancelled')
        continue;
      try {
        if (this.requestSink && isRequest(message)) this.requestSink(message, extra);
        else this.onmessage?.(message, extra);
      } catch (error) {
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
        this.failExchange(exchange, -32603, 'Internal error');
        break;
      }
    }
    return exchange;
  }

  /** @internal Used by an exchange whose HTTP client went away. */
  cancelExchange(exchange: Exchange, reason: string): void {
    if (exchange.done) return;
    exchange.done = true;
    for (const internalId of exchange.internalIds) {
      if (!this.pending.delete(internalId)) continue;
      // The protocol layer aborts the handler's signal and sends no answer for a cancelled request.
      const cancelled: JSONRPCNotification = {
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: internalId, reason },
      };
      this.onmessage?.(cancelled);
    }
  }

  private register(exchange: Exchange, request: JSONRPCRequest): void {
    const internalId = ++this.nextId;
    this.pending.set(internalId, { originalId: request.id, exchange, slot: exchange.internalIds.length });
    exchange.internalIds.push(internalId);
    exchange.remaining++;
    request.id = internalId;
  }

  private settle(exchange: Exchange, slot: number, answer: JSONRPCMessage): void {
    if (exchange.done) return;
    exchange.answers[slot] = answer;
    if (--exchange.remaining > 0) return;
    exchange.done = true;
    // Serialized once, here; a memoized tool result (see immutable-json.ts) is not escaped again.
    const json = exchange.batch
      ? `[${exchange.answers.map(stringifyMessage).join(',')}]`
      : serializeMessage(exchange.answers[0]);
    exchange.sink.push(exchange.target, json);
  }

  /** Answers every request of the exchange that is still waiting with the same error. */
  private failExchange(exchange: Exchange, code: number, message: string): void {
    exchange.internalIds.forEach((internalId, slot) => {
      const entry = this.pending.get(internalId);
      if (entry === undefined) return;
      this.pending.delete(internalId);
      this.settle(exchange, slot, { jsonrpc: '2.0', id: entry.originalId, error: { code, message } });
    });
  }
}
