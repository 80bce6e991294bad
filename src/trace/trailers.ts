// Commit-message trailers: the lines an agent pastes to cite what it read, and the run IDs a commit declares.
import { digestHex, formatRef } from '../ledger/refs.js';
import type { ReadRecord } from '../ledger/types.js';

/** The trailer naming the run a commit came from; the hooks add it, and `trace` reads it. */
export const SPEC_RUN_TRAILER = 'Spec-Run';
/** The trailer citing one clause at one version: `Spec-Refs: auth#token-lifetime@1a2b3c4d`. */
const SPEC_REFS_TRAILER = 'Spec-Refs';

/**
 * Trailers that name a run the ledger may know, in order of preference: ours, then an agent's own session trailer.
 * Compared case-insensitively, as git compares trailer keys.
 */
const RUN_TRAILER_KEYS: readonly string[] = [SPEC_RUN_TRAILER, 'Claude-Session'];

/** Hex digits of a digest in a trailer: 8 (32 bits) tell apart the versions of one clause, which is all they must. */
export const SHORT_DIGEST_LENGTH = 8;

export type TrailerRead = Pick<ReadRecord, 'seq' | 'kind' | 'spec_id' | 'clause_id' | 'digest'>;

/**
 * Ready-to-paste trailers for a commit message: `Spec-Run: RUN`, then one `Spec-Refs: REF@SHORT` per clause the run
 * read, in the order first read, each at the last digest read (re-reading after a change means the new text was
 * used). Only clause reads are cited: outlines, searches and the root are how the agent found them.
 */
export function specRefTrailers(runId: string, reads: readonly TrailerRead[]): string[] {
  const latest = new Map<string, { seq: number; digest: string }>();
  const order: string[] = [];
  for (const read of reads) {
    if (read.kind !== 'clause' || read.digest === null) continue;
    const ref = formatRef(read.spec_id, read.clause_id);
    if (ref === null) continue;
    const seen = latest.get(ref);
    if (seen === undefined) order.push(ref);
    if (seen === undefined || read.seq > seen.seq) latest.set(ref, { seq: read.seq, digest: read.digest });
  }
  const lines = [`${SPEC_RUN_TRAILER}: ${oneLine(runId)}`];
  for (const ref of order) {
    const hex = digestHex((latest.get(ref) as { digest: string }).digest).slice(0, SHORT_DIGEST_LENGTH);
    lines.push(`${SPEC_REFS_TRAILER}: ${oneLine(ref)}@${hex}`);
  }
  return lines;
}

/** A trailer value is one line: a line break inside it would start a trailer of its own. */
function oneLine(value: string): string {
  return value.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

export interface Trailer {
  key: string;
  value: string;
}

/** `Key: value` lines as `git log --format=%(trailers:only,unfold)` prints them, one per trailer. */
export function parseTrailerLines(lines: readonly string[]): Trailer[] {
  const out: Trailer[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const value = line.slice(colon + 1).trim();
    if (value !== '') out.push({ key: line.slice(0, colon).trim(), value });
  }
  return out;
}

/** The run IDs a commit declares in its trailers, with the key that declared each, in RUN_TRAILER_KEYS order. */
export function declaredRuns(trailers: readonly Trailer[]): Array<{ run: string; key: string }> {
  const out: Array<{ run: string; key: string }> = [];
  for (const key of RUN_TRAILER_KEYS) {
    for (const t of trailers) {
      if (t.key.toLowerCase() === key.toLowerCase() && !out.some((o) => o.run === t.value))
        out.push({ run: t.value, key: t.key });
    }
  }
  return out;
}

const TRAILER_LINE = /^[A-Za-z0-9][A-Za-z0-9-]*:\s/;

/**
 * The message with `Key: value` added as a trailer, or null when nothing should change: the trailer is there
 * already, or the message has no text yet (an editor is about to open on it; adding a line would turn an aborted,
 * empty commit into a commit). Lines starting with the comment character and everything after git's scissors line
 * stay where they are, below. Written here rather than with `git interpret-trailers`, which runs the commands a
 * repository's `trailer.<key>.cmd` config names.
 */
export function addTrailer(message: string, key: string, value: string, commentChar = '#'): string | null {
  const trailer = `${key}: ${oneLine(value)}`;
  const lines = message.split('\n');
  const isComment = (l: string) => l.startsWith(commentChar);
  const scissors = lines.findIndex((l) => isComment(l) && / -+ >8 -+/.test(l));
  let end = scissors === -1 ? lines.length : scissors;
  while (end > 0 && (isComment(lines[end - 1] as string) || (lines[end - 1] as string).trim() === '')) end--;
  const body = lines.slice(0, end);
  if (body.every((l) => isComment(l) || l.trim() === '')) return null;
  if (body.some((l) => l.trim().toLowerCase() === trailer.toLowerCase())) return null;
  let start = end;
  while (start > 0 && (lines[start - 1] as string).trim() !== '') start--;
  const lastParagraph = lines.slice(start, end).filter((l) => !isComment(l));
  // The first paragraph is the subject, never trailers; a last paragraph of `Key: value` lines is the trailer block.
  const inBlock = start > 0 && lastParagraph.length > 0 && lastParagraph.every((l) => TRAILER_LINE.test(l));
  const added = inBlock ? [trailer] : ['', trailer];
  return [...lines.slice(0, end), ...added, ...lines.slice(end)].join('\n');
}
