// OpenSpec: openspec/specs/<capability>/spec.md (Requirement/Scenario); openspec/changes/** are proposals.
import { slugify } from '../clause-ids.js';
import type { FormatRules } from './types.js';

const REQUIREMENT_RE = /^Requirement:\s*(.+)$/i;
const SCENARIO_RE = /^Scenario:\s*(.+)$/i;

export const openSpecFormat: FormatRules = {
  format: 'openspec',
  matches: (path) => /(^|\/)openspec\//.test(path),
  kind: (path) => (/(^|\/)openspec\/changes\//.test(path) ? 'proposal' : 'spec'),
  headingId(title, ctx) {
    const req = REQUIREMENT_RE.exec(title);
    // OpenSpec deltas name requirements by title, so the title is the stable identity.
    if (req) return `req-${slugify(req[1]!)}`;
    const scenario = SCENARIO_RE.exec(title);
    if (scenario) {
      const parent = [...ctx.ancestors].reverse().find((a) => a.startsWith('req-'));
      return `${parent ?? 'scenario'}.${slugify(scenario[1]!)}`;
    }
    return null;
  },
  defaults: (path) => (/(^|\/)openspec\/changes\//.test(path) ? { status: 'proposed' } : {}),
};
