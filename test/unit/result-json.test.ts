// The answer encoder writes exactly what JSON.stringify writes, whatever the message, and reuses the JSON of a
// frozen structured result only while its text block is the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../../src/mcp/tool-runner.js';
import { createResultEncoder } from '../../src/transports/result-json.js';

const json = fc.jsonValue({ maxDepth: 3 });
const text = fc.string({ unit: 'grapheme', maxLength: 200 });

describe('createResultEncoder', () => {
  it('matches JSON.stringify for any message, frozen structured content or not', () => {
    const encoder = createResultEncoder();
    fc.assert(
      fc.property(
        text,
        fc.dictionary(fc.string(), json),
        fc.boolean(),
        json,
        fc.oneof(fc.integer(), fc.string()),
        (t, structured, freeze, meta, id) => {
          const content = [{ type: 'text', text: t }];
          const result = {
            _meta: meta,
            content,
            structuredContent: freeze ? deepFreeze(structured) : structured,
            extra: undefined,
          };
          for (const message of [
            { result, jsonrpc: '2.0', id },
            { jsonrpc: '2.0', id, result },
          ]) {
            expect(encoder.message(message)).toBe(JSON.stringify(message));
            // Twice: the second answer comes from the memo.
            expect(encoder.message(message)).toBe(JSON.stringify(message));
          }
          expect(encoder.result(result)).toBe(JSON.stringify(result));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not serve a remembered text block once the text differs for the same structured object', () => {
    const encoder = createResultEncoder();
    const structured = deepFreeze({ text: 'Tokens expire after 15 minutes.' });
    const first = { content: [{ type: 'text', text: 'v1' }], structuredContent: structured };
    const second = { content: [{ type: 'text', text: 'v2 "quoted"\n' }], structuredContent: structured };
    expect(encoder.result(first)).toBe(JSON.stringify(first));
    expect(encoder.result(second)).toBe(JSON.stringify(second));
  });

  it('leaves other shapes to JSON.stringify (two blocks, keys in another order, errors)', () => {
    const encoder = createResultEncoder();
    const structured = deepFreeze({ a: 1 });
    const shapes = [
      { content: [{ text: 'x', type: 'text' }], structuredContent: structured },
      {
        content: [
          { type: 'text', text: 'x' },
          { type: 'text', text: 'y' },
        ],
        structuredContent: structured,
      },
      { isError: true, content: [{ type: 'text', text: 'no' }] },
    ];
    for (const shape of shapes) expect(encoder.result(shape)).toBe(JSON.stringify(shape));
    const error = { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad' } };
    expect(encoder.message(error)).toBe(JSON.stringify(error));
  });
});
