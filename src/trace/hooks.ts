// `hooks install|uninstall`: git hooks that link commits to runs, chained with the hooks already there, never overwriting.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { SpecLedgerError } from '../errors.js';
import { NOTES_REF } from './note.js';
import type { GitRepo } from './repo.js';

/** prepare-commit-msg adds the Spec-Run trailer; post-commit writes the note (the commit exists only then). */
export const HOOK_NAMES = ['prepare-commit-msg', 'post-commit'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** The line that marks a hook as ours: only a file holding it is ever replaced or removed. */
const MARKER = '# specledger-hook v1';
/** Where a hook that was there first is kept; ours runs it first, and uninstall moves it back. */
const CHAINED_SUFFIX = '.specledger-chained';
/** Set when install added notes.rewriteRef, so uninstall removes only what install added. */
const ADDED_KEY = 'specledger.rewriteRefAdded';

/** How a hook calls SpecLedger: the node binary, the CLI script and any options fixed at install time. */
interface HookCommand {
  node: string;
  script: string;
  options: readonly string[];
}

type HookAction =
  | 'installed'
  | 'chained'
  | 'updated'
  | 'unchanged'
  | 'removed'
  | 'restored'
  | 'absent'
  | 'foreign';

interface HooksResult {
  dir: string;
  hooks: Array<{ name: HookName; action: HookAction }>;
  rewriteRef: 'added' | 'present' | 'removed' | 'kept';
}

/**
 * The folder git runs hooks from: `core.hooksPath` from any config file (relative to the work tree top, `~/`
 * expanded, as git does), else the common git dir's `hooks` (shared by every worktree). Command-line scope is
 * skipped: that is the safe git runner neutralising hooks for its own calls.
 */
async function hooksDir(repo: GitRepo): Promise<string> {
  let configured: string | undefined;
  try {
    const out = await repo.git(['config', '--show-scope', '--get-all', 'core.hooksPath']);
    for (const line of out.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0 && line.slice(0, tab) !== 'command') configured = line.slice(tab + 1);
    }
  } catch {
    // Exit code 1: not set in any file.
  }
  if (configured !== undefined && configured !== '') {
    if (configured === '/dev/null')
      throw new SpecLedgerError(
        'CONFIG',
        'core.hooksPath is /dev/null, which switches hooks off in this repository; unset it (git config --unset core.hooksPath) or link commits with specledger link',
      );
    const expanded = configured.startsWith('~/') ? path.join(homedir(), configured.slice(2)) : configured;
    return path.resolve(repo.top, expanded);
  }
  const common = (await repo.git(['rev-parse', '--git-common-dir'])).trim();
  return path.join(path.resolve(repo.top, common), 'hooks');
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Our hook: the chained hook first (its failure stops the commit as before), then SpecLedger, which never does. */
function hookScript(name: HookName, command: HookCommand): string {
  const call = [command.node, command.script, 'hooks', 'run', name, ...command.options]
    .map(shellQuote)
    .join(' ');
  return [
    '#!/bin/sh',
    `${MARKER}: installed by \`specledger hooks install\`; \`specledger hooks uninstall\` removes it and restores`,
    `# the hook it chains (${name}${CHAINED_SUFFIX}). SpecLedger never stops a commit: a failure is a warning.`,
    `chained="$0${CHAINED_SUFFIX}"`,
    'if [ -x "$chained" ]; then',
    '  "$chained" "$@" || exit $?',
    'fi',
    `${call} -- "$@" || echo "specledger: the ${name} hook failed; the commit has no provenance (link it with: specledger link --commit HEAD --run RUN)" >&2`,
    'exit 0',
    '',
  ].join('\n');
}

function isOurs(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').includes(MARKER);
  } catch {
    return false;
  }
}

/** Installs both hooks and notes.rewriteRef; running it again changes nothing. */
export async function installHooks(repo: GitRepo, command: HookCommand): Promise<HooksResult> {
  const dir = await hooksDir(repo);
  mkdirSync(dir, { recursive: true });
  const hooks: HooksResult['hooks'] = [];
  for (const name of HOOK_NAMES) {
    const file = path.join(dir, name);
    const chained = file + CHAINED_SUFFIX;
    const script = hookScript(name, command);
    let action: HookAction = 'installed';
    if (existsSync(file)) {
      if (isOurs(file)) {
        action = readFileSync(file, 'utf8') === script ? 'unchanged' : 'updated';
      } else if (existsSync(chained)) {
        throw new SpecLedgerError(
          'CONFIG',
          `${file} is not SpecLedger's, and ${chained} already holds a chained hook: merge them by hand, then run specledger hooks install again`,
        );
      } else {
        renameSync(file, chained);
        action = 'chained';
      }
    }
    if (action !== 'unchanged') writeFileSync(file, script);
    chmodSync(file, 0o755);
    hooks.push({ name, action });
  }
  return { dir, hooks, rewriteRef: await addRewriteRef(repo) };
}

/** Removes our hooks and moves the chained ones back; a hook that is not ours is left where it is. */
export async function uninstallHooks(repo: GitRepo): Promise<HooksResult> {
  const dir = await hooksDir(repo);
  const hooks: HooksResult['hooks'] = [];
  for (const name of HOOK_NAMES) {
    const file = path.join(dir, name);
    const chained = file + CHAINED_SUFFIX;
    let action: HookAction = 'absent';
    if (existsSync(file) && !isOurs(file)) {
      action = 'foreign';
    } else {
      if (existsSync(file)) {
        rmSync(file);
        action = 'removed';
      }
      if (existsSync(chained)) {
        renameSync(chained, file);
        action = 'restored';
      }
    }
    hooks.push({ name, action });
  }
  return { dir, hooks, rewriteRef: await removeRewriteRef(repo) };
}

async function configValues(repo: GitRepo, key: string): Promise<string[]> {
  try {
    return (await repo.git(['config', '--get-all', key])).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** notes.rewriteRef makes amend and rebase (squash included) copy notes from the old commits to the new ones. */
async function addRewriteRef(repo: GitRepo): Promise<'added' | 'present'> {
  if ((await configValues(repo, 'notes.rewriteRef')).includes(NOTES_REF)) return 'present';
  await repo.git(['config', '--local', '--add', 'notes.rewriteRef', NOTES_REF]);
  await repo.git(['config', '--local', ADDED_KEY, 'true']);
  return 'added';
}

async function removeRewriteRef(repo: GitRepo): Promise<'removed' | 'kept'> {
  if (!(await configValues(repo, ADDED_KEY)).includes('true')) return 'kept';
  const escaped = NOTES_REF.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  await repo.git(['config', '--local', '--unset', 'notes.rewriteRef', `^${escaped}$`]).catch(() => '');
  await repo.git(['config', '--local', '--remove-section', 'specledger']).catch(() => '');
  // An emptied [notes] section goes too, so the config reads as it did before install.
  const rest = await repo.git(['config', '--local', '--get-regexp', '^notes\\.']).catch(() => '');
  if (rest.trim() === '') await repo.git(['config', '--local', '--remove-section', 'notes']).catch(() => '');
  return 'removed';
}
