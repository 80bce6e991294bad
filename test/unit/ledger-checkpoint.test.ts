// Keys, signed notes and checkpoints against Go's golang.org/x/mod/sumdb/note, byte for byte.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatCheckpoint,
  generateNoteKey,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../src/ledger/checkpoint.js';
import { leafHash } from '../../src/ledger/merkle.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';
import { buildGoVerifier, goMissing } from '../helpers/verifiers.js';

const ORIGIN = 'example.com/specledger';
const checkpointText = formatCheckpoint({ origin: ORIGIN, size: 42, root: leafHash('root') });

/** The note with one byte of its text changed (the tree size 42 → 43). */
const tamper = (note: string): string => note.replace('\n42\n', '\n43\n');

describe('signed checkpoints', () => {
  it('opens a checkpoint it signed and names why it refuses a changed one', () => {
    const { signer, verifier } = generateNoteKey(ORIGIN);
    const note = signNote(checkpointText, parseSignerKey(signer));
    expect(openCheckpoint(note, parseVerifierKey(verifier))).toMatchObject({ origin: ORIGIN, size: 42 });
    expect(() => openNote(tamper(note), parseVerifierKey(verifier))).toThrow(
      /signature by example.com\/specledger is invalid/,
    );
  });

  it('refuses a checkpoint signed by an unknown key, or for another log', () => {
    const ours = generateNoteKey(ORIGIN);
    const theirs = generateNoteKey('other.example/log');
    const note = signNote(
      formatCheckpoint({ origin: ORIGIN, size: 1, root: leafHash('x') }),
      parseSignerKey(theirs.signer),
    );
    expect(() => openCheckpoint(note, parseVerifierKey(ours.verifier))).toThrow(
      /not signed by the key given.*unknown key: other.example\/log/,
    );
    expect(() => openCheckpoint(note, parseVerifierKey(theirs.verifier))).toThrow(
      /checkpoint is for log "example.com\/specledger", but the key is for log "other.example\/log"/,
    );
  });

  it('rejects malformed keys and checkpoints with the reason', () => {
    const { verifier } = generateNoteKey(ORIGIN);
    expect(() => parseVerifierKey(verifier.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))).toThrow(
      /hash 00000000 does not match/,
    );
    expect(() => parseVerifierKey('nonsense')).toThrow(/not a verifier key/);
    expect(() => generateNoteKey('has space')).toThrow(/invalid key name/);
    expect(() => parseCheckpoint('origin\nten\nAAAA\n')).toThrow(/tree size "ten"/);
    expect(() => parseCheckpoint('origin\n10\nAAAA\n')).toThrow(/root hash is not 32 bytes/);
  });
});

describe.skipIf(goMissing())('signed checkpoints against sumdb/note', () => {
  let go: ReturnType<typeof buildGoVerifier>;
  let temp: TempDir;
  beforeAll(() => {
    go = buildGoVerifier();
    temp = makeTempDir('specledger-note-');
  }, 120_000);
  afterAll(() => temp.remove());

  it('has Go accept the keys and the signed note, and reject it once one byte changes', () => {
    const { signer, verifier } = generateNoteKey(ORIGIN);
    writeFileSync(temp.at('key.pub'), verifier);
    const note = signNote(checkpointText, parseSignerKey(signer));
    writeFileSync(temp.at('note'), note);
    const ok = go(['note', temp.at('key.pub'), temp.at('note')]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe(checkpointText);
    writeFileSync(temp.at('bad'), tamper(note));
    const bad = go(['note', temp.at('key.pub'), temp.at('bad')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid signature|verification failure/);
  });

  it('signs with the private key exactly as Go signs with it', () => {
    const { signer, verifier } = generateNoteKey(ORIGIN);
    writeFileSync(temp.at('key'), signer);
    const goSigned = go(['sign', temp.at('key')], checkpointText);
    expect(goSigned.stderr).toBe('');
    expect(goSigned.stdout).toBe(signNote(checkpointText, parseSignerKey(signer)));
    expect(openNote(goSigned.stdout, parseVerifierKey(verifier))).toBe(checkpointText);
  });

  it('has Go refuse a note signed by a key it was not given', () => {
    const ours = generateNoteKey(ORIGIN);
    const other = generateNoteKey(ORIGIN);
    writeFileSync(temp.at('ours.pub'), ours.verifier);
    writeFileSync(temp.at('other-note'), signNote(checkpointText, parseSignerKey(other.signer)));
    const r = go(['note', temp.at('ours.pub'), temp.at('other-note')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown key|no verifiable signatures/);
  });
});
