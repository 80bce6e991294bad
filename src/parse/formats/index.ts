// The format registry: the first format whose `matches` accepts a path decides its conventions.
import { agentsMdFormat } from './agents-md.js';
import { kiroFormat } from './kiro.js';
import { modelSpecFormat } from './model-spec.js';
import { openSpecFormat } from './openspec.js';
import { skillFormat } from './skill.js';
import { specKitFormat } from './spec-kit.js';
import type { FormatRules } from './types.js';

export type { ClauseContext, FormatRules } from './types.js';

const markdownFormat: FormatRules = { format: 'markdown', matches: () => true, kind: () => 'spec' };

/** Order matters: more specific layouts first, plain Markdown last. */
const FORMATS: readonly FormatRules[] = [
  agentsMdFormat,
  skillFormat,
  kiroFormat,
  openSpecFormat,
  specKitFormat,
  modelSpecFormat,
  markdownFormat,
];

export function formatFor(path: string): FormatRules {
  return FORMATS.find((f) => f.matches(path)) ?? markdownFormat;
}
