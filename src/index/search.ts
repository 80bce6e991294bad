// Full-text search over clauses with BM25 ranking (MiniSearch), built once per snapshot on first use.
import MiniSearch from 'minisearch';
import type { Clause, SpecDoc } from '../spec/types.js';

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

export interface ClauseSearch {
  search(query: string, options: SearchOptions): SearchHit[];
}

interface Entry {
  id: number;
  ref: string;
  spec: string;
  title: string;
  body: string;
  proposal: boolean;
}

/** Snippet width in characters on each side of the first match: enough context for an agent to choose. */
const SNIPPET_RADIUS = 90;

export function buildClauseSearch(specs: readonly SpecDoc[]): ClauseSearch {
  const entries: Entry[] = [];
  const clauseByRef = new Map<string, Clause>();
  for (const spec of specs) {
    const byId = new Map(spec.clauses.map((c) => [c.id, c]));
    for (const clause of spec.clauses) {
      clauseByRef.set(clause.ref, clause);
      entries.push({
        id: entries.length,
        ref: clause.ref,
        spec: spec.id,
        title: clause.title,
        body: ownText(byId, clause),
        proposal: spec.kind === 'proposal',
      });
    }
  }
  const mini = new MiniSearch<Entry>({
    fields: ['title', 'body', 'ref'],
    storeFields: ['ref', 'spec', 'title', 'proposal'],
    searchOptions: { boost: { title: 3, ref: 2 }, prefix: (term) => term.length > 3, fuzzy: 0.15 },
  });
  mini.addAll(entries);
  return {
    search(query, options) {
      const results = mini.search(query, {
        filter: (r) => (options.spec === undefined || r.spec === options.spec) && (options.includeProposals || !r.proposal),
      });
      return results.slice(0, options.limit).map((r) => {
        const clause = clauseByRef.get(r.ref as string)!;
        return {
          ref: r.ref as string,
          title: r.title as string,
          snippet: snippet(clause.text, r.terms),
          score: Math.round(r.score * 1000) / 1000,
        };
      });
    },
  };
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
