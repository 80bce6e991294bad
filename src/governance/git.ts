// Git access for the history rules: the repository around the spec root, base files, and commit logs.
import { runGit } from '../source/git-command.js';

export interface GitRepo {
  /** Absolute path of the repository's top level. */
  readonly top: string;
  /** The spec root relative to `top`, POSIX, with a trailing slash; '' when the root is the top level. */
  readonly prefix: string;
  /** Runs git in `top` and returns stdout. */
  git(args: readonly string[]): Promise<string>;
}

export interface LogCommit {
  hash: string;
  /** Committer date, ISO 8601. */
  date: string;
  subject: string;
  /** Changed paths relative to the repository top. */
  files: string[];
}

/** Null when `dir` is not inside a git work tree (or git is not installed). */
export async function openGitRepo(dir: string): Promise<GitRepo | null> {
  let out: string;
  try {
    out = await runGit(['rev-parse', '--show-toplevel', '--show-prefix'], { cwd: dir });
  } catch {
    return null;
  }
  const [top, prefix = ''] = out.split('\n');
  if (!top) return null;
  return {
    top,
    prefix,
    git: (args) => runGit(args, { cwd: top }),
  };
}

/** The full hash of `ref`, or null when it names no commit. */
export async function resolveCommit(repo: GitRepo, ref: string): Promise<string | null> {
  if (ref.startsWith('-')) return null;
  try {
    return (await repo.git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim() || null;
  } catch {
    return null;
  }
}

/** `git show REF:path` without textconv or filters: the bytes committed, as UTF-8. Null when absent. */
export async function readAtCommit(repo: GitRepo, commit: string, topPath: string): Promise<string | null> {
  try {
    return await repo.git(['cat-file', 'blob', `${commit}:${topPath}`]);
  } catch {
    return null;
  }
}

interface ChangedFile {
  status: 'A' | 'M' | 'D';
  /** Path relative to the repository top. */
  path: string;
}

/** Files under `pathspec` that differ between `commit` and the working tree (uncommitted edits included). */
export async function changedSince(repo: GitRepo, commit: string, pathspec: string): Promise<ChangedFile[]> {
  const out = await repo.git(['diff', '--name-status', '--no-renames', '-z', commit, '--', pathspec]);
  const parts = out.split('\0');
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const code = parts[i]!.charAt(0);
    const status = code === 'D' ? 'D' : code === 'A' ? 'A' : 'M';
    files.push({ status, path: parts[i + 1]! });
  }
  return files;
}

/** Commits reachable from HEAD (minus `range` exclusions), newest first, with the files each changed. */
export async function logWithFiles(
  repo: GitRepo,
  range: readonly string[],
  pathspecs: readonly string[],
): Promise<LogCommit[]> {
  const out = await repo.git([
    'log',
    '--no-renames',
    '--name-only',
    '--format=%x1e%H%x1f%cI%x1f%s',
    ...range,
    '--',
    ...pathspecs,
  ]);
  const commits: LogCommit[] = [];
  for (const chunk of out.split('\x1e')) {
    if (!chunk.trim()) continue;
    const [header = '', ...rest] = chunk.split('\n');
    const [hash = '', date = '', subject = ''] = header.split('\x1f');
    commits.push({ hash, date, subject, files: rest.filter((l) => l.length > 0) });
  }
  return commits;
}

/** Paths under `pathspec` with uncommitted changes (staged, unstaged or untracked), relative to the top. */
export async function dirtyPaths(repo: GitRepo, pathspec: string): Promise<Set<string>> {
  const out = await repo.git(['status', '--porcelain', '-z', '--untracked-files=all', '--', pathspec]);
  const dirty = new Set<string>();
  const parts = out.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const entry = parts[i]!;
    if (entry.length < 4) continue;
    dirty.add(entry.slice(3));
    // A rename entry is followed by its source path, which is dirty too.
    if (entry.charAt(0) === 'R' || entry.charAt(0) === 'C') dirty.add(parts[++i] ?? '');
  }
  return dirty;
}

/** A pathspec naming exactly `topPath` (a file, or a folder and everything under it), whatever its characters. */
export function literal(topPath: string): string {
  return topPath === '' ? '.' : `:(literal)${topPath}`;
}

/** Runs `task` over `items` with at most `limit` in flight; git processes are cheap but not free. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
