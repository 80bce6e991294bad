// Small response writers shared by the HTTP routes, so every error leaves as a JSON-RPC error object with id null.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Writes a 200 JSON body that is already serialized (a string, or UTF-8 bytes): the fast path's answer. The
 * headers go as a flat array: no object is built per response and no setHeader runs.
 */
export function sendJsonOk(res: ServerResponse, body: string | Buffer): void {
  if (res.headersSent || res.destroyed) return;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  res.writeHead(200, ['content-type', 'application/json', 'content-length', String(length)]);
  res.end(body);
}

/** Writes a complete SSE body (one or more events) as the SDK's 2025-era transport frames a POST's answer. */
export function sendEventStream(res: ServerResponse, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, [
    'content-type',
    'text/event-stream',
    'cache-control',
    'no-cache, no-transform',
    'x-accel-buffering',
    'no',
    'content-length',
    String(Buffer.byteLength(body)),
  ]);
  res.end(body);
}

/** Writes a JSON body that is already serialized (the fast path stringifies exactly once). */
function sendJsonText(
  res: ServerResponse,
  status: number,
  body: string,
  headers?: OutgoingHttpHeaders,
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers?: OutgoingHttpHeaders,
): void {
  sendJsonText(res, status, JSON.stringify(value), headers);
}

/** The same shape and codes as the SDK transport, so clients see one behaviour whichever path served them. */
export function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers?: OutgoingHttpHeaders,
): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}
