// AGENTS.md variants compared across roots: over budget, missing what most have, and contradicting each other.
import { eng } from 'stopword';
import { clauseWords, type ProseScanner } from '../governance/prose.js';
import type { SpecDoc } from '../parse/types.js';
import { isAgentsFile, type LoadedRoot } from './root-audit.js';
import { setJaccard } from './similarity.js';
import { AUDIT_KINDS, type AuditFinding, type AuditLocation } from './types.js';

/**
 * Alternatives from one set: a variant that picks one where the others pick another contradicts them. Small on
 * purpose: each set is a choice a repository makes once, so two picks are a real conflict, not a difference
 * of wording.
 */
const ALTERNATIVES: ReadonlyArray<{ subject: string; words: readonly string[] }> = [
  { subject: 'package managers', words: ['npm', 'pnpm', 'yarn', 'bun'] },
  { subject: 'test runners', words: ['jest', 'vitest', 'mocha', 'ava'] },
  { subject: 'formatters', words: ['prettier', 'biome', 'dprint'] },
  { subject: 'Python package managers', words: ['pip', 'poetry', 'uv', 'pipenv'] },
  { subject: 'indentation styles', words: ['tabs', 'spaces'] },
];
/** Words that turn what follows them (within three words) into a prohibition: "never npm", "instead of yarn". */
const NEGATORS = new Set(['never', 'not', 'no', 'don', 'avoid', 'without', 'nor', 'instead']);
const NEGATION_REACH = 3;
/** Modality and filler left out of an instruction's subject, so "MUST run tests" and "Always run tests" match. */
const MODALITY = new Set([
  ...NEGATORS,
  ...['must', 'should', 'shall', 'always', 'do', 't', 'required', 'require', 'ensure', 'prefer', 'only'],
  ...['make', 'sure', 'please', 'mandatory', 'every', 'all'],
]);
const STOP = new Set(eng);
/** Subject-word Jaccard from which two instructions are the same instruction, however worded. */
const SAME_INSTRUCTION = 0.8;

interface Parsed {
  variant: Variant;
  line: number;
  text: string;
  subject: Set<string>;
  negative: boolean;
  /** Set index → the one alternative this instruction picks. */
  picks: Map<number, string>;
}

interface Variant {
  root: LoadedRoot;
  spec: SpecDoc;
  instructions: Parsed[];
}

/** Per root, one variant: its top-level AGENTS.md, else CLAUDE.md. Nested files refine a subtree and are not compared. */
export function agentsFindings(roots: readonly LoadedRoot[], prose: ProseScanner): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const variants: Variant[] = [];
  for (const root of roots) {
    for (const v of root.inventory.agents) {
      if (v.over.length === 0) continue;
      const spec = root.snapshot.specs.find((s) => s.path === v.file)!;
      const over = v.over.map((m) => `${v[m]} ${m} (budget ${root.inventory.budget[m]})`);
      findings.push({
        kind: 'agents-over-budget',
        severity: AUDIT_KINDS['agents-over-budget'],
        root: root.name,
        file: v.file,
        line: spec.bodyLine,
        message: `${v.file} is past the standing-instruction budget: ${over.join(', ')}`,
        why: 'agents follow a short standing list reliably and a long one selectively (lint config `budget`)',
        related: [],
      });
    }
    const top = root.snapshot.specs.filter((s) => isAgentsFile(s) && !s.path.includes('/'));
    const spec = top.find((s) => s.kind === 'agents') ?? top[0];
    if (!spec) continue;
    const variant: Variant = { root, spec, instructions: [] };
    variant.instructions = prose
      .instructionList(spec.body)
      .map((i) => parseInstruction(variant, spec.bodyLine + i.line, i.text))
      .filter((p) => p.subject.size > 0);
    // A variant with no instructions of its own (`See AGENTS.md`) defers to another file; it lacks nothing.
    if (variant.instructions.length > 0) variants.push(variant);
  }
  if (variants.length < 2) return findings;
  findings.push(...contradictingPicks(variants), ...compareClusters(variants));
  return findings;
}

function parseInstruction(variant: Variant, line: number, text: string): Parsed {
  const words = clauseWords(text);
  const negatedAt = (i: number) =>
    words.slice(Math.max(0, i - NEGATION_REACH), i).some((w) => NEGATORS.has(w));
  const picks = new Map<number, string>();
  ALTERNATIVES.forEach((set, s) => {
    const positive = new Set(words.filter((w, i) => set.words.includes(w) && !negatedAt(i)));
    if (positive.size === 1) picks.set(s, [...positive][0]!);
  });
  return {
    variant,
    line,
    text: text.replace(/\s+/g, ' ').trim(),
    subject: new Set(words.filter((w) => !MODALITY.has(w) && !STOP.has(w))),
    negative: words.some((w) => NEGATORS.has(w) && w !== 'instead'),
    picks,
  };
}

