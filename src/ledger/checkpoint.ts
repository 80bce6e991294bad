// Ed25519 keys in the sumdb/note format, signed notes, and C2SP tlog-checkpoints (origin, tree size, root hash) carried in them.

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { SpecLedgerError } from '../errors.js';
import { decodeBase64 } from './base64.js';
import type { Hash } from './merkle.js';

/** The sumdb/note algorithm byte for Ed25519. */
const ALG_ED25519 = 0x01;
// DER prefixes that turn a raw 32-byte Ed25519 seed or public key into PKCS#8 / SPKI, which node:crypto imports.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface NoteVerifierKey {
  /** The key name; for a checkpoint key, the log's origin. */
  name: string;
  /** First 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), big-endian: what a signature line names. */
  keyHash: number;
  publicKey: KeyObject;
  /** `<name>+<hash>+<keydata>`, as written in PREFIX.pub. */
  encoded: string;
}

export interface NoteSignerKey extends NoteVerifierKey {
  privateKey: KeyObject;
}

function invalid(message: string): SpecLedgerError {
  return new SpecLedgerError('INVALID_ARGUMENT', message);
}

/** sumdb/note's rule: non-empty UTF-8 with no whitespace and no '+'. */
function checkName(name: string): void {
  if (name === '' || /[\s+]/u.test(name))
    throw invalid(
      `invalid key name "${name}": it must be non-empty, without spaces or '+' (e.g. example.com/specledger)`,
    );
}

