// The provenance note a commit carries under refs/notes/specledger: its format, size bounds, writing and parsing.
import { z } from 'zod';
import { SpecLedgerError } from '../errors.js';

/** The notes ref SpecLedger writes; `notes.rewriteRef` names it so amend, rebase and squash carry notes along. */
export const NOTES_REF = 'refs/notes/specledger';

/** The note format this SpecLedger writes and reads; a note of a higher one is refused, never half-read. */
const NOTE_FORMAT = 1;

/**
 * Clauses one run may list in one note. A run that read more (a whole corpus) gets its first ones and an `omitted`
 * count; the ledger still holds all of them. 200 clause lines are ~50 KB: small next to the commit they describe.
 */
export const MAX_NOTE_CLAUSES = 200;

/** A note SpecLedger writes stays under this many bytes, whatever the run read. */
export const MAX_NOTE_BYTES = 64 * 1024;

/**
 * The largest note read. Squashing commits concatenates their notes, so a note may legitimately exceed what one
 * write produces; past 1 MiB it is not a SpecLedger note and is refused rather than parsed.
 */
const MAX_NOTE_READ_BYTES = 1024 * 1024;

/** How the commit was tied to the run: declared (environment, trailer, `link`) or inferred from ledger activity. */
export const LINK_VIAS = ['env', 'trailer', 'link', 'ledger-guess'] as const;
export type LinkVia = (typeof LINK_VIAS)[number];

export interface NoteRun {
  run: string;
  via: LinkVia;
  /** How the server learned the run ID (the ledger's run_id_source), when the ledger said. */
  source: string | null;
  client: string | null;
  /** The last ledger seq this note covers for the run: the next linked commit lists reads after it. */
  through_seq: number | null;
  /** Clause reads left out to keep the note small (see MAX_NOTE_CLAUSES). */
  omitted: number;
  linked_at: string;
}

export interface NoteClause {
  run: string;
  /** `SPEC#CLAUSE`, or `SPEC` for a whole-spec read. */
  ref: string;
  /** `sha256:<hex>` of the text read. */
  digest: string;
  version: string | null;
  status: string | null;
  /** The spec file, relative to the top of the repository that holds the spec root; null when unknown. */
  path: string | null;
  /** The spec root, relative to the same top ('' at the top): the part of `path` that is not the spec's own. */
  root: string | null;
  /** The commit of the spec file when read, as the ledger recorded it (`+dirty` when it had local edits). */
  commit: string | null;
}

export interface Note {
  runs: NoteRun[];
  clauses: NoteClause[];
}

// Unknown keys pass: a later format-1 writer may add fields, and this reader ignores them.
const RunLineSchema = z
  .object({
    run: z.string().min(1),
    via: z.enum(LINK_VIAS),
    source: z.string().nullable().default(null),
    client: z.string().nullable().default(null),
    through_seq: z.number().int().nonnegative().nullable().default(null),
    omitted: z.number().int().nonnegative().default(0),
    linked_at: z.string(),
  })
  .passthrough();

const ClauseLineSchema = z
  .object({
    run: z.string().min(1),
    ref: z.string().min(1),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    version: z.string().nullable().default(null),
    status: z.string().nullable().default(null),
    path: z.string().nullable().default(null),
    root: z.string().nullable().default(null),
    commit: z.string().nullable().default(null),
  })
  .passthrough();

/** The note as git stores it: one JSON object per line, runs first, so notes that git concatenates still parse. */
export function formatNote(note: Note): string {
  const bounded = boundNote(note);
  const lines = [
    ...bounded.runs.map((r) => JSON.stringify({ specledger: NOTE_FORMAT, ...r })),
    ...bounded.clauses.map((c) => JSON.stringify({ specledger: NOTE_FORMAT, ...c })),
  ];
  return `${lines.join('\n')}\n`;
}

/** At most MAX_NOTE_CLAUSES clauses per run and MAX_NOTE_BYTES in all; what is dropped is counted on its run. */
function boundNote(note: Note): Note {
  const runs = new Map(note.runs.map((r) => [r.run, { ...r }]));
  const perRun = new Map<string, number>();
  const clauses: NoteClause[] = [];
  let bytes = note.runs.reduce((n, r) => n + JSON.stringify(r).length + 20, 0);
  for (const clause of note.clauses) {
    const count = perRun.get(clause.run) ?? 0;
    const size = JSON.stringify(clause).length + 20;
    const run = runs.get(clause.run);
    if (count >= MAX_NOTE_CLAUSES || bytes + size > MAX_NOTE_BYTES) {
      if (run) run.omitted += 1;
      continue;
    }
    perRun.set(clause.run, count + 1);
    bytes += size;
    clauses.push(clause);
  }
  return { runs: [...runs.values()], clauses };
}

