// Small files read whole (configs, keys, receipts, checkpoints, token files): regular files only, bounded, never
// blocking. A FIFO named like a config hung the event loop for every client; a link to /dev/zero grew the process
// until it aborted (both found by review).
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync } from 'node:fs';
import { isInside } from './safe-path.js';

/** Far above any of them (a receipt is a few KB, an envelope of a long run a few MB); far below what hurts. */
const MAX_SMALL_FILE_BYTES = 64 * 1024 * 1024;

/** A config (lint, roots) is a few hundred bytes; a megabyte is a mistake or an attack. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Why a small file cannot be read. */
export class SmallFileError extends Error {}

interface SmallFileOptions {
  /**
   * A folder the file must be in (a real path): the file is opened without following a link, and where the kernel
   * says the open file lives must be inside it, so a folder on the way swapped for a link after any check made
   * before the open still cannot lead the read outside.
   */
  inside?: string;
}

/**
 * The text of `file`: opened non-blocking (a FIFO does not wait for a writer), refused unless it is a regular file
 * of at most `maxBytes`. Throws SmallFileError with the reason (the OS's, or "not a regular file").
 */
export function readSmallFile(
  file: string,
  maxBytes = MAX_SMALL_FILE_BYTES,
  { inside }: SmallFileOptions = {},
): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | (inside ? constants.O_NOFOLLOW : 0));
  } catch (cause) {
    throw new SmallFileError((cause as Error).message, { cause });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new SmallFileError('not a regular file');
    const opened = inside === undefined ? null : openedPath(fd);
    if (inside !== undefined && opened !== null && !isInside(inside, opened))
      throw new SmallFileError(`leads outside ${inside} (to ${opened})`);
    if (stat.size > maxBytes)
      throw new SmallFileError(
        `${stat.size} bytes, over the ${Math.round(maxBytes / 1024 / 1024)} MiB it may be`,
      );
    // Read to the bound, not to the end: a file still being written could grow past its stat.
    const buf = readUpTo(fd, maxBytes + 1);
    if (buf.length > maxBytes) throw new SmallFileError('grew past its limit while being read');
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** At most `limit` bytes from an open file, in 64 KiB reads. */
export function readUpTo(fd: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit - total));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
  }
  return Buffer.concat(chunks, total);
}

/** Where the kernel says an open file lives (Linux); null where that cannot be asked. */
export function openedPath(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}
