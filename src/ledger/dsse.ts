// DSSE envelopes (secure-systems-lab/dsse v1) signed with Ed25519: how an in-toto Statement travels signed.

import { sign, verify } from 'node:crypto';
import { SpecLedgerError } from '../errors.js';
import { decodeBase64 } from './base64.js';
import type { NoteSignerKey, NoteVerifierKey } from './checkpoint.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: { keyid: string; sig: string }[];
}

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes, decimal. */
function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType);
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload,
  ]);
}

/** The key's sumdb/note verifier key: the keyid names exactly the key `attest --verify --key` is given. */
const keyId = (key: NoteVerifierKey): string => key.encoded;

export function signEnvelope(payload: Buffer, payloadType: string, key: NoteSignerKey): DsseEnvelope {
  const sig = sign(null, preAuthEncoding(payloadType, payload), key.privateKey);
  return {
    payload: payload.toString('base64'),
    payloadType,
    signatures: [{ keyid: keyId(key), sig: sig.toString('base64') }],
  };
}

function invalid(message: string): SpecLedgerError {
  return new SpecLedgerError('INVALID_ARGUMENT', `envelope rejected: ${message}`);
}

/** The payload of an envelope signed by `key`; throws naming why not. Other signatures are ignored. */
export function openEnvelope(text: string, key: NoteVerifierKey): { payloadType: string; payload: Buffer } {
  let envelope: Partial<DsseEnvelope>;
  try {
    envelope = JSON.parse(text) as Partial<DsseEnvelope>;
  } catch (cause) {
    throw invalid(`not JSON (${(cause as Error).message})`);
  }
  if (
    typeof envelope?.payload !== 'string' ||
    typeof envelope.payloadType !== 'string' ||
    !Array.isArray(envelope.signatures)
  )
    throw invalid('not a DSSE envelope (expected payload, payloadType and signatures)');
  const payload = decodeBase64(envelope.payload);
  if (!payload) throw invalid('the payload is not canonical base64');
  const pae = preAuthEncoding(envelope.payloadType, payload);
  const mine = envelope.signatures.filter((s) => s?.keyid === keyId(key));
  if (mine.length === 0)
    throw invalid(
      `not signed by the key given (${key.name}); signed by: ${envelope.signatures.map((s) => String(s?.keyid)).join(', ') || 'nobody'}`,
    );
  for (const s of mine) {
    const sig = typeof s.sig === 'string' ? decodeBase64(s.sig) : null;
    if (sig && verify(null, pae, key.publicKey, sig)) return { payloadType: envelope.payloadType, payload };
  }
  throw invalid(`the signature by ${key.name} is invalid (the envelope was changed after signing)`);
}
