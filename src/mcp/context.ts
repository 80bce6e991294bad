// Who is calling: run identity (first match wins, per DESIGN.md), client, principal and transport of one request.
import { SpecLedgerError } from '../errors.js';
import type { RunIdSource } from '../ledger/types.js';
import { checkRunId, runKey } from './run-id.js';
import { parseTraceparent } from './traceparent.js';

/**
 * What one request says about its caller, as the protocol edge saw it. SpecLedger's own shape, so tools never see
 * an SDK object: the MCP server builds it from the SDK's handler context, the HTTP fast lane from the request.
 */
export interface RequestFacts {
  requestId: string | number;
  /** The request's `_meta`, without the SDK's reserved `io.modelcontextprotocol/*` envelope keys. */
  meta: Readonly<Record<string, unknown>> | undefined;
  /** `clientInfo` from the 2026-07-28 per-request envelope: self-reported, for display only. */
  envelopeClient: ClientInfo | undefined;
  /** An HTTP request header by lower-case name; always undefined over stdio. */
  header(name: string): string | undefined;
  /** The bearer token's name, when auth is on. */
  principal: string | null;
  /** The Mcp-Session-Id of a 2025-era HTTP session. */
  sessionId: string | null;
}

export interface CallContext {
  runId: string;
  runIdSource: RunIdSource;
  principal: string | null;
  sessionId: string | null;
  clientName: string | null;
  clientVersion: string | null;
  transport: 'stdio' | 'http' | 'memory';
  /** W3C traceparent from `_meta` or headers, for OpenTelemetry parenting. */
  traceparent: string | null;
  /** The JSON-RPC request ID, for tracing. */
  requestId: string | number;
}

export interface ClientInfo {
  name: string;
  version: string;
}

export interface ConnectionInfo {
  transport: CallContext['transport'];
  /** Generated once per connection (per server process for sessionless HTTP): the run ID of last resort. */
  connectionId: string;
  /**
   * Whether the connection is one client's: a stdio process is (one process, one run). Sessionless HTTP is not —
   * TCP connections are pooled and shared by proxies — so a read there with no hint is recorded as source `none`.
   */
  witnessed: boolean;
  /** A run ID from the environment at start-up, if any. */
  envRunId: string | null;
  /**
   * The client that introduced itself with `initialize`, as seen by `principal`. One connection has one client;
   * the sessionless HTTP server keeps one per principal, so one principal's `initialize` never renames another's.
   */
  clientInfo(principal: string | null): ClientInfo | undefined;
}

/** The run ID from the environment at start-up: SPECLEDGER_RUN_ID, CLAUDE_CODE_SESSION_ID, or a GitHub Actions run. */
export function runIdFromEnv(env: NodeJS.ProcessEnv): string | null {
  const declared = (name: string): string | null => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? null : checkRunId(value, `the environment (${name})`);
  };
  const fromGithub = env.GITHUB_RUN_ID?.trim()
    ? checkRunId(
        `gh-${env.GITHUB_RUN_ID.trim()}-${env.GITHUB_RUN_ATTEMPT?.trim() || '1'}`,
        'the environment (GITHUB_RUN_ID)',
      )
    : null;
  return declared('SPECLEDGER_RUN_ID') ?? declared('CLAUDE_CODE_SESSION_ID') ?? fromGithub;
}

/** The trace ID of a W3C traceparent: one trace is one run. */
function traceIdOf(traceparent: string | undefined): string | null {
  return parseTraceparent(traceparent)?.traceId ?? null;
}

const BAGGAGE_KEYS: ReadonlySet<string> = new Set(['specledger.run_id', 'run_id']);

/**
 * `specledger.run_id` or `run_id` from a W3C baggage header. Other members are not looked at, so a malformed
 * member of another system never fails a read; a run ID member that does not percent-decode is refused like any
 * unusable run ID (see checkRunId), not skipped.
 */
function runIdFromBaggage(baggage: string | undefined, from: string): string | null {
  if (!baggage) return null;
  for (const member of baggage.split(',')) {
    const pair = member.split(';')[0] as string;
    const eq = pair.indexOf('=');
    if (eq < 0 || !BAGGAGE_KEYS.has(pair.slice(0, eq).trim())) continue;
    const value = pair.slice(eq + 1).trim();
    if (value === '') continue;
    try {
      return decodeURIComponent(value);
    } catch {
      throw new SpecLedgerError(
        'INVALID_ARGUMENT',
        `the run ID from ${from} is not usable: the baggage member "${pair.slice(0, eq).trim()}" is not valid percent-encoded UTF-8; encode the run ID with encodeURIComponent, e.g. run_id=ci%2F4711`,
      );
    }
  }
  return null;
}

/**
 * Who is calling. Throws INVALID_ARGUMENT when the run ID that wins is unusable (see run-id.ts); the run is keyed
 * by the principal too (runKey), so runs, client names and provenance never cross principals.
 */
export function resolveCallContext(
  conn: ConnectionInfo,
  facts: RequestFacts,
  argRunId?: string,
): CallContext {
  const meta = facts.meta ?? EMPTY;
  const metaString = (key: string): string | undefined =>
    typeof meta[key] === 'string' ? (meta[key] as string) : undefined;
  const traceparent = metaString('traceparent') ?? facts.header('traceparent') ?? null;

  // First match wins, in DESIGN.md's order. Each source is looked at only if every earlier one is blank: this runs
  // on every read, and all sources are pure lookups, so the answer is the same as building the whole list.
  let runId: string | undefined;
  let runIdSource: RunIdSource = 'none';
  let from = 'the connection';
  const take = (id: string | null | undefined, source: RunIdSource, where: string): boolean => {
    if (typeof id !== 'string' || id.trim() === '') return false;
    runId = id;
    runIdSource = source;
    from = where;
    return true;
  };
  take(argRunId, 'argument', 'the run_id argument') ||
    take(metaString('specledger/run_id'), 'meta', '_meta["specledger/run_id"]') ||
    take(runIdFromBaggage(metaString('baggage'), '_meta.baggage'), 'baggage', '_meta.baggage') ||
    take(traceIdOf(metaString('traceparent')), 'traceparent', '_meta.traceparent') ||
    take(facts.header('x-run-id'), 'header', 'the X-Run-Id header') ||
    take(runIdFromBaggage(facts.header('baggage'), 'the baggage header'), 'baggage', 'the baggage header') ||
    take(traceIdOf(facts.header('traceparent')), 'traceparent', 'the traceparent header') ||
    take(conn.envRunId, 'env', 'the environment') ||
    take(facts.sessionId, 'session', 'the MCP session') ||
    take(conn.connectionId, conn.witnessed ? 'connection' : 'none', 'the connection');
  const principal = facts.principal;
  const client = facts.envelopeClient?.name ? facts.envelopeClient : conn.clientInfo(principal);
  return {
    runId: runKey(principal, checkRunId(runId as string, from)),
    runIdSource,
    principal,
    sessionId: facts.sessionId,
    clientName: client?.name ?? null,
    clientVersion: client?.version ?? null,
    transport: conn.transport,
    traceparent,
    requestId: facts.requestId,
  };
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});
