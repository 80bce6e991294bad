// `serve --checkpoint-every N|DURATION`: signs checkpoints in the background, one at a time, never on a read's path.
import { errorMessage } from '../errors.js';
import type { NoteSignerKey } from './checkpoint.js';
import type { CheckpointWorker } from './checkpoint-worker.js';
import { storeCheckpoint, takeCheckpoint } from './tree.js';
import type { LedgerLog, LedgerStore } from './types.js';

/** Every so many milliseconds, or once so many records were added since the last checkpoint. */
export type CheckpointEvery = { ms: number } | { records: number };

/** How often a record count is looked at: one indexed one-row query a second. */
const RECORDS_POLL_MS = 1_000;

export interface CheckpointScheduler {
  /** Stops scheduling and resolves once a checkpoint under way has been stored. */
  stop(): Promise<void>;
}

/**
 * Starts signing checkpoints of `store` with `key`. Each one extends the last (it hashes the records added since),
 * and the next is not scheduled until it has finished, so a slow one never piles up. With `worker` (what serve
 * uses) the reading and hashing run on the worker's thread and only the storing here; without, here, between
 * reads (it awaits the store a page at a time). A failure is logged and retried at the next tick: it never stops
 * the server. stop() also closes the worker, dropping a checkpoint it is still computing.
 */
export function startCheckpointing(
  store: LedgerStore,
  key: NoteSignerKey,
  every: CheckpointEvery,
  log: LedgerLog,
  worker?: CheckpointWorker,
): CheckpointScheduler {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let signedSize = -1;

  const due = async (): Promise<boolean> => {
    if ('ms' in every) return true;
    if (signedSize < 0) return true;
    return (await store.recordsAfter(signedSize + every.records - 1, 1)).length > 0;
  };

  const tick = (): void => {
    running = (async () => {
      try {
        if (await due()) {
          if (worker) {
            const signed = await worker.sign();
            if (stopped) return;
            await storeCheckpoint(store, signed);
            signedSize = signed.checkpoint.size;
          } else signedSize = (await takeCheckpoint(store, key)).checkpoint.size;
        }
      } catch (error) {
        // A checkpoint cut off by stop() is no failure: nothing of it was stored.
        if (!stopped) log('warn', `checkpoint failed (retried at the next tick): ${errorMessage(error)}`);
      }
    })();
    void running.then(() => {
      if (!stopped) timer = setTimeout(tick, 'ms' in every ? every.ms : RECORDS_POLL_MS).unref();
    });
  };
  timer = setTimeout(tick, 'ms' in every ? every.ms : RECORDS_POLL_MS).unref();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      // The worker first: a checkpoint it is computing (a first one over a large ledger takes a minute) is dropped,
      // not waited for, since it stores nothing itself; one being stored here is finished.
      await worker?.close();
      await running;
    },
  };
}
