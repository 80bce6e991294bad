// Linking a commit to runs: which runs, which of their reads (since the run's previous linked commit), the note.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { formatClient, formatRef } from '../ledger/refs.js';
import type { LedgerStore, ReadRecord } from '../ledger/types.js';
import { NO_TOKEN_COUNTS } from '../parse/no-tokens.js';
import { formatNote, type LinkVia, type Note, type NoteClause, type NoteRun, parseNote } from './note.js';
import { appendNote, type GitRepo, logCommits, noteBlobs, readObjects } from './repo.js';

/** Where a spec's file is, relative to the top of the repository being linked. */
export interface SpecLocation {
  path: string;
  root: string;
}

export type SpecLocator = (specId: string) => SpecLocation | null;

/** A locator made on first use: loading the corpus costs ~0.3 s of imports and a parse of the spec root. */
export type LazySpecLocator = () => Promise<SpecLocator>;

/**
 * Spec files by spec ID, from the spec root as it is now (the ledger records IDs, not paths). A spec root outside
 * the repository locates nothing: a path there would mean nothing to a clone of this one. A trace answered from
 * notes alone never asks, and so never loads the corpus.
 */
export function locateSpecs(specsDir: string, repoTop: string): LazySpecLocator {
  let find: Promise<SpecLocator> | undefined;
  return () => {
    find ??= loadLocator(specsDir, repoTop);
    return find;
  };
}

async function loadLocator(specsDir: string, repoTop: string): Promise<SpecLocator> {
  if (!existsSync(specsDir)) return () => null;
  const { loadCorpus } = await import('../corpus/corpus.js');
  const corpus = loadCorpus({ root: specsDir, tokens: NO_TOKEN_COUNTS });
  const root = path.relative(realpathSync(repoTop), corpus.root).split(path.sep).join('/');
  if (root.startsWith('..') || path.isAbsolute(root)) return () => null;
  const snapshot = corpus.current();
  return (specId) => {
    const spec = snapshot.spec(specId);
    if (!spec) return null;
    return { path: root === '' ? spec.path : `${root}/${spec.path}`, root };
  };
}

/** Kinds whose reads name the text of a clause or spec the agent relied on. */
const RELIED_KINDS: ReadonlySet<string> = new Set(['clause', 'resource']);

/** Ancestors looked at for a run's previous linked commit; past them every read of the run is listed. */
const COVERAGE_DEPTH = 1000;

export interface LinkRequest {
  run: string;
  via: LinkVia;
}

export interface LinkContext {
  repo: GitRepo;
  store: LedgerStore;
  locate: LazySpecLocator;
  now: Date;
}

export interface LinkResult {
  commit: string;
  /** Runs written to the note. */
  linked: NoteRun[];
  clauses: number;
  /** Why a run was not linked: unknown to the ledger, already linked. */
  skipped: Array<{ run: string; reason: string }>;
}

/**
 * The last ledger seq each run's earlier linked commits cover, from the notes of `commit`'s ancestors (newest
 * first). A note that does not parse covers nothing: it must not stop the commit being linked.
 */
export async function previousCoverage(
  repo: GitRepo,
  commit: string,
  runs: readonly string[],
): Promise<Map<string, number>> {
  const covered = new Map<string, number>();
  const blobs = await noteBlobs(repo);
  if (blobs.size === 0) return covered;
  const parents = (await logCommits(repo, ['-1', commit]))[0]?.parents ?? [];
  if (parents.length === 0) return covered;
  const ancestors = (await repo.git(['rev-list', `--max-count=${COVERAGE_DEPTH}`, ...parents]))
    .split('\n')
    .filter((c) => blobs.has(c));
  const notes = await readObjects(
    repo,
    ancestors.map((c) => blobs.get(c) as string),
  );
  for (const ancestor of ancestors) {
    let note: Note;
    try {
      note = parseNote(ancestor, notes.get(blobs.get(ancestor) as string) ?? '');
    } catch {
      continue;
    }
    for (const r of note.runs) {
      if (runs.includes(r.run) && !covered.has(r.run) && r.through_seq !== null)
        covered.set(r.run, r.through_seq);
    }
    if (covered.size === runs.length) break;
  }
  return covered;
}

