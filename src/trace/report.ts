// `report BASE..HEAD`: a pull request's provenance — commits, runs, clauses relied on, stale ones, specs changed, lint.
import path from 'node:path';
import { SpecLedgerError } from '../errors.js';
import { type Finding, runLint } from '../governance/index.js';
import type { LedgerStore } from '../ledger/types.js';
import { isSpecFile } from '../source/read-tree.js';
import {
  type ClauseNow,
  type ClauseState,
  clauseDiff,
  clauseTexts,
  createSpecFiles,
} from './clause-state.js';
import type { LazySpecLocator } from './link.js';
import type { NoteRun } from './note.js';
import { cloneWarnings, commitProvenance, type ProvenanceSource } from './provenance.js';
import { type GitRepo, logCommits, resolveCommitOrExplain } from './repo.js';
import { judgeClauses, judgedKey, mergeClauses } from './trace.js';

export interface ReportOptions {
  repo: GitRepo;
  store: LedgerStore | null;
  locate: LazySpecLocator;
  /** `BASE..HEAD` (or `BASE...HEAD`, or `BASE` alone for BASE..HEAD). */
  range: string;
  /** The spec root in the work tree, for the lint findings; null skips lint. */
  specs: string | null;
  /** Lines of diff shown per stale clause. */
  diffLines?: number;
}

export interface ReportCommit {
  commit: string;
  subject: string;
  /** A merge commit: `git merge` runs no commit hook, so one without provenance is not counted as unlinked. */
  merge: boolean;
  provenance: ProvenanceSource;
  runs: string[];
  clauses: number;
  error?: string;
}

export interface ReportClause {
  ref: string;
  digest: string;
  version: string | null;
  status: string | null;
  state: ClauseState;
  current_digest: string | null;
  runs: string[];
  commits: string[];
}

export interface StaleClause extends ReportClause {
  state: 'changed' | 'removed';
  reason?: string;
  diff: string | null;
}

export interface Report {
  range: { base: string; head: string; base_commit: string; head_commit: string };
  commits: ReportCommit[];
  linked: number;
  /** Commits without provenance, merges aside. */
  unlinked: number;
  runs: Array<Pick<NoteRun, 'run' | 'via' | 'source' | 'client'> & { commits: string[] }>;
  /** Clauses relied on, grouped by spec ID, in order of first appearance. */
  specs: Array<{ spec: string; clauses: ReportClause[] }>;
  stale: StaleClause[];
  specs_changed: Array<{ path: string; status: 'A' | 'M' | 'D' }>;
  lint: Finding[];
  warnings: string[];
  /** Notes that could not be read, each naming its commit. */
  problems: string[];
}

/** Lines of diff per stale clause by default: enough to see the change in a PR comment, not to drown it. */
export const DEFAULT_REPORT_DIFF_LINES = 12;

function splitRange(range: string): { base: string; head: string } {
  const m = /^(.*?)\.{2,3}(.*)$/.exec(range);
  const base = m ? (m[1] as string) : range;
  const head = m ? (m[2] as string) || 'HEAD' : 'HEAD';
  if (base === '')
    throw new SpecLedgerError(
      'INVALID_ARGUMENT',
      `"${range}" has no base: write BASE..HEAD, e.g. origin/main..HEAD`,
    );
  return { base, head };
}

