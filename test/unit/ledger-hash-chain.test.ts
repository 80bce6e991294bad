// The hash chain: its on-disk format, and that verify catches edits, deletions and reordering.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalRecordJson,
  computeRecordHash,
  formatMismatch,
  GENESIS_HASH,
  HASHED_FIELDS,
  parseRecordHashFormat,
  verifyChain,
} from '../../src/ledger/hash-chain.js';
import { leafHash } from '../../src/ledger/merkle.js';
import { toReadRecord } from '../../src/ledger/records.js';
import type { ReadRecord, RecordHashFormat } from '../../src/ledger/types.js';
import { readInput } from '../fixtures/ledger-records.js';

const FORMATS: RecordHashFormat[] = ['leaf', 'prev-json'];

/** A valid chain of `n` records in `format`, built the way a store builds one. */
function chain(n: number, format: RecordHashFormat = 'leaf'): ReadRecord[] {
  const records: ReadRecord[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const unhashed = toReadRecord(readInput({ clause_id: `C-${seq}`, tokens: seq }), seq, prev);
    const record = { ...unhashed, hash: computeRecordHash(unhashed, format) };
    records.push(record);
    prev = record.hash;
  }
  return records;
}

describe('computeRecordHash', () => {
  /** The canonical JSON of the first record of chain(1), written out by hand. */
  function firstRecordJson(record: ReadRecord): string {
    const values = [
      1,
      '2025-03-01T10:00:00.000Z',
      'run-1',
      'argument',
      'ci-bot',
      'session-1',
      'claude-code',
      '1.2.3',
    ]
      .concat(['http', 'get_clause', 'clause', 'auth', 'C-1', '1.0.0', 'approved', record.digest as string])
      .concat(['a'.repeat(40)]);
    return JSON.stringify([...values, 1, GENESIS_HASH]);
  }

  it("'leaf' hashes 0x00 followed by the JSON array of the fields: the record's RFC 6962 Merkle leaf", () => {
    const [record] = chain(1, 'leaf') as [ReadRecord];
    const json = firstRecordJson(record);
    expect(record.hash).toBe(
      createHash('sha256')
        .update(Buffer.concat([Buffer.from([0]), Buffer.from(json)]))
        .digest('hex'),
    );
    expect(record.hash).toBe(leafHash(canonicalRecordJson(record)).toString('hex'));
  });

  it("'prev-json' hashes prev_hash followed by the JSON array of the fields in their fixed order", () => {
    const [record] = chain(1, 'prev-json') as [ReadRecord];
    expect(record.hash).toBe(
      createHash('sha256')
        .update(GENESIS_HASH + firstRecordJson(record))
        .digest('hex'),
    );
  });

  it('names the format a ledger stores, absent only where the schema predates it, and refuses any other', () => {
    expect(parseRecordHashFormat('leaf', false)).toBe('leaf');
    expect(parseRecordHashFormat('prev-json', false)).toBe('prev-json');
    expect(parseRecordHashFormat(undefined, true)).toBe('prev-json');
    expect(() => parseRecordHashFormat(undefined, false)).toThrow(/holds no record_hash/);
    expect(() => parseRecordHashFormat('sha3', true)).toThrow(/record_hash is "sha3"/);
  });

  it('says a record hashed in the other format is that, not an edit, and flags it for writers', () => {
    const [leafRecord] = chain(1, 'leaf') as [ReadRecord];
    expect(formatMismatch(leafRecord, 'leaf')).toBeNull();
    expect(formatMismatch(leafRecord, 'prev-json')).toMatch(
      /^seq 1: hashed as leaf, but the ledger's meta record_hash says prev-json/,
    );
    // An edited first record is damage verify names, not a format the meta row contradicts.
    expect(formatMismatch({ ...leafRecord, tokens: 9 }, 'prev-json')).toBeNull();
    expect(formatMismatch(undefined, 'leaf')).toBeNull();
  });

  it('writes the fields out in exactly HASHED_FIELDS order, missing ones as null', () => {
    const [record] = chain(1) as [ReadRecord];
    const { git_commit: _dropped, ...partial } = record;
    for (const r of [record, { ...record, principal: null }, partial as unknown as ReadRecord]) {
      expect(canonicalRecordJson(r)).toBe(
        JSON.stringify(HASHED_FIELDS.map((field) => (r as Partial<ReadRecord>)[field] ?? null)),
      );
    }
  });

  it('starts the chain from 64 zeros', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('does not depend on the order of the keys in the record object', () => {
    const [record] = chain(1) as [ReadRecord];
    const reversed = Object.fromEntries(Object.entries(record).reverse()) as unknown as ReadRecord;
    expect(computeRecordHash(reversed, 'leaf')).toBe(record.hash);
  });

  it('hashes a missing optional field like null, as a database returns it', () => {
    const [record] = chain(1) as [ReadRecord];
    const { principal: _principal, ...withoutPrincipal } = { ...record, principal: null };
    for (const format of FORMATS)
      expect(computeRecordHash(withoutPrincipal as unknown as ReadRecord, format)).toBe(
        computeRecordHash({ ...record, principal: null }, format),
      );
  });
});

describe.each(FORMATS)('verifyChain (%s)', (format) => {
  const options = { format };
  it('accepts an empty ledger and an intact chain', () => {
    expect(verifyChain([], options)).toEqual({ ok: true, records: 0 });
    expect(verifyChain(chain(5, format), options)).toEqual({ ok: true, records: 5 });
  });

  it('names the edited record when any hashed field of any record changes', () => {
    const editable = HASHED_FIELDS.filter((f) => f !== 'seq' && f !== 'prev_hash');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(...editable),
        fc.nat(),
        (seq, field, pick) => {
          const records = chain(8, format);
          const target = records[seq - 1] as ReadRecord;
          const current = target[field];
          const edited =
            typeof current === 'number' ? current + 1 + (pick % 5) : `${String(current)}~${pick}`;
          (target as unknown as Record<string, unknown>)[field] = edited;
          const result = verifyChain(records, options);
          expect(result).toMatchObject({ ok: false, seq, records: seq - 1 });
          expect(result.ok === false && result.reason).toContain(`seq ${seq}`);
        },
      ),
    );
  });

  it('reports a deleted record at the record after the gap', () => {
    const records = chain(5, format);
    records.splice(2, 1);
    const result = verifyChain(records, options);
    expect(result).toMatchObject({ ok: false, seq: 4 });
    expect(result.ok === false && result.reason).toContain('seq 3 is missing');
  });

  it('reports swapped records at the first swapped position', () => {
    const records = chain(5, format);
    const [third, fifth] = [records[2] as ReadRecord, records[4] as ReadRecord];
    records[2] = { ...fifth, seq: 3 };
    records[4] = { ...third, seq: 5 };
    expect(verifyChain(records, options)).toMatchObject({ ok: false, seq: 3 });
  });

  it('reports records delivered out of seq order', () => {
    const records = chain(3, format);
    expect(verifyChain([records[0], records[2], records[1]] as ReadRecord[], options)).toMatchObject({
      ok: false,
      seq: 3,
    });
    expect(verifyChain([records[0], records[0]] as ReadRecord[], options)).toMatchObject({
      ok: false,
      seq: 1,
    });
  });

  it('reports a chain that does not start at seq 1 from the genesis hash', () => {
    expect(verifyChain(chain(3, format).slice(1), options)).toMatchObject({ ok: false, seq: 2 });
  });

  it('reports records cut off the end when a head is known', () => {
    const records = chain(5, format);
    const head = { seq: 5, hash: (records[4] as ReadRecord).hash };
    expect(verifyChain(records, { head, format })).toEqual({ ok: true, records: 5 });
    const result = verifyChain(records.slice(0, 3), { head, format });
    expect(result).toMatchObject({ ok: false, seq: 4, records: 3 });
    expect(result.ok === false && result.reason).toContain('seq 5');
  });

  it('refuses a chain written in the other format at its first record, saying so: a ledger never mixes them', () => {
    const other = format === 'leaf' ? 'prev-json' : 'leaf';
    const result = verifyChain(chain(3, other), options);
    expect(result).toMatchObject({ ok: false, seq: 1, records: 0 });
    expect(result.ok === false && result.reason).toBe(
      `seq 1: hashed as ${other}, but the ledger's meta record_hash says ${format} (the meta row was changed)`,
    );
  });
});
