// Content digests: sha256 over normalized text, so whitespace-only churn at line ends does not change a version.
import { sha256 } from '../sha256.js';

/** LF line endings, no trailing whitespace per line, no trailing blank lines. */
export function normalizeText(text: string): string {
  return dropTrailingNewlines(stripTrailingBlanks(text.replace(/\r\n?/g, '\n')));
}

/** `text.replace(/\n+$/, '')` without the regex, which retries from every newline of a run that does not end the text. */
export function dropTrailingNewlines(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  return end === text.length ? text : text.slice(0, end);
}

/**
 * Drops spaces and tabs at the end of every line; never adds or removes a line. A run of blanks is tried once, from
 * its first blank: `/[ \t]+$/gm` alone retries from every blank of a run that does not end its line, quadratic in a
 * line's indentation (a 1,200-level nested list, 1.4 MB, took 14-25 s to parse). Same matches, so same digests.
 */
export function stripTrailingBlanks(text: string): string {
  // Most text has no blank at a line's end, and plain scans say so faster than the regex's lookbehind, which is
  // tried at every blank (~70 ms of 45k generated clauses' start-up). `$` also ends a line at \r, U+2028 and U+2029:
  // text holding any of them takes the regex.
  const last = text.charCodeAt(text.length - 1);
  const plain = !/[\r\u2028\u2029]/.test(text) && !text.includes(' \n') && !text.includes('\t\n');
  if (plain && last !== 32 && last !== 9) return text;
  return text.replace(/(?<![ \t])[ \t]+$/gm, '');
}

/** SHA-256 of the text, hex: a clause digest is computed for every clause at start-up, 100k for a large corpus. */
export function sha256Hex(text: string): string {
  return sha256(text, 'hex');
}

/** `sha256:<hex>` of the normalized text. */
export function digestOf(text: string): string {
  return `sha256:${sha256Hex(normalizeText(text))}`;
}
