// version-not-bumped and clause-removed: what changed in each spec since a git base ref.
import path from 'node:path';
import type { Snapshot } from '../../corpus/snapshot.js';
import { digestOf } from '../../parse/digest.js';
import { type ParseContext, parseSpec } from '../../parse/parse-spec.js';
import type { Clause, SpecDoc } from '../../parse/types.js';
import { IGNORED_DIRS, isSpecFile } from '../../source/read-tree.js';
import { changedSince, type GitRepo, literal, mapLimit, readAtCommit } from '../git.js';
import { bumpSemver, compareSemver, parseSemver } from '../semver.js';
import type { Finding } from '../types.js';
import { frontmatterLine } from './context.js';

interface BaseContext {
  snapshot: Snapshot;
  repo: GitRepo;
  parse: ParseContext;
  /** The full hash `ref` resolved to. */
  base: string;
  /** The ref as the user wrote it, for messages. */
  ref: string;
}

/**
 * Reads each spec file that differs from the base (`git cat-file blob BASE:path`, i.e. `git show`
 * without filters) and compares it with the spec as served now. A file deleted at one path whose spec
 * ID lives on at another was moved, and is compared with its new home.
 */
export async function lintAgainstBase(ctx: BaseContext): Promise<Finding[]> {
  const { repo, snapshot } = ctx;
  const changed = (await changedSince(repo, ctx.base, literal(repo.prefix.replace(/\/$/, '')))).filter(
    (c) => c.status !== 'A' && c.path.startsWith(repo.prefix) && isSpecPath(c.path.slice(repo.prefix.length)),
  );
  const byPath = new Map(snapshot.specs.map((s) => [s.path, s]));
  const results = await mapLimit(changed, 8, async (c): Promise<Finding[]> => {
    const rel = c.path.slice(repo.prefix.length);
    const text = await readAtCommit(repo, ctx.base, c.path);
    if (text === null) return [];
    const old = parseSpec(rel, text, ctx.parse).doc;
    if (!old) return [];
    const current = c.status === 'D' ? snapshot.spec(old.id) : byPath.get(rel);
    if (!current) return c.status === 'D' ? deletedSpec(old, ctx.ref) : [];
    return [...versionNotBumped(old, current, ctx.ref), ...clausesRemoved(old, current, ctx.ref)];
  });
  return results.flat();
}

function isSpecPath(rel: string): boolean {
  return isSpecFile(path.posix.basename(rel)) && !rel.split('/').some((seg) => IGNORED_DIRS.has(seg));
}

