// One-character changes to what others check offline: every one to a receipt, a signed checkpoint or a DSSE envelope
// fails its check (Node's lenient base64 decoder once let 78 changes to one receipt verify).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../src/ledger/base64.js';
import {
  generateNoteKey,
  type NoteVerifierKey,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
} from '../../src/ledger/checkpoint.js';
import { IN_TOTO_PAYLOAD_TYPE, openEnvelope, signEnvelope } from '../../src/ledger/dsse.js';
import { openLedger } from '../../src/ledger/open.js';
import { parseReceipt, proveRecords, verifyReceipt } from '../../src/ledger/receipts.js';
import { takeCheckpoint } from '../../src/ledger/tree.js';
import type { ReadRecordInput } from '../../src/ledger/types.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const ORIGIN = 'example.com/specledger';
/** What a character is replaced with: base64's neighbours, base64url's, padding and junk. */
const SWAPS = ['A', 'B', 'Q', 'g', '/', '+', '-', '_', '=', '?', ' '];

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Every text that differs from `text` in one character: each replacement from SWAPS, and each base64 character that
 * differs from the one there in its two lowest bits (the bits a last character may leave unused).
 */
function* oneCharacterChanges(text: string): Generator<string> {
  for (let i = 0; i < text.length; i++) {
    const v = ALPHABET.indexOf(text[i]!);
    const near = v < 0 ? [] : [1, 2, 3].map((x) => ALPHABET[v ^ x]!);
    for (const c of new Set([...SWAPS, ...near]))
      if (c !== text[i]) yield text.slice(0, i) + c + text.slice(i + 1);
  }
}

/** The changes `accept` still takes: none is the promise. */
function accepted(text: string, accept: (changed: string) => unknown): string[] {
  const out: string[] = [];
  for (const changed of oneCharacterChanges(text)) {
    try {
      accept(changed);
      out.push(changed);
    } catch {
      // refused, as it must be
    }
  }
  return out;
}

function read(i: number): ReadRecordInput {
  return {
    ts: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    run_id: 'run-1',
    run_id_source: 'argument',
    principal: null,
    session_id: null,
    client_name: 'test',
    client_version: '1',
    transport: 'stdio',
    tool: 'get_clause',
    kind: 'clause',
    spec_id: 'payments',
    clause_id: `PAY-${i}`,
    spec_version: '1.0.0',
    status: 'approved',
    digest: `sha256:${String(i).padStart(64, '0')}`,
    git_commit: null,
    tokens: 10 + i,
  };
}

describe('canonical base64 in what is checked offline', () => {
  let temp: TempDir;
  let verifier: NoteVerifierKey;
  let receiptText: string;
  let note: string;

  beforeAll(async () => {
    temp = makeTempDir('b64');
    const keys = generateNoteKey(ORIGIN);
    verifier = parseVerifierKey(keys.verifier);
    const store = await openLedger(temp.at('ledger.db'));
    try {
      await store.append(Array.from({ length: 5 }, (_, i) => read(i + 1)));
      note = (await takeCheckpoint(store, parseSignerKey(keys.signer))).note;
      const [record] = await store.recordsAfter(2, 1);
      const [receipt] = await proveRecords(store, [record!]);
      receiptText = JSON.stringify(receipt);
    } finally {
      await store.close();
    }
  });
  afterAll(() => temp.remove());

  it('decodes canonical base64 only', () => {
    expect(decodeBase64('aGk=')).toEqual(Buffer.from('hi'));
    expect(decodeBase64('')).toEqual(Buffer.alloc(0));
    for (const lenient of ['aGl=', 'aGk', 'aGk?', 'a-8=', 'aGk= ', 'aG k=', 'aGk=='])
      expect(decodeBase64(lenient)).toBeNull();
  });

  it('refuses every one-character change to a receipt', () => {
    expect(verifyReceipt(parseReceipt(receiptText), verifier).record.seq).toBe(3);
    expect(accepted(receiptText, (t) => verifyReceipt(parseReceipt(t), verifier))).toEqual([]);
  });

  it('refuses every one-character change to a signed checkpoint', () => {
    expect(openCheckpoint(note, verifier).size).toBe(5);
    expect(accepted(note, (t) => openCheckpoint(t, verifier))).toEqual([]);
  });

  it('refuses every one-character change to a DSSE envelope', () => {
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [] }));
    const keys = generateNoteKey(ORIGIN);
    const signed = JSON.stringify(signEnvelope(statement, IN_TOTO_PAYLOAD_TYPE, parseSignerKey(keys.signer)));
    const mine = parseVerifierKey(keys.verifier);
    expect(openEnvelope(signed, mine).payload).toEqual(statement);
    expect(accepted(signed, (t) => openEnvelope(t, mine))).toEqual([]);
  });
});
