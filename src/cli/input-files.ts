// The files a check reads (keys, checkpoints, receipts, envelopes, bearer tokens): exit 1 naming why one cannot be.
import { ExitError } from '../errors.js';
import { readSmallFile, SmallFileError } from '../source/read-file.js';

/** The text of `file` (src/source/read-file.ts: a regular file, bounded), or exit 1 naming why not. */
export function readInputFile(file: string, what: string): string {
  try {
    return readSmallFile(file);
  } catch (cause) {
    if (!(cause instanceof SmallFileError)) throw cause;
    throw new ExitError(`cannot read ${what} ${file}: ${cause.message}`, 1, { cause });
  }
}
