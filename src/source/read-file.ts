// Small files read whole (configs, keys, receipts, checkpoints, token files): regular files only, bounded, never
// blocking. A FIFO named like a config hung the event loop for every client; a link to /dev/zero grew the process
// until it aborted (both found by review).
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

/** Far above any of them (a receipt is a few KB, an envelope of a long run a few MB); far below what hurts. */
export const MAX_SMALL_FILE_BYTES = 64 * 1024 * 1024;

/** Why a small file cannot be read. */
export class SmallFileError extends Error {}

/**
 * The text of `file`: opened non-blocking (a FIFO does not wait for a writer), refused unless it is a regular file
 * of at most `maxBytes`. Throws SmallFileError with the reason (the OS's, or "not a regular file").
 */
export function readSmallFile(file: string, maxBytes = MAX_SMALL_FILE_BYTES): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw new SmallFileError((cause as Error).message, { cause });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new SmallFileError('not a regular file');
    if (stat.size > maxBytes)
      throw new SmallFileError(
        `${stat.size} bytes, over the ${Math.round(maxBytes / 1024 / 1024)} MiB it may be`,
      );
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
