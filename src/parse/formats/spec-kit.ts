// GitHub Spec Kit: specs/NNN-feature/{spec,plan,tasks}.md and .specify/memory/constitution.md.
import { slugify } from '../clause-ids.js';
import type { FormatRules } from './types.js';

const TASK_RE = /^\[[ xX]\]\s+(T\d{3,})\b/;
const USER_STORY_RE = /^User Story\s+(\d+)\b/i;

export const specKitFormat: FormatRules = {
  format: 'spec-kit',
  matches: (path) => /(^|\/)specs\/\d{3}-[^/]+\/[^/]+\.md$/.test(path) || /(^|\/)\.specify\//.test(path),
  kind: () => 'spec',
  headingId(title) {
    const story = USER_STORY_RE.exec(title);
    if (story) return `us-${story[1]}`;
    // Constitution principles: "### I. Library-First" keep their roman numeral as a stable handle.
    const principle = /^([IVXLC]+)\.\s+(.+)$/.exec(title);
    if (principle) return `principle-${principle[1]!.toLowerCase()}-${slugify(principle[2]!)}`;
    return null;
  },
  itemId(item) {
    const task = TASK_RE.exec(item.inline);
    return task ? task[1]! : null;
  },
};
