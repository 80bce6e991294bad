// Full-text search over clauses (MiniSearch BM25 on stemmed words, by field): one index per corpus, updated per changed spec.
import MiniSearch from 'minisearch';
import { isSupporting, type SpecRole, SUPPORTING_QUERY_WORDS } from '../parse/labels.js';
import type { Clause, SpecDoc } from '../parse/types.js';
import { type RankedClause, RERANKED, rerank } from './rerank.js';
import { createIndexTokenizer, createTermCache, searchTerms, searchWords } from './search-text.js';

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
export type ClauseLookup = (ref: string) => { spec: SpecDoc; clause: Clause } | undefined;

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
  /** The clause ID as words (`req-archive-process`, `FR-011`). */
  key: string;
  title: string;
  body: string;
  /** Where the clause sits: its spec's title and path, and the titles of the sections around it. */
  context: string;
  proposal: boolean;
  role: SpecRole;
  /** The spec ID's own terms, so a query that names the spec ("the v1 webhooks") can be told apart. */
  specTerms: string;
}

/** Snippet width in characters: one sentence, or a window of one, is enough for an agent to choose. */
const SNIPPET_CHARS = 220;
/** How much of a parent's own text is a child's context: a requirement's statement, not a chapter. */
const PARENT_CONTEXT_CHARS = 600;
/** Clauses added per event-loop turn during a build (about 10 ms of work each). */
const CHUNK = 500;

/**
 * Field weights. A word in a clause's title says more than one in its body; its ID (`ignore_untrusted_data`) is
 * a title too; the spec and section it sits in are context that lifts every clause of a topic a little (a
 * question about "the parallel-commands feature" is about that spec's clauses) without outranking the body.
 */
const BOOST = { key: 2, title: 1.5, body: 1, context: 0.3 } as const;
/** Supporting material (examples, templates, archives, deprecated specs, proposals, notes) ranks this far down. */
const SUPPORTING_WEIGHT = 0.45;
/** A query that names a spec by its ID's words ranks that spec's clauses up by this much. */
const NAMED_SPEC_WEIGHT = 1.6;

