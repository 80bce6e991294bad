// The immutable snapshot of every served spec and clause: lookup, catalog, search and path matching.
import { SpecLedgerError } from '../errors.js';
import type { GlobCompiler } from '../parse/code-globs.js';
import { digestOf } from '../parse/digest.js';
import { frontmatterLine } from '../parse/frontmatter.js';
import { shownVersion } from '../parse/labels.js';
import type { TokenCounter } from '../parse/tokens.js';
import type { Clause, Problem, SpecDoc } from '../parse/types.js';
import { type RefTables, type Resolved, resolveRef, shortSpecId, specAliases } from './resolve.js';
import type { SearchHit, SearchIndex, SearchOptions } from './search.js';

export interface RootDoc {
  /** The file the root text came from, or null when it was generated. */
  path: string | null;
  text: string;
  digest: string;
  readonly tokens: number;
}

export interface PathMatch {
  path: string;
  specs: Array<{
    id: string;
    title: string;
    status: string;
    version: string;
    tokens: number;
    matched: string;
  }>;
  clauses: Array<{ ref: string; title: string; tokens: number }>;
  agents: Array<{ ref: string; path: string; tokens: number }>;
}

export interface Snapshot {
  /** Increases with every reload; a request keeps the snapshot it started with. */
  readonly generation: number;
  readonly root: RootDoc;
  /** Every served spec, sorted by ID. */
  readonly specs: readonly SpecDoc[];
  /** The specs listed by `read_root`: not the root document, not proposals. */
  readonly catalog: readonly SpecDoc[];
  /** Specs with `inclusion: always`, whose text is shown in the root. */
  readonly always: readonly SpecDoc[];
  readonly problems: readonly Problem[];
  readonly clauseCount: number;
  /** Served root names when several roots are served as one (IDs are then `root:spec`); empty for one root. */
  readonly roots: ReadonlySet<string>;
  spec(id: string): SpecDoc | undefined;
  resolve(ref: string): Resolved;
  /** The shortest name that resolves to this spec alone (`cli-archive` for `openspec/specs/cli-archive/spec`). */
  shortId(spec: SpecDoc): string;
  /** Ranked clauses; waits for the shared search index to catch up with this snapshot on first use. */
  search(query: string, options: SearchOptions): Promise<SearchHit[]>;
  specsForPath(path: string): PathMatch;
}

interface SnapshotInput {
  generation: number;
  /** Parsed documents keyed by root-relative path. */
  docs: ReadonlyMap<string, SpecDoc>;
  problems: readonly Problem[];
  rootName: string;
  /** The generated root's text, when the caller has a better one than "N specs are served here" (a federation). */
  rootText?: string;
  /** Served root names (src/parse/root-refs.ts), when IDs are root-qualified; empty or absent for one root. */
  roots?: ReadonlySet<string>;
  tokens: TokenCounter;
  /** The corpus's compiled `applies_to` globs, for specs_for_path. */
  globs: GlobCompiler;
  /** Shared by every snapshot of one corpus; updated per changed spec. */
  searchIndex: SearchIndex;
  /**
   * Per-document tables shared by every snapshot of one corpus, so a reload pays for the files that changed
   * rather than the whole corpus (a full rebuild of 16k clause entries cost 30–90 ms per edit at 1,000 files).
   * Without it each snapshot starts empty.
   */
  docTables?: DocTablesCache;
}

/** What is derived from one parsed document; documents are immutable, so it is computed once per document object. */
interface DocTables {
  clauses?: ReadonlyMap<string, Clause>;
  matchers?: readonly Matcher[];
  root?: RootDoc;
}

type DocTablesCache = WeakMap<SpecDoc, DocTables>;

export function createDocTablesCache(): DocTablesCache {
  return new WeakMap();
}

/** The first of these at the top of the spec root is the root document. */
const ROOT_FILES = ['README.md', 'AGENTS.md', 'index.md'] as const;

const NO_ROOTS: ReadonlySet<string> = new Set();