function keyHashOf(name: string, keyData: Buffer): number {
  return createHash('sha256').update(`${name}\n`).update(keyData).digest().readUInt32BE(0);
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

/** A new Ed25519 key pair named `name` (the log origin), with both halves encoded as sumdb/note writes them. */
export function generateNoteKey(name: string): { signer: string; verifier: string } {
  checkName(name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const pub = Buffer.concat([Buffer.from([ALG_ED25519]), rawPublicKey(publicKey)]);
  const hash = hex8(keyHashOf(name, pub));
  const priv = Buffer.concat([Buffer.from([ALG_ED25519]), seed]).toString('base64');
  return {
    signer: `PRIVATE+KEY+${name}+${hash}+${priv}`,
    verifier: `${name}+${hash}+${pub.toString('base64')}`,
  };
}

function splitKey(text: string, what: string): { name: string; hash: string; data: Buffer } {
  // The key data is base64, which may hold '+': only the first two separate fields (as sumdb/note splits).
  const trimmed = text.trim();
  const first = trimmed.indexOf('+');
  const second = trimmed.indexOf('+', first + 1);
  const name = trimmed.slice(0, first);
  const hash = trimmed.slice(first + 1, second);
  const data = trimmed.slice(second + 1);
  if (first === -1 || second === -1 || !/^[0-9a-f]{8}$/.test(hash))
    throw invalid(
      `not a ${what} (expected ${what === 'verifier key' ? '' : 'PRIVATE+KEY+'}<name>+<8 hex>+<base64>)`,
    );
  checkName(name);
  const bytes = decodeBase64(data);
  if (bytes?.length !== 33 || bytes[0] !== ALG_ED25519)
    throw invalid(`not a ${what}: the key data is not an Ed25519 key (algorithm 1, 32 bytes)`);
  return { name, hash, data: bytes };
}

/** Parses a `<name>+<hash>+<keydata>` verifier key (PREFIX.pub). */
export function parseVerifierKey(text: string): NoteVerifierKey {
  const { name, hash, data } = splitKey(text, 'verifier key');
  const keyHash = keyHashOf(name, data);
  if (hex8(keyHash) !== hash)
    throw invalid(`verifier key "${name}": its hash ${hash} does not match its key data`);
  const publicKey = createPublicKey({
    key: Buffer.concat([SPKI_PREFIX, data.subarray(1)]),
    format: 'der',
    type: 'spki',
  });
  return { name, keyHash, publicKey, encoded: text.trim() };
}

/** Parses a `PRIVATE+KEY+<name>+<hash>+<keydata>` signer key. */
export function parseSignerKey(text: string): NoteSignerKey {
  const trimmed = text.trim();
  if (!trimmed.startsWith('PRIVATE+KEY+'))
    throw invalid('not a signer key (expected PRIVATE+KEY+<name>+<hash>+<base64>)');
  const { name, hash, data } = splitKey(trimmed.slice('PRIVATE+KEY+'.length), 'signer key');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, data.subarray(1)]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  const pub = Buffer.concat([Buffer.from([ALG_ED25519]), rawPublicKey(publicKey)]);
  const keyHash = keyHashOf(name, pub);
  if (hex8(keyHash) !== hash) throw invalid(`signer key "${name}": its hash ${hash} does not match its key`);
  return { name, keyHash, publicKey, privateKey, encoded: `${name}+${hash}+${pub.toString('base64')}` };
}

/** The signed note: the text, a blank line, and one `— <name> <base64(key hash ‖ signature)>` line. */
export function signNote(text: string, key: NoteSignerKey): string {
  if (!text.endsWith('\n') || text.includes('\n\n'))
    throw invalid('a note text must end in a newline and hold no blank line');
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(key.keyHash);
  const signature = sign(null, Buffer.from(text), key.privateKey);
  return `${text}\n\u2014 ${key.name} ${Buffer.concat([prefix, signature]).toString('base64')}\n`;
}

/** The text of a signed note, its signatures unchecked: for the ledger's own copy, never for a verdict. */
export function noteText(note: string): string {
  const split = note.lastIndexOf('\n\n');
  if (split === -1 || !note.endsWith('\n'))
    throw invalid('not a signed note (no blank line before the signatures)');
  return note.slice(0, split + 1);
}

/**
 * The text of a note signed by `key`; throws naming why not. Signatures by other keys are ignored (a note may
 * carry witness cosignatures), but one by this key must be present and valid: nothing is accepted by default.
 */
export function openNote(note: string, key: NoteVerifierKey): string {
  const text = noteText(note);
  const lines = note.slice(text.length + 1, -1).split('\n');
  let signedByOthers = 0;
  for (const line of lines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    if (!m) throw invalid(`malformed signature line in note: "${line.slice(0, 80)}"`);
    const sig = decodeBase64(m[2] as string);
    if (!sig) throw invalid('malformed signature line in note: the signature is not canonical base64');
    if (sig.length < 5) throw invalid('malformed signature line in note: too short');
    if (m[1] !== key.name || sig.readUInt32BE(0) !== key.keyHash) {
      signedByOthers += 1;
      continue;
    }
    if (!verify(null, Buffer.from(text), key.publicKey, sig.subarray(4)))
      throw invalid(`the note's signature by ${key.name} is invalid (the note was changed after signing)`);
    return text;
  }
  const names = lines.map((l) => l.split(' ')[1]).join(', ');
  throw invalid(
    `the note is not signed by the key given (${key.name}+${hex8(key.keyHash)}); ${signedByOthers} signature(s) by an unknown key: ${names}`,
  );
}

export interface Checkpoint {
  origin: string;
  size: number;
  root: Hash;
}

/** The checkpoint body: origin, decimal tree size, base64 root hash, one per line (C2SP tlog-checkpoint). */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  return `${checkpoint.origin}\n${checkpoint.size}\n${checkpoint.root.toString('base64')}\n`;
}

/** Parses a checkpoint body; extension lines after the root are allowed and ignored. */
export function parseCheckpoint(text: string): Checkpoint {
  const [origin, sizeLine, rootLine] = text.split('\n');
  if (origin === undefined || origin === '' || sizeLine === undefined || rootLine === undefined)
    throw invalid('not a checkpoint: expected origin, tree size and root hash on three lines');
  if (!/^(?:0|[1-9]\d*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine)))
    throw invalid(`not a checkpoint: tree size "${sizeLine.slice(0, 40)}" is not a decimal number`);
  const root = decodeBase64(rootLine);
  if (root?.length !== 32) throw invalid('not a checkpoint: the root hash is not 32 bytes of base64');
  return { origin, size: Number(sizeLine), root };
}

/** A signed checkpoint: the note signed by `key`, whose origin must be the key's name (the log it speaks for). */
export function openCheckpoint(note: string, key: NoteVerifierKey): Checkpoint {
  const checkpoint = parseCheckpoint(openNote(note, key));
  if (checkpoint.origin !== key.name)
    throw invalid(`the checkpoint is for log "${checkpoint.origin}", but the key is for log "${key.name}"`);
  return checkpoint;
}
