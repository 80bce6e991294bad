// The last ledger write failure, kept until a write succeeds again: /readyz reports it without writing anything.
import type { LedgerLog } from './types.js';

/** While writes fail, health() tries one small write (to `meta`, never to records) at most this often. */
const WRITE_RETRY_MS = 1000;

interface WriteFailures {
  /** A batch of reads failed to commit with `message`. */
  failed(message: string): void;
  /** A write committed; a standing failure is cleared (and its recovery logged). */
  succeeded(): void;
  /** The standing failure, or null while writes succeed. */
  current(): { message: string; retryDue: boolean } | null;
}

export function trackWriteFailures(log: LedgerLog): WriteFailures {
  let failure: { message: string; retryAt: number } | null = null;
  let failedBatches = 0;
  return {
    failed(message) {
      failedBatches += 1;
      // One line per distinct failure, not one per batch: a full disk or a lost database fails thousands under load.
      if (failure?.message !== message)
        log('error', `${message}; reads fail until the ledger can be written again`);
      failure = { message, retryAt: Date.now() + WRITE_RETRY_MS };
    },
    succeeded() {
      if (failure === null) return;
      log('info', `ledger writes succeed again (${failedBatches} batch(es) of reads failed meanwhile)`);
      failure = null;
      failedBatches = 0;
    },
    current() {
      return failure === null ? null : { message: failure.message, retryDue: Date.now() >= failure.retryAt };
    },
  };
}
