// Live reload: chokidar events under the spec root become batched corpus reloads that never serve a half-saved file.
import { type Stats, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type FSWatcher, watch } from 'chokidar';
import type { Corpus, ReloadResult } from '../corpus/corpus.js';
import { IGNORED_DIRS, isSpecFile } from './read-tree.js';
import { toRelative } from './safe-path.js';

export interface WatchCorpusOptions {
  /** Poll instead of native events, for file systems that send none (NFS, SMB, some container mounts). */
  poll?: boolean;
  /** Polling interval; chokidar's default of 100 ms bounds how late a polled edit is seen. */
  pollIntervalMs?: number;
  /**
   * Quiet time per path before it is re-read. 25 ms coalesces an editor's truncate-then-write into one read
   * while keeping edit-to-served latency far under the 250 ms target; chokidar's awaitWriteFinish waits for a
   * file's size to hold still for 2 s by default, which is why it is not used.
   */
  debounceMs?: number;
  /**
   * How long a missing or empty file keeps its last good version before the deletion is believed. Saves by
   * rename, delete-and-recreate and truncate-then-write all pass through one of those states for a moment.
   */
  settleMs?: number;
  /** Told about every swapped snapshot, in order; a throw or rejection is logged, never fatal. */
  onReload(result: ReloadResult): void | Promise<void>;
  log(message: string): void;
}

export interface CorpusWatcher {
  /** Stops watching and waits for the reload notifications already started. */
  close(): Promise<void>;
}

/**
 * chokidar drops a path's `change` events for 50 ms after one it emits, so the end of a write that lands in
 * that window raises no event. Each re-read file is stat'ed once more 25 ms past it and re-read if it moved.
 */
const CHOKIDAR_CHANGE_THROTTLE_MS = 50;
const RECHECK_MARGIN_MS = 25;
/** How often a vanished root is looked for: a checkout or restore that recreates it is served within a second. */
const ROOT_POLL_MS = 250;

