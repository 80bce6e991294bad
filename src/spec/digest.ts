// Content digests: sha256 over normalized text, so whitespace-only churn at line ends does not change a version.
import crypto, { createHash } from 'node:crypto';

/** LF line endings, no trailing whitespace per line, no trailing blank lines. */
export function normalizeText(text: string): string {
  return stripTrailingBlanks(text.replace(/\r\n?/g, '\n')).replace(/\n+$/, '');
}

/** Drops spaces and tabs at the end of every line; never adds or removes a line. */
export function stripTrailingBlanks(text: string): string {
  return text.replace(/[ \t]+$/gm, '');
}

// crypto.hash (Node ≥ 20.12) hashes in one call, without a Hash object per digest: a clause digest is computed
// for every clause at start-up, 100k of them for a large corpus.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex');
}

/** `sha256:<hex>` of the normalized text. */
export function digestOf(text: string): string {
  return `sha256:${sha256Hex(normalizeText(text))}`;
}
