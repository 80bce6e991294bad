// Suite 1 (and 5 over HTTP): get_clause calls/s over Streamable HTTP, 32 connections, against the bare node:http
// ceiling and the SDK's stock stateless transport, all measured in this run on the same core.
import { writeFileSync } from 'node:fs';
import { log, specsExample, startHttpServer, tempDir } from '../lib/env.mjs';
import { httpLoad, MCP_HEADERS } from '../lib/http-load.mjs';
import { cpuTimeMs } from '../lib/proc.mjs';
import { median, ratio, round } from '../lib/stats.mjs';

export const REF = 'auth#key-storage';
/** The get_clause call every HTTP figure is made of (bench/probe.mjs sends the same one). */
export const BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'get_clause', arguments: { ref: REF } },
});

async function postOnce(url) {
  const res = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: BODY });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  const answer = JSON.parse(text);
  if (answer.error || answer.result?.isError || answer.result?.structuredContent?.ref !== REF) {
    throw new Error(`${url}: not a get_clause answer: ${text.slice(0, 300)}`);
  }
  return text;
}

/** `serve --http --stateless` on the example corpus with the given ledger, resolved once it listens. */
function startSpecledger(ledger) {
  return startHttpServer(
    [
      'dist/cli/main.js',
      'serve',
      '--http',
      '--stateless',
      '--port',
      '0',
      '--specs',
      specsExample,
      '--ledger',
      ledger,
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
    const sdk = await startHttpServer([
      'bench/http-sdk-stateless-server.mjs',
      specsExample,
      tmp.at('sdk-ledger.db'),
    ]);
    servers.push({ name: 'sdk_stock_stateless', ...sdk });
    await postOnce(sdk.url);
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

    const samples = Object.fromEntries(servers.map((s) => [s.name, []]));
    for (let r = 0; r < runs; r++) {
      // Interleaved, so drift on a shared machine touches every server alike.
      for (const s of servers) {
        await httpLoad({ url: s.url, body: BODY, durationSeconds: 1 }); // warm-up: JIT, sockets, caches
        const cpu0 = cpuTimeMs(s.child.pid);
        const result = await httpLoad({ url: s.url, body: BODY, durationSeconds: seconds });
        const cpu = cpuTimeMs(s.child.pid) - cpu0;
        result.server_cpu_us_per_call = result.requests > 0 ? round((cpu * 1000) / result.requests, 1) : null;
        samples[s.name].push(result);
        log(
          `http ${s.name} run ${r + 1}/${runs}: ${Math.round(result.calls_per_s)} calls/s, p50 ${result.latency_ms.p50} ms, p99 ${result.latency_ms.p99} ms${result.bad_responses ? `, ${result.bad_responses} bad` : ''}`,
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
    const result = {
      what: `get_clause ${REF} over Streamable HTTP (stateless, JSON responses), 32 connections, ${seconds} s per run, median of ${runs}`,
      servers: Object.fromEntries(servers.map((s) => [s.name, summary(s.name)])),
    };
    const on = result.servers.specledger.calls_per_s;
    result.ratio_to_ceiling = ratio(on, result.servers.bare_node_http.calls_per_s);
    result.ratio_to_sdk_stock = ratio(on, result.servers.sdk_stock_stateless.calls_per_s);
    if (ledgerOff) result.ledger_on_vs_off = ratio(on, result.servers.specledger_ledger_off.calls_per_s);
    if (result.servers.specledger_postgres) {
      result.postgres_vs_sqlite = ratio(result.servers.specledger_postgres.calls_per_s, on);
    }
    return result;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    tmp.remove();
  }
}
