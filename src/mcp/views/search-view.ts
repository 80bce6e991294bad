// search_specs's view: ranked refs with the sentence that matched, and the text of the best hits within a budget.
import type { Snapshot } from '../../corpus/snapshot.js';
import { shownVersion, statusLabel } from '../../parse/labels.js';
import type { TokenCounter } from '../../parse/tokens.js';
import type { ServedRead } from '../recorder.js';

interface SearchViewOptions {
  query: string;
  /** Only this spec (any name that resolves to it). */
  spec?: string;
  limit: number;
  includeProposals: boolean;
  /** Tokens of clause text to return with the hits, best first; 0 returns refs and snippets only. */
  answerTokens: number;
}

interface SearchViewHit {
  ref: string;
  title: string;
  snippet: string;
  score: number;
  /** The clause's text, when it fitted the answer budget: the read is recorded as a clause read. */
  text?: string;
  digest?: string;
  version?: string;
  status?: string;
  tokens?: number;
}

interface SearchView {
  structured: { hits: SearchViewHit[] };
  text: string;
  reads: ServedRead[];
}

/** A lower hit's text is inlined when it is at most this many times its snippet's tokens (its own line included). */
const LOWER_HIT_TEXT_SHARE = 2;
/** A lower hit scoring under this share of the best one is listed by ref and title alone, without its snippet. */
const FAINT_SHARE = 0.5;

export async function viewSearch(
  snapshot: Snapshot,
  options: SearchViewOptions,
  tokens: TokenCounter,
): Promise<SearchView> {
  const specId = options.spec ? snapshot.resolve(`${options.spec.split('#')[0]}#`).spec.id : undefined;
  const found = await snapshot.search(options.query, {
    spec: specId,
    limit: options.limit,
    includeProposals: options.includeProposals,
  });
  if (found.length === 0) {
    return {
      structured: { hits: [] },
      text: `no clauses match "${options.query}"; try fewer or other words, or read_root for the catalog`,
      reads: [],
    };
  }
  let budget = options.answerTokens;
  const hits: SearchViewHit[] = [];
  const reads: ServedRead[] = [];
  const lines: string[] = [];
  for (const hit of found) {
    const { spec, clause } = snapshot.resolve(hit.ref);
    if (!clause) continue;
    const shortRef = `${snapshot.shortId(spec)}#${clause.id}`;
    const label = statusLabel(spec.role, shownVersion(spec));
    const snippetTokens = tokens.count(hit.snippet);
    // Whole clauses only: a clause cut short would be cited as if it were the rule. The best hit is inlined when it
    // fits; a lower one only when its text costs little more than the snippet line that would stand for it, since
    // an agent reads past the best hit only when that one does not answer (on the retrieval questions, specs-example
    // went from 48.7% to 44.9% of the whole-file tokens, and to 42.3% with faint hits by title, hits unchanged).
    const best = hits.length === 0;
    const faint = !best && hit.score < FAINT_SHARE * (found[0]?.score ?? 0);
    const inline =
      clause.tokens <= budget && (best || (!faint && clause.tokens <= LOWER_HIT_TEXT_SHARE * snippetTokens));
    if (inline) {
      budget -= clause.tokens;
      hits.push({
        ...hit,
        text: clause.text,
        digest: clause.digest,
        version: shownVersion(spec),
        status: spec.role,
        tokens: clause.tokens,
      });
      reads.push({
        kind: 'clause',
        spec,
        clause,
        digest: clause.digest,
        text: clause.text,
        tokens: clause.tokens,
      });
      const newline = clause.text.indexOf('\n');
      const firstLine = newline < 0 ? clause.text : clause.text.slice(0, newline);
      const titled = clause.kind !== 'item' && !firstLine.includes(clause.title);
      lines.push(
        `- ${shortRef}${titled ? ` — ${clause.title}` : ''} [${label}, ${clause.digest.slice(7, 19)}]`,
      );
      lines.push(clause.text);
      continue;
    }
    hits.push(hit);
    reads.push({
      kind: 'search',
      spec,
      clause,
      digest: clause.digest,
      text: clause.text,
      tokens: faint ? tokens.count(hit.title) : snippetTokens,
    });
    const listed = `- ${shortRef} — ${hit.title} [${label}, ${clause.tokens} tok]`;
    lines.push(faint ? listed : `${listed}: ${hit.snippet}`);
  }
  return { structured: { hits }, text: lines.join('\n'), reads };
}
