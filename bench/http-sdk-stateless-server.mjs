#!/usr/bin/env node
// The SDK's stock way to serve stateless Streamable HTTP: for every request a new McpServer (SpecLedger's own
// tools, resources and prompts, on the SDK's stock dispatch) and a new StreamableHTTPServerTransport, as in the
// SDK's stateless example, JSON responses on. Same corpus and a SQLite ledger, as the real server has.
// Prints "listening PORT" on stdout. Usage: node bench/http-sdk-stateless-server.mjs SPECS LEDGER
import { createServer } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { createApp } from '../dist/app.js';
import { createSpecServer } from '../dist/mcp/server.js';

const [specs, ledger] = process.argv.slice(2);
const app = await createApp({ specs, ledger, transport: 'http', env: {} });
// Shared, as the SDK's docs advise and SpecLedger does: building an Ajv instance per request would dominate.
const jsonSchemaValidator = new AjvJsonSchemaValidator();

const server = createServer({ keepAliveTimeout: 65_000 }, async (req, res) => {
  const spec = createSpecServer(app.deps, { jsonSchemaValidator, fastDispatch: false });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void spec.close();
  });
  try {
    await spec.server.connect(transport);
    await transport.handleRequest(req, res);
  } catch (error) {
    if (!res.headersSent) res.writeHead(500).end(String(error));
  }
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => app.close().then(() => process.exit(0))));
