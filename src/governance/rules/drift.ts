// drift: code under a spec's `applies_to` globs changed in commits the spec's last change did not see.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { Snapshot } from '../../corpus/snapshot.js';
import { SpecLedgerError } from '../../errors.js';
import { anyCodeGlob } from '../../parse/code-globs.js';
import type { SpecDoc } from '../../parse/types.js';
import { dirtyPaths, type GitRepo, type LogCommit, literal, logWithFiles, mapLimit } from '../git.js';
import type { Finding } from '../types.js';
import { frontmatterLine } from './context.js';

interface DriftContext {
  snapshot: Snapshot;
  repo: GitRepo;
  /** Absolute folder the `applies_to` globs are relative to; null for the repository top level. */
  codeRoot: string | null;
}

/**
 * "After" means not an ancestor of the spec's last commit (`SPEC_COMMIT..HEAD`), not a later timestamp:
 * commits made within one second, or on a branch merged later, are ordered correctly. A spec with
 * uncommitted edits is being revised now and is not reported; AGENTS.md files (whose `applies_to` is
 * their whole folder by default), proposals and deprecated specs are left out.
 */
export async function lintDrift(ctx: DriftContext): Promise<Finding[]> {
  const { repo, snapshot } = ctx;
  const specs = snapshot.specs.filter(
    (s) =>
      s.appliesTo.length > 0 && s.kind !== 'agents' && s.kind !== 'proposal' && s.status !== 'deprecated',
  );
  if (specs.length === 0) return [];
  const codePrefix = codePrefixFor(repo, ctx.codeRoot);
  const lastCommit = await lastCommits(
    repo,
    specs.map((s) => repo.prefix + s.path),
  );
  if (lastCommit === null) return []; // No commits yet: nothing can have drifted.
  const dirty = await dirtyPaths(repo, literal(repo.prefix.replace(/\/$/, '')));
  const specFiles = new Set(snapshot.specs.map((s) => repo.prefix + s.path));

  const byCommit = new Map<string, SpecDoc[]>();
  for (const spec of specs) {
    const file = repo.prefix + spec.path;
    const commit = lastCommit.get(file);
    if (!commit || dirty.has(file)) continue;
    const group = byCommit.get(commit);
    if (group) group.push(spec);
    else byCommit.set(commit, [spec]);
  }
  const groups = await mapLimit([...byCommit], 8, async ([since, group]) => {
    const later = await logWithFiles(repo, [`${since}..HEAD`], codePathspecs(group, codePrefix));
    return group.flatMap((spec) => driftOf(spec, since, later, codePrefix, specFiles));
  });
  return groups.flat();
}

function driftOf(
  spec: SpecDoc,
  since: string,
  later: readonly LogCommit[],
  codePrefix: string,
  specFiles: ReadonlySet<string>,
): Finding[] {
  const matches = anyCodeGlob(spec.appliesTo);
  let newest: { commit: LogCommit; file: string } | null = null;
  let commits = 0;
  const files = new Set<string>();
  for (const commit of later) {
    const hit = commit.files.filter(
      (f) => f.startsWith(codePrefix) && !specFiles.has(f) && matches(f.slice(codePrefix.length)),
    );
    if (hit.length === 0) continue;
    commits++;
    for (const f of hit) files.add(f);
    newest ??= { commit, file: hit[0]!.slice(codePrefix.length) };
  }
  if (!newest) return [];
  const c = newest.commit;
  return [
    {
      rule: 'drift',
      severity: 'warning',
      file: spec.path,
      line: frontmatterLine(spec, 'applies_to'),
      message: `code under applies_to changed after this spec last changed (${since.slice(0, 7)}): ${commits} commit${commits === 1 ? '' : 's'}, ${files.size} file${files.size === 1 ? '' : 's'}; newest ${c.hash.slice(0, 7)} (${c.date.slice(0, 10)}) "${c.subject}" changed ${newest.file}`,
      hint: 'check that the spec still describes the code and update it (with a version bump), or narrow applies_to; committing the spec clears the finding',
    },
  ];
}

/** The commit that last changed each file, from one `git log` per 200 files; null when HEAD has no commits. */
async function lastCommits(repo: GitRepo, files: readonly string[]): Promise<Map<string, string> | null> {
  const chunks: string[][] = [];
  for (let i = 0; i < files.length; i += 200) chunks.push(files.slice(i, i + 200));
  let logs: LogCommit[][];
  try {
    logs = await mapLimit(chunks, 4, (chunk) => logWithFiles(repo, ['HEAD'], chunk.map(literal)));
  } catch {
    return null;
  }
  const last = new Map<string, string>();
  for (const log of logs) for (const c of log) for (const f of c.files) if (!last.has(f)) last.set(f, c.hash);
  return last;
}

/**
 * The folders the specs' globs can match under (`src/auth` for `src/auth/**`), so git lists only the
 * commits that can matter rather than every change since the spec's commit.
 */
function codePathspecs(specs: readonly SpecDoc[], codePrefix: string): string[] {
  const bases = new Set<string>();
  for (const spec of specs) {
    for (const glob of spec.appliesTo) {
      const base = glob.startsWith('!') ? '' : picomatch.scan(glob).base;
      if (base === '') return [literal(codePrefix.replace(/\/$/, ''))];
      bases.add(codePrefix + base);
    }
  }
  return [...bases].map(literal);
}

/** The code root relative to the repository top, with a trailing slash ('' for the top itself). */
function codePrefixFor(repo: GitRepo, codeRoot: string | null): string {
  if (codeRoot === null) return '';
  let real: string;
  try {
    real = realpathSync(codeRoot);
  } catch (error) {
    throw new SpecLedgerError('CONFIG', `drift.codeRoot ${codeRoot} does not exist`, { cause: error });
  }
  const rel = path.relative(repo.top, real).split(path.sep).join('/');
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new SpecLedgerError(
      'CONFIG',
      `drift.codeRoot ${codeRoot} is outside the git repository ${repo.top}`,
    );
  }
  return rel === '' ? '' : `${rel}/`;
}