export function createSearchIndex(): SearchIndex {
  const termOf = createTermCache();
  const mini = new MiniSearch<Entry>({
    fields: ['key', 'title', 'body', 'context'],
    storeFields: ['ref', 'spec', 'digest', 'title', 'proposal', 'role', 'specTerms'],
    tokenize: createIndexTokenizer(),
    // Stemming is most of indexing's cost and a corpus repeats its words: each word is stemmed once per index.
    processTerm: termOf,
    searchOptions: {
      boost: BOOST,
      prefix: (term) => term.length > 4,
      fuzzy: false,
      weights: { fuzzy: 0.3, prefix: 0.3 },
    },
  });
  const indexed = new Map<string, { digest: string; ids: number[] }>();
  let nextId = 0;
  let syncedGeneration = 0;
  let chain: Promise<void> = Promise.resolve();

  const syncNow = async (generation: number, specs: readonly SpecDoc[]): Promise<void> => {
    if (generation <= syncedGeneration) return;
    const live = new Set<string>();
    const changed: SpecDoc[] = [];
    for (const spec of specs) {
      live.add(spec.path);
      const known = indexed.get(spec.path);
      if (known?.digest === spec.digest) continue;
      if (known) for (const id of known.ids) mini.discard(id);
      indexed.delete(spec.path);
      changed.push(spec);
    }
    for (const [key, known] of indexed) {
      if (live.has(key)) continue;
      for (const id of known.ids) mini.discard(id);
      indexed.delete(key);
    }
    // A large first build is the server's biggest piece of work: it yields before it starts and after every CHUNK
    // clauses, entries included, so a request that arrives meanwhile (the client's initialize, its first read_root)
    // waits for one chunk, not for the build.
    let sinceYield = 0;
    const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));
    await yieldNow();
    for (const spec of changed) {
      const entries = entriesOf(spec, () => nextId++);
      // The ids added so far, under no digest until the last: a build that stops midway leaves them to be
      // discarded by the next sync, which then indexes the spec again.
      const done = { digest: '', ids: [] as number[] };
      indexed.set(spec.path, done);
      // One spec may hold many thousand clauses: it is added in slices too.
      for (let i = 0; i < entries.length; ) {
        const slice = entries.slice(i, i + CHUNK - sinceYield);
        mini.addAll(slice);
        for (const e of slice) done.ids.push(e.id);
        i += slice.length;
        sinceYield += slice.length;
        if (sinceYield >= CHUNK) {
          await yieldNow();
          sinceYield = 0;
        }
      }
      done.digest = spec.digest;
    }
    syncedGeneration = generation;
  };

  return {
    sync(generation, specs) {
      const run = chain.then(() => syncNow(generation, specs));
      // A build that failed fails its own callers; the next sync starts over from what was indexed.
      chain = run.catch(() => undefined);
      return run;
    },
    search(query, options, lookup) {
      const queryTerms = searchTerms(query);
      const askedFor = askedRoles(query);
      const weightOf = (fields: Record<string, unknown> | undefined): number => {
        const specTerms = String(fields?.specTerms ?? '')
          .split(' ')
          .filter((t) => t !== '');
        const share =
          specTerms.length === 0 ? 0 : specTerms.filter((t) => queryTerms.has(t)).length / specTerms.length;
        const named = share === 1;
        const role = fields?.role as SpecRole;
        const supporting = isSupporting(role) && !askedFor.has(role) && !named;
        return (supporting ? SUPPORTING_WEIGHT : 1) * (1 + (NAMED_SPEC_WEIGHT - 1) * share);
      };
      const results = mini.search(query, {
        filter: (r) =>
          (options.spec === undefined || r.spec === options.spec) &&
          (options.includeProposals || !r.proposal),
        boostDocument: (_id, _term, fields) => weightOf(fields),
      });
      // Agents ask whole questions; BM25 sums what each word adds, so a clause that repeats one common word can
      // outrank the one that answers most of the question. Scaling by the share of query terms matched favours
      // the latter (hit@3 0.69 → 0.75 on the retrieval questions; bench/README.md).
      const wanted = Math.max(1, queryTerms.size);
      for (const r of results) r.score *= Math.min(1, r.queryTerms.length / wanted);
      results.sort((a, b) => b.score - a.score);
      // The best hits are re-scored by phrases and titles (rerank.ts); the rest keep their BM25 order.
      const top: Array<RankedClause & { r: (typeof results)[number] }> = [];
      for (const r of results.slice(0, RERANKED)) {
        const found = lookup(r.ref as string);
        if (found)
          top.push({ score: r.score, clause: found.clause, ownText: ownTextIn(found.spec, found.clause), r });
      }
      rerank(top, query, termOf);
      for (const t of top) t.r.score = t.score;
      results.splice(0, RERANKED, ...top.map((t) => t.r));
      const hits: SearchHit[] = [];
      for (const r of results) {
        const found = lookup(r.ref as string);
        const clause = found?.clause;
        if (!clause || clause.digest !== r.digest) continue;
        hits.push({
          ref: clause.ref,
          title: clause.title,
          // From the clause's own text: a parent's snippet should not quote the child that ranks beside it.
          snippet: snippet(ownTextIn(found.spec, clause), queryTerms),
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
  const own = new Map(spec.clauses.map((c) => [c.id, ownText(byId, c)]));
  const specContext = `${spec.title} ${spec.id}`;
  const specTerms = [...searchTerms(meaningfulSpecName(spec.id))].join(' ');
  return spec.clauses.map((clause) => {
    // A scenario or acceptance criterion means little without the requirement it belongs to: its parent's own
    // text, and the titles of the sections above, are its context.
    const parent = clause.parentId === null ? undefined : byId.get(clause.parentId);
    const sections: string[] = parent ? [leading(own.get(parent.id) ?? '')] : [];
    for (let p = clause.parentId; p !== null; p = byId.get(p)?.parentId ?? null)
      sections.push(byId.get(p)?.title ?? '');
    return {
      id: nextId(),
      ref: clause.ref,
      spec: spec.id,
      digest: clause.digest,
      key: clause.idSource === 'slug' ? '' : clause.id,
      title: clause.title,
      body: own.get(clause.id) ?? '',
      context: `${specContext} ${sections.join(' ')}`,
      proposal: spec.kind === 'proposal',
      role: spec.role,
      specTerms,
    };
  });
}

/** The start of a parent's own text: what it states before its children, bounded so long sections do not swamp. */
function leading(text: string): string {
  return text.length > PARENT_CONTEXT_CHARS ? text.slice(0, PARENT_CONTEXT_CHARS) : text;
}

/** The part of a spec ID that names it: `webhooks-v1`, `cli-archive` (not `openspec/specs/…/spec`). */
function meaningfulSpecName(specId: string): string {
  const parts = specId.split('/');
  const last = parts.at(-1)!;
  return /^(spec|specs|index|readme|skill)$/i.test(last) && parts.length > 1 ? parts.at(-2)! : last;
}

/** The supporting roles a query asks for by name ("legacy", "example", "archived"). */
function askedRoles(query: string): Set<SpecRole> {
  const out = new Set<SpecRole>();
  for (const word of searchWords(query)) for (const role of SUPPORTING_QUERY_WORDS[word] ?? []) out.add(role);
  return out;
}

function ownTextIn(spec: SpecDoc, clause: Clause): string {
  if (clause.childIds.length === 0) return clause.text;
  return ownText(new Map(spec.clauses.map((c) => [c.id, c])), clause);
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

/**
 * The sentence (or list item, or line) of `text` holding the most query terms, cut to SNIPPET_CHARS around its
 * first match; the text's start when nothing matches.
 */
function snippet(text: string, terms: ReadonlySet<string>): string {
  const all = text
    .split(/\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.|#{1,6}|\|)\s)|(?<=[.!?])\s+(?=[A-Z`*"(])/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p !== '');
  // The hit's title is shown beside its snippet: a heading line would say it twice, so prose is preferred.
  const prose = all.filter((p) => !p.startsWith('#'));
  const pieces = prose.length > 0 ? prose : all;
  let best = pieces[0] ?? '';
  let bestScore = 0;
  for (const piece of pieces) {
    const found = searchTerms(piece);
    let score = 0;
    for (const t of terms) if (found.has(t)) score++;
    if (score > bestScore) {
      best = piece;
      bestScore = score;
    }
  }
  if (best.length <= SNIPPET_CHARS) return best;
  // Cut around the first matching word, so the match is in view.
  let at = 0;
  if (bestScore > 0) {
    const words = best.match(/[\p{L}\p{N}]+/gu) ?? [];
    const first = words.find((w) => [...searchTerms(w)].some((t) => terms.has(t)));
    at = first ? Math.max(0, best.indexOf(first) - SNIPPET_CHARS / 3) : 0;
  }
  const end = Math.min(best.length, at + SNIPPET_CHARS);
  return `${at > 0 ? '…' : ''}${best.slice(at, end)}${end < best.length ? '…' : ''}`;
}
