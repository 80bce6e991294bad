// The one JSON-RPC shape check shared by the fast paths: a request the SDK's own schemas would accept unchanged.
import type { JSONRPCRequest } from '@modelcontextprotocol/server';

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** True when every key is one a JSON-RPC request or notification may have (the SDK's schemas are strict). */
export function hasOnlyRequestKeys(message: Record<string, unknown>): boolean {
  for (const key in message) if (!REQUEST_KEYS.has(key)) return false;
  return true;
}

/**
 * True only for what the SDK's strict JSONRPCRequestSchema accepts and both response schemas reject, so routing
 * it straight to `_onrequest` is what the SDK's own classifier would do. Requests with `_meta` are left to the SDK
 * (its schema checks the meta's shape); they are rare on the hot path.
 */
export function isPlainRequest(message: unknown): message is JSONRPCRequest {
  if (!isPlainObject(message) || message.jsonrpc !== '2.0' || typeof message.method !== 'string')
    return false;
  if (!hasOnlyRequestKeys(message)) return false;
  const { id, params } = message;
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return false;
  if (params === undefined) return true;
  return isPlainObject(params) && params._meta === undefined;
}

/**
 * Deepest nesting of arrays and objects a message may have. The SDK walks messages recursively (JSON.stringify in
 * its "unknown response id" report overflowed the stack at 5,000 levels and crashed the stdio server); MCP
 * messages nest a few levels, tool schemas a few dozen at most.
 */
export const MAX_MESSAGE_DEPTH = 128;

/** True when `value` nests arrays/objects deeper than `max`; iterative, so the check itself cannot overflow. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
