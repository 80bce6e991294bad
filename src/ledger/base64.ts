// Strict base64 (RFC 4648 §4, canonical) for every signed or proven field: keys, checkpoint roots and signatures,
// inclusion proofs, DSSE payloads and signatures.

/**
 * The bytes `text` encodes, or null unless it is canonical standard base64. Node's decoder accepts base64url
 * characters (`-` for `+`), missing or junk padding, and non-zero bits after the last byte, so a one-byte change to a
 * receipt or an envelope could decode to the same bytes and still verify (found by review: 78 accepted mutations of
 * one receipt). A string that does not re-encode to itself is not the one that was signed.
 */
export function decodeBase64(text: string): Buffer | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}
