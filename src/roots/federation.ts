// Several roots served as one corpus: each root keeps its corpus, git facts and reloads; one snapshot joins them.
import { type Corpus, loadCorpus, type ReloadResult } from '../corpus/corpus.js';
import { createSearchIndex } from '../corpus/search.js';
import { buildSnapshot, createDocTablesCache, type Snapshot } from '../corpus/snapshot.js';
import { errorMessage } from '../errors.js';
import { clauseWithRef } from '../parse/clause-object.js';
import { createGlobCompiler, type GlobCompiler } from '../parse/code-globs.js';
import { qualify } from '../parse/root-refs.js';
import type { TokenCounter } from '../parse/tokens.js';
import type { Problem, SpecDoc } from '../parse/types.js';
import { createGitInfo, type GitInfo } from '../source/git.js';
import { rootFolderUnlisted } from '../source/read-tree.js';
import type { FailedRoot, RootList, SpecRoot } from './root-list.js';

export interface ServedRoot {
  name: string;
  /** The real, absolute folder. */
  real: string;
  corpus: Corpus;
  git: GitInfo;
}

export interface Federation {
  /** The corpus the server reads: one snapshot over every root, IDs `root:spec`, paths `root/path`. */
  corpus: Corpus;
  /** Git facts by served path (`root/path`), each answered by its own root's repository. */
  git: GitInfo;
  roots: readonly ServedRoot[];
  /** Roots that could not be loaded at start-up, reported and left out; the others are served. */
  failed: readonly FailedRoot[];
  /** Joins one root's reload into the served snapshot; the result speaks in served paths (`root/path`). */
  rootReloaded(root: ServedRoot, result: ReloadResult): ReloadResult;
}

