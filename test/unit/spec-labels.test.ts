// True labels: a file shows what is known about it (declared status, format, folder), never an invented default.
import { describe, expect, it } from 'vitest';
import { statusLabel } from '../../src/parse/labels.js';
import { parseDoc } from '../helpers/parse.js';

const bare = '# Title\n\nSome text.\n\n## Part\n\nMore text.\n';
const labelOf = (path: string, text = bare): string => {
  const doc = parseDoc(path, text);
  return statusLabel(doc.role, doc.versioned ? doc.version : '');
};

describe('spec labels', () => {
  it.each([
    ['AGENTS.md', 'standing instructions'],
    ['services/refunds/AGENTS.md', 'standing instructions'],
    ['.kiro/steering/product.md', 'standing instructions'],
    ['skills/pdf/SKILL.md', 'skill'],
    ['examples/refusal.md', 'example'],
    ['docs/examples/refusal.md', 'example'],
    ['templates/spec-template.md', 'template'],
    ['templates/commands/plan.md', 'template'],
    ['CHANGELOG.md', 'changelog'],
    ['openspec/changes/add-x/proposal.md', 'change proposal'],
    ['openspec/changes/archive/2025-01-11-add-x/proposal.md', 'archived'],
    ['openspec/specs/cli-archive/spec.md', 'unversioned'],
    ['specs/001-guard-cli/spec.md', 'unversioned'],
    ['.kiro/specs/trail/requirements.md', 'unversioned'],
    ['model_spec.md', 'unversioned'],
    ['notes.md', 'unversioned'],
    ['docs/concepts/sdd.md', 'docs'],
    ['openspec/explorations/workspace.md', 'working notes'],
  ])('labels %s without frontmatter as "%s"', (path, label) => {
    expect(labelOf(path)).toBe(label);
  });

  it('shows a declared status and version as written', () => {
    const fm = (extra: string) => `---\nid: x\n${extra}\n---\n${bare}`;
    expect(labelOf('x.md', fm('status: approved\nversion: 1.2.0'))).toBe('approved v1.2.0');
    expect(labelOf('x.md', fm('status: draft'))).toBe('draft');
    expect(labelOf('x.md', fm('version: 2.0.0'))).toBe('v2.0.0');
    expect(labelOf('x.md', fm('status: deprecated\nversion: 1.6.0'))).toBe('deprecated v1.6.0');
    expect(labelOf('x.md', fm('inclusion: always'))).toBe('standing instructions');
  });

  it('never labels a file without frontmatter draft or v0.0.0', () => {
    for (const path of ['AGENTS.md', 'SKILL.md', 'CHANGELOG.md', 'examples/a.md', 'plain.md']) {
      expect(labelOf(path)).not.toMatch(/draft|0\.0\.0/);
    }
  });
});
