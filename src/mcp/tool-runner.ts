// The tool contract every SpecLedger tool is written against, and the runner of the reading tools: resolves who is
// calling, pins one snapshot, records the reads, then returns the result. No SDK type appears here: the MCP server
// (server.ts) registers these definitions with the SDK, and the HTTP fast lane calls the same handlers directly.
import { z } from 'zod';
import type { Snapshot } from '../corpus/snapshot.js';
import { type CallContext, type ConnectionInfo, type RequestFacts, resolveCallContext } from './context.js';
import type { SpecServerDeps } from './deps.js';
import { toToolError } from './errors.js';
import type { ServedRead } from './recorder.js';

/** A tools/call result as SpecLedger builds it: text content, structured content, or a tool error. */
export interface ToolResult {
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

export interface ToolConfig<Shape extends z.ZodRawShape> {
  title: string;
  description: string;
  inputSchema: Shape;
  outputSchema?: z.ZodRawShape;
  annotations: Record<string, boolean>;
}

export type ToolHandler<Shape extends z.ZodRawShape> = (
  args: z.infer<z.ZodObject<Shape>>,
  facts: RequestFacts,
) => ToolResult | Promise<ToolResult>;

export type OutputSchema = Pick<z.ZodObject<z.ZodRawShape>, '~standard'>;

/**
 * The output schema as a Standard Schema, zod's own (JSON Schema and all), except that a frozen result that passed
 * once is not checked again: the render cache hands the same frozen object back for an unchanged clause (see
 * deepFreeze), and checking a clause's structured content was ~20–35 µs of every call. Consumers only ask whether
 * the output is valid; the value they send is the handler's own object either way.
 */
function checkedOnce(schema: z.ZodObject<z.ZodRawShape>): OutputSchema {
  const standard = schema['~standard'];
  const passed = new WeakSet<object>();
  const frozen = (value: unknown): value is object =>
    typeof value === 'object' && value !== null && Object.isFrozen(value);
  return {
    '~standard': {
      ...standard,
      validate(value: unknown) {
        if (frozen(value) && passed.has(value)) return { value: value as Record<string, unknown> };
        const result = standard.validate(value);
        if (!(result instanceof Promise) && result.issues === undefined && frozen(value)) passed.add(value);
        return result;
      },
    },
  };
}

/** One tool, ready for any consumer: its schemas compiled once, its handler free of protocol objects. */
export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject<z.ZodRawShape>;
  /** A Standard Schema (zod's, its JSON Schema included) that checks a frozen result once: see checkedOnce. */
  output: OutputSchema | undefined;
  annotations: Record<string, boolean>;
  handler: (args: Record<string, unknown>, facts: RequestFacts) => ToolResult | Promise<ToolResult>;
}

/** Where a tool module declares its tool. */
export interface ToolRegistry {
  registerTool<Shape extends z.ZodRawShape>(
    name: string,
    config: ToolConfig<Shape>,
    handler: ToolHandler<Shape>,
  ): void;
}

/** A registry that keeps the definitions in registration order: the order tools/list answers in, on every era. */
export function createToolTable(): ToolRegistry & { readonly tools: readonly ToolDefinition[] } {
  const tools: ToolDefinition[] = [];
  return {
    tools,
    registerTool(name, config, handler) {
      tools.push({
        name,
        title: config.title,
        description: config.description,
        input: z.object(config.inputSchema),
        output: config.outputSchema ? checkedOnce(z.object(config.outputSchema)) : undefined,
        annotations: config.annotations,
        handler: handler as ToolDefinition['handler'],
      });
    },
  };
}

/**
 * Freezes a rendered structured result and everything in it: for results a cache hands back to every later call.
 * Encoders may then keep the JSON they made of it (the HTTP fast lane does), since it can never change.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}

interface ToolOutput {
  structured: Record<string, unknown>;
  text: string;
  reads: readonly ServedRead[];
}

type ToolBody = (snapshot: Snapshot, ctx: CallContext) => ToolOutput | Promise<ToolOutput>;

export async function runReadingTool(
  deps: SpecServerDeps,
  connection: ConnectionInfo,
  tool: string,
  args: { run_id?: string | undefined } & Record<string, unknown>,
  facts: RequestFacts,
  body: ToolBody,
): Promise<ToolResult> {
  try {
    const ctx = resolveCallContext(connection, facts, args.run_id);
    // One snapshot per request: a reload mid-request never mixes two versions in one answer.
    const out = await body(deps.corpus.current(), ctx);
    await deps.recorder.record(ctx, tool, out.reads);
    return { content: [{ type: 'text', text: out.text }], structuredContent: out.structured };
  } catch (error) {
    return toToolError(tool, withoutRunId(args), error);
  }
}

function withoutRunId(args: Record<string, unknown>): Record<string, unknown> {
  const { run_id: _ignored, ...rest } = args;
  return rest;
}
