// read_root's view: root document, standing (`always`) specs and the catalog, folded by folder when it does not fit.

import { didYouMean } from '../../corpus/resolve.js';
import type { Snapshot } from '../../corpus/snapshot.js';
import { SpecLedgerError } from '../../errors.js';
import { digestOf } from '../../parse/digest.js';
import { shownVersion, statusLabel } from '../../parse/labels.js';
import type { TokenCounter } from '../../parse/tokens.js';
import type { SpecDoc } from '../../parse/types.js';
import {
  byBinding,
  compactCount,
  type FolderEntry,
  type FoldItem,
  foldToFit,
  specsUnder,
} from './catalog-folds.js';

interface CatalogEntry {
  id: string;
  title: string;
  status: string;
  version: string;
  summary: string;
  clauses: number;
  tokens: number;
}

interface AlwaysEntry {
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
  /** Specs listed one per line on this page. */
  specs: CatalogEntry[];
  /** Folders standing for the specs under them when the catalog is folded; list one with `folder`. */
  folders: FolderEntry[];
  always: AlwaysEntry[];
  /** The folder this page lists, when read_root was asked for one. */
  folder?: string;
  next_cursor?: string;
  /** Specs in the catalog (or under `folder`): every one is on this page, directly or through its folder. */
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

interface RootOptions {
  maxTokens: number;
  cursor?: string;
  /** List only the specs under this folder (a `folders[].path` of an earlier page). */
  folder?: string;
}

/** The root's own share of the budget, so the catalog always gets room on page one. */
const ROOT_SHARE = 0.5;
/**
 * Page one's catalog, in tokens: issue 16's bound on what the catalog may add to the standing text, met on every
 * layout measured (bench/README.md, retrieval) because a catalog that does not fit is folded by folder.
 */
const CATALOG_TOKENS = 800;
/** Specs named on one line of a names-only listing. */
const NAMES_PER_LINE = 20;
/** Tokens kept back for the "more lines" pointer when deciding whether the catalog fits. */
const POINTER_RESERVE = 25;

type Mode = 'flat' | 'fold' | 'names';
type Line = { text: string; cost: number; add(view: RootView): void };

export function viewRoot(snapshot: Snapshot, options: RootOptions, tokens: TokenCounter): RootPage {
  const cursor = decodeCursor(options.cursor);
  const folder = normalizeFolder(cursor?.f ?? options.folder);
  const scope = specsUnder(snapshot.catalog, folder).sort(byBinding);
  if (folder !== '' && scope.length === 0) throw unknownFolder(snapshot, folder);
  // Page one of the whole catalog carries the root and the standing specs; folder pages and later pages do not.
  const firstPage = cursor === null && folder === '';
  const parts: string[] = [];
  let used = 0;
  const add = (text: string): void => {
    parts.push(text);
    used += tokens.count(text) + 1;
  };
  const view: RootView = {
    root: { text: '', truncated: false },
    specs: [],
    folders: [],
    always: [],
    ...(folder !== '' ? { folder: `${folder}/` } : {}),
    total_specs: scope.length,
    problems: snapshot.problems.filter((p) => p.severity === 'error').length,
  };
  const alwaysServed: SpecDoc[] = [];
  // Several roots: each root's standing specs are one line each (the task is in one repository; its agent reads
  // that root's), and those lines come out of the catalog's 800, so the page stays small for the whole federation.
  const federated = snapshot.roots.size > 0;
  let pointerLines = 0;
  if (firstPage) {
    const before = used;
    addStanding(snapshot, options.maxTokens, tokens, view, alwaysServed, add, () => used, federated);
    if (federated) pointerLines = used - before - (tokens.count(view.root.text) + 1);
  }
  const lineOf = (spec: SpecDoc): Line => {
    const text = catalogLine(snapshot, spec);
    return { text, cost: tokens.count(text) + 1, add: (v) => v.specs.push(entryOf(spec)) };
  };
  const flat = scope.map(lineOf);
  // Page one's catalog has its own budget whatever the standing text takes; a folder page has the whole page.
  const room = Math.min(
    options.maxTokens - used - POINTER_RESERVE,
    firstPage ? CATALOG_TOKENS - pointerLines : Infinity,
  );
  const header = (mode: Mode): string => {
    const where = folder === '' ? `Specs (${scope.length})` : `Specs in ${folder}/ (${scope.length})`;
    if (mode === 'flat') return `\n## ${where} — open one with get_outline, read clauses with get_clause`;
    if (mode === 'names') return `\n## ${where}, by name — open one with get_outline`;
    return `\n## ${where}, folded — list a folder with read_root {"folder":"<path>"}; open a spec with get_outline`;
  };
  let mode: Mode = cursor?.m ?? 'flat';
  let lines = flat;
  const sum = (ls: readonly Line[]): number => ls.reduce((n, l) => n + l.cost, 0);
  if (cursor === null && sum(flat) + tokens.count(header('flat')) > room) mode = 'fold';
  if (mode === 'fold') {
    const known = new Map<string, Line>();
    const line = (item: FoldItem): Line => {
      const key = item.kind === 'spec' ? `s:${item.spec.id}` : `f:${item.folder.path}`;
      let l = known.get(key);
      if (!l) {
        if (item.kind === 'spec') l = lineOf(item.spec);
        else {
          const text = folderLine(item.folder);
          const entry = item.folder;
          l = { text, cost: tokens.count(text) + 1, add: (v) => v.folders.push(entry) };
        }
        known.set(key, l);
      }
      return l;
    };
    const budget = room - tokens.count(header('fold')) - 1;
    lines = foldToFit(scope, folder, budget, (item) => line(item).cost).map(line);
    // A folder page names its specs when they do not fit a line each (114 eval examples fold to themselves), so
    // every spec is listed by the second call from the root, however deep the folders below it go.
    const names = nameLines(snapshot, scope, tokens);
    if (cursor === null && !firstPage && sum(names) <= room - tokens.count(header('names'))) mode = 'names';
  }
  if (mode === 'names') lines = nameLines(snapshot, scope, tokens);
  // Room for the "more lines" pointer, priced with the longest cursor this listing can issue.
  const pointerCost =
    tokens.count(
      pointer(
        lines.length,
        encodeCursor({ o: lines.length, m: mode, ...(folder !== '' ? { f: folder } : {}) }),
      ),
    ) + 1;
  const offset = cursor?.o ?? 0;
  if (offset > lines.length) throw badCursor(options.cursor ?? '');
  if (cursor === null) add(header(mode));
  let i = offset;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    // A later page always makes progress, even when a single line is over budget.
    if (used + line.cost > options.maxTokens - pointerCost && (cursor === null || i > offset)) break;
    parts.push(line.text);
    used += line.cost;
    line.add(view);
  }
  if (i < lines.length) {
    view.next_cursor = encodeCursor({ o: i, m: mode, ...(folder !== '' ? { f: folder } : {}) });
    parts.push(pointer(lines.length - i, view.next_cursor));
  }
  const text = parts.join('\n');
  return { view, text, tokens: tokens.count(text), alwaysServed };
}

