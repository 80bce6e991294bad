// read_root's view: root document, standing (`always`) specs and a one-line-per-spec catalog, within a token budget.

import type { Snapshot } from '../../corpus/snapshot.js';
import { SpecLedgerError } from '../../errors.js';
import { digestOf } from '../../parse/digest.js';
import type { TokenCounter } from '../../parse/tokens.js';
import type { SpecDoc } from '../../parse/types.js';

export interface CatalogEntry {
  id: string;
  title: string;
  status: string;
  version: string;
  summary: string;
  clauses: number;
  tokens: number;
}

export interface AlwaysEntry {
  ref: string;
  title: string;
  version: string;
  digest: string;
  tokens: number;
  /** Empty when the text did not fit the budget; read it with get_clause. */
  text: string;
}

export interface RootView {
  root: { text: string; truncated: boolean };
  specs: CatalogEntry[];
  always: AlwaysEntry[];
  next_cursor?: string;
  total_specs: number;
  /** Files that cannot be served right now; fix them and they come back. */
  problems: number;
}

export interface RootPage {
  view: RootView;
  text: string;
  tokens: number;
  /** The always-specs whose text this page carries. */
  alwaysServed: SpecDoc[];
}

/** The root's own share of the budget, so the catalog always gets room on page one. */
const ROOT_SHARE = 0.5;

export function viewRoot(
  snapshot: Snapshot,
  options: { maxTokens: number; cursor?: string },
  tokens: TokenCounter,
): RootPage {
  // Page one (no cursor) carries the root and the standing specs; every later page is catalog only.
  const offset = decodeCursor(options.cursor, snapshot.catalog.length);
  const firstPage = offset === null;
  const parts: string[] = [];
  let used = 0;
  const add = (text: string): void => {
    parts.push(text);
    used += tokens.count(text) + 1;
  };
  const view: RootView = {
    root: { text: '', truncated: false },
    specs: [],
    always: [],
    total_specs: snapshot.catalog.length,
    problems: snapshot.problems.filter((p) => p.severity === 'error').length,
  };
  const alwaysServed: SpecDoc[] = [];
  if (firstPage) {
    const rootBudget = Math.floor(options.maxTokens * ROOT_SHARE);
    const root = snapshot.root;
    if (root.tokens <= rootBudget) view.root.text = root.text;
    else {
      view.root.text = `${cutToTokens(root.text, rootBudget - 20, tokens)}\n[root truncated; read the rest with get_clause ${JSON.stringify({ ref: root.path ? root.path.replace(/\.md$/i, '') : '' })}]`;
      view.root.truncated = true;
    }
    add(view.root.text);
    for (const spec of snapshot.always) {
      const body = spec.body.trim();
      const fits = used + spec.tokens + 30 <= options.maxTokens * 0.8;
      const entry: AlwaysEntry = {
        ref: spec.id,
        title: spec.title,
        version: spec.version,
        digest: spec.digest,
        tokens: spec.tokens,
        text: fits ? body : '',
      };
      view.always.push(entry);
      if (fits) alwaysServed.push(spec);
      add(
        fits
          ? `\n## Always: ${spec.id} (v${spec.version})\n${body}`
          : `\n## Always: ${spec.id} (v${spec.version}, ${spec.tokens} tokens — read with get_clause {"ref":"${spec.id}"})`,
      );
    }
    add(`\n## Specs (${snapshot.catalog.length}) — open one with get_outline, read clauses with get_clause`);
  }
  let i = offset ?? 0;
  for (; i < snapshot.catalog.length; i++) {
    const spec = snapshot.catalog[i]!;
    const line = catalogLine(spec);
    const cost = tokens.count(line) + 1;
    // A later page always makes progress, even when a single line is over budget.
    if (used + cost > options.maxTokens - 25 && (firstPage || view.specs.length > 0)) break;
    parts.push(line);
    used += cost;
    view.specs.push(entryOf(spec));
  }
  if (i < snapshot.catalog.length) {
    view.next_cursor = encodeCursor(i);
    parts.push(
      `[${snapshot.catalog.length - i} more specs; call read_root {"cursor":"${view.next_cursor}"}]`,
    );
  }
  const text = parts.join('\n');
  return { view, text, tokens: tokens.count(text), alwaysServed };
}

export function pageDigest(page: RootPage): string {
  return digestOf(page.text);
}

function entryOf(spec: SpecDoc): CatalogEntry {
  return {
    id: spec.id,
    title: spec.title,
    status: spec.status,
    version: spec.version,
    summary: spec.summary,
    clauses: spec.clauses.length,
    tokens: spec.tokens,
  };
}

function catalogLine(spec: SpecDoc): string {
  const summary = spec.summary.length > 140 ? `${spec.summary.slice(0, 137)}…` : spec.summary;
  return `- ${spec.id} — ${spec.title} [${spec.status} v${spec.version}, ${spec.clauses.length} clauses, ${spec.tokens} tok]${summary ? `: ${summary}` : ''}`;
}

function cutToTokens(text: string, budget: number, tokens: TokenCounter): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let used = 0;
  for (const line of lines) {
    const cost = tokens.count(line) + 1;
    if (used + cost > budget) break;
    out.push(line);
    used += cost;
  }
  return out.join('\n');
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function decodeCursor(cursor: string | undefined, total: number): number | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.o <= total)
      return parsed.o;
  } catch {
    // falls through to the error below
  }
  throw new SpecLedgerError(
    'INVALID_ARGUMENT',
    `cursor "${cursor}" is not a read_root cursor; pass next_cursor as returned`,
  );
}
