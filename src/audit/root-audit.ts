// One root's share of the audit: its corpus, lint config and inventory, and lint's own findings passed on.
import { loadCorpus } from '../corpus/corpus.js';
import type { Snapshot } from '../corpus/snapshot.js';
import { type LintConfig, loadLintConfig } from '../governance/config.js';
import { openGitRepo, resolveCommit } from '../governance/git.js';
import { lintHistory } from '../governance/lint.js';
import type { ProseScanner } from '../governance/prose.js';
import { missingOwners } from '../governance/rules/ownership.js';
import { countLines } from '../governance/rules/standing-budget.js';
import type { Finding } from '../governance/types.js';
import type { TokenCounter } from '../parse/tokens.js';
import type { SpecDoc } from '../parse/types.js';
import type { NamedRoot } from './roots.js';
import type { AgentsVariant, AuditFinding, RootInventory } from './types.js';

export interface LoadedRoot {
  name: string;
  path: string;
  snapshot: Snapshot;
  /** Top level of the git repository around the root, or null. */
  repoTop: string | null;
  config: LintConfig;
  inventory: RootInventory;
  /** Lint's findings that an audit reports: missing owners, drift, parser errors. */
  findings: AuditFinding[];
  notes: string[];
  warnings: string[];
}

interface LoadRootOptions {
  tokens: TokenCounter;
  prose: ProseScanner;
  configFile?: string;
  cwd?: string;
  onProgress?: (done: number, total: number) => void;
}

/** AGENTS.md anywhere it applies, and CLAUDE.md, which Claude Code reads for the same purpose. */
export function isAgentsFile(spec: Pick<SpecDoc, 'kind' | 'path'>): boolean {
  return spec.kind === 'agents' || /(^|\/)CLAUDE\.md$/i.test(spec.path);
}

export async function loadRoot(root: NamedRoot, options: LoadRootOptions): Promise<LoadedRoot> {
  const corpus = loadCorpus({ root: root.path, tokens: options.tokens, onProgress: options.onProgress });
  const { config, warnings } = loadLintConfig({
    root: corpus.root,
    cwd: options.cwd,
    file: options.configFile,
  });
  const snapshot = corpus.current();
  const lintFindings: Finding[] = [];
  // Errors the parser found make a spec unservable or ambiguous; its warnings are lint's advice, not audit's.
  for (const p of snapshot.problems) if (p.severity === 'error') lintFindings.push({ ...p });
  if (config.rules['missing-owners'] !== 'off') {
    const level = config.rules['missing-owners'];
    for (const f of missingOwners({ snapshot, config, prose: options.prose }))
      lintFindings.push(level ? { ...f, severity: level } : f);
  }
  // lintHistory applies the config's levels, and runs drift only (no base).
  const history = await lintHistory(snapshot, { root: corpus.root, config, tokens: options.tokens });
  lintFindings.push(...history.findings.filter((f) => f.rule === 'drift'));
  const notes = history.notes.filter((n) => !n.startsWith('no --base')).map((n) => `${root.name}: ${n}`);
  const repo = await openGitRepo(corpus.root);
  const commit = repo ? await resolveCommit(repo, 'HEAD') : null;
  return {
    name: root.name,
    path: corpus.root,
    snapshot,
    repoTop: repo?.top ?? null,
    config,
    inventory: inventoryOf(root.name, corpus.root, snapshot, config, commit, options.prose),
    findings: lintFindings.map((f) => ({
      kind: f.rule,
      severity: f.severity,
      root: root.name,
      file: f.file,
      line: f.line,
      message: f.message,
      related: [],
      ...(f.ref === undefined ? {} : { ref: f.ref }),
    })),
    notes,
    warnings: warnings.map((w) => `${root.name}: ${w}`),
  };
}

function inventoryOf(
  name: string,
  root: string,
  snapshot: Snapshot,
  config: LintConfig,
  commit: string | null,
  prose: ProseScanner,
): RootInventory {
  const specs = snapshot.specs.filter((s) => !isAgentsFile(s));
  const count = (keys: readonly string[]) => {
    const out: Record<string, number> = {};
    for (const k of [...keys].sort()) out[k] = (out[k] ?? 0) + 1;
    return out;
  };
  return {
    name,
    path: root,
    commit,
    specs: specs.length,
    clauses: specs.reduce((n, s) => n + s.clauses.length, 0),
    byFormat: count(specs.map((s) => s.format)),
    byStatus: count(specs.map((s) => s.role)),
    byOwner: count(specs.flatMap((s) => (s.owners.length === 0 ? ['(none)'] : s.owners))),
    versioned: specs.filter((s) => s.versioned).length,
    unversioned: specs.filter((s) => !s.versioned).length,
    agents: snapshot.specs.filter(isAgentsFile).map((s) => measureVariant(s, config, prose)),
    budget: { ...config.budget },
  };
}

/** Measured as lint's standing-budget rule measures: every line, the prose heuristic, o200k tokens. */
function measureVariant(spec: SpecDoc, config: LintConfig, prose: ProseScanner): AgentsVariant {
  const body = spec.body.trim();
  const measures = { lines: countLines(body), instructions: prose.instructions(body), tokens: spec.tokens };
  const over = (['lines', 'instructions', 'tokens'] as const).filter((m) => measures[m] > config.budget[m]);
  return { file: spec.path, ...measures, over };
}
