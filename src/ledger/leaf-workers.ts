// Leaf hashes of a long span of a SQLite ledger on every core: worker threads hash aligned spans of records through their own read-only connections, and the spans are joined in order, each checked to start where the one before ended.
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { hashLevels } from './merkle.js';
import { openSqliteLeafReader, type SqliteLeafReader } from './sqlite-leaves.js';
import type { ChainPoint, LeafPage, LeafReader } from './tree-leaves.js';

/*
 * Why: a full tree build hashes every record to check its chain hash, needs every record's leaf, and hashes its share
 * of the nodes: two SHA-256 calls a record in a ledger of the 'leaf' format, whose chain hash is the leaf, three in a
 * 'prev-json' one. At 10M records here that is 42.6 s on one thread (bench/ledger-proofs.mjs, 'leaf'); on this
 * machine's two cores it takes 25.1 s, since each thread's hashing slows when both run (1.7×, not 2×). The work
 * splits cleanly: a span's chain can be checked from the prev_hash its first record stores, and joining the spans
 * checks that each stored start is the hash the span before ended on, which is exactly the check a single walk
 * makes at that record.
 *
 * The verdict stays the single walk's: when a span fails in any way (a broken chain, a gap, a block not the plain
 * shape, a start that does not join), its workers are stopped and the sequential reader goes on from the last
 * joined record, so the error names the same record with the same words.
 */

const WORKER_KIND = 'specledger-leaf-worker';
/** Records per span: 2^16, so spans from seq 1 are perfect, aligned subtrees (2 MB of leaves each). */
const SPAN_LEVELS = 16;
/** Fewer spans than this are not worth starting threads for (a worker takes ~50 ms of CPU to start). */
const PARALLEL_MIN_SPANS = 4;
/** Spans hashed but not yet joined, per thread: bounds the memory a slow consumer can make the workers fill. */
const AHEAD_PER_THREAD = 3;
/** Threads beyond this gain little (the join is in order) and hold more spans in memory. */
const MAX_THREADS = 8;

interface WorkerInput {
  kind: typeof WORKER_KIND;
  path: string;
}

interface Span {
  id: number;
  first: number;
  last: number;
  /** The levels above the span's leaves to hash: 0, or the span's own depth. */
  levels: number;
}

export interface ParallelOptions {
  /** Worker threads: the machine's available parallelism by default; below 2, the single walk only. */
  threads?: number;
  /** Spans of 2^spanLevels records (default 16). */
  spanLevels?: number;
}

