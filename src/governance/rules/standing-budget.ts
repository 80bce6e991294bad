// standing-budget: the root document plus `inclusion: always` specs are read on every task, so they stay small.
import type { Finding } from '../types.js';
import type { SnapshotRule } from './context.js';

interface Part {
  /** Root-relative file, or null for a generated root. */
  file: string | null;
  line: number;
  lines: number;
  instructions: number;
  tokens: number;
}

type Measure = 'lines' | 'instructions' | 'tokens';

const HINTS: Record<Measure, string> = {
  lines:
    'move detail into on-request specs and keep `inclusion: always` for the few rules every change needs',
  instructions:
    'merge or drop rules; agents follow a short list reliably and a long one selectively — link to on-request clauses instead',
  tokens:
    'shorten the root and the always specs, or set `inclusion: on-request` on specs only some tasks need',
};

/**
 * Lines count every line of the text as served (blank lines too: they cost reading time); instructions
 * follow the heuristic in prose.ts; tokens are the o200k counts the server uses for `read_root`.
 */
export const standingBudget: SnapshotRule = ({ snapshot, config, prose }) => {
  const parts: Part[] = [];
  const root = snapshot.root;
  const rootSpec = root.path ? snapshot.specs.find((s) => s.path === root.path) : undefined;
  parts.push({
    file: root.path,
    line: rootSpec?.bodyLine ?? 1,
    lines: countLines(root.text),
    instructions: prose.instructions(root.text),
    tokens: root.tokens,
  });
  for (const spec of snapshot.always) {
    const body = spec.body.trim();
    parts.push({
      file: spec.path,
      line: spec.bodyLine,
      lines: countLines(body),
      instructions: prose.instructions(body),
      tokens: spec.tokens,
    });
  }
  const findings: Finding[] = [];
  for (const measure of ['lines', 'instructions', 'tokens'] as const) {
    const limit = config.budget[measure];
    const total = parts.reduce((sum, p) => sum + p[measure], 0);
    if (total <= limit) continue;
    const files = parts.filter((p): p is Part & { file: string } => p.file !== null);
    if (files.length === 0) continue;
    // The finding sits on the biggest contributor: that is where trimming pays most.
    const biggest = files.reduce((a, b) => (b[measure] > a[measure] ? b : a));
    const breakdown = parts.map((p) => `${p.file ?? '(generated root)'} ${p[measure]}`).join(', ');
    findings.push({
      rule: 'standing-budget',
      severity: 'warning',
      file: biggest.file,
      line: biggest.line,
      message: `standing instructions (root + ${parts.length - 1} always spec${parts.length === 2 ? '' : 's'}) are ${total} ${measure}, over the budget of ${limit}: ${breakdown}`,
      hint: `${HINTS[measure]}; or raise budget.${measure} in the lint config`,
    });
  }
  return findings;
};

/** Lines as a reader sees them: blank ones too, and a last line without a newline. */
export function countLines(text: string): number {
  if (text.length === 0) return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
