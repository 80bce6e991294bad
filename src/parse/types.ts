// The parsed shape of specs and clauses: what every later stage (index, tools, ledger, lint) reads.
import type { SpecRole } from './labels.js';

export const SPEC_STATUSES = ['draft', 'proposed', 'approved', 'deprecated'] as const;
export type SpecStatus = (typeof SPEC_STATUSES)[number];

/** What a spec ID may hold: path-like parts of letters, digits, `.`, `_` and `-`; never `#`, which starts a clause. */
export const SPEC_ID_PATTERN = /^[\w.-]+(\/[\w.-]+)*$/;

/** How a clause got its ID; `slug` IDs are derived from headings and reported by lint as unstable. */
export type IdSource = 'anchor' | 'bold' | 'format' | 'slug';

/** Which convention a file follows; each has its rules in src/parse/formats/. */
export type SpecFormat = 'markdown' | 'spec-kit' | 'kiro' | 'openspec' | 'agents-md' | 'skill' | 'model-spec';

export type SpecKind = 'spec' | 'agents' | 'skill' | 'steering' | 'proposal';

export interface Problem {
  /** Path relative to the spec root, POSIX separators. */
  file: string;
  /** 1-based line in the file. */
  line: number;
  rule: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  hint?: string;
}

export interface Clause {
  /** Clause ID, unique within its spec. */
  id: string;
  /** `SPEC#CLAUSE`. */
  ref: string;
  title: string;
  idSource: IdSource;
  /** A heading section, or a list item / paragraph clause such as `- **FR-001**: …`. */
  kind: 'section' | 'item';
  /** Attributes kept from an anchor such as `{#id authority=root}`. */
  attrs: Readonly<Record<string, string>>;
  /** 1 for top-level clauses, +1 per nesting level. */
  depth: number;
  /** 1-based first line in the file. */
  line: number;
  /** 1-based last line in the file (inclusive). */
  endLine: number;
  /** Text exactly as in the file (line endings normalized to LF), children included. */
  text: string;
  /** `sha256:<hex>` of the normalized text. */
  digest: string;
  /** o200k tokens of `text`. */
  tokens: number;
  parentId: string | null;
  childIds: readonly string[];
}

export interface SpecMeta {
  id: string;
  title: string;
  summary: string;
  version: string;
  status: SpecStatus;
  owners: readonly string[];
  reviewers: readonly string[];
  appliesTo: readonly string[];
  supersedes: readonly string[];
  tags: readonly string[];
  inclusion: 'always' | 'on-request';
  /** Every frontmatter key as written, unknown keys included. */
  frontmatter: Readonly<Record<string, unknown>>;
}

export interface SpecDoc extends SpecMeta {
  /** Path relative to the spec root, POSIX separators. */
  path: string;
  format: SpecFormat;
  kind: SpecKind;
  /**
   * What the file is, from what is known (src/parse/labels.ts): its declared status, else `standing`, `skill`,
   * `example`, `unversioned`, …; tools report it as the status, so nothing shows an invented `draft`.
   */
  role: SpecRole;
  /** False when no version is declared; `version` then holds the governance default, which is never shown. */
  versioned: boolean;
  /** `sha256:<hex>` of the whole normalized file (`frontmatterText + body`). */
  digest: string;
  /** The frontmatter block as written, delimiters and final newline included; '' when there is none. */
  frontmatterText: string;
  /** o200k tokens of the whole body. */
  tokens: number;
  /** Body text (frontmatter removed), LF line endings. */
  body: string;
  /** 1-based file line on which the body starts. */
  bodyLine: number;
  /** Clauses in document order. */
  clauses: readonly Clause[];
  problems: readonly Problem[];
}

/** The whole file as served (LF line endings): what `SpecDoc.digest` covers. */
export function specSource(spec: Pick<SpecDoc, 'frontmatterText' | 'body'>): string {
  return spec.frontmatterText + spec.body;
}