type SpanResult =
  | { id: number; start: ChainPoint; leaves: Uint8Array; levels: Uint8Array[]; last: ChainPoint }
  | { id: number; failed: true };

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** A pool of `threads` workers hashing spans; run() never rejects (a failure is a failed result). */
function startPool(path: string, threads: number) {
  const waiting = new Map<number, (result: SpanResult) => void>();
  const queue: Span[] = [];
  const busy = new Map<Worker, number>();
  const workers: Worker[] = [];
  // Once any worker is gone the pool answers every span as failed: the caller falls back to the single walk.
  let broken = false;
  const dispatch = (): void => {
    for (const w of workers) {
      while ((busy.get(w) ?? 0) < 2 && queue.length > 0) {
        busy.set(w, (busy.get(w) ?? 0) + 1);
        w.postMessage(queue.shift());
      }
    }
  };
  for (let t = 0; t < threads; t++) {
    const input: WorkerInput = { kind: WORKER_KIND, path };
    let w: Worker;
    try {
      w = new Worker(new URL(import.meta.url), { workerData: input });
    } catch {
      broken = true;
      break;
    }
    w.on('message', (result: SpanResult) => {
      busy.set(w, (busy.get(w) ?? 1) - 1);
      waiting.get(result.id)?.(result);
      waiting.delete(result.id);
      dispatch();
    });
    const fail = (): void => {
      broken = true;
      for (const [id, resolve] of waiting) resolve({ id, failed: true });
      waiting.clear();
    };
    w.on('error', fail);
    w.on('exit', fail);
    workers.push(w);
  }
  return {
    run(span: Span): Promise<SpanResult> {
      return new Promise((resolve) => {
        if (broken) return resolve({ id: span.id, failed: true });
        waiting.set(span.id, resolve);
        queue.push(span);
        dispatch();
      });
    },
    async close(): Promise<void> {
      queue.length = 0;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * The leaves of `sequential`'s ledger file at `path`, the long spans hashed on `threads` worker threads; the same
 * pages' content and the same errors as `sequential.pages`, which it falls back to for short spans and failures.
 */
export function parallelLeafReader(
  path: string,
  sequential: SqliteLeafReader,
  { threads = availableParallelism(), spanLevels = SPAN_LEVELS }: ParallelOptions = {},
): LeafReader {
  const spanRecords = 2 ** spanLevels;
  return {
    async *pages(from, upTo = Number.MAX_SAFE_INTEGER, options = {}) {
      // Split only blocks that tile by what they claim: a block inserted, duplicated or overlapping another would
      // fall between two spans, each of which starts at the block holding its first seq, and neither would see it.
      // A block of many spans would be parsed once per span: one over four spans is left to the single walk.
      const tiling = threads < 2 ? null : sequential.claimedTiling(from.seq + 1, 4 * spanRecords);
      const end = Math.min(upTo, tiling?.last ?? 0);
      if (tiling === null || end - from.seq < PARALLEL_MIN_SPANS * spanRecords) {
        yield* sequential.pages(from, upTo);
        return;
      }
      // Spans are made as they are started, never all at once.
      const count = Math.ceil((end - from.seq) / spanRecords);
      const spanAt = (id: number): Span => {
        const first = from.seq + 1 + id * spanRecords;
        return {
          id,
          first,
          last: Math.min(end, first + spanRecords - 1),
          levels: options.levels === true ? spanLevels : 0,
        };
      };
      let prev = from;
      const workers = Math.min(threads, MAX_THREADS);
      const pool = startPool(path, workers);
      try {
        const running = new Map<number, { span: Span; result: Promise<SpanResult> }>();
        let started = 0;
        for (let id = 0; id < count; id++) {
          while (started < count && started - id < workers * AHEAD_PER_THREAD) {
            const span = spanAt(started++);
            running.set(span.id, { span, result: pool.run(span) });
          }
          const { span, result: pending } = running.get(id) as { span: Span; result: Promise<SpanResult> };
          running.delete(id);
          const result = await pending;
          if (
            'failed' in result ||
            result.start.seq !== prev.seq ||
            result.start.hash !== prev.hash ||
            result.last.seq !== span.last
          )
            break;
          prev = result.last;
          const levels = result.levels.map(asBuffer);
          yield { leaves: asBuffer(result.leaves), last: prev, ...(span.levels > 0 ? { levels } : {}) };
        }
      } finally {
        await pool.close();
      }
      // Whatever the spans did not join (a failure, or records appended since the split) the single walk reads.
      if (prev.seq < upTo) yield* sequential.pages(prev, upTo);
    },
    close: () => sequential.close(),
  };
}

/** The worker side: hashes each span it is sent from its stored start, through one read-only connection. */
function serveSpans(input: WorkerInput, port: NonNullable<typeof parentPort>): void {
  const reader = openSqliteLeafReader(input.path);
  let queue = Promise.resolve();
  port.on('message', (span: Span) => {
    queue = queue.then(async () => {
      try {
        const start = reader.storedPointBefore(span.first);
        if (start === null) return port.postMessage({ id: span.id, failed: true } satisfies SpanResult);
        const pages: LeafPage[] = [];
        for await (const page of reader.pages(start, span.last)) pages.push(page);
        // ArrayBuffers of their own, so they can be handed over rather than copied (never a slice of Node's pool).
        const leaves = new Uint8Array(pages.reduce((n, p) => n + p.leaves.length, 0));
        let offset = 0;
        for (const page of pages) {
          leaves.set(page.leaves, offset);
          offset += page.leaves.length;
        }
        const levels = hashLevels(asBuffer(leaves), span.levels).map((l) => new Uint8Array(l));
        const last = pages.at(-1)?.last ?? start;
        const transfer = [leaves.buffer, ...levels.map((l) => l.buffer)];
        port.postMessage({ id: span.id, start, leaves, levels, last } satisfies SpanResult, transfer);
      } catch {
        port.postMessage({ id: span.id, failed: true } satisfies SpanResult);
      }
    });
  });
}

if (!isMainThread && parentPort !== null && (workerData as WorkerInput | undefined)?.kind === WORKER_KIND)
  serveSpans(workerData as WorkerInput, parentPort);
