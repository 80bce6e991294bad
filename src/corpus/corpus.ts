// The live corpus: the last good parse of every file, and the current snapshot, swapped atomically on reload.
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { SpecLedgerError } from '../errors.js';
import type { GlobCompiler } from '../parse/code-globs.js';
import { createParseContext, parseSpec } from '../parse/parse-spec.js';
import { createTokenCounter, type TokenCounter } from '../parse/tokens.js';
import type { Problem, SpecDoc } from '../parse/types.js';
import { listSpecFiles, readSpecFile } from '../source/read-tree.js';
import { createSearchIndex } from './search.js';
import { buildSnapshot, createDocTablesCache, type Snapshot } from './snapshot.js';

interface CorpusOptions {
  root: string;
  maxFileBytes?: number;
  tokens?: TokenCounter;
  /** Compiled `applies_to` globs, shared with other roots of a federation; the corpus's own by default. */
  globs?: GlobCompiler;
  /** Called with (done, total) while loading; used for a progress line on a terminal. */
  onProgress?: (done: number, total: number) => void;
}

export interface ReloadResult {
  before: Snapshot;
  after: Snapshot;
  /** Files whose new content could not be served; their last good version stays in service. */
  rejected: string[];
  /** Files no longer served because what is at their path now must not be read (a link outside, a FIFO). */
  dropped: string[];
}

export interface Corpus {
  /** The real, absolute spec root. */
  readonly root: string;
  current(): Snapshot;
  /** Re-reads the given root-relative paths (changed, added or deleted) and swaps in a new snapshot. */
  reload(paths: readonly string[]): ReloadResult;
  /**
   * Re-lists the whole tree (new folders, renames) and reloads what was added or removed, plus `paths`,
   * in one swap; when nothing differs the snapshot is kept (`after === before`).
   */
  rescan(paths?: readonly string[]): ReloadResult;
  /** Builds the search index in the background so the first search does not pay for it. */
  warmSearch(): Promise<void>;
  /**
   * Where a served path is on disk, when the corpus joins several roots (src/roots/federation.ts): the real root
   * and the path inside it. Absent for one root, whose served paths are relative to `root`.
   */
  locate?(servedPath: string): { root: string; path: string } | null;
}

const PROGRESS_INTERVAL_MS = 100;

export function loadCorpus(options: CorpusOptions): Corpus {
  const root = realRoot(options.root);
  const tokens = options.tokens ?? createTokenCounter();
  const ctx = createParseContext(tokens, options.globs);
  const docs = new Map<string, SpecDoc>();
  const problemsByPath = new Map<string, Problem[]>();
  const treeProblems: Problem[] = [];
  let generation = 0;
  const searchIndex = createSearchIndex();
  const docTables = createDocTablesCache();

  /** A file that cannot be served keeps its last good version (if any) in `docs`. */
  const loadOne = (rel: string): 'served' | 'rejected' | 'dropped' | 'gone' => {
    const read = readSpecFile(root, rel, options.maxFileBytes);
    if (!read.ok) {
      if (read.gone) docs.delete(rel);
      if (read.problem === null) {
        problemsByPath.delete(rel);
        return 'gone';
      }
      problemsByPath.set(rel, [read.problem]);
      return read.gone ? 'dropped' : 'rejected';
    }
    const parsed = parseSpec(rel, read.file.text, ctx);
    problemsByPath.set(rel, parsed.problems);
    if (!parsed.doc) return 'rejected';
    docs.set(rel, parsed.doc);
    return 'served';
  };
  const snapshot = (): Snapshot =>
    buildSnapshot({
      generation: ++generation,
      docs,
      problems: [...treeProblems, ...[...problemsByPath.values()].flat()],
      rootName: path.basename(root),
      tokens,
      globs: ctx.globs,
      searchIndex,
      docTables,
    });

  const files = listSpecFiles(root, treeProblems);
  // Progress by time, not by file count (files vary a thousandfold in size): at most ten calls a second, and
  // always a last one with done === total, so a progress line on a terminal is finished with its newline.
  let reportedAt = Date.now();
  files.forEach((rel, i) => {
    loadOne(rel);
    if (!options.onProgress) return;
    const now = Date.now();
    if (now - reportedAt >= PROGRESS_INTERVAL_MS || i === files.length - 1) {
      reportedAt = now;
      options.onProgress(i + 1, files.length);
    }
  });
  let current = snapshot();

  const reload = (paths: readonly string[]): ReloadResult => {
    const before = current;
    const rejected: string[] = [];
    const dropped: string[] = [];
    for (const rel of new Set(paths)) {
      const outcome = loadOne(rel);
      if (outcome === 'rejected') rejected.push(rel);
      else if (outcome === 'dropped') dropped.push(rel);
    }
    current = snapshot();
    return { before, after: current, rejected, dropped };
  };

  return {
    root,
    current: () => current,
    warmSearch: () => current.search('', { limit: 1 }).then(() => undefined),
    reload,
    rescan(paths = []) {
      const treeBefore = JSON.stringify(treeProblems);
      treeProblems.length = 0;
      const listed = new Set(listSpecFiles(root, treeProblems));
      const known = new Set([...docs.keys(), ...problemsByPath.keys()]);
      const added = [...listed].filter((p) => !known.has(p));
      const gone = [...known].filter((p) => !listed.has(p));
      const changed = [...added, ...gone, ...paths];
      // A watcher rescans on every folder event; an unchanged tree should not cost a snapshot or a notification.
      if (changed.length === 0 && JSON.stringify(treeProblems) === treeBefore) {
        return { before: current, after: current, rejected: [], dropped: [] };
      }
      return reload(changed);
    },
  };
}

function realRoot(root: string): string {
  let real: string;
  try {
    real = realpathSync(root);
  } catch (error) {
    throw new SpecLedgerError(
      'CONFIG',
      `spec root "${root}" does not exist; pass --specs DIR (e.g. --specs specs-example)`,
      {
        cause: error,
      },
    );
  }
  if (!statSync(real).isDirectory()) {
    throw new SpecLedgerError('CONFIG', `spec root "${root}" is a file, not a folder; pass --specs DIR`);
  }
  return real;
}
