// The HTTP fast path's serialization memo gives exactly JSON.stringify's bytes, and never stale ones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markImmutable, serializeMessage, stringifyMessage } from '../../src/transports/immutable-json.js';

const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const id = fc.oneof(fc.integer(), fc.string({ unit: 'grapheme', maxLength: 8 }));
const orders = [
  ['result', 'jsonrpc', 'id'],
  ['jsonrpc', 'id', 'result'],
  ['id', 'result', 'jsonrpc'],
];

function answer(order: string[], values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) out[key] = values[key];
  return out;
}

describe('immutable-json', () => {
  it('serializes answers around a memoized result as JSON.stringify does, in any key order', () => {
    fc.assert(
      fc.property(text, text, id, fc.constantFrom(...orders), (body, other, anId, order) => {
        const structured = markImmutable({
          text: body,
          lines: { start: 1, end: 2 },
          children: [{ ref: other }],
        });
        for (const t of [body, other, body]) {
          const message = answer(order, {
            result: { content: [{ type: 'text', text: t }], structuredContent: structured },
            jsonrpc: '2.0',
            id: anId,
          });
          const expected = JSON.stringify(message);
          expect(stringifyMessage(message)).toBe(expected);
          const bytes = serializeMessage(message);
          expect(Buffer.isBuffer(bytes) ? bytes.toString('utf8') : bytes).toBe(expected);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('leaves other shapes to JSON.stringify and freezes what it memoizes', () => {
    const structured = markImmutable({ nested: { a: [1, 2] } });
    expect(Object.isFrozen(structured.nested.a)).toBe(true);
    expect(() => {
      (structured.nested.a as number[]).push(3);
    }).toThrow();
    const odd = [
      {
        result: { content: [{ type: 'text', text: 'x' }], structuredContent: structured, isError: true },
        jsonrpc: '2.0',
        id: 1,
      },
      {
        result: { content: [{ type: 'text', text: 'x' }], structuredContent: { ...structured } },
        jsonrpc: '2.0',
        id: 1,
      },
      {
        result: { content: [{ type: 'text', text: 'x' }], structuredContent: structured },
        jsonrpc: '2.0',
        id: 1,
        extra: true,
      },
      { jsonrpc: '2.0', id: 1, error: { code: -1, message: 'no' } },
    ];
    for (const message of odd) {
      expect(serializeMessage(message)).toBe(JSON.stringify(message));
      expect(stringifyMessage(message)).toBe(JSON.stringify(message));
    }
  });
});