/** Draft specs promise nothing yet, so their content may change at any version. */
function versionNotBumped(old: SpecDoc, cur: SpecDoc, ref: string): Finding[] {
  if (cur.status === 'draft' || digestOf(old.body) === digestOf(cur.body)) return [];
  // A section's digest covers its children; counting own text keeps one edited item from counting twice.
  const oldOwn = ownTexts(old);
  const curOwn = ownTexts(cur);
  const added = [...curOwn.keys()].filter((id) => !oldOwn.has(id)).length;
  const removed = [...oldOwn.keys()].filter((id) => !curOwn.has(id)).length;
  const edited = [...curOwn].filter(([id, text]) => oldOwn.has(id) && oldOwn.get(id) !== text).length;
  const level = removed > 0 ? 'major' : added > 0 ? 'minor' : 'patch';
  const what = [
    edited > 0 ? `${edited} clause${edited === 1 ? '' : 's'} edited` : '',
    added > 0 ? `${added} added` : '',
    removed > 0 ? `${removed} removed` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const base = {
    rule: 'version-not-bumped',
    severity: 'error' as const,
    file: cur.path,
    line: frontmatterLine(cur, 'version'),
    hint: `bump \`version\` (major when obligations are removed or changed incompatibly, minor for new clauses, patch for wording), e.g. version: ${bumpSemver(old.version, level)}`,
  };
  const changes = `content changed since ${ref}${what ? ` (${what})` : ''}`;
  if (!('version' in cur.frontmatter))
    return [{ ...base, message: `${changes} but the spec has no \`version\`` }];
  const cmp = compareSemver(cur.version, old.version);
  if (cmp === null) {
    // Moving from a free-form version to semver is a bump; the reverse cannot be checked.
    if (parseSemver(cur.version)) return [];
    return [
      {
        ...base,
        message: `${changes}; version "${cur.version}" is not semver (MAJOR.MINOR.PATCH), so a bump cannot be checked`,
      },
    ];
  }
  if (cmp > 0) return [];
  const state =
    cmp === 0 ? `version is still ${cur.version}` : `version went down from ${old.version} to ${cur.version}`;
  return [{ ...base, message: `${changes} but ${state}` }];
}

/**
 * The deprecation convention: a clause may disappear once it was marked `{#id deprecated}` at the base
 * (deprecate in one release, remove in a later one), or when the spec lists it under
 * `deprecated_clauses: [id]` in its frontmatter (a written record of the removal). Deprecating a
 * section covers the clauses inside it; deprecated and draft specs may drop clauses freely.
 */
function clausesRemoved(old: SpecDoc, cur: SpecDoc, ref: string): Finding[] {
  if (old.status === 'draft' || old.status === 'deprecated' || cur.status === 'deprecated') return [];
  const curById = new Map(cur.clauses.map((c) => [c.id, c]));
  const oldById = new Map(old.clauses.map((c) => [c.id, c]));
  const listed = new Set([...deprecatedList(old.frontmatter), ...deprecatedList(cur.frontmatter)]);
  const ancestors = (c: Clause): Clause[] => {
    const out: Clause[] = [];
    for (let p = c.parentId; p !== null; p = oldById.get(p)?.parentId ?? null) {
      const parent = oldById.get(p);
      if (parent) out.push(parent);
    }
    return out;
  };
  const isDeprecated = (c: Clause) =>
    listed.has(c.id) || (c.attrs.deprecated !== undefined && c.attrs.deprecated !== 'false');
  const gone = old.clauses.filter(
    (c) => !curById.has(c.id) && !isDeprecated(c) && !ancestors(c).some(isDeprecated),
  );
  const goneIds = new Set(gone.map((c) => c.id));
  const findings: Finding[] = [];
  for (const c of gone) {
    // One finding per removed subtree: its top clause stands for the clauses inside it.
    if (ancestors(c).some((a) => goneIds.has(a.id))) continue;
    const inside = gone.filter((g) => ancestors(g).includes(c)).length;
    const survivor = ancestors(c)
      .map((a) => curById.get(a.id))
      .find((a) => a !== undefined);
    findings.push({
      rule: 'clause-removed',
      severity: 'error',
      file: cur.path,
      line: survivor?.line ?? cur.bodyLine,
      ref: `${cur.id}#${c.id}`,
      message: `clause ${cur.id}#${c.id} ("${c.title}", line ${c.line} at ${ref}) was removed without deprecation${inside > 0 ? `, with ${inside} clause${inside === 1 ? '' : 's'} inside it` : ''}; references and ledger queries to it now fail`,
      hint: `restore it, or record the removal: add it to the frontmatter (deprecated_clauses: [${c.id}]), or mark it {#${c.id} deprecated} in a release before removing it`,
    });
  }
  return findings;
}

/** Each clause's text without its children's lines, normalized, by clause ID. */
function ownTexts(spec: SpecDoc): Map<string, string> {
  const lines = spec.body.split('\n');
  const byId = new Map(spec.clauses.map((c) => [c.id, c]));
  const out = new Map<string, string>();
  for (const c of spec.clauses) {
    const own: string[] = [];
    let cursor = c.line;
    for (const childId of c.childIds) {
      const child = byId.get(childId);
      if (!child) continue;
      own.push(...lines.slice(cursor - spec.bodyLine, child.line - spec.bodyLine));
      cursor = Math.max(cursor, child.endLine + 1);
    }
    own.push(...lines.slice(cursor - spec.bodyLine, c.endLine + 1 - spec.bodyLine));
    out.set(c.id, digestOf(own.join('\n')));
  }
  return out;
}

function deletedSpec(old: SpecDoc, ref: string): Finding[] {
  if (old.status === 'draft' || old.status === 'deprecated') return [];
  return [
    {
      rule: 'clause-removed',
      severity: 'error',
      file: old.path,
      line: 1,
      ref: old.id,
      message: `spec "${old.id}" (${old.status} at ${ref}, ${old.clauses.length} clauses) was deleted without being deprecated first`,
      hint: 'restore it with `status: deprecated` (and `supersedes` in its replacement), then delete it in a later release',
    },
  ];
}

function deprecatedList(frontmatter: Readonly<Record<string, unknown>>): string[] {
  const value = frontmatter.deprecated_clauses;
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value.map(String) : [];
  // `auth#rotation` and `rotation` both name the clause.
  return list.map((v) => v.slice(v.lastIndexOf('#') + 1));
}
