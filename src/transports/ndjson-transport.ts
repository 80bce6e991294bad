// stdio framing: newline-delimited JSON-RPC in, answers written together once per turn of the event loop.
import type { Readable, Writable } from 'node:stream';
import {
  type JSONRPCMessage,
  PROTOCOL_VERSION_META_KEY,
  parseJSONRPCMessage,
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
  type Transport,
} from '@modelcontextprotocol/server';
import { MODERN_REVISIONS } from '../mcp/revisions.js';
import { isPlainRequest, MAX_MESSAGE_DEPTH, nestsDeeperThan } from './json-rpc-shape.js';
import { createResultEncoder } from './result-json.js';

const NEWLINE = 0x0a;
const NEWLINE_BYTES = Buffer.from('\n');

/*
 * Why not the SDK's StdioServerTransport: measured on the bench machine (bench/README.md), a get_clause over stdio
 * spent ~10% of the server's CPU re-escaping the clause into JSON, ~3% zod-validating each incoming message, and
 * ~10% in one write syscall per answer. This transport validates only what is not a plain request, and writes
 * every answer of one turn in one
 * write. A group commit settles its answers together, so they leave together and the client's next requests tend
 * to arrive together too, which keeps the next group commit large.
 *
 * Messages are handled as the SDK's transport handles them: a line that is not valid JSON-RPC is reported through
 * onerror and skipped, and the stream goes on. Unlike the SDK's, a line over the size limit is dropped (reported)
 * rather than closing the transport: one bad message loses nothing else.
 */