/** The root document (its share of the budget) and the `always` specs, whose text is shown while it fits. */
function addStanding(
  snapshot: Snapshot,
  maxTokens: number,
  tokens: TokenCounter,
  view: RootView,
  alwaysServed: SpecDoc[],
  add: (text: string) => void,
  used: () => number,
  pointersOnly: boolean,
): void {
  const rootBudget = Math.floor(maxTokens * ROOT_SHARE);
  const root = snapshot.root;
  if (root.tokens <= rootBudget) view.root.text = root.text;
  else {
    view.root.text = `${cutToTokens(root.text, rootBudget - 20, tokens)}\n[root truncated; read the rest with get_clause ${JSON.stringify({ ref: root.path ? root.path.replace(/\.md$/i, '') : '' })}]`;
    view.root.truncated = true;
  }
  add(view.root.text);
  for (const spec of snapshot.always) {
    const body = spec.body.trim();
    const fits = !pointersOnly && used() + spec.tokens + 30 <= maxTokens * 0.8;
    const version = shownVersion(spec);
    view.always.push({
      ref: spec.id,
      title: spec.title,
      version,
      digest: spec.digest,
      tokens: spec.tokens,
      text: fits ? body : '',
    });
    if (fits) alwaysServed.push(spec);
    const label = statusLabel(spec.role, version);
    add(
      fits
        ? `\n## Always: ${spec.id} (${label})\n${body}`
        : `\n## Always: ${spec.id} (${label}, ${spec.tokens} tokens — read with get_clause {"ref":"${spec.id}"})`,
    );
  }
}

