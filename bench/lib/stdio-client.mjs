// A raw newline-delimited JSON-RPC driver for a stdio MCP server: no SDK client, so the client is never the bottleneck.
import { performance } from 'node:perf_hooks';

const PROTOCOL_VERSION = '2025-06-18';
const MODERN_REVISION = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN_REVISION,
  'io.modelcontextprotocol/clientInfo': { name: 'specledger-bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/**
 * Wraps a spawned child whose stdin/stdout carry MCP messages. `request()` resolves with the parsed answer;
 * answers are matched by id, so any number can be in flight. `era: 'modern'` speaks 2026-07-28: server/discover
 * instead of initialize, and the per-request envelope on every request.
 */
export function createStdioClient(child, { era = 'legacy' } = {}) {
  const withEnvelope = (params = {}) =>
    era === 'modern' ? { ...params, _meta: { ...params._meta, ...ENVELOPE } } : params;
  let nextId = 1;
  const pending = new Map();
  let buffer = '';
  let closedError = null;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
      if (line.trim() === '') continue;
      const message = JSON.parse(line);
      if (message.id === undefined || message.method !== undefined) continue; // notifications, server requests
      const waiter = pending.get(message.id);
      if (!waiter) continue;
      pending.delete(message.id);
      waiter(message);
    }
  });
  child.once('exit', (code, signal) => {
    closedError = new Error(`server exited (${code ?? signal})`);
    for (const waiter of pending.values()) waiter({ error: { message: closedError.message } });
    pending.clear();
  });

  const send = (message) => child.stdin.write(`${JSON.stringify(message)}\n`);
  const request = (method, params) => {
    if (closedError) return Promise.reject(closedError);
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      send({ jsonrpc: '2.0', id, method, params: withEnvelope(params) });
    });
  };

  return {
    request,
    notify: (method, params) => send({ jsonrpc: '2.0', method, ...(params ? { params } : {}) }),
    async initialize() {
      if (era === 'modern') {
        const found = await request('server/discover', {});
        if (found.error) throw new Error(`server/discover failed: ${found.error.message}`);
        return found.result;
      }
      const answer = await request('initialize', {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'specledger-bench', version: '1.0.0' },
      });
      if (answer.error) throw new Error(`initialize failed: ${answer.error.message}`);
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      return answer.result;
    },
    /** Calls a tool once and throws unless it answers without error. */
    async callTool(name, args) {
      const answer = await request('tools/call', { name, arguments: args });
      if (answer.error) throw new Error(`${name} failed: ${answer.error.message}`);
      if (answer.result?.isError) throw new Error(`${name} failed: ${answer.result.content?.[0]?.text}`);
      return answer.result;
    },
    /**
     * Keeps `inFlight` tools/call requests outstanding for `durationMs` (after `warmupMs` not counted) and
     * reports calls/s with p50/p99 latency. The request line is serialized once: only the id changes.
     */
    async load({ name, args, inFlight, durationMs, warmupMs = 300 }) {
      const body = JSON.stringify(withEnvelope({ name, arguments: args }));
      const latencies = [];
      let errors = 0;
      let completed = 0;
      const startedAt = performance.now();
      const countFrom = startedAt + warmupMs;
      const endAt = countFrom + durationMs;
      await new Promise((resolve, reject) => {
        let active = 0;
        const fire = () => {
          if (closedError) return reject(closedError);
          const id = nextId++;
          const t0 = performance.now();
          active++;
          pending.set(id, (message) => {
            active--;
            const t1 = performance.now();
            if (message.error || message.result?.isError) errors++;
            if (t1 >= countFrom && t1 <= endAt) {
              latencies.push(t1 - t0);
              completed++;
            }
            if (t1 < endAt) fire();
            else if (active === 0) resolve();
          });
          child.stdin.write(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":${body}}\n`);
        };
        for (let i = 0; i < inFlight; i++) fire();
      });
      return { calls: completed, seconds: durationMs / 1000, errors, latencies };
    },
  };
}