const at = (p: Parsed): AuditLocation => ({
  root: p.variant.root.name,
  file: p.variant.spec.path,
  line: p.line,
});
const quote = (text: string) => `"${text.length > 80 ? `${text.slice(0, 79)}…` : text}"`;

/** Each instruction whose pick is not the one most variants make, against those that make it. */
function contradictingPicks(variants: readonly Variant[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  ALTERNATIVES.forEach((set, s) => {
    const byPick = new Map<string, Parsed[]>();
    for (const v of variants)
      for (const p of v.instructions) {
        const pick = p.picks.get(s);
        if (pick !== undefined) byPick.set(pick, [...(byPick.get(pick) ?? []), p]);
      }
    if (byPick.size < 2) return;
    const variantsOf = (ps: readonly Parsed[]) => new Set(ps.map((p) => p.variant)).size;
    const most = Math.max(...[...byPick.values()].map(variantsOf));
    const leading = [...byPick].filter(([, ps]) => variantsOf(ps) === most);
    for (const [pick, ps] of byPick) {
      const others = leading.filter(([other]) => other !== pick);
      if (others.length === 0) continue;
      const [otherPick, otherPs] = others[0]!;
      for (const p of ps) {
        const against = otherPs.filter((o) => o.variant !== p.variant);
        if (against.length === 0) continue;
        findings.push({
          kind: 'contradicting-instruction',
          severity: AUDIT_KINDS['contradicting-instruction'],
          ...at(p),
          message: `${quote(p.text)} picks ${pick} where ${variantsOf(against)} other variant${variantsOf(against) === 1 ? '' : 's'} pick ${otherPick}: ${quote(against[0]!.text)} (${against[0]!.variant.root.name}:${against[0]!.variant.spec.path}:${against[0]!.line})`,
          why: `${pick} and ${otherPick} are both ${set.subject}: different alternatives from one set`,
          related: against.map(at),
        });
      }
    }
  });
  return findings;
}

interface Cluster {
  subject: Set<string>;
  members: Parsed[];
}

/** Instructions grouped by subject across variants: one most variants have and one lacks, or opposite modality. */
function compareClusters(variants: readonly Variant[]): AuditFinding[] {
  const clusters: Cluster[] = [];
  for (const v of variants)
    for (const p of v.instructions) {
      const home = clusters.find((c) => setJaccard(c.subject, p.subject) >= SAME_INSTRUCTION);
      if (home) home.members.push(p);
      else clusters.push({ subject: p.subject, members: [p] });
    }
  const findings: AuditFinding[] = [];
  for (const c of clusters) {
    const having = new Set(c.members.map((m) => m.variant));
    const first = c.members[0]!;
    // Opposite modality: the side fewer variants take is reported against the other.
    const negative = c.members.filter((m) => m.negative);
    const positive = c.members.filter((m) => !m.negative);
    if (negative.length > 0 && positive.length > 0) {
      const n = new Set(negative.map((m) => m.variant)).size;
      const p = new Set(positive.map((m) => m.variant)).size;
      const sides: Array<[Parsed[], Parsed[]]> = n <= p ? [[negative, positive]] : [];
      if (p <= n) sides.push([positive, negative]);
      for (const [minority, majority] of sides)
        for (const m of minority) {
          const against = majority.filter((o) => o.variant !== m.variant);
          if (against.length === 0) continue;
          findings.push({
            kind: 'contradicting-instruction',
            severity: AUDIT_KINDS['contradicting-instruction'],
            ...at(m),
            message: `${quote(m.text)} contradicts ${quote(against[0]!.text)} (${against[0]!.variant.root.name}:${against[0]!.variant.spec.path}:${against[0]!.line})`,
            why: `same subject (${[...c.subject].join(', ')}), opposite modality: one ${m.negative ? 'forbids' : 'requires'} what the other ${m.negative ? 'requires' : 'forbids'}`,
            related: against.map(at),
          });
        }
    }
    // Missing: what a majority of the variants (at least two) have.
    if (having.size < 2 || having.size * 2 <= variants.length) continue;
    for (const v of variants) {
      if (having.has(v) || picksOtherwise(v, first)) continue;
      findings.push({
        kind: 'missing-instruction',
        severity: AUDIT_KINDS['missing-instruction'],
        root: v.root.name,
        file: v.spec.path,
        line: v.spec.bodyLine,
        message: `${v.spec.path} lacks ${quote(first.text)}, which ${having.size} of ${variants.length} variants have`,
        why: `no instruction here shares its subject (${[...c.subject].join(', ')}); present in ${[...having].map((h) => h.root.name).join(', ')}`,
        related: c.members.map(at),
      });
    }
  }
  return findings;
}

/** The variant picks a different alternative for the instruction's choice: a contradiction, reported as one. */
function picksOtherwise(v: Variant, instruction: Parsed): boolean {
  for (const [s, pick] of instruction.picks)
    if (v.instructions.some((p) => p.picks.has(s) && p.picks.get(s) !== pick)) return true;
  return false;
}
