// `trace COMMIT | PATH[:LINE[-LINE]]`: the runs behind a change and the clause versions they relied on, judged now.
import path from 'node:path';
import { SpecLedgerError } from '../errors.js';
import type { LedgerStore } from '../ledger/types.js';
import {
  type ClauseNow,
  type ClauseState,
  clauseDiff,
  clauseNow,
  clauseTexts,
  createSpecFiles,
  type SpecFiles,
} from './clause-state.js';
import type { LazySpecLocator } from './link.js';
import type { NoteClause, NoteRun } from './note.js';
import {
  type CommitProvenance,
  cloneWarnings,
  commitProvenance,
  type ProvenanceSource,
} from './provenance.js';
import { blame, type GitRepo, logCommits, resolveCommitOrExplain } from './repo.js';

export interface TraceOptions {
  repo: GitRepo;
  store: LedgerStore | null;
  locate: LazySpecLocator;
  /** The revision "now" means (default HEAD). */
  at?: string;
  /** Include the text as read against the text now. */
  diff?: boolean;
}

export interface TracedClause {
  ref: string;
  digest: string;
  version: string | null;
  status: string | null;
  path: string | null;
  /** The spec file's commit when read. */
  spec_commit: string | null;
  /** The runs that read this version. */
  runs: string[];
  state: ClauseState;
  current_digest: string | null;
  reason?: string;
  diff?: string | null;
  /** Where the text as read came from (with --diff). */
  read_from?: string;
}

export interface TracedCommit {
  commit: string;
  subject: string;
  date: string;
  provenance: ProvenanceSource;
  runs: NoteRun[];
  clauses: TracedClause[];
  /** Set when the commit has no provenance: "no provenance recorded for …", or why its note could not be read. */
  message?: string;
  problems: string[];
  error?: string;
}

export interface TraceAnswer {
  at: { ref: string; commit: string };
  commits: TracedCommit[];
  /** For PATH:LINE: which commit last changed each line asked about. */
  lines?: Array<{ line: number; commit: string }>;
  warnings: string[];
}

/** The clauses of a note merged across its runs: one entry per ref and digest, naming every run that read it. */
export function mergeClauses(clauses: readonly NoteClause[]): Array<NoteClause & { runs: string[] }> {
  const byKey = new Map<string, NoteClause & { runs: string[] }>();
  for (const c of clauses) {
    const key = `${c.ref}\0${c.digest}`;
    const seen = byKey.get(key);
    if (seen) {
      if (!seen.runs.includes(c.run)) seen.runs.push(c.run);
    } else {
      byKey.set(key, { ...c, runs: [c.run] });
    }
  }
  return [...byKey.values()];
}

/** Judges every clause of every commit at `at`, reading each spec file once. */
export async function judgeClauses(
  files: SpecFiles,
  provenance: readonly CommitProvenance[],
  at: string,
): Promise<Map<string, ClauseNow>> {
  const all = provenance.flatMap((p) => p.note.clauses);
  await files.prefetch(
    all.filter((c) => c.path !== null).map((c) => ({ commit: at, path: c.path as string })),
  );
  const judged = new Map<string, ClauseNow>();
  for (const c of all) {
    const key = `${c.ref}\0${c.digest}\0${c.path}`;
    if (!judged.has(key)) judged.set(key, await clauseNow(files, c, at));
  }
  return judged;
}

export function judgedKey(c: Pick<NoteClause, 'ref' | 'digest' | 'path'>): string {
  return `${c.ref}\0${c.digest}\0${c.path}`;
}

