// What the console reads: the ledger (queries only), the specs as served now, and the git repository they live in.
import type { Corpus } from '../corpus/corpus.js';
import type { Snapshot } from '../corpus/snapshot.js';
import type { LedgerStore } from '../ledger/types.js';
import type { GitRepo } from '../trace/repo.js';

export interface ConsoleSources {
  /** Only its query methods are called: the console never writes to the ledger. */
  store: LedgerStore;
  /** The live corpus (reloaded by a watcher where one runs), or null when no spec root is available. */
  corpus: Corpus | null;
  /** The git repository around the spec root, or null: the commits page then says so. */
  repo: GitRepo | null;
  /** The spec root as given, for locating spec files in git. */
  specsDir: string | null;
  /**
   * Whether the health page walks the whole hash chain on each visit. `specledger ui` does (it serves one person);
   * the pages `serve --http` shares under /ui do not: a walk reads every record, and on SQLite it holds the server's
   * event loop while it does (seconds at a million reads), so one page view would stall every MCP client.
   */
  walkChain: boolean;
}

/** The clause's text now, or null when it no longer exists (or there are no specs). */
export function currentClause(snapshot: Snapshot | null, specId: string, clauseId: string | null) {
  const spec = snapshot?.spec(specId);
  if (!spec) return null;
  if (clauseId === null)
    return { title: spec.title, text: spec.body, digest: spec.digest, version: spec.version };
  const clause = spec.clauses.find((c) => c.id === clauseId);
  return clause
    ? { title: clause.title, text: clause.text, digest: clause.digest, version: spec.version }
    : null;
}