export async function buildReport(options: ReportOptions): Promise<Report> {
  const { repo } = options;
  const { base, head } = splitRange(options.range);
  const baseCommit = await resolveCommitOrExplain(repo, base);
  const headCommit = await resolveCommitOrExplain(repo, head);
  const infos = await logCommits(repo, ['--reverse', `${baseCommit}..${headCommit}`]);
  const provenance = await commitProvenance(options, infos);
  const files = createSpecFiles(repo);
  const judged = await judgeClauses(files, provenance, headCommit);

  const commits: ReportCommit[] = [];
  const runs = new Map<string, Report['runs'][number]>();
  const clauses = new Map<string, ReportClause & { note: ReturnType<typeof mergeClauses>[number] }>();
  const problems: string[] = [];
  for (const p of provenance) {
    const short = p.commit.commit.slice(0, 12);
    if (p.error) problems.push(p.error);
    problems.push(...p.problems.map((x) => `${short}: ${x}`));
    const merged = mergeClauses(p.note.clauses);
    commits.push({
      commit: p.commit.commit,
      subject: p.commit.subject,
      merge: p.commit.parents.length > 1,
      provenance: p.source,
      runs: p.note.runs.map((r) => r.run),
      clauses: merged.length,
      ...(p.error ? { error: p.error } : {}),
    });
    for (const r of p.note.runs) {
      const seen = runs.get(r.run);
      if (seen) seen.commits.push(p.commit.commit);
      else
        runs.set(r.run, {
          run: r.run,
          via: r.via,
          source: r.source,
          client: r.client,
          commits: [p.commit.commit],
        });
    }
    for (const c of merged) {
      const key = `${c.ref}\0${c.digest}`;
      const seen = clauses.get(key);
      if (seen) {
        for (const run of c.runs) if (!seen.runs.includes(run)) seen.runs.push(run);
        if (!seen.commits.includes(p.commit.commit)) seen.commits.push(p.commit.commit);
        continue;
      }
      const now = judged.get(judgedKey(c)) as ClauseNow;
      clauses.set(key, {
        ref: c.ref,
        digest: c.digest,
        version: c.version,
        status: c.status,
        state: now.state,
        current_digest: now.current_digest,
        runs: [...c.runs],
        commits: [p.commit.commit],
        note: c,
      });
    }
  }

  const specs = new Map<string, ReportClause[]>();
  const stale: StaleClause[] = [];
  for (const { note, ...clause } of clauses.values()) {
    const spec = clause.ref.split('#')[0] as string;
    const list = specs.get(spec) ?? [];
    list.push(clause);
    specs.set(spec, list);
    if (clause.state === 'changed' || clause.state === 'removed') {
      const now = judged.get(judgedKey(note)) as ClauseNow;
      const texts = await clauseTexts(files, note, headCommit, options.store);
      stale.push({
        ...clause,
        state: clause.state,
        ...(now.reason ? { reason: now.reason } : {}),
        diff: clauseDiff(clause.ref, texts, options.diffLines ?? DEFAULT_REPORT_DIFF_LINES),
      });
    }
  }

  const specsChanged = await changedSpecs(
    repo,
    baseCommit,
    headCommit,
    options,
    provenance.flatMap((p) => p.note.clauses.map((c) => c.root)),
  );
  const lint = await lintChanged(options, baseCommit, specsChanged);
  const linked = commits.filter((c) => c.provenance !== 'none').length;
  const mergesWithout = commits.filter((c) => c.provenance === 'none' && c.merge).length;
  return {
    range: { base, head, base_commit: baseCommit, head_commit: headCommit },
    commits,
    linked,
    unlinked: commits.length - linked - mergesWithout,
    runs: [...runs.values()],
    specs: [...specs].map(([spec, list]) => ({ spec, clauses: list })),
    stale,
    specs_changed: specsChanged,
    lint,
    warnings: await cloneWarnings(repo),
    problems,
  };
}

/** The spec root's prefix in the repository, from --specs when it is inside the work tree. */
function specRootPrefix(repo: GitRepo, specs: string | null): string | null {
  if (specs === null) return null;
  const rel = path.relative(repo.top, path.resolve(specs)).split(path.sep).join('/');
  return rel.startsWith('..') || path.isAbsolute(rel) ? null : rel;
}

/** Spec files added, changed or deleted between the merge base and HEAD, under the spec roots known. */
async function changedSpecs(
  repo: GitRepo,
  base: string,
  head: string,
  options: ReportOptions,
  noteRoots: ReadonlyArray<string | null>,
): Promise<Report['specs_changed']> {
  const roots = new Set(noteRoots.filter((r): r is string => r !== null));
  const prefix = specRootPrefix(repo, options.specs);
  if (prefix !== null) roots.add(prefix);
  if (roots.size === 0) return [];
  const mergeBase = (await repo.git(['merge-base', base, head]).catch(() => base)).trim() || base;
  const out = await repo.git([
    'diff',
    '--name-status',
    '--no-renames',
    '-z',
    mergeBase,
    head,
    '--',
    ...[...roots].map((r) => (r === '' ? '.' : `:(literal)${r}`)),
  ]);
  const parts = out.split('\0');
  const changed: Report['specs_changed'] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const code = parts[i]!.charAt(0);
    const file = parts[i + 1]!;
    if (!isSpecFile(path.posix.basename(file))) continue;
    changed.push({ status: code === 'D' ? 'D' : code === 'A' ? 'A' : 'M', path: file });
  }
  return changed;
}

/** Lint findings on the changed specs, against the merge base, from the spec root in the work tree. */
async function lintChanged(
  options: ReportOptions,
  base: string,
  changed: Report['specs_changed'],
): Promise<Finding[]> {
  const prefix = specRootPrefix(options.repo, options.specs);
  if (options.specs === null || prefix === null || changed.length === 0) return [];
  const wanted = new Set(
    changed
      .filter((c) => c.status !== 'D')
      .map((c) => (prefix === '' ? c.path : c.path.slice(prefix.length + 1))),
  );
  const lint = await runLint({ specs: options.specs, base });
  return lint.findings.filter((f) => wanted.has(f.file));
}
