// Kiro: .kiro/specs/<feature>/{requirements,design,tasks}.md and .kiro/steering/*.md (inclusion, fileMatchPattern).
import type { SpecMeta } from '../types.js';
import type { FormatRules } from './types.js';

const REQUIREMENT_RE = /^Requirement\s+(\d+)\b/i;
const TASK_RE = /^\[[ xX-]\]\s+(\d+(?:\.\d+)*)\.?\s/;

export const kiroFormat: FormatRules = {
  format: 'kiro',
  matches: (path) => /(^|\/)\.kiro\//.test(path),
  kind: (path) => (/(^|\/)\.kiro\/steering\//.test(path) ? 'steering' : 'spec'),
  headingId(title) {
    const m = REQUIREMENT_RE.exec(title);
    return m ? `req-${m[1]}` : null;
  },
  itemId(item, ctx) {
    const task = TASK_RE.exec(item.inline);
    if (task) return `task-${task[1]}`;
    // Numbered acceptance criteria belong to the nearest "Requirement N": req-3.2 is how tasks cite them (3.2).
    const req = [...ctx.ancestors].reverse().find((a) => /^req-\d+$/.test(a));
    if (req && item.ordered && item.listDepth === 1 && item.ordinal !== null) return `${req}.${item.ordinal}`;
    return null;
  },
  defaults(path, fm) {
    if (!/(^|\/)\.kiro\/steering\//.test(path)) return {};
    const out: Partial<SpecMeta> = {};
    const inclusion = typeof fm.inclusion === 'string' ? fm.inclusion : 'always';
    // Kiro's default for steering without frontmatter is "always".
    out.inclusion = inclusion === 'always' ? 'always' : 'on-request';
    const pattern = fm.fileMatchPattern;
    if (inclusion === 'fileMatch' && (typeof pattern === 'string' || Array.isArray(pattern))) {
      // Globs are strings: anything else in the list is skipped, never turned into one (String() of a nested list
      // writes out every element of it).
      out.appliesTo = (Array.isArray(pattern) ? pattern : [pattern]).filter((p) => typeof p === 'string');
    }
    return out;
  },
};
