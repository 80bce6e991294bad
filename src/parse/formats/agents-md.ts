// AGENTS.md: standing instructions for agents; a nested file applies to its folder's subtree.
import type { FormatRules } from './types.js';

export const agentsMdFormat: FormatRules = {
  format: 'agents-md',
  matches: (path) => /(^|\/)AGENTS\.md$/i.test(path),
  kind: () => 'agents',
  defaults(path) {
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    return { appliesTo: [dir ? `${dir}/**` : '**'] };
  },
};
