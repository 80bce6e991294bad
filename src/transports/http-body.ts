// Admits a POST /mcp body: SDK-identical header checks, a byte limit enforced while streaming, one JSON.parse.
import type { IncomingMessage } from 'node:http';
import { isJsonContentType, type JSONRPCMessage, parseJSONRPCMessage } from '@modelcontextprotocol/server';
import { hasOnlyRequestKeys, isPlainObject } from './json-rpc-shape.js';

/** The largest 2025-era JSON-RPC batch accepted (the SDK transport's own bound). */
const MAX_BATCH_SIZE = 100;

export function requestBodyTooLargeMessage(maxBytes: number): string {
  return `Payload Too Large: Request body must not exceed ${maxBytes} bytes`;
}

const isMessage = (value: unknown): boolean => {
  try {
    parseJSONRPCMessage(value);
    return true;
  } catch {
    return false;
  }
};

/** Why a request is refused: the HTTP status plus the JSON-RPC error the SDK transport would answer with. */
export interface HttpRejection {
  status: number;
  code: number;
  message: string;
}

export interface ParsedPost {
  /** The body as parsed: handed to the SDK transport as `parsedBody` so it never reads the stream again. */
  raw: unknown;
  messages: JSONRPCMessage[];
  batch: boolean;
  /** The body carries an `initialize` request (then it is the only message). */
  initialize: boolean;
}

export function isRejection(value: ParsedPost | HttpRejection): value is HttpRejection {
  return 'status' in value;
}

/** Checks what can be refused before a byte of the body is read (SDK order: Accept, Content-Type, then size). */
export function checkPostHeaders(req: IncomingMessage, maxBodyBytes: number): HttpRejection | undefined {
  const accept = req.headers.accept;
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) {
    return {
      status: 406,
      code: -32000,
      message: 'Not Acceptable: Client must accept both application/json and text/event-stream',
    };
  }
  if (!isJsonContentType(req.headers['content-type'])) {
    return {
      status: 415,
      code: -32000,
      message: 'Unsupported Media Type: Content-Type must be application/json',
    };
  }
  if (Number(req.headers['content-length']) > maxBodyBytes) {
    return { status: 413, code: -32000, message: requestBodyTooLargeMessage(maxBodyBytes) };
  }
  return undefined;
}

interface BodyRead {
  /** The first chunk alone (nearly every body is one chunk), then an array once a second one arrives. */
  chunks: Buffer | Buffer[] | undefined;
  size: number;
  readonly maxBytes: number;
  readonly resolve: (body: Buffer | undefined) => void;
  readonly reject: (error: Error) => void;
}

const kBodyRead = Symbol('specledger.bodyRead');
type ReadingRequest = IncomingMessage & { [kBodyRead]?: BodyRead | undefined };

/** Detaches the shared listeners below; the read state lives on the request, so none is a per-request closure. */
function stopReading(req: ReadingRequest): BodyRead | undefined {
  const read = req[kBodyRead];
  if (read === undefined) return undefined;
  req[kBodyRead] = undefined;
  req.off('data', onBodyData);
  req.off('end', onBodyEnd);
  req.off('error', onBodyError);
  req.off('close', onBodyClose);
  return read;
}

function onBodyData(this: ReadingRequest, chunk: Buffer): void {
  const read = this[kBodyRead];
  if (read === undefined) return;
  read.size += chunk.length;
  if (read.size > read.maxBytes) {
    stopReading(this);
    this.pause();
    read.resolve(undefined);
    return;
  }
  if (read.chunks === undefined) read.chunks = chunk;
  else if (Array.isArray(read.chunks)) read.chunks.push(chunk);
  else read.chunks = [read.chunks, chunk];
}

function onBodyEnd(this: ReadingRequest): void {
  const read = stopReading(this);
  if (read === undefined) return;
  const { chunks } = read;
  read.resolve(
    chunks === undefined
      ? Buffer.alloc(0)
      : Array.isArray(chunks)
        ? Buffer.concat(chunks, read.size)
        : chunks,
  );
}

function onBodyError(this: ReadingRequest, error: Error): void {
  stopReading(this)?.reject(error);
}

function onBodyClose(this: ReadingRequest): void {
  stopReading(this)?.reject(new Error('HTTP request closed before its body was read'));
}

/**
 * Collects the body as Buffer chunks; resolves undefined as soon as it grows past `maxBytes` (chunked bodies
 * have no Content-Length to check up front) and stops reading, so an oversized upload costs nothing more.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const reading = req as ReadingRequest;
    reading[kBodyRead] = { chunks: undefined, size: 0, maxBytes, resolve, reject };
    reading.on('data', onBodyData);
    reading.on('end', onBodyEnd);
    reading.on('error', onBodyError);
    reading.on('close', onBodyClose);
  });
}

/**
 * Accepts exactly what the SDK's strict JSONRPCMessageSchema accepts. Requests and notifications — nearly all
 * traffic — are checked by hand because zod costs several microseconds per message; the rare shapes (responses,
 * `_meta`) go through the SDK schema itself so nothing the protocol layer would drop slips through and hangs.
 */
function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  if (!isPlainObject(value) || value.jsonrpc !== '2.0') return false;
  if (typeof value.method !== 'string') return isMessage(value);
  if (!hasOnlyRequestKeys(value)) return false;
  const { id, params } = value;
  if (id !== undefined && typeof id !== 'string' && !Number.isSafeInteger(id)) return false;
  if (params === undefined) return true;
  if (!isPlainObject(params)) return false;
  // `_meta` (every 2026-07-28 request has one) is checked where it is used: by the fast lane or the SDK's entry.
  return params._meta === undefined || isPlainObject(params._meta) || isMessage(value);
}

const INVALID_MESSAGE: HttpRejection = {
  status: 400,
  code: -32700,
  message: 'Parse error: Invalid JSON-RPC message',
};

/** Parses the body once and checks every message, with the SDK transport's statuses, codes and messages. */
export function parseMessages(body: Buffer): ParsedPost | HttpRejection {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    return { status: 400, code: -32700, message: 'Parse error: Invalid JSON' };
  }
  const batch = Array.isArray(raw);
  const messages: unknown[] = batch ? (raw as unknown[]) : [raw];
  if (messages.length > MAX_BATCH_SIZE) {
    return {
      status: 400,
      code: -32600,
      message: `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`,
    };
  }
  let initialize = false;
  for (const message of messages) {
    if (!isJsonRpcMessage(message)) return INVALID_MESSAGE;
    if ('method' in message && message.method === 'initialize' && 'id' in message) initialize = true;
  }
  if (initialize && messages.length > 1) {
    return {
      status: 400,
      code: -32600,
      message: 'Invalid Request: Only one initialization request is allowed',
    };
  }
  return { raw, messages: messages as JSONRPCMessage[], batch, initialize };
}
