// What every snapshot rule receives, and small helpers for placing findings on the right line.
import type { Snapshot } from '../../corpus/snapshot.js';
import type { SpecDoc } from '../../parse/types.js';
import type { LintConfig } from '../config.js';
import type { ProseScanner } from '../prose.js';
import type { Finding } from '../types.js';

export interface RuleContext {
  snapshot: Snapshot;
  config: LintConfig;
  prose: ProseScanner;
}

/** A rule over one snapshot; findings carry the rule's default severity, and config levels are applied after. */
export type SnapshotRule = (ctx: RuleContext) => Finding[];

// Where a frontmatter key is written: one definition, shared with the parser's own problems.
export { frontmatterLine } from '../../parse/frontmatter.js';

/** Specs make promises once they leave draft; an approved spec is binding. */
export function isApproved(spec: Pick<SpecDoc, 'status'>): boolean {
  return spec.status === 'approved';
}
