// createSpecServer: one MCP server (SDK v2) with SpecLedger's tools, resources, prompts and skills over shared state.
import {
  CLIENT_INFO_META_KEY,
  McpServer,
  type ServerContext,
  type StandardSchemaWithJSON,
} from '@modelcontextprotocol/server';
import type { Snapshot } from '../corpus/snapshot.js';
import { VERSION } from '../version.js';
import type { ConnectionInfo, RequestFacts } from './context.js';
import type { SpecServerDeps } from './deps.js';
import { registerPrompts } from './prompts/prompts.js';
import { createSkills, type SpecSkills } from './resources/skills.js';
import { registerSpecResources } from './resources/spec-resources.js';
import { MODERN_REVISION } from './revisions.js';
import { createToolTable, type ToolDefinition, type ToolResult } from './tool-runner.js';
import { registerGetClauseTool } from './tools/get-clause.js';
import { registerGetOutlineTool } from './tools/get-outline.js';
import { registerGetProvenanceTool } from './tools/get-provenance.js';
import { registerReadRootTool } from './tools/read-root.js';
import { registerSearchSpecsTool } from './tools/search-specs.js';
import { registerSpecStatusTool } from './tools/spec-status.js';
import { registerSpecsForPathTool } from './tools/specs-for-path.js';

export const SERVER_NAME = 'specledger';
export const SERVER_VERSION = VERSION;

const SERVER_INSTRUCTIONS =
  "SpecLedger serves this project's governed specs. Call read_root first, then get_outline / specs_for_path / search_specs to find clauses and get_clause to read them by SPEC#CLAUSE. Every read is recorded with its version; cite the refs you used.";

/**
 * Everything a server instance is built from, built once per connection (per process for sessionless HTTP, where
 * the SDK builds one instance per request): the tool table with its compiled schemas, and the skills catalog.
 */
export interface SpecSurface {
  deps: SpecServerDeps;
  conn: ConnectionInfo;
  /** In tools/list order. */
  tools: readonly ToolDefinition[];
  skills: SpecSkills;
}

export function createSpecSurface(deps: SpecServerDeps, conn: ConnectionInfo): SpecSurface {
  const table = createToolTable();
  registerReadRootTool(table, deps, conn);
  registerGetOutlineTool(table, deps, conn);
  registerGetClauseTool(table, deps, conn);
  registerSearchSpecsTool(table, deps, conn);
  registerSpecsForPathTool(table, deps, conn);
  registerGetProvenanceTool(table, deps, conn);
  registerSpecStatusTool(table, deps);
  return { deps, conn, tools: table.tools, skills: createSkills(deps, conn) };
}

export interface SpecServer {
  server: McpServer;
  /** Announces a reload to this instance's client: list_changed, `updated` for changed URIs, a log line. */
  snapshotChanged(before: Snapshot, after: Snapshot, warnings: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The SDK's handler context, as SpecLedger's tools see it (context.ts). The client is the one the request's
 * 2026-07-28 envelope names, else the one that introduced itself with this instance's 2025-era `initialize`.
 */
export function factsOf(ctx: ServerContext, server?: McpServer): RequestFacts {
  const req = ctx.http?.req;
  // The envelope's keys are the wire's (`io.modelcontextprotocol/clientInfo`); the SDK has validated the shape.
  const client = (
    ctx.mcpReq.envelope as Record<string, { name: string; version: string } | undefined> | undefined
  )?.[CLIENT_INFO_META_KEY];
  return {
    requestId: ctx.mcpReq.id,
    meta: ctx.mcpReq._meta as Readonly<Record<string, unknown>> | undefined,
    envelopeClient: client
      ? { name: client.name, version: client.version }
      : initialized(server?.server.getClientVersion()),
    header: (name) => req?.headers.get(name) ?? undefined,
    principal: ctx.http?.authInfo?.clientId ?? null,
    sessionId: ctx.sessionId ?? null,
  };
}

const initialized = (client: { name: string; version: string } | undefined) =>
  client ? { name: client.name, version: client.version } : undefined;

export function createSpecServer(surface: SpecSurface): SpecServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'SpecLedger' },
    {
      capabilities: {
        tools: {},
        resources: { subscribe: true, listChanged: true },
        prompts: {},
        logging: {},
      },
      instructions: SERVER_INSTRUCTIONS,
      cacheHints: CACHE_HINTS,
    },
  );
  for (const tool of surface.tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        ...(tool.output ? { outputSchema: tool.output as StandardSchemaWithJSON } : {}),
        annotations: tool.annotations,
      },
      // The SDK's CallToolResult admits every content type; SpecLedger's results are a subset of it.
      async (args: Record<string, unknown>, ctx: ServerContext) =>
        (await tool.handler(args, factsOf(ctx, server))) as ToolResult & Record<string, unknown>,
    );
  }
  const resources = registerSpecResources(server, surface.deps, surface.conn);
  registerPrompts(server);
  surface.skills.attach(server);

  return {
    server,
    async snapshotChanged(before, after, warnings) {
      if (!server.isConnected()) return;
      const modern = isModern(server);
      await resources.snapshotChanged(before, after, modern);
      // 2026-07-28 has no channel for a message outside a request (and deprecates logging); stderr has them.
      if (modern) return;
      for (const message of warnings)
        await server.sendLoggingMessage({ level: 'warning', logger: 'specledger', data: message });
    },
    close: () => server.close(),
  };
}

function isModern(server: McpServer): boolean {
  const version = server.server.getNegotiatedProtocolVersion();
  return version !== undefined && version >= MODERN_REVISION;
}

/**
 * 2026-07-28 cache hints for the results the SDK builds. Each is true under live reload: the tool and prompt lists
 * are fixed for the life of the process (a restart is a new connection), while resources/list and current text
 * change with any edit, so they are never cached (ttl 0). Pinned `@sha256:` reads carry their own, longer hint
 * (spec-resources.ts).
 */
const CACHE_HINTS = {
  'tools/list': { ttlMs: 3_600_000, cacheScope: 'private' },
  'prompts/list': { ttlMs: 3_600_000, cacheScope: 'private' },
  'resources/templates/list': { ttlMs: 3_600_000, cacheScope: 'private' },
  'resources/list': { ttlMs: 0, cacheScope: 'private' },
  'resources/read': { ttlMs: 0, cacheScope: 'private' },
  'server/discover': { ttlMs: 3_600_000, cacheScope: 'private' },
} as const;
