// Runs git on trees SpecLedger did not write: nothing a repository's config or attributes name is ever executed.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Config that makes read-only git commands execute something, overridden on every call (`-c` outranks the
 * repository's `.git/config`): the fsmonitor hook (run by any command that reads the index), hooks such as
 * post-index-change, a pager, gpg for `log.showSignature`, external diff and credential helpers.
 */
const NEUTRAL_CONFIG: readonly string[] = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'core.untrackedCache=false',
  'core.sshCommand=false',
  'log.showSignature=false',
  'gpg.program=false',
  'diff.external=',
  'credential.helper=',
  'core.quotePath=false',
].flatMap((setting) => ['-c', setting]);

/** Commands that read working-tree files, and so would run `filter.<driver>.clean` on them. */
const WORKTREE_READERS: ReadonlySet<string> = new Set(['status', 'diff', 'diff-files', 'add', 'hash-object']);

/** Logs of a long-lived repository run to tens of megabytes; Node's 1 MiB default would cut them off. */
const MAX_BUFFER = 512 * 1024 * 1024;

interface GitCommandOptions {
  cwd: string;
  /** Written to git's stdin, for `--batch` and `--stdin` commands; stdin is closed either way. */
  input?: string;
}

/**
 * Runs `git args` in `cwd` and returns stdout. The environment is the caller's minus every `GIT_*` variable
 * (a server started from a hook inherits GIT_DIR and friends), with optional locks off so that `status`
 * never writes the index.
 */
export async function runGit(args: readonly string[], options: GitCommandOptions): Promise<string> {
  return (await spawnGit(args, options, 'utf8')) as string;
}

/** runGit's bytes, for output framed in byte counts (`cat-file --batch`), which a UTF-8 string would miscount. */
export async function runGitBytes(args: readonly string[], options: GitCommandOptions): Promise<Buffer> {
  return (await spawnGit(args, options, 'buffer')) as Buffer;
}

async function spawnGit(
  args: readonly string[],
  options: GitCommandOptions,
  encoding: 'utf8' | 'buffer',
): Promise<string | Buffer> {
  const filters = WORKTREE_READERS.has(firstCommand(args)) ? await filterOverrides(options.cwd) : [];
  const pending = run('git', ['--no-pager', ...NEUTRAL_CONFIG, ...filters, ...args], {
    cwd: options.cwd,
    env: safeEnv(),
    maxBuffer: MAX_BUFFER,
    encoding,
  });
  // A git that exits before reading all of stdin closes the pipe; its exit code is what reports the failure.
  pending.child.stdin?.on('error', () => {});
  pending.child.stdin?.end(options.input ?? '');
  return (await pending).stdout;
}

/**
 * Every configured filter driver, emptied: git has no switch that turns `.gitattributes` filters off (2.40's
 * attr.tree postdates Debian's 2.39), so the drivers are listed (reading config runs nothing) and each command
 * set to empty, which git takes as "no filter".
 */
async function filterOverrides(cwd: string): Promise<string[]> {
  let out: string;
  try {
    out = (
      await run('git', ['config', '--null', '--name-only', '--get-regexp', '^filter\\.'], {
        cwd,
        env: safeEnv(),
        encoding: 'utf8',
      })
    ).stdout;
  } catch {
    // Exit code 1: no filter is configured.
    return [];
  }
  const drivers = new Set<string>();
  for (const key of out.split('\0')) {
    const dot = key.lastIndexOf('.');
    if (key.startsWith('filter.') && dot > 'filter.'.length) drivers.add(key.slice(0, dot));
  }
  return [...drivers].flatMap((driver) => [
    '-c',
    `${driver}.clean=`,
    '-c',
    `${driver}.smudge=`,
    '-c',
    `${driver}.process=`,
    '-c',
    `${driver}.required=false`,
  ]);
}

function firstCommand(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-c' || arg === '-C') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return '';
}

function safeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GIT_') && key !== 'PAGER') env[key] = value;
  }
  env.GIT_OPTIONAL_LOCKS = '0';
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_PAGER = 'cat';
  return env;
}
