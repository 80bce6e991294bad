// Suites 2 and 5: get_clause calls/s over stdio, sequential and 16 in flight, ledger on and off, against
// @modelcontextprotocol/server-filesystem read_text_file on the file that holds the clause. Raw NDJSON driver.
import path from 'node:path';
import { filesystemServer, log, specsExample, startStdioServer, tempDir } from '../lib/env.mjs';
import { cpuTimeMs } from '../lib/proc.mjs';
import { median, percentile, ratio, round } from '../lib/stats.mjs';

const REF = 'auth#key-storage';
const FILE = path.join(specsExample, 'specs/auth.md');
const MODES = [
  { name: 'sequential', inFlight: 1 },
  { name: 'in_flight_16', inFlight: 16 },
];

export async function runStdio({ runs, seconds }) {
  const tmp = tempDir('stdio');
  const servers = [];
  try {
    const start = async (name, argv, tool, args, era = 'legacy') => {
      const server = await startStdioServer(argv, { era });
      servers.push({ name, tool, args, ...server });
      await server.client.callTool(tool, args); // answers correctly before it is timed
    };
    await start(
      'specledger',
      ['dist/bundle/main.js', 'serve', '--specs', specsExample, '--ledger', tmp.at('ledger.db')],
      'get_clause',
      { ref: REF },
    );
    await start(
      'specledger_ledger_off',
      ['dist/bundle/main.js', 'serve', '--specs', specsExample, '--ledger', 'off'],
      'get_clause',
      { ref: REF },
    );
    // The same server in the 2026-07-28 era: server/discover, then the per-request envelope on every call.
    await start(
      'specledger_modern',
      ['dist/bundle/main.js', 'serve', '--specs', specsExample, '--ledger', tmp.at('modern-ledger.db')],
      'get_clause',
      { ref: REF },
      'modern',
    );
    await start(
      'specledger_modern_ledger_off',
      ['dist/bundle/main.js', 'serve', '--specs', specsExample, '--ledger', 'off'],
      'get_clause',
      { ref: REF },
      'modern',
    );
    // The same server with every request through the SDK (no fast lane): what the public path costs.
    await start(
      'specledger_sdk_only',
      [
        'dist/bundle/main.js',
        'serve',
        '--specs',
        specsExample,
        '--ledger',
        tmp.at('sdk-ledger.db'),
        '--no-fast-lane',
      ],
      'get_clause',
      { ref: REF },
    );
    await start(
      'specledger_modern_sdk_only',
      [
        'dist/bundle/main.js',
        'serve',
        '--specs',
        specsExample,
        '--ledger',
        tmp.at('sdk-modern.db'),
        '--no-fast-lane',
      ],
      'get_clause',
      { ref: REF },
      'modern',
    );
    await start('server_filesystem', [filesystemServer, specsExample], 'read_text_file', { path: FILE });

    const samples = {};
    for (let r = 0; r < runs; r++) {
      for (const s of servers) {
        for (const mode of MODES) {
          const cpu0 = cpuTimeMs(s.child.pid);
          const out = await s.client.load({
            name: s.tool,
            args: s.args,
            inFlight: mode.inFlight,
            durationMs: seconds * 1000,
            warmupMs: 500,
          });
          const cpu = cpuTimeMs(s.child.pid) - cpu0;
          const sample = {
            calls_per_s: round(out.calls / out.seconds),
            p50_ms: round(percentile(out.latencies, 50), 3),
            p99_ms: round(percentile(out.latencies, 99), 3),
            errors: out.errors,
            // Includes the half-second warm-up: CPU is read around the whole call to load().
            server_cpu_us_per_call: round((cpu * 1000) / (out.calls * (1 + 0.5 / seconds)), 1),
          };
          const key = `${s.name}/${mode.name}`;
          samples[key] = [...(samples[key] ?? []), sample];
          log(
            `stdio ${s.name} ${mode.name} run ${r + 1}/${runs}: ${sample.calls_per_s} calls/s, p50 ${sample.p50_ms} ms, p99 ${sample.p99_ms} ms${sample.errors ? `, ${sample.errors} errors` : ''}`,
          );
        }
      }
    }
    const servers_ = {};
    for (const s of servers) {
      servers_[s.name] = { tool: `${s.tool} ${JSON.stringify(s.args)}` };
      for (const mode of MODES) {
        const list = samples[`${s.name}/${mode.name}`];
        servers_[s.name][mode.name] = {
          calls_per_s: round(median(list.map((x) => x.calls_per_s))),
          p50_ms: round(median(list.map((x) => x.p50_ms)), 3),
          p99_ms: round(median(list.map((x) => x.p99_ms)), 3),
          server_cpu_us_per_call: round(median(list.map((x) => x.server_cpu_us_per_call)), 1),
          errors: list.reduce((n, x) => n + x.errors, 0),
          runs: list,
        };
      }
    }
    const on = servers_.specledger;
    const off = servers_.specledger_ledger_off;
    const fs = servers_.server_filesystem;
    const modern = servers_.specledger_modern;
    return {
      modern: {
        calls_per_s: modern.in_flight_16.calls_per_s,
        ratio_to_filesystem: {
          sequential: ratio(modern.sequential.calls_per_s, fs.sequential.calls_per_s),
          in_flight_16: ratio(modern.in_flight_16.calls_per_s, fs.in_flight_16.calls_per_s),
        },
        ledger_on_vs_off: ratio(
          modern.in_flight_16.calls_per_s,
          servers_.specledger_modern_ledger_off.in_flight_16.calls_per_s,
        ),
      },
      what: `get_clause ${REF} over stdio (raw NDJSON JSON-RPC), ${seconds} s per run after 0.5 s warm-up, median of ${runs}; baseline read_text_file ${path.relative(specsExample, FILE)}`,
      servers: servers_,
      ratio_to_filesystem: {
        sequential: ratio(on.sequential.calls_per_s, fs.sequential.calls_per_s),
        in_flight_16: ratio(on.in_flight_16.calls_per_s, fs.in_flight_16.calls_per_s),
      },
      ledger_on_vs_off: {
        sequential: ratio(on.sequential.calls_per_s, off.sequential.calls_per_s),
        in_flight_16: ratio(on.in_flight_16.calls_per_s, off.in_flight_16.calls_per_s),
        // Per interleaved pair, so a noisy stretch of the machine hits both sides of a ratio alike.
        in_flight_16_pairs: samples['specledger/in_flight_16'].map((x, i) =>
          ratio(x.calls_per_s, samples['specledger_ledger_off/in_flight_16'][i].calls_per_s),
        ),
      },
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    tmp.remove();
  }
}
