// The stdio framing: messages split anywhere by the pipe arrive whole, bad lines are reported and skipped, and the
// answers of one turn leave in one write.
import { PassThrough, Writable } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { NdjsonTransport } from '../../src/transports/ndjson-transport.js';

function setup(maxMessageBytes?: number) {
  const input = new PassThrough();
  const writes: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk);
      callback();
    },
  });
  const transport = new NdjsonTransport(input, output, maxMessageBytes);
  const messages: JSONRPCMessage[] = [];
  const errors: Error[] = [];
  transport.onmessage = (m) => messages.push(m);
  transport.onerror = (e) => errors.push(e);
  return {
    input,
    writes,
    transport,
    messages,
    errors,
    written: () => Buffer.concat(writes).toString('utf8'),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const request = (id: number, method = 'tools/list') => ({ jsonrpc: '2.0' as const, id, method });

describe('NdjsonTransport', () => {
  let current: ReturnType<typeof setup> | undefined;
  afterEach(async () => {
    await current?.transport.close();
    current = undefined;
  });

  it('reassembles messages split across chunks, with CRLF and blank lines', async () => {
    current = setup();
    await current.transport.start();
    const text = `${JSON.stringify(request(1))}\r\n\n${JSON.stringify(request(2, 'ping'))}\n`;
    for (const piece of [text.slice(0, 7), text.slice(7, 30), text.slice(30)]) current.input.write(piece);
    await tick();
    expect(current.messages).toEqual([request(1), request(2, 'ping')]);
    expect(current.errors).toEqual([]);
  });

  it('reassembles a large message arriving in many small chunks, and a newline arriving on its own', async () => {
    current = setup();
    await current.transport.start();
    const big = { ...request(7), params: { q: 'x'.repeat(200_000) } };
    const bytes = Buffer.from(JSON.stringify(big));
    for (let i = 0; i < bytes.length; i += 1000) current.input.write(bytes.subarray(i, i + 1000));
    current.input.write('\n');
    current.input.write(`${JSON.stringify(request(8))}`);
    current.input.write('\r\n');
    await tick();
    expect(current.messages).toEqual([big, request(8)]);
    expect(current.errors).toEqual([]);
  });

  it('keeps multi-byte characters split between chunks intact', async () => {
    current = setup();
    await current.transport.start();
    const bytes = Buffer.from(`${JSON.stringify({ ...request(3), params: { q: 'réglement — 規則' } })}\n`);
    const cut = bytes.indexOf(0xe2) + 1; // inside the em dash
    current.input.write(bytes.subarray(0, cut));
    current.input.write(bytes.subarray(cut));
    await tick();
    expect(current.messages).toEqual([{ ...request(3), params: { q: 'réglement — 規則' } }]);
  });

  it('reports a malformed line and an invalid message, and goes on with the next ones', async () => {
    current = setup();
    await current.transport.start();
    current.input.write(`{"jsonrpc":"2.0","id":1,\n${JSON.stringify({ id: 2, method: 3 })}\n`);
    current.input.write(`${JSON.stringify(request(4))}\n`);
    await tick();
    expect(current.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^a line on stdin is not JSON and was skipped \(/),
      'a line on stdin is not a JSON-RPC message and was skipped: {"id":2,"method":3}',
    ]);
    expect(current.messages).toEqual([request(4)]);
  });

  it('validates anything that is not a plain request with the SDK schema (notifications, results, _meta)', async () => {
    current = setup();
    await current.transport.start();
    const notification = { jsonrpc: '2.0', method: 'notifications/initialized' };
    const result = { jsonrpc: '2.0', id: 9, result: {} };
    const withMeta = { jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: 'x', _meta: { a: 1 } } };
    for (const m of [notification, result, withMeta]) current.input.write(`${JSON.stringify(m)}\n`);
    await tick();
    expect(current.messages).toEqual([notification, result, withMeta]);
  });

  it('drops a message over the size limit, says so, and handles the next one', async () => {
    current = setup(100);
    await current.transport.start();
    current.input.write(`{"jsonrpc":"2.0","id":1,"method":"${'x'.repeat(150)}`);
    current.input.write(`${'y'.repeat(50)}"}\n${JSON.stringify(request(2))}\n`);
    await tick();
    expect(current.errors.map((e) => e.message)).toEqual([
      'a message on stdin is larger than 100 bytes; it was dropped',
    ]);
    expect(current.messages).toEqual([request(2)]);
  });

  it('writes the answers sent in one turn with one write, in order, one per line', async () => {
    current = setup();
    await current.transport.start();
    const sent = [1, 2, 3].map((id) => current?.transport.send({ jsonrpc: '2.0', id, result: { n: id } }));
    await Promise.all(sent);
    expect(current.writes).toHaveLength(1);
    expect(current.written()).toBe(
      `${[1, 2, 3].map((id) => JSON.stringify({ jsonrpc: '2.0', id, result: { n: id } })).join('\n')}\n`,
    );
    await current.transport.send({ jsonrpc: '2.0', id: 4, result: {} });
    expect(current.written().split('\n').filter(Boolean)).toHaveLength(4);
  });

  it('writes what was queued before closing, then reports the close once', async () => {
    current = setup();
    await current.transport.start();
    let closes = 0;
    current.transport.onclose = () => closes++;
    void current.transport.send({ jsonrpc: '2.0', id: 1, result: {} });
    await current.transport.close();
    await current.transport.close();
    expect(current.written()).toBe(`${JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} })}\n`);
    expect(closes).toBe(1);
    await expect(current.transport.send({ jsonrpc: '2.0', id: 2, result: {} })).rejects.toThrow(/closed/);
  });

  it('ends the session when the client stops reading (EPIPE) instead of throwing', async () => {
    const input = new PassThrough();
    const output = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const transport = new NdjsonTransport(input, output);
    const errors: Error[] = [];
    let closes = 0;
    transport.onerror = (e) => errors.push(e);
    transport.onclose = () => closes++;
    await transport.start();
    void transport.send({ jsonrpc: '2.0', id: 1, result: {} });
    void transport.send({ jsonrpc: '2.0', id: 2, result: {} });
    await tick();
    await tick();
    expect(errors.map((e) => e.message)).toEqual(['write EPIPE']);
    expect(closes).toBe(1);
  });
});
