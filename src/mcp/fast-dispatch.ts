// Takes the SDK's per-message zod work off the tools/call hot path while keeping its answers byte for byte.
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  CallToolResultSchema,
  ErrorCode,
  type JSONRPCMessage,
  type JSONRPCRequest,
  McpError,
  type MessageExtraInfo,
} from '@modelcontextprotocol/sdk/types.js';
import type { ZodTypeAny } from 'zod';
import { SERVER_REQUEST_REFUSAL } from '../transports/json-rpc-mux.js';
import { isPlainObject, isPlainRequest } from '../transports/json-rpc-shape.js';

/*
 * Measured on this machine (bench/README.md): a get_clause over stdio cost ~400 µs of server CPU, and most of it
 * was the SDK validating messages it had already validated. Per request the protocol layer classifies the
 * message by zod-parsing it as a result and as an error response first — both fail, and each failure builds a
 * ZodError with a stack trace (~40–120 µs apiece) — then parses the request twice more, validates the arguments,
 * the structured output (~20–35 µs) and the whole result again. This module keeps every check whose outcome is
 * not already known and answers exactly as the SDK would; anything unusual is handed to the SDK's own code.
 *
 * It uses two private members of the SDK's Protocol (`_onrequest`, `_requestHandlers`), checked for shape at
 * install time: if a future SDK renames them, nothing is patched and the stock path runs (slower, same answers).
 */

type RequestEntry = (request: JSONRPCRequest, extra?: MessageExtraInfo) => void;
type RequestHandler = (request: JSONRPCRequest, extra: unknown) => Promise<unknown>;

interface ProtocolInternals {
  connect(transport: Transport): Promise<void>;
  _onrequest?: unknown;
  _requestHandlers?: unknown;
}

/**
 * Routes plain requests from every transport this server connects to straight into the protocol layer. The
 * transport's own onmessage (if it set one before connecting) still sees every message, as with the SDK.
 */
function installRequestRouting(protocol: ProtocolInternals): void {
  const entry = protocol._onrequest;
  if (typeof entry !== 'function' || entry.length !== 2) return;
  const onRequest = entry as RequestEntry;
  const connect = protocol.connect.bind(protocol);
  protocol.connect = async (transport: Transport) => {
    const before = transport.onmessage;
    await connect(transport);
    const sdkOnMessage = transport.onmessage;
    if (sdkOnMessage === undefined || sdkOnMessage === before) return;
    transport.onmessage = <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => {
      if (!isPlainRequest(message)) return sdkOnMessage(message, extra);
      before?.(message, extra);
      onRequest.call(protocol, message, extra);
    };
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * CallToolRequestSchema's verdict: by hand for the plain shape (what JSON.parse gives: name, optional arguments
 * object, no _meta, no task), through the schema for anything else. The parse result itself is not needed.
 */
function isCallToolRequest(request: JSONRPCRequest): boolean {
  const params = request.params as unknown;
  if (
    isRecord(params) &&
    typeof params.name === 'string' &&
    (params.arguments === undefined || isRecord(params.arguments)) &&
    params._meta === undefined &&
    params.task === undefined
  ) {
    return true;
  }
  return CallToolRequestSchema.safeParse(request).success;
}

/**
 * True for a successful result already in the exact shape (and key order) the SDK's CallToolResultSchema would
 * return for it: `{ content: [{ type: 'text', text }…], structuredContent? }`. Anything else — errors included, whose
 * `_meta` the schema moves to the front — goes through the schema, so the bytes on the wire never differ.
 */
function isCanonicalSuccess(result: unknown): result is CallToolResult {
  if (!isPlainObject(result)) return false;
  const keys = Object.keys(result);
  if (keys[0] !== 'content' || keys.length > 2 || (keys.length === 2 && keys[1] !== 'structuredContent'))
    return false;
  if (!Array.isArray(result.content)) return false;
  for (const block of result.content) {
    if (!isPlainObject(block) || block.type !== 'text' || typeof block.text !== 'string') return false;
    const blockKeys = Object.keys(block);
    if (blockKeys.length !== 2 || blockKeys[0] !== 'type') return false;
  }
  return result.structuredContent === undefined || isPlainObject(result.structuredContent);
}

function parseErrorMessage(error: {
  issues: ReadonlyArray<{ message: string; path: ReadonlyArray<string | number> }>;
}): string {
  return error.issues
    .map((i) => (i.path.length === 0 ? i.message : `${i.message} at ${i.path.map(String).join('.')}`))
    .join('\n');
}

/**
 * A tools/call handler for the tools registered here. It runs the SDK's checks in the SDK's order — request shape,
 * tool lookup, arguments, handler, output schema — except that structured output already validated (the render
 * cache hands back the same frozen-in-practice object for an unchanged clause) is not validated again, and the
 * result's own shape is checked by hand. Whenever a check fails it defers to the SDK handler, which repeats the
 * check and produces the SDK's exact error; no tool has run at that point, so nothing is recorded twice.
 */
function installCallTool(
  protocol: ProtocolInternals,
  tools: Record<string, RegisteredTool | undefined>,
): RequestHandler | undefined {
  const handlers = protocol._requestHandlers;
  if (!(handlers instanceof Map)) return undefined;
  const sdkHandler = handlers.get('tools/call') as RequestHandler | undefined;
  if (typeof sdkHandler !== 'function') return undefined;
  const validated = new WeakSet<object>();

  const fastHandler: RequestHandler = async (request, extra) => {
    const params = request.params;
    const tool =
      isPlainObject(params) && typeof params.name === 'string' && Object.hasOwn(tools, params.name)
        ? tools[params.name]
        : undefined;
    if (
      tool === undefined ||
      !tool.enabled ||
      params?.task !== undefined ||
      tool.execution?.taskSupport === 'required' ||
      tool.execution?.taskSupport === 'optional' ||
      !isCallToolRequest(request)
    ) {
      return sdkHandler(request, extra);
    }
    const input = tool.inputSchema as ZodTypeAny | undefined;
    let args: unknown;
    if (input !== undefined) {
      let parsed: ReturnType<ZodTypeAny['safeParse']>;
      try {
        parsed = input.safeParse(params?.arguments ?? {});
      } catch {
        return sdkHandler(request, extra); // e.g. an async refinement: the SDK parses asynchronously
      }
      if (!parsed.success) return sdkHandler(request, extra);
      args = parsed.data;
    }
    let result: unknown;
    try {
      const handler = tool.handler as (...a: unknown[]) => unknown;
      result = await (input !== undefined ? handler(args, extra) : handler(extra));
      checkOutput(tool, params?.name as string, result, validated);
    } catch (error) {
      if (error instanceof McpError && error.code === ErrorCode.UrlElicitationRequired) throw error;
      return {
        content: [{ type: 'text', text: error instanceof Error ? error.message : String(error) }],
        isError: true,
      };
    }
    if (isCanonicalSuccess(result)) return result;
    // Tool errors and any other shape: the SDK's result schema decides, with the SDK's output and error.
    const checked = CallToolResultSchema.safeParse(result);
    if (!checked.success) {
      throw new McpError(ErrorCode.InvalidParams, `Invalid tools/call result: ${checked.error.message}`);
    }
    return checked.data;
  };
  handlers.set('tools/call', fastHandler);
  return fastHandler;
}

/** The SDK's validateToolOutput, with a memo of structured objects that already passed. */
function checkOutput(tool: RegisteredTool, name: string, result: unknown, validated: WeakSet<object>): void {
  const output = tool.outputSchema as ZodTypeAny | undefined;
  if (output === undefined || !isPlainObject(result) || !('content' in result) || result.isError) return;
  const structured = result.structuredContent;
  if (!structured) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `Output validation error: Tool ${name} has an output schema but no structured content was provided`,
    );
  }
  if (typeof structured === 'object' && validated.has(structured)) return;
  const parsed = output.safeParse(structured);
  if (!parsed.success) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `Output validation error: Invalid structured content for tool ${name}: ${parseErrorMessage(parsed.error)}`,
    );
  }
  if (typeof structured === 'object') validated.add(structured);
}

