// What a file is, from what is actually known about it: its declared status, its format, and where it sits.
import type { SpecKind, SpecStatus } from './types.js';

/**
 * A spec's role. Declared statuses come from frontmatter; the rest from the format (AGENTS.md, Kiro steering,
 * SKILL.md) or the path (examples/, templates/, archive/, CHANGELOG.md). `unversioned` is a spec nobody labelled.
 */
export type SpecRole =
  | 'standing'
  | 'approved'
  | 'proposed'
  | 'draft'
  | 'unversioned'
  | 'skill'
  | 'docs'
  | 'notes'
  | 'changelog'
  | 'deprecated'
  | 'proposal'
  | 'example'
  | 'template'
  | 'archive';

/** Order in the root catalog and in ties: binding material first, then reference, then history and samples. */
const RANK: Readonly<Record<SpecRole, number>> = {
  standing: 0,
  approved: 1,
  unversioned: 2,
  skill: 2,
  proposed: 3,
  draft: 3,
  docs: 4,
  notes: 5,
  changelog: 6,
  deprecated: 7,
  proposal: 8,
  example: 9,
  template: 9,
  archive: 10,
};

/** How each role reads in a catalog line or a clause header. */
const WORDS: Readonly<Record<SpecRole, string>> = {
  standing: 'standing instructions',
  approved: 'approved',
  proposed: 'proposed',
  draft: 'draft',
  unversioned: 'unversioned',
  skill: 'skill',
  docs: 'docs',
  notes: 'working notes',
  changelog: 'changelog',
  deprecated: 'deprecated',
  proposal: 'change proposal',
  example: 'example',
  template: 'template',
  archive: 'archived',
};

/**
 * Roles that are not the rule itself: search ranks them below binding material unless the query names them, and
 * the root lists them last. Drafts stay: a team's draft spec is often the newest word on a topic.
 */
const SUPPORTING: ReadonlySet<SpecRole> = new Set([
  'changelog',
  'deprecated',
  'proposal',
  'example',
  'template',
  'archive',
  'notes',
]);

/** Path segments (folder names, case-insensitive) that say what the files under them are. */
const FOLDER_ROLES: ReadonlyArray<[RegExp, SpecRole]> = [
  [/^(archive|archived|attic|history)$/i, 'archive'],
  [/^(examples?|samples?|fixtures?|evals?)$/i, 'example'],
  [/^(templates?|scaffolds?)$/i, 'template'],
  [/^(drafts?|wip|work|explorations?|scratch|notes)$/i, 'notes'],
  [/^(docs?|guides?|reference|concepts)$/i, 'docs'],
];

interface RoleInput {
  path: string;
  kind: SpecKind;
  inclusion: 'always' | 'on-request';
  /** The status written in the frontmatter (or implied by the format), if any. */
  declaredStatus: SpecStatus | undefined;
}

export function roleOf(input: RoleInput): SpecRole {
  const parts = input.path.split('/');
  const name = parts.pop()!.replace(/\.md$/i, '');
  if (input.declaredStatus === 'deprecated') return 'deprecated';
  // The nearest folder decides: examples/ inside docs/ are examples.
  for (let i = parts.length - 1; i >= 0; i--) {
    const role = FOLDER_ROLES.find(([re]) => re.test(parts[i]!))?.[1];
    if (role === 'archive' || role === 'example' || role === 'template') return role;
  }
  if (input.kind === 'proposal') return 'proposal';
  if (/^(changelog|changes|history|releases?)$/i.test(name)) return 'changelog';
  if (/(^|[-_.])(template|example)$/i.test(name)) return /template$/i.test(name) ? 'template' : 'example';
  if (input.declaredStatus) return input.declaredStatus;
  if (input.kind === 'agents' || input.kind === 'steering' || input.inclusion === 'always') return 'standing';
  if (input.kind === 'skill') return 'skill';
  // A feature's work list and research notes (Spec Kit tasks.md/research.md, Kiro tasks.md) plan the work; the
  // requirements and design beside them are the rule.
  if (/^(tasks|todo|research|checklists?)$/i.test(name)) return 'notes';
  for (let i = parts.length - 1; i >= 0; i--) {
    const role = FOLDER_ROLES.find(([re]) => re.test(parts[i]!))?.[1];
    if (role) return role;
  }
  return 'unversioned';
}

export function roleRank(role: SpecRole): number {
  return RANK[role];
}

export function isSupporting(role: SpecRole): boolean {
  return SUPPORTING.has(role);
}

/** The words a query uses when it asks for supporting material on purpose ("the deprecated v1 webhooks"). */
export const SUPPORTING_QUERY_WORDS: Readonly<Record<string, readonly SpecRole[]>> = {
  deprecated: ['deprecated'],
  legacy: ['deprecated', 'archive'],
  old: ['deprecated', 'archive'],
  previous: ['deprecated', 'archive'],
  superseded: ['deprecated'],
  sunset: ['deprecated'],
  example: ['example'],
  examples: ['example'],
  sample: ['example'],
  template: ['template'],
  templates: ['template'],
  archive: ['archive'],
  archived: ['archive'],
  history: ['archive', 'changelog'],
  changelog: ['changelog'],
  proposal: ['proposal'],
  proposed: ['proposal'],
  change: ['proposal'],
  changes: ['proposal'],
  draft: ['notes'],
  exploration: ['notes'],
};

/**
 * `approved v1.2.0`, `standing instructions`, `example`: the status shown for a spec, never an invented default.
 * Takes what a view reports (`status` is a role, `version` '' when none is declared).
 */
export function statusLabel(status: string, version: string): string {
  // A version without a status is a version, not an "unversioned" spec.
  if (status === 'unversioned') return version ? `v${version}` : WORDS.unversioned;
  const word = WORDS[status as SpecRole] ?? status;
  return version ? `${word} v${version}` : word;
}

/** The version a tool result reports: '' when the file declares none. */
export function shownVersion(spec: { version: string; versioned: boolean }): string {
  return spec.versioned ? spec.version : '';
}
