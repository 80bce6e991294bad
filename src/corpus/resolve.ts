// Reference resolution: `SPEC#CLAUSE`, a bare spec ID, or a bare clause ID unique across the corpus.
import { SpecLedgerError } from '../errors.js';
import { qualify, splitRoot } from '../parse/root-refs.js';
import type { Clause, SpecDoc } from '../parse/types.js';

export interface Resolved {
  spec: SpecDoc;
  /** Null when the reference names a whole spec. */
  clause: Clause | null;
}

export interface RefTables {
  specs: ReadonlyMap<string, SpecDoc>;
  /** Only `get` is needed, so a snapshot can answer from per-document tables instead of one corpus-wide map. */
  clausesByRef: Pick<ReadonlyMap<string, { spec: SpecDoc; clause: Clause }>, 'get'>;
  /** Bare clause ID → every ref that carries it. */
  refsById: ReadonlyMap<string, readonly string[]>;
  /** Short spec name (specAliases) → the spec IDs it could mean; one ID means it resolves. */
  aliases: ReadonlyMap<string, readonly string[]>;
  /** Served root names when IDs are root-qualified (`payments:auth`); empty for a root served alone. */
  roots: ReadonlySet<string>;
}

/**
 * File names that say nothing about what a spec is: OpenSpec's `<capability>/spec.md`, Spec Kit's
 * `<feature>/spec.md`, a skill's `SKILL.md`. A spec in such a file can be named by its folder.
 */
const GENERIC_NAMES = /^(spec|specs|index|readme|skill)$/i;

/**
 * The shorter names a spec may be called by: every tail of its ID at a `/` (`cli-archive/spec`), and the same
 * without a generic file name (`cli-archive`). Lower case; resolution only uses the ones that are unique.
 */
export function specAliases(specId: string, roots: ReadonlySet<string> = NO_ROOTS): string[] {
  const { root, local } = splitRoot(specId, roots);
  if (root === null) return localAliases(specId);
  // In a federation a spec answers to its ID without the root (`auth`), and to each short name with and without it.
  const inner = localAliases(local);
  const prefix = root.toLowerCase();
  // A name that reads as another served root's ref is never an alias: a file named `a:auth.md` in root b once
  // answered `a:auth#…`, and served b's text under a's name once a's own auth.md was gone (found by review).
  const ownRoot = (alias: string): boolean => {
    const named = splitRoot(alias, roots).root;
    return named === null || named.toLowerCase() === prefix;
  };
  return [local.toLowerCase(), ...inner, ...inner.map((a) => qualify(prefix, a))].filter(ownRoot);
}

const NO_ROOTS: ReadonlySet<string> = new Set();

function localAliases(specId: string): string[] {
  const parts = specId.toLowerCase().split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(i).join('/'));
  if (parts.length > 1 && GENERIC_NAMES.test(parts.at(-1)!)) {
    const dirs = parts.slice(0, -1);
    for (let i = 0; i < dirs.length; i++) out.push(dirs.slice(i).join('/'));
  }
  return out;
}

/** The shortest name that resolves to `specId` alone, or the ID itself. */
export function shortSpecId(tables: Pick<RefTables, 'aliases' | 'specs' | 'roots'>, specId: string): string {
  let best = specId;
  const { root } = splitRoot(specId, tables.roots);
  // A served name keeps its root: refs carry the root wherever more than one is served.
  const keep = root === null ? null : qualify(root.toLowerCase(), '');
  for (const alias of specAliases(specId, tables.roots)) {
    if (keep !== null && !alias.startsWith(keep)) continue;
    if (alias.length >= best.length || tables.specs.has(alias)) continue;
    const ids = tables.aliases.get(alias);
    if (ids?.length === 1 && ids[0] === specId) best = alias;
  }
  // Aliases are lower case for lookup; the root keeps the case it was named with.
  return keep !== null && best !== specId ? qualify(root!, best.slice(keep.length)) : best;
}

