// Agent Skills: SKILL.md with `name` and `description` frontmatter; the catalog line is the description.
import type { SpecMeta } from '../types.js';
import type { FormatRules } from './types.js';

export const skillFormat: FormatRules = {
  format: 'skill',
  matches: (path) => /(^|\/)SKILL\.md$/.test(path),
  kind: () => 'skill',
  defaults(_path, fm) {
    const out: Partial<SpecMeta> = {};
    if (typeof fm.name === 'string') out.title = fm.name;
    if (typeof fm.description === 'string') out.summary = fm.description;
    return out;
  },
};
