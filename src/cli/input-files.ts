// The files a check reads (keys, checkpoints, receipts, envelopes, bearer tokens): small, regular files, read whole.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { ExitError } from '../errors.js';

/** Far above any of them (a receipt is a few KB, an envelope of a long run a few MB); far below what hurts. */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/**
 * The text of `file`, or exit 1 naming why not. Refuses what is not a regular file before reading it: a receipt
 * path of /dev/zero grew the process to 6 GB and aborted it (found by review), and a FIFO would block forever.
 */
export function readInputFile(file: string, what: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw new ExitError(`cannot read ${what} ${file}: ${(cause as Error).message}`, 1, { cause });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ExitError(`cannot read ${what} ${file}: not a regular file`, 1);
    if (stat.size > MAX_INPUT_BYTES)
      throw new ExitError(
        `cannot read ${what} ${file}: ${stat.size} bytes, over the ${MAX_INPUT_BYTES / 1024 / 1024} MiB a ${what} may be`,
        1,
      );
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
