#!/usr/bin/env node
// A quick look at one server under load, for working on speed between full `npm run bench` runs: SpecLedger on the
// example specs over stdio (16 in flight) or HTTP (32 connections), ledger on or off, server on core 0, load here.
// Prints calls/s and the server's CPU per call for each run; --prof DIR also writes a V8 CPU profile of the server
// (summarise it with bench/profile-summary.mjs). Run it under `taskset -c 1` to keep the load off the server's core.
// Usage: node bench/probe.mjs [--transport stdio|http] [--era legacy|modern] [--ledger on|off] [--runs N] [--seconds S] [--prof DIR]
import { parseArgs } from 'node:util';
import { log, specsExample, startHttpServer, startStdioServer, tempDir } from './lib/env.mjs';
import { httpLoad } from './lib/http-load.mjs';
import { cpuTimeMs } from './lib/proc.mjs';
import { ERAS, REF } from './suites/http.mjs';

const { values: args } = parseArgs({
  options: {
    transport: { type: 'string', default: 'stdio' },
    era: { type: 'string', default: 'legacy' },
    ledger: { type: 'string', default: 'on' },
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '3' },
    prof: { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const { body, headers } = ERAS[args.era] ?? ERAS.legacy;
const tmp = tempDir('probe');
const node = args.prof ? ['--cpu-prof', `--cpu-prof-dir=${args.prof}`] : [];
const serve = [
  ...node,
  'dist/bundle/main.js',
  'serve',
  '--specs',
  specsExample,
  '--ledger',
  args.ledger === 'off' ? 'off' : tmp.at('ledger.db'),
  '--no-watch',
];

try {
  if (args.transport === 'http') {
    const server = await startHttpServer([...serve, '--http', '--stateless', '--port', '0'], {
      stream: 'stderr',
      pattern: /over http:\/\/127\.0\.0\.1:(\d+)\/mcp/,
    });
    await httpLoad({ url: server.url, body, headers, durationSeconds: 1 });
    for (let r = 0; r < Number(args.runs); r++) {
      const cpu0 = cpuTimeMs(server.child.pid);
      const out = await httpLoad({ url: server.url, body, headers, durationSeconds: seconds });
      const cpu = cpuTimeMs(server.child.pid) - cpu0;
      log(
        `http ${args.era} ledger ${args.ledger}: ${Math.round(out.calls_per_s)} calls/s, ${((cpu * 1000) / out.requests).toFixed(1)} µs server CPU per call${out.bad_responses ? `, ${out.bad_responses} bad` : ''}`,
      );
    }
    await server.stop();
  } else {
    const server = await startStdioServer(serve, { era: args.era });
    await server.client.callTool('get_clause', { ref: REF });
    for (let r = 0; r < Number(args.runs); r++) {
      const cpu0 = cpuTimeMs(server.child.pid);
      const out = await server.client.load({
        name: 'get_clause',
        args: { ref: REF },
        inFlight: 16,
        durationMs: seconds * 1000,
        warmupMs: 500,
      });
      const cpu = cpuTimeMs(server.child.pid) - cpu0;
      // CPU is read around the warm-up too, as in suites/stdio.mjs.
      const perCall = (cpu * 1000) / (out.calls * (1 + 0.5 / seconds));
      log(
        `stdio ${args.era} ledger ${args.ledger}: ${Math.round(out.calls / out.seconds)} calls/s, ${perCall.toFixed(1)} µs server CPU per call`,
      );
    }
    await server.stop();
  }
} finally {
  tmp.remove();
}
