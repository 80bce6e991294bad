#!/usr/bin/env node
// The SDK's stock way to serve stateless Streamable HTTP: for every request a new McpServer holding just the
// get_clause tool (SpecLedger's own implementation, on the SDK's stock dispatch) and a new
// StreamableHTTPServerTransport, as in the SDK's stateless example, JSON responses on. Same corpus, same render
// cache and a SQLite ledger, as the real server has.
// Prints "listening PORT" on stdout. Usage: node bench/http-sdk-stateless-server.mjs SPECS LEDGER
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { createApp } from '../dist/app.js';
import { registerGetClauseTool } from '../dist/mcp/tools/get-clause.js';

const [specs, ledger] = process.argv.slice(2);
const app = await createApp({ specs, ledger, transport: 'http', env: {} });
// Shared, as the SDK's docs advise and SpecLedger does: building an Ajv instance per request would dominate.
const jsonSchemaValidator = new AjvJsonSchemaValidator();

const http = createServer({ keepAliveTimeout: 65_000 }, async (req, res) => {
  const mcp = new McpServer(
    { name: 'sdk-stock', version: '1.0.0' },
    { capabilities: { tools: {} }, jsonSchemaValidator },
  );
  registerGetClauseTool(mcp, app.deps, {
    ...app.deps.connection,
    clientInfo: () => mcp.server.getClientVersion(),
  });
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on('close', () => {
    void transport.close();
    void mcp.close();
  });
  try {
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  } catch (error) {
    if (!res.headersSent) res.writeHead(500).end(String(error));
  }
});
http.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${http.address().port}\n`));
process.on('SIGTERM', () => http.close(() => app.close().then(() => process.exit(0))));
