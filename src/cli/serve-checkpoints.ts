// serve --checkpoint-every N|DURATION --checkpoint-key FILE: the flags checked before the server starts, the scheduler once it runs.
import { ExitError } from '../errors.js';
import {
  type CheckpointEvery,
  type CheckpointScheduler,
  startCheckpointing,
} from '../ledger/checkpoint-schedule.js';
import { startCheckpointWorker } from '../ledger/checkpoint-worker.js';
import type { LedgerStore } from '../ledger/types.js';
import { resolveLedger } from './options.js';
import { logErr } from './output.js';
import { loadSignerKey } from './proof-commands.js';

interface ServeCheckpointOptions {
  ledger: string;
  checkpointEvery?: CheckpointEvery;
  checkpointKey?: string;
}

/**
 * Validates the checkpoint flags (and loads the key, refusing one others can read) before anything starts, and
 * returns what starts the scheduler on the app's ledger, or null when no checkpoints were asked for.
 */
export function prepareCheckpoints(
  opts: ServeCheckpointOptions,
): ((ledger: LedgerStore) => CheckpointScheduler) | null {
  if (opts.checkpointEvery === undefined) {
    if (opts.checkpointKey !== undefined)
      throw new ExitError('--checkpoint-key needs --checkpoint-every N|DURATION', 2);
    return null;
  }
  if (opts.checkpointKey === undefined)
    throw new ExitError('--checkpoint-every needs --checkpoint-key FILE (from specledger keygen)', 2);
  if (opts.ledger === 'off')
    throw new ExitError('--checkpoint-every has nothing to sign with --ledger off', 2);
  const key = loadSignerKey(opts.checkpointKey);
  const every = opts.checkpointEvery;
  const location = resolveLedger(opts.ledger);
  const log = (level: string, message: string): void => logErr(`specledger: ${level}: ${message}`);
  // The records are read and hashed on a worker thread (checkpoint-worker.ts); only the storing happens here.
  return (ledger) => startCheckpointing(ledger, key, every, log, startCheckpointWorker(location, key, log));
}
