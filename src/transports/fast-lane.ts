// The one place SpecLedger answers MCP without the SDK: a plain tools/call, in either era, over sessionless HTTP
// or stdio, answered with the bytes the SDK itself would send.
//
// Why: over HTTP the SDK's per-request entry builds a web Request, a fresh server instance and a web Response for
// every call (~1 ms of CPU on the bench machine, bench/README.md), capping get_clause near 900 calls/s against 26k/s
// for a bare node:http handler; over stdio its protocol layer still type-guards every message in and out with zod
// and, on 2026-07-28, lifts and validates the envelope (~100–180 µs a call). The calls agents make all day are plain
// tools/call requests; this lane checks everything the SDK would check for them, runs the same tool handler
// (tool-runner.ts), and writes the answer itself. Anything it does not recognise as plain — another method, an odd
// envelope, a header it does not know, arguments that fail the schema, any key it has not seen the SDK accept —
// goes to the SDK untouched.
//
// It is pinned to the SDK it mirrors: package.json names @modelcontextprotocol/server exactly (no range), and
// test/integration/http-fast-lane.test.ts and test/e2e/stdio-fast-lane.test.ts send the same requests down both
// paths and fail on any byte that differs, so an SDK update that changes the answer fails loudly.
import type { ClientInfo, RequestFacts } from '../mcp/context.js';
import { LEGACY_REVISIONS, MODERN_REVISION } from '../mcp/revisions.js';
import type { ToolDefinition, ToolResult } from '../mcp/tool-runner.js';
import { isPlainObject } from './json-rpc-shape.js';
import { createResultEncoder } from './result-json.js';

const RESERVED_PREFIX = 'io.modelcontextprotocol/';
const PROTOCOL_VERSION_KEY = `${RESERVED_PREFIX}protocolVersion`;
const CLIENT_INFO_KEY = `${RESERVED_PREFIX}clientInfo`;
const CLIENT_CAPABILITIES_KEY = `${RESERVED_PREFIX}clientCapabilities`;
const LOG_LEVEL_KEY = `${RESERVED_PREFIX}logLevel`;
const ENVELOPE_KEYS: ReadonlySet<string> = new Set([
  PROTOCOL_VERSION_KEY,
  CLIENT_INFO_KEY,
  CLIENT_CAPABILITIES_KEY,
  LOG_LEVEL_KEY,
]);
const PARAM_KEYS: ReadonlySet<string> = new Set(['name', 'arguments', '_meta']);
const CLIENT_INFO_FIELDS: ReadonlySet<string> = new Set(['name', 'version', 'title']);

export type Era = 'legacy' | 'modern';

/**
 * The era a body claims, by the SDK's body-primary rule: a request whose `_meta` names a protocol version speaks
 * 2026-07-28 (the SDK's classifier then checks the claim; the fast lane only takes claims it can check itself).
 */
export function claimedEra(body: unknown): Era {
  if (!isPlainObject(body) || !isPlainObject(body.params)) return 'legacy';
  const meta = body.params._meta;
  return isPlainObject(meta) && meta[PROTOCOL_VERSION_KEY] !== undefined ? 'modern' : 'legacy';
}

interface FastLaneOptions {
  tools: readonly ToolDefinition[];
  serverInfo: { name: string; version: string; title?: string };
}