/** A run's clause reads after `afterSeq`, one per ref at the digest it read last, in the order first read. */
export function reliedClauses(
  records: readonly ReadRecord[],
  afterSeq: number,
  locate: SpecLocator,
): NoteClause[] {
  const byRef = new Map<string, NoteClause>();
  for (const r of records) {
    if (r.seq <= afterSeq || !RELIED_KINDS.has(r.kind) || r.digest === null || r.spec_id === null) continue;
    const ref = formatRef(r.spec_id, r.clause_id) as string;
    const where = locate(r.spec_id);
    const clause: NoteClause = {
      run: r.run_id,
      ref,
      digest: r.digest,
      version: r.spec_version,
      status: r.status,
      path: where?.path ?? null,
      root: where?.root ?? null,
      commit: r.git_commit,
    };
    // set() on a ref already seen keeps its first place and takes the digest read later.
    byRef.set(ref, clause);
  }
  return [...byRef.values()];
}

function runLine(records: readonly ReadRecord[], run: string, via: LinkVia, now: Date): NoteRun {
  const first = records[0];
  const client = records.find((r) => r.client_name !== null);
  return {
    run,
    via,
    source: first?.run_id_source ?? null,
    client: client ? formatClient(client.client_name, client.client_version) : null,
    through_seq: records.length > 0 ? (records[records.length - 1] as ReadRecord).seq : null,
    omitted: 0,
    linked_at: now.toISOString(),
  };
}

/** The note the commit has now, or null; one that does not parse counts as none for linking (append keeps it). */
async function existingNote(repo: GitRepo, commit: string): Promise<Note | null> {
  const blob = (await noteBlobs(repo)).get(commit);
  if (!blob) return null;
  const text = (await readObjects(repo, [blob])).get(blob);
  try {
    return text ? parseNote(commit, text) : null;
  } catch {
    return null;
  }
}

/**
 * Links `commit` to each requested run the ledger knows: the run line and the clauses it read since its previous
 * linked commit, appended to the commit's note. A run the note already lists is skipped, so linking twice adds
 * nothing.
 */
export async function linkCommit(
  ctx: LinkContext,
  commit: string,
  requests: readonly LinkRequest[],
): Promise<LinkResult> {
  const result: LinkResult = { commit, linked: [], clauses: 0, skipped: [] };
  const existing = await existingNote(ctx.repo, commit);
  const wanted: Array<LinkRequest & { records: ReadRecord[] }> = [];
  for (const request of requests) {
    if (existing?.runs.some((r) => r.run === request.run)) {
      result.skipped.push({ run: request.run, reason: 'already linked to this commit' });
      continue;
    }
    const records = await ctx.store.reads({ run_id: request.run });
    if (records.length === 0) {
      result.skipped.push({ run: request.run, reason: 'the ledger holds no read of it' });
      continue;
    }
    wanted.push({ ...request, records });
  }
  if (wanted.length === 0) return result;
  const covered = await previousCoverage(
    ctx.repo,
    commit,
    wanted.map((w) => w.run),
  );
  const note: Note = { runs: [], clauses: [] };
  const locate = await ctx.locate();
  for (const w of wanted) {
    const after = covered.get(w.run) ?? 0;
    // A guess needs new activity: a run whose every read an earlier commit already covers did not make this one.
    if (w.via === 'ledger-guess' && !w.records.some((r) => r.seq > after)) {
      result.skipped.push({ run: w.run, reason: 'no reads since its previous linked commit' });
      continue;
    }
    note.runs.push(runLine(w.records, w.run, w.via, ctx.now));
    note.clauses.push(...reliedClauses(w.records, after, locate));
  }
  if (note.runs.length === 0) return result;
  const text = formatNote(note);
  await appendNote(ctx.repo, commit, text);
  const written = parseNote(commit, text);
  result.linked = written.runs;
  result.clauses = written.clauses.length;
  return result;
}

/**
 * The runs that read from this ledger since `sinceIso` (the parent commit's date) and before `untilIso`: the guess
 * when nothing declares the run. Commit dates have whole seconds, so the window is widened to them.
 */
export async function activeRuns(
  store: LedgerStore,
  sinceIso: string | null,
  untilIso: string,
): Promise<string[]> {
  const since = sinceIso === null ? Number.NEGATIVE_INFINITY : Date.parse(sinceIso);
  const until = Date.parse(untilIso) + 1000;
  return (await store.runs())
    .filter((r) => Date.parse(r.last_ts) >= since && Date.parse(r.first_ts) <= until)
    .map((r) => r.run_id);
}