/**
 * Answers one tools/call request with its JSON-RPC response (never rejects), or returns undefined for a request
 * that is not plain (`_meta`, a task, an odd shape): the protocol layer must take that one. See installFastDispatch.
 */
export type DirectToolCall = (
  request: JSONRPCRequest,
  extra: MessageExtraInfo,
) => Promise<JSONRPCMessage> | undefined;

/**
 * Installs both fast paths on a server, before it connects and after its tools are registered. Returns a direct
 * entry to the tools/call handler for transports where a request can neither be cancelled nor streamed to (the
 * stateless JSON HTTP path): it skips the protocol layer's per-request abort controller, task lookup and
 * promise chain (~15 µs of a ~95 µs call there, measured with bench/README.md's probe), answering with the
 * response the protocol layer would send, the SDK's error mapping included.
 */
export function installFastDispatch(server: McpServer): DirectToolCall | undefined {
  const protocol = server.server as unknown as ProtocolInternals;
  installRequestRouting(protocol);
  const internals = server as unknown as { _registeredTools?: unknown; _maxToolInputElements?: unknown };
  // The tool table is read live (so enable/disable/update/remove act at once); a configured input-size cap is
  // checked only inside the SDK's handler, so that handler is kept then.
  if (!isPlainObject(internals._registeredTools) || internals._maxToolInputElements !== undefined)
    return undefined;
  const handler = installCallTool(
    protocol,
    internals._registeredTools as Record<string, RegisteredTool | undefined>,
  );
  if (handler === undefined) return undefined;
  // Never aborted: nothing on such a transport can cancel a request.
  const signal = new AbortController().signal;
  const sendNotification = async (): Promise<void> => {};
  const sendRequest = async (): Promise<never> => {
    throw new McpError(-32000, SERVER_REQUEST_REFUSAL);
  };
  return (request, extra) => {
    if (!isPlainRequest(request) || (request.params as { task?: unknown } | undefined)?.task !== undefined)
      return undefined;
    const fullExtra = {
      signal,
      sessionId: undefined,
      _meta: undefined,
      sendNotification,
      sendRequest,
      authInfo: extra.authInfo,
      requestId: request.id,
      requestInfo: extra.requestInfo,
    };
    return handler(request, fullExtra).then(
      (result) => ({ result, jsonrpc: '2.0', id: request.id }) as JSONRPCMessage,
      (error: { code?: unknown; message?: string; data?: unknown }) =>
        ({
          jsonrpc: '2.0',
          id: request.id,
          error: {
            code: Number.isSafeInteger(error.code) ? (error.code as number) : ErrorCode.InternalError,
            message: error.message ?? 'Internal error',
            ...(error.data !== undefined && { data: error.data }),
          },
        }) as JSONRPCMessage,
    );
  };
}
