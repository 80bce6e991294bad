// Suite 1 (and 5 over HTTP): get_clause calls/s over Streamable HTTP, 32 connections, in each protocol era, against
// the bare node:http ceiling and the SDK's own per-request entry (`--no-fast-lane`), all measured in this run on the
// same core.
import { writeFileSync } from 'node:fs';
import { log, specsExample, startHttpServer, tempDir } from '../lib/env.mjs';
import { httpLoad, MCP_HEADERS, MODERN_HEADERS } from '../lib/http-load.mjs';
import { cpuTimeMs } from '../lib/proc.mjs';
import { median, ratio, round } from '../lib/stats.mjs';

const REF = 'auth#key-storage';
/** The get_clause call every HTTP figure is made of (bench/probe.mjs sends the same one). */
const BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'get_clause', arguments: { ref: REF } },
});

/** The same call in the 2026-07-28 era: the per-request envelope, and the headers that mirror the body. */
const BODY_MODERN = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'get_clause',
    arguments: { ref: REF },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
});

const ERAS = {
  legacy: { body: BODY, headers: MCP_HEADERS },
  modern: { body: BODY_MODERN, headers: { ...MODERN_HEADERS, 'mcp-name': 'get_clause' } },
};

/** One call; returns the JSON-RPC answer's bytes (from a JSON body or the one SSE event a 2025 POST answers with). */
async function postOnce(url, era = 'modern') {
  const { body, headers } = ERAS[era];
  const res = await fetch(url, { method: 'POST', headers, body });
  const raw = await res.text();
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}: ${raw.slice(0, 300)}`);
  const text = raw.startsWith('event:')
    ? (raw.split('\n').find((l) => l.startsWith('data: ')) ?? '').slice(6)
    : raw;
  const answer = JSON.parse(text);
  if (answer.error || answer.result?.isError || answer.result?.structuredContent?.ref !== REF) {
    throw new Error(`${url}: not a get_clause answer: ${text.slice(0, 300)}`);
  }
  return text;
}

/** `serve --http --stateless` on the example corpus with the given ledger, resolved once it listens. */
function startSpecledger(ledger, extra = []) {
  return startHttpServer(
    [
      'dist/bundle/main.js',
      'serve',
      '--http',
      '--stateless',
      '--port',
      '0',
      '--specs',
      specsExample,
      '--ledger',
      ledger,
      ...extra,
    ],
    { stream: 'stderr', pattern: /over http:\/\/127\.0\.0\.1:(\d+)\/mcp/ },
  );
}

export async function runHttp({ runs, seconds, ledgerOff = true }) {
  const tmp = tempDir('http');
  const servers = [];
  try {
    // The real server first: its answer becomes the ceiling's fixed response, so both send the same bytes.
    const specledger = await startSpecledger(tmp.at('ledger.db'));
    servers.push({ name: 'specledger', ...specledger });
    const answer = await postOnce(specledger.url);
    writeFileSync(tmp.at('answer.json'), answer);
    const bare = await startHttpServer(['bench/http-bare-server.mjs', tmp.at('answer.json')]);
    servers.push({ name: 'bare_node_http', ...bare });
    await postOnce(bare.url);
    // The same server with every request through the SDK's own entry (createMcpHandler): the public-API path.
    const sdk = await startSpecledger(tmp.at('sdk-ledger.db'), ['--no-fast-lane']);
    servers.push({ name: 'sdk_entry', ...sdk });
    await postOnce(sdk.url, 'legacy');
    if (ledgerOff) {
      const off = await startSpecledger('off');
      servers.push({ name: 'specledger_ledger_off', ...off });
      await postOnce(off.url);
    }

    // Fleet mode (issue 9): the same server on a PostgreSQL ledger, when one is reachable.
    const pg = process.env.SPECLEDGER_BENCH_PG ?? process.env.SPECLEDGER_TEST_PG;
    if (pg) {
      const schema = `bench_${process.pid}_${Date.now()}`;
      const url = `${pg}${pg.includes('?') ? '&' : '?'}schema=${schema}`;
      const onPg = await startSpecledger(url);
      servers.push({ name: 'specledger_postgres', ...onPg });
      await postOnce(onPg.url);
    } else {
      log('http: no SPECLEDGER_TEST_PG / SPECLEDGER_BENCH_PG, so the PostgreSQL-ledger row is skipped');
    }

    // The ceiling answers fixed bytes whatever it is sent; it is measured once per run and serves both eras.
    const cells = servers.flatMap((s) =>
      s.name === 'bare_node_http'
        ? [{ server: s, era: 'ceiling' }]
        : Object.keys(ERAS).map((era) => ({ server: s, era })),
    );
    for (const { server, era } of cells) if (era !== 'ceiling') await postOnce(server.url, era);
    const key = (cell) => (cell.era === 'ceiling' ? cell.server.name : `${cell.era}:${cell.server.name}`);
    const samples = Object.fromEntries(cells.map((c) => [key(c), []]));
    for (let r = 0; r < runs; r++) {
      // Interleaved, so drift on a shared machine touches every server and era alike.
      for (const cell of cells) {
        const { body, headers } = ERAS[cell.era] ?? ERAS.modern;
        await httpLoad({ url: cell.server.url, body, headers, durationSeconds: 1 }); // warm-up: JIT, sockets, caches
        const cpu0 = cpuTimeMs(cell.server.child.pid);
        const result = await httpLoad({ url: cell.server.url, body, headers, durationSeconds: seconds });
        const cpu = cpuTimeMs(cell.server.child.pid) - cpu0;
        result.server_cpu_us_per_call = result.requests > 0 ? round((cpu * 1000) / result.requests, 1) : null;
        samples[key(cell)].push(result);
        log(
          `http ${key(cell)} run ${r + 1}/${runs}: ${Math.round(result.calls_per_s)} calls/s, p50 ${result.latency_ms.p50} ms, p99 ${result.latency_ms.p99} ms${result.bad_responses ? `, ${result.bad_responses} bad` : ''}`,
        );
      }
    }
    const summary = (name) => {
      const list = samples[name];
      return {
        calls_per_s: round(median(list.map((x) => x.calls_per_s))),
        p50_ms: median(list.map((x) => x.latency_ms.p50)),
        p99_ms: median(list.map((x) => x.latency_ms.p99)),
        mean_ms: round(median(list.map((x) => x.latency_ms.mean)), 2),
        server_cpu_us_per_call: round(median(list.map((x) => x.server_cpu_us_per_call)), 1),
        bad_responses: list.reduce((n, x) => n + x.bad_responses, 0),
        runs: list,
      };
    };
    const ceiling = summary('bare_node_http');
    const eras = {};
    for (const era of Object.keys(ERAS)) {
      const of = Object.fromEntries(
        servers.filter((s) => s.name !== 'bare_node_http').map((s) => [s.name, summary(`${era}:${s.name}`)]),
      );
      const on = of.specledger.calls_per_s;
      eras[era] = {
        servers: of,
        ratio_to_ceiling: ratio(on, ceiling.calls_per_s),
        ratio_to_sdk_entry: ratio(on, of.sdk_entry.calls_per_s),
        ...(ledgerOff ? { ledger_on_vs_off: ratio(on, of.specledger_ledger_off.calls_per_s) } : {}),
        ...(of.specledger_postgres
          ? { postgres_vs_sqlite: ratio(of.specledger_postgres.calls_per_s, on) }
          : {}),
      };
    }
    return {
      what: `get_clause ${REF} over Streamable HTTP (sessionless), 32 connections, ${seconds} s per run, median of ${runs}; 2025 era (MCP-Protocol-Version 2025-06-18, SSE answer) and 2026-07-28 (envelope and standard headers, JSON answer)`,
      ceiling,
      eras,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    tmp.remove();
  }
}
