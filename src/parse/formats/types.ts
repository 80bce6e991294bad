// The contract of a spec format: how it is recognised and which clause IDs its conventions give.
import type { ItemBlock } from '../markdown.js';
import type { SpecFormat, SpecKind, SpecMeta } from '../types.js';

export interface ClauseContext {
  /** IDs of the enclosing clauses, outermost first. */
  ancestors: readonly string[];
  /** Titles of the enclosing headings, outermost first. */
  headingPath: readonly string[];
}

export interface FormatRules {
  format: SpecFormat;
  /** `path` is relative to the spec root with POSIX separators. */
  matches(path: string): boolean;
  kind(path: string): SpecKind;
  /** A stable ID from the format's heading convention, or null to fall back to a slug. */
  headingId?(title: string, ctx: ClauseContext): string | null;
  /** A stable ID for a list item or paragraph the format treats as a clause, or null. */
  itemId?(item: ItemBlock, ctx: ClauseContext): string | null;
  /** Metadata the format implies where frontmatter is silent (e.g. Kiro's `fileMatchPattern`). */
  defaults?(path: string, frontmatter: Readonly<Record<string, unknown>>): Partial<SpecMeta>;
}
