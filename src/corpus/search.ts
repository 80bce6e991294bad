// Full-text search over clauses with BM25 ranking (MiniSearch): one index per corpus, updated per changed spec.
import MiniSearch from 'minisearch';
import type { Clause, SpecDoc } from '../parse/types.js';

export interface SearchHit {
  ref: string;
  title: string;
  snippet: string;
  score: number;
}

export interface SearchOptions {
  spec?: string;
  limit: number;
  includeProposals?: boolean;
}

/** What a snapshot knows: a search result is only returned if the snapshot serves that clause at that digest. */
export type ClauseLookup = (ref: string) => Clause | undefined;

export interface SearchIndex {
  /**
   * Brings the index up to date with a snapshot's specs, re-indexing only specs whose digest changed.
   * Chunked and serialised, so a large first build lets other requests interleave. Older generations are ignored.
   */
  sync(generation: number, specs: readonly SpecDoc[]): Promise<void>;
  search(query: string, options: SearchOptions, lookup: ClauseLookup): SearchHit[];
}

interface Entry {
  id: number;
  ref: string;
  spec: string;
  digest: string;
  title: string;
  body: string;
  proposal: boolean;
}

/** Snippet width in characters on each side of the first match: enough context for an agent to choose. */
const SNIPPET_RADIUS = 90;
/** Clauses added per event-loop turn during a build (about 10 ms of work each). */
const CHUNK = 500;

export function createSearchIndex(): SearchIndex {
  const mini = new MiniSearch<Entry>({
    fields: ['title', 'body'],
    storeFields: ['ref', 'spec', 'digest', 'title', 'proposal'],
    searchOptions: { boost: { title: 3 }, prefix: (term) => term.length > 3, fuzzy: 0.15 },
  });
  const indexed = new Map<string, { digest: string; ids: number[] }>();
  let nextId = 0;
  let syncedGeneration = 0;
  let chain: Promise<void> = Promise.resolve();

  const syncNow = async (generation: number, specs: readonly SpecDoc[]): Promise<void> => {
    if (generation <= syncedGeneration) return;
    const live = new Set<string>();
    const pending: Entry[] = [];
    for (const spec of specs) {
      const key = spec.path;
      live.add(key);
      const known = indexed.get(key);
      if (known?.digest === spec.digest) continue;
      if (known) for (const id of known.ids) mini.discard(id);
      const entries = entriesOf(spec, () => nextId++);
      indexed.set(key, { digest: spec.digest, ids: entries.map((e) => e.id) });
      pending.push(...entries);
    }
    for (const [key, known] of indexed) {
      if (live.has(key)) continue;
      for (const id of known.ids) mini.discard(id);
      indexed.delete(key);
    }
    for (let i = 0; i < pending.length; i += CHUNK) {
      mini.addAll(pending.slice(i, i + CHUNK));
      if (i + CHUNK < pending.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    syncedGeneration = generation;
  };

  return {
    sync(generation, specs) {
      chain = chain.then(() => syncNow(generation, specs));
      return chain;
    },
    search(query, options, lookup) {
      const results = mini.search(query, {
        filter: (r) =>
          (options.spec === undefined || r.spec === options.spec) &&
          (options.includeProposals || !r.proposal),
      });
      const hits: SearchHit[] = [];
      for (const r of results) {
        const clause = lookup(r.ref as string);
        if (!clause || clause.digest !== r.digest) continue;
        hits.push({
          ref: clause.ref,
          title: clause.title,
          snippet: snippet(clause.text, r.terms),
          score: Math.round(r.score * 1000) / 1000,
        });
        if (hits.length >= options.limit) break;
      }
      return hits;
    },
  };
}

function entriesOf(spec: SpecDoc, nextId: () => number): Entry[] {
  const byId = new Map(spec.clauses.map((c) => [c.id, c]));
  return spec.clauses.map((clause) => ({
    id: nextId(),
    ref: clause.ref,
    spec: spec.id,
    digest: clause.digest,
    title: clause.title,
    body: ownText(byId, clause),
    proposal: spec.kind === 'proposal',
  }));
}

/** The clause's text without its child clauses, so a parent does not outrank the child that holds the match. */
function ownText(byId: ReadonlyMap<string, Clause>, clause: Clause): string {
  if (clause.childIds.length === 0) return clause.text;
  const lines = clause.text.split('\n');
  const keep = new Array<boolean>(lines.length).fill(true);
  for (const childId of clause.childIds) {
    const child = byId.get(childId);
    if (!child) continue;
    for (let l = child.line; l <= child.endLine; l++) keep[l - clause.line] = false;
  }
  return lines.filter((_, i) => keep[i]).join('\n');
}

function snippet(text: string, terms: readonly string[]): string {
  const flat = text.replace(/\s+/g, ' ');
  const lower = flat.toLowerCase();
  let at = -1;
  for (const term of terms) {
    const i = lower.indexOf(term.toLowerCase());
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  if (at < 0) return flat.length > SNIPPET_RADIUS * 2 ? `${flat.slice(0, SNIPPET_RADIUS * 2)}…` : flat;
  const start = Math.max(0, at - SNIPPET_RADIUS);
  const end = Math.min(flat.length, at + SNIPPET_RADIUS);
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}
