#!/usr/bin/env node
// The HTTP ceiling: a bare node:http handler that reads the POST body and answers a fixed JSON-RPC response
// (the bytes of a real get_clause answer), doing no MCP work at all. Prints "listening PORT" on stdout.
// Usage: node bench/http-bare-server.mjs RESPONSE_FILE
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const response = readFileSync(process.argv[2]);
const headers = { 'content-type': 'application/json', 'content-length': response.length };
const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, headers);
    res.end(response);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