export function resolveRef(tables: RefTables, input: string): Resolved {
  const ref = input.trim().replace(/^spec:\/\//, '');
  if (ref.length === 0)
    throw new SpecLedgerError('INVALID_ARGUMENT', 'empty reference; expected SPEC#CLAUSE');
  const hash = ref.indexOf('#');
  if (hash >= 0) {
    const clauseId = ref.slice(hash + 1);
    const spread = acrossRoots(tables, ref.slice(0, hash));
    if (spread) return inOneRoot(tables, ref, spread, clauseId);
    const spec = findSpec(tables, ref.slice(0, hash), input);
    if (clauseId === '') return { spec, clause: null };
    const clause =
      tables.clausesByRef.get(`${spec.id}#${clauseId}`)?.clause ??
      spec.clauses.find((c) => c.id.toLowerCase() === clauseId.toLowerCase());
    if (clause) return { spec, clause };
    throw notFound(
      `clause "${clauseId}" not found in spec "${spec.id}"`,
      didYouMean(
        clauseId,
        spec.clauses.map((c) => c.ref),
        (r) => r.slice(r.indexOf('#') + 1),
      ),
    );
  }
  const exactSpec = tables.specs.get(ref);
  if (exactSpec) return { spec: exactSpec, clause: null };
  const exactClause = byBareId(tables, ref, tables.refsById.get(ref) ?? []);
  if (exactClause) return exactClause;
  const rooted = bareIdInRoot(tables, ref);
  if (rooted) return rooted;
  const spread = acrossRoots(tables, ref);
  if (spread) return inOneRoot(tables, ref, spread, '');
  const aliased = byAlias(tables, ref);
  if (aliased) return { spec: aliased, clause: null };
  const specMatch = matchSpec(tables, ref);
  if (specMatch.length === 1) return { spec: specMatch[0]!, clause: null };
  // Bare IDs ignore case as SPEC#CLAUSE does (`fr-003` for `FR-003`); only after every exact match failed.
  const lower = ref.toLowerCase();
  const folded = [...tables.refsById]
    .filter(([id]) => id.toLowerCase() === lower)
    .flatMap(([, refs]) => refs);
  const foldedClause = byBareId(tables, ref, folded);
  if (foldedClause) return foldedClause;
  const candidates = [
    ...didYouMean(ref, [...tables.specs.keys()], (s) => s.split('/').pop()!),
    ...didYouMean(ref, [...tables.refsById.keys()], (s) => s).flatMap((id) => tables.refsById.get(id) ?? []),
  ].slice(0, 8);
  throw notFound(`no spec or clause "${ref}"`, candidates);
}

/** The one clause a bare ID names; AMBIGUOUS with the candidates when several specs carry it; null when none. */
function byBareId(tables: RefTables, ref: string, refs: readonly string[]): Resolved | null {
  if (refs.length === 1) {
    const hit = tables.clausesByRef.get(refs[0]!)!;
    return { spec: hit.spec, clause: hit.clause };
  }
  if (refs.length > 1) {
    throw new SpecLedgerError(
      'AMBIGUOUS',
      `"${ref}" is a clause ID in ${refs.length} specs; name the spec as SPEC#CLAUSE: ${listed(refs)}`,
      { candidates: refs },
    );
  }
  return null;
}

/** The spec IDs `name` means when it resolves in more than one served root (`auth` in payments and ledger). */
function acrossRoots(tables: RefTables, name: string): readonly string[] | null {
  if (tables.roots.size === 0 || splitRoot(name, tables.roots).root !== null) return null;
  const ids = tables.aliases.get(name.toLowerCase());
  if (!ids || ids.length < 2) return null;
  const roots = new Set(ids.map((id) => splitRoot(id, tables.roots).root));
  return roots.size > 1 && !roots.has(null) ? ids : null;
}

/** A ref whose spec is in several roots: fine when one of them has the clause, AMBIGUOUS when more do. */
function inOneRoot(tables: RefTables, ref: string, ids: readonly string[], clauseId: string): Resolved {
  const specs = ids.map((id) => tables.specs.get(id)!);
  // Specs and clauses are counted as they are; the roots they sit in, apart (two features of one root are two).
  const rootsOf = (specIds: readonly string[]): number =>
    new Set(specIds.map((id) => splitRoot(id, tables.roots).root)).size;
  if (clauseId === '') {
    throw new SpecLedgerError(
      'AMBIGUOUS',
      `"${ref}" names ${specs.length} specs in ${rootsOf(ids)} roots; name the root as ROOT:SPEC: ${listed(ids)}`,
      { candidates: [...ids] },
    );
  }
  const lower = clauseId.toLowerCase();
  const hits = specs.flatMap((spec) => {
    const clause =
      tables.clausesByRef.get(`${spec.id}#${clauseId}`)?.clause ??
      spec.clauses.find((c) => c.id.toLowerCase() === lower);
    return clause ? [{ spec, clause }] : [];
  });
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1) {
    const refs = hits.map((h) => h.clause.ref);
    throw new SpecLedgerError(
      'AMBIGUOUS',
      `"${ref}" is ${hits.length} clauses in ${rootsOf(hits.map((h) => h.spec.id))} roots; name the root as ROOT:SPEC#CLAUSE: ${listed(refs)}`,
      { candidates: refs },
    );
  }
  throw notFound(`clause "${clauseId}" not found in ${listed(ids)}`, []);
}