async function traceCommits(options: TraceOptions, commits: readonly string[]): Promise<TraceAnswer> {
  const { repo } = options;
  const atRef = options.at ?? 'HEAD';
  const at = await resolveCommitOrExplain(repo, atRef);
  const infos = commits.length === 0 ? [] : await logCommits(repo, ['--no-walk=unsorted', ...commits]);
  const provenance = await commitProvenance(options, infos);
  const files = createSpecFiles(repo);
  const judged = await judgeClauses(files, provenance, at);
  const traced: TracedCommit[] = [];
  for (const p of provenance) {
    const clauses: TracedClause[] = [];
    for (const c of mergeClauses(p.note.clauses)) {
      const now = judged.get(judgedKey(c)) as ClauseNow;
      const entry: TracedClause = {
        ref: c.ref,
        digest: c.digest,
        version: c.version,
        status: c.status,
        path: c.path,
        spec_commit: c.commit,
        runs: c.runs,
        state: now.state,
        current_digest: now.current_digest,
        ...(now.reason ? { reason: now.reason } : {}),
      };
      if (options.diff && now.state !== 'unchanged') {
        const texts = await clauseTexts(files, c, at, options.store);
        entry.diff = clauseDiff(c.ref, texts);
        entry.read_from = texts.read_from;
      }
      clauses.push(entry);
    }
    traced.push({
      commit: p.commit.commit,
      subject: p.commit.subject,
      date: p.commit.date,
      provenance: p.source,
      runs: p.note.runs,
      clauses,
      problems: p.problems,
      ...(p.source === 'none' && !p.error
        ? { message: `no provenance recorded for ${p.commit.commit.slice(0, 12)}` }
        : {}),
      ...(p.error ? { error: p.error, message: p.error } : {}),
    });
  }
  return { at: { ref: atRef, commit: at }, commits: traced, warnings: await cloneWarnings(repo) };
}

/** `trace COMMIT`. */
export async function traceCommit(options: TraceOptions, commit: string): Promise<TraceAnswer> {
  const sha = await resolveCommitOrExplain(options.repo, commit);
  const answer = await traceCommits(options, [sha]);
  const only = answer.commits[0];
  // A note that cannot be read is an error for the one commit asked about; a report lists it instead.
  if (only?.error) throw new SpecLedgerError('INVALID_ARGUMENT', only.error);
  return answer;
}

export interface PathTarget {
  /** Path relative to the repository top, POSIX separators. */
  path: string;
  range: { from: number; to: number } | null;
}

/** `PATH`, `PATH:LINE` or `PATH:FROM-TO`, relative to `cwd`, as a path from the repository top. */
export function parsePathTarget(repo: GitRepo, target: string, cwd: string): PathTarget {
  const m = /^(.+?):(\d+)(?:-(\d+))?$/.exec(target);
  const file = m ? (m[1] as string) : target;
  const from = m ? Number(m[2]) : 0;
  const to = m?.[3] !== undefined ? Number(m[3]) : from;
  if (m && (from < 1 || to < from))
    throw new SpecLedgerError(
      'INVALID_ARGUMENT',
      `"${target}": lines are counted from 1, FROM-TO with FROM ≤ TO, e.g. src/app.ts:10-20`,
    );
  const rel = path.relative(repo.top, path.resolve(cwd, file));
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new SpecLedgerError('INVALID_ARGUMENT', `"${file}" is outside the repository at ${repo.top}`);
  return { path: rel.split(path.sep).join('/'), range: m ? { from, to } : null };
}

/** `trace PATH[:LINE[-LINE]]`: git blame at `at`, then every commit it names, newest line owner first. */
export async function tracePath(options: TraceOptions, target: PathTarget): Promise<TraceAnswer> {
  const at = await resolveCommitOrExplain(options.repo, options.at ?? 'HEAD');
  let lines: Awaited<ReturnType<typeof blame>>;
  try {
    lines = await blame(options.repo, at, target.path, target.range);
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? (error as Error).message);
    const detail = stderr.split('\n').find((l) => l.startsWith('fatal:')) ?? stderr.trim().split('\n')[0];
    if (detail?.includes('could not open object name list'))
      throw new SpecLedgerError(
        'CONFIG',
        `cannot blame ${target.path}: git config blame.ignoreRevsFile names a file that does not exist (${detail.replace(/^.*list: /, '')}); create it or unset it with git config --unset blame.ignoreRevsFile`,
      );
    throw new SpecLedgerError(
      'NOT_FOUND',
      `cannot blame ${target.path} at ${options.at ?? 'HEAD'}: ${detail}`,
    );
  }
  const commits = [...new Set(lines.map((l) => l.commit))];
  const answer = await traceCommits(options, commits);
  return { ...answer, lines };
}
