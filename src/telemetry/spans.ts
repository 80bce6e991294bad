// One OpenTelemetry span per ledger read, parented on the request's W3C traceparent; a no-op until the host registers an SDK.
import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  ProxyTracerProvider,
  type SpanContext,
  SpanKind,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { ReadRecord } from '../ledger/types.js';
import type { CallContext } from '../mcp/context.js';
import type { RecordHook } from '../mcp/recorder.js';
import { parseTraceparent } from '../mcp/traceparent.js';
import { ROOT_URI, specUri } from '../mcp/uri.js';

/** The instrumentation scope the spans are reported under. */
const TRACER_NAME = 'specledger';

/** The tool name the recorder uses for `resources/read`, which is an MCP method rather than a tool. */
const RESOURCE_READ = 'resources/read';

/**
 * The remote parent named by a W3C traceparent, or null when it is absent or malformed (parsed by the same rules
 * that name the run, mcp/traceparent.ts). Not through `propagation.extract`, because the global propagator is
 * whatever the host registered (possibly none, possibly B3), while MCP's `_meta.traceparent` is always W3C.
 */
export function spanContextFromTraceparent(traceparent: string | null | undefined): SpanContext | null {
  const parsed = parseTraceparent(traceparent);
  if (parsed === null) return null;
  const parent: SpanContext = {
    traceId: parsed.traceId,
    spanId: parsed.parentId,
    traceFlags: parsed.flags & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(parent) ? parent : null;
}

/** The context a read's span starts in: the request's traceparent if it has one, else whatever is active. */
function parentContextFor(ctx: CallContext): Context {
  const active = context.active();
  const remote = spanContextFromTraceparent(ctx.traceparent);
  return remote ? trace.setSpanContext(active, remote) : active;
}

/** MCP semantic-convention attributes plus SpecLedger's own, leaving out what the read does not have. */
function readSpanAttributes(record: ReadRecord, ctx: CallContext, tool: string): Attributes {
  const isResource = tool === RESOURCE_READ;
  const attributes: Attributes = {
    'mcp.method.name': isResource ? RESOURCE_READ : 'tools/call',
    'jsonrpc.request.id': String(ctx.requestId),
    'specledger.run.id': ctx.runId,
    'specledger.run.id_source': ctx.runIdSource,
    'specledger.read.kind': record.kind,
  };
  if (isResource) {
    attributes['mcp.resource.uri'] =
      record.spec_id === null ? ROOT_URI : specUri(record.spec_id, record.clause_id);
  } else {
    attributes['gen_ai.tool.name'] = tool;
  }
  if (ctx.sessionId !== null) attributes['mcp.session.id'] = ctx.sessionId;
  if (record.spec_id !== null) attributes['specledger.spec.id'] = record.spec_id;
  if (record.spec_version !== null) attributes['specledger.spec.version'] = record.spec_version;
  if (record.clause_id !== null) attributes['specledger.clause.id'] = record.clause_id;
  if (record.digest !== null) attributes['specledger.clause.digest'] = record.digest;
  // `--ledger off` hands back seq 0: there is no ledger position to point at.
  if (record.seq > 0) attributes['specledger.ledger.seq'] = record.seq;
  return attributes;
}

/**
 * A RecordHook (the app's `onRecorded`) that emits one span per committed read, named
 * `specledger.read <tool>`. With no tracer given it uses the global API's, which stays a no-op
 * until the host registers an SDK and then delegates to it, even if that happens after start-up.
 */
export function createSpanHook(tracer?: Tracer): RecordHook {
  const used = tracer ?? trace.getTracer(TRACER_NAME);
  return (records, ctx, tool) => {
    // With the global API and no SDK registered every span is a no-op: skip building attributes and
    // parsing timestamps. Checked per call, so an SDK registered later still gets its spans.
    if (tracer === undefined && noSdkRegistered()) return;
    // The read is already committed and its answer about to leave: tracing must never fail it.
    try {
      const parent = parentContextFor(ctx);
      const end = Date.now();
      for (const record of records) {
        // Starts when the recorder stamped the read and ends now, so the span's length is the time
        // the read waited for its ledger commit, the cost the ledger adds to every answer.
        const stamped = Date.parse(record.ts);
        const span = used.startSpan(
          `specledger.read ${tool}`,
          {
            kind: SpanKind.INTERNAL,
            attributes: readSpanAttributes(record, ctx, tool),
            ...(Number.isFinite(stamped) && stamped <= end ? { startTime: stamped } : {}),
          },
          parent,
        );
        span.end(end);
      }
    } catch {
      // Deliberately dropped: a broken exporter or SDK is the host's to notice, not the agent's.
    }
  };
}

/**
 * True while the global tracer provider is the API's proxy without a delegate, i.e. no SDK has been
 * registered: its tracers hand out non-recording spans whatever they are given.
 */
function noSdkRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegateTracer(TRACER_NAME) === undefined;
}
