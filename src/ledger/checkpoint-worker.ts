// The checkpoint worker: reads and hashes the records added since the last checkpoint on a thread of its own, through its own read-only connection, so a server answering agents never runs tree work between answers.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.js';
import type { NoteSignerKey } from './checkpoint.js';
import { openLedger } from './open.js';
import { openLeafReader, type SignedCheckpoint, signCheckpoint } from './tree.js';
import type { LeafReader } from './tree-leaves.js';
import type { LedgerLog, LedgerStore } from './types.js';

/*
 * Why a thread: in the server process, a checkpoint every second cost 9% of get_clause throughput over HTTP
 * (bench/ledger-checkpoint-load.mjs: 0.909 of the same server without it), all of it reading the new records and
 * hashing them (their chain hashes and leaves, one hash or two a record by the ledger's format) between answers. Here the serving thread only sends a request,
 * receives the signed note with its range (a few hundred bytes) and stores both: two small meta writes.
 *
 * The worker opens the ledger read-only, so it can never append or upgrade anything; for SQLite that is a second
 * connection to the same file (WAL lets it read while the server writes), for PostgreSQL a pool of its own. Its
 * hashing is CPU either way, which is why PostgreSQL gets the same thread rather than relying on its I/O being
 * asynchronous.
 */

const WORKER_KIND = 'specledger-checkpoint-worker';
/** How long close() waits for the worker to close its connection before terminating it. */
const CLOSE_WAIT_MS = 5_000;

interface WorkerInput {
  kind: typeof WORKER_KIND;
  location: string;
  key: NoteSignerKey;
}

type Request = { id: number; full: boolean } | { close: true };

type Reply =
  | { id: number; note: string; size: number; root: string; state: string }
  | { id: number; failed: string }
  | { log: Parameters<LedgerLog>[0]; message: string };

export interface CheckpointWorker {
  /** Signs the current tree head on the worker thread (started on first use, again after it died); nothing is stored. */
  sign(options?: { full?: boolean }): Promise<SignedCheckpoint>;
  /**
   * Lets an idle worker close its connection and exit (terminating it if it has not within 5 s); one still signing
   * is terminated at once, its sign() rejected: it has stored nothing, and shutdown must not wait for a long build.
   */
  close(): Promise<void>;
}

/** The server side: one worker for the ledger at `location`, signing with `key`; its store logs go to `log`. */
export function startCheckpointWorker(
  location: string,
  key: NoteSignerKey,
  log: LedgerLog,
): CheckpointWorker {
  let worker: Worker | null = null;
  let exited: Promise<void> = Promise.resolve();
  let nextId = 1;
  const pending = new Map<number, { resolve: (s: SignedCheckpoint) => void; reject: (e: Error) => void }>();

  const failAll = (message: string): void => {
    for (const { reject } of pending.values()) reject(new Error(message));
    pending.clear();
  };

  function spawn(): Worker {
    const input: WorkerInput = { kind: WORKER_KIND, location, key };
    const w = new Worker(new URL(import.meta.url), { workerData: input });
    // Never what keeps the process alive: shutdown closes it, and a crash must not hold the server.
    w.unref();
    w.on('message', (reply: Reply) => {
      if ('log' in reply) return log(reply.log, reply.message);
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (waiting === undefined) return;
      if ('failed' in reply) waiting.reject(new Error(reply.failed));
      else
        waiting.resolve({
          note: reply.note,
          checkpoint: { origin: key.name, size: reply.size, root: Buffer.from(reply.root, 'hex') },
          state: reply.state,
        });
    });
    w.on('error', (error) => {
      log(
        'error',
        `the checkpoint worker failed (it is started again for the next checkpoint): ${errorMessage(error)}`,
      );
      failAll(`the checkpoint worker failed: ${errorMessage(error)}`);
    });
    exited = new Promise((resolve) =>
      w.once('exit', () => {
        if (worker === w) worker = null;
        failAll('the checkpoint worker stopped');
        resolve();
      }),
    );
    return w;
  }

  return {
    sign(options = {}) {
      worker ??= spawn();
      const id = nextId++;
      const request: Request = { id, full: options.full === true };
      const w = worker;
      return new Promise<SignedCheckpoint>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage(request);
      });
    },
    async close() {
      const w = worker;
      if (w === null) return;
      if (pending.size > 0) {
        await w.terminate();
        worker = null;
        return;
      }
      // Referenced while it closes: with nothing else left (a server shutting down), an unreferenced worker and
      // timer would let the event loop empty before the worker has exited, ending the process mid-close.
      w.ref();
      w.postMessage({ close: true } satisfies Request);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), CLOSE_WAIT_MS);
      });
      if ((await Promise.race([exited, late])) === 'late') await w.terminate();
      clearTimeout(timer);
      worker = null;
    },
  };
}

/** The worker side: answers sign requests one at a time, its store and leaf reader opened on the first. */
function serveRequests(input: WorkerInput, port: NonNullable<typeof parentPort>): void {
  const post = (reply: Reply): void => port.postMessage(reply);
  const log: LedgerLog = (level, message) => post({ log: level, message });
  let opened: Promise<{ store: LedgerStore; leaves: LeafReader }> | null = null;
  const open = async (): Promise<{ store: LedgerStore; leaves: LeafReader }> => {
    const store = await openLedger(input.location, { readonly: true, log });
    // One thread: this runs beside a server answering agents, and a first (full) checkpoint must not take every core.
    return { store, leaves: openLeafReader(input.location, store, { threads: 1 }) };
  };
  const shut = async (): Promise<void> => {
    const current = opened;
    opened = null;
    const ledger = await current?.catch(() => null);
    await ledger?.leaves.close().catch(() => {});
    await ledger?.store.close().catch(() => {});
  };
  let queue = Promise.resolve();
  port.on('message', (request: Request) => {
    queue = queue.then(async () => {
      if ('close' in request) {
        await shut();
        port.close();
        return;
      }
      try {
        opened ??= open();
        const { store, leaves } = await opened;
        const signed = await signCheckpoint(store, input.key, { full: request.full, leaves });
        const { size, root } = signed.checkpoint;
        post({ id: request.id, note: signed.note, size, root: root.toString('hex'), state: signed.state });
      } catch (error) {
        // A connection that failed once is opened afresh for the next request.
        await shut();
        post({ id: request.id, failed: errorMessage(error) });
      }
    });
  });
}

if (!isMainThread && parentPort !== null && (workerData as WorkerInput | undefined)?.kind === WORKER_KIND)
  serveRequests(workerData as WorkerInput, parentPort);
