// What became of a clause read once: its state at a commit now (unchanged, changed, removed), and the text then and now.
import { createTwoFilesPatch } from 'diff';
import { parseRef } from '../ledger/refs.js';
import type { LedgerStore } from '../ledger/types.js';
import { digestOf } from '../parse/digest.js';
import { NO_TOKEN_COUNTS } from '../parse/no-tokens.js';
import { createParseContext, parseSpec } from '../parse/parse-spec.js';
import { type SpecDoc, specSource } from '../parse/types.js';
import type { NoteClause } from './note.js';
import { type GitRepo, readObjects } from './repo.js';

export type ClauseState = 'unchanged' | 'changed' | 'removed' | 'unknown';

export interface ClauseNow {
  state: ClauseState;
  /** The digest at the commit compared with; null when removed or unknown. */
  current_digest: string | null;
  /** Why the state is `unknown` or `removed`, in words. */
  reason?: string;
}

/** Texts found for one clause: as read (from git at the recorded commit, or the ledger) and now. */
interface ClauseTexts {
  read: string | null;
  /** Where the text as read came from, or why it was not found. */
  read_from: string;
  now: string | null;
}

/**
 * Spec files parsed at commits, each file once per commit: a report asks about the same few specs for hundreds of
 * clauses. Built per query and dropped with it.
 */
export interface SpecFiles {
  /** Loads every (commit, path) asked for in one git call; later `doc` calls are then lookups. */
  prefetch(items: ReadonlyArray<{ commit: string; path: string }>): Promise<void>;
  /** The spec at `commit:path` parsed as the spec root sees it, or null when the file is absent or unparsable. */
  doc(commit: string, path: string, root: string): Promise<SpecDoc | null>;
}

export function createSpecFiles(repo: GitRepo): SpecFiles {
  const ctx = createParseContext(NO_TOKEN_COUNTS);
  const texts = new Map<string, string | null>();
  const docs = new Map<string, SpecDoc | null>();
  const prefetch = async (items: ReadonlyArray<{ commit: string; path: string }>) => {
    const names = items.map((i) => `${i.commit}:${i.path}`).filter((n) => !texts.has(n));
    if (names.length === 0) return;
    for (const [name, text] of await readObjects(repo, names)) texts.set(name, text);
  };
  return {
    prefetch,
    async doc(commit, path, root) {
      const name = `${commit}:${path}`;
      const cached = docs.get(name);
      if (cached !== undefined) return cached;
      if (!texts.has(name)) await prefetch([{ commit, path }]);
      const text = texts.get(name) ?? null;
      const rel = root === '' ? path : path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
      const doc = text === null ? null : parseSpec(rel, text, ctx).doc;
      docs.set(name, doc);
      return doc;
    },
  };
}

/** The text a ref names in a parsed spec (a clause, or the whole file for a spec read), or null when gone. */
function textOf(doc: SpecDoc, ref: string): { text: string; digest: string } | null {
  const parsed = parseRef(ref);
  if (doc.id !== parsed.spec_id) return null;
  if (parsed.clause_id === null) return { text: specSource(doc), digest: doc.digest };
  const clause = doc.clauses.find((c) => c.id === parsed.clause_id);
  return clause ? { text: clause.text, digest: clause.digest } : null;
}

/** The clause's state at `at` (a full commit hash), judged by digest. */
export async function clauseNow(files: SpecFiles, clause: NoteClause, at: string): Promise<ClauseNow> {
  if (clause.path === null || clause.root === null)
    return {
      state: 'unknown',
      current_digest: null,
      reason: 'the note does not say which file holds the spec',
    };
  const doc = await files.doc(at, clause.path, clause.root);
  if (doc === null) return { state: 'removed', current_digest: null, reason: `${clause.path} is gone` };
  const now = textOf(doc, clause.ref);
  if (now === null)
    return { state: 'removed', current_digest: null, reason: `${clause.ref} is no longer in ${clause.path}` };
  return { state: now.digest === clause.digest ? 'unchanged' : 'changed', current_digest: now.digest };
}

/** The recorded spec commit without the `+dirty` mark, or null when the ledger recorded none. */
function recordedCommit(clause: NoteClause): string | null {
  if (clause.commit === null || clause.commit.endsWith('+dirty')) return null;
  return clause.commit;
}

/**
 * The text as read: the spec file at its recorded commit when that text has the digest read (a spec with local
 * edits was read from the working copy, which git never saw), else the ledger's stored copy when a ledger is at hand.
 */
export async function clauseTexts(
  files: SpecFiles,
  clause: NoteClause,
  at: string,
  store: LedgerStore | null,
): Promise<ClauseTexts> {
  let read: string | null = null;
  let from = '';
  const commit = recordedCommit(clause);
  if (commit !== null && clause.path !== null && clause.root !== null) {
    const doc = await files.doc(commit, clause.path, clause.root);
    const then = doc ? textOf(doc, clause.ref) : null;
    if (then && digestOf(then.text) === clause.digest) {
      read = then.text;
      from = `${clause.path} at ${commit.slice(0, 12)}`;
    }
  }
  if (read === null && store !== null) {
    read = await store.servedText(clause.digest);
    if (read !== null) from = 'the ledger';
  }
  if (read === null) {
    from =
      commit === null
        ? `not in git (the spec file had uncommitted edits when read)${store ? ' nor in the ledger' : '; pass --ledger to read the copy the ledger kept'}`
        : `not found at ${commit.slice(0, 12)}${store ? ' nor in the ledger' : '; fetch that commit, or pass --ledger'}`;
  }
  let now: string | null = null;
  if (clause.path !== null && clause.root !== null) {
    const doc = await files.doc(at, clause.path, clause.root);
    now = doc ? (textOf(doc, clause.ref)?.text ?? null) : null;
  }
  return { read, read_from: from, now };
}

/** A unified diff of the text as read against the text now, `maxLines` lines at most (0: all of it). */
export function clauseDiff(ref: string, texts: ClauseTexts, maxLines = 0): string | null {
  if (texts.read === null) return null;
  const patch = createTwoFilesPatch(
    `${ref} (as read)`,
    `${ref} (now)`,
    ensureNewline(texts.read),
    ensureNewline(texts.now ?? ''),
    undefined,
    undefined,
    {
      context: 2,
    },
  );
  // The first line is the "===" separator jsdiff writes; the file headers follow.
  const lines = patch.split('\n').filter((l, i) => !(i === 0 && l.startsWith('=')));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (maxLines > 0 && lines.length > maxLines) {
    const more = lines.length - maxLines;
    return [...lines.slice(0, maxLines), `… ${more} more line${more === 1 ? '' : 's'}`].join('\n');
  }
  return lines.join('\n');
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
