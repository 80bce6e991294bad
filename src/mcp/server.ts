// createSpecServer: one MCP server with SpecLedger's tools, resources and prompts over shared dependencies.

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { jsonSchemaValidator as JsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { Snapshot } from '../corpus/snapshot.js';
import type { ConnectionInfo } from './context.js';
import type { SpecServerDeps } from './deps.js';
import { type DirectToolCall, installFastDispatch } from './fast-dispatch.js';
import { registerPrompts } from './prompts/prompts.js';
import { registerSpecResources } from './resources/spec-resources.js';
import { registerGetClauseTool } from './tools/get-clause.js';
import { registerGetOutlineTool } from './tools/get-outline.js';
import { registerGetProvenanceTool } from './tools/get-provenance.js';
import { registerReadRootTool } from './tools/read-root.js';
import { registerSearchSpecsTool } from './tools/search-specs.js';
import { registerSpecStatusTool } from './tools/spec-status.js';
import { registerSpecsForPathTool } from './tools/specs-for-path.js';

export const SERVER_NAME = 'specledger';
export const SERVER_VERSION = '0.1.0';

export interface SpecServer {
  server: McpServer;
  /** tools/call without the protocol layer's per-request machinery, for the stateless HTTP path (fast-dispatch.ts). */
  directToolCall?: DirectToolCall | undefined;
  /** Announces a reload to this server's client: list_changed, `updated` for subscribed URIs, a log line. */
  snapshotChanged(before: Snapshot, after: Snapshot, warnings: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface CreateSpecServerOptions {
  /** One validator for every server instance: building one per server costs more than the call it validates. */
  jsonSchemaValidator?: JsonSchemaValidator;
  /** Overrides the connection ID (the run ID of last resort). */
  connectionId?: string;
  /**
   * Who introduced itself, per principal, for a server many clients share (sessionless HTTP). Default: the one
   * client that initialized this server's connection.
   */
  clientInfo?: ConnectionInfo['clientInfo'];
  /**
   * Routes tools/call around the SDK's repeated zod checks (src/mcp/fast-dispatch.ts); same answers, ~5× less
   * CPU per call. Default true; false keeps the stock SDK path (tests compare the two).
   */
  fastDispatch?: boolean;
}

export function createSpecServer(deps: SpecServerDeps, options: CreateSpecServerOptions = {}): SpecServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'SpecLedger' },
    {
      capabilities: {
        tools: {},
        resources: { subscribe: true, listChanged: true },
        prompts: {},
        logging: {},
      },
      instructions:
        "SpecLedger serves this project's governed specs. Call read_root first, then get_outline / specs_for_path / search_specs to find clauses and get_clause to read them by SPEC#CLAUSE. Every read is recorded with its version; cite the refs you used.",
      ...(options.jsonSchemaValidator ? { jsonSchemaValidator: options.jsonSchemaValidator } : {}),
    },
  );
  const conn: ConnectionInfo = {
    ...deps.connection,
    ...(options.connectionId ? { connectionId: options.connectionId } : {}),
    clientInfo: options.clientInfo ?? (() => server.server.getClientVersion()),
  };
  registerReadRootTool(server, deps, conn);
  registerGetOutlineTool(server, deps, conn);
  registerGetClauseTool(server, deps, conn);
  registerSearchSpecsTool(server, deps, conn);
  registerSpecsForPathTool(server, deps, conn);
  registerGetProvenanceTool(server, deps, conn);
  registerSpecStatusTool(server, deps);
  const notifier = registerSpecResources(server, deps, conn);
  registerPrompts(server);
  const directToolCall = options.fastDispatch !== false ? installFastDispatch(server) : undefined;

  return {
    server,
    directToolCall,
    async snapshotChanged(before, after, warnings) {
      if (!server.isConnected()) return;
      await notifier.snapshotChanged(before, after);
      for (const message of warnings)
        await server.sendLoggingMessage({ level: 'warning', logger: 'specledger', data: message });
    },
    close: () => server.close(),
  };
}
