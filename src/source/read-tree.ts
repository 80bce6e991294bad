// Finds and reads the Markdown files under the spec root, skipping what must not be served.
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  realpathSync,
  type Stats,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { errorMessage, SpecLedgerError } from '../errors.js';
import type { Problem } from '../parse/types.js';
import { openedPath, readUpTo } from './read-file.js';
import { isInside, resolveInsideRoot, toRelative } from './safe-path.js';

/** Folders never searched for specs: tooling, dependencies and SpecLedger's own ledger. */
export const IGNORED_DIRS: ReadonlySet<string> = new Set([
  '.git',
  'node_modules',
  '.specledger',
  'dist',
  '.cache',
]);

/** 2 MiB: about 500k tokens, far beyond anything an agent should be served as one spec. */
const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

interface SourceFile {
  /** POSIX path relative to the root. */
  path: string;
  text: string;
}

type ReadOutcome =
  | { ok: true; file: SourceFile }
  /** `gone`: no servable file is at that path any more; `problem` is null when it simply vanished. */
  | { ok: false; problem: Problem | null; gone: boolean };

export function isSpecFile(name: string): boolean {
  return /\.(md|markdown)$/i.test(name);
}

/** Lists spec files (relative POSIX paths) under a real root; links leading outside are reported, not followed. */
export function listSpecFiles(realRoot: string, problems: Problem[]): string[] {
  const out: string[] = [];
  const visited = new Set<string>([realRoot]);
  const listFile = (abs: string, regular: boolean): void => {
    if (regular) out.push(toRelative(realRoot, abs));
    else problems.push(problem(toRelative(realRoot, abs), 'not-a-file', 'not a regular file; not read'));
  };
  const walk = (dir: string): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      problems.push(
        problem(
          toRelative(realRoot, dir) || ROOT_FOLDER,
          'unreadable',
          `cannot list folder: ${String(error)}`,
        ),
      );
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const abs = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(abs);
        } catch {
          problems.push(problem(toRelative(realRoot, abs), 'broken-link', 'symbolic link points nowhere'));
          continue;
        }
        if (!isInside(realRoot, real)) {
          problems.push(
            problem(
              toRelative(realRoot, abs),
              'path-outside-root',
              'symbolic link leads outside the spec root; not read',
            ),
          );
          continue;
        }
        const st = statSync(real);
        if (st.isDirectory()) {
          if (!IGNORED_DIRS.has(entry.name) && !visited.has(real)) {
            visited.add(real);
            walk(abs);
          }
        } else if (isSpecFile(entry.name)) listFile(abs, st.isFile());
      } else if (entry.isDirectory()) {
        if (!IGNORED_DIRS.has(entry.name)) walk(abs);
      } else if (isSpecFile(entry.name)) {
        listFile(abs, entry.isFile());
      }
    }
  };
  walk(realRoot);
  return out;
}

/** The `file` of a problem with the root folder itself. */
const ROOT_FOLDER = '.';

/** The problem listSpecFiles reported when it could not list the root folder itself (gone, renamed, unreadable). */
export function rootFolderUnlisted(problems: readonly Problem[]): Problem | undefined {
  return problems.find((p) => p.file === ROOT_FOLDER && p.rule === 'unreadable');
}

/**
 * Reads one spec file. The whole path is resolved and checked against the root on every read (a folder on the
 * way may have become a link since the tree was listed), the file is opened without following links and without
 * blocking (a FIFO would hang the process), and only a regular file is read. Binary, oversize, unreadable,
 * non-regular files and links leading outside the root come back as problems; `gone` says the root no longer
 * holds a servable file at that path, so its last good version must not stay in service.
 */
export function readSpecFile(realRoot: string, rel: string, maxBytes = DEFAULT_MAX_FILE_BYTES): ReadOutcome {
  let real: string;
  try {
    real = resolveInsideRoot(realRoot, rel);
  } catch (error) {
    if (error instanceof SpecLedgerError && error.code === 'PATH_OUTSIDE_ROOT') {
      return refused(rel, 'path-outside-root', `${error.message}; not read`, true);
    }
    return vanishedOr(rel, ((error as Error).cause ?? error) as NodeJS.ErrnoException);
  }
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP: the last component became a link after it was resolved.
    if (code === 'ELOOP')
      return refused(rel, 'path-outside-root', 'file became a link while being read', true);
    return vanishedOr(rel, error as NodeJS.ErrnoException);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      return refused(rel, 'not-a-file', `${kindOf(st)}, not a regular file; not read`, true);
    }
    // Closes the race between resolving and opening: where the kernel says the open file lives is what counts.
    const opened = openedPath(fd);
    if (opened !== null && !isInside(realRoot, opened)) {
      return refused(rel, 'path-outside-root', 'file moved outside the spec root while being read', true);
    }
    if (st.size > maxBytes) {
      return refused(
        rel,
        'oversize',
        `file is ${st.size} bytes, over the ${maxBytes}-byte limit; not served`,
      );
    }
    const buf = readUpTo(fd, maxBytes + 1);
    if (buf.length > maxBytes) {
      return refused(
        rel,
        'oversize',
        `file grew past the ${maxBytes}-byte limit while being read; not served`,
      );
    }
    if (buf.subarray(0, 8192).includes(0)) {
      return refused(rel, 'binary', 'file looks binary (NUL bytes); not served');
    }
    return { ok: true, file: { path: rel, text: buf.toString('utf8') } };
  } catch (error) {
    return { ok: false, gone: false, problem: unreadable(rel, error) };
  } finally {
    closeSync(fd);
  }
}

/** The path the kernel has for an open file (Linux's /proc); null where the platform does not say. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a folder';
  return 'a special file';
}

function vanishedOr(rel: string, error: NodeJS.ErrnoException): ReadOutcome {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return { ok: false, gone: true, problem: null };
  return { ok: false, gone: false, problem: unreadable(rel, error) };
}

function refused(rel: string, rule: string, message: string, gone = false): ReadOutcome {
  return { ok: false, gone, problem: problem(rel, rule, message) };
}

function unreadable(rel: string, error: unknown): Problem {
  return problem(rel, 'unreadable', `cannot read file: ${errorMessage(error)}`);
}

function problem(file: string, rule: string, message: string): Problem {
  return { file, line: 1, rule, severity: 'error', message };
}