/** Starts watching `corpus.root`; resolves once chokidar has listed the tree and every later change is seen. */
export async function watchCorpus(corpus: Corpus, options: WatchCorpusOptions): Promise<CorpusWatcher> {
  const root = corpus.root;
  const debounceMs = options.debounceMs ?? 25;
  const settleMs = options.settleMs ?? 100;
  // Paths are root-relative POSIX strings, as the corpus names them; times are performance.now() (monotonic).
  /** When each path may be re-read: its last event plus the debounce (or the end of its settle time). */
  const due = new Map<string, number>();
  const lastEvent = new Map<string, number>();
  /** Since when a path has been found missing or empty. */
  const absentSince = new Map<string, number>();
  /** Re-read paths to stat again past chokidar's change throttle, with the file state seen before the read. */
  const recheck = new Map<string, { at: number; signature: string }>();
  let rescanAt: number | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let notifying: Promise<void> = Promise.resolve();

  const notify = (result: ReloadResult): void => {
    // Chained so clients hear about snapshots in the order they were swapped in; the swap itself never waits.
    notifying = notifying.then(async () => {
      try {
        await options.onReload(result);
      } catch (error) {
        options.log(`specledger: announcing a reload failed: ${messageOf(error)}`);
      }
    });
  };

  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (closed) return;
    let next = rescanAt ?? Number.POSITIVE_INFINITY;
    for (const at of due.values()) next = Math.min(next, at);
    for (const r of recheck.values()) next = Math.min(next, r.at);
    if (next === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(flush, Math.max(0, Math.ceil(next - performance.now())));
  };

  const flush = (): void => {
    timer = null;
    if (closed) return;
    const now = performance.now();
    // Paths due a little later join this batch: a burst (git checkout, a formatter run) becomes one swap.
    const horizon = now + debounceMs / 2;
    const ready = new Set<string>();
    for (const [rel, at] of due) {
      if (at > horizon) continue;
      due.delete(rel);
      ready.add(rel);
    }
    for (const [rel, r] of recheck) {
      if (r.at > now) continue;
      recheck.delete(rel);
      if (signatureOf(statOrNull(path.join(root, rel))) !== r.signature) ready.add(rel);
    }

    const reread: string[] = [];
    const seen = new Map<string, string>();
    let known: ReadonlySet<string> | undefined;
    for (const rel of ready) {
      const st = statOrNull(path.join(root, rel));
      if (st === null || st.size === 0) {
        const since = absentSince.get(rel) ?? now;
        absentSince.set(rel, since);
        if (now - since < settleMs) {
          due.set(rel, since + settleMs);
          continue;
        }
        absentSince.delete(rel);
        known ??= knownPaths(corpus);
        // A temp file that came and went was never served: re-reading it would only cost a snapshot.
        if (st === null && !known.has(rel)) continue;
      } else {
        absentSince.delete(rel);
      }
      reread.push(rel);
      // Taken before the corpus reads the file, so a write after this point always shows as a new signature.
      if (st) seen.set(rel, signatureOf(st));
    }

    const rescan = rescanAt !== null && rescanAt <= horizon;
    if (rescan) rescanAt = null;
    if (reread.length > 0 || rescan) {
      try {
        const result = rescan ? corpus.rescan(reread) : corpus.reload(reread);
        if (result.after !== result.before) notify(result);
      } catch (error) {
        options.log(
          `specledger: reloading ${listed(reread)} failed, still serving the previous version: ${messageOf(error)}`,
        );
      }
      for (const rel of reread) {
        const signature = seen.get(rel);
        const at = (lastEvent.get(rel) ?? now) + CHOKIDAR_CHANGE_THROTTLE_MS + RECHECK_MARGIN_MS;
        if (signature !== undefined && at > now && !due.has(rel)) recheck.set(rel, { at, signature });
      }
    }
    // An event time matters only while its path still waits for a re-read or a re-check.
    for (const rel of ready) if (!due.has(rel) && !recheck.has(rel)) lastEvent.delete(rel);
    schedule();
  };

  const onEvent = (event: string, absolute: string): void => {
    if (closed) return;
    const now = performance.now();
    if (event === 'addDir' || event === 'unlinkDir') {
      // A new or renamed folder may hold files chokidar reports late or never (created before its watch began).
      rescanAt = now + debounceMs;
      if (event === 'unlinkDir' && toRelative(root, absolute) === '') awaitRootReturn();
    } else if (event === 'add' || event === 'change' || event === 'unlink') {
      const rel = toRelative(root, absolute);
      if (!isSpecFile(rel) || isIgnoredRelative(rel)) return;
      due.set(rel, now + debounceMs);
      lastEvent.set(rel, now);
      recheck.delete(rel);
    } else {
      return;
    }
    schedule();
  };

  const startChokidar = async (): Promise<FSWatcher> => {
    const w = watch(root, {
      ignoreInitial: true,
      // Links may lead outside the root, where nothing is read; following them could also watch a whole disk.
      followSymlinks: false,
      usePolling: options.poll === true,
      ...(options.pollIntervalMs !== undefined ? { interval: options.pollIntervalMs } : {}),
      // chokidar's own atomic mode delays every unlink by 100 ms; settleMs does the same job, for polling too.
      atomic: false,
      ignored: (absolute: string, stats?: Stats) => {
        const rel = toRelative(root, absolute);
        if (rel === '' || rel === '..' || rel.startsWith('../')) return false;
        if (isIgnoredRelative(rel)) return true;
        // Directories must be watched to see new specs inside them; only other files are skipped.
        return stats?.isFile() === true && !isSpecFile(rel);
      },
    });
    w.on('all', onEvent);
    w.on('error', (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      const hint =
        code === 'ENOSPC' || code === 'EMFILE'
          ? ' (out of file watches: raise fs.inotify.max_user_watches or serve with --poll)'
          : '';
      options.log(`specledger: watching ${root} failed: ${messageOf(error)}${hint}`);
    });
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
    return w;
  };

  /**
   * A root that is deleted (or renamed away) takes chokidar's watches with it, and a root recreated at the same
   * path gets none: the root's return is polled for, then watched afresh and rescanned.
   */
  const awaitRootReturn = (): void => {
    if (rootPoll || closed) return;
    options.log(`specledger: spec root ${root} is gone; serving nothing from it until it comes back`);
    rootPoll = setInterval(() => {
      if (closed || !isDirectory(root)) return;
      if (rootPoll) clearInterval(rootPoll);
      rootPoll = null;
      restarting = (async () => {
        const old = watcher;
        watcher = await startChokidar();
        await old.close();
        if (closed) return;
        options.log(`specledger: spec root ${root} is back; reloading it`);
        rescanAt = performance.now();
        schedule();
      })().catch((error) => options.log(`specledger: watching ${root} again failed: ${messageOf(error)}`));
    }, ROOT_POLL_MS);
  };

  let rootPoll: NodeJS.Timeout | null = null;
  let restarting: Promise<void> = Promise.resolve();
  let watcher = await startChokidar();

  let closing: Promise<void> | null = null;
  return {
    close() {
      closing ??= (async () => {
        closed = true;
        if (timer) clearTimeout(timer);
        timer = null;
        if (rootPoll) clearInterval(rootPoll);
        await restarting;
        await watcher.close();
        await notifying;
      })();
      return closing;
    },
  };
}

function isIgnoredRelative(rel: string): boolean {
  return rel.split('/').some((part) => IGNORED_DIRS.has(part));
}

/** Every path the corpus serves or reports a problem for: the paths whose disappearance changes something. */
function knownPaths(corpus: Corpus): ReadonlySet<string> {
  const snapshot = corpus.current();
  return new Set([...snapshot.specs.map((s) => s.path), ...snapshot.problems.map((p) => p.file)]);
}

function isDirectory(absolute: string): boolean {
  try {
    return statSync(absolute).isDirectory();
  } catch {
    return false;
  }
}

function statOrNull(absolute: string): Stats | null {
  try {
    const st = statSync(absolute);
    return st.isFile() ? st : null;
  } catch {
    return null;
  }
}

function signatureOf(st: Stats | null): string {
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : 'absent';
}

function listed(paths: readonly string[]): string {
  if (paths.length === 0) return 'the spec tree';
  return paths.length <= 3
    ? paths.join(', ')
    : `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
