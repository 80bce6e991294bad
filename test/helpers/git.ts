// Real git repositories in temp folders for the provenance tests: commits made by `git commit`, so hooks run.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { builtCli } from './paths.js';
import { makeTempDir, type TempDir } from './temp.js';

export interface GitRepoFixture {
  dir: string;
  tmp: TempDir;
  /** Runs git in the repository (or `cwd`) with `env` added; returns trimmed stdout. */
  git(args: readonly string[], options?: { env?: Record<string, string>; cwd?: string }): string;
  write(rel: string, text: string): void;
  read(rel: string): string;
  /** The environment every git and specledger process here runs with: a home of its own, so no global config. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** Runs the built `specledger ARGS` in the repository (or `cwd`); a non-zero exit is returned, not thrown. */
  specledger(
    args: readonly string[],
    options?: { env?: Record<string, string>; cwd?: string },
  ): Promise<{ stdout: string; stderr: string; code: number }>;
  /** `git add -A && git commit -m message` with `env` (a run ID, say) in the hooks' environment; returns HEAD. */
  commit(message: string, env?: Record<string, string>): string;
  remove(): void;
}

const exec = promisify(execFile);

/** A test that runs the built CLI several times (hooks run it twice per commit): seconds each on a loaded machine. */
export const CLI_TEST_TIMEOUT = 120_000;

/**
 * The environment of a developer's shell: this process's, minus anything that would steer git or name a run
 * (a CI run's GITHUB_RUN_ID would otherwise be taken as the run of every commit).
 */
export function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      k.startsWith('GIT_') ||
      k.startsWith('SPECLEDGER_') ||
      k === 'CLAUDE_CODE_SESSION_ID' ||
      k.startsWith('GITHUB_')
    )
      continue;
    env[k] = v;
  }
  return { ...env, GIT_CONFIG_NOSYSTEM: '1', ...extra };
}

/** A repository on branch main with an identity and no signing; `specs` copies a spec tree into it. */
export function gitRepo(options: { specs?: string; specsAt?: string } = {}): GitRepoFixture {
  const tmp = makeTempDir('specledger-trace-');
  const dir = tmp.at('repo');
  mkdirSync(dir);
  const home = tmp.at('home');
  mkdirSync(home);
  const envOf = (extra: Record<string, string> = {}) => shellEnv({ HOME: home, ...extra });
  const git: GitRepoFixture['git'] = (args, opts = {}) =>
    execFileSync('git', args, {
      cwd: opts.cwd ?? dir,
      env: envOf(opts.env),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  git(['init', '-q', '-b', 'main']);
  git(['config', 'user.email', 'dev@example.test']);
  git(['config', 'user.name', 'Dev']);
  git(['config', 'commit.gpgsign', 'false']);
  if (options.specs) cpSync(options.specs, path.join(dir, options.specsAt ?? 'specs'), { recursive: true });
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  return {
    dir,
    tmp,
    git,
    write,
    read: (rel) => readFileSync(path.join(dir, rel), 'utf8'),
    env: envOf,
    async specledger(args, opts = {}) {
      try {
        const { stdout, stderr } = await exec(process.execPath, [builtCli, ...args], {
          cwd: opts.cwd ?? dir,
          env: envOf(opts.env),
          maxBuffer: 64 * 1024 * 1024,
        });
        return { stdout, stderr, code: 0 };
      } catch (error) {
        const e = error as { stdout: string; stderr: string; code: number };
        return { stdout: e.stdout, stderr: e.stderr, code: e.code };
      }
    },
    commit(message, env = {}) {
      git(['add', '-A'], { env });
      git(['commit', '-q', '--allow-empty', '-m', message], { env });
      return git(['rev-parse', 'HEAD']);
    },
    remove: () => tmp.remove(),
  };
}