/** HTTP request headers by lower-case name (node's shape); absent over stdio, which has none to check. */
export type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** A header's value; the first one when it came more than once. */
export function headerOf(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** What the transport knows of the caller; `client` is the 2025 initialize's, for connections that had one. */
export type CallerFacts = Omit<RequestFacts, 'requestId' | 'meta' | 'envelopeClient'> & {
  client?: ClientInfo | undefined;
};

export interface FastLane {
  /** The call, if it is one the lane answers exactly as the SDK would; null (having done nothing) otherwise. */
  take(body: unknown, era: Era, headers?: Headers): PlainCall | null;
  /** Runs the tool and resolves with the JSON-RPC answer as the SDK writes it for the era; never rejects. */
  answer(call: PlainCall, facts: CallerFacts, era: Era): Promise<string>;
}

export interface PlainCall {
  id: string | number;
  tool: ToolDefinition;
  args: Record<string, unknown>;
  meta: Record<string, unknown> | undefined;
  client: ClientInfo | undefined;
}

function isClientInfo(value: unknown): value is ClientInfo {
  if (!isPlainObject(value) || typeof value.name !== 'string' || typeof value.version !== 'string')
    return false;
  for (const key in value) if (!CLIENT_INFO_FIELDS.has(key) || typeof value[key] !== 'string') return false;
  return true;
}

/** The envelope the SDK's modern path accepts without a second look, or null. */
function modernEnvelope(meta: Record<string, unknown>): { client: ClientInfo | undefined } | null {
  if (meta[PROTOCOL_VERSION_KEY] !== MODERN_REVISION || !isPlainObject(meta[CLIENT_CAPABILITIES_KEY]))
    return null;
  const client = meta[CLIENT_INFO_KEY];
  if (client !== undefined && !isClientInfo(client)) return null;
  const level = meta[LOG_LEVEL_KEY];
  if (level !== undefined && typeof level !== 'string') return null;
  return { client };
}

/** The request's own `_meta` as the SDK hands it to handlers: reserved envelope keys lifted out. */
function ownMeta(meta: Record<string, unknown>): Record<string, unknown> | undefined {
  let own: Record<string, unknown> | undefined;
  for (const key in meta) {
    if (ENVELOPE_KEYS.has(key)) continue;
    own ??= {};
    own[key] = meta[key];
  }
  return own;
}

export function createFastLane(options: FastLaneOptions): FastLane {
  const tools = new Map(options.tools.map((t) => [t.name, t]));
  const serverInfoJson = JSON.stringify(options.serverInfo);
  const encoder = createResultEncoder();
  /** `"content":…,"structuredContent":…` as JSON.stringify writes them (from memo for a cached clause). */
  const bodyJson = (result: ToolResult): string =>
    encoder
      .result({
        content: result.content,
        ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
      })
      .slice(1, -1);

  /** The request, if it is one this lane answers exactly as the SDK would; null otherwise. */
  function take(body: unknown, era: Era, headers?: Headers): PlainCall | null {
    if (!isPlainObject(body) || body.jsonrpc !== '2.0' || body.method !== 'tools/call') return null;
    for (const key in body)
      if (key !== 'jsonrpc' && key !== 'id' && key !== 'method' && key !== 'params') return null;
    const { id, params } = body;
    if (typeof id !== 'string' && !Number.isSafeInteger(id)) return null;
    if (!isPlainObject(params) || typeof params.name !== 'string') return null;
    for (const key in params) if (!PARAM_KEYS.has(key)) return null;
    const tool = tools.get(params.name);
    if (tool === undefined) return null;
    const args = params.arguments ?? {};
    if (!isPlainObject(args)) return null;
    if (headers !== undefined && !plainHeaders(headers, era, params.name)) return null;
    const meta = params._meta;
    if (meta !== undefined && !isPlainObject(meta)) return null;
    let client: ClientInfo | undefined;
    if (era === 'modern') {
      if (meta === undefined) return null;
      const envelope = modernEnvelope(meta);
      if (envelope === null) return null;
      client = envelope.client;
    }
    if (meta !== undefined)
      for (const key in meta) if (key.startsWith(RESERVED_PREFIX) && !ENVELOPE_KEYS.has(key)) return null;
    if (era === 'legacy' && meta !== undefined)
      for (const key in meta) if (ENVELOPE_KEYS.has(key)) return null;
    const parsed = tool.input.safeParse(args);
    if (!parsed.success) return null;
    return {
      id: id as string | number,
      tool,
      args: parsed.data as Record<string, unknown>,
      meta: meta === undefined ? undefined : ownMeta(meta),
      client,
    };
  }

  /**
   * The response body the SDK's entry writes for this result: the result's keys in its schema's order (`_meta`,
   * `content`, `structuredContent`, `isError`); on 2026-07-28 `resultType` after them and the server's identity
   * added to `_meta` (appended last when the result had none).
   */
  function encode(call: PlainCall, result: ToolResult, era: Era): string {
    const parts: string[] = [];
    if (result._meta !== undefined)
      parts.push(`"_meta":${era === 'modern' ? metaJson(result._meta) : JSON.stringify(result._meta)}`);
    parts.push(bodyJson(result));
    if (result.isError !== undefined) parts.push(`"isError":${JSON.stringify(result.isError)}`);
    if (era === 'modern') {
      parts.push('"resultType":"complete"');
      if (result._meta === undefined) parts.push(`"_meta":${metaJson(undefined)}`);
    }
    return `{"result":{${parts.join(',')}},"jsonrpc":"2.0","id":${JSON.stringify(call.id)}}`;
  }

  function metaJson(meta: Record<string, unknown> | undefined): string {
    const own = meta === undefined ? '' : JSON.stringify(meta).slice(1, -1);
    return `{${own}${own ? ',' : ''}"io.modelcontextprotocol/serverInfo":${serverInfoJson}}`;
  }

  return {
    take,
    async answer(call, facts, era) {
      const full: RequestFacts = {
        header: facts.header,
        principal: facts.principal,
        sessionId: facts.sessionId,
        requestId: call.id,
        meta: call.meta,
        envelopeClient: call.client ?? facts.client,
      };
      try {
        return encode(call, await run(call, full), era);
      } catch (error) {
        const failure: ToolResult = {
          content: [{ type: 'text', text: (error as Error).message ?? String(error) }],
          isError: true,
        };
        return encode(call, failure, era);
      }
    },
  };
}

/**
 * The HTTP headers a plain call may carry: the SEP-2243 standard headers exactly as the body names them on
 * 2026-07-28 (none of them on a 2025 request), a known revision, and nothing the SDK would act on.
 */
function plainHeaders(headers: Headers, era: Era, name: string): boolean {
  // Mirrored parameter headers are for tools that declare them; SpecLedger's declare none.
  for (const key in headers) if (key.startsWith('mcp-param-')) return false;
  const header = (key: string): string | undefined => headerOf(headers, key);
  if (header('mcp-session-id') !== undefined || header('last-event-id') !== undefined) return false;
  const version = header('mcp-protocol-version');
  if (era === 'modern')
    return (
      version === MODERN_REVISION && header('mcp-method') === 'tools/call' && header('mcp-name') === name
    );
  if (version !== undefined && !LEGACY_REVISIONS.has(version)) return false;
  return header('mcp-method') === undefined && header('mcp-name') === undefined;
}

/** The tool, then its output schema, as the SDK runs them (an invalid structured result is the tool's error). */
async function run(call: PlainCall, facts: RequestFacts): Promise<ToolResult> {
  const result = await call.tool.handler(call.args, facts);
  if (result.isError || call.tool.output === undefined) return result;
  const checked = call.tool.output['~standard'].validate(result.structuredContent);
  if (!(checked instanceof Promise) && checked.issues === undefined) return result;
  throw new Error(`Output validation error: Invalid structured content for tool ${call.tool.name}`);
}
