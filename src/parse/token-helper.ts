// A helper thread that counts the tokens of a corpus while it is parsed, so the first read_root need not count them.
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { boundMergeCache, type CountHelper, countExact } from './tokens.js';

/*
 * Why: the first read_root totals the tokens of every spec, and counting is slow (gpt-tokenizer, ~12 MB/s here):
 * 7.6 MB of generated specs cost ~0.6 s of that call, on top of parsing them (~1.3 s). Counting needs nothing from
 * parsing but each body's text, so a second core counts the bodies while the first parses the rest; the counts land
 * in the main counter's memo, where read_root finds them. On one core the helper would only take turns with the
 * parse, so there it is not started.
 *
 * The helper serves the load it was started for: once it has been idle for IDLE_MS it exits, giving back its heap
 * (gpt-tokenizer's tables), and later texts (a reload's few files) are counted where they are read.
 */

const WORKER_KIND = 'specledger-token-helper';
/** Idle time after which the helper exits: a load hands it work every few milliseconds until it is done. */
const IDLE_MS = 2_000;

interface Job {
  id: number;
  texts: string[];
}

interface Answer {
  id: number;
  counts: number[];
}

export interface CountHelperOptions {
  /** Cores this process may run on (default: what the OS grants it); the helper needs a second one. */
  cores?: number;
  /** Idle milliseconds before the helper exits (default IDLE_MS). */
  idleMs?: number;
}

/** A helper on its own thread where the machine has a second core to run it on; null otherwise. */
export function startCountHelper(options: CountHelperOptions = {}): CountHelper | null {
  const { cores = availableParallelism(), idleMs = IDLE_MS } = options;
  if (cores < 2) return null;
  let worker: Worker | null;
  try {
    // No flags of the parent's (`--input-type`, loaders): the helper is this plain file, run as it is.
    worker = new Worker(new URL(import.meta.url), { workerData: { kind: WORKER_KIND }, execArgv: [] });
  } catch {
    return null;
  }
  const waiting = new Map<number, (counts: number[] | null) => void>();
  let nextId = 0;
  let idle: NodeJS.Timeout | null = null;
  const retire = (): void => {
    const w = worker;
    worker = null;
    for (const resolve of waiting.values()) resolve(null);
    waiting.clear();
    if (idle) clearTimeout(idle);
    void w?.terminate();
  };
  // A corpus loads in one synchronous pass, and its last batch is posted from a setImmediate after it: a timer that
  // expired meanwhile runs first in that turn. So the timer only retires the helper if no job came by the next turn
  // (each job takes the next id).
  const retireIfIdle = (): void => {
    const seen = nextId;
    setImmediate(() => {
      if (nextId === seen && waiting.size === 0) retire();
    }).unref();
  };
  const restartIdle = (): void => {
    if (idle) clearTimeout(idle);
    idle = waiting.size === 0 ? setTimeout(retireIfIdle, idleMs).unref() : null;
  };
  worker.on('message', (answer: Answer) => {
    waiting.get(answer.id)?.(answer.counts);
    waiting.delete(answer.id);
    if (waiting.size === 0) worker?.unref();
    restartIdle();
  });
  // A thread that fails (it could not load, it ran out of memory) only means the main thread counts.
  worker.on('error', retire);
  worker.on('exit', retire);
  // An idle helper never keeps the process alive; one with counts to answer does, as any pending work would. After
  // the listeners: adding a 'message' listener refs the worker again.
  worker.unref();
  restartIdle();
  return {
    count(texts) {
      if (!worker) return Promise.resolve(null);
      const id = nextId++;
      const answered = new Promise<number[] | null>((resolve) => waiting.set(id, resolve));
      worker.ref();
      worker.postMessage({ id, texts } satisfies Job);
      restartIdle();
      return answered;
    },
    close: retire,
  };
}

if (!isMainThread && (workerData as { kind?: unknown } | null)?.kind === WORKER_KIND) {
  boundMergeCache();
  parentPort?.on('message', (job: Job) => {
    parentPort?.postMessage({ id: job.id, counts: job.texts.map(countExact) } satisfies Answer);
  });
}