function pointer(more: number, cursor: string): string {
  return `[${more} more lines; call read_root {"cursor":"${cursor}"}]`;
}

export function pageDigest(page: RootPage): string {
  return digestOf(page.text);
}

function entryOf(spec: SpecDoc): CatalogEntry {
  return {
    id: spec.id,
    title: spec.title,
    status: spec.role,
    version: shownVersion(spec),
    summary: spec.summary,
    clauses: spec.clauses.length,
    tokens: spec.tokens,
  };
}

/** One spec: its shortest unambiguous name (the full ID resolves too), what it is, and what it costs to read. */
function catalogLine(snapshot: Snapshot, spec: SpecDoc): string {
  const summary = spec.summary.length > 140 ? `${spec.summary.slice(0, 137)}…` : spec.summary;
  const title = spec.title === spec.id.split('/').pop() ? '' : ` — ${spec.title}`;
  return `- ${snapshot.shortId(spec)}${title} [${statusLabel(spec.role, shownVersion(spec))}, ${spec.clauses.length} clauses, ${compactCount(spec.tokens)} tok]${summary ? `: ${summary}` : ''}`;
}

/** Specs named only, a few to a line by role: 3–5 tokens each where a catalog line takes 30–60. */
function nameLines(snapshot: Snapshot, specs: readonly SpecDoc[], tokens: TokenCounter): Line[] {
  const lines: Line[] = [];
  for (let i = 0; i < specs.length; ) {
    const role = specs[i]!.role;
    const group: SpecDoc[] = [];
    while (i < specs.length && specs[i]!.role === role && group.length < NAMES_PER_LINE)
      group.push(specs[i++]!);
    const text = `- ${statusLabel(role, '')}: ${group.map((s) => snapshot.shortId(s)).join(', ')}`;
    lines.push({ text, cost: tokens.count(text) + 1, add: (v) => v.specs.push(...group.map(entryOf)) });
  }
  return lines;
}

function folderLine(f: FolderEntry): string {
  return `- ${f.path} — ${f.specs} specs, ${compactCount(f.tokens)} tok (${f.roles})${f.description ? `: ${f.description}` : ''}`;
}

/** `openspec/specs/`, `./openspec/specs` and `openspec/specs` name one folder. */
function normalizeFolder(folder: string | undefined): string {
  return (folder ?? '')
    .replace(/\\/g, '/')
    .replace(/^\.?\/+/, '')
    .replace(/\/+$/, '');
}

function unknownFolder(snapshot: Snapshot, folder: string): SpecLedgerError {
  const folders = new Set<string>();
  for (const s of snapshot.catalog) {
    const parts = s.path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  const candidates = didYouMean(folder, [...folders], (f) => f.split('/').pop()!).map((f) => `${f}/`);
  return new SpecLedgerError('NOT_FOUND', `no spec in a folder "${folder}/"`, { candidates });
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

interface Cursor {
  /** Offset into the page's lines. */
  o: number;
  m: Mode;
  /** The folder being listed, if any. */
  f?: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(cursor: string | undefined): Cursor | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (
      typeof parsed.o === 'number' &&
      Number.isInteger(parsed.o) &&
      parsed.o >= 0 &&
      (parsed.m === 'flat' || parsed.m === 'fold' || parsed.m === 'names') &&
      (parsed.f === undefined || typeof parsed.f === 'string')
    )
      return { o: parsed.o, m: parsed.m, ...(parsed.f !== undefined ? { f: parsed.f } : {}) };
  } catch {
    // falls through to the error below
  }
  throw badCursor(cursor);
}

function badCursor(cursor: string): SpecLedgerError {
  return new SpecLedgerError(
    'INVALID_ARGUMENT',
    `cursor "${cursor}" is not a read_root cursor; pass next_cursor as returned`,
  );
}