export class NdjsonTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;

  /** The start of a message whose newline has not arrived yet. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** True while skipping the rest of an oversize line, up to its newline. */
  private discarding = false;
  private readonly outgoing: Buffer[] = [];
  private waiting: Array<() => void> = [];
  private flushScheduled = false;
  private started = false;
  private closed = false;
  private outputBroken = false;
  private readonly encoder = createResultEncoder();
  private markClosed: () => void = () => {};
  /** Settles once the transport has closed, whoever closed it. */
  readonly ended = new Promise<void>((resolve) => {
    this.markClosed = resolve;
  });

  constructor(
    private readonly input: Readable = process.stdin,
    private readonly output: Writable = process.stdout,
    /** The SDK's own limit for one message by default. */
    private readonly maxMessageBytes = STDIO_DEFAULT_MAX_BUFFER_SIZE,
  ) {}

  private readonly onData = (chunk: Buffer | string): void => {
    this.receive(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  };
  private readonly onInputError = (error: Error): void => this.onerror?.(error);
  // A client that went away (EPIPE) ends the session instead of crashing the process on an unhandled error.
  // It stays attached after close: a write already under way can still fail, and must not go unhandled.
  private readonly onOutputError = (error: Error): void => {
    if (this.outputBroken) return;
    this.outputBroken = true;
    this.outgoing.length = 0;
    this.onerror?.(error);
    void this.close();
  };
  private readonly flushNow = (): void => this.flush();

  async start(): Promise<void> {
    if (this.started) throw new Error('NdjsonTransport already started');
    this.started = true;
    this.input.on('data', this.onData);
    this.input.on('error', this.onInputError);
    this.output.on('error', this.onOutputError);
  }

  /**
   * Sees every incoming message before the protocol layer; returning true keeps the message from it (the owner
   * answers it with sendLine). For the fast lane (fast-lane.ts); unset, every message goes to the SDK.
   */
  intercept?: ((message: JSONRPCMessage) => boolean) | undefined;
  /** Sees every message the protocol layer sends. */
  observe?: ((message: JSONRPCMessage) => void) | undefined;

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error('the stdio transport is closed');
    this.observe?.(message);
    return this.sendLine(this.encoder.message(message));
  }

  /** Writes one message that is already serialized, in the same batched write as the protocol layer's. */
  sendLine(json: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.outgoing.push(Buffer.from(json), NEWLINE_BYTES);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After the microtasks of this turn: every answer a group commit settled goes out in this one write.
      process.nextTick(this.flushNow);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('error', this.onInputError);
    if (this.input.listenerCount('data') === 0) this.input.pause();
    this.takePartial();
    this.markClosed();
    this.onclose?.();
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outputBroken) {
      this.outgoing.length = 0;
      for (const resolve of this.waiting.splice(0)) resolve();
      return;
    }
    if (this.outgoing.length === 0) return;
    // One copy into one buffer is cheaper than a second write syscall, even for a lone answer.
    const data = Buffer.concat(this.outgoing);
    this.outgoing.length = 0;
    const waiting = this.waiting;
    this.waiting = [];
    const done = () => {
      for (const resolve of waiting) resolve();
    };
    if (this.output.write(data)) done();
    else this.output.once('drain', done);
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    if (this.discarding) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl < 0) return;
      this.discarding = false;
      start = nl + 1;
    }
    let nl = chunk.indexOf(NEWLINE, start);
    if (nl >= 0 && this.partial.length > 0) {
      // The end of a message that began in earlier chunks: joined once, when its newline arrives.
      const line = Buffer.concat([...this.takePartial(), chunk.subarray(0, nl + 1)]);
      this.handleLine(line, 0, line.length - 1);
      if (this.closed) return;
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    for (; nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      this.handleLine(chunk, start, nl);
      start = nl + 1;
      if (this.closed) return;
    }
    if (start >= chunk.length) return;
    this.partialBytes += chunk.length - start;
    if (this.partialBytes > this.maxMessageBytes) {
      this.takePartial();
      this.discarding = true;
      this.reportOversize();
      return;
    }
    // Kept as chunks, not concatenated per chunk: a large message arriving in many pieces is copied once.
    this.partial.push(chunk.subarray(start));
  }

  /** The pieces of the message in progress, leaving none. */
  private takePartial(): Buffer[] {
    const pieces = this.partial;
    this.partial = [];
    this.partialBytes = 0;
    return pieces;
  }

  private reportOversize(): void {
    this.onerror?.(
      new Error(`a message on stdin is larger than ${this.maxMessageBytes} bytes; it was dropped`),
    );
  }

  private handleLine(data: Buffer, start: number, end: number): void {
    const stop = end > start && data[end - 1] === 0x0d ? end - 1 : end;
    if (stop === start) return; // blank line
    if (stop - start > this.maxMessageBytes) {
      this.reportOversize();
      return;
    }
    const line = data.toString('utf8', start, stop);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      this.onerror?.(new Error(`a line on stdin is not JSON and was skipped (${(error as Error).message})`));
      return;
    }
    const shown = line.length > 120 ? `${line.slice(0, 120)}…` : line;
    // A plain request is exactly what the schema would return; anything else gets the SDK's own verdict, after a
    // depth check (a plain request's params are handed to zod schemas of fixed depth, never walked whole).
    const plain = isPlainRequest(parsed);
    if (!plain && nestsDeeperThan(parsed, MAX_MESSAGE_DEPTH)) {
      this.onerror?.(
        new Error(
          `a message on stdin nests deeper than ${MAX_MESSAGE_DEPTH} levels and was skipped: ${shown}`,
        ),
      );
      return;
    }
    let message: JSONRPCMessage;
    try {
      message = plain ? (parsed as JSONRPCMessage) : parseJSONRPCMessage(parsed);
    } catch {
      this.onerror?.(new Error(`a line on stdin is not a JSON-RPC message and was skipped: ${shown}`));
      return;
    }
    const refusal = unsupportedRevision(message);
    if (refusal !== undefined) {
      this.send(refusal).catch(() => {});
      return;
    }
    try {
      if (this.intercept?.(message)) return;
      this.onmessage?.(message);
    } catch (error) {
      // The protocol layer handles messages synchronously here; whatever it throws (a RangeError on a hostile
      // message, a bug) costs that one message, not the process and every later call.
      this.onerror?.(
        new Error(`a message on stdin could not be handled and was skipped: ${(error as Error).message}`),
      );
    }
  }
}

/**
 * The -32022 answer 2026-07-28 prescribes for a request whose envelope names a revision the server does not
 * speak. The SDK's stdio entry checks this at the opening exchange only, and would serve a later request that
 * names, say, 2030-01-01 as if it were 2026-07-28 (its HTTP entry refuses it, per request).
 */
function unsupportedRevision(message: JSONRPCMessage): JSONRPCMessage | undefined {
  if (!('method' in message) || !('id' in message)) return undefined;
  const meta = (message.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  const requested = meta?.[PROTOCOL_VERSION_META_KEY];
  if (typeof requested !== 'string' || MODERN_REVISIONS.has(requested)) return undefined;
  return {
    jsonrpc: '2.0',
    id: message.id,
    error: {
      code: -32022,
      message: `Unsupported protocol version: ${requested.slice(0, 64)}`,
      data: { supported: [...MODERN_REVISIONS], requested: requested.slice(0, 64) },
    },
  } as JSONRPCMessage;
}
