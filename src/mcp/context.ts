// Who is calling: run identity (first match wins, per DESIGN.md), client, principal and transport of one request.
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RunIdSource } from '../ledger/types.js';

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

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

export interface ConnectionInfo {
  transport: CallContext['transport'];
  /** Generated once per connection: the run ID of last resort. */
  connectionId: string;
  /** A run ID from the environment at start-up, if any. */
  envRunId: string | null;
  clientInfo(): { name: string; version: string } | undefined;
}

/** The run ID from the environment at start-up: SPECLEDGER_RUN_ID, CLAUDE_CODE_SESSION_ID, or a GitHub Actions run. */
export function runIdFromEnv(env: NodeJS.ProcessEnv): string | null {
  if (env.SPECLEDGER_RUN_ID) return env.SPECLEDGER_RUN_ID;
  if (env.CLAUDE_CODE_SESSION_ID) return env.CLAUDE_CODE_SESSION_ID;
  if (env.GITHUB_RUN_ID) return `gh-${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  return null;
}

const TRACEPARENT_RE = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The trace ID of a W3C traceparent: one trace is one run. */
export function traceIdOf(traceparent: string | undefined): string | null {
  const m = traceparent ? TRACEPARENT_RE.exec(traceparent.trim().toLowerCase()) : null;
  return m && !/^0+$/.test(m[1]!) ? m[1]! : null;
}

/** `specledger.run_id` or `run_id` from a W3C baggage header. */
export function runIdFromBaggage(baggage: string | undefined): string | null {
  if (!baggage) return null;
  for (const member of baggage.split(',')) {
    const [key, value] = member
      .split(';')[0]!
      .split('=')
      .map((s) => s.trim());
    if ((key === 'specledger.run_id' || key === 'run_id') && value) return decodeURIComponent(value);
  }
  return null;
}

export function resolveCallContext(conn: ConnectionInfo, extra: Extra, argRunId?: string): CallContext {
  const meta = (extra._meta ?? EMPTY) as Record<string, unknown>;
  const headers = extra.requestInfo?.headers ?? EMPTY;
  const header = (name: string): string | undefined => {
    const v = headers[name] as string | string[] | undefined;
    return Array.isArray(v) ? v[0] : v;
  };
  const metaString = (key: string): string | undefined =>
    typeof meta[key] === 'string' ? (meta[key] as string) : undefined;
  const traceparent = metaString('traceparent') ?? header('traceparent') ?? null;

  // First match wins, in DESIGN.md's order. Each source is looked at only if every earlier one is blank: this runs
  // on every read, and all sources are pure lookups, so the answer is the same as building the whole list.
  let runId: string | undefined;
  let runIdSource: RunIdSource = 'connection';
  const take = (id: string | null | undefined, source: RunIdSource): boolean => {
    if (typeof id !== 'string' || id.trim() === '') return false;
    runId = id;
    runIdSource = source;
    return true;
  };
  take(argRunId, 'argument') ||
    take(metaString('specledger/run_id'), 'meta') ||
    take(runIdFromBaggage(metaString('baggage')), 'baggage') ||
    take(traceIdOf(metaString('traceparent')), 'traceparent') ||
    take(header('x-run-id'), 'header') ||
    take(runIdFromBaggage(header('baggage')), 'baggage') ||
    take(traceIdOf(header('traceparent')), 'traceparent') ||
    take(conn.envRunId, 'env') ||
    take(extra.sessionId, 'session') ||
    take(conn.connectionId, 'connection');
  const perRequestClient = meta['io.modelcontextprotocol/clientInfo'] as
    | { name?: string; version?: string }
    | undefined;
  const client = perRequestClient?.name ? perRequestClient : conn.clientInfo();
  return {
    runId: (runId as string).trim().slice(0, 200),
    runIdSource,
    principal: extra.authInfo?.clientId ?? null,
    sessionId: extra.sessionId ?? null,
    clientName: client?.name ?? null,
    clientVersion: client?.version ?? null,
    transport: conn.transport,
    traceparent,
    requestId: extra.requestId,
  };
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});
