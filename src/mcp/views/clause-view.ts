// get_clause's view: one clause (or a whole spec) with child sections collapsed, budgeted in tokens.

import type { Resolved } from '../../corpus/resolve.js';
import type { Snapshot } from '../../corpus/snapshot.js';
import { SpecLedgerError } from '../../errors.js';
import { shownVersion } from '../../parse/labels.js';
import type { TokenCounter } from '../../parse/tokens.js';
import type { Clause } from '../../parse/types.js';
import { specUri } from '../uri.js';

interface ClauseViewOptions {
  /** How many levels of child sections to show in full; 0 collapses every child section. */
  depth: number;
  maxTokens: number;
  cursor?: string;
}

interface ClauseView {
  ref: string;
  spec: string;
  id: string;
  title: string;
  text: string;
  version: string;
  status: string;
  digest: string;
  uri: string;
  tokens: number;
  children: Array<{ ref: string; title: string; tokens: number }>;
  truncated: boolean;
  continuation?: { cursor: string; call: string };
  path: string;
  lines: { start: number; end: number };
  attrs?: Record<string, string>;
  superseded_by?: string[];
}

export function viewClause(
  snapshot: Snapshot,
  target: Resolved,
  options: ClauseViewOptions,
  tokens: TokenCounter,
): ClauseView {
  const { spec, clause } = target;
  const byId = new Map(spec.clauses.map((c) => [c.id, c]));
  const topLevel = spec.clauses.filter((c) => c.parentId === null);
  const directChildren = clause ? clause.childIds.map((id) => byId.get(id)!) : topLevel;
  const lines = clause ? clause.text.split('\n') : spec.body.replace(/\n+$/, '').split('\n');
  const firstLine = clause ? clause.line : spec.bodyLine;
  const rendered = renderLines(lines, firstLine, directChildren, byId, options.depth).join('\n');
  const ref = clause ? clause.ref : spec.id;
  const page = paginate(rendered, ref, options, tokens);
  const supersededBy = snapshot.specs.filter((s) => s.supersedes.includes(spec.id)).map((s) => s.id);
  return {
    ref,
    spec: spec.id,
    id: clause?.id ?? '',
    title: clause?.title ?? spec.title,
    text: page.text,
    version: shownVersion(spec),
    status: spec.role,
    digest: clause?.digest ?? spec.digest,
    uri: specUri(spec.id, clause?.id),
    tokens: page.tokens,
    children: directChildren.map((c) => ({ ref: c.ref, title: c.title, tokens: c.tokens })),
    truncated: page.continuation !== undefined,
    ...(page.continuation ? { continuation: page.continuation } : {}),
    path: spec.path,
    lines: { start: firstLine, end: clause ? clause.endLine : spec.bodyLine + lines.length - 1 },
    ...(clause && Object.keys(clause.attrs).length > 0 ? { attrs: { ...clause.attrs } } : {}),
    ...(supersededBy.length > 0 ? { superseded_by: supersededBy } : {}),
  };
}

/** Child sections beyond `depth` become one pointer line; item clauses (FR-001 …) always stay inline. */
function renderLines(
  lines: readonly string[],
  firstLine: number,
  children: readonly Clause[],
  byId: ReadonlyMap<string, Clause>,
  depth: number,
): string[] {
  const out: string[] = [];
  let cursor = 0;
  for (const child of children) {
    const start = child.line - firstLine;
    const end = child.endLine - firstLine + 1;
    if (start < cursor) continue;
    out.push(...lines.slice(cursor, start));
    if (child.kind === 'section' && depth <= 0) {
      out.push(`[… ${child.ref} — ${child.title} · ${child.tokens} tokens · get_clause to read]`);
    } else {
      const grand = child.childIds.map((id) => byId.get(id)!);
      out.push(...renderLines(lines.slice(start, end), child.line, grand, byId, depth - 1));
    }
    cursor = end;
  }
  out.push(...lines.slice(cursor));
  while (out.length > 1 && out[out.length - 1]!.trim() === '') out.pop();
  return out;
}

interface Page {
  text: string;
  tokens: number;
  continuation?: { cursor: string; call: string };
}

/** Tokens kept back for the continuation note itself. */
const POINTER_RESERVE = 40;

function paginate(rendered: string, ref: string, options: ClauseViewOptions, tokens: TokenCounter): Page {
  const lines = rendered.split('\n');
  let start = 0;
  if (options.cursor !== undefined) {
    const m = /^L(\d+)$/.exec(options.cursor);
    start = m ? Number(m[1]) : -1;
    if (start < 0 || start >= lines.length) {
      throw new SpecLedgerError(
        'INVALID_ARGUMENT',
        `cursor "${options.cursor}" does not belong to ${ref}; use the continuation.cursor that get_clause returned`,
      );
    }
  }
  const whole = start === 0 ? rendered : lines.slice(start).join('\n');
  const wholeTokens = tokens.count(whole);
  if (wholeTokens <= options.maxTokens) return { text: whole, tokens: wholeTokens };
  const budget = Math.max(1, options.maxTokens - POINTER_RESERVE);
  let used = 0;
  let end = start;
  while (end < lines.length) {
    const cost = tokens.count(lines[end]!) + 1;
    if (used + cost > budget) break;
    used += cost;
    end++;
  }
  const kept = lines.slice(start, Math.max(end, start + 1));
  // A single line over budget is cut by characters (about four per token) rather than sent whole.
  if (end === start) kept[0] = kept[0]!.slice(0, budget * 4);
  const next = Math.max(end, start + 1);
  if (next >= lines.length) return { text: kept.join('\n'), tokens: used };
  const cursor = `L${next}`;
  const call = `get_clause ${JSON.stringify({ ref, cursor, max_tokens: options.maxTokens, depth: options.depth })}`;
  const text = `${kept.join('\n')}\n\n[truncated at ${options.maxTokens} tokens; continue with ${call}]`;
  return { text, tokens: tokens.count(text), continuation: { cursor, call } };
}
