// OpenTelemetry: real reads through the MCP server emit one span per ledger record, parented on the request's traceparent.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import {
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import type { RecordHook } from '../../src/mcp/recorder.js';
import { createSpanHook, spanContextFromTraceparent } from '../../src/telemetry/spans.js';

/** A span as an exporter would see it. */
interface FinishedSpan {
  name: string;
  spanContext: SpanContext;
  /** The parent's span context as the tracer received it (remote parent from the traceparent). */
  parent: SpanContext | undefined;
  kind: SpanOptions['kind'];
  attributes: Attributes;
  startTime: number | undefined;
  endTime: number | undefined;
}

/**
 * An in-memory tracer implementing @opentelemetry/api's Tracer. The SDK's InMemorySpanExporter
 * cannot be installed next to @opentelemetry/api 1.10 (every @opentelemetry/sdk-trace-base release
 * declares a peer range below 1.10), and the hook only touches the API surface, so recording what
 * reaches that surface checks exactly what an SDK would be handed.
 */
function createRecordingTracer(): { tracer: Tracer; finished: FinishedSpan[] } {
  const finished: FinishedSpan[] = [];
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');
  const tracer: Tracer = {
    startSpan(name: string, options: SpanOptions = {}, ctx?: Context): Span {
      const parent = ctx ? trace.getSpanContext(ctx) : undefined;
      const spanContext: SpanContext = {
        traceId: parent?.traceId ?? hex(16),
        spanId: hex(8),
        traceFlags: parent?.traceFlags ?? TraceFlags.SAMPLED,
      };
      const record: FinishedSpan = {
        name,
        spanContext,
        parent,
        kind: options.kind,
        attributes: { ...options.attributes },
        startTime: typeof options.startTime === 'number' ? options.startTime : undefined,
        endTime: undefined,
      };
      const span: Span = {
        spanContext: () => spanContext,
        setAttribute(key, value) {
          record.attributes[key] = value;
          return span;
        },
        setAttributes(attributes) {
          Object.assign(record.attributes, attributes);
          return span;
        },
        addEvent: () => span,
        addLink: () => span,
        addLinks: () => span,
        setStatus: () => span,
        updateName(newName) {
          record.name = newName;
          return span;
        },
        end(endTime) {
          record.endTime = typeof endTime === 'number' ? endTime : Date.now();
          finished.push(record);
        },
        isRecording: () => true,
        recordException: () => {},
      };
      return span;
    },
    startActiveSpan(): never {
      throw new Error('the span hook is expected to use startSpan with an explicit parent context');
    },
  };
  return { tracer, finished };
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;

interface Harness {
  app: App;
  client: Client;
  close(): Promise<void>;
}

async function start(onRecorded: RecordHook): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'specledger-telemetry-'));
  const app = await createApp({
    specs: 'specs-example',
    ledger: join(dir, 'ledger.db'),
    transport: 'memory',
    env: {}, // a CI run ID in this process's environment must not decide the run ID
    onRecorded,
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await app.createServer(app.surface({ witnessed: true })).server.connect(serverTransport);
  const client = new Client({ name: 'telemetry-tests', version: '0.0.1' });
  await client.connect(clientTransport);
  return {
    app,
    client,
    async close() {
      await client.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('span hook', () => {
  let finished: FinishedSpan[];
  let harness: Harness;

  beforeEach(async () => {
    const recording = createRecordingTracer();
    finished = recording.finished;
    harness = await start(createSpanHook(recording.tracer));
  });
  afterEach(async () => {
    await harness.close();
  });

  it('emits one span per clause read, parented on the traceparent from _meta, with MCP and SpecLedger attributes', async () => {
    const result = (await harness.client.callTool({
      name: 'get_clause',
      arguments: { ref: 'auth#AUTH-1' },
      _meta: { traceparent: TRACEPARENT },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    const served = result.structuredContent as { digest: string; id: string; spec: string };

    const [record, ...others] = await harness.app.ledger.reads({});
    expect(others).toEqual([]);
    expect(finished).toHaveLength(1);
    const [span] = finished;
    expect(span?.name).toBe('specledger.read get_clause');
    expect(span?.parent).toMatchObject({ traceId: TRACE_ID, spanId: PARENT_SPAN_ID, isRemote: true });
    expect(span?.spanContext.traceId).toBe(TRACE_ID);
    expect(span?.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get_clause',
      'jsonrpc.request.id': expect.stringMatching(/^\d+$/),
      'specledger.spec.id': 'auth',
      'specledger.clause.id': served.id,
      'specledger.clause.digest': served.digest,
      // A traceparent without an explicit run ID makes the trace the run.
      'specledger.run.id': TRACE_ID,
      'specledger.ledger.seq': record?.seq,
    });
    expect(span?.attributes).not.toHaveProperty('mcp.resource.uri');
    // The memory transport has no MCP session, so the attribute is left out rather than empty.
    expect(span?.attributes).not.toHaveProperty('mcp.session.id');
    expect(span?.startTime).toBe(Date.parse(record?.ts ?? ''));
    expect(span?.endTime).toBeGreaterThanOrEqual(span?.startTime ?? Number.POSITIVE_INFINITY);
  });

  it('emits a resources/read span carrying the resource URI and the explicit run ID', async () => {
    await harness.client.readResource({
      uri: 'spec://auth/AUTH-1',
      _meta: { traceparent: TRACEPARENT, 'specledger/run_id': 'run-telemetry' },
    });
    expect(finished).toHaveLength(1);
    const [span] = finished;
    expect(span?.name).toBe('specledger.read resources/read');
    expect(span?.parent).toMatchObject({ traceId: TRACE_ID, spanId: PARENT_SPAN_ID });
    expect(span?.attributes).toMatchObject({
      'mcp.method.name': 'resources/read',
      'mcp.resource.uri': 'spec://auth/AUTH-1',
      'specledger.spec.id': 'auth',
      'specledger.clause.id': 'AUTH-1',
      'specledger.run.id': 'run-telemetry',
    });
    expect(span?.attributes).not.toHaveProperty('gen_ai.tool.name');
  });

  it('emits one span per search hit, each with its own ledger seq, all under the same parent', async () => {
    await harness.client.callTool({
      name: 'search_specs',
      arguments: { query: 'refund' },
      _meta: { traceparent: TRACEPARENT },
    });
    const records = await harness.app.ledger.reads({});
    expect(records.length).toBeGreaterThan(1);
    expect(finished.map((s) => s.attributes['specledger.ledger.seq'])).toEqual(records.map((r) => r.seq));
    expect(finished.map((s) => s.attributes['specledger.clause.digest'])).toEqual(
      records.map((r) => r.digest),
    );
    for (const span of finished) {
      expect(span.parent?.spanId).toBe(PARENT_SPAN_ID);
      expect(span.attributes['gen_ai.tool.name']).toBe('search_specs');
    }
  });

  it('starts a root span when the request carries no traceparent', async () => {
    await harness.client.callTool({
      name: 'get_clause',
      arguments: { ref: 'auth#AUTH-1', run_id: 'run-no-trace' },
    });
    expect(finished).toHaveLength(1);
    expect(finished[0]?.parent).toBeUndefined();
    expect(finished[0]?.attributes['specledger.run.id']).toBe('run-no-trace');
  });
});

describe('span hook failures', () => {
  it('never fails a read when the tracer throws', async () => {
    const broken: Tracer = {
      startSpan: () => {
        throw new Error('exporter exploded');
      },
      startActiveSpan: () => {
        throw new Error('exporter exploded');
      },
    };
    const harness = await start(createSpanHook(broken));
    try {
      const result = (await harness.client.callTool({
        name: 'get_clause',
        arguments: { ref: 'auth#AUTH-1' },
        _meta: { traceparent: TRACEPARENT },
      })) as CallToolResult;
      expect(result.isError).toBeFalsy();
      expect(await harness.app.ledger.reads({})).toHaveLength(1);
    } finally {
      await harness.close();
    }
  });

  it('is a silent no-op with the global API when no SDK is registered', async () => {
    const harness = await start(createSpanHook());
    try {
      const result = (await harness.client.callTool({
        name: 'get_clause',
        arguments: { ref: 'auth#AUTH-1' },
      })) as CallToolResult;
      expect(result.isError).toBeFalsy();
    } finally {
      await harness.close();
    }
  });
});

describe('spanContextFromTraceparent', () => {
  it('reads a W3C traceparent as a sampled remote parent', () => {
    expect(spanContextFromTraceparent(TRACEPARENT)).toEqual({
      traceId: TRACE_ID,
      spanId: PARENT_SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(spanContextFromTraceparent(`00-${TRACE_ID}-${PARENT_SPAN_ID}-00`)?.traceFlags).toBe(
      TraceFlags.NONE,
    );
  });

  it('ignores what W3C says to ignore', () => {
    for (const bad of [
      null,
      '',
      'not-a-traceparent',
      `00-${'0'.repeat(32)}-${PARENT_SPAN_ID}-01`, // all-zero trace ID
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`, // all-zero span ID
      `ff-${TRACE_ID}-${PARENT_SPAN_ID}-01`, // forbidden version
      `00-${TRACE_ID}-${PARENT_SPAN_ID}-01-extra`, // version 00 has four fields
    ]) {
      expect(spanContextFromTraceparent(bad), String(bad)).toBeNull();
    }
    expect(spanContextFromTraceparent(`01-${TRACE_ID}-${PARENT_SPAN_ID}-01-future`)?.traceId).toBe(TRACE_ID);
  });
});
