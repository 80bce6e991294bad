// spec_status: the health of what is served — files that cannot be served now, and lint findings.

import { z } from 'zod';
import type { Snapshot } from '../../corpus/snapshot.js';
import {
  DEFAULT_LINT_CONFIG,
  type Finding,
  type LintConfig,
  lintRootSnapshots,
  lintSnapshot,
  loadLintConfig,
  problemFindings,
  summarize,
} from '../../governance/index.js';
import { qualify } from '../../parse/root-refs.js';
import type { SpecServerDeps } from '../deps.js';
import type { ToolRegistry } from '../tool-runner.js';
import { READ_ONLY } from './schemas.js';

/** Findings listed per call; the summary counts them all. */
const MAX_LISTED = 100;

const findingSchema = z.object({
  rule: z.string(),
  severity: z.string(),
  file: z.string(),
  line: z.number(),
  message: z.string(),
  hint: z.string().optional(),
  ref: z.string().optional(),
});

export function registerSpecStatusTool(server: ToolRegistry, deps: SpecServerDeps): void {
  // Lint once per snapshot, not per call: near-duplicate detection is the costly rule.
  const lintOf = new WeakMap<Snapshot, Finding[]>();
  server.registerTool(
    'spec_status',
    {
      title: 'Spec health',
      description:
        'Report the health of the specs being served: files that cannot be served right now (a broken edit keeps its last good version in service), and governance findings (missing owners, unstable IDs, broken SPEC#CLAUSE references, near-duplicate clauses…), each with file:line and a fix hint. Use it when a read looks stale or a reference does not resolve; it is not needed for ordinary reading.',
      inputSchema: {
        severity: z
          .enum(['info', 'warning', 'error'])
          .optional()
          .describe('Lowest severity to list (default warning).'),
      },
      outputSchema: {
        generation: z.number(),
        specs: z.number(),
        clauses: z.number(),
        summary: z.object({ error: z.number(), warning: z.number(), info: z.number() }),
        findings: z.array(findingSchema),
        truncated: z.boolean(),
      },
      annotations: READ_ONLY,
    },
    (args) => {
      const snapshot = deps.corpus.current();
      let findings = lintOf.get(snapshot);
      if (!findings) {
        findings = deps.roots
          ? lintRoots(snapshot, deps.roots)
          : lintSnapshot(snapshot, { config: configFor(deps.corpus.root) });
        lintOf.set(snapshot, findings);
      }
      const order = { info: 0, warning: 1, error: 2 } as const;
      const floor = order[args.severity ?? 'warning'];
      const listed = findings.filter((f) => order[f.severity] >= floor);
      const shown = listed.slice(0, MAX_LISTED);
      const summary = summarize(findings);
      const text = [
        `generation ${snapshot.generation}: ${snapshot.catalog.length} specs, ${snapshot.clauseCount} clauses; ${summary.error} errors, ${summary.warning} warnings, ${summary.info} info`,
        ...shown.map(
          (f) =>
            `${f.file}:${f.line}  ${f.severity}  ${f.rule}  ${f.message}${f.hint ? `\n  hint: ${f.hint}` : ''}`,
        ),
        ...(listed.length > shown.length ? [`… ${listed.length - shown.length} more`] : []),
      ].join('\n');
      return {
        content: [{ type: 'text', text }],
        structuredContent: {
          generation: snapshot.generation,
          specs: snapshot.catalog.length,
          clauses: snapshot.clauseCount,
          summary,
          findings: shown.map((f) => ({ ...f })),
          truncated: listed.length > shown.length,
        },
      };
    },
  );
}

/** The same thresholds and severities CI uses; a broken config falls back to the defaults rather than failing the tool. */
function configFor(root: string): LintConfig | undefined {
  try {
    return loadLintConfig({ root }).config;
  } catch {
    return undefined;
  }
}

/**
 * What `lint` reports for the same roots (lint-roots.ts): each root under its own config, near-duplicates across
 * them under the working directory's, files and refs named as the federation serves them; and the problems of the
 * join that no served root has (a root that cannot be served at all).
 */
function lintRoots(joined: Snapshot, roots: NonNullable<SpecServerDeps['roots']>): Finding[] {
  const cwd = process.cwd();
  const linted = roots.map((r) => ({
    name: r.name,
    snapshot: r.corpus.current(),
    config: configFor(r.corpus.root) ?? DEFAULT_LINT_CONFIG,
  }));
  const cross = configFor(cwd) ?? DEFAULT_LINT_CONFIG;
  const served = roots.map((r) => `${r.name}/`);
  const unserved = joined.problems.filter((p) => !served.some((prefix) => p.file.startsWith(prefix)));
  const findings = lintRootSnapshots(linted, cross).map(
    ({ root, ...f }): Finding => ({
      ...f,
      file: `${root}/${f.file}`,
      ...(f.ref ? { ref: qualify(root, f.ref) } : {}),
    }),
  );
  return [...problemFindings(unserved), ...findings];
}
