// The SQLite ledger's stored timestamps: epoch milliseconds for the strings toISOString writes, back to the same strings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTsDecoder, encodeTs } from '../../src/ledger/sqlite-blocks.js';

const LAST_MS = Date.parse('9999-12-31T23:59:59.999Z');

describe('ledger timestamps', () => {
  it('decodes stored milliseconds to exactly what toISOString writes, 1970 to 9999', () => {
    const decode = createTsDecoder();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: LAST_MS }), (ms) => {
        expect(decode(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('stores a canonical timestamp as milliseconds and anything else as it is', () => {
    const decode = createTsDecoder();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: LAST_MS }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(encodeTs(iso)).toBe(ms);
        expect(decode(encodeTs(iso))).toBe(iso);
      }),
    );
    for (const odd of [
      '2025-02-30T00:00:00.000Z',
      '2025-03-01T10:00:00Z',
      '1969-12-31T23:59:59.999Z',
      'soon',
      '',
    ])
      expect(decode(encodeTs(odd))).toBe(odd);
  });
});