interface FederationOptions {
  tokens: TokenCounter;
  maxFileBytes?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Loads every root of `list` (`list.federated` must be true: a single root is served by loadCorpus as before). */
export async function loadFederation(list: RootList, options: FederationOptions): Promise<Federation> {
  const roots: ServedRoot[] = [];
  const failed: FailedRoot[] = [...list.failed];
  // One `git rev-parse` per root, side by side (spawned one after another they cost ~0.1 s each on a loaded
  // machine), and before any root is parsed: they run beside the parse, and forking is cheaper while the process is
  // small (9 roots × 5k clauses: 45 ms of spawning after the parse).
  const gitOf = new Map(list.roots.map((root) => [root, createGitInfo(root.real)]));
  // One glob compiler for every root and the joined snapshot: each distinct glob is compiled once (re2js, ~1 ms a
  // glob), though nine repositories of one organisation write the same `src/payments/**` nine times.
  const globs = createGlobCompiler();
  const loaded = list.roots.flatMap((root) => {
    const corpus = tryLoad(root, { ...options, globs }, failed);
    return corpus ? [{ root, corpus }] : [];
  });
  const gits = await Promise.all(loaded.map(({ root }) => gitOf.get(root)!));
  loaded.forEach(({ root, corpus }, i) => {
    roots.push({ name: root.name, real: root.real, corpus, git: gits[i]! });
  });
  const byName = new Map(roots.map((r) => [r.name, r]));
  const names: ReadonlySet<string> = new Set([...roots.map((r) => r.name), ...failed.map((f) => f.name)]);
  const searchIndex = createSearchIndex();
  const docTables = createDocTablesCache();
  const qualified = new WeakMap<SpecDoc, SpecDoc>();
  const failures: Problem[] = failed.map((f) => ({
    file: `${f.name}/`,
    line: 1,
    rule: 'root-unreadable',
    severity: 'error',
    message: `root "${f.name}" is not served: ${f.reason}`,
    hint: `fix the folder named by ${f.from} and restart`,
  }));
  /** `payments/auth.md` → the payments root and `auth.md`. */
  const rootOf = (servedPath: string): { root: ServedRoot; path: string } | null => {
    const slash = servedPath.indexOf('/');
    const root = slash > 0 ? byName.get(servedPath.slice(0, slash)) : undefined;
    return root ? { root, path: servedPath.slice(slash + 1) } : null;
  };
  let generation = 0;
  const join = (): Snapshot => {
    const docs = new Map<string, SpecDoc>();
    const problems: Problem[] = [...failures];
    for (const root of roots) {
      const snap = root.corpus.current();
      for (const doc of snap.specs) {
        let q = qualified.get(doc);
        if (!q) {
          q = qualifyDoc(root.name, doc);
          qualified.set(doc, q);
        }
        docs.set(q.path, q);
      }
      for (const p of snap.problems) problems.push({ ...p, file: `${root.name}/${p.file}` });
    }
    return buildSnapshot({
      generation: ++generation,
      docs,
      problems,
      rootName: `${roots.length} roots`,
      rootText: federationRoot(roots, failed),
      roots: names,
      tokens: options.tokens,
      globs,
      searchIndex,
      docTables,
    });
  };
  let current = join();
  const rootReloaded = (root: ServedRoot, result: ReloadResult): ReloadResult => {
    const before = current;
    if (result.after === result.before) return { before, after: before, rejected: [], dropped: [] };
    current = join();
    const served = (rel: string): string => `${root.name}/${rel}`;
    return {
      before,
      after: current,
      rejected: result.rejected.map(served),
      dropped: result.dropped.map(served),
    };
  };
  /** Splits served paths by root and applies `each` to the roots they name, then joins once. */
  const perRoot = (
    paths: readonly string[],
    each: (root: ServedRoot, rels: string[]) => ReloadResult,
  ): ReloadResult => {
    const before = current;
    const rejected: string[] = [];
    const dropped: string[] = [];
    const touched =
      paths.length === 0 ? new Map(roots.map((r) => [r.name, [] as string[]])) : new Map<string, string[]>();
    for (const p of paths) {
      const at = rootOf(p);
      if (!at) continue;
      const list = touched.get(at.root.name) ?? [];
      list.push(at.path);
      touched.set(at.root.name, list);
    }
    for (const [name, rels] of touched) {
      const root = byName.get(name)!;
      const r = each(root, rels);
      rejected.push(...r.rejected.map((f) => `${name}/${f}`));
      dropped.push(...r.dropped.map((f) => `${name}/${f}`));
    }
    current = join();
    return { before, after: current, rejected, dropped };
  };
  const corpus: Corpus = {
    // No one folder holds every root: files are found through `locate`, and each root's corpus reads its own.
    root: roots.map((r) => r.real).join(', '),
    current: () => current,
    reload: (paths) => perRoot(paths, (root, rels) => root.corpus.reload(rels)),
    rescan: (paths = []) => perRoot(paths, (root, rels) => root.corpus.rescan(rels)),
    warmSearch: () => current.search('', { limit: 1 }).then(() => undefined),
    locate(servedPath) {
      const at = rootOf(servedPath);
      return at ? { root: at.root.corpus.root, path: at.path } : null;
    },
  };
  const git: GitInfo = {
    commitFor(servedPath, digest) {
      const at = rootOf(servedPath);
      return at ? at.root.git.commitFor(at.path, digest) : Promise.resolve(null);
    },
  };
  return { corpus, git, roots, failed, rootReloaded };
}

function tryLoad(
  root: SpecRoot,
  options: FederationOptions & { globs: GlobCompiler },
  failed: FailedRoot[],
): Corpus | null {
  try {
    return loadCorpus({
      root: root.real,
      tokens: options.tokens,
      globs: options.globs,
      maxFileBytes: options.maxFileBytes,
      onProgress: options.onProgress,
    });
  } catch (error) {
    failed.push({ ...root, reason: errorMessage(error) });
    return null;
  }
}

/** One root's document as the federation serves it: IDs and refs carry the root, paths start with its name. */
function qualifyDoc(root: string, doc: SpecDoc): SpecDoc {
  const id = qualify(root, doc.id);
  // Field by field, never spread: `tokens` is counted on first use, and a spread would count every body at load.
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(doc)) if (key !== 'tokens') copy[key] = doc[key as keyof SpecDoc];
  Object.defineProperty(copy, 'tokens', { get: () => doc.tokens, enumerable: true, configurable: true });
  return Object.assign(copy as unknown as SpecDoc, {
    id,
    path: `${root}/${doc.path}`,
    supersedes: doc.supersedes.map((s) => qualify(root, s)),
    clauses: doc.clauses.map((c) => clauseWithRef(c, `${id}#${c.id}`)),
    problems: doc.problems.map((p) => ({ ...p, file: `${root}/${p.file}` })),
  });
}

/** The generated root of a federation: which roots are here and how to name what is in them. */
function federationRoot(roots: readonly ServedRoot[], failed: readonly FailedRoot[]): string {
  const lines = [
    `# Specs: ${roots.length} roots`,
    '',
    'Refs name their root: ROOT:SPEC#CLAUSE (e.g. `' +
      `${roots[0]?.name ?? 'payments'}:SPEC#CLAUSE` +
      '`). A ref without a root works when one root has it; each root is a folder below.',
  ];
  for (const r of roots) {
    const snap = r.corpus.current();
    // A root whose folder cannot be listed (deleted, renamed away, made unreadable) serves nothing until it is back.
    const unlisted = rootFolderUnlisted(snap.problems);
    lines.push(
      unlisted
        ? `- ${r.name}: not served now (${unlisted.message})`
        : `- ${r.name}: ${snap.catalog.length + (snap.root.path ? 1 : 0)} specs, ${snap.clauseCount} clauses`,
    );
  }
  for (const f of failed) lines.push(`- ${f.name}: not served (${f.reason})`);
  return lines.join('\n');
}
