// A helper thread that counts the tokens of a corpus while it is parsed, so the first read_root need not count them.
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { type CountHelper, createExactCounter } from './tokens.js';

/*
 * Why: the first read_root totals the tokens of every spec, and counting is slow (gpt-tokenizer, ~12 MB/s here):
 * 7.6 MB of generated specs cost ~0.6 s of that call, on top of parsing them (~1.3 s). Counting needs nothing from
 * parsing but each body's text, so a second core counts the bodies while the first parses the rest; the counts land
 * in the main counter's memo, where read_root finds them. On one core the helper would only take turns with the
 * parse, so there it is not started.
 *
 * The helper serves the load it was started for: once it has been idle for IDLE_MS it exits, giving back its heap
 * (gpt-tokenizer's tables), and later texts (a reload's few files) are counted where they are read.
 *
 * Until then it also counts the main thread's short texts (read_root's catalog lines, the page itself) while the
 * main thread waits on a shared buffer (countNow): the main thread then never loads the tokenizer during start-up.
 * Those counts are work too: a server asked for counts at least every IDLE_MS keeps its helper, and its main thread
 * keeps not loading a tokenizer of its own.
 * A count that way is a round trip between two threads (tens of µs), against ~0.2 s to load the tables.
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

/** The longest text countNow hands over (UTF-16 units in the shared buffer); longer ones are counted where they are. */
const SYNC_CHARS = 64 * 1024;
/** How long countNow waits for an answer; a helper that misses it is not asked again (its thread is stuck or gone). */
const SYNC_TIMEOUT_MS = 500;
/** Int32 slots at the start of the shared buffer: the last request's number, the last answered, length, count. */
const REQUEST = 0;
const ANSWERED = 1;
const LENGTH = 2;
const COUNT = 3;
const CONTROL_BYTES = 16;
/** Loads of the shared slot before a thread sleeps on it (~20-50 µs): sleeping and waking cost ~25 µs each way. */
const SPINS = 20_000;
/** How long the helper keeps waiting for the next countNow of a burst before it goes back to its event loop. */
const BURST_WAIT_MS = 2;

/** ES2024's Atomics.waitAsync, which Node 20 has and this project's lib predates. */
interface AtomicsWaitAsync {
  waitAsync(
    array: Int32Array,
    index: number,
    value: number,
  ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
}

/** The shared buffer's two views: the control slots and the text. */
function syncViews(shared: SharedArrayBuffer): { control: Int32Array; text: Uint16Array } {
  return { control: new Int32Array(shared, 0, 4), text: new Uint16Array(shared, CONTROL_BYTES, SYNC_CHARS) };
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
  const shared = new SharedArrayBuffer(CONTROL_BYTES + SYNC_CHARS * 2);
  const { control, text: sharedText } = syncViews(shared);
  let syncWorks = true;
  try {
    // No flags of the parent's (`--input-type`, loaders): the helper is this plain file, run as it is.
    worker = new Worker(new URL(import.meta.url), {
      workerData: { kind: WORKER_KIND, shared },
      execArgv: [],
    });
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
    countNow(text) {
      if (!worker || !syncWorks || text.length > SYNC_CHARS) return null;
      for (let i = 0; i < text.length; i++) sharedText[i] = text.charCodeAt(i);
      Atomics.store(control, LENGTH, text.length);
      // An Int32 slot: the number wraps as the slot does, or a request past 2^31 would never be seen answered.
      const request = (Atomics.load(control, REQUEST) + 1) | 0;
      Atomics.store(control, REQUEST, request);
      Atomics.notify(control, REQUEST);
      const deadline = performance.now() + SYNC_TIMEOUT_MS;
      // A short text is counted in ~10 µs: the answer is looked for a moment before this thread sleeps for it.
      for (let spin = 0; spin < SPINS && Atomics.load(control, ANSWERED) !== request; spin++);
      for (
        let seen = Atomics.load(control, ANSWERED);
        seen !== request;
        seen = Atomics.load(control, ANSWERED)
      ) {
        const left = deadline - performance.now();
        if (left <= 0 || Atomics.wait(control, ANSWERED, seen, left) === 'timed-out') {
          syncWorks = false;
          return null;
        }
      }
      restartIdle();
      const count = Atomics.load(control, COUNT);
      return count < 0 ? null : count;
    },
    close: retire,
  };
}

if (!isMainThread && (workerData as { kind?: unknown } | null)?.kind === WORKER_KIND) {
  const count = createExactCounter();
  count(''); // load the tables now, before the first batch arrives
  parentPort?.on('message', (job: Job) => {
    // A text the tokenizer fails on is answered with -1 and counted where it is read (and fails there, if it does):
    // the helper stays up for the rest.
    parentPort?.postMessage({
      id: job.id,
      counts: job.texts.map((t) => countOrFail(count, t)),
    } satisfies Answer);
  });
  serveCountNow((workerData as { shared: SharedArrayBuffer }).shared, count);
}

/** `count(text)`, or -1 when it throws: an answer the caller declines, never a thread that stops answering. */
function countOrFail(count: (text: string) => number, text: string): number {
  try {
    return count(text);
  } catch {
    return -1;
  }
}

/** The helper's side of countNow: it waits (without blocking its loop) for the next request number, answers, repeats. */
function serveCountNow(shared: SharedArrayBuffer, count: (text: string) => number): void {
  const { control, text } = syncViews(shared);
  let answered = 0;
  const answer = (request: number): void => {
    const length = Atomics.load(control, LENGTH);
    let s = '';
    for (let i = 0; i < length; i += 4096)
      s += String.fromCharCode(...text.subarray(i, Math.min(length, i + 4096)));
    Atomics.store(control, COUNT, countOrFail(count, s));
    answered = request;
    Atomics.store(control, ANSWERED, request);
    Atomics.notify(control, ANSWERED);
  };
  const serve = (): void => {
    // Requests come in bursts (a read_root counts each of its lines): after one, the next is waited for here, on
    // this thread, for a moment, which answers it in microseconds; waking through the event loop took ~0.2 ms.
    for (let request = Atomics.load(control, REQUEST); request !== answered; ) {
      answer(request);
      for (let spin = 0; spin < SPINS && Atomics.load(control, REQUEST) === answered; spin++);
      Atomics.wait(control, REQUEST, answered, BURST_WAIT_MS);
      request = Atomics.load(control, REQUEST);
    }
    const waiting = (Atomics as unknown as AtomicsWaitAsync).waitAsync(control, REQUEST, answered);
    if (waiting.async) void waiting.value.then(serve);
    else serve();
  };
  serve();
}
