// Runs a reading tool: resolves who is calling, pins one snapshot, records the reads, then returns the result.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Snapshot } from '../corpus/snapshot.js';
import { type CallContext, type ConnectionInfo, type Extra, resolveCallContext } from './context.js';
import type { SpecServerDeps } from './deps.js';
import { toToolError } from './errors.js';
import type { ServedRead } from './recorder.js';

export interface ToolOutput {
  structured: Record<string, unknown>;
  text: string;
  reads: readonly ServedRead[];
}

export type ToolBody = (snapshot: Snapshot, ctx: CallContext) => ToolOutput | Promise<ToolOutput>;

export async function runReadingTool(
  deps: SpecServerDeps,
  connection: ConnectionInfo,
  tool: string,
  args: { run_id?: string } & Record<string, unknown>,
  extra: Extra,
  body: ToolBody,
): Promise<CallToolResult> {
  try {
    const ctx = resolveCallContext(connection, extra, args.run_id);
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
