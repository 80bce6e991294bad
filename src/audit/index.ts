// specledger audit: every root loaded with lint's machinery, then compared across roots, optionally with the ledger.
import { errorMessage } from '../errors.js';
import { loadLintConfig } from '../governance/config.js';
import { createProseScanner } from '../governance/prose.js';
import { summarize } from '../governance/types.js';
import { openLedger } from '../ledger/open.js';
import { createTokenCounter } from '../parse/tokens.js';
import { agentsFindings } from './agents.js';
import { forkedClauses, overlappingSpecs } from './forks.js';
import { ledgerAudit } from './ledger.js';
import { type LoadedRoot, loadRoot } from './root-audit.js';
import type { NamedRoot } from './roots.js';
import type { AuditFinding, AuditReport } from './types.js';

export { renderAuditMarkdown, renderAuditText } from './render.js';
export { parseRootArgs } from './roots.js';
export type { AuditFinding, AuditReport } from './types.js';

interface RunAuditOptions {
  roots: readonly NamedRoot[];
  /** A lint config for every root; otherwise each root's own, and the working directory's for cross-root rules. */
  configFile?: string;
  cwd?: string;
  ledger?: string;
  unreadDays?: number;
  top?: number;
  now?: Date;
  /** One line per stage, for a terminal. */
  onProgress?: (message: string) => void;
  /** (done, total) files while a root is read. */
  onIndexing?: (done: number, total: number) => void;
}

export async function runAudit(options: RunAuditOptions): Promise<AuditReport> {
  const cwd = options.cwd ?? process.cwd();
  const tokens = createTokenCounter();
  const prose = createProseScanner();
  const progress = options.onProgress ?? (() => {});
  const loaded: LoadedRoot[] = [];
  const unreadable: string[] = [];
  for (const [i, root] of options.roots.entries()) {
    progress(`root ${i + 1}/${options.roots.length}: ${root.name} (${root.path})`);
    try {
      loaded.push(
        await loadRoot(root, {
          tokens,
          prose,
          configFile: options.configFile,
          cwd,
          onProgress: options.onIndexing,
        }),
      );
    } catch (error) {
      // A root that cannot be read (or whose lint config is broken) fails alone; the others are still audited.
      unreadable.push(`${root.name}: not audited: ${errorMessage(error)}`);
    }
  }
  const cross = loadLintConfig({ root: cwd, cwd, file: options.configFile });
  progress('comparing roots');
  const findings: AuditFinding[] = [
    ...loaded.flatMap((r) => r.findings),
    ...forkedClauses(loaded, cross.config),
    ...overlappingSpecs(loaded),
    ...agentsFindings(loaded, prose),
  ];
  let ledger: AuditReport['ledger'] = null;
  if (options.ledger !== undefined) {
    progress(`reading the ledger ${options.ledger}`);
    const store = await openLedger(options.ledger, { readonly: true });
    try {
      const result = await ledgerAudit(store, loaded, {
        unreadDays: options.unreadDays ?? 30,
        top: options.top ?? 10,
        now: options.now ?? new Date(),
      });
      ledger = result.section;
      findings.push(...result.findings);
    } finally {
      await store.close();
    }
  }
  const sorted = sortFindings(findings);
  return {
    roots: loaded.map((r) => r.inventory),
    findings: sorted,
    summary: summarize(sorted),
    ledger,
    notes: [...unreadable, ...cross.warnings, ...loaded.flatMap((r) => [...r.warnings, ...r.notes])],
  };
}

/** By root name, file, line, then kind: the order every format lists them in. */
function sortFindings(findings: readonly AuditFinding[]): AuditFinding[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...findings].sort(
    (a, b) =>
      cmp(a.root, b.root) ||
      cmp(a.file, b.file) ||
      a.line - b.line ||
      cmp(a.kind, b.kind) ||
      cmp(a.message, b.message),
  );
}
