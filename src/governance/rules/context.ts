// What every snapshot rule receives, and small helpers for placing findings on the right line.
import type { Snapshot } from '../../index/snapshot.js';
import { frontmatterLine as lineOfKey } from '../../spec/frontmatter-line.js';
import type { SpecDoc } from '../../spec/types.js';
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

/** The 1-based line of a top-level frontmatter key, or `fallback` when the key is not written. */
export function frontmatterLine(spec: Pick<SpecDoc, 'frontmatterText'>, key: string, fallback = 1): number {
  return lineOfKey(spec.frontmatterText, key, fallback);
}

/** Specs make promises once they leave draft; an approved spec is binding. */
export function isApproved(spec: Pick<SpecDoc, 'status'>): boolean {
  return spec.status === 'approved';
}
