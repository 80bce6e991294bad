// Git reads and writes for provenance: commits and their trailers, notes in bulk, blobs in bulk, blame.
import { SpecLedgerError } from '../errors.js';
import { type GitRepo, openGitRepo } from '../governance/git.js';
import { runGit, runGitBytes } from '../source/git-command.js';
import { NOTES_REF } from './note.js';
import { parseTrailerLines, type Trailer } from './trailers.js';

export type { GitRepo } from '../governance/git.js';

/** The command that brings the notes into a clone, quoted in every answer that finds them missing. */
export const FETCH_NOTES = `git fetch origin '${NOTES_REF}:${NOTES_REF}'`;

/** The repository around `dir`, or a CONFIG error saying it is not one. */
export async function openRepo(dir: string): Promise<GitRepo> {
  const repo = await openGitRepo(dir);
  if (!repo) throw new SpecLedgerError('CONFIG', `${dir} is not inside a git work tree (run it in a clone)`);
  return repo;
}

export async function isShallow(repo: GitRepo): Promise<boolean> {
  return (await repo.git(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
}

export async function notesRefExists(repo: GitRepo): Promise<boolean> {
  try {
    return (await repo.git(['rev-parse', '--verify', '--quiet', NOTES_REF])).trim() !== '';
  } catch {
    return false;
  }
}

/**
 * The full hash `ref` names, or an error saying why it names none: in a shallow clone the commit may simply not
 * have been fetched, and the message says how to fetch it.
 */
export async function resolveCommitOrExplain(repo: GitRepo, ref: string): Promise<string> {
  if (!ref.startsWith('-')) {
    try {
      const out = (
        await repo.git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])
      ).trim();
      if (out) return out;
    } catch {}
  }
  if (await isShallow(repo))
    throw new SpecLedgerError(
      'NOT_FOUND',
      `"${ref}" names no commit in this shallow clone: fetch the history with git fetch --unshallow (in GitHub Actions: actions/checkout with fetch-depth: 0)`,
    );
  throw new SpecLedgerError('NOT_FOUND', `"${ref}" names no commit in ${repo.top}`);
}

export interface CommitInfo {
  commit: string;
  parents: string[];
  /** Committer date, ISO 8601. */
  date: string;
  subject: string;
  trailers: Trailer[];
}

const COMMIT_FORMAT = '%H%x1f%P%x1f%cI%x1f%s%x1f%(trailers:only,unfold,separator=%x1d)';

/** Commits `git log ARGS` lists (newest first), with subjects and trailers, in one git call. */
export async function logCommits(repo: GitRepo, args: readonly string[]): Promise<CommitInfo[]> {
  const out = await repo.git(['log', '-z', `--format=${COMMIT_FORMAT}`, ...args]);
  const commits: CommitInfo[] = [];
  for (const entry of out.split('\0')) {
    if (entry.trim() === '') continue;
    const [commit = '', parents = '', date = '', subject = '', trailers = ''] = entry.split('\x1f');
    commits.push({
      commit: commit.trim(),
      parents: parents.split(' ').filter(Boolean),
      date,
      subject,
      trailers: parseTrailerLines(trailers.split('\x1d')),
    });
  }
  return commits;
}

/** Every note under NOTES_REF, as commit → note blob; empty when the ref is absent. */
export async function noteBlobs(repo: GitRepo): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  if (!(await notesRefExists(repo))) return map;
  const out = await repo.git(['notes', `--ref=${NOTES_REF}`, 'list']);
  for (const line of out.split('\n')) {
    const [blob, commit] = line.trim().split(' ');
    if (blob && commit) map.set(commit, blob);
  }
  return map;
}

/**
 * The contents of many objects (`BLOB`, `COMMIT:PATH`) in one `git cat-file --batch`: null for those that do not
 * exist. Names holding a line break cannot be asked this way and come back null.
 */
export async function readObjects(
  repo: GitRepo,
  names: readonly string[],
): Promise<Map<string, string | null>> {
  const result = new Map<string, string | null>();
  const asked = [...new Set(names)].filter((n) => {
    if (/[\r\n]/.test(n)) result.set(n, null);
    return !/[\r\n]/.test(n);
  });
  if (asked.length === 0) return result;
  const out = await runGitBytes(['cat-file', '--batch'], { cwd: repo.top, input: `${asked.join('\n')}\n` });
  let pos = 0;
  for (const name of asked) {
    const eol = out.indexOf(10, pos);
    if (eol < 0) break;
    const header = out.subarray(pos, eol).toString('utf8');
    pos = eol + 1;
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) {
      // "<name> missing" or "<name> ambiguous": no content follows.
      result.set(name, null);
      continue;
    }
    const size = Number(m[2]);
    result.set(name, m[1] === 'blob' ? out.subarray(pos, pos + size).toString('utf8') : null);
    pos += size + 1;
  }
  return result;
}

interface BlameLine {
  /** 1-based line number in the file at the blamed revision. */
  line: number;
  commit: string;
}

/**
 * Which commit last changed each line of `from..to` of `path` at `rev`. Textconv is off: it runs a configured
 * command. A `blame.ignoreRevsFile` is honoured (git 2.39 has no way to switch it off), so a missing one fails.
 */
export async function blame(
  repo: GitRepo,
  rev: string,
  path: string,
  range: { from: number; to: number } | null,
): Promise<BlameLine[]> {
  const out = await repo.git([
    'blame',
    '--porcelain',
    '--no-textconv',
    ...(range ? ['-L', `${range.from},${range.to}`] : []),
    rev,
    '--',
    path,
  ]);
  const lines: BlameLine[] = [];
  for (const row of out.split('\n')) {
    // Header rows: "<40 or 64 hex> <orig line> <final line>[ <group size>]".
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) \d+ (\d+)/.exec(row);
    if (m) lines.push({ commit: m[1]!, line: Number(m[2]) });
  }
  return lines;
}

/** Writes `text` as the commit's note, after any note already there (git's `notes append`): nothing is lost. */
export async function appendNote(repo: GitRepo, commit: string, text: string): Promise<void> {
  await runGit(['notes', `--ref=${NOTES_REF}`, 'append', '-F', '-', commit], { cwd: repo.top, input: text });
}
