// `specledger lint` over several roots: every rule per root, and near-duplicates across roots as well.
import { loadCorpus } from '../corpus/corpus.js';
import type { Snapshot } from '../corpus/snapshot.js';
import { qualify } from '../parse/root-refs.js';
import { createTokenCounter } from '../parse/tokens.js';
import type { SpecDoc } from '../parse/types.js';
import { type LintConfig, loadLintConfig } from './config.js';
import { lintHistory, lintSnapshot } from './lint.js';
import { nearDuplicateFinding, nearDuplicatePairs } from './rules/near-duplicate.js';
import { type Finding, type FindingSummary, sortFindings, summarize } from './types.js';

export interface LintRootInput {
  name: string;
  /** The real, absolute folder. */
  path: string;
}

export interface RootFinding extends Finding {
  /** The root's name; `file` is relative to that root. */
  root: string;
}

export interface RootsLintReport {
  roots: Array<{ name: string; root: string; specs: number }>;
  findings: RootFinding[];
  summary: FindingSummary;
  notes: string[];
  warnings: string[];
}

export interface RunLintRootsOptions {
  roots: readonly LintRootInput[];
  base?: string;
  /** One config for every root; otherwise each root's own, and the working directory's for the cross-root join. */
  configFile?: string;
  cwd?: string;
  onProgress?: (done: number, total: number) => void;
}

/** One root's snapshot and the config that root's findings are reported under. */
export interface LintedRoot {
  name: string;
  snapshot: Snapshot;
  config: LintConfig;
}

/**
 * The snapshot rules over several roots: every rule within each root, with that root's config (duplicate IDs,
 * references and budgets stay per root), except near-duplicate, which joins the clauses of every root with the
 * thresholds of `cross`; each root's config still sets the level of findings reported in it. What `lint` reports
 * for several roots before its git rules, and what spec_status reports for a federation.
 */
export function lintRootSnapshots(roots: readonly LintedRoot[], cross: LintConfig): RootFinding[] {
  const findings: RootFinding[] = [];
  const rootOf = new Map<SpecDoc, LintedRoot>();
  for (const r of roots) {
    const own = { ...r.config, rules: { ...r.config.rules, 'near-duplicate': 'off' as const } };
    for (const f of lintSnapshot(r.snapshot, { config: own })) findings.push({ ...f, root: r.name });
    for (const spec of r.snapshot.specs) rootOf.set(spec, r);
  }
  if (cross.rules['near-duplicate'] === 'off') return findings;
  for (const pair of nearDuplicatePairs([...rootOf.keys()], cross.nearDuplicate)) {
    const here = rootOf.get(pair.spec)!;
    const level = here.config.rules['near-duplicate'];
    if (level === 'off') continue;
    const there = rootOf.get(pair.other.spec)!.name;
    const f = nearDuplicateFinding(pair, {
      ref: qualify(there, pair.other.clause.ref),
      path: `${there}/${pair.other.spec.path}`,
    });
    findings.push({ ...f, root: here.name, ...(level ? { severity: level } : {}) });
  }
  return findings;
}

/**
 * Each root is linted as `lint --specs ROOT` would lint it (duplicate IDs, references, drift stay per root),
 * except near-duplicate, which joins the clauses of every root at once: a policy forked between two
 * repositories is the case the rule exists for. Its thresholds come from `configFile` or the working
 * directory's config; each root's config still sets the level of findings reported in it.
 */
export async function runLintRoots(options: RunLintRootsOptions): Promise<RootsLintReport> {
  const cwd = options.cwd ?? process.cwd();
  const tokens = createTokenCounter();
  const cross = loadLintConfig({ root: cwd, cwd, file: options.configFile });
  const notes = new Map<string, string[]>();
  const warnings: string[] = [...cross.warnings];
  const roots: RootsLintReport['roots'] = [];
  const linted: LintedRoot[] = [];
  const history: RootFinding[] = [];
  for (const r of options.roots) {
    const corpus = loadCorpus({ root: r.path, tokens, onProgress: options.onProgress });
    const { config, warnings: w } = loadLintConfig({ root: corpus.root, cwd, file: options.configFile });
    warnings.push(...w.map((m) => `${r.name}: ${m}`));
    const snapshot = corpus.current();
    const git = await lintHistory(snapshot, { root: corpus.root, config, base: options.base, tokens });
    for (const n of git.notes) notes.set(n, [...(notes.get(n) ?? []), r.name]);
    for (const f of git.findings) history.push({ ...f, root: r.name });
    linted.push({ name: r.name, snapshot, config });
    roots.push({ name: r.name, root: corpus.root, specs: snapshot.specs.length });
  }
  const findings = [...lintRootSnapshots(linted, cross.config), ...history];
  const order = new Map(options.roots.map((r, i) => [r.name, i]));
  const sorted = sortFindings(findings);
  sorted.sort((a, b) => (order.get(a.root) ?? 0) - (order.get(b.root) ?? 0));
  // A note every root shares ("no --base") is said once, naming the roots.
  const said = [...notes].map(([n, names]) => `${names.join(', ')}: ${n}`);
  return { roots, findings: sorted, summary: summarize(sorted), notes: said, warnings };
}
