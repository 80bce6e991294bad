// Forked policy across roots: near-duplicate clauses that now say different things, and specs about the same thing.
import { diffArrays } from 'diff';
import type { LintConfig } from '../governance/config.js';
import { clauseWords } from '../governance/prose.js';
import { nearDuplicatePairs } from '../governance/rules/near-duplicate.js';
import { isSupporting } from '../parse/labels.js';
import type { Clause, SpecDoc } from '../parse/types.js';
import { isAgentsFile, type LoadedRoot } from './root-audit.js';
import { setJaccard } from './similarity.js';
import { AUDIT_KINDS, type AuditFinding } from './types.js';

/** Title-word Jaccard from which two specs in different roots read as one subject ("Session tokens" twice). */
const TITLE_SIMILARITY = 0.8;
/** Changes quoted in a message; the rest are counted. */
const QUOTED_CHANGES = 3;

/**
 * Clauses of different roots joined by lint's own near-duplicate rule and thresholds. A copy word for word is
 * shared policy, not a fork, and is left out; one that differs is reported with what differs, so the reader sees
 * "15 → 60" without opening both files.
 */
export function forkedClauses(roots: readonly LoadedRoot[], config: LintConfig): AuditFinding[] {
  const rootOf = new Map<SpecDoc, LoadedRoot>();
  for (const r of roots) for (const s of r.snapshot.specs) if (!isAgentsFile(s)) rootOf.set(s, r);
  const pairs = nearDuplicatePairs([...rootOf.keys()], {
    ...config.nearDuplicate,
    skip: (a, b) => rootOf.get(a) === rootOf.get(b),
  });
  const findings: AuditFinding[] = [];
  for (const p of pairs) {
    const changes = wordChanges(p.other.clause, p.clause);
    if (changes.length === 0) continue;
    const here = rootOf.get(p.spec)!;
    const there = rootOf.get(p.other.spec)!;
    const quoted = changes
      .slice(0, QUOTED_CHANGES)
      .map((c) => `"${c.to || '(nothing)'}" where ${there.name} says "${c.from || '(nothing)'}"`);
    const more = changes.length > QUOTED_CHANGES ? ` and ${changes.length - QUOTED_CHANGES} more` : '';
    findings.push({
      kind: 'forked-clause',
      severity: AUDIT_KINDS['forked-clause'],
      root: here.name,
      file: p.spec.path,
      line: p.clause.line,
      ref: p.clause.ref,
      message: `"${p.clause.title}" forks ${there.name}:${p.other.clause.ref} (${percent(p.similarity)} the same) but says ${quoted.join(', ')}${more}`,
      why: `word-shingle similarity ${percent(p.similarity)} ≥ ${percent(config.nearDuplicate.similarity)} (lint's near-duplicate rule), and the words differ`,
      related: [{ root: there.name, file: p.other.spec.path, line: p.other.clause.line }],
    });
  }
  return findings;
}

const percent = (x: number) => `${Math.floor(x * 100)}%`;

interface Change {
  from: string;
  to: string;
}

/** Word runs that differ between the clauses (headings left out, as the similarity leaves them out). */
function wordChanges(a: Clause, b: Clause): Change[] {
  const changes: Change[] = [];
  let pending: Change | null = null;
  for (const part of diffArrays(bodyWords(a), bodyWords(b))) {
    if (!part.added && !part.removed) {
      if (pending) changes.push(pending);
      pending = null;
      continue;
    }
    pending ??= { from: '', to: '' };
    const words = part.value.join(' ');
    if (part.removed) pending.from = words;
    else pending.to = words;
  }
  if (pending) changes.push(pending);
  return changes;
}

function bodyWords(clause: Clause): string[] {
  const text = clause.kind === 'section' ? clause.text.slice(clause.text.indexOf('\n') + 1) : clause.text;
  return clauseWords(text);
}

/**
 * Specs in different roots that are about one thing, by their titles or by naming the same `applies_to`
 * globs, whose text differs: two repositories each holding their own account of a service. Globs pair
 * specs only when both roots are in one repository (globs are relative to the repository, so `src/**` in
 * two repositories is two places), and default globs (`**`) say nothing about a subject.
 */
export function overlappingSpecs(roots: readonly LoadedRoot[]): AuditFinding[] {
  const all = roots.flatMap((r) =>
    r.snapshot.specs
      // A root page (a README) introduces a repository; supporting material (examples, archives) is not policy.
      .filter((s) => !isAgentsFile(s) && s.path !== r.snapshot.root.path && !isSupporting(s.role))
      .map((spec) => ({ root: r, spec, title: new Set(clauseWords(spec.title)) })),
  );
  const findings: AuditFinding[] = [];
  for (let i = 0; i < all.length; i++) {
    const a = all[i]!;
    for (let j = i + 1; j < all.length; j++) {
      const b = all[j]!;
      if (a.root === b.root || a.spec.digest === b.spec.digest) continue;
      const reasons: string[] = [];
      const titleSim = setJaccard(a.title, b.title);
      if (a.title.size >= 2 && titleSim >= TITLE_SIMILARITY)
        reasons.push(
          a.spec.title === b.spec.title
            ? `the same title "${a.spec.title}"`
            : `titles "${a.spec.title}" and "${b.spec.title}" (${percent(titleSim)} of their words shared)`,
        );
      const sameRepo = a.root.repoTop !== null && a.root.repoTop === b.root.repoTop;
      const globs = sameRepo
        ? a.spec.appliesTo.filter((g) => g !== '**' && b.spec.appliesTo.includes(g))
        : [];
      if (globs.length > 0) reasons.push(`both apply to ${globs.join(', ')}`);
      if (reasons.length === 0) continue;
      findings.push({
        kind: 'overlapping-specs',
        severity: AUDIT_KINDS['overlapping-specs'],
        root: b.root.name,
        file: b.spec.path,
        line: 1,
        message: `spec "${b.spec.id}" and ${a.root.name}:${a.spec.id} (${a.spec.path}) describe the same thing and their texts differ`,
        why: reasons.join('; '),
        related: [{ root: a.root.name, file: a.spec.path, line: 1 }],
      });
    }
  }
  return findings;
}