/** A note that cannot be read, naming the commit and what is wrong with it. */
function noteError(commit: string, problem: string): SpecLedgerError {
  return new SpecLedgerError(
    'INVALID_ARGUMENT',
    `the SpecLedger note on commit ${commit.slice(0, 12)} (${NOTES_REF}) ${problem}; see it with: git notes --ref=specledger show ${commit.slice(0, 12)}`,
  );
}

/**
 * Parses a note: blank lines (git puts one between concatenated notes) are skipped, and the same run or clause
 * listed twice (an amend or squash joined two notes) counts once. Throws naming `commit` and the line at fault.
 */
export function parseNote(commit: string, text: string): Note {
  if (text.length > MAX_NOTE_READ_BYTES)
    throw noteError(
      commit,
      `is ${text.length} bytes, over the ${MAX_NOTE_READ_BYTES} bytes SpecLedger reads`,
    );
  const runs = new Map<string, NoteRun>();
  const clauses = new Map<string, NoteClause>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const where = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw noteError(commit, `does not parse: ${where} is not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw noteError(commit, `does not parse: ${where} is not a JSON object`);
    const format = (value as { specledger?: unknown }).specledger;
    if (typeof format !== 'number' || !Number.isInteger(format))
      throw noteError(commit, `is not a SpecLedger note: ${where} has no "specledger" format number`);
    if (format > NOTE_FORMAT)
      throw noteError(
        commit,
        `was written in note format ${format}, newer than the format ${NOTE_FORMAT} this SpecLedger reads: upgrade specledger`,
      );
    if (format < 1) throw noteError(commit, `has an unknown note format ${format} on ${where}`);
    if ('ref' in value) {
      const parsed = ClauseLineSchema.safeParse(value);
      if (!parsed.success)
        throw noteError(commit, `has a malformed clause on ${where}: ${issueText(parsed.error)}`);
      const { specledger: _f, ...clause } = parsed.data;
      const c = clause as NoteClause;
      const key = `${c.run}\0${c.ref}\0${c.digest}`;
      if (!clauses.has(key)) clauses.set(key, pick(c));
    } else {
      const parsed = RunLineSchema.safeParse(value);
      if (!parsed.success)
        throw noteError(commit, `has a malformed run on ${where}: ${issueText(parsed.error)}`);
      const run = parsed.data as NoteRun;
      const seen = runs.get(run.run);
      runs.set(run.run, seen ? mergeRuns(seen, run) : pickRun(run));
    }
  }
  for (const c of clauses.values()) {
    if (!runs.has(c.run)) throw noteError(commit, `lists a clause of run "${c.run}" but not the run itself`);
  }
  return { runs: [...runs.values()], clauses: [...clauses.values()] };
}

/** One run listed by two joined notes: the later coverage, and a declared link outranks a guess. */
function mergeRuns(a: NoteRun, b: NoteRun): NoteRun {
  const declared = a.via !== 'ledger-guess' ? a : b;
  const seqs = [a.through_seq, b.through_seq].filter((s): s is number => s !== null);
  return {
    ...declared,
    through_seq: seqs.length === 0 ? null : Math.max(...seqs),
    omitted: Math.max(a.omitted, b.omitted),
    // ISO-8601 UTC strings order lexically: the earlier link.
    linked_at: [a.linked_at, b.linked_at].sort()[0] as string,
  };
}

function pickRun(r: NoteRun): NoteRun {
  return {
    run: r.run,
    via: r.via,
    source: r.source,
    client: r.client,
    through_seq: r.through_seq,
    omitted: r.omitted,
    linked_at: r.linked_at,
  };
}

function pick(c: NoteClause): NoteClause {
  return {
    run: c.run,
    ref: c.ref,
    digest: c.digest,
    version: c.version,
    status: c.status,
    path: c.path,
    root: c.root,
    commit: c.commit,
  };
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  return `${issue.path.join('.') || 'value'}: ${issue.message}`;
}
