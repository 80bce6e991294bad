// `--discover`: the spec roots nested in a monorepo (`.kiro/`, OpenSpec, Spec Kit `specs/`, AGENTS.md folders).
import { type Dirent, readdirSync } from 'node:fs';
import path from 'node:path';
import { IGNORED_DIRS } from '../source/read-tree.js';
import type { NamedRoot } from './root-list.js';

/** Folders deeper than this are not looked into: a monorepo's packages sit a few levels down, not twenty. */
const MAX_DEPTH = 6;

/** A folder that is a spec root by its name alone: Kiro's, OpenSpec's and Spec Kit's. */
const ROOT_FOLDERS = /^(\.kiro|openspec|specs)$/;

/**
 * Every spec root under `base`, named from its path (`packages/billing/.kiro` → `packages-billing-kiro`).
 * A `.kiro/`, `openspec/` or `specs/` folder holding Markdown is a root and is not looked into further; a
 * folder with an AGENTS.md that holds no such root is a root too, so standing instructions at every level
 * are served. An AGENTS.md in a folder that holds other roots (the monorepo's top) is left to `lint`: roots
 * do not nest, or its specs would be served twice.
 */
export function discoverRoots(base: string, named: Iterable<string> = []): NamedRoot[] {
  const found: Array<{ dir: string; agents: boolean }> = [];
  const walk = (dir: string, depth: number): boolean => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    let holdsRoot = false;
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!e.isDirectory() || IGNORED_DIRS.has(e.name)) continue;
      const child = path.join(dir, e.name);
      if (ROOT_FOLDERS.test(e.name) && holdsMarkdown(child, 0)) {
        found.push({ dir: child, agents: false });
        holdsRoot = true;
      } else if (!e.name.startsWith('.') && depth < MAX_DEPTH && walk(child, depth + 1)) {
        holdsRoot = true;
      }
    }
    if (!holdsRoot && dir !== base && entries.some((e) => e.isFile() && e.name === 'AGENTS.md')) {
      found.push({ dir, agents: true });
      return true;
    }
    return holdsRoot;
  };
  walk(base, 0);
  // Two paths can make one name (`a b/.kiro` and `a-b/.kiro`, or two long paths alike in their first 63
  // characters), or a path can make a name given to another root (`named`, compared as root names are, ignoring
  // case); the later one gets a number, since a name the user never chose must not stop the server.
  const taken = new Set([...named].map((n) => n.toLowerCase()));
  // The next number to try per name: a tree of many paths making one name costs one try each, not one per earlier.
  const nextNumber = new Map<string, number>();
  return found
    .sort((a, b) => (a.dir < b.dir ? -1 : 1))
    .map(({ dir }) => {
      const rel = path.relative(base, dir).split(path.sep).join('/');
      const wanted = discoveredName(rel);
      let name = wanted;
      let n = nextNumber.get(wanted.toLowerCase()) ?? 2;
      // `wanted`, or `wanted-2`, `wanted-3`, … (cut to fit 63 characters) when it is taken.
      while (taken.has(name.toLowerCase())) name = `${wanted.slice(0, 62 - String(n).length)}-${n++}`;
      nextNumber.set(wanted.toLowerCase(), n);
      taken.add(name.toLowerCase());
      return { name, path: dir, from: `--discover ${rel}`, named: false };
    });
}

/** `packages/billing/.kiro` → `packages-billing-kiro`; a root at the top keeps its folder name (`specs`). */
function discoveredName(rel: string): string {
  const name = rel
    .split('/')
    .map((part) => part.replace(/^\.+/, ''))
    .filter((part) => part !== '')
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  return (name || 'root').slice(0, 63);
}

function holdsMarkdown(dir: string, depth: number): boolean {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    if (e.isFile() && /\.md$/i.test(e.name)) return true;
    if (
      e.isDirectory() &&
      !IGNORED_DIRS.has(e.name) &&
      depth < MAX_DEPTH &&
      holdsMarkdown(path.join(dir, e.name), depth + 1)
    )
      return true;
  }
  return false;
}
