// HTTP load with autocannon (its own HTTP client and parser, so one core drives far more than one server core).
import autocannon from 'autocannon';

export const MCP_HEADERS = {
  accept: 'application/json, text/event-stream',
  'content-type': 'application/json',
  'mcp-protocol-version': '2025-06-18',
};

/** A 2026-07-28 request's headers (add Mcp-Name for methods that name a tool, prompt or resource). */
export const MODERN_HEADERS = {
  accept: 'application/json, text/event-stream',
  'content-type': 'application/json',
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
};

/** One autocannon run; resolves with calls/s and latency (autocannon's histogram has 1 ms resolution). */
export function httpLoad({ url, body, connections = 32, durationSeconds = 5, headers = MCP_HEADERS }) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, method: 'POST', body, headers, connections, pipelining: 1, duration: durationSeconds },
      (error, result) => {
        if (error) return reject(error);
        const bad = result.non2xx + result.errors + result.timeouts;
        resolve({
          calls_per_s: result.requests.total / durationSeconds,
          requests: result.requests.total,
          latency_ms: {
            mean: result.latency.mean,
            p50: result.latency.p50,
            p99: result.latency.p99,
            max: result.latency.max,
          },
          bad_responses: bad,
        });
      },
    );
  });
}