export function buildSnapshot(input: SnapshotInput): Snapshot {
  const problems = [...input.problems];
  const byId = servedById(input.docs, problems);
  const specs = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Top-level files only, any case (`INDEX.md`, `Readme.md`), in ROOT_FILES order.
  const topLevel = [...input.docs.keys()].filter((p) => !p.includes('/'));
  const rootPath =
    ROOT_FILES.map((f) => topLevel.find((p) => p.toLowerCase() === f.toLowerCase())).find(
      (p) => p !== undefined,
    ) ?? null;
  // An empty root file (OpenSpec ships a 0-byte AGENTS.md) says nothing; the generated root says what is here.
  const rootDoc = rootPath ? specs.find((s) => s.path === rootPath && s.body.trim() !== '') : undefined;
  const catalog = specs.filter((s) => s !== rootDoc && s.kind !== 'proposal');
  const always = catalog.filter((s) => s.inclusion === 'always' && s.status !== 'deprecated');

  const cache = input.docTables ?? createDocTablesCache();
  const tablesOf = (doc: SpecDoc): DocTables => {
    const known = cache.get(doc);
    if (known) return known;
    const fresh: DocTables = {};
    cache.set(doc, fresh);
    return fresh;
  };
  const clauseAt = (ref: string): { spec: SpecDoc; clause: Clause } | undefined => {
    // Spec IDs derived from paths may hold "#", so every split is tried; exact, as a map keyed by ref would be.
    for (let hash = ref.indexOf('#'); hash >= 0; hash = ref.indexOf('#', hash + 1)) {
      const spec = byId.get(ref.slice(0, hash));
      if (!spec) continue;
      const t = tablesOf(spec);
      t.clauses ??= new Map(spec.clauses.map((c) => [c.id, c]));
      const clause = t.clauses.get(ref.slice(hash + 1));
      if (clause) return { spec, clause };
    }
    return undefined;
  };
  let refsById: Map<string, string[]> | undefined;
  let aliases: Map<string, string[]> | undefined;
  const roots = input.roots ?? NO_ROOTS;
  const tables: RefTables = {
    specs: byId,
    roots,
    clausesByRef: { get: clauseAt },
    // The corpus-wide bare-ID index is built by the first bare lookup on a snapshot, not by every reload.
    get refsById() {
      if (!refsById) refsById = bareClauseIds(specs);
      return refsById;
    },
    get aliases() {
      if (!aliases) aliases = aliasTable(specs, roots);
      return aliases;
    },
  };
  const clauseCount = specs.reduce((n, s) => n + s.clauses.length, 0);
  let root: RootDoc;
  if (rootDoc) {
    const t = tablesOf(rootDoc);
    t.root ??= rootOf(rootDoc.path, rootDoc.body.trim(), input.tokens);
    root = t.root;
  } else {
    root = rootOf(null, input.rootText ?? generatedRoot(input.rootName, catalog.length), input.tokens);
  }
  let matchers: Matcher[] | undefined;
  const pathMatchers = (): readonly Matcher[] => {
    if (!matchers) matchers = appliesToMatchers(catalog, tablesOf, input.globs);
    return matchers;
  };

  return {
    generation: input.generation,
    root,
    specs,
    catalog,
    always,
    problems,
    clauseCount,
    roots,
    spec: (id) => byId.get(id),
    resolve: (ref) => resolveRef(tables, ref),
    shortId: (spec) => shortSpecId(tables, spec.id),
    async search(query, options) {
      await input.searchIndex.sync(input.generation, specs);
      return input.searchIndex.search(query, options, clauseAt);
    },
    specsForPath: (path) => matchPath(specs, pathMatchers(), path),
  };
}

/** Its tokens are counted when first read (read_root, lint), not while a corpus loads: that is when a helper counts. */
function rootOf(path: string | null, text: string, tokens: TokenCounter): RootDoc {
  let counted: number | undefined;
  return {
    path,
    text,
    digest: digestOf(text),
    get tokens(): number {
      counted ??= tokens.count(text);
      return counted;
    },
  };
}

/** Short name → every spec ID it could mean; proposals are left out, as for bare clause IDs. */
function aliasTable(specs: readonly SpecDoc[], roots: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const spec of specs) {
    if (spec.kind === 'proposal') continue;
    for (const alias of specAliases(spec.id, roots)) {
      const list = out.get(alias);
      if (list) list.push(spec.id);
      else out.set(alias, [spec.id]);
    }
  }
  return out;
}

/** Bare clause ID → every ref that carries it; proposals are left out so they never make an ID ambiguous. */
function bareClauseIds(specs: readonly SpecDoc[]): Map<string, string[]> {
  const refsById = new Map<string, string[]>();
  for (const spec of specs) {
    if (spec.kind === 'proposal') continue;
    for (const clause of spec.clauses) {
      const list = refsById.get(clause.id);
      if (list) list.push(clause.ref);
      else refsById.set(clause.id, [clause.ref]);
    }
  }
  return refsById;
}

/**
 * Spec ID → the one document that claims it. Two documents claiming one ID (a `0-notes.md` declaring `id: auth`
 * next to `auth.md`) is an error reported against each, at its `id:` line, and neither is served under it: which
 * file sorts first must not decide whose clauses agents read, and an ID that stops resolving is loud where a
 * silent swap is not.
 */
