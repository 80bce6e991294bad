// Content digests: sha256 over normalized text, so whitespace-only churn at line ends does not change a version.
import { createHash } from 'node:crypto';

/** LF line endings, no trailing whitespace per line, no trailing blank lines. */
export function normalizeText(text: string): string {
  return stripTrailingBlanks(text.replace(/\r\n?/g, '\n')).replace(/\n+$/, '');
}

/** Drops spaces and tabs at the end of every line; never adds or removes a line. */
export function stripTrailingBlanks(text: string): string {
  return text.replace(/[ \t]+$/gm, '');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `sha256:<hex>` of the normalized text. */
export function digestOf(text: string): string {
  return `sha256:${sha256Hex(normalizeText(text))}`;
}
