// specledger init, step one: which spec layout a repository already has, or a spec root with one example spec.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { IGNORED_DIRS } from '../source/read-tree.js';
import type { InitStep } from './init-files.js';

export type LayoutKind = 'spec-kit' | 'kiro' | 'openspec' | 'model-spec' | 'markdown' | 'new';

export interface Layout {
  kind: LayoutKind;
  /** The spec root relative to the repository, POSIX separators; `.` is the repository itself. */
  specs: string;
  /** What was seen, for the summary: e.g. ".specify/ and specs/001-*". */
  evidence: string;
}

const LABEL: Readonly<Record<LayoutKind, string>> = {
  'spec-kit': 'Spec Kit',
  kiro: 'Kiro',
  openspec: 'OpenSpec',
  'model-spec': 'Model Spec style',
  markdown: 'plain Markdown',
  new: 'none yet',
};

export function layoutLabel(kind: LayoutKind): string {
  return LABEL[kind];
}

/** Folders that plain-Markdown specs usually live in, in the order they are tried. */
const MARKDOWN_ROOTS = ['specs', 'spec', 'docs/specs', 'docs/spec'] as const;

/**
 * The layout of `repo`. Spec Kit, Kiro and OpenSpec are recognized by their folders, and their parsers key on those
 * folder names (`specs/NNN-…`, `.kiro/`, `openspec/`), so their spec root is the repository itself. A Model Spec file
 * (`model_spec.md`) is served from its folder; plain Markdown from the first of `specs/`, `spec/`, `docs/specs/` that
 * holds a `.md` file.
 */
export function detectLayout(repo: string): Layout | null {
  const at = (rel: string) => path.join(repo, rel);
  const numbered = isDir(at('specs')) && readdirSync(at('specs')).some((n) => /^\d{3}-/.test(n));
  if (isDir(at('.specify')) || numbered)
    return {
      kind: 'spec-kit',
      specs: '.',
      evidence: [isDir(at('.specify')) ? '.specify/' : '', numbered ? 'specs/NNN-*/' : '']
        .filter(Boolean)
        .join(' and '),
    };
  if (isDir(at('.kiro/specs')) || isDir(at('.kiro/steering')))
    return { kind: 'kiro', specs: '.', evidence: '.kiro/' };
  if (isDir(at('openspec/specs')) || isDir(at('openspec/changes')))
    return { kind: 'openspec', specs: '.', evidence: 'openspec/' };
  const modelSpec = findFile(repo, 'model_spec.md', 3);
  if (modelSpec !== null) {
    const dir = path.posix.dirname(modelSpec);
    return { kind: 'model-spec', specs: dir, evidence: modelSpec };
  }
  for (const dir of MARKDOWN_ROOTS)
    if (isDir(at(dir)) && hasMarkdown(at(dir), 3))
      return { kind: 'markdown', specs: dir, evidence: `${dir}/*.md` };
  return null;
}

/** A spec root for a repository that has none: `specs/` with a root page and one example spec that lints clean. */
export function createExampleSpecs(repo: string): { layout: Layout; steps: InitStep[] } {
  const dir = path.join(repo, 'specs');
  mkdirSync(dir, { recursive: true });
  const steps: InitStep[] = [];
  for (const [name, text] of [
    ['README.md', ROOT_PAGE],
    ['example.md', EXAMPLE_SPEC],
  ] as const) {
    const file = path.join(dir, name);
    if (existsSync(file)) {
      steps.push({ path: `specs/${name}`, action: 'unchanged' });
      continue;
    }
    writeFileSync(file, text, { flag: 'wx' });
    steps.push({ path: `specs/${name}`, action: 'created' });
  }
  return { layout: { kind: 'new', specs: 'specs', evidence: 'created specs/' }, steps };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A file named `name` within `depth` folder levels of `root` (breadth first), as a POSIX relative path. */
function findFile(root: string, name: string, depth: number): string | null {
  let level = [''];
  for (let d = 0; d < depth && level.length > 0; d++) {
    const next: string[] = [];
    for (const rel of level) {
      for (const entry of safeEntries(path.join(root, rel))) {
        const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (entry.isFile() && entry.name === name) return child;
        if (entry.isDirectory() && !IGNORED_DIRS.has(entry.name) && !entry.name.startsWith('.'))
          next.push(child);
      }
    }
    level = next;
  }
  return null;
}

function hasMarkdown(dir: string, depth: number): boolean {
  for (const entry of safeEntries(dir)) {
    if (entry.isFile() && entry.name.toLowerCase().endsWith('.md')) return true;
    if (depth > 1 && entry.isDirectory() && hasMarkdown(path.join(dir, entry.name), depth - 1)) return true;
  }
  return false;
}

function safeEntries(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch {
    return [];
  }
}

const ROOT_PAGE = `# Specs

The specs agents read before they change this repository. Start with the catalog below; ask for a spec's outline,
then the clauses a task needs, by ID (e.g. \`example#review\`).
`;

const EXAMPLE_SPEC = `---
id: example
title: Example spec
summary: How a spec looks to SpecLedger; replace it with your own.
version: 0.1.0
status: draft
owners: [your-team]
---

# Example spec

A spec is Markdown with YAML frontmatter. Each heading with an \`{#id}\` anchor, and each list item that opens
with a bold ID, is a clause agents can ask for by ID.

## Changes are reviewed {#review}

- **EX-1**: Every change to code under \`src/\` MUST be reviewed by one of the owners.
- **EX-2**: A change that alters an obligation here SHOULD bump \`version\`.

## Errors name what failed {#errors}

Error messages MUST say what was asked, why it failed, and what to try instead.
`;
