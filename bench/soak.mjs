// Soak: ten minutes over HTTP at half the measured peak, ledger on; errors, memory growth and p99 drift.
//
//   npm run soak [-- --minutes 10 --out bench/results/soak.json]
//
// One `serve --http --stateless` with a SQLite ledger (server on core 0, autocannon on core 1 where taskset
// exists). The peak is measured first (5 s, 32 connections); the soak then runs one-minute slices at half of it
// (autocannon's overallRate), sampling the server's RSS after each. Pass: 0 errors, RSS growth after the first
// (warm-up) minute under 10%, and every minute's p99 within 2x the first minute's.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { cli, log, specsExample, startHttpServer, tempDir } from './lib/env.mjs';
import { httpLoad, MCP_HEADERS } from './lib/http-load.mjs';
import { round } from './lib/stats.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const MINUTES = Number(flag('--minutes', '10'));
const SLICE_S = Number(flag('--slice-seconds', '60'));
const OUT = flag('--out', path.join(path.dirname(new URL(import.meta.url).pathname), 'results/soak.json'));

const BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'get_clause', arguments: { ref: 'engineering-rules#ENG-1' } },
});

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

function rateLimited(url, rate, seconds) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        body: BODY,
        headers: MCP_HEADERS,
        connections: 16,
        overallRate: rate,
        duration: seconds,
      },
      (error, r) => {
        if (error) return reject(error);
        resolve({
          calls: r.requests.total,
          calls_per_s: r.requests.total / seconds,
          errors: r.non2xx + r.errors + r.timeouts,
          p50_ms: r.latency.p50,
          p99_ms: r.latency.p99,
          max_ms: r.latency.max,
        });
      },
    );
  });
}

async function main() {
  const tmp = tempDir('soak');
  const server = await startHttpServer(
    [
      cli,
      'serve',
      '--http',
      '--stateless',
      '--no-watch',
      '--port',
      '0',
      '--specs',
      specsExample,
      '--ledger',
      tmp.at('ledger.db'),
    ],
    { stream: 'stderr', pattern: /127\.0\.0\.1:(\d+)\/mcp/ },
  );
  try {
    const peak = await httpLoad({ url: server.url, body: BODY, durationSeconds: 5 });
    const rate = Math.floor(peak.calls_per_s / 2);
    log(`peak ${round(peak.calls_per_s)} calls/s; soaking at ${rate} calls/s for ${MINUTES} × ${SLICE_S} s`);
    const slices = [];
    for (let m = 0; m < MINUTES; m++) {
      const slice = await rateLimited(server.url, rate, SLICE_S);
      slice.rss_mib = round(rssMiB(server.child.pid), 1);
      slices.push(slice);
      log(
        `minute ${m + 1}: ${round(slice.calls_per_s)} calls/s, p99 ${slice.p99_ms} ms, errors ${slice.errors}, RSS ${slice.rss_mib} MiB`,
      );
    }
    const first = slices[0];
    const last = slices.at(-1);
    const errors = slices.reduce((n, s) => n + s.errors, 0);
    const rssGrowth = last.rss_mib / first.rss_mib - 1;
    const worstP99Ratio = Math.max(...slices.map((s) => s.p99_ms / Math.max(1, first.p99_ms)));
    const summary = {
      date: new Date().toISOString().slice(0, 10),
      peak_calls_per_s: round(peak.calls_per_s),
      rate_calls_per_s: rate,
      minutes: MINUTES,
      slice_seconds: SLICE_S,
      total_calls: slices.reduce((n, s) => n + s.calls, 0),
      errors,
      rss_growth_after_warmup: round(rssGrowth, 3),
      worst_p99_ratio_to_first_minute: round(worstP99Ratio, 2),
      met: errors === 0 && rssGrowth < 0.1 && worstP99Ratio <= 2,
      slices,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(OUT, `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await server.stop();
    tmp.remove();
  }
}

await main();
