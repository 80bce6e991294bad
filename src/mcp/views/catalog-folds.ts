// Folding the catalog by folder, so read_root's first page accounts for every spec on any layout.
import { isSupporting, roleRank, type SpecRole } from '../../parse/labels.js';
import type { SpecDoc } from '../../parse/types.js';

export interface FolderEntry {
  /** Folder path relative to the spec root, with a trailing `/`; pass it without to read_root's `folder`. */
  path: string;
  specs: number;
  clauses: number;
  tokens: number;
  /** Counts by role, most binding first: `36 unversioned`, `1 approved, 114 example`. */
  roles: string;
  /** The folder's README/index summary, else what its files share. */
  description: string;
}

/** One line of a folded catalog: a spec listed by itself, or a folder standing for the specs under it. */
export type FoldItem =
  | { kind: 'spec'; spec: SpecDoc }
  | { kind: 'folder'; folder: FolderEntry; rank: number };

/** The specs under `folder` ('' for the whole catalog); `folder` has no trailing slash. */
export function specsUnder(catalog: readonly SpecDoc[], folder: string): SpecDoc[] {
  return folder === '' ? [...catalog] : catalog.filter((s) => s.path.startsWith(`${folder}/`));
}

/** Binding material first (standing, approved …), then by path, so related specs stay together. */
export function byBinding(a: SpecDoc, b: SpecDoc): number {
  return roleRank(a.role) - roleRank(b.role) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/**
 * Groups `specs` (all under `folder`) by the next folder below it. Files directly in `folder`, and folders holding a
 * single spec, are listed as specs; a folder that holds only one subfolder is named by the deepest folder that
 * still holds everything (`openspec/specs/` rather than `openspec/`), so one call opens what matters.
 */
function foldByFolder(specs: readonly SpecDoc[], folder: string): FoldItem[] {
  const base = folder === '' ? '' : `${folder}/`;
  const groups = new Map<string, SpecDoc[]>();
  const items: FoldItem[] = [];
  for (const spec of specs) {
    const rest = spec.path.slice(base.length);
    const slash = rest.indexOf('/');
    if (slash < 0) {
      items.push({ kind: 'spec', spec });
      continue;
    }
    const key = rest.slice(0, slash);
    const list = groups.get(key);
    if (list) list.push(spec);
    else groups.set(key, [spec]);
  }
  for (const [key, members] of groups) {
    if (members.length === 1) {
      items.push({ kind: 'spec', spec: members[0]! });
      continue;
    }
    const path = deepestCommonFolder(
      members.map((m) => m.path),
      `${base}${key}`,
    );
    const best = Math.min(...members.map((m) => roleRank(m.role)));
    items.push({ kind: 'folder', folder: folderEntry(path, members, specs), rank: best });
  }
  return items.sort(byItem);
}

/**
 * Below this many lines a folded page says too little (`openspec/` alone), so folders are opened; past it, each
 * further line costs every session's first read and buys less than a folder call does.
 */
const INFORMATIVE_LINES = 12;

/**
 * The folded catalog, opened up while it says too little: the most binding folder whose own folding still fits
 * `budget` replaces its line, so a corpus with one top folder (`openspec/`) shows what is inside it.
 */
export function foldToFit(
  specs: readonly SpecDoc[],
  folder: string,
  budget: number,
  cost: (item: FoldItem) => number,
): FoldItem[] {
  let items = foldByFolder(specs, folder);
  let total = items.reduce((n, item) => n + cost(item), 0);
  while (items.length < INFORMATIVE_LINES) {
    const folders = items
      .filter((item): item is Extract<FoldItem, { kind: 'folder' }> => item.kind === 'folder')
      .sort(byItem);
    let opened = false;
    for (const item of folders) {
      const path = item.folder.path.slice(0, -1);
      const inner = foldByFolder(specsUnder(specs, path), path);
      const innerCost = inner.reduce((n, i) => n + cost(i), 0);
      if (total - cost(item) + innerCost > budget) continue;
      items = [...items.filter((i) => i !== item), ...inner].sort(byItem);
      total += innerCost - cost(item);
      opened = true;
      break;
    }
    if (!opened) break;
  }
  return items;
}

function byItem(a: FoldItem, b: FoldItem): number {
  const rank = (item: FoldItem): number => (item.kind === 'spec' ? roleRank(item.spec.role) : item.rank);
  const path = (item: FoldItem): string => (item.kind === 'spec' ? item.spec.path : item.folder.path);
  return rank(a) - rank(b) || (path(a) < path(b) ? -1 : path(a) > path(b) ? 1 : 0);
}

/** The longest folder (at least `start`) that contains every path. */
function deepestCommonFolder(paths: readonly string[], start: string): string {
  let folder = start;
  for (;;) {
    const next = paths[0]!.slice(folder.length + 1).split('/');
    if (next.length < 2) return folder;
    const candidate = `${folder}/${next[0]}`;
    if (!paths.every((p) => p.startsWith(`${candidate}/`))) return folder;
    folder = candidate;
  }
}

function folderEntry(path: string, members: readonly SpecDoc[], all: readonly SpecDoc[]): FolderEntry {
  const counts = new Map<SpecRole, number>();
  for (const m of members) counts.set(m.role, (counts.get(m.role) ?? 0) + 1);
  const roles = [...counts]
    .sort((a, b) => roleRank(a[0]) - roleRank(b[0]))
    .map(([role, n]) => `${n} ${role}`)
    .join(', ');
  return {
    path: `${path}/`,
    specs: members.length,
    clauses: members.reduce((n, m) => n + m.clauses.length, 0),
    tokens: members.reduce((n, m) => n + m.tokens, 0),
    roles,
    description: describeFolder(path, members, all),
  };
}

/** What a folder holds, in a few words: its own README/index summary, else the file name its specs share. */
function describeFolder(path: string, members: readonly SpecDoc[], all: readonly SpecDoc[]): string {
  const readme = all.find((s) => /^(readme|index)\.md$/i.test(s.path.slice(path.length + 1)));
  if (readme?.summary) return cut(readme.summary, 100);
  const names = new Map<string, number>();
  for (const m of members) {
    const name = m.path.slice(m.path.lastIndexOf('/') + 1);
    names.set(name, (names.get(name) ?? 0) + 1);
  }
  const [name, n] = [...names].sort((a, b) => b[1] - a[1])[0]!;
  const formats = [...new Set(members.map((m) => m.format).filter((f) => f !== 'markdown'))];
  const shared = n > 1 && n >= members.length / 2 ? `${n} × ${name}` : '';
  const supporting = members.every((m) => isSupporting(m.role)) ? 'not binding' : '';
  return [shared, formats.join('/'), supporting].filter((s) => s !== '').join('; ');
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `980`, `12.4k`, `1.2M`: token totals in folder lines, where the exact figure buys nothing. */
export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}
