#!/usr/bin/env node
// SpecLedger over stdio with the SDK's stock tools/call dispatch (fast dispatch off): the "before" of
// src/mcp/fast-dispatch.ts, measured in the same run as the real server. Usage: node bench/stdio-stock-dispatch-server.mjs SPECS LEDGER
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { createApp } from '../dist/app.js';
import { createSpecServer } from '../dist/mcp/server.js';

const [specs, ledger] = process.argv.slice(2);
const app = await createApp({ specs, ledger, transport: 'stdio', env: {} });
const spec = createSpecServer(app.deps, {
  jsonSchemaValidator: new AjvJsonSchemaValidator(),
  fastDispatch: false,
});
await spec.server.connect(new StdioServerTransport());
process.stdin.on('end', () => app.close().then(() => process.exit(0)));
