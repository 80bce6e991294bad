// A commit's provenance from git: its note, or else the run its trailers name when a ledger knows it.
import type { LedgerStore } from '../ledger/types.js';
import { type LazySpecLocator, reliedClauses } from './link.js';
import { type Note, type NoteRun, parseNote } from './note.js';
import {
  type CommitInfo,
  FETCH_NOTES,
  type GitRepo,
  isShallow,
  noteBlobs,
  notesRefExists,
  readObjects,
} from './repo.js';
import { declaredRuns, SPEC_RUN_TRAILER } from './trailers.js';

export type ProvenanceSource = 'note' | 'trailer' | 'none';

export interface CommitProvenance {
  commit: CommitInfo;
  source: ProvenanceSource;
  /** Runs and clauses; for `trailer` without a ledger, the runs alone. */
  note: Note;
  /** Why what is known is incomplete: a run named only by a trailer, a note that did not parse. */
  problems: string[];
  /** A note that could not be read: the commit is reported, with this error, as having no provenance. */
  error?: string;
}

interface ProvenanceOptions {
  repo: GitRepo;
  store: LedgerStore | null;
  /** Spec files by ID, for clauses rebuilt from the ledger (a note records its own paths). */
  locate: LazySpecLocator;
}

/** Facts about the clone that limit every answer: no notes ref, a shallow history. */
export async function cloneWarnings(repo: GitRepo): Promise<string[]> {
  const warnings: string[] = [];
  if (!(await notesRefExists(repo)))
    warnings.push(
      `this clone has no refs/notes/specledger, so no commit shows its provenance: fetch the notes with ${FETCH_NOTES}`,
    );
  if (await isShallow(repo))
    warnings.push(
      'this is a shallow clone: commits, notes and spec files before its boundary are missing; fetch them with git fetch --unshallow',
    );
  return warnings;
}

/**
 * The provenance of each commit, in the order given: notes are read in one `git cat-file --batch`. A commit with no
 * note but a trailer naming a run the ledger knows (Spec-Run, Claude-Session) gets that run's reads up to the
 * commit's date, marked as coming from the trailer.
 */
export async function commitProvenance(
  options: ProvenanceOptions,
  commits: readonly CommitInfo[],
): Promise<CommitProvenance[]> {
  const blobs = await noteBlobs(options.repo);
  const texts = await readObjects(
    options.repo,
    commits.map((c) => blobs.get(c.commit)).filter((b): b is string => b !== undefined),
  );
  const out: CommitProvenance[] = [];
  for (const commit of commits) {
    const blob = blobs.get(commit.commit);
    const text = blob === undefined ? null : (texts.get(blob) ?? null);
    if (text !== null) {
      try {
        out.push({ commit, source: 'note', note: parseNote(commit.commit, text), problems: [] });
      } catch (error) {
        out.push({ commit, source: 'none', note: EMPTY, problems: [], error: (error as Error).message });
      }
      continue;
    }
    out.push(await fromTrailers(options, commit));
  }
  return out;
}

const EMPTY: Note = { runs: [], clauses: [] };

async function fromTrailers(options: ProvenanceOptions, commit: CommitInfo): Promise<CommitProvenance> {
  const declared = declaredRuns(commit.trailers);
  if (declared.length === 0) return { commit, source: 'none', note: EMPTY, problems: [] };
  const note: Note = { runs: [], clauses: [] };
  const problems: string[] = [];
  const until = Date.parse(commit.date) + 1000;
  for (const d of declared) {
    const records =
      options.store === null
        ? []
        : (await options.store.reads({ run_id: d.run })).filter((r) => Date.parse(r.ts) <= until);
    // An agent's own session trailer (Claude-Session) names a session SpecLedger may never have seen: it counts
    // only when a ledger at hand has reads of it. Spec-Run is ours, so it names a run even without a ledger.
    const ours = d.key.toLowerCase() === SPEC_RUN_TRAILER.toLowerCase();
    if (!ours && records.length === 0) continue;
    if (options.store !== null && records.length === 0) {
      problems.push(`run ${d.run} (${d.key} trailer) has no reads in this ledger`);
    } else if (options.store === null) {
      problems.push(
        `run ${d.run} is named by a ${d.key} trailer, but the commit has no note and no ledger is at hand to say what it read (pass --ledger, or fetch the notes)`,
      );
    }
    const run: NoteRun = {
      run: d.run,
      via: 'trailer',
      source: records[0]?.run_id_source ?? null,
      client: null,
      through_seq: records.length > 0 ? (records[records.length - 1]?.seq ?? null) : null,
      omitted: 0,
      linked_at: commit.date,
    };
    note.runs.push(run);
    if (records.length > 0) note.clauses.push(...reliedClauses(records, 0, await options.locate()));
  }
  if (note.runs.length === 0) return { commit, source: 'none', note: EMPTY, problems: [] };
  return { commit, source: 'trailer', note, problems };
}
