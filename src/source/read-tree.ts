// Finds and reads the Markdown files under the spec root, skipping what must not be served.
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../spec/types.js';
import { isInside, toRelative } from './safe-path.js';

/** Folders never searched for specs: tooling, dependencies and SpecLedger's own ledger. */
export const IGNORED_DIRS: ReadonlySet<string> = new Set([
  '.git',
  'node_modules',
  '.specledger',
  'dist',
  '.cache',
]);

/** 2 MiB: about 500k tokens, far beyond anything an agent should be served as one spec. */
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

export interface SourceFile {
  /** POSIX path relative to the root. */
  path: string;
  text: string;
}

export type ReadOutcome =
  | { ok: true; file: SourceFile }
  | { ok: false; problem: Problem & { code?: string } };

export function isSpecFile(name: string): boolean {
  return /\.(md|markdown)$/i.test(name);
}

/** Lists spec files (relative POSIX paths) under a real root; links leading outside are reported, not followed. */
export function listSpecFiles(realRoot: string, problems: Problem[]): string[] {
  const out: string[] = [];
  const visited = new Set<string>([realRoot]);
  const walk = (dir: string): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      problems.push(
        problem(toRelative(realRoot, dir) || '.', 'unreadable', `cannot list folder: ${String(error)}`),
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
        } else if (st.isFile() && isSpecFile(entry.name)) out.push(toRelative(realRoot, abs));
      } else if (entry.isDirectory()) {
        if (!IGNORED_DIRS.has(entry.name)) walk(abs);
      } else if (entry.isFile() && isSpecFile(entry.name)) {
        out.push(toRelative(realRoot, abs));
      }
    }
  };
  walk(realRoot);
  return out;
}

/** Reads one spec file; binary, oversize, unreadable files and links leading outside the root come back as problems. */
export function readSpecFile(realRoot: string, rel: string, maxBytes = DEFAULT_MAX_FILE_BYTES): ReadOutcome {
  const abs = path.join(realRoot, rel);
  try {
    const link = lstatSync(abs);
    if (link.isSymbolicLink() && !isInside(realRoot, realpathSync(abs))) {
      return {
        ok: false,
        problem: problem(rel, 'path-outside-root', 'symbolic link leads outside the spec root; not read'),
      };
    }
    const st = statSync(abs);
    if (st.size > maxBytes) {
      return {
        ok: false,
        problem: problem(
          rel,
          'oversize',
          `file is ${st.size} bytes, over the ${maxBytes}-byte limit; not served`,
        ),
      };
    }
    const buf = readFileSync(abs);
    if (buf.subarray(0, 8192).includes(0)) {
      return { ok: false, problem: problem(rel, 'binary', 'file looks binary (NUL bytes); not served') };
    }
    return { ok: true, file: { path: rel, text: buf.toString('utf8') } };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      problem: { ...problem(rel, 'unreadable', `cannot read file: ${(error as Error).message}`), code },
    };
  }
}

function problem(file: string, rule: string, message: string): Problem {
  return { file, line: 1, rule, severity: 'error', message };
}