function servedById(docs: ReadonlyMap<string, SpecDoc>, problems: Problem[]): Map<string, SpecDoc> {
  const claims = new Map<string, SpecDoc[]>();
  for (const path of [...docs.keys()].sort()) {
    const doc = docs.get(path)!;
    const list = claims.get(doc.id);
    if (list) list.push(doc);
    else claims.set(doc.id, [doc]);
  }
  const byId = new Map<string, SpecDoc>();
  for (const [id, claimants] of claims) {
    if (claimants.length === 1) {
      byId.set(id, claimants[0]!);
      continue;
    }
    const where = (d: SpecDoc): string => `${d.path}:${idLine(d)}`;
    for (const doc of claimants) {
      const others = claimants.filter((d) => d !== doc).map(where);
      problems.push({
        file: doc.path,
        line: idLine(doc),
        rule: 'duplicate-spec-id',
        severity: 'error',
        message: `spec ID "${id}" is also claimed by ${others.join(', ')}; none of them is served as "${id}" until one changes`,
        hint: 'give each spec its own `id` in the frontmatter; a file without one is named by its path (auth.md is "auth")',
      });
    }
  }
  return byId;
}

/** The line of the `id:` key, or line 1 for an ID that comes from the path. */
function idLine(doc: SpecDoc): number {
  return frontmatterLine(doc, 'id');
}

function generatedRoot(rootName: string, specCount: number): string {
  return [
    `# Specs: ${rootName}`,
    '',
    `${specCount} specs are served here. Each catalog line below names a spec ID; open one with get_outline,`,
    'then read only the clauses you need with get_clause (SPEC#CLAUSE). Cite the refs you used.',
  ].join('\n');
}

type Matcher = { spec: SpecDoc; glob: string; test: (p: string) => boolean };

/** Compiling a glob costs far more than testing one, so each document's globs are compiled once, not per snapshot. */
function appliesToMatchers(
  catalog: readonly SpecDoc[],
  tablesOf: (doc: SpecDoc) => DocTables,
  globs: GlobCompiler,
): Matcher[] {
  const out: Matcher[] = [];
  for (const spec of catalog) {
    if (spec.kind === 'agents') continue;
    const t = tablesOf(spec);
    t.matchers ??= spec.appliesTo.flatMap((glob) => {
      const compiled = globs.compile(glob);
      return compiled.ok ? [{ spec, glob, test: compiled.test }] : [];
    });
    out.push(...t.matchers);
  }
  return out;
}

function matchPath(allSpecs: readonly SpecDoc[], matchers: readonly Matcher[], rawPath: string): PathMatch {
  const path = normalizeCodePath(rawPath);
  const specs: PathMatch['specs'] = [];
  const clauses: PathMatch['clauses'] = [];
  const seen = new Set<string>();
  for (const m of matchers) {
    if (seen.has(m.spec.id) || !m.test(path)) continue;
    seen.add(m.spec.id);
    const s = m.spec;
    specs.push({
      id: s.id,
      title: s.title,
      status: s.role,
      version: shownVersion(s),
      tokens: s.tokens,
      matched: m.glob,
    });
    for (const c of s.clauses)
      if (c.depth === 1) clauses.push({ ref: c.ref, title: c.title, tokens: c.tokens });
  }
  const agents = allSpecs
    .filter((s) => s.kind === 'agents')
    .map((s) => ({ s, dir: s.path.includes('/') ? s.path.slice(0, s.path.lastIndexOf('/')) : '' }))
    .filter(({ dir }) => dir === '' || path === dir || path.startsWith(`${dir}/`))
    .sort((a, b) => a.dir.split('/').length - b.dir.split('/').length || a.dir.length - b.dir.length)
    .map(({ s }) => ({ ref: s.id, path: s.path, tokens: s.tokens }));
  return { path, specs, clauses, agents };
}

/** Code paths are relative to the repository; `..` and absolute paths cannot name anything under it. */
function normalizeCodePath(raw: string): string {
  const p = raw
    .replace(/\\/g, '/')
    .replace(/^\.\/+/, '')
    .replace(/\/+/g, '/');
  if (p.includes('\0') || p.startsWith('/') || p.split('/').includes('..')) {
    throw new SpecLedgerError(
      'INVALID_ARGUMENT',
      `path "${raw}" must be relative to the repository root, without "..", e.g. src/refunds/api.ts`,
    );
  }
  return p.replace(/\/$/, '');
}
