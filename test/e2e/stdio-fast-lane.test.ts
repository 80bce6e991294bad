// The fast lane over stdio answers byte for byte as the SDK does, in both eras: the same NDJSON lines go to a server
// with the lane and to one with --no-fast-lane, and every answer line must be identical. The lane must also have
// answered the plain calls itself (it says how many on stderr at exit), and left everything else to the SDK.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { builtCli, specsExample } from '../helpers/paths.js';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'lane-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const TRACE = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

const call = (id: number | string, name: string, args: unknown, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});

/** Sends the messages one after another (each waits for its answer) and returns the answer lines by id. */
async function exchange(
  lane: boolean,
  messages: unknown[],
): Promise<{ answers: Map<unknown, string>; stderr: string }> {
  const child = spawn(
    process.execPath,
    [
      builtCli,
      'serve',
      '--no-watch',
      '--specs',
      specsExample,
      '--ledger',
      'off',
      ...(lane ? [] : ['--no-fast-lane']),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const answers = new Map<unknown, string>();
  const waiting = new Map<unknown, () => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const id = (JSON.parse(line) as { id?: unknown }).id;
    answers.set(id, line);
    waiting.get(id)?.();
  });
  for (const message of messages) {
    const id = (message as { id?: unknown }).id;
    const answered = id === undefined ? Promise.resolve() : new Promise<void>((r) => waiting.set(id, r));
    child.stdin.write(`${JSON.stringify(message)}\n`);
    await answered;
  }
  child.stdin.end();
  await new Promise((resolve) => child.once('exit', resolve));
  return { answers, stderr };
}

const CALLS = (meta?: Record<string, unknown>) => [
  call(2, 'get_clause', { ref: 'auth#key-storage' }, meta),
  call('s-3', 'get_outline', { spec: 'auth' }, meta),
  call(4, 'read_root', {}, meta),
  call(5, 'search_specs', { query: 'refund window' }, meta),
  call(6, 'get_clause', { ref: 'nope#nope' }, meta),
  call(7, 'get_clause', { ref: 'auth' }, meta ? { ...meta, ...TRACE } : TRACE),
];
/** Requests the lane must leave to the SDK. */
const LEFT = (meta?: Record<string, unknown>) => [
  call(20, 'get_clause', { ref: 'auth', depth: 'deep' }, meta),
  call(21, 'no_such_tool', {}, meta),
  { jsonrpc: '2.0', id: 22, method: 'tools/list', params: meta ? { _meta: meta } : {} },
];

describe('the stdio fast lane', () => {
  it.each([
    {
      era: '2025',
      opening: [
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 'lane-test', version: '1' },
          },
        },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
      ],
      meta: undefined,
    },
    {
      era: '2026-07-28',
      opening: [{ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: ENVELOPE } }],
      meta: ENVELOPE,
    },
  ])(
    'answers every $era call byte for byte as the SDK does',
    async ({ opening, meta }) => {
      const messages = [...opening, ...CALLS(meta), ...LEFT(meta)];
      const [mine, theirs] = await Promise.all([exchange(true, messages), exchange(false, messages)]);
      const ids = [...theirs.answers.keys()];
      expect(ids.length).toBe(1 + CALLS().length + LEFT().length);
      for (const id of ids)
        expect(mine.answers.get(id), `answer to ${String(id)}`).toBe(theirs.answers.get(id));
      expect(mine.stderr).toContain(`${CALLS().length} calls answered by the fast lane`);
      expect(theirs.stderr).not.toContain('answered by the fast lane');
    },
    60_000,
  );
});
