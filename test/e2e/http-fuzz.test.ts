// Fuzzing the built server over real HTTP: random and mutated JSON-RPC, headers, encodings and chunking.

import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpCli, runCli, startHttpCli } from '../helpers/cli.js';
import { specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const TOKEN = 'fuzz-token-0123456789abcdef0123';

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  chunks: number;
}

interface Answer {
  status: number;
  body: string;
}

/** Sends one request in `chunks` pieces; resolves with the status, or status 0 when the server cut the connection. */
function send(url: URL, req: Sent): Promise<Answer> {
  return new Promise((resolve) => {
    const r = http.request(
      // A connection of its own: a reused keep-alive socket the server closed after an earlier answer would be
      // reported as a cut connection that this request never caused.
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: req.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          // An SSE stream stays open; its first bytes are enough to know it is not an error.
          body += c;
          if (res.headers['content-type']?.startsWith('text/event-stream')) res.destroy();
        });
        res.on('close', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    r.on('error', () => resolve({ status: 0, body: '' }));
    void (async () => {
      const size = Math.max(1, Math.ceil(req.body.length / req.chunks));
      for (let i = 0; i < req.body.length; i += size) {
        r.write(req.body.subarray(i, i + size));
        await sleep(0);
      }
      r.end();
    })();
  });
}

const jsonValue = fc.jsonValue({ maxDepth: 4 });
const toolCall = fc.record({
  jsonrpc: fc.constantFrom('2.0', '2.0', '1.0', 2),
  id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null)),
  method: fc.constantFrom(
    'tools/call',
    'tools/list',
    'resources/read',
    'resources/list',
    'ping',
    'initialize',
    'nope/x',
  ),
  params: fc.oneof(
    fc.record({
      name: fc.constantFrom(
        'get_clause',
        'read_root',
        'search_specs',
        'specs_for_path',
        'get_provenance',
        'x',
      ),
      arguments: fc.dictionary(
        fc.constantFrom('ref', 'query', 'path', 'run_id', 'max_tokens', 'depth', 'cursor', 'spec'),
        fc.oneof(
          fc.constantFrom('auth#rotation', 'payments', '../../etc/passwd', 'auth', '', '\u0000', '%E0%A4%A'),
          jsonValue,
        ),
      ),
      _meta: fc.option(
        fc.dictionary(fc.constantFrom('specledger/run_id', 'traceparent', 'baggage'), jsonValue),
      ),
    }),
    fc.record({
      uri: fc.constantFrom(
        'spec://root',
        'spec://auth/rotation@sha256:00',
        'spec://../x',
        'file:///etc/passwd',
      ),
    }),
    jsonValue,
  ),
});

/** A body: a valid-shaped request, a batch, a mutation of one (flipped bytes, cut short), or noise. */
const body = fc.oneof(
  toolCall.map((m) => Buffer.from(JSON.stringify(m))),
  fc.array(toolCall, { minLength: 0, maxLength: 4 }).map((m) => Buffer.from(JSON.stringify(m))),
  fc.tuple(toolCall, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([m, at, byte]) => {
    const b = Buffer.from(JSON.stringify(m));
    b[at % b.length] = byte;
    return b;
  }),
  fc.tuple(toolCall, fc.nat()).map(([m, cut]) => {
    const b = Buffer.from(JSON.stringify(m));
    return b.subarray(0, cut % (b.length + 1));
  }),
  fc.nat({ max: 20_000 }).map((depth) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
  fc.string({ maxLength: 200, unit: 'grapheme' }).map((s) => Buffer.from(s)),
);

const headerValue = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));

/** The first value four times in five, so most requests get past admission and reach the tools. */
function usually<T>(valid: T, ...others: T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(valid) },
    { weight: 1, arbitrary: fc.constantFrom(...others) },
  );
}

function request(sessionId: string): fc.Arbitrary<Sent> {
  return fc
    .record({
      method: usually('POST', 'GET', 'DELETE', 'PUT', 'OPTIONS'),
      path: usually('/mcp', '/mcp?x=1', '/healthz', '/readyz', '/', '/mcp/../etc', '//mcp'),
      auth: usually(`Bearer ${TOKEN}`, 'Bearer wrong', '', `bearer ${TOKEN}`),
      contentType: usually('application/json', 'application/json; charset=utf-8', 'text/plain', ''),
      accept: usually(
        'application/json, text/event-stream',
        'application/json',
        'text/event-stream',
        '*/*',
        '',
      ),
      session: usually(sessionId, '', 'not-a-session', sessionId.toUpperCase()),
      protocol: usually('', '2025-06-18', '2025-03-26', '2026-07-28', 'garbage'),
      origin: usually('', 'http://127.0.0.1', 'http://evil.example', 'null'),
      host: usually('', 'evil.example', '127.0.0.1:1'),
      extra: headerValue,
      gzip: usually(false, true),
      chunks: fc.integer({ min: 1, max: 6 }),
      body,
    })
    .map((r) => {
      const headers: Record<string, string> = {};
      if (r.auth) headers.authorization = r.auth;
      if (r.contentType) headers['content-type'] = r.contentType;
      if (r.accept) headers.accept = r.accept;
      if (r.session) headers['mcp-session-id'] = r.session;
      if (r.protocol) headers['mcp-protocol-version'] = r.protocol;
      if (r.origin) headers.origin = r.origin;
      if (r.host) headers.host = r.host;
      if (r.extra) headers['x-fuzz'] = r.extra;
      let payload = r.body;
      if (r.gzip) {
        headers['content-encoding'] = 'gzip';
        payload = gzipSync(payload);
      }
      return { method: r.method, path: r.path, headers, body: payload, chunks: r.chunks };
    });
}

describe('serve --http under fuzzed requests', () => {
  let tmp: TempDir;
  let server: HttpCli;
  let ledgerPath: string;
  let url: URL;
  let stderr = '';

  beforeAll(async () => {
    tmp = makeTempDir('specledger-fuzz-');
    ledgerPath = tmp.at('ledger.db');
    writeFileSync(tmp.at('tokens.txt'), `fuzzer:${TOKEN}\n`);
    server = await startHttpCli([
      '--specs',
      specsExample,
      '--ledger',
      ledgerPath,
      '--token-file',
      tmp.at('tokens.txt'),
    ]);
    server.child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    url = new URL(server.url);
  }, 30_000);

  afterAll(() => {
    server.child.kill('SIGKILL');
    tmp.remove();
  });

  it('never crashes, never answers 5xx, and leaves a ledger that verifies', async () => {
    const sessionId = await sessionOf(url);
    expect(sessionId).not.toBe('');
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(request(sessionId), async (req) => {
        const answer = await send(url, req);
        if (answer.status >= 500 || server.child.exitCode !== null) {
          failures.push(
            `${answer.status} for ${req.method} ${req.path} ${JSON.stringify(req.headers)}: ${answer.body.slice(0, 200)}`,
          );
        }
        expect(server.child.exitCode, stderr).toBeNull();
        expect(answer.status, failures.at(-1)).toBeLessThan(500);
      }),
      { numRuns: 400 },
    );
    // Still serving real clients afterwards.
    const health = await send(url, {
      method: 'GET',
      path: '/readyz',
      headers: {},
      body: Buffer.alloc(0),
      chunks: 1,
    });
    expect(health.status).toBe(200);
    const verified = await runCli(['verify', '--ledger', ledgerPath]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  }, 120_000);
});

/** A fresh session ID from a real initialize (the header the server answers with). */
async function sessionOf(url: URL): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
    }),
  });
  await res.text();
  return res.headers.get('mcp-session-id') ?? '';
}
