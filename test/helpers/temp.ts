// Throw-away folders for tests: a spec tree written from a { path: content } map, removed afterwards.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TempDir {
  dir: string;
  /** Absolute path of a file or folder inside the temp dir. */
  at(rel: string): string;
  remove(): void;
}

export function makeTempDir(prefix = 'specledger-test-'): TempDir {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    at: (rel) => path.join(dir, rel),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes every file of `files` (paths relative to `root`, POSIX separators), creating folders on the way. */
export function writeTree(root: string, files: Readonly<Record<string, string | Buffer>>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, ...rel.split('/'));
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
}

/** A spec file with YAML frontmatter from `fields` (values written as JSON, which is valid YAML) and `body`. */
export function specFile(fields: Readonly<Record<string, unknown>>, body: string): string {
  const yaml = Object.entries(fields).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return ['---', ...yaml, '---', body].join('\n');
}