/** `payments:FR-001`: a bare clause ID looked up inside one root. */
function bareIdInRoot(tables: RefTables, ref: string): Resolved | null {
  const { root, local } = splitRoot(ref, tables.roots);
  if (root === null) return null;
  const prefix = qualify(root, '');
  const refs = (tables.refsById.get(local) ?? []).filter((r) => r.startsWith(prefix));
  return byBareId(tables, ref, refs);
}

function findSpec(tables: RefTables, specRef: string, input: string): SpecDoc {
  const exact = tables.specs.get(specRef) ?? byAlias(tables, specRef);
  if (exact) return exact;
  const matches = matchSpec(tables, specRef);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new SpecLedgerError(
      'AMBIGUOUS',
      `spec "${specRef}" in "${input}" matches ${matches.length} specs: ${listed(matches.map((s) => s.id))}`,
      { candidates: matches.map((s) => s.id) },
    );
  }
  throw notFound(
    `no spec "${specRef}"`,
    didYouMean(specRef, [...tables.specs.keys()], (s) => s.split('/').pop()!),
  );
}

function byAlias(tables: RefTables, name: string): SpecDoc | undefined {
  const ids = tables.aliases.get(name.toLowerCase());
  return ids?.length === 1 ? tables.specs.get(ids[0]!) : undefined;
}

/** Case-insensitive match, then a match on the last path segments (`model_spec` for `openai-model_spec/model_spec`). */
function matchSpec(tables: RefTables, specRef: string): SpecDoc[] {
  const lower = specRef.toLowerCase();
  const all = [...tables.specs.values()];
  const ci = all.filter((s) => s.id.toLowerCase() === lower);
  if (ci.length > 0) return ci;
  // `a:auth` names root a: a spec of another root whose path ends in `/a:auth` is not it. Within root a, the name
  // is one of its specs' short names (`a:spec` for several OpenSpec capabilities), so those are what it matches.
  if (splitRoot(specRef, tables.roots).root !== null)
    return (tables.aliases.get(lower) ?? []).flatMap((id) => tables.specs.get(id) ?? []);
  return all.filter((s) => s.id.toLowerCase().endsWith(`/${lower}`));
}

/** Candidates named in an error message: a few, and how many more there are, so the text stays bounded. */
const NAMED_CANDIDATES = 5;

function listed(refs: readonly string[]): string {
  const more = refs.length - NAMED_CANDIDATES;
  return `${refs.slice(0, NAMED_CANDIDATES).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

function notFound(message: string, candidates: string[]): SpecLedgerError {
  const hint = candidates.length > 0 ? `; did you mean ${listed(candidates)}?` : '';
  return new SpecLedgerError('NOT_FOUND', `${message}${hint}`, { candidates });
}

/** Up to five candidates by edit distance on `key(candidate)`, substring matches first. */
export function didYouMean(
  wanted: string,
  candidates: readonly string[],
  key: (c: string) => string,
): string[] {
  const w = wanted.toLowerCase();
  const scored: Array<[string, number]> = [];
  for (const c of candidates) {
    const k = key(c).toLowerCase();
    if (k.includes(w) || (w.length >= 3 && w.includes(k) && k.length >= 3)) scored.push([c, 0]);
    else {
      const max = Math.max(1, Math.floor(w.length / 4));
      const d = editDistance(w, k, max);
      if (d <= max) scored.push([c, d]);
    }
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].length - b[0].length)
    .slice(0, 5)
    .map(([c]) => c);
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment); gives up past `max`. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}
