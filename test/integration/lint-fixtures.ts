// Temp folders and real git repositories for the lint tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TempTree {
  dir: string;
  write(rel: string, text: string): void;
  remove(rel: string): void;
  cleanup(): void;
}

export function tempTree(prefix = 'specledger-lint-'): TempTree {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(rel, text) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    },
    remove(rel) {
      rmSync(join(dir, rel), { force: true });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TempRepo extends TempTree {
  git(...args: string[]): string;
  /** Stages everything and commits; returns the new commit's hash. */
  commit(message: string): string;
}

export function tempRepo(): TempRepo {
  const tree = tempTree('specledger-lint-git-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: tree.dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'lint@example.test');
  git('config', 'user.name', 'Lint Test');
  git('config', 'commit.gpgsign', 'false');
  return {
    ...tree,
    git,
    commit(message) {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
}

export interface SpecFields {
  id?: string;
  version?: string;
  status?: string;
  owners?: string;
  applies_to?: string;
  inclusion?: string;
  supersedes?: string;
  deprecated_clauses?: string;
}

/** A spec file: frontmatter from `fields` (written as given, in order) and a body. */
export function specText(fields: SpecFields, body: string): string {
  const lines = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`);
  return `---\n${lines.join('\n')}\n---\n\n${body.replace(/^\n/, '')}`;
}

/** An approved, owned spec with two anchored sections: the baseline every test changes one thing in. */
export function authSpec(overrides: SpecFields = {}, extraBody = ''): string {
  return specText(
    { id: 'auth', version: '1.0.0', status: 'approved', owners: '[security-team]', ...overrides },
    `
# Authentication

## Token lifetime {#token-lifetime}

- **AUTH-1**: Access tokens MUST expire after 15 minutes.
- **AUTH-2**: Tokens are not refreshable.

## Key storage {#key-storage}

Keys are stored as HMAC digests only.
${extraBody}`,
  );
}
