// Which format a path follows, and the metadata each format implies where frontmatter is silent.
import { describe, expect, it } from 'vitest';
import { parseDoc } from '../helpers/parse.js';

describe('format detection', () => {
  it.each([
    ['AGENTS.md', 'agents-md', 'agents'],
    ['services/refunds/AGENTS.md', 'agents-md', 'agents'],
    ['skills/pdf/SKILL.md', 'skill', 'skill'],
    ['.kiro/specs/login/requirements.md', 'kiro', 'spec'],
    ['.kiro/steering/tech.md', 'kiro', 'steering'],
    ['openspec/specs/auth/spec.md', 'openspec', 'spec'],
    ['openspec/changes/add-2fa/specs/auth/spec.md', 'openspec', 'proposal'],
    ['specs/001-login/spec.md', 'spec-kit', 'spec'],
    ['.specify/memory/constitution.md', 'spec-kit', 'spec'],
    ['model_spec.md', 'model-spec', 'spec'],
    ['docs/auth.md', 'markdown', 'spec'],
  ])('reads %s as %s (%s)', (path, format, kind) => {
    expect(parseDoc(path, '# T\n')).toMatchObject({ format, kind });
  });
});

describe('Kiro steering', () => {
  it('is a standing (always) rule when it has no frontmatter, as in Kiro', () => {
    expect(parseDoc('.kiro/steering/tech.md', '# Tech\n').inclusion).toBe('always');
  });

  it('keeps a fileMatch pattern as applies_to and is then read on request', () => {
    const doc = parseDoc(
      '.kiro/steering/api.md',
      '---\ninclusion: fileMatch\nfileMatchPattern: "src/api/**/*.ts"\n---\n# API\n',
    );
    expect(doc).toMatchObject({ inclusion: 'on-request', appliesTo: ['src/api/**/*.ts'] });
  });

  it('is read on request when marked manual', () => {
    expect(parseDoc('.kiro/steering/m.md', '---\ninclusion: manual\n---\n# M\n').inclusion).toBe(
      'on-request',
    );
  });
});

describe('AGENTS.md', () => {
  it('applies to the subtree of its folder', () => {
    expect(parseDoc('AGENTS.md', '# A\n').appliesTo).toEqual(['**']);
    expect(parseDoc('services/refunds/AGENTS.md', '# A\n').appliesTo).toEqual(['services/refunds/**']);
  });
});

describe('SKILL.md', () => {
  it('uses name and description as the catalog title and summary', () => {
    const doc = parseDoc(
      'skills/pdf/SKILL.md',
      '---\nname: pdf\ndescription: Fill and merge PDF forms.\n---\n# PDF skill\n\n## Steps\n',
    );
    expect(doc).toMatchObject({
      id: 'skills/pdf/SKILL',
      title: 'pdf',
      summary: 'Fill and merge PDF forms.',
      kind: 'skill',
    });
    expect(doc.clauses.map((c) => c.id)).toEqual(['steps']);
  });
});

describe('OpenSpec changes', () => {
  it('are proposals, marked proposed', () => {
    expect(parseDoc('openspec/changes/add-2fa/proposal.md', '# Add 2FA\n').status).toBe('proposed');
  });
});
